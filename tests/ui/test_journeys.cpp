// SPDX-License-Identifier: MIT
// Whole journeys through the real window, by input only: keys and clicks delivered as events
// (Qt's shortcut map and focus decide), a file dropped on the window, dialogs answered the
// way a person would (Dialogs.h). Any Qt warning fails a journey.
#include "Background.h"
#include "Dialogs.h"
#include "MainWindow.h"
#include "WindowTest.h"
#include "jobs/QueryJob.h"
#include "jobs/Session.h"
#include "results/ResultModel.h"
#include "results/ResultView.h"
#include "editor/FindBar.h"
#include "schema/SchemaModel.h"
#include "upload/UploadDialog.h"

#include <Qsci/qsciscintilla.h>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPointer>
#include <QTableView>
#include <QPushButton>
#include <QLineEdit>
#include <QTableView>
#include <QTreeView>
#include <QTabBar>
#include <QTabWidget>
#include <QToolButton>
#include <QUrl>
#include <QtTest>
#include <memory>

using namespace quarry;

namespace {

/// Ctrl+Enter where the focus is, then waits for the run to end.
bool pressRun(QueryTab* tab) {
    QSignalSpy running(tab, &QueryTab::runningChanged);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return, Qt::ControlModifier);
    return QTest::qWaitFor([&] { return running.size() >= 2 && !running.last().at(0).toBool(); }, 20000);
}

/// 25,000 rows of about 600 bytes: more than one answer holds, so short query mode keeps a job.
const QString kLargeResult = QStringLiteral("SELECT x, REPEAT('r', 600) AS pad FROM UNNEST(GENERATE_ARRAY(1, 25000)) AS x ORDER BY x");

/// As test::typeQuery, with Return pressed for each line break.
void typeLines(QsciScintilla* editor, const QString& sql) {
    const QStringList lines = sql.split(QLatin1Char('\n'));
    test::typeQuery(editor, lines.first());
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QTest::keyClick(editor, Qt::Key_Return);
        QTest::keyClicks(editor, lines[i]);
    }
}

/// Clicks a view's tab (Grid, Flattened, JSON, Chart) over the result.
void clickView(ResultView* r, int view) {
    auto* bar = r->findChild<QTabBar*>(QStringLiteral("resultViews"));
    QTest::mouseClick(bar, Qt::LeftButton, {}, bar->tabRect(view).center());
}

/// Presses `key` with `mods` where the focus is (or at the window).
void press(QWidget* window, Qt::Key key, Qt::KeyboardModifiers mods = {}) {
    QWidget* at = QApplication::focusWidget();
    QTest::keyClick(at ? at : window, key, mods);
}

} // namespace

class TestJourneys : public QObject {
    Q_OBJECT
    test::WindowFixture fixture_;

private slots:
    void init() {
        qunsetenv("QUARRY_SANDBOX_FAULTS");
        QVERIFY(fixture_.begin());
    }

    void cleanup() {
        dialogs::answerWith({});
        const QString warnings = fixture_.end();
        QVERIFY2(warnings.isEmpty(), qPrintable(warnings));
    }

    // A new user: the welcome tab's query, Ctrl+Enter, the nested grid, then Flattened and
    // JSON clicked.
    void firstRunOnAFreshHome() {
        auto w = test::openWindow();
        w->activateWindow();
        QueryTab* tab = w->currentTab();
        QVERIFY(tab);
        QVERIFY2(tab->editor()->text().contains(QStringLiteral("Welcome to Quarry")), qPrintable(tab->editor()->text()));
        // A click into the text (right of the line-number margin, where a click selects a line).
        QTest::mouseClick(tab->editor()->viewport(), Qt::LeftButton, {}, QPoint(tab->editor()->viewport()->width() / 2, 10));
        QVERIFY(pressRun(tab));
        ResultView* r = tab->results();
        QVERIFY2(r->status().startsWith(QStringLiteral("3 rows")), qPrintable(r->status()));
        // Nested: arrays are sub-rows, so the grid has more lines than rows.
        const int nestedLines = r->gridModel()->rowCount();
        QVERIFY2(nestedLines > 3, qPrintable(QString::number(nestedLines)));
        QCOMPARE(r->gridModel()->index(0, 0).data().toString(), QStringLiteral("John Doe"));
        clickView(r, 1);
        QCOMPARE(r->currentView(), 1);
        QVERIFY2(r->flatModel()->rowCount() > nestedLines, qPrintable(QString::number(r->flatModel()->rowCount())));
        clickView(r, 2);
        QCOMPARE(r->currentView(), 2);
        auto* json = r->findChild<QPlainTextEdit*>(QStringLiteral("resultJson"));
        QVERIFY(json);
        QTRY_VERIFY(json->toPlainText().contains(QStringLiteral("\"Mike Jones\"")));
        QVERIFY(json->toPlainText().contains(QStringLiteral("citiesLived")));
        clickView(r, 0);
        QCOMPARE(r->currentView(), 0);
    }

    // The seed workflow: drop the persons file on the window, take the inferred schema,
    // click Upload; legacy SQL's FLATTEN and WITHIN and GoogleSQL's UNNEST over it, typed and
    // run with Ctrl+Enter; the result exported with the Export button.
    void dropUploadQueryAndExport() {
        auto w = test::openWindow();
        w->activateWindow();
        const QString file = fixture_.home() + QStringLiteral("/persons.json");
        QVERIFY(QFile::copy(QStringLiteral(QUARRY_SOURCE_DIR "/resources/samples/persons/persons.ndjson"), file));
        QVERIFY(test::dropFiles(w.get(), {file}));
        const auto dialogs = w->findChildren<UploadDialog*>();
        QCOMPARE(dialogs.size(), 1);
        UploadDialog* d = dialogs.first();
        QVERIFY(QTest::qWaitForWindowExposed(d));
        QTRY_VERIFY_WITH_TIMEOUT(d->schemaReady(), 10000);
        QSignalSpy finished(d, &UploadDialog::finished);
        QTest::mouseClick(d->findChild<QPushButton*>(QStringLiteral("uploadStart")), Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(d->statusText()));
        const QString table = QStringLiteral("uploads.persons");
        QPointer<UploadDialog> dialog(d);
        QTest::keyClick(d, Qt::Key_Escape); // done: Esc closes the dialog
        QTRY_VERIFY(!dialog || !dialog->isVisible());
        w->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(w.get()));

        QueryTab* tab = w->currentTab();
        typeLines(tab->editor(), QStringLiteral("#legacySQL\nSELECT fullName, children.name FROM FLATTEN([%1], children)").arg(table));
        QVERIFY(pressRun(tab));
        QVERIFY2(tab->results()->status().startsWith(QStringLiteral("6 rows")), qPrintable(tab->results()->status()));

        typeLines(tab->editor(),
                  QStringLiteral("#legacySQL\nSELECT fullName, COUNT(children.name) WITHIN RECORD AS kids FROM [%1]").arg(table));
        QVERIFY(pressRun(tab));
        QVERIFY2(tab->results()->status().startsWith(QStringLiteral("3 rows")), qPrintable(tab->results()->status()));
        QCOMPARE(tab->results()->gridModel()->index(1, 1).data().toString(), QStringLiteral("3")); // Mike Jones's three

        test::typeQuery(tab->editor(),
                        QStringLiteral("SELECT p.fullName, c.name FROM %1 AS p, UNNEST(p.children) AS c ORDER BY c.name").arg(table));
        QVERIFY(pressRun(tab));
        QVERIFY2(tab->results()->status().startsWith(QStringLiteral("5 rows")), qPrintable(tab->results()->status()));

        const QString out = fixture_.home() + QStringLiteral("/children.csv");
        dialogs::Answerer answers;
        answers.saveFile = [&](const QString&, const QString&) { return out; };
        dialogs::answerWith(answers);
        QSignalSpy exported(tab, &QueryTab::exportFinished);
        QTest::mouseClick(tab->results()->exportButton(), Qt::LeftButton);
        QVERIFY(exported.wait(20000) || exported.size() == 1);
        QCOMPARE(exported.last().at(0).toString(), QString());
        QCOMPARE(test::readAll(out), QByteArray("fullName,name\r\nMike Jones,Earl\r\nJohn Doe,Jane\r\nJohn Doe,John\r\n"
                                                "Mike Jones,Kit\r\nMike Jones,Sam\r\n"));
    }

    // A result too large for one answer (short query mode keeps a job for it) exported with the
    // Export button: its rows come through the Storage Read API, in order, every one.
    void aLargeResultExportedThroughTheReadApi() {
        auto w = test::openWindow();
        w->activateWindow();
        QueryTab* tab = w->currentTab();
        test::typeQuery(tab->editor(), kLargeResult);
        QVERIFY(pressRun(tab));
        const QString out = fixture_.home() + QStringLiteral("/big.ndjson");
        dialogs::Answerer answers;
        answers.saveFile = [&](const QString&, const QString&) { return out; };
        dialogs::answerWith(answers);
        QSignalSpy exported(tab, &QueryTab::exportFinished);
        QTest::mouseClick(tab->results()->exportButton(), Qt::LeftButton);
        QVERIFY(exported.wait(30000) || exported.size() == 1);
        QCOMPARE(exported.last().at(0).toString(), QString());
        QVERIFY2(tab->results()->status().contains(QStringLiteral("through the Storage Read API")), qPrintable(tab->results()->status()));
        const QList<QByteArray> lines = test::readAll(out).split('\n');
        QCOMPARE(lines.size(), 25001); // and the empty piece after the last newline
        const QByteArray pad(600, 'r');
        QCOMPARE(lines.first(), QByteArray("{\"x\":\"1\",\"pad\":\"") + pad + "\"}");
        QCOMPARE(lines.at(24999), QByteArray("{\"x\":\"25000\",\"pad\":\"") + pad + "\"}");
    }

    // A large result scrolled to its end with Ctrl+End in the grid: the rows after the first
    // page come through the Storage Read API, every one in its place.
    void aLargeResultScrolledToItsEnd() {
        auto w = test::openWindow();
        w->activateWindow();
        QueryTab* tab = w->currentTab();
        test::typeQuery(tab->editor(), kLargeResult);
        QVERIFY(pressRun(tab));
        QVERIFY2(tab->results()->status().contains(QStringLiteral("more rows through the Storage Read API")),
                 qPrintable(tab->results()->status()));
        auto* model = tab->results()->gridModel();
        auto* grid = tab->results()->findChild<QTableView*>(QStringLiteral("resultGrid"));
        QVERIFY(grid);
        grid->setFocus();
        QVERIFY(QTest::qWaitFor(
            [&] {
                QTest::keyClick(grid, Qt::Key_End, Qt::ControlModifier);
                return model->rowCount() >= 25000;
            },
            30000));
        QCOMPARE(model->rowCount(), 25000);
        for (int i : {0, 999, 1000, 1001, 12345, 24999})
            QCOMPARE(model->index(i, 0).data().toString(), QString::number(i + 1));
    }

    // A long job, Esc: the job stops on the server and the grid stays empty.
    void aLongJobCancelledWithEsc() {
        qputenv("QUARRY_SANDBOX_FAULTS", "job:delay=20s:1");
        auto w = test::openWindow();
        qunsetenv("QUARRY_SANDBOX_FAULTS");
        w->activateWindow();
        QueryTab* tab = w->currentTab();
        test::typeQuery(tab->editor(), QStringLiteral("SELECT fullName FROM samples.persons"));
        QSignalSpy running(tab, &QueryTab::runningChanged);
        press(w.get(), Qt::Key_Return, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(tab->results()->status().startsWith(QStringLiteral("running")), 10000);
        press(w.get(), Qt::Key_Escape);
        // (Cancelling took up to about 10 s here, one long poll, in some runs: see the stop note.)
        QVERIFY(QTest::qWaitFor([&] { return running.size() >= 2 && !running.last().at(0).toBool(); }, 30000));
        QVERIFY2(tab->results()->status().contains(QStringLiteral("cancel"), Qt::CaseInsensitive), qPrintable(tab->results()->status()));
        QCOMPARE(tab->results()->gridModel()->rowCount(), 0);
        // Short query mode: the job BigQuery made for the long query is stopped on the server.
        std::string state;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         state = test::jobStateOf(*w->session()->client, w->session()->project, "SELECT fullName FROM samples.persons");
                         return state.starts_with("DONE");
                     },
                     15000),
                 state.c_str());
        QCOMPARE(state, std::string("DONE/stopped"));
    }

    // Twenty tabs opened with Ctrl+T and typed into, closed with Ctrl+W; Ctrl+Shift+T brings
    // the last one back with its text. No background work is left behind.
    void twentyTabsOpenedAndClosed() {
        auto w = test::openWindow();
        w->activateWindow();
        const int before = w->tabs()->count();
        for (int i = 1; i <= 20; ++i) {
            press(w.get(), Qt::Key_T, Qt::ControlModifier);
            QCOMPARE(w->tabs()->count(), before + i);
            QTest::keyClicks(w->currentTab()->editor(), QStringLiteral("SELECT %1 AS n").arg(i));
        }
        QCOMPARE(w->currentTab()->editor()->text(), QStringLiteral("SELECT 20 AS n"));
        for (int i = 1; i <= 20; ++i) {
            press(w.get(), Qt::Key_W, Qt::ControlModifier);
            QTRY_COMPARE(w->tabs()->count(), std::max(1, before + 20 - i));
        }
        press(w.get(), Qt::Key_T, Qt::ControlModifier | Qt::ShiftModifier);
        QTRY_VERIFY(w->currentTab() && w->currentTab()->editor()->text() == QStringLiteral("SELECT 1 AS n"));
        QTRY_COMPARE(Background::instance().pending(), 0);
    }

    // The editor and result keys the README names, pressed where a person presses them.
    void theReadmesKeysDoWhatItSays() {
        auto w = test::openWindow();
        w->activateWindow();
        QueryTab* tab = w->currentTab();
        QsciScintilla* e = tab->editor();
        test::typeQuery(e, QStringLiteral("select fullName from samples.persons where age > 20 order by fullName"));
        press(w.get(), Qt::Key_F, Qt::ControlModifier | Qt::ShiftModifier); // Format SQL
        const QString formatted = QStringLiteral("SELECT fullName\nFROM samples.persons\nWHERE age > 20\nORDER BY fullName\n");
        QCOMPARE(e->text(), formatted);
        press(w.get(), Qt::Key_Slash, Qt::ControlModifier); // comment the caret's line, then not
        QVERIFY2(e->text().contains(QStringLiteral("-- ")), qPrintable(e->text()));
        press(w.get(), Qt::Key_Slash, Qt::ControlModifier);
        QCOMPARE(e->text(), formatted);

        press(w.get(), Qt::Key_F, Qt::ControlModifier); // find
        QVERIFY(tab->findBar()->isVisible());
        QCOMPARE(QApplication::focusWidget(), tab->findBar()->findEdit());
        QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("fullName"));
        QCOMPARE(tab->findBar()->countText(), QStringLiteral("1 of 2"));
        press(w.get(), Qt::Key_Escape);
        QVERIFY(!tab->findBar()->isVisible());
        QTest::mouseClick(e->viewport(), Qt::LeftButton, {}, QPoint(e->viewport()->width() / 2, 10));
        press(w.get(), Qt::Key_H, Qt::ControlModifier); // replace
        QVERIFY(tab->findBar()->isVisible() && tab->findBar()->replaceEdit()->isVisible());
        press(w.get(), Qt::Key_Escape);

        dialogs::Answerer answers; // F2 renames the tab
        answers.text = [](const QString&, const QString&) { return std::optional<QString>(QStringLiteral("People over 20")); };
        dialogs::answerWith(answers);
        QTest::mouseClick(e->viewport(), Qt::LeftButton, {}, QPoint(e->viewport()->width() / 2, 10));
        press(w.get(), Qt::Key_F2);
        QCOMPARE(tab->title(), QStringLiteral("People over 20"));
        QCOMPARE(w->tabs()->tabText(w->tabs()->indexOf(tab)), QStringLiteral("People over 20"));

        QVERIFY(pressRun(tab));
        press(w.get(), Qt::Key_F6); // to the grid: Ctrl+A, Ctrl+C copies TSV; Ctrl+Shift+C JSON
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(tab->results()->grid()));
        press(w.get(), Qt::Key_A, Qt::ControlModifier);
        press(w.get(), Qt::Key_C, Qt::ControlModifier);
        const QString tsv = QApplication::clipboard()->text();
        QVERIFY2(tsv.startsWith(QStringLiteral("fullName\n")) && tsv.contains(QStringLiteral("\nMike Jones\n")), qPrintable(tsv));
        press(w.get(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
        const QString json = QApplication::clipboard()->text();
        QVERIFY2(json.startsWith(QLatin1Char('{')) && json.contains(QStringLiteral("Mike Jones")), qPrintable(json));
        press(w.get(), Qt::Key_F6); // and back to the editor
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(e));
    }

    // Ctrl+S and Ctrl+O with the file dialogs answered, the dialect chosen in its box by
    // keyboard, and a table double-clicked in the schema tree into the editor.
    void filesDialectAndTheSchemaTree() {
        auto w = test::openWindow();
        w->activateWindow();
        press(w.get(), Qt::Key_T, Qt::ControlModifier);
        QueryTab* tab = w->currentTab();
        QTest::keyClicks(tab->editor(), QStringLiteral("SELECT 7 AS seven"));
        const QString saved = fixture_.home() + QStringLiteral("/seven.sql"), other = fixture_.home() + QStringLiteral("/eight.sql");
        {
            QFile f(other);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("SELECT 8 AS eight\n");
        }
        dialogs::Answerer answers;
        answers.saveFile = [&](const QString&, const QString&) { return saved; };
        answers.openFiles = [&](const QString&) { return QStringList{other}; };
        dialogs::answerWith(answers);
        press(w.get(), Qt::Key_S, Qt::ControlModifier);
        QTRY_COMPARE(test::readAll(saved), QByteArray("SELECT 7 AS seven"));
        QTRY_COMPARE(tab->title(), QStringLiteral("seven.sql"));
        press(w.get(), Qt::Key_O, Qt::ControlModifier);
        QTRY_VERIFY(w->currentTab() != tab && w->currentTab()->editor()->text() == QStringLiteral("SELECT 8 AS eight\n"));

        // Legacy SQL from the tab's dialect box, by keyboard.
        tab = w->currentTab();
        auto* dialect = tab->findChild<QComboBox*>(QStringLiteral("dialectBox"));
        QVERIFY(dialect);
        dialect->setFocus(Qt::TabFocusReason);
        QTest::keyClick(dialect, Qt::Key_Down);
        QVERIFY(tab->legacySql());
        test::typeQuery(tab->editor(), QStringLiteral("SELECT COUNT(*) AS n FROM [samples.persons]"));
        QVERIFY(pressRun(tab));
        QCOMPARE(tab->results()->gridModel()->index(0, 0).data().toString(), QStringLiteral("3"));

        // A double-click on a table in the schema tree writes its name where the caret is.
        SchemaModel* m = w->schemaModel();
        QTreeView* tree = w->schemaTree();
        QTRY_VERIFY_WITH_TIMEOUT(m->find(m->index(0, 0), QStringLiteral("samples")).isValid(), 10000);
        const QModelIndex samples = m->find(m->index(0, 0), QStringLiteral("samples"));
        tree->expand(samples);
        QTRY_VERIFY_WITH_TIMEOUT(m->find(samples, QStringLiteral("persons")).isValid(), 10000);
        const QModelIndex persons = m->find(samples, QStringLiteral("persons"));
        tree->scrollTo(persons);
        test::typeQuery(tab->editor(), QStringLiteral("SELECT COUNT(*) FROM "));
        const QPoint at = tree->visualRect(persons).center();
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, at); // a double-click's first press, as a mouse sends it
        QTest::mouseDClick(tree->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(tab->editor()->text(), QStringLiteral("SELECT COUNT(*) FROM `sandbox.samples.persons`"));
    }
};

QTEST_MAIN(TestJourneys)
#include "test_journeys.moc"
