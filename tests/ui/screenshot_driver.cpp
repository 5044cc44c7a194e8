// SPDX-License-Identifier: MIT
// The screenshot driver (not shipped): starts the real main window as the app does, drives
// it to a state worth showing and saves a PNG of the window or a dialog. scripts/screenshots.sh
// runs it for every picture in docs/screenshots.
#include "Application.h"
#include <QComboBox>
#include <QStandardItemModel>
#include "Background.h"
#include "MainWindow.h"
#include "jobs/CostWindow.h"
#include "jobs/ProjectJobsWindow.h"
#include "jobs/Session.h"
#include "net/HttpClient.h"
#include "connections/ConnectionDialog.h"
#include "connections/KeyPairWizard.h"
#include "jobs/PlanView.h"
#include "results/ResultView.h"
#include "upload/UploadDialog.h"

#include <Qsci/qsciscintilla.h>
#include <QApplication>
#include <QCommandLineParser>
#include <QDialog>
#include <QLineEdit>
#include <QTimer>
#include <cstdio>
#include <memory>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    quarry::setUpApplication(app);
    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Drives the real Quarry window to make the PNGs in docs/screenshots (scripts/screenshots.sh)."));
    cli.addHelpOption();
    const QCommandLineOption shot(QStringLiteral("screenshot"),
                                  QStringLiteral("Once ready, run the current tab's query, save a PNG of the window, then quit."),
                                  QStringLiteral("file"));
    cli.addOption(shot);
    const QCommandLineOption shotUpload(QStringLiteral("screenshot-upload"),
                                        QStringLiteral("With --screenshot: upload this file and save a PNG of the upload dialog mid-upload."),
                                        QStringLiteral("ndjson"));
    cli.addOption(shotUpload);
    const QCommandLineOption shotConnection(QStringLiteral("screenshot-connection"),
                                            QStringLiteral("With --screenshot: save a PNG of the dialog that adds a connection."));
    cli.addOption(shotConnection);
    const QCommandLineOption shotKeyPair(QStringLiteral("screenshot-keypair"),
                                         QStringLiteral("With --screenshot: save a PNG of the key-pair wizard after it made a key."));
    cli.addOption(shotKeyPair);
    const QCommandLineOption shotSql(QStringLiteral("screenshot-sql"),
                                     QStringLiteral("With --screenshot: run this query instead of the current tab's."), QStringLiteral("sql"));
    cli.addOption(shotSql);
    const QCommandLineOption shotView(QStringLiteral("screenshot-view"),
                                      QStringLiteral("With --screenshot: show the result as grid, flattened, json or chart."),
                                      QStringLiteral("view"));
    cli.addOption(shotView);
    const QCommandLineOption shotPlan(QStringLiteral("screenshot-plan"),
                                      QStringLiteral("With --screenshot: run the query, then save a PNG of its execution plan."));
    cli.addOption(shotPlan);
    const QCommandLineOption shotJobs(QStringLiteral("screenshot-project-jobs"),
                                      QStringLiteral("With --screenshot: start slowed jobs of three users, save a PNG of the Project jobs window."));
    cli.addOption(shotJobs);
    const QCommandLineOption shotCost(QStringLiteral("screenshot-cost"),
                                      QStringLiteral("With --screenshot: run queries as three users, save a PNG of the Cost window per user."));
    cli.addOption(shotCost);
    cli.process(app);
    if (!cli.isSet(shot)) {
        std::fprintf(stderr, "quarry-screenshot: --screenshot FILE is required (see --help)\n");
        return 2;
    }

    auto window = std::make_unique<quarry::MainWindow>();
    quarry::MainWindow& w = *window;
    w.show();
    if (cli.isSet(shot) && cli.isSet(shotKeyPair)) {
        const QString file = cli.value(shot);
        QObject::connect(&w, &quarry::MainWindow::ready, &w, [&w, file] {
            auto* d = qobject_cast<quarry::ConnectionDialog*>(w.addConnection());
            if (!d) QApplication::exit(1);
            quarry::KeyPairWizard* k = d->openKeyPairWizard();
            k->emailEdit()->setText(QStringLiteral("reports@my-project.iam.gserviceaccount.com"));
            QObject::connect(k, &quarry::KeyPairWizard::generated, k, [k, file](const QString& error) {
                QTimer::singleShot(300, k, [k, file, error] { QApplication::exit(error.isEmpty() && k->grab().save(file, "PNG") ? 0 : 1); });
            });
            k->generate();
        });
        QTimer::singleShot(60000, &w, [] { QApplication::exit(2); });
    } else if (cli.isSet(shot) && cli.isSet(shotJobs)) {
        const QString file = cli.value(shot);
        QObject::connect(&w, &quarry::MainWindow::ready, &w, [&w, file] {
            // Jobs as three colleagues' clients would start them (X-Quarry-User on the sandbox;
            // the fault rule for their labels keeps them running).
            const struct {
                const char *user, *label, *priority, *sql;
            } jobs[] = {
                // (Each reads the sample table: a job is bound, and estimated, before its delay.)
                {"ann@example.com", "slow", "INTERACTIVE", "SELECT c.place, COUNT(*) AS people FROM samples.persons, UNNEST(citiesLived) c GROUP BY c.place"},
                {"ann@example.com", "slow", "BATCH", "SELECT fullName, age FROM samples.persons ORDER BY age DESC"},
                {"bob@example.com", "medium", "INTERACTIVE", "SELECT * FROM samples.persons WHERE age >= 30"},
                {"bob@example.com", "slow", "INTERACTIVE", "SELECT a.fullName AS who, b.fullName AS other FROM samples.persons a CROSS JOIN samples.persons b"},
                {"cy@example.com", "slow", "BATCH", "SELECT gender, AVG(age) AS age FROM samples.persons GROUP BY gender"},
            };
            for (const auto& j : jobs) {
                quarry::HttpClient http;
                quarry::HttpRequest r;
                r.method = "POST";
                r.url = w.session()->url.toStdString() + "/bigquery/v2/projects/sandbox/jobs";
                r.headers = {{"X-Quarry-User", j.user}, {"Content-Type", "application/json"}};
                r.body = quarry::Json{{"configuration", {{"labels", {{"w", j.label}}},
                                                         {"query", {{"query", j.sql}, {"useLegacySql", false}, {"priority", j.priority}}}}}}.dump();
                if (http.send(r).status != 200) QApplication::exit(1);
            }
            // A few seconds in, so elapsed times and estimates show.
            QTimer::singleShot(3000, &w, [&w, file] {
                quarry::ProjectJobsWindow* p = w.showProjectJobs();
                QObject::connect(p, &quarry::ProjectJobsWindow::refreshed, p, [p, file] {
                    QTimer::singleShot(300, p, [p, file] { QApplication::exit(p->grab().save(file, "PNG") ? 0 : 1); });
                });
            });
        });
        QTimer::singleShot(60000, &w, [] { QApplication::exit(2); });
    } else if (cli.isSet(shot) && cli.isSet(shotCost)) {
        const QString file = cli.value(shot);
        QObject::connect(&w, &quarry::MainWindow::ready, &w, [&w, file] {
            const struct {
                const char* user;
                int runs;
            } users[] = {{"ann@example.com", 6}, {"bob@example.com", 3}, {"cy@example.com", 1}};
            for (const auto& u : users)
                for (int i = 0; i < u.runs; ++i) {
                    quarry::HttpClient http;
                    quarry::HttpRequest r;
                    r.method = "POST";
                    r.url = w.session()->url.toStdString() + "/bigquery/v2/projects/sandbox/queries";
                    r.headers = {{"X-Quarry-User", u.user}, {"Content-Type", "application/json"}};
                    r.body = quarry::Json{{"query", "SELECT fullName, age FROM samples.persons WHERE age > " + std::to_string(i)},
                                          {"useLegacySql", false}, {"useQueryCache", false}}.dump();
                    if (http.send(r).status != 200) QApplication::exit(1);
                }
            quarry::CostWindow* c = w.showCost();
            c->findChild<QComboBox*>(QStringLiteral("costBy"))->setCurrentIndex(1); // per user
            QObject::connect(c, &quarry::CostWindow::refreshed, c, [c, file] {
                if (c->table()->rowCount() < 3) return;
                QTimer::singleShot(500, c, [c, file] { QApplication::exit(c->grab().save(file, "PNG") ? 0 : 1); });
            });
        });
        QTimer::singleShot(60000, &w, [] { QApplication::exit(2); });
    } else if (cli.isSet(shot) && cli.isSet(shotConnection)) {
        const QString file = cli.value(shot);
        QObject::connect(&w, &quarry::MainWindow::ready, &w, [&w, file] {
            QDialog* d = w.addConnection();
            QTimer::singleShot(500, d, [d, file] { QApplication::exit(d->grab().save(file, "PNG") ? 0 : 1); });
        });
        QTimer::singleShot(60000, &w, [] { QApplication::exit(2); });
    } else if (cli.isSet(shot) && cli.isSet(shotUpload)) {
        const QString file = cli.value(shot), data = cli.value(shotUpload);
        QObject::connect(&w, &quarry::MainWindow::ready, &w, [&w, file, data] {
            w.uploadFiles({data}, QStringLiteral("uploads"));
            auto* poll = new QTimer(&w);
            QObject::connect(poll, &QTimer::timeout, &w, [&w, file] {
                auto* d = w.findChild<quarry::UploadDialog*>();
                if (!d) return;
                if (d->schemaReady() && !d->isUploading() && d->statusText().contains(QStringLiteral("Ready"))) d->startUpload();
                if (d->isUploading() && d->statusText().contains(QStringLiteral("rows/s")))
                    QApplication::exit(d->grab().save(file, "PNG") ? 0 : 1);
            });
            poll->start(100);
        });
        QTimer::singleShot(120000, &w, [] { QApplication::exit(2); });
    } else {
        const QString file = cli.value(shot), sql = cli.value(shotSql);
        const bool plan = cli.isSet(shotPlan);
        const int view = QStringList{QStringLiteral("grid"), QStringLiteral("flattened"), QStringLiteral("json"), QStringLiteral("chart")}
                             .indexOf(cli.value(shotView));
        QObject::connect(&w, &quarry::MainWindow::ready, &w, [&w, file, sql, view, plan] {
            auto* tab = w.currentTab();
            if (!tab) QApplication::exit(1);
            if (!sql.isEmpty()) tab->editor()->setText(sql);
            QObject::connect(tab, &quarry::QueryTab::runningChanged, &w, [&w, tab, file, view, plan](bool running) {
                if (running) return;
                if (plan) {
                    quarry::PlanView* p = w.showPlan(0);
                    QObject::connect(p, &quarry::PlanView::loaded, p, [p, file] {
                        QTimer::singleShot(300, p, [p, file] { QApplication::exit(p->grab().save(file, "PNG") ? 0 : 1); });
                    });
                    return;
                }
                if (view > 0) tab->results()->showView(view);
                QTimer::singleShot(1000, &w, [&w, file] { QApplication::exit(w.grab().save(file, "PNG") ? 0 : 1); });
            });
            tab->run();
        });
        QTimer::singleShot(60000, &w, [] { QApplication::exit(2); });
    }
    const int code = QApplication::exec();
    window.reset(); // its tabs hand their last cleanups (a session ended, the history written) to the background
    quarry::Background::instance().shutdown();
    return code;
}
