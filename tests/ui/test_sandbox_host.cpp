// SPDX-License-Identifier: MIT
// The app runs the local sandbox as a child process: the window paints before the sandbox
// answers, a sandbox killed while the app runs is noticed, reported and started again (and
// a query typed afterwards runs), a crash loop is given up with a message, and a sandbox
// already started by hand on the same data folder is reported, not fought over. Any Qt
// warning fails a test.
#include "MainWindow.h"
#include "SandboxHost.h"
#include "WindowTest.h"
#include "platform/Process.h"
#include "results/ResultSet.h"
#include "results/ResultView.h"

#include <Qsci/qsciscintilla.h>
#include <QApplication>
#include <QLabel>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

using namespace quarry;

namespace {

QString statusText(MainWindow& w) {
    auto* status = w.findChild<QLabel*>(QStringLiteral("connectionStatus"));
    return status ? status->text() : QString();
}

bool alive(qint64 pid) { return platform::processExists(pid); }

} // namespace

class TestSandboxHost : public QObject {
    Q_OBJECT
    test::WindowFixture fixture_;

private slots:
    void init() { QVERIFY(fixture_.begin()); }

    void cleanup() {
        const QString warnings = fixture_.end();
        QVERIFY2(warnings.isEmpty(), qPrintable(warnings));
    }

    void theWindowPaintsBeforeTheSandboxAnswers() {
        auto w = std::make_unique<MainWindow>();
        QSignalSpy ready(w.get(), &MainWindow::ready);
        w->show();
        // No event has been processed yet: the sandbox cannot have answered, and the window
        // still paints whole.
        QVERIFY2(statusText(*w).startsWith(QStringLiteral("Starting the local sandbox")), qPrintable(statusText(*w)));
        QVERIFY(!w->grab().isNull());
        QVERIFY(ready.wait(30000));
        QVERIFY2(statusText(*w).startsWith(QStringLiteral("Local sandbox at http://127.0.0.1:")), qPrintable(statusText(*w)));
    }

    void theSandboxIsAChildProcessStoppedWithTheApp() {
        qint64 pid = 0;
        {
            auto w = test::openWindow();
            auto* host = w->findChild<SandboxHost*>();
            QVERIFY(host);
            pid = host->processId();
            QVERIFY(pid > 0 && pid != QCoreApplication::applicationPid());
            QVERIFY(alive(pid));
        }
        // The window is gone and so is the sandbox (it was asked to stop and waited for).
        QVERIFY(QTest::qWaitFor([pid] { return !alive(pid); }, 10000));
    }

    void aKilledSandboxIsReportedAndStartedAgain() {
        auto w = test::openWindow();
        auto* host = w->findChild<SandboxHost*>();
        QVERIFY(host);
        const qint64 pid = host->processId();
        const QString url = host->url();
        QSignalSpy stopped(host, &SandboxHost::stopped), restarted(host, &SandboxHost::restarted);
        QVERIFY(platform::killProcess(pid));
        QVERIFY(stopped.wait(10000));
        QVERIFY2(stopped.first().at(0).toString().contains(QStringLiteral("restarting")), qPrintable(stopped.first().at(0).toString()));
        QVERIFY(restarted.size() == 1 || restarted.wait(30000));
        QCOMPARE(restarted.first().at(0).toString(), url); // the same port: open tabs keep working
        QVERIFY2(statusText(*w).contains(QStringLiteral("restarted")), qPrintable(statusText(*w)));
        QVERIFY(host->processId() != pid && alive(host->processId()));
        // What was stored before the kill is there, and a query typed now runs.
        QVERIFY(test::runTyped(w->currentTab(), QStringLiteral("SELECT COUNT(*) AS n FROM samples.persons")));
        QueryTab* tab = w->currentTab();
        QVERIFY2(tab->results()->status().startsWith(QStringLiteral("1 row")), qPrintable(tab->results()->status()));
        QCOMPARE(tab->results()->resultSet()->row(0)[0].asInt64(), 3);
    }

    void aSandboxThatKeepsDyingIsLeftStopped() {
        auto w = test::openWindow();
        auto* host = w->findChild<SandboxHost*>();
        QVERIFY(host);
        QSignalSpy failed(host, &SandboxHost::failed), restarted(host, &SandboxHost::restarted);
        for (int round = 1; round <= 3; ++round) {
            const qint64 pid = host->processId();
            QVERIFY(alive(pid));
            QVERIFY(platform::killProcess(pid));
            if (round < 3) QVERIFY(QTest::qWaitFor([&] { return restarted.size() == round; }, 30000));
        }
        QVERIFY(failed.wait(10000));
        QVERIFY2(statusText(*w).contains(QStringLiteral("stopped 3 times within a minute")), qPrintable(statusText(*w)));
        QCOMPARE(host->processId(), 0);
    }

    void aSandboxStartedByHandOnTheSameFolderIsReported() {
        QProcess byHand;
        byHand.start(qEnvironmentVariable("QUARRY_SANDBOX_BIN"),
                     {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--data"),
                      fixture_.home() + QStringLiteral("/data/quarry/sandbox")});
        QVERIFY(byHand.waitForStarted());
        QVERIFY(QTest::qWaitFor([&] { return byHand.canReadLine() || byHand.waitForReadyRead(100); }, 10000));
        QVERIFY(byHand.readLine().startsWith("listening on "));
        auto w = std::make_unique<MainWindow>();
        auto* host = w->findChild<SandboxHost*>();
        QSignalSpy failed(host, &SandboxHost::failed);
        w->show();
        QVERIFY(failed.wait(10000));
        QVERIFY2(statusText(*w).contains(QStringLiteral("is in use by another sandbox")), qPrintable(statusText(*w)));
        w.reset();
        byHand.terminate();
        QVERIFY(byHand.waitForFinished(10000));
    }
};

QTEST_MAIN(TestSandboxHost)
#include "test_sandbox_host.moc"
