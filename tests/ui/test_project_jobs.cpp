// SPDX-License-Identifier: MIT
// The "Project jobs" window through input only: opened with its shortcut, every user's
// running jobs listed, one cancelled by a click on its row and on Cancel, then the watch
// rule typed and applied, which cancels exactly the jobs it matches. Other users' jobs are
// made over HTTP as they would be by their own clients (X-Quarry-User on the sandbox).
#include "Dialogs.h"
#include "MainWindow.h"
#include "WindowTest.h"
#include "jobs/CostWindow.h"
#include "jobs/ProjectJobsModel.h"
#include "jobs/ProjectJobsWindow.h"
#include "jobs/Session.h"
#include "net/HttpClient.h"

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSettings>
#include <QStandardItemModel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QtTest>
#include <map>

using namespace quarry;

namespace {

/// Starts a query job as `user` with a label the sandbox's fault rule slows.
std::string startJob(const QString& url, const std::string& user, const std::string& label, const std::string& priority) {
    HttpClient http;
    HttpRequest r;
    r.method = "POST";
    r.url = url.toStdString() + "/bigquery/v2/projects/sandbox/jobs";
    r.headers = {{"X-Quarry-User", user}, {"Content-Type", "application/json"}};
    r.body = Json{{"configuration", {{"labels", {{"w", label}}}, {"query", {{"query", "SELECT fullName FROM samples.persons"}, {"useLegacySql", false}, {"priority", priority}}}}}}.dump();
    const auto resp = http.send(r);
    if (resp.status != 200) return {};
    return Json::parse(resp.body)["jobReference"]["jobId"].get<std::string>();
}

std::string stateOf(MainWindow* w, const std::string& id) {
    const Json j = w->session()->client->getJob(JobRef{w->session()->project, id, {}});
    const Json status = j.value("status", Json::object());
    return status.value("state", std::string()) + (status.contains("errorResult") ? "/" + status["errorResult"].value("reason", std::string()) : "");
}

} // namespace

class TestProjectJobs : public QObject {
    Q_OBJECT
    test::WindowFixture fixture_;

private slots:
    void init() { QVERIFY(fixture_.begin()); }
    void cleanup() {
        dialogs::answerWith({});
        qunsetenv("QUARRY_SANDBOX_FAULTS");
        const QString warnings = fixture_.end();
        QVERIFY2(warnings.isEmpty(), qPrintable(warnings));
    }

    void cancelByHandAndByTheRule() {
        qputenv("QUARRY_SANDBOX_FAULTS", "job@w=slow:delay=600s:1,job@w=medium:delay=200s:1");
        auto w = test::openWindow();
        QVERIFY(w->session());
        const QString url = w->session()->url;
        std::map<std::string, std::string> expect; // job -> what becomes of it
        const std::string byHand = startJob(url, "dee@x.com", "slow", "BATCH");
        expect[byHand] = "DONE/stopped";
        expect[startJob(url, "ann@x.com", "slow", "INTERACTIVE")] = "DONE/stopped";
        expect[startJob(url, "ann@x.com", "slow", "BATCH")] = "RUNNING";
        expect[startJob(url, "bob@x.com", "slow", "INTERACTIVE")] = "DONE/stopped";
        expect[startJob(url, "bob@x.com", "medium", "INTERACTIVE")] = "RUNNING"; // under 5 minutes left
        expect[startJob(url, "cy@x.com", "slow", "INTERACTIVE")] = "DONE/stopped";
        QVERIFY(!expect.count(""));

        w->activateWindow();
        QTest::keyClick(w.get(), Qt::Key_J, Qt::ControlModifier | Qt::ShiftModifier);
        auto* win = w->findChild<ProjectJobsWindow*>();
        QVERIFY(win);
        QVERIFY(QTest::qWaitForWindowExposed(win));
        auto* view = win->findChild<QTableView*>(QStringLiteral("projectJobsView"));
        // Listed with their users, and (once they have run a moment) an estimate of what is left.
        QTRY_VERIFY_WITH_TIMEOUT(win->model()->rowCount() == 6 && !win->model()->index(win->model()->rowOf(byHand), ProjectJobsModel::Left).data().toString().isEmpty(), 20000);
        QCOMPARE(win->model()->index(win->model()->rowOf(byHand), ProjectJobsModel::User).data().toString(), QStringLiteral("dee@x.com"));
        // What each has read so far: its share of the estimate made when it was bound.
        const QString read = win->model()->index(win->model()->rowOf(byHand), ProjectJobsModel::Processed).data().toString();
        QVERIFY2(read.startsWith(QStringLiteral("\u2248 ")) && read.contains(QStringLiteral(" of ")) && !read.endsWith(QStringLiteral(" of 0 B")),
                 qPrintable(read));

        // A click on dee's row, Cancel, Yes: that job stops.
        QString asked;
        dialogs::Answerer yes;
        yes.question = [&](const QString&, const QString& text) {
            asked = text;
            return true;
        };
        dialogs::answerWith(yes);
        const int row = win->model()->rowOf(byHand);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(win->model()->index(row, ProjectJobsModel::User)).center());
        QSignalSpy ended(win, &ProjectJobsWindow::cancelsEnded);
        QTest::mouseClick(win->findChild<QPushButton*>(QStringLiteral("cancelJobs")), Qt::LeftButton);
        QVERIFY(ended.wait(30000) || ended.size() == 1);
        QVERIFY2(asked.contains(QString::fromStdString(byHand) + QStringLiteral(" (dee@x.com)")), qPrintable(asked));
        QCOMPARE(stateOf(w.get(), byHand), std::string("DONE/stopped"));
        QTRY_COMPARE_WITH_TIMEOUT(win->model()->rowCount(), 5, 20000);

        // The seeds' rule with a short elapsed time, typed and applied with Return: with a
        // million committed slots nothing has 5 minutes left ...
        auto* slotsBox = win->findChild<QSpinBox*>(QStringLiteral("committedSlots"));
        QTest::mouseClick(slotsBox, Qt::LeftButton);
        QTest::keyClick(slotsBox, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(slotsBox, QStringLiteral("1000000"));
        auto* rule = win->findChild<QLineEdit*>(QStringLiteral("watchRule"));
        QTest::mouseClick(rule, Qt::LeftButton);
        QTest::keyClick(rule, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(rule, QStringLiteral("type=QUERY priority=INTERACTIVE elapsed>=500ms remaining>=5m"));
        QTest::keyClick(rule, Qt::Key_Return);
        QVERIFY2(win->status().startsWith(QStringLiteral("The rule matches none")), qPrintable(win->status()));
        // ... and at the rate they have run, three have.
        QTest::mouseClick(slotsBox, Qt::LeftButton);
        QTest::keyClick(slotsBox, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(slotsBox, QStringLiteral("0"));
        QCOMPARE(slotsBox->value(), 0);
        QTest::mouseClick(rule, Qt::LeftButton);
        QTest::keyClick(rule, Qt::Key_Return);
        QVERIFY(ended.wait(30000) || ended.size() == 2);
        QVERIFY2(asked.startsWith(QStringLiteral("The rule matches 3 jobs running or pending")), qPrintable(asked));
        QVERIFY2(win->status().startsWith(QStringLiteral("Cancelled 3 of 3")), qPrintable(win->status()));
        for (const auto& [id, state] : expect) QCOMPARE(stateOf(w.get(), id), state);

        // A rule that cannot be read says where, and cancels nothing.
        QTest::keyClick(rule, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(rule, QStringLiteral("type=QUERY elapsd>=1m"));
        QTest::keyClick(rule, Qt::Key_Return);
        QVERIFY2(win->status().startsWith(QStringLiteral("The rule [col 12]: unknown key 'elapsd'")), qPrintable(win->status()));
        win->close();
    }

    // Queries of two users, then the Cost window: today's bar holds every user's cost; per
    // user, each with their jobs, most expensive first; a new price is kept and used.
    void costPerDayAndPerUser() {
        auto w = test::openWindow();
        QVERIFY(w->session());
        const QString url = w->session()->url;
        HttpClient http;
        auto query = [&](const std::string& user, const std::string& sql) {
            HttpRequest r;
            r.method = "POST";
            r.url = url.toStdString() + "/bigquery/v2/projects/sandbox/queries";
            r.headers = {{"X-Quarry-User", user}, {"Content-Type", "application/json"}};
            r.body = Json{{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}, {"timeoutMs", 60000}}.dump();
            return http.send(r).status == 200;
        };
        for (int i = 0; i < 3; ++i) QVERIFY(query("ann@x.com", "SELECT fullName FROM samples.persons WHERE age > " + std::to_string(i)));
        QVERIFY(query("bob@x.com", "SELECT COUNT(*) FROM samples.persons"));

        w->activateWindow();
        QTest::keyClick(w.get(), Qt::Key_K, Qt::ControlModifier | Qt::ShiftModifier);
        auto* cost = w->findChild<CostWindow*>();
        QVERIFY(cost);
        QSignalSpy refreshed(cost, &CostWindow::refreshed);
        QVERIFY(refreshed.wait(30000) || refreshed.size() == 1);
        QVERIFY2(cost->status().contains(QStringLiteral("every user's jobs")), qPrintable(cost->status()));
        const QList<double> days = cost->bars();
        QCOMPARE(days.size(), 30);
        for (int i = 0; i < 29; ++i) QCOMPARE(days[i], 0.0);
        QVERIFY(days.last() > 0);

        // Per user, chosen with the keyboard on the combo box.
        auto* by = cost->findChild<QComboBox*>(QStringLiteral("costBy"));
        by->setFocus();
        QTest::keyClick(by, Qt::Key_Down);
        QVERIFY(refreshed.wait(30000) || refreshed.size() == 2);
        QStandardItemModel* t = cost->table();
        std::map<QString, int> jobs;
        for (int r = 0; r < t->rowCount(); ++r) jobs[t->item(r, 0)->text()] = t->item(r, 1)->text().toInt();
        QCOMPARE(jobs[QStringLiteral("ann@x.com")], 3);
        QCOMPARE(jobs[QStringLiteral("bob@x.com")], 1);
        QCOMPARE(cost->bars().size(), t->rowCount());
        for (int i = 1; i < cost->bars().size(); ++i) QVERIFY(cost->bars()[i - 1] >= cost->bars()[i]);
        auto annsBar = [&] {
            for (int r = 0; r < t->rowCount(); ++r)
                if (t->item(r, 0)->text() == QStringLiteral("ann@x.com")) return cost->bars().value(r);
            return -1.0;
        };
        const double before = annsBar();
        QVERIFY(before > 0);

        // Twice the price: twice the cost, and the price is kept for this connection.
        auto* price = cost->findChild<QDoubleSpinBox*>(QStringLiteral("costPrice"));
        QTest::mouseClick(price, Qt::LeftButton);
        QTest::keyClick(price, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(price, QStringLiteral("12.5"));
        QTest::keyClick(price, Qt::Key_Return);
        QVERIFY(refreshed.wait(30000) || refreshed.size() == 3);
        QVERIFY2(std::abs(annsBar() - 2 * before) < 1e-12, qPrintable(QString::number(annsBar())));
        QCOMPARE(QSettings().value(QStringLiteral("cost/sandbox/pricePerTiB")).toDouble(), 12.5);
        cost->close();
    }
};

QTEST_MAIN(TestProjectJobs)
#include "test_project_jobs.moc"
