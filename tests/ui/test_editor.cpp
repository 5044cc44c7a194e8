// SPDX-License-Identifier: MIT
// The editor's tools: find and replace, Format SQL, the dialect of a tab (and that it reaches
// the server), .sql files (open, modified mark, save, refusals), rename and duplicate, all on
// the app's embedded sandbox.
#include "Icons.h"
#include "MainWindow.h"
#include "Dialogs.h"
#include "WindowTest.h"
#include "Theme.h"
#include "bigquery/BigQueryClient.h"
#include "jobs/JobsModel.h"
#include "jobs/PlanView.h"
#include "jobs/QueryJob.h"
#include "jobs/Session.h"
#include "editor/FindBar.h"
#include "editor/SqlFormat.h"
#include "editor/SqlLexer.h"
#include "editor/TabStore.h"
#include "results/ResultSet.h"
#include "results/ResultView.h"

#include <Qsci/qscilexersql.h>
#include <Qsci/qsciscintilla.h>
#include <cmath>
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLineEdit>
#include <QMimeData>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QToolButton>
#include <QSettings>
#include <QtTest>
#include <memory>

using namespace quarry;

namespace {

using test::readAll;

void writeAll(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(bytes);
}

} // namespace

class TestEditor : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> home_;

    std::unique_ptr<MainWindow> openWindow() { return test::openWindow(30000); }

    // Runs the tab's text; returns the status line once the job ended.
    QString run(QueryTab* tab) {
        QSignalSpy done(tab, &QueryTab::runningChanged);
        tab->run();
        if (!QTest::qWaitFor([&] { return done.size() >= 2 && !done.last().at(0).toBool(); }, 20000)) return QStringLiteral("(timeout)");
        return tab->results()->status();
    }

private slots:
    void init() {
        test::failOnQtWarnings();
        home_ = test::freshHome();
        QVERIFY(home_->isValid());
    }

    void findAndReplace() {
        QueryTab tab(QStringLiteral("t1"));
        tab.show();
        auto* e = tab.editor();
        e->setText(QStringLiteral("SELECT persons.a FROM persons\nJOIN Persons_x USING (a)\n-- persons"));
        FindBar* f = tab.findBar();
        QVERIFY(!f->isVisible());
        f->openFind();
        QVERIFY(f->isVisible());
        QTest::keyClicks(f->findEdit(), QStringLiteral("persons"));
        QCOMPARE(f->countText(), QStringLiteral("1 of 4")); // case-insensitive: Persons_x too
        QCOMPARE(e->selectedText(), QStringLiteral("persons"));
        QVERIFY(f->findNext());
        QCOMPARE(f->countText(), QStringLiteral("2 of 4"));
        f->setOptions(true, true, false); // match case, whole words
        QCOMPARE(f->count().first, 3);
        f->setOptions(false, false, true);
        f->findEdit()->setText(QStringLiteral("pers\\w+_x"));
        QVERIFY(f->findNext());
        QCOMPARE(e->selectedText(), QStringLiteral("Persons_x"));
        f->findEdit()->setText(QStringLiteral("nothing here"));
        QVERIFY(!f->findNext());
        QCOMPARE(f->countText(), QStringLiteral("no match"));

        // Replace all is one undo step.
        f->setOptions(true, true, false);
        f->openReplace();
        f->findEdit()->setText(QStringLiteral("persons"));
        f->replaceEdit()->setText(QStringLiteral("people"));
        QCOMPARE(f->replaceAll(), 3);
        QCOMPARE(e->text(), QStringLiteral("SELECT people.a FROM people\nJOIN Persons_x USING (a)\n-- people"));
        e->undo();
        QCOMPARE(e->text(), QStringLiteral("SELECT persons.a FROM persons\nJOIN Persons_x USING (a)\n-- persons"));
        // Replace one: only a selection that is a match is replaced.
        e->setCursorPosition(0, 0);
        f->replaceOne(); // selects the first match
        f->replaceOne(); // replaces it, selects the next
        QVERIFY(e->text().startsWith(QStringLiteral("SELECT people.a FROM persons")));
    }

    void formatIsOneUndoStepAndRefusesBrokenText() {
        QueryTab tab(QStringLiteral("t2"));
        auto* e = tab.editor();
        const QString original = QStringLiteral("select a, b from t where a > 1 order by b");
        e->setText(original);
        QVERIFY(tab.formatText());
        QCOMPARE(e->text(), QString::fromStdString(formatSql(original.toStdString()).text));
        QVERIFY(e->text().contains(QStringLiteral("\nFROM t\nWHERE a > 1\n")));
        e->undo();
        QCOMPARE(e->text(), original);
        // Only the selection, when there is one.
        e->setText(QStringLiteral("-- keep me as I am\nselect 1 from t"));
        e->setSelection(1, 0, 1, 15);
        QVERIFY(tab.formatText());
        QCOMPARE(e->text(), QStringLiteral("-- keep me as I am\nSELECT 1\nFROM t"));
        // Broken text: a message with the position, the text untouched.
        QSignalSpy message(&tab, &QueryTab::message);
        e->setText(QStringLiteral("select 'open"));
        QVERIFY(!tab.formatText());
        QCOMPARE(message.last().at(0).toString(), QStringLiteral("Cannot format: unterminated string at [1:8]"));
        QCOMPARE(e->text(), QStringLiteral("select 'open"));
    }

    void dialectIsPerTabAndReachesTheServer() {
        auto w = openWindow();
        QueryTab* tab = w->newTab(QStringLiteral("SELECT 1 AS one"), QStringLiteral("dialect"));
        auto* box = tab->findChild<QComboBox*>(QStringLiteral("dialectBox"));
        QVERIFY(box);
        QCOMPARE(box->currentIndex(), 0);
        QVERIFY(run(tab).startsWith(QStringLiteral("1 row")));
        tab->setLegacySql(true);
        QCOMPARE(box->currentIndex(), 1);
        QVERIFY(static_cast<SqlLexer*>(tab->editor()->lexer())->isLegacy());
        // A query only legacy SQL reads shows the flag arrived.
        tab->editor()->setText(QStringLiteral("SELECT fullName, COUNT(children.name) WITHIN RECORD AS kids FROM [samples.persons]"));
        QVERIFY2(run(tab).startsWith(QStringLiteral("3 rows")), qPrintable(tab->results()->status()));
        // A #standardSQL first line decides over the tab's choice, and locks the box.
        tab->editor()->setText(QStringLiteral("#standardSQL\nSELECT 1 AS one"));
        QCOMPARE(box->currentIndex(), 0);
        QVERIFY(!box->isEnabled());
        QVERIFY(!tab->effectiveLegacySql());
        QVERIFY(run(tab).startsWith(QStringLiteral("1 row")));
        // Kept with the tab.
        const auto back = TabStore::decode(TabStore::encode(tab->state()));
        QVERIFY(back && back->legacy);
    }

    void sqlFilesOpenSaveAndRefuse() {
        auto w = openWindow();
        const QString path = home_->path() + QStringLiteral("/report.sql");
        writeAll(path, "\xEF\xBB\xBFSELECT fullName\nFROM samples.persons\n");
        const int before = w->tabs()->count();
        w->openSqlFile(path);
        QTRY_COMPARE(w->tabs()->count(), before + 1);
        QueryTab* tab = w->currentTab();
        QCOMPARE(tab->title(), QStringLiteral("report.sql"));
        QCOMPARE(tab->editor()->text(), QStringLiteral("SELECT fullName\nFROM samples.persons\n")); // no BOM
        QCOMPARE(tab->file(), path);
        QVERIFY(!tab->isModifiedSinceSave());
        // Opening it again shows the same tab.
        w->tabs()->setCurrentIndex(0);
        w->openSqlFile(path);
        QTRY_COMPARE(w->currentTab(), tab);
        QCOMPARE(w->tabs()->count(), before + 1);

        tab->editor()->append(QStringLiteral("WHERE age > 30\n"));
        QVERIFY(tab->isModifiedSinceSave());
        QCOMPARE(w->tabs()->tabText(w->tabs()->indexOf(tab)), QStringLiteral("report.sql \u2022"));
        QSignalSpy saved(tab, &QueryTab::saved);
        w->saveTab(w->tabs()->indexOf(tab), false);
        QVERIFY(saved.wait(10000));
        QCOMPARE(saved.last().at(0).toString(), QString());
        QCOMPARE(readAll(path), QByteArray("SELECT fullName\nFROM samples.persons\nWHERE age > 30\n"));
        QCOMPARE(w->tabs()->tabText(w->tabs()->indexOf(tab)), QStringLiteral("report.sql"));

        // A folder that does not exist: the error names it and the tab keeps its file.
        tab->saveTo(home_->path() + QStringLiteral("/no/such/dir/x.sql"));
        QVERIFY(saved.wait(10000));
        QVERIFY(saved.last().at(0).toString().contains(QStringLiteral("/no/such/dir/x.sql")));
        QCOMPARE(tab->file(), path);

        // Not UTF-8: refused with file:line, and no tab is opened.
        const QString latin1 = home_->path() + QStringLiteral("/latin1.sql");
        writeAll(latin1, "SELECT 1\n-- caf\xE9\n");
        const int n = w->tabs()->count();
        w->openSqlFile(latin1);
        QTRY_VERIFY2(w->statusBar()->currentMessage().contains(QStringLiteral("latin1.sql:2: the file is not UTF-8")), qPrintable(w->statusBar()->currentMessage()));
        QCOMPARE(w->tabs()->count(), n);

        // A dropped .sql file opens too.
        const QString dropped = home_->path() + QStringLiteral("/dropped.sql");
        writeAll(dropped, "SELECT 2\n");
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(dropped)});
        QVERIFY(MainWindow::sqlFiles(&mime) == QStringList{dropped});
        QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(w.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(w.get(), &drop);
        QTRY_COMPARE(w->currentTab()->title(), QStringLiteral("dropped.sql"));
    }

    void previewAndDeleteFromTheSchemaTree() {
        auto w = openWindow();
        QueryTab* tab = w->previewTable(TableRef{"sandbox", "samples", "persons"});
        QSignalSpy done(tab, &QueryTab::runningChanged);
        QTRY_VERIFY_WITH_TIMEOUT(!tab->isRunning() && tab->results()->status().contains(QStringLiteral("free")), 10000);
        QVERIFY2(tab->results()->status().startsWith(QStringLiteral("Preview of sandbox.samples.persons \u00b7 3 rows")),
                 qPrintable(tab->results()->status()));
        QCOMPARE(tab->results()->resultSet()->rowCount(), std::size_t(3));
        QVERIFY(!tab->results()->exportButton()->isEnabled()); // nothing to export from: no job ran
        QCOMPARE(w->jobsModel()->rowCount(), 0);               // and none is in the jobs panel

        // Delete: a table made for it goes; a missing one says why.
        auto client = w->session()->client;
        client->insertTable("sandbox", "samples", {{"tableReference", {{"tableId", "scratch"}}},
                                                   {"schema", {{"fields", {{{"name", "x"}, {"type", "INT64"}}}}}}});
        QSignalSpy deleted(w.get(), &MainWindow::tableDeleted);
        // Cancel in the question keeps the table; Yes deletes it.
        bool answer = false;
        QString asked;
        dialogs::Answerer answers;
        answers.question = [&](const QString&, const QString& text) {
            asked = text;
            return answer;
        };
        dialogs::answerWith(answers);
        w->deleteTable(TableRef{"sandbox", "samples", "scratch"});
        QVERIFY2(asked.contains(QStringLiteral("sandbox.samples.scratch")), qPrintable(asked));
        QTest::qWait(200);
        QCOMPARE(deleted.size(), 0);
        QVERIFY(client->getTable(TableRef{"sandbox", "samples", "scratch"}).contains("schema"));
        answer = true;
        w->deleteTable(TableRef{"sandbox", "samples", "scratch"});
        QVERIFY(deleted.wait(10000));
        QCOMPARE(deleted.last().at(1).toString(), QString());
        QVERIFY_THROWS_EXCEPTION(ApiError, client->getTable(TableRef{"sandbox", "samples", "scratch"}));
        w->deleteTable(TableRef{"sandbox", "samples", "scratch"});
        QVERIFY(deleted.wait(10000));
        dialogs::answerWith({});
        QVERIFY2(deleted.last().at(1).toString().contains(QStringLiteral("Not found")), qPrintable(deleted.last().at(1).toString()));
        QVERIFY(w->statusBar()->currentMessage().contains(QStringLiteral("was not deleted")));
    }

    void theLastResultComesBackWithTheTab() {
        // A result comes back from its job: with short query mode off, every run makes one
        // (a query answered without a job has nothing to read again after a restart).
        QSettings().setValue(QStringLiteral("query/shortMode"), false);
        struct Restore {
            ~Restore() { QSettings().remove(QStringLiteral("query/shortMode")); }
        } restore;
        QString jobId;
        {
            auto w = openWindow();
            QueryTab* tab = w->newTab(QStringLiteral("SELECT fullName FROM samples.persons ORDER BY fullName"), QStringLiteral("people"));
            QVERIFY(run(tab).startsWith(QStringLiteral("3 rows")));
            jobId = tab->job()->jobId();
            QCOMPARE(tab->state().jobId, jobId);
            QCOMPARE(tab->state().jobConnection, QStringLiteral("Local sandbox"));
            // A duplicate shows the same result, read again from the job (no new query).
            QueryTab* copy = w->duplicateTab(w->tabs()->indexOf(tab));
            QTRY_COMPARE_WITH_TIMEOUT(copy->results()->resultSet()->rowCount(), std::size_t(3), 10000);
            QVERIFY2(copy->results()->status().contains(jobId), qPrintable(copy->results()->status()));
            QVERIFY(copy->results()->exportButton()->isEnabled());
            QCOMPARE(w->jobsModel()->rowCount(), 1);
            w->close();
        }
        // After a restart the sandbox has forgotten its jobs: the tab says so instead of a blank grid.
        auto w = openWindow();
        QueryTab* tab = w->tabAt(1);
        QCOMPARE(tab->title(), QStringLiteral("people"));
        QTRY_VERIFY_WITH_TIMEOUT(tab->results()->status().contains(QStringLiteral("is gone: run the query again")), 10000);
        QVERIFY(tab->results()->status().contains(jobId));
    }

    void darkPaletteReachesTheEditorAndIcons() {
        qputenv("QUARRY_THEME", "dark");
        theme::followSystem(this);
        QVERIFY(theme::isDark(QApplication::palette()));
        QueryTab tab(QStringLiteral("t3"));
        tab.editor()->setText(QStringLiteral("SELECT 1 -- one"));
        auto styleColor = [&](int message, int style) {
            const long bgr = tab.editor()->SendScintilla(message, static_cast<unsigned long>(style));
            return QColor(bgr & 0xff, (bgr >> 8) & 0xff, (bgr >> 16) & 0xff);
        };
        const QColor paper = styleColor(QsciScintilla::SCI_STYLEGETBACK, QsciLexerSQL::Keyword);
        QCOMPARE(paper, QApplication::palette().color(QPalette::Base));
        // Every coloured style must read on the paper: WCAG contrast of at least 4.5.
        auto luminance = [](const QColor& c) {
            auto lin = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
            return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
        };
        for (int style : {int(QsciLexerSQL::Default), int(QsciLexerSQL::Keyword), int(QsciLexerSQL::CommentLine), int(QsciLexerSQL::Number),
                          int(QsciLexerSQL::SingleQuotedString), 16}) {
            const double a = luminance(styleColor(QsciScintilla::SCI_STYLEGETFORE, style)), b = luminance(paper);
            const double contrast = (std::max(a, b) + 0.05) / (std::min(a, b) + 0.05);
            QVERIFY2(contrast >= 4.5, qPrintable(QStringLiteral("style %1: contrast %2").arg(style).arg(contrast)));
        }
        // Icons are drawn for the size and scale asked for.
        const QPixmap run = icons::icon(icons::Kind::Run).pixmap(QSize(16, 16), 2.0);
        QCOMPARE(run.size(), QSize(32, 32));
        QVERIFY(run.toImage().pixelColor(14, 16).alpha() > 200);   // inside the triangle
        QCOMPARE(run.toImage().pixelColor(30, 2).alpha(), 0);     // outside it
        // Back to light: the editor follows.
        theme::apply(theme::Scheme::Light);
        QVERIFY(!theme::isDark(QApplication::palette()));
        QTRY_VERIFY(styleColor(QsciScintilla::SCI_STYLEGETBACK, QsciLexerSQL::Keyword).lightness() > 128);
        qunsetenv("QUARRY_THEME");
    }

    void jobsPanelModelUnderTheTester() {
        auto w = openWindow();
        QAbstractItemModelTester tester(w->jobsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QueryTab* tab = w->newTab(QStringLiteral("SELECT 1 AS one"), QStringLiteral("jobs"));
        QVERIFY(run(tab).startsWith(QStringLiteral("1 row")));
        tab->editor()->setText(QStringLiteral("SELECT nope"));
        QVERIFY(run(tab).contains(QStringLiteral("Unrecognized name: nope")));
        QCOMPARE(w->jobsModel()->rowCount(), 2); // each job once: RUNNING rows become DONE/FAILED
        QCOMPARE(w->jobsModel()->entry(0).state, std::string("FAILED")); // newest first
        QCOMPARE(w->jobsModel()->entry(1).state, std::string("DONE"));
    }

    void executionPlanOfAJob() {
        // A plan is a job's: with short query mode off, the run makes one.
        QSettings().setValue(QStringLiteral("query/shortMode"), false);
        struct Restore {
            ~Restore() { QSettings().remove(QStringLiteral("query/shortMode")); }
        } restore;
        auto w = openWindow();
        QueryTab* tab = w->newTab(QStringLiteral("SELECT c.place, COUNT(*) AS n FROM samples.persons, UNNEST(citiesLived) c GROUP BY 1"),
                                  QStringLiteral("plan"));
        QVERIFY(run(tab).startsWith(QStringLiteral("7 rows"))); // 9 cities, 7 places
        PlanView* view = w->showPlan(0);
        QVERIFY(view);
        QSignalSpy loaded(view, &PlanView::loaded);
        QVERIFY(loaded.wait(10000));
        QTreeWidget* t = view->tree();
        QCOMPARE(t->topLevelItemCount(), 3);
        QCOMPARE(t->topLevelItem(0)->text(0), QStringLiteral("S00: Input"));
        QCOMPARE(t->topLevelItem(0)->text(1), QStringLiteral("3"));
        QCOMPARE(t->topLevelItem(0)->text(2), QStringLiteral("9"));
        QCOMPARE(t->topLevelItem(1)->text(0), QStringLiteral("S01: Aggregate"));
        QCOMPARE(t->topLevelItem(1)->text(2), QStringLiteral("7"));
        QVERIFY(t->topLevelItem(0)->child(0)->text(0).startsWith(QStringLiteral("READ  FROM samples.persons")));
        QVERIFY2(view->summary().contains(QStringLiteral("3 stage")), qPrintable(view->summary()));
        QVERIFY(!view->grab().isNull());
    }

    void renameAndDuplicateSurviveARestart() {
        {
            auto w = openWindow();
            QueryTab* tab = w->newTab(QStringLiteral("SELECT 3"), QStringLiteral("Query 2"));
            const int index = w->tabs()->indexOf(tab);
            w->renameTab(index, QStringLiteral("  Weekly numbers "));
            QCOMPARE(w->tabs()->tabText(index), QStringLiteral("Weekly numbers"));
            QueryTab* copy = w->duplicateTab(index);
            QCOMPARE(w->tabs()->indexOf(copy), index + 1);
            QCOMPARE(copy->editor()->text(), QStringLiteral("SELECT 3"));
            QCOMPARE(copy->title(), QStringLiteral("Weekly numbers (copy)"));
            QVERIFY(copy->id() != tab->id());
            w->renameTab(index, QStringLiteral("   ")); // a blank name is ignored
            QCOMPARE(tab->title(), QStringLiteral("Weekly numbers"));
            w->close();
        }
        auto w = openWindow();
        QStringList titles;
        for (int i = 0; i < w->tabs()->count(); ++i) titles << w->tabs()->tabText(i);
        QCOMPARE(titles, (QStringList{QStringLiteral("Welcome"), QStringLiteral("Weekly numbers"), QStringLiteral("Weekly numbers (copy)")}));
    }
};

QTEST_MAIN(TestEditor)
#include "test_editor.moc"
