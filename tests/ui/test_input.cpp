// SPDX-License-Identifier: MIT
// The main window as a person drives it: keys and clicks delivered as events to the window,
// so Qt's shortcut map and focus decide what happens, never a direct method call. Any Qt
// warning printed during a test fails it ("Ambiguous shortcut overload" is how Ctrl+Enter
// silently did nothing).
#include "MainWindow.h"
#include "WindowTest.h"
#include "jobs/QueryJob.h"
#include "jobs/Session.h"
#include "results/ResultSet.h"
#include "results/ResultView.h"

#include <Qsci/qsciscintilla.h>
#include <QApplication>
#include <QCheckBox>
#include <QPointer>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QToolBar>
#include <QToolButton>
#include <QtTest>
#include <memory>

using namespace quarry;

using test::typeQuery;

class TestInput : public QObject {
    Q_OBJECT
    test::WindowFixture fixture_;

private slots:
    void init() { QVERIFY(fixture_.begin()); }

    void cleanup() {
        const QString warnings = fixture_.end();
        QVERIFY2(warnings.isEmpty(), qPrintable(warnings));
    }

    // The first thing the welcome tab says to do: type, press Ctrl+Enter, see the rows.
    void ctrlEnterRunsWhatWasTyped() {
        auto w = test::openWindow();
        QueryTab* tab = w->currentTab();
        QVERIFY(tab);
        w->activateWindow();
        typeQuery(tab->editor(), QStringLiteral("SELECT fullName FROM samples.persons ORDER BY fullName"));
        QSignalSpy running(tab, &QueryTab::runningChanged);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return, Qt::ControlModifier);
        QVERIFY2(QTest::qWaitFor([&] { return running.size() >= 2 && !running.last().at(0).toBool(); }, 20000),
                 qPrintable(tab->results()->status()));
        QVERIFY2(tab->results()->status().startsWith(QStringLiteral("3 rows")), qPrintable(tab->results()->status()));
        // The keypad's Enter does the same.
        typeQuery(tab->editor(), QStringLiteral("SELECT 1 AS one"));
        QSignalSpy again(tab, &QueryTab::runningChanged);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Enter, Qt::ControlModifier | Qt::KeypadModifier);
        QVERIFY(QTest::qWaitFor([&] { return again.size() >= 2 && !again.last().at(0).toBool(); }, 20000));
        QVERIFY2(tab->results()->status().startsWith(QStringLiteral("1 row")), qPrintable(tab->results()->status()));
    }

    // Select all, type a new query and click Run on the toolbar: the typed query runs (it
    // answered "Nothing to run: the editor is empty.").
    void typingOverASelectionThenClickingRunRunsIt() {
        auto w = test::openWindow();
        QueryTab* tab = w->currentTab();
        QVERIFY(tab);
        typeQuery(tab->editor(), QStringLiteral("SELECT 2 AS two"));
        auto* bar = w->findChild<QToolBar*>(QStringLiteral("queryToolBar"));
        QVERIFY(bar);
        QToolButton* runButton = nullptr;
        for (auto* b : bar->findChildren<QToolButton*>())
            if (b->defaultAction() && b->defaultAction()->text() == QStringLiteral("Run")) runButton = b;
        QVERIFY(runButton);
        QSignalSpy running(tab, &QueryTab::runningChanged);
        QTest::mouseClick(runButton, Qt::LeftButton);
        QVERIFY2(QTest::qWaitFor([&] { return running.size() >= 2 && !running.last().at(0).toBool(); }, 20000),
                 qPrintable(tab->results()->status()));
        QVERIFY2(tab->results()->status().startsWith(QStringLiteral("1 row")), qPrintable(tab->results()->status()));
    }

    // The tab's Session checkbox, clicked: a variable declared in one run is there in the
    // next; clicked again, the session ends and the name is unknown.
    void aTabSessionKeepsVariablesBetweenRuns() {
        auto w = test::openWindow();
        QueryTab* tab = w->currentTab();
        QVERIFY(tab);
        auto* toggle = tab->findChild<QCheckBox*>(QStringLiteral("sessionToggle"));
        QVERIFY(toggle);
        QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
        QVERIFY(tab->bigQuerySessionOn());
        auto runTyped = [&](const QString& sql) { return test::runTyped(tab, sql); };
        QVERIFY2(runTyped(QStringLiteral("DECLARE answer INT64 DEFAULT 41; SELECT answer")), qPrintable(tab->results()->status()));
        QVERIFY2(!tab->bigQuerySessionId().isEmpty(), qPrintable(tab->results()->status()));
        QVERIFY2(runTyped(QStringLiteral("SELECT answer + 1 AS y")), qPrintable(tab->results()->status()));
        QVERIFY2(tab->results()->status().startsWith(QStringLiteral("1 row")), qPrintable(tab->results()->status()));
        QCOMPARE(tab->results()->resultSet()->row(0)[0].asInt64(), 42);
        QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
        QVERIFY(!tab->bigQuerySessionOn());
        QVERIFY(tab->bigQuerySessionId().isEmpty());
        QVERIFY(runTyped(QStringLiteral("SELECT answer")));
        QVERIFY2(tab->results()->status().contains(QStringLiteral("Unrecognized name: answer")), qPrintable(tab->results()->status()));
    }

    // Ctrl+W on a tab whose job still runs: the tab goes and the job is cancelled on the
    // server (it was left running, billing for rows nobody would see).
    void closingATabCancelsItsRunningJobOnTheServer() {
        qputenv("QUARRY_SANDBOX_FAULTS", "job:delay=20s:1");
        auto w = test::openWindow();
        qunsetenv("QUARRY_SANDBOX_FAULTS");
        QueryTab* tab = w->currentTab();
        QVERIFY(tab);
        w->activateWindow();
        typeQuery(tab->editor(), QStringLiteral("SELECT fullName FROM samples.persons"));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(tab->results()->status().startsWith(QStringLiteral("running")), 10000);
        QVERIFY(tab->job());
        // In short query mode the job has no id yet (BigQuery makes one once the query runs
        // long); closing the tab stops the wait, and the job made meanwhile is cancelled.
        QPointer<QueryTab> closing(tab);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_W, Qt::ControlModifier);
        QTRY_VERIFY(!closing); // (the window then opens a fresh tab: it always has one)
        auto client = w->session()->client;
        std::string state;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         state = test::jobStateOf(*client, w->session()->project, "SELECT fullName FROM samples.persons");
                         return state.starts_with("DONE");
                     },
                     15000),
                 state.c_str());
        QCOMPARE(state, std::string("DONE/stopped"));
    }
};

QTEST_MAIN(TestInput)
#include "test_input.moc"
