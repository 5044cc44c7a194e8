// SPDX-License-Identifier: MIT
// What the main-window tests share: a fresh home folder per test function (XDG_DATA_HOME,
// XDG_CONFIG_HOME and XDG_STATE_HOME, where upload journals live, point into it), a window that is shown and ready (sandbox up, tabs back),
// typing and running a query through key events, and failing a test on any Qt warning.
#pragma once

#include "FailOnWarnings.h"
#include "MainWindow.h"
#include "bigquery/BigQueryClient.h"

#include <Qsci/qsciscintilla.h>
#include <QApplication>
#include <QDropEvent>
#include <QMimeData>
#include <QUrl>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <QStringList>
#include <cstdio>
#include <memory>

namespace quarry::test {

inline std::unique_ptr<QTemporaryDir> freshHome() {
    auto home = std::make_unique<QTemporaryDir>();
    qputenv("XDG_DATA_HOME", (home->path() + QStringLiteral("/data")).toUtf8());
    qputenv("XDG_CONFIG_HOME", (home->path() + QStringLiteral("/config")).toUtf8());
    qputenv("XDG_STATE_HOME", (home->path() + QStringLiteral("/state")).toUtf8());
    return home;
}

inline std::unique_ptr<MainWindow> openWindow(int timeoutMs = 30000) {
    auto w = std::make_unique<MainWindow>();
    QSignalSpy ready(w.get(), &MainWindow::ready);
    w->show();
    if (!ready.wait(timeoutMs)) qWarning("the window did not get ready");
    return w;
}

/// Any Qt warning during a test fails it: start() in init(), and in cleanup()
/// `QVERIFY2(w.stop().isEmpty(), ...)` with what was printed. The offscreen platform's own
/// limits ("This plugin does not support ...") are not the app's and are let through.
class QtWarnings {
public:
    void start() {
        seen().clear();
        previous_ = qInstallMessageHandler(&QtWarnings::record);
    }
    QString stop() {
        qInstallMessageHandler(previous_);
        return seen().join(QLatin1Char('\n'));
    }

private:
    static QStringList& seen() {
        static QStringList s;
        return s;
    }
    static void record(QtMsgType type, const QMessageLogContext&, const QString& message) {
        const bool platform = message.contains(QStringLiteral("This plugin does not support"));
        if (type != QtDebugMsg && type != QtInfoMsg && !platform) seen() << message;
        fprintf(stderr, "%s\n", qPrintable(message));
    }
    QtMessageHandler previous_ = nullptr;
};

/// Clicks into the editor, selects everything with Ctrl+A and types `sql` over it.
inline void typeQuery(QsciScintilla* editor, const QString& sql) {
    QTest::mouseClick(editor->viewport(), Qt::LeftButton, {}, QPoint(20, 10));
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(editor, sql);
}

/// Types `sql` into the tab, presses Ctrl+Enter where the focus is and waits for the run to end.
inline bool runTyped(QueryTab* tab, const QString& sql) {
    typeQuery(tab->editor(), sql);
    QSignalSpy running(tab, &QueryTab::runningChanged);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return, Qt::ControlModifier);
    return QTest::qWaitFor([&] { return running.size() >= 2 && !running.last().at(0).toBool(); }, 20000);
}

/// A test function's surroundings: a fresh home folder, and Qt warnings recorded. begin() in
/// init(); end() in cleanup() returns the warnings printed meanwhile (none is the pass).
class WindowFixture {
public:
    bool begin() {
        home_ = freshHome();
        warnings_.start();
        return home_->isValid();
    }
    QString end() { return warnings_.stop(); }
    QString home() const { return home_->path(); }

private:
    std::unique_ptr<QTemporaryDir> home_;
    QtWarnings warnings_;
};

/// Drags `files` over `target` and drops them at `at` (as a file manager would); returns
/// whether the drag was accepted.
inline bool dropFiles(QWidget* target, const QStringList& files, QPoint at = QPoint(400, 300)) {
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString& f : files) urls << QUrl::fromLocalFile(f);
    mime.setUrls(urls);
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    if (!enter.isAccepted()) return false;
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return true;
}

inline QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// "DONE/stopped", "RUNNING", ... of the newest job of the project that ran `sql`; empty
/// when there is none (yet). A run in short query mode has no job id to ask for until
/// BigQuery makes one, so tests find its job as a person would: in the project's list.
inline std::string jobStateOf(BigQueryClient& c, const std::string& project, const std::string& sql) {
    const auto list = c.listJobs(project, BigQueryClient::JobListOptions{});
    for (const auto& j : list.value("jobs", nlohmann::json::array())) {
        const auto config = j.value("configuration", nlohmann::json::object()).value("query", nlohmann::json::object());
        if (config.value("query", std::string()) != sql) continue;
        const auto status = j.value("status", nlohmann::json::object());
        std::string state = status.value("state", std::string());
        if (status.contains("errorResult")) state += "/" + status["errorResult"].value("reason", std::string());
        return state;
    }
    return {};
}

} // namespace quarry::test
