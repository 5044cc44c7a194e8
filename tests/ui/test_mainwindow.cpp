// SPDX-License-Identifier: MIT
// The real MainWindow on its embedded sandbox (started off the GUI thread, answering over
// HTTP on 127.0.0.1): running a nested query into the grid, marking a failing position,
// cancelling a slow job while the GUI keeps processing events, the lazily loaded schema tree,
// and query tabs that survive a crash. Each test gets a fresh home folder.
#include "MainWindow.h"
#include "jobs/Session.h"
#include "WindowTest.h"
#include "bigquery/BigQueryClient.h"
#include "editor/TabStore.h"

#include <QFileInfo>
#include "jobs/JobsModel.h"
#include "jobs/QueryJob.h"
#include "results/ResultModel.h"
#include "results/ResultView.h"
#include "schema/SchemaModel.h"
#include "upload/UploadDialog.h"

#include <Qsci/qsciscintilla.h>
#include <QAbstractItemModelTester>
#include <QDropEvent>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QHelpEvent>
#include <QToolTip>
#include <QTreeView>
#include <QTreeWidget>
#include <QMimeData>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QRadioButton>
#include <QtTest>
#include <memory>

using namespace quarry;

namespace {

constexpr int kStartTimeout = 30000;

int columnNamed(const ResultModel& m, const QStringList& path) {
    for (int c = 0; c < m.columnCount(); ++c)
        if (m.headerData(c, Qt::Horizontal, ResultModel::HeaderPathRole).toStringList() == path) return c;
    return -1;
}

using test::dropFiles;
using test::readAll;

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> home_;

    std::unique_ptr<MainWindow> openWindow() { return test::openWindow(kStartTimeout); }

    QueryTab* runQuery(MainWindow& w, const QString& sql) {
        QueryTab* tab = w.currentTab();
        if (!tab) return nullptr;
        tab->editor()->setText(sql);
        QSignalSpy done(tab, &QueryTab::runningChanged);
        tab->run();
        // runningChanged(true) at once, then (false) when the job ends.
        const bool ended = QTest::qWaitFor([&] { return done.size() >= 2 && !done.last().at(0).toBool(); }, 20000);
        return ended ? tab : nullptr;
    }

private slots:
    void init() {
        test::failOnQtWarnings();
        home_ = test::freshHome();
        QVERIFY(home_->isValid());
        qunsetenv("QUARRY_SANDBOX_FAULTS");
        QStandardPaths::setTestModeEnabled(false);
    }

    void startsOnTheLocalSandbox() {
        auto w = openWindow();
        auto* status = w->findChild<QLabel*>(QStringLiteral("connectionStatus"));
        QVERIFY(status);
        QVERIFY2(status->text().startsWith(QStringLiteral("Local sandbox at http://127.0.0.1:")), qPrintable(status->text()));
        QVERIFY2(status->text().contains(QStringLiteral("samples.persons created")), qPrintable(status->text()));
        const QString url = status->text().section(QLatin1Char(' '), 3, 3);
        BigQueryClient::Options o;
        o.endpoint = Endpoint::fromUrl(url.toStdString());
        o.projectId = "sandbox";
        BigQueryClient c(o);
        const auto table = c.getTable(TableRef{"sandbox", "samples", "persons"});
        QCOMPARE(QString::fromStdString(table["numRows"].get<std::string>()), QStringLiteral("3"));
        QVERIFY(QFile::exists(home_->path() + QStringLiteral("/data/quarry/sandbox/LOCK")));
        // A first start opens the welcome tab with a query that runs as it is.
        QCOMPARE(w->tabs()->count(), 1);
        QCOMPARE(w->tabs()->tabText(0), QStringLiteral("Welcome"));
        QVERIFY(w->currentTab()->editor()->text().contains(QStringLiteral("FROM samples.persons")));
    }

    void runsANestedQueryIntoTheGrid() {
        auto w = openWindow();
        QueryTab* tab = runQuery(*w, QStringLiteral("SELECT fullName, children, citiesLived\nFROM samples.persons\nWHERE fullName = 'Mike Jones'"));
        QVERIFY(tab);
        ResultView* r = tab->results();
        QVERIFY2(r->status().startsWith(QStringLiteral("1 row \u00b7 ")), qPrintable(r->status()));
        QVERIFY2(r->status().contains(QStringLiteral("processed")), qPrintable(r->status()));
        const ResultModel& m = *r->gridModel();
        QCOMPARE(m.rowCount(), 16); // 4 cities x 4 years each
        const int name = columnNamed(m, {QStringLiteral("fullName")});
        const int place = columnNamed(m, {QStringLiteral("citiesLived"), QStringLiteral("place")});
        QCOMPARE(m.index(0, name).data().toString(), QStringLiteral("Mike Jones"));
        QStringList cities;
        for (int line = 0; line < m.rowCount(); ++line)
            if (const auto t = m.index(line, place).data().toString(); !t.isEmpty()) cities << t;
        QCOMPARE(cities, (QStringList{QStringLiteral("Los Angeles"), QStringLiteral("Washington DC"),
                                      QStringLiteral("Portland"), QStringLiteral("Austin")}));
        // The grid's view shows them: the header spans and the rows are there to paint.
        QCOMPARE(r->grid()->model()->rowCount(), 16);
        QVERIFY(!r->grid()->grab().isNull());
        // Short query mode (the default): answered without a job, as the summary says. The
        // jobs panel lists the run (one row from submit to end) with its query id, and the
        // history file (shared with quarry-cli) keeps it.
        QVERIFY2(r->status().contains(QStringLiteral("no job (short query)")), qPrintable(r->status()));
        QVERIFY(tab->job()->jobId().isEmpty());
        QCOMPARE(w->jobsModel()->rowCount(), 1);
        const HistoryEntry& job = w->jobsModel()->entry(0);
        QCOMPARE(job.state, std::string("DONE"));
        QCOMPARE(QString::fromStdString(job.runId), tab->job()->runId());
        QVERIFY(job.jobId.empty());
        QVERIFY(!job.queryId.empty());
        QVERIFY(job.bytesProcessed > 0);
        QVERIFY2(w->jobsModel()->index(0, JobsModel::JobId).data().toString().contains(QString::fromStdString(job.queryId)),
                 qPrintable(w->jobsModel()->index(0, JobsModel::JobId).data().toString()));
        const QString history = home_->path() + QStringLiteral("/data/quarry/history.ndjson");
        QTRY_VERIFY_WITH_TIMEOUT(readAll(history).contains(tab->job()->runId().toUtf8()), 5000);
        QVERIFY(readAll(history).contains(QByteArray::fromStdString(job.queryId)));
    }

    void exportsTheWholeResultWithProgress() {
        auto w = openWindow();
        QueryTab* tab = runQuery(*w, QStringLiteral("SELECT fullName, citiesLived FROM samples.persons ORDER BY fullName"));
        QVERIFY(tab);
        ResultView* r = tab->results();
        QVERIFY(r->exportButton()->isEnabled());
        const QString nd = home_->path() + QStringLiteral("/people.ndjson");
        QSignalSpy finished(tab, &QueryTab::exportFinished);
        tab->exportTo(nd);
        QVERIFY(r->isExporting() || finished.size() == 1); // progress shows while it runs
        QVERIFY(finished.wait(20000) || finished.size() == 1);
        QCOMPARE(finished.last().at(0).toString(), QString());
        QVERIFY(!r->isExporting());
        QVERIFY2(r->status().startsWith(QStringLiteral("Exported 3 rows")), qPrintable(r->status()));
        const QList<QByteArray> lines = readAll(nd).trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        QJsonObject mike;
        for (const auto& line : lines)
            if (const auto o = QJsonDocument::fromJson(line).object(); o.value(QStringLiteral("fullName")) == QStringLiteral("Mike Jones")) mike = o;
        QCOMPARE(mike.value(QStringLiteral("fullName")).toString(), QStringLiteral("Mike Jones"));
        QCOMPARE(mike.value(QStringLiteral("citiesLived")).toArray().size(), 4);
        // CSV: nested columns stay whole as JSON in one field; a running job cannot be exported.
        const QString csv = home_->path() + QStringLiteral("/people.csv");
        tab->exportTo(csv);
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.last().at(0).toString(), QString());
        QVERIFY(readAll(csv).startsWith("fullName,citiesLived\r\n"));
        QVERIFY(readAll(csv).contains("Mike Jones,\"[{\"\"place\"\":\"\"Los Angeles\"\""));
        tab->editor()->setText(QStringLiteral("SELECT 1"));
        tab->run();
        QVERIFY(!r->exportButton()->isEnabled());
        tab->exportTo(home_->path() + QStringLiteral("/none.csv"));
        QCOMPARE(finished.last().at(0).toString(), QStringLiteral("Run a query first: there is no result to export."));
        QVERIFY(!QFile::exists(home_->path() + QStringLiteral("/none.csv")));
        QTRY_VERIFY_WITH_TIMEOUT(!tab->isRunning(), 20000);
    }

    void marksTheFailingPosition() {
        auto w = openWindow();
        QueryTab* tab = runQuery(*w, QStringLiteral("SELECT fullName\nFROM samples.persons\nWHERE nope > 1"));
        QVERIFY(tab);
        const QString status = tab->results()->status();
        QVERIFY2(status.contains(QStringLiteral("nope")), qPrintable(status));
        QsciScintilla* e = tab->editor();
        QVERIFY2(e->annotation(2).contains(QStringLiteral("nope")), qPrintable(e->annotation(2)));
        QVERIFY(e->annotation(0).isEmpty());
        const long pos = e->positionFromLineIndex(2, 6); // "nope" starts at [3:7]
        const long mask = e->SendScintilla(QsciScintilla::SCI_INDICATORALLONFOR, pos);
        QVERIFY2(mask & (1 << 8), qPrintable(QString::number(mask)));
        const HistoryEntry failed = w->jobsModel()->entry(0);
        QCOMPARE(failed.state, std::string("FAILED"));
        QCOMPARE(failed.errorLine, 3);
        QCOMPARE(failed.errorColumn, 7);
        // Double-clicking the failed job re-opens its query in a new tab with the error marked.
        auto* jobsView = w->findChild<QTableView*>(QStringLiteral("jobsView"));
        QVERIFY(jobsView);
        const QPoint cell = jobsView->visualRect(w->jobsModel()->index(0, JobsModel::Query)).center();
        QTest::mousePress(jobsView->viewport(), Qt::LeftButton, {}, cell);
        QTest::mouseRelease(jobsView->viewport(), Qt::LeftButton, {}, cell);
        QTest::mouseDClick(jobsView->viewport(), Qt::LeftButton, {}, cell);
        QCOMPARE(w->tabs()->count(), 2);
        QVERIFY2(w->currentTab()->editor()->annotation(2).contains(QStringLiteral("nope")),
                 qPrintable(w->currentTab()->editor()->annotation(2)));
        w->tabs()->setCurrentWidget(tab);
        // Editing clears the marks.
        e->insertAt(QStringLiteral(" "), 0, 0);
        QVERIFY(e->annotation(2).isEmpty());

        // A selection runs alone and its error lands where the selection sits in the editor.
        e->setText(QStringLiteral("SELECT 1;\nSELECT fullName FROM samples.persons WHERE nope > 1"));
        e->setSelection(1, 0, 1, e->text(1).size());
        QSignalSpy done(tab, &QueryTab::runningChanged);
        tab->run();
        QTRY_VERIFY_WITH_TIMEOUT(done.size() >= 2 && !done.last().at(0).toBool(), 20000);
        QVERIFY2(e->annotation(1).contains(QStringLiteral("nope")), qPrintable(tab->results()->status()));
    }

    void cancelsASlowJobWhileTheGuiKeepsRunning() {
        qputenv("QUARRY_SANDBOX_FAULTS", "job:delay=20s:1");
        auto w = openWindow();
        QueryTab* tab = w->currentTab();
        tab->editor()->setText(QStringLiteral("SELECT fullName FROM samples.persons"));
        int ticks = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, this, [&] { ++ticks; });
        timer.start(20);
        QSignalSpy running(tab, &QueryTab::runningChanged);
        tab->run();
        QTRY_VERIFY_WITH_TIMEOUT(tab->results()->status().startsWith(QStringLiteral("running")), 10000);
        const int before = ticks;
        QTRY_VERIFY_WITH_TIMEOUT(ticks > before + 5, 10000); // events keep being processed
        QVERIFY(tab->isRunning());
        tab->cancel();
        QTRY_VERIFY_WITH_TIMEOUT(running.size() >= 2 && !running.last().at(0).toBool(), 15000);
        QVERIFY2(tab->results()->status().contains(QStringLiteral("cancel"), Qt::CaseInsensitive),
                 qPrintable(tab->results()->status()));
        QCOMPARE(tab->results()->gridModel()->rowCount(), 0);
    }

    void costMeterEstimatesAsYouType() {
        auto w = openWindow();
        QueryTab* tab = w->currentTab();
        QLabel* cost = tab->costMeter();
        tab->editor()->setText(QStringLiteral("SELECT fullName FROM samples.persons"));
        QTRY_VERIFY_WITH_TIMEOUT(cost->text().startsWith(QStringLiteral("This query will process ")), 10000);
        QVERIFY2(cost->text().contains(QStringLiteral(" B (~$0.0000)")), qPrintable(cost->text()));
        const QString small = cost->text();
        tab->editor()->setText(QStringLiteral("SELECT * FROM samples.persons"));
        QTRY_VERIFY_WITH_TIMEOUT(cost->text() != small && cost->text().startsWith(QStringLiteral("This query")), 10000);
        tab->editor()->setText(QStringLiteral("SELECT nope FROM samples.persons"));
        QTRY_VERIFY_WITH_TIMEOUT(cost->text().contains(QStringLiteral("nope")), 10000);
        QVERIFY2(!cost->text().startsWith(QStringLiteral("This query")), qPrintable(cost->text()));
        QCOMPARE(tab->results()->gridModel()->rowCount(), 0); // a dry run is not a run
    }

    void completesNestedPathsInTheEditor() {
        auto w = openWindow();
        QueryTab* tab = w->currentTab();
        QsciScintilla* e = tab->editor();
        e->setText(QStringLiteral("SELECT c. FROM samples.persons, UNNEST(citiesLived) AS c"));
        e->setCursorPosition(0, 9);
        tab->complete(); // the schema of samples.persons is fetched first, then the list shows
        QTRY_COMPARE_WITH_TIMEOUT(tab->lastCompletions(), (QStringList{QStringLiteral("place"), QStringLiteral("yearsLived")}), 10000);
        QTRY_VERIFY(e->isListActive());
        e->SendScintilla(QsciScintilla::SCI_AUTOCCOMPLETE); // Enter on the first entry
        QCOMPARE(e->text(), QStringLiteral("SELECT c.place FROM samples.persons, UNNEST(citiesLived) AS c"));
    }

    // The issue's end-to-end path: drop the persons file, upload it, query it, and see Mike
    // Jones' four cities as sub-rows.
    void droppedFileIsUploadedAndQueried() {
        auto w = openWindow();
        const QString file = home_->path() + QStringLiteral("/persons.ndjson");
        QVERIFY(QFile::copy(QStringLiteral(QUARRY_SOURCE_DIR "/resources/samples/persons/persons.ndjson"), file));
        QVERIFY(dropFiles(w.get(), {file, home_->path() + QStringLiteral("/notes.txt")}));
        const auto dialogs = w->findChildren<UploadDialog*>();
        QCOMPARE(dialogs.size(), 1); // notes.txt is not uploadable
        UploadDialog* d = dialogs.first();
        QCOMPARE(d->tableEdit()->text(), QStringLiteral("persons"));
        QCOMPARE(d->datasetEdit()->text(), QStringLiteral("uploads"));
        QTRY_VERIFY_WITH_TIMEOUT(d->schemaReady(), 10000);
        QCOMPARE(d->schemaTree()->topLevelItemCount(), 7);
        const auto cities = d->schemaTree()->findItems(QStringLiteral("citiesLived"), Qt::MatchExactly);
        QCOMPARE(cities.size(), 1);
        QCOMPARE(cities[0]->text(1), QStringLiteral("STRUCT"));
        QCOMPARE(cities[0]->text(2), QStringLiteral("REPEATED"));
        d->tableEdit()->setText(QStringLiteral("people"));
        QSignalSpy finished(d, &UploadDialog::finished);
        d->findChild<QPushButton*>(QStringLiteral("uploadStart"))->click();
        QVERIFY(finished.wait(20000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(d->statusText()));
        QVERIFY2(d->statusText().startsWith(QStringLiteral("3 rows inserted into uploads.people, 0 rejected")), qPrintable(d->statusText()));

        QueryTab* tab = runQuery(*w, QStringLiteral("SELECT fullName, citiesLived FROM uploads.people WHERE fullName = 'Mike Jones'"));
        QVERIFY(tab);
        const ResultModel& m = *tab->results()->gridModel();
        const int place = columnNamed(m, {QStringLiteral("citiesLived"), QStringLiteral("place")});
        QStringList seen;
        for (int line = 0; line < m.rowCount(); ++line)
            if (const auto t = m.index(line, place).data().toString(); !t.isEmpty()) seen << t;
        QCOMPARE(seen, (QStringList{QStringLiteral("Los Angeles"), QStringLiteral("Washington DC"),
                                    QStringLiteral("Portland"), QStringLiteral("Austin")}));
        // The schema tree learned of the new dataset.
        QTRY_VERIFY_WITH_TIMEOUT(w->schemaModel()->find(w->schemaModel()->index(0, 0), QStringLiteral("uploads")).isValid(), 10000);
    }

    // The same file through a load job: chosen with the mouse, free, every row once.
    void droppedFileIsLoadedWithALoadJob() {
        auto w = openWindow();
        const QString file = home_->path() + QStringLiteral("/loaded.ndjson");
        QVERIFY(QFile::copy(QStringLiteral(QUARRY_SOURCE_DIR "/resources/samples/persons/persons.ndjson"), file));
        QVERIFY(dropFiles(w.get(), {file}));
        const auto dialogs = w->findChildren<UploadDialog*>();
        QCOMPARE(dialogs.size(), 1);
        UploadDialog* d = dialogs.first();
        QVERIFY(QTest::qWaitForWindowExposed(d));
        QTRY_VERIFY_WITH_TIMEOUT(d->schemaReady(), 10000);
        // A small file defaults to streaming; each choice says what it costs.
        QVERIFY(d->streamChoice()->isChecked());
        QVERIFY2(d->streamChoice()->text().contains(QStringLiteral("$0.01")), qPrintable(d->streamChoice()->text()));
        QVERIFY2(d->loadChoice()->text().contains(QStringLiteral("free")), qPrintable(d->loadChoice()->text()));
        QTest::mouseClick(d->loadChoice(), Qt::LeftButton, {}, QPoint(8, d->loadChoice()->height() / 2));
        QVERIFY(d->loadChoice()->isChecked());
        QSignalSpy finished(d, &UploadDialog::finished);
        auto* start = d->findChild<QPushButton*>(QStringLiteral("uploadStart"));
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(d->statusText()));
        QVERIFY2(d->statusText().startsWith(QStringLiteral("3 rows loaded into uploads.loaded by a load job, 0 bad rows")),
                 qPrintable(d->statusText()));
        QueryTab* tab = runQuery(*w, QStringLiteral("SELECT COUNT(DISTINCT fullName) AS n FROM uploads.loaded"));
        QVERIFY(tab);
        QCOMPARE(tab->results()->gridModel()->index(0, 0).data().toString(), QStringLiteral("3"));
    }

    void droppingOnADatasetTargetsIt() {
        auto w = openWindow();
        SchemaModel* m = w->schemaModel();
        QTRY_VERIFY_WITH_TIMEOUT(m->find(m->index(0, 0), QStringLiteral("samples")).isValid(), 10000);
        const QModelIndex samples = m->find(m->index(0, 0), QStringLiteral("samples"));
        const QPoint at = w->schemaTree()->visualRect(samples).center();
        const QString file = home_->path() + QStringLiteral("/more people.json");
        QVERIFY(QFile::copy(QStringLiteral(QUARRY_SOURCE_DIR "/resources/samples/persons/persons.ndjson"), file));
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(file)});
        QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w->schemaTree()->viewport(), &enter);
        QVERIFY(enter.isAccepted());
        QApplication::sendEvent(w->schemaTree()->viewport(), &drop);
        const auto dialogs = w->findChildren<UploadDialog*>();
        QCOMPARE(dialogs.size(), 1);
        QCOMPARE(dialogs.first()->datasetEdit()->text(), QStringLiteral("samples"));
        QCOMPARE(dialogs.first()->tableEdit()->text(), QStringLiteral("more_people"));
    }

    void schemaTreeLoadsLazily() {
        auto w = openWindow();
        SchemaModel* m = w->schemaModel();
        QAbstractItemModelTester tester(m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QModelIndex project = m->index(0, 0);
        QCOMPARE(project.data().toString(), QStringLiteral("sandbox"));
        QTRY_VERIFY_WITH_TIMEOUT(m->find(project, QStringLiteral("samples")).isValid(), 10000);
        const QModelIndex samples = m->find(project, QStringLiteral("samples"));
        QVERIFY(m->hasChildren(samples));
        // The tester may have fetched already (it calls fetchMore too): ask only if needed.
        if (m->canFetchMore(samples)) m->fetchMore(samples);
        QTRY_VERIFY_WITH_TIMEOUT(m->find(samples, QStringLiteral("persons")).isValid(), 10000);
        const QModelIndex persons = m->find(samples, QStringLiteral("persons"));
        QCOMPARE(persons.data(SchemaModel::QualifiedNameRole).toString(), QStringLiteral("`sandbox.samples.persons`"));
        std::unique_ptr<QMimeData> mime(m->mimeData({persons}));
        QCOMPARE(mime->text(), QStringLiteral("`sandbox.samples.persons`"));
        if (m->canFetchMore(persons)) m->fetchMore(persons);
        QTRY_VERIFY_WITH_TIMEOUT(m->find(persons, QStringLiteral("citiesLived")).isValid(), 10000);
        QVERIFY2(persons.data(Qt::ToolTipRole).toString().contains(QStringLiteral("3 rows")),
                 qPrintable(persons.data(Qt::ToolTipRole).toString()));
        const QModelIndex cities = m->find(persons, QStringLiteral("citiesLived"));
        QCOMPARE(cities.siblingAtColumn(1).data().toString(), QStringLiteral("STRUCT REPEATED"));
        const QModelIndex years = m->find(cities, QStringLiteral("yearsLived"));
        QCOMPARE(years.siblingAtColumn(1).data().toString(), QStringLiteral("INT64 REPEATED"));
        QCOMPARE(years.data(SchemaModel::QualifiedNameRole).toString(), QStringLiteral("citiesLived.yearsLived"));
        QCOMPARE(m->find(persons, QStringLiteral("fullName")).siblingAtColumn(1).data().toString(), QStringLiteral("STRING REQUIRED"));
        // Refresh drops the level and loads it again when asked.
        m->refresh(samples);
        QVERIFY(!m->find(samples, QStringLiteral("persons")).isValid());
        if (m->canFetchMore(samples)) m->fetchMore(samples);
        QTRY_VERIFY_WITH_TIMEOUT(m->find(samples, QStringLiteral("persons")).isValid(), 10000);
        // A partitioned, clustered table says how: what a filter must name to be billed less.
        w->session()->client->query(w->session()->project,
                                    {{"query", "CREATE TABLE samples.events (d DATE, n INT64, s STRING) PARTITION BY d CLUSTER BY s, n "
                                               "OPTIONS (require_partition_filter = TRUE)"},
                                     {"useLegacySql", false}});
        w->session()->client->query(w->session()->project,
                                    {{"query", "CREATE TABLE samples.ranged (id INT64) PARTITION BY RANGE_BUCKET(id, GENERATE_ARRAY(0, 100, 10))"},
                                     {"useLegacySql", false}});
        w->session()->client->query(w->session()->project,
                                    {{"query", "CREATE SNAPSHOT TABLE samples.events_then CLONE samples.events"}, {"useLegacySql", false}});
        QTest::keyClick(w->schemaTree(), Qt::Key_F5);
        const auto rangedListed = [&] {
            const QModelIndex ds = m->find(m->index(0, 0), QStringLiteral("samples"));
            if (ds.isValid() && m->canFetchMore(ds)) m->fetchMore(ds);
            return m->find(ds, QStringLiteral("ranged")).isValid();
        };
        QTRY_VERIFY_WITH_TIMEOUT(rangedListed(), 10000);
        const QModelIndex samplesAgain = m->find(m->index(0, 0), QStringLiteral("samples"));
        // A table's details come with its schema, fetched when it is expanded (or by the tester).
        const auto detailsOf = [&](const QString& name) {
            const QModelIndex t = m->find(samplesAgain, name);
            if (m->canFetchMore(t)) m->fetchMore(t);
            return t.data(Qt::ToolTipRole).toString();
        };
        for (const auto* name : {"events", "ranged", "events_then"})
            QTRY_VERIFY_WITH_TIMEOUT(!detailsOf(QString::fromLatin1(name)).isEmpty(), 10000);
        const QString events = detailsOf(QStringLiteral("events"));
        QVERIFY2(events.contains(QStringLiteral("partitioned by day on d")) && events.contains(QStringLiteral("clustered by s, n")) &&
                     events.contains(QStringLiteral("queries must filter on the partitioning column")),
                 qPrintable(events));
        const QString ranged = detailsOf(QStringLiteral("ranged"));
        QVERIFY2(ranged.contains(QStringLiteral("partitioned by ranges of id: 0 to 100, every 10")), qPrintable(ranged));
        // A snapshot says of which table, and as of when.
        const QString then = detailsOf(QStringLiteral("events_then"));
        QVERIFY2(then.startsWith(QStringLiteral("SNAPSHOT")) &&
                     then.contains(QStringLiteral("snapshot of %1.samples.events as of ").arg(QString::fromStdString(w->session()->project))),
                 qPrintable(then));
        // And the tree shows it where the mouse rests, as Qt asks when a pointer hovers.
        QTreeView* tree = w->schemaTree();
        tree->expand(samplesAgain);
        const QModelIndex thenItem = m->find(samplesAgain, QStringLiteral("events_then"));
        tree->scrollTo(thenItem);
        const QPoint at = tree->visualRect(thenItem).center();
        QVERIFY(tree->viewport()->rect().contains(at));
        QHelpEvent hover(QEvent::ToolTip, at, tree->viewport()->mapToGlobal(at));
        QApplication::sendEvent(tree->viewport(), &hover);
        QTRY_VERIFY_WITH_TIMEOUT(QToolTip::isVisible(), 5000);
        QVERIFY2(QToolTip::text().contains(QStringLiteral("snapshot of")), qPrintable(QToolTip::text()));
        QToolTip::hideText();
    }

    void tabsSurviveACrash() {
        QString id;
        {
            auto w = openWindow();
            QueryTab* tab = w->newTab(QString(), QStringLiteral("Answers"));
            id = tab->id();
            tab->editor()->setText(QStringLiteral("SELECT 42 AS answer,\n  'unsaved?' AS question"));
            tab->editor()->setCursorPosition(1, 4);
            const QString file = w->tabStore()->dir() + QStringLiteral("/") + id + QStringLiteral(".tab.json");
            // Autosave: on disk within the debounce, without closing anything.
            QTRY_VERIFY_WITH_TIMEOUT(readAll(file).contains("unsaved?"), 5000);
            const auto saved = TabStore::decode(readAll(file));
            QVERIFY(saved);
            QCOMPARE(QFileInfo(file).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup), QFileDevice::Permissions());
            QCOMPARE(saved->line, 1);
            QCOMPARE(saved->index, 4);
            // The crash: the window goes away with no close event (nothing flushed by closing).
        }
        auto w = openWindow();
        QCOMPARE(w->tabs()->count(), 2);
        QCOMPARE(w->tabs()->tabText(0), QStringLiteral("Welcome"));
        QCOMPARE(w->tabs()->tabText(1), QStringLiteral("Answers"));
        QueryTab* tab = w->tabAt(1);
        QCOMPARE(tab->id(), id);
        QCOMPARE(tab->editor()->text(), QStringLiteral("SELECT 42 AS answer,\n  'unsaved?' AS question"));
        int line = -1, index = -1;
        tab->editor()->getCursorPosition(&line, &index);
        QCOMPARE(line, 1);
        QCOMPARE(index, 4);

        // Closing a tab removes its file; Ctrl+Shift+T brings it back, file and all.
        const QString file = w->tabStore()->dir() + QStringLiteral("/") + id + QStringLiteral(".tab.json");
        w->closeTab(1);
        w->tabStore()->flush();
        QVERIFY(!QFile::exists(file));
        w->reopenClosedTab();
        w->tabStore()->flush();
        QVERIFY(QFile::exists(file));
        QCOMPARE(w->tabs()->count(), 2);
    }

    void damagedTabFilesAreSkipped() {
        QVERIFY(!TabStore::decode("not json"));
        QVERIFY(!TabStore::decode(R"({"id":"../../etc/passwd","text":"x"})"));
        QVERIFY(!TabStore::decode(R"({"id":"abc","text":5})"));
        QVERIFY(!TabStore::decode(R"([1,2])"));
        const auto ok = TabStore::decode(R"({"id":"abc","text":"SELECT 1","line":-3})");
        QVERIFY(ok);
        QCOMPARE(ok->line, 0);
        const QString dir = home_->path() + QStringLiteral("/data/Quarry/tabs");
        QVERIFY(QDir().mkpath(dir));
        QFile junk(dir + QStringLiteral("/junk.tab.json"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("{\"id\":\"junk\",\"text\":");
        junk.close();
        auto w = openWindow();
        QCOMPARE(w->tabs()->count(), 1); // the damaged file is ignored; the welcome tab opens
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_mainwindow.moc"
