// SPDX-License-Identifier: MIT
#pragma once

#include "ChartData.h"

#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QMenu;
class QToolButton;

namespace quarry {

class ResultSet;

/// A chart over the loaded rows of a result (QtCharts): bar, line or scatter, with the X
/// column and the Y columns (numbers) chosen from the result's top-level columns. It picks a
/// sensible start (a time or text column as X, the first number as Y) and redraws as pages
/// arrive, only while it is shown.
class ChartView : public QWidget {
    Q_OBJECT
public:
    enum class Type { Bar, Line, Scatter };
    explicit ChartView(ResultSet* rows, QWidget* parent = nullptr);

    void setChart(Type type, int xColumn, const std::vector<int>& yColumns);
    Type type() const;
    int xColumn() const;
    std::vector<int> yColumns() const;
    QChart* chart() const;
    /// What is drawn, as the last redraw took it from the rows.
    const ChartData& data() const { return data_; }
    QString note() const;

protected:
    void showEvent(QShowEvent* e) override;

private:
    void columnsChanged();
    void redraw();
    void redrawSoon();

    ResultSet* rows_;
    QComboBox* type_;
    QComboBox* x_;
    QToolButton* y_;
    QMenu* yMenu_;
    QChartView* view_;
    QLabel* note_;
    ChartData data_;
    bool dirty_ = true;
};

} // namespace quarry
