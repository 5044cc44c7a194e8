// SPDX-License-Identifier: MIT
// The nested result grid: line layout of RECORD/REPEATED rows (the persons sample, whose
// shape the docs' tutorials use), NULL vs empty vs blank, the flattened cross product, the
// spanning header, and both models under QAbstractItemModelTester while pages arrive.
#include "FailOnWarnings.h"
#include "results/NestedHeaderView.h"
#include "results/ResultModel.h"
#include "results/ResultSet.h"
#include "results/ResultView.h"
#include "value/JsonRowReader.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QPlainTextEdit>
#include <QTableView>
#include <QtTest>
#include <nlohmann/json.hpp>

using namespace quarry;

namespace {

std::string readFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(path));
    return f.readAll().toStdString();
}

Schema personsSchema() {
    return Schema::fromJson(nlohmann::json::parse(readFile(QStringLiteral(QUARRY_SOURCE_DIR "/resources/samples/persons/schema.json"))));
}

std::vector<Value> rowsOf(const Schema& schema, const std::string& ndjson) {
    JsonRowReader reader(schema);
    std::vector<Value> rows;
    std::istringstream in(ndjson);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<RowIssue> issues;
        rows.push_back(reader.read(nlohmann::json::parse(line), issues));
        if (!issues.empty()) qFatal("bad test row: %s", issues[0].message.c_str());
    }
    return rows;
}

std::vector<Value> persons(const Schema& s) {
    return rowsOf(s, readFile(QStringLiteral(QUARRY_SOURCE_DIR "/resources/samples/persons/persons.ndjson")));
}

int columnNamed(const ResultModel& m, const QStringList& path) {
    for (int c = 0; c < m.columnCount(); ++c)
        if (m.headerData(c, Qt::Horizontal, ResultModel::HeaderPathRole).toStringList() == path) return c;
    return -1;
}

QString text(const ResultModel& m, int row, int column) { return m.index(row, column).data().toString(); }

} // namespace

class TestResultModel : public QObject {
    Q_OBJECT

    // The persons sample in a shown result view.
    static void showPersons(ResultView& view) {
        const Schema s = personsSchema();
        view.resultSet()->reset(s, 3);
        view.resultSet()->append(persons(s), false);
        view.resize(1200, 500);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
    }
private slots:
    void init() { test::failOnQtWarnings(); }

    void nestedLayoutOfPersons() {
        const Schema s = personsSchema();
        ResultSet set;
        ResultModel m(&set, GridMode::Nested);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        set.reset(s, 3);
        set.append(persons(s), false);
        // John Doe: 2 children, 2 cities of 1 year each -> 2 lines. Mike Jones: 3 children,
        // 4 cities of 4 years each -> 16. Anna Karenina: no children, 4+3+2 years -> 9.
        QCOMPARE(m.rowCount(), 2 + 16 + 9);
        QCOMPARE(m.columnCount(), 11);
        QCOMPARE(m.layout().headerDepth(), 2);
        const int fullName = columnNamed(m, {QStringLiteral("fullName")});
        const int place = columnNamed(m, {QStringLiteral("citiesLived"), QStringLiteral("place")});
        const int years = columnNamed(m, {QStringLiteral("citiesLived"), QStringLiteral("yearsLived")});
        const int child = columnNamed(m, {QStringLiteral("children"), QStringLiteral("name")});
        const int area = columnNamed(m, {QStringLiteral("phoneNumber"), QStringLiteral("areaCode")});
        QVERIFY(fullName >= 0 && place >= 0 && years >= 0 && child >= 0 && area >= 0);
        QCOMPARE(m.headerData(place, Qt::Horizontal).toString(), QStringLiteral("place"));

        const int mike = m.firstLineOf(1);
        QCOMPARE(mike, 2);
        QCOMPARE(text(m, mike, fullName), QStringLiteral("Mike Jones"));
        QVERIFY(m.index(mike + 1, fullName).data().isNull()); // blank below the row's first line
        QCOMPARE(text(m, mike, area), QStringLiteral("622"));
        // The four cities are sub-rows, each followed by the lines of its four years.
        QStringList cities;
        for (int l = mike; l < mike + 16; ++l)
            if (const auto t = text(m, l, place); !t.isEmpty()) cities << t;
        QCOMPARE(cities, (QStringList{QStringLiteral("Los Angeles"), QStringLiteral("Washington DC"),
                                      QStringLiteral("Portland"), QStringLiteral("Austin")}));
        QCOMPARE(text(m, mike + 4, place), QStringLiteral("Washington DC"));
        QCOMPARE(text(m, mike + 5, years), QStringLiteral("1993"));
        QCOMPARE(text(m, mike + 2, child), QStringLiteral("Kit"));
        QVERIFY(text(m, mike + 3, child).isEmpty());
        QCOMPARE(m.index(mike + 15, years).data(ResultModel::TopRowRole).toULongLong(), 1ull);
        QCOMPARE(m.headerData(mike, Qt::Vertical).toULongLong(), 2ull);
        QVERIFY(m.headerData(mike + 1, Qt::Vertical).isNull());

        // Anna has no children: an empty array, shown once, not NULL.
        const int anna = m.firstLineOf(2);
        QCOMPARE(text(m, anna, child), QStringLiteral("[]"));
        QCOMPARE(m.index(anna, child).data(ResultModel::CellStateRole).toInt(), int(GridCell::State::EmptyArray));
        QCOMPARE(m.index(anna, child).data(ResultModel::IsNullRole).toBool(), false);
        QVERIFY(text(m, anna + 1, child).isEmpty());
    }

    void flattenedIsTheCrossProduct() {
        const Schema s = personsSchema();
        ResultSet set;
        ResultModel m(&set, GridMode::Flattened);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        set.reset(s, 3);
        set.append(persons(s), false);
        // children x (cities' years): John 2 x 2, Mike 3 x 16, Anna 1 (no child: NULL) x 9.
        QCOMPARE(m.rowCount(), 4 + 48 + 9);
        const int fullName = columnNamed(m, {QStringLiteral("fullName")});
        const int child = columnNamed(m, {QStringLiteral("children_name")});
        const int place = columnNamed(m, {QStringLiteral("citiesLived_place")});
        const int years = columnNamed(m, {QStringLiteral("citiesLived_yearsLived")});
        QVERIFY(fullName >= 0 && child >= 0 && place >= 0 && years >= 0);
        const int mike = m.firstLineOf(1);
        for (int l = mike; l < mike + 48; ++l) QCOMPARE(text(m, l, fullName), QStringLiteral("Mike Jones"));
        // Line 17 of Mike: child 1 (Sam) with the second line of the cities: Los Angeles, 1993.
        QCOMPARE(text(m, mike + 17, child), QStringLiteral("Sam"));
        QCOMPARE(text(m, mike + 17, place), QStringLiteral("Los Angeles"));
        QCOMPARE(text(m, mike + 17, years), QStringLiteral("1993"));
        QCOMPARE(text(m, mike + 47, child), QStringLiteral("Kit"));
        QCOMPARE(text(m, mike + 47, years), QStringLiteral("2005"));
        const int anna = m.firstLineOf(2);
        for (int l = anna; l < anna + 9; ++l) {
            QCOMPARE(m.index(l, child).data(ResultModel::IsNullRole).toBool(), true);
            QCOMPARE(text(m, l, child), QStringLiteral("null"));
        }
    }

    void nullEmptyAndBlankAreDistinct() {
        const auto s = Schema::fromJson(nlohmann::json::parse(R"({"fields":[
            {"name":"n","type":"INTEGER"},{"name":"xs","type":"INTEGER","mode":"REPEATED"},
            {"name":"r","type":"RECORD","fields":[{"name":"a","type":"STRING"}]}]})"));
        ResultSet set;
        ResultModel m(&set, GridMode::Nested);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        set.reset(s, 2);
        set.append(rowsOf(s, "{\"n\":null,\"xs\":[],\"r\":null}\n{\"n\":7,\"xs\":[1,2,3],\"r\":{\"a\":\"x\"}}\n"), false);
        QCOMPARE(m.rowCount(), 1 + 3);
        QCOMPARE(text(m, 0, 0), QStringLiteral("null"));
        QVERIFY(m.index(0, 0).data(ResultModel::IsNullRole).toBool());
        QVERIFY(m.index(0, 0).data(Qt::FontRole).value<QFont>().italic());
        QCOMPARE(text(m, 0, 1), QStringLiteral("[]"));
        QCOMPARE(text(m, 0, 2), QStringLiteral("null")); // a NULL record: its fields show null
        QCOMPARE(text(m, 1, 0), QStringLiteral("7"));
        QCOMPARE(m.index(1, 0).data(Qt::TextAlignmentRole).value<Qt::Alignment>() & Qt::AlignRight, Qt::AlignRight);
        QVERIFY(m.index(2, 0).data().isNull());
        QCOMPARE(m.index(2, 0).data(ResultModel::CellStateRole).toInt(), int(GridCell::State::Blank));
        QCOMPARE(text(m, 3, 1), QStringLiteral("3"));
        QCOMPARE(m.index(3, 1).data(ResultModel::JsonRole).toString(), QStringLiteral("\"3\""));
        QCOMPARE(m.index(1, 2).data(ResultModel::JsonRole).toString(), QStringLiteral("\"x\""));
    }

    // Flat results: one line per row, no line index, cells rebuilt from typed columns.
    void flatResultsAreOneLinePerRow() {
        const auto s = Schema::fromJson(nlohmann::json::parse(R"({"fields":[
            {"name":"n","type":"INTEGER"},{"name":"city","type":"STRING"},{"name":"day","type":"DATE"},
            {"name":"r","type":"RECORD","fields":[{"name":"a","type":"FLOAT"}]},
            {"name":"tags","type":"STRING","mode":"REPEATED"}]})"));
        ResultSet set;
        ResultModel m(&set, GridMode::Nested);
        ResultModel flat(&set, GridMode::Flattened);
        QAbstractItemModelTester t1(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(&flat, QAbstractItemModelTester::FailureReportingMode::QtTest);
        std::string page;
        for (int i = 0; i < 150; ++i)
            page += "{\"n\":" + (i % 10 == 4 ? std::string("null") : std::to_string(i)) + ",\"city\":\"" + (i % 2 ? "Oslo" : "Lima") +
                    "\",\"day\":\"2026-01-0" + std::to_string(1 + i % 9) + "\",\"r\":{\"a\":" + std::to_string(i) + ".5}}\n";
        set.reset(s, 300);
        set.append(rowsOf(s, page), true);
        set.append(rowsOf(s, page), false);
        QCOMPARE(m.rowCount(), 300);
        QCOMPARE(flat.rowCount(), 300);
        QVERIFY(!m.layout().singleLine()); // tags is REPEATED
        QCOMPARE(m.firstLineOf(151), 151);
        QCOMPARE(text(m, 151, 1), QStringLiteral("Oslo"));
        QCOMPARE(text(m, 154, 0), QStringLiteral("null"));
        QVERIFY(m.index(154, 0).data(ResultModel::IsNullRole).toBool());
        QCOMPARE(text(m, 299, 2), QStringLiteral("2026-01-06"));
        QCOMPARE(text(m, 299, 3), QStringLiteral("149.5"));
        QCOMPARE(text(m, 299, 4), QStringLiteral("[]"));

        const auto plain = Schema::fromJson(nlohmann::json::parse(R"({"fields":[
            {"name":"n","type":"INTEGER"},{"name":"city","type":"STRING"},{"name":"day","type":"DATE"},
            {"name":"r","type":"RECORD","fields":[{"name":"a","type":"FLOAT"}]}]})"));
        set.reset(plain, 300);
        set.append(rowsOf(plain, page), true);
        set.append(rowsOf(plain, page), false);
        QVERIFY(m.layout().singleLine());
        QCOMPARE(m.rowCount(), 300);
        QCOMPARE(m.locate(299), (std::pair<std::size_t, std::uint64_t>{299, 0}));
        QCOMPARE(m.firstLineOf(299), 299);
        QCOMPARE(m.firstLineOf(300), -1);
        QCOMPARE(text(m, 151, 1), QStringLiteral("Oslo"));
        QCOMPARE(text(m, 150, 1), QStringLiteral("Lima"));
        QCOMPARE(text(m, 154, 0), QStringLiteral("null"));
        QCOMPARE(m.index(153, 0).data(ResultModel::JsonRole).toString(), QStringLiteral("\"3\""));
        QCOMPARE(text(flat, 299, 3), QStringLiteral("149.5"));
        QCOMPARE(m.headerData(299, Qt::Vertical).toULongLong(), 300ull);
        QCOMPARE(set.row(2)[1].asText(), std::string_view("Lima"));
    }

    void pagesArriveThroughFetchMore() {
        const Schema s = personsSchema();
        ResultSet set;
        ResultModel nested(&set, GridMode::Nested);
        ResultModel flat(&set, GridMode::Flattened);
        QAbstractItemModelTester t1(&nested, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(&flat, QAbstractItemModelTester::FailureReportingMode::QtTest);
        int requests = 0;
        connect(&set, &ResultSet::moreRequested, this, [&] { ++requests; });
        const auto rows = persons(s);
        set.reset(s, 9);
        set.append({rows[0]}, true);
        QCOMPARE(nested.rowCount(), 2);
        // The testers themselves fetch more when rows arrive; either way one request is out.
        QVERIFY(requests <= 1);
        nested.fetchMore({});
        QCOMPARE(requests, 1);
        QVERIFY(!nested.canFetchMore({})); // one request in flight at a time
        flat.fetchMore({});
        QCOMPARE(requests, 1);
        set.append({rows[1], rows[2]}, true);
        QCOMPARE(nested.rowCount(), 27);
        QCOMPARE(flat.rowCount(), 61);
        nested.fetchMore({});
        flat.fetchMore({});
        QCOMPARE(requests, 2);
        set.fetchFailed(QStringLiteral("HTTP 500"));
        QVERIFY(!nested.canFetchMore({})); // a failing page stops the loop instead of spinning
        set.reset(s, 0);
        QCOMPARE(nested.rowCount(), 0);
        QCOMPARE(nested.columnCount(), 11);
        set.clear();
        QCOMPARE(nested.columnCount(), 0);
    }

    void hostileCrossProductSaturates() {
        const auto s = Schema::fromJson(nlohmann::json::parse(R"({"fields":[
            {"name":"a","type":"INTEGER","mode":"REPEATED"},{"name":"b","type":"INTEGER","mode":"REPEATED"},
            {"name":"c","type":"INTEGER","mode":"REPEATED"}]})"));
        std::string arr = "[";
        for (int i = 0; i < 1000; ++i) arr += (i ? "," : "") + std::to_string(i);
        arr += "]";
        const auto rows = rowsOf(s, "{\"a\":" + arr + ",\"b\":" + arr + ",\"c\":" + arr + "}\n");
        const ResultLayout flat(s, GridMode::Flattened);
        QCOMPARE(flat.lineCount(rows[0]), ResultLayout::kMaxLinesPerRow); // 10^9 capped
        const auto last = flat.cell(rows[0], 2, ResultLayout::kMaxLinesPerRow - 1);
        QCOMPARE(int(last.state), int(GridCell::State::Value));
        const ResultLayout nested(s, GridMode::Nested);
        QCOMPARE(nested.lineCount(rows[0]), 1000ull);
    }

    void deepRecordsGetOneHeaderBandPerLevel() {
        nlohmann::json f = {{"name", "leaf"}, {"type", "STRING"}};
        for (int i = 14; i >= 1; --i) f = {{"name", "r" + std::to_string(i)}, {"type", "RECORD"}, {"fields", {f}}};
        const auto s = Schema::fromJson({{"fields", {f, {{"name", "top"}, {"type", "INTEGER"}}}}});
        ResultSet set;
        ResultModel m(&set, GridMode::Nested);
        set.reset(s, 1);
        set.append(rowsOf(s, "{\"r1\":null,\"top\":1}\n"), false);
        QCOMPARE(m.layout().headerDepth(), 15);
        QCOMPARE(m.columnCount(), 2);
        QCOMPARE(text(m, 0, 0), QStringLiteral("null"));
        QTableView view;
        auto* header = new NestedHeaderView(&view);
        view.setHorizontalHeader(header);
        view.setModel(&m);
        view.resize(600, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(header->sizeHint().height() >= 15 * view.fontMetrics().height());
        QVERIFY(!view.grab().isNull());
    }

    void recordsCollapseToOneColumnAndExpandAgain() {
        const Schema s = personsSchema();
        ResultSet set;
        ResultModel m(&set, GridMode::Nested);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        set.reset(s, 3);
        set.append(persons(s), false);
        const int columns = m.columnCount();
        const int mike = m.firstLineOf(1);
        QCOMPARE(m.firstLineOf(2) - mike, 16); // 4 cities with 4 years each
        m.setCollapsed(QStringLiteral("citiesLived"), true);
        QCOMPARE(m.columnCount(), columns - 1); // place and yearsLived become one column
        const int cities = columnNamed(m, {QStringLiteral("\u25b8 citiesLived")});
        QVERIFY(cities >= 0);
        QVERIFY(m.headerData(cities, Qt::Horizontal, ResultModel::CollapsedRole).toBool());
        QCOMPARE(m.firstLineOf(2) - m.firstLineOf(1), 3); // now the 3 children decide
        const QString whole = text(m, m.firstLineOf(1), cities);
        QVERIFY2(whole.startsWith(QStringLiteral("[{")) && whole.contains(QStringLiteral("Los Angeles")) && whole.contains(QStringLiteral("Austin")),
                 qPrintable(whole));
        QVERIFY(m.index(m.firstLineOf(1) + 1, cities).data().isNull()); // one line, not one per city
        QVERIFY(m.index(m.firstLineOf(1), cities).data(ResultModel::JsonRole).toString().startsWith(QStringLiteral("[{\"place\"")));
        // A nested RECORD by its dotted path, in the flattened view too.
        ResultModel flat(&set, GridMode::Flattened);
        const int flatLines = flat.rowCount();
        flat.setCollapsed(QStringLiteral("citiesLived"), true);
        QVERIFY(flat.rowCount() < flatLines); // the cities no longer multiply the lines
        m.toggleCollapsed(QStringLiteral("citiesLived"));
        QCOMPARE(m.columnCount(), columns);
        QCOMPARE(m.firstLineOf(2) - m.firstLineOf(1), 16);
    }

    void headerDoubleClickTogglesARecord() {
        ResultView view;
        showPersons(view);
        auto* header = qobject_cast<NestedHeaderView*>(view.grid()->horizontalHeader());
        const int child = columnNamed(*view.gridModel(), {QStringLiteral("children"), QStringLiteral("name")});
        // The top band over children.name is the "children" record.
        const QPoint band(header->sectionViewportPosition(child) + 5, 3);
        QCOMPARE(header->recordAt(band), QStringLiteral("children"));
        QCOMPARE(header->recordAt(QPoint(header->sectionViewportPosition(0) + 5, 3)), QString()); // a plain column
        QTest::mouseDClick(header->viewport(), Qt::LeftButton, {}, band);
        QVERIFY(view.gridModel()->isCollapsed(QStringLiteral("children")));
        const int collapsed = columnNamed(*view.gridModel(), {QStringLiteral("\u25b8 children")});
        QVERIFY(collapsed >= 0);
        QCOMPARE(header->recordAt(QPoint(header->sectionViewportPosition(collapsed) + 5, header->height() - 3)), QStringLiteral("children"));
        QTest::mouseDClick(header->viewport(), Qt::LeftButton, {}, QPoint(header->sectionViewportPosition(collapsed) + 5, header->height() - 3));
        QVERIFY(!view.gridModel()->isCollapsed(QStringLiteral("children")));
    }

    void headerSpansRecordColumns() {
        const Schema s = personsSchema();
        ResultView view;
        showPersons(view);
        auto* header = qobject_cast<NestedHeaderView*>(view.grid()->horizontalHeader());
        QVERIFY(header);
        const int child = columnNamed(*view.gridModel(), {QStringLiteral("children"), QStringLiteral("name")});
        const int age = columnNamed(*view.gridModel(), {QStringLiteral("children"), QStringLiteral("age")});
        QCOMPARE(header->span(child, 0), std::make_pair(child, age));
        QCOMPARE(header->span(child, 1), std::make_pair(child, child));
        QCOMPARE(header->span(0, 0), std::make_pair(0, 0));
        QVERIFY(header->height() >= 2 * view.fontMetrics().height());
        // Copy: a selection of the Mike Jones lines as TSV, and his whole row as JSON.
        const int mike = view.gridModel()->firstLineOf(1);
        view.grid()->selectionModel()->select(QItemSelection(view.gridModel()->index(mike, 1), view.gridModel()->index(mike + 1, 1)),
                                              QItemSelectionModel::Select);
        QCOMPARE(view.selectionAsTsv(), QStringLiteral("fullName\nMike Jones\n\n"));
        const QString json = view.selectionAsJson();
        QCOMPARE(json.count(QLatin1Char('\n')), 1);
        QVERIFY(json.contains(QStringLiteral("\"place\":\"Washington DC\"")));
        view.showView(2);
        auto* text = view.findChild<QPlainTextEdit*>(QStringLiteral("resultJson"));
        QVERIFY(text);
        QCOMPARE(text->blockCount(), 3);
        QVERIFY(text->toPlainText().contains(QStringLiteral("Mike Jones")));
        // A page arriving while the JSON view is shown adds its rows, once each.
        view.resultSet()->append(persons(s), false);
        QCOMPARE(text->blockCount(), 6);
        QCOMPARE(text->toPlainText().count(QStringLiteral("Mike Jones")), 2);
        view.resultSet()->reset(s, 3);
        QCOMPARE(text->toPlainText(), QString());
    }

    // Over its memory budget a flat result drops the pages read longest ago (never the first
    // or the newest); an evicted row shows a placeholder and asks for its page once; the page
    // put back shows its values again. A nested result is held whole.
    void evictsAndRestoresPagesOverTheBudget() {
        const Schema schema = Schema::fromJson(nlohmann::json::parse(
            R"({"fields":[{"name":"x","type":"INTEGER"},{"name":"s","type":"STRING"}]})"));
        auto page = [&](int first) {
            std::vector<Value> rows;
            for (int i = first; i < first + 1000; ++i) {
                Value r = Value::structOf(2);
                r[0] = Value::int64(i);
                r[1] = Value::string("row " + std::to_string(i));
                rows.push_back(std::move(r));
            }
            return rows;
        };
        ResultSet rows;
        rows.reset(schema, 5000);
        rows.setMemoryBudget(1); // everything that may go, goes
        ResultModel model(&rows, GridMode::Nested);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (int p = 0; p < 5; ++p) rows.append(page(p * 1000), p < 4);
        QCOMPARE(model.rowCount(), 5000);
        QVERIFY(rows.isLoaded(0) && rows.isLoaded(999));
        QVERIFY(!rows.isLoaded(1000) && !rows.isLoaded(3999));
        QVERIFY(rows.isLoaded(4000) && rows.isLoaded(4999));
        QCOMPARE(text(model, 4999, 1), QStringLiteral("row 4999"));

        QSignalSpy wanted(&rows, &ResultSet::pageWanted);
        QCOMPARE(text(model, 1500, 1), QStringLiteral("\u2026"));
        QCOMPARE(text(model, 1501, 0), QStringLiteral("\u2026"));
        QCOMPARE(wanted.size(), 1); // once until it arrives
        QCOMPARE(wanted.first().at(0).toULongLong(), 1000ULL);
        QCOMPARE(wanted.first().at(1).toULongLong(), 1000ULL);

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        std::vector<Value> wrong = page(1000);
        wrong.pop_back();
        rows.restore(1000, std::move(wrong)); // not the page's rows: ignored
        QVERIFY(!rows.isLoaded(1500));
        rows.setMemoryBudget(std::size_t(1) << 30);
        rows.restore(1000, page(1000));
        QVERIFY(rows.isLoaded(1500));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(text(model, 1500, 1), QStringLiteral("row 1500"));
        QCOMPARE(model.index(1500, 0).data().toString(), QStringLiteral("1500"));

        // Nested (a repeated field): its line layout needs every row, so nothing goes.
        const Schema nested = personsSchema();
        ResultSet whole;
        whole.reset(nested, 0);
        whole.setMemoryBudget(1);
        for (int p = 0; p < 3; ++p) whole.append(persons(nested), true);
        for (std::size_t i = 0; i < whole.rowCount(); ++i) QVERIFY(whole.isLoaded(i));
    }
};

QTEST_MAIN(TestResultModel)
#include "test_result_model.moc"
