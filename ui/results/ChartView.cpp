// SPDX-License-Identifier: MIT
#include "ChartView.h"

#include "ResultSet.h"

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QTimeZone>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>

namespace quarry {
namespace {
constexpr std::size_t kMaxBars = 200;
constexpr std::size_t kMaxPoints = 20000;

// QDateTimeAxis labels in local time: shift UTC instants so the labels read as BigQuery's UTC.
double asWallClock(double utcMs) {
    const QDateTime utc = QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(utcMs), QTimeZone::utc());
    return static_cast<double>(QDateTime(utc.date(), utc.time()).toMSecsSinceEpoch());
}
} // namespace

ChartView::ChartView(ResultSet* rows, QWidget* parent) : QWidget(parent), rows_(rows) {
    type_ = new QComboBox(this);
    type_->setObjectName(QStringLiteral("chartType"));
    type_->addItems({tr("Bar"), tr("Line"), tr("Scatter")});
    x_ = new QComboBox(this);
    x_->setObjectName(QStringLiteral("chartX"));
    y_ = new QToolButton(this);
    y_->setObjectName(QStringLiteral("chartY"));
    y_->setPopupMode(QToolButton::InstantPopup);
    y_->setToolButtonStyle(Qt::ToolButtonTextOnly);
    y_->setMinimumWidth(120);
    yMenu_ = new QMenu(y_);
    y_->setMenu(yMenu_);
    note_ = new QLabel(this);
    note_->setObjectName(QStringLiteral("chartNote"));
    view_ = new QChartView(new QChart, this);
    view_->setObjectName(QStringLiteral("chartView"));
    view_->setRenderHint(QPainter::Antialiasing);
    view_->chart()->legend()->setAlignment(Qt::AlignBottom);

    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(4, 2, 4, 2);
    controls->addWidget(type_);
    controls->addWidget(new QLabel(tr("X"), this));
    controls->addWidget(x_);
    controls->addWidget(new QLabel(tr("Y"), this));
    controls->addWidget(y_);
    controls->addWidget(note_, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(view_, 1);

    connect(type_, &QComboBox::currentIndexChanged, this, &ChartView::redrawSoon);
    connect(x_, &QComboBox::currentIndexChanged, this, &ChartView::redrawSoon);
    connect(rows_, &ResultSet::wasReset, this, &ChartView::columnsChanged);
    connect(rows_, &ResultSet::rowsAppended, this, &ChartView::redrawSoon);
    columnsChanged();
}

ChartView::Type ChartView::type() const { return static_cast<Type>(type_->currentIndex()); }
int ChartView::xColumn() const { return x_->currentData().toInt(); }
QChart* ChartView::chart() const { return view_->chart(); }
QString ChartView::note() const { return note_->text(); }

std::vector<int> ChartView::yColumns() const {
    std::vector<int> out;
    for (QAction* a : yMenu_->actions())
        if (a->isChecked()) out.push_back(a->data().toInt());
    return out;
}

void ChartView::setChart(Type type, int xColumn, const std::vector<int>& yColumns) {
    const QSignalBlocker b1(type_), b2(x_);
    type_->setCurrentIndex(static_cast<int>(type));
    x_->setCurrentIndex(std::max(0, x_->findData(xColumn)));
    for (QAction* a : yMenu_->actions()) {
        const QSignalBlocker b(a);
        a->setChecked(std::find(yColumns.begin(), yColumns.end(), a->data().toInt()) != yColumns.end());
    }
    dirty_ = true;
    redraw();
}

void ChartView::columnsChanged() {
    const QSignalBlocker block(x_);
    x_->clear();
    yMenu_->clear();
    const auto columns = chartableColumns(rows_->schema());
    int firstNumber = -1, firstOther = -1;
    for (const auto& c : columns) {
        const QString name = QString::fromStdString(c.name);
        x_->addItem(name, c.index);
        if (c.kind == AxisKind::Number) {
            auto* a = yMenu_->addAction(name);
            a->setCheckable(true);
            a->setData(c.index);
            connect(a, &QAction::toggled, this, &ChartView::redrawSoon);
            if (firstNumber < 0) firstNumber = c.index;
        } else if (firstOther < 0) {
            firstOther = c.index;
        }
    }
    // Start with a time or text column over the first number; a line for time, else bars.
    int x = firstOther >= 0 ? firstOther : (columns.empty() ? -1 : columns.front().index);
    int y = -1;
    for (const auto& c : columns)
        if (c.kind == AxisKind::Number && c.index != x) {
            y = c.index;
            break;
        }
    x_->setCurrentIndex(std::max(0, x_->findData(x)));
    for (QAction* a : yMenu_->actions()) {
        const QSignalBlocker b(a);
        a->setChecked(a->data().toInt() == y);
    }
    const bool time = std::any_of(columns.begin(), columns.end(), [&](const ChartColumn& c) { return c.index == x && c.kind == AxisKind::Time; });
    {
        const QSignalBlocker b(type_);
        type_->setCurrentIndex(time ? static_cast<int>(Type::Line) : static_cast<int>(Type::Bar));
    }
    redrawSoon();
}

void ChartView::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    if (dirty_) redraw();
}

void ChartView::redrawSoon() {
    dirty_ = true;
    if (isVisible()) QTimer::singleShot(0, this, [this] {
        if (dirty_) redraw();
    });
}

void ChartView::redraw() {
    dirty_ = false;
    const auto ys = yColumns();
    QStringList names;
    for (QAction* a : yMenu_->actions())
        if (a->isChecked()) names << a->text();
    y_->setText(names.isEmpty() ? tr("choose\u2026") : names.join(QStringLiteral(", ")));

    QChart* chart = view_->chart();
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
    const Type t = type();
    const std::size_t cap = t == Type::Bar ? kMaxBars : kMaxPoints;
    data_ = chartData(rows_->store(), rows_->schema(), xColumn(), ys, cap);

    QStringList notes;
    if (ys.empty()) notes << tr("Choose a number column for Y.");
    if (data_.truncated) notes << tr("The first %1 rows are drawn.").arg(data_.x.size());
    else if (rows_->hasMore()) notes << tr("%1 of %2 rows are loaded; scroll the grid for more.").arg(rows_->rowCount()).arg(rows_->totalRows());
    if (data_.rowsSkipped) notes << tr("%1 rows with no X are left out.").arg(data_.rowsSkipped);
    if (data_.rowsNotHeld)
        notes << tr("%1 rows scrolled far away are not held in memory and not drawn.").arg(data_.rowsNotHeld);
    note_->setText(notes.join(QLatin1Char(' ')));
    if (data_.series.empty() || data_.x.empty()) return;

    QAbstractAxis* xAxis = nullptr;
    auto* yAxis = new QValueAxis;
    if (t == Type::Bar || data_.xKind == AxisKind::Category) {
        auto* cats = new QBarCategoryAxis;
        QStringList labels;
        for (const auto& c : data_.categories) labels << QString::fromStdString(c);
        cats->append(labels);
        xAxis = cats;
    } else if (data_.xKind == AxisKind::Time) {
        auto* time = new QDateTimeAxis;
        const auto [lo, hi] = std::minmax_element(data_.x.begin(), data_.x.end());
        time->setFormat(*hi - *lo < 3 * 86'400'000.0 ? QStringLiteral("MM-dd HH:mm") : QStringLiteral("yyyy-MM-dd"));
        xAxis = time;
    } else {
        xAxis = new QValueAxis;
    }
    xAxis->setTitleText(x_->currentText());
    chart->addAxis(xAxis, Qt::AlignBottom);
    chart->addAxis(yAxis, Qt::AlignLeft);

    if (t == Type::Bar) {
        auto* bars = new QBarSeries;
        for (const auto& s : data_.series) {
            auto* set = new QBarSet(QString::fromStdString(s.name));
            for (double v : s.y) *set << (std::isnan(v) ? 0.0 : v);
            bars->append(set);
        }
        chart->addSeries(bars);
        bars->attachAxis(xAxis);
        bars->attachAxis(yAxis);
    } else {
        for (const auto& s : data_.series) {
            QXYSeries* series = t == Type::Line ? static_cast<QXYSeries*>(new QLineSeries) : new QScatterSeries;
            series->setName(QString::fromStdString(s.name));
            QList<QPointF> points;
            points.reserve(static_cast<qsizetype>(s.y.size()));
            for (std::size_t i = 0; i < s.y.size(); ++i)
                if (!std::isnan(s.y[i])) // NULLs are left out
                    points << QPointF(data_.xKind == AxisKind::Time ? asWallClock(data_.x[i]) : data_.x[i], s.y[i]);
            series->replace(points);
            if (auto* sc = qobject_cast<QScatterSeries*>(series)) sc->setMarkerSize(7);
            chart->addSeries(series);
            series->attachAxis(xAxis);
            series->attachAxis(yAxis);
        }
    }
    if (data_.xKind == AxisKind::Time && t != Type::Bar) {
        const auto [lo, hi] = std::minmax_element(data_.x.begin(), data_.x.end());
        static_cast<QDateTimeAxis*>(xAxis)->setRange(QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(asWallClock(*lo))),
                                                    QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(asWallClock(*hi))));
    }
    yAxis->applyNiceNumbers();
    yAxis->setLabelFormat(QStringLiteral("%.10g")); // 1, 1.5, 2000000: no padded decimals
}

} // namespace quarry
