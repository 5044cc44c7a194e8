// SPDX-License-Identifier: MIT
// The chart tab: which columns can be axes, the points taken from rows (NULLs, dates, caps),
// and the QtCharts series built from them as the user picks type, X and Y.
#include "FailOnWarnings.h"
#include "results/ChartData.h"
#include "results/ChartView.h"
#include "results/ResultSet.h"
#include "results/ResultView.h"
#include "value/JsonRowReader.h"

#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

using namespace quarry;

namespace {

Schema salesSchema() {
    return Schema::fromJson(nlohmann::json::parse(R"({"fields": [
        {"name": "day", "type": "DATE"},
        {"name": "city", "type": "STRING"},
        {"name": "orders", "type": "INTEGER"},
        {"name": "revenue", "type": "NUMERIC"},
        {"name": "tags", "type": "STRING", "mode": "REPEATED"},
        {"name": "meta", "type": "RECORD", "fields": [{"name": "k", "type": "STRING"}]}]})"));
}

std::vector<Value> salesRows(const Schema& s) {
    const char* lines[] = {
        R"({"day": "2026-01-01", "city": "Oslo", "orders": 3, "revenue": "10.5", "tags": ["a"]})",
        R"({"day": "2026-01-02", "city": "Lima", "orders": null, "revenue": "7.25"})",
        R"({"day": null, "city": "Pune", "orders": 9, "revenue": "1"})",
        R"({"day": "2026-01-04", "city": null, "orders": 5, "revenue": "-2.5"})",
    };
    JsonRowReader reader(s);
    std::vector<Value> rows;
    for (const char* l : lines) {
        std::vector<RowIssue> issues;
        rows.push_back(reader.read(nlohmann::json::parse(l), issues));
        if (!issues.empty()) qFatal("bad test row: %s", issues[0].message.c_str());
    }
    return rows;
}

} // namespace

class TestChart : public QObject {
    Q_OBJECT
private slots:
    void init() { test::failOnQtWarnings(); }

    void columnsThatCanBeAxes() {
        const auto cols = chartableColumns(salesSchema());
        QCOMPARE(cols.size(), std::size_t(4)); // not the REPEATED tags, not the RECORD meta
        QCOMPARE(cols[0].kind, AxisKind::Time);
        QCOMPARE(cols[1].kind, AxisKind::Category);
        QCOMPARE(cols[2].kind, AxisKind::Number);
        QCOMPARE(cols[3].kind, AxisKind::Number);
        QCOMPARE(cols[3].index, 3);
    }

    void pointsComeFromRowsWithNullsAndCaps() {
        const Schema s = salesSchema();
        ColumnStore rows(s);
        rows.append(salesRows(s));
        ChartData d = chartData(rows, s, 0, {2, 3, 1, 4}, 100); // STRING and REPEATED Y are refused
        QCOMPARE(d.xKind, AxisKind::Time);
        QCOMPARE(d.series.size(), std::size_t(2));
        QCOMPARE(d.x.size(), std::size_t(3)); // the row with no day is left out
        QCOMPARE(d.rowsSkipped, std::size_t(1));
        QCOMPARE(d.x[0], 1767225600000.0); // 2026-01-01T00:00:00Z in ms
        QCOMPARE(d.categories[2], std::string("2026-01-04"));
        QCOMPARE(d.series[0].y[0], 3.0);
        QVERIFY(std::isnan(d.series[0].y[1])); // NULL orders
        QCOMPARE(d.series[1].y[2], -2.5);      // NUMERIC as a number
        d = chartData(rows, s, 1, {2}, 2);
        QCOMPARE(d.xKind, AxisKind::Category);
        QCOMPARE(d.x, (std::vector<double>{0, 1}));
        QVERIFY(d.truncated);
        QVERIFY(chartData(rows, s, 99, {2}, 10).x.empty());
    }

    void chartTabDrawsWhatIsChosen() {
        const Schema s = salesSchema();
        ResultView view;
        view.resultSet()->reset(s, 4);
        view.resultSet()->append(salesRows(s), false);
        view.resize(900, 500);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.showView(3);
        ChartView* chart = view.chart();
        QVERIFY(chart->isVisible());
        // The start: time X, the first number as Y, a line.
        QCOMPARE(chart->type(), ChartView::Type::Line);
        QCOMPARE(chart->xColumn(), 0);
        QCOMPARE(chart->yColumns(), std::vector<int>{2});
        QTRY_COMPARE(chart->chart()->series().size(), 1);
        auto* line = qobject_cast<QLineSeries*>(chart->chart()->series()[0]);
        QVERIFY(line);
        QCOMPARE(line->count(), 2); // three dated rows, one with NULL orders
        QVERIFY(qobject_cast<QDateTimeAxis*>(chart->chart()->axes(Qt::Horizontal).value(0)));
        QVERIFY2(chart->note().contains(QStringLiteral("1 rows with no X")), qPrintable(chart->note()));

        // Bars by city for two numbers.
        chart->setChart(ChartView::Type::Bar, 1, {2, 3});
        QCOMPARE(chart->chart()->series().size(), 1);
        auto* bars = qobject_cast<QBarSeries*>(chart->chart()->series()[0]);
        QVERIFY(bars);
        QCOMPARE(bars->count(), 2);
        QCOMPARE(bars->barSets()[1]->count(), 3);
        QCOMPARE(bars->barSets()[1]->at(1), 7.25);
        auto* cats = qobject_cast<QBarCategoryAxis*>(chart->chart()->axes(Qt::Horizontal).value(0));
        QVERIFY(cats);
        QCOMPARE(cats->categories(), (QStringList{QStringLiteral("Oslo"), QStringLiteral("Lima"), QStringLiteral("Pune")}));

        // Scatter of two numbers; then no Y at all says what to do and draws nothing.
        chart->setChart(ChartView::Type::Scatter, 2, {3});
        QVERIFY(qobject_cast<QScatterSeries*>(chart->chart()->series().value(0)));
        QCOMPARE(qobject_cast<QScatterSeries*>(chart->chart()->series()[0])->count(), 3);
        QVERIFY(qobject_cast<QValueAxis*>(chart->chart()->axes(Qt::Horizontal).value(0)));
        chart->setChart(ChartView::Type::Bar, 1, {});
        QVERIFY(chart->chart()->series().isEmpty());
        QVERIFY(chart->note().contains(QStringLiteral("Choose a number column")));
        QVERIFY(!view.grab().isNull());

        // A new result resets the choices to its own columns.
        Schema one = Schema::fromJson(nlohmann::json::parse(R"({"fields":[{"name":"n","type":"INTEGER"}]})"));
        view.resultSet()->reset(one, 0);
        QCOMPARE(chart->xColumn(), 0);
        QVERIFY(chart->yColumns().empty()); // the only number is X
    }
};

QTEST_MAIN(TestChart)
#include "test_chart.moc"
