// SPDX-License-Identifier: MIT
#pragma once

#include "Background.h"
#include "Session.h"
#include "query/CostReport.h"

#include <QWidget>
#include <functional>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QStandardItemModel;
class QTableView;
class QChartView;

namespace quarry {

/// "Cost": bytes billed and on-demand cost over the last 7 to 180 days, per day (a bar per
/// day, days without jobs at zero), per user or per query (the most expensive), with the
/// rows in a table and the total. Built on CostReport, so it shows BigQuery's own
/// INFORMATION_SCHEMA.JOBS_BY_PROJECT (or JOBS_BY_USER) and runs unchanged on BigQuery and
/// the sandbox. The price per TiB is kept per connection (`connectionKey`).
class CostWindow : public QWidget {
    Q_OBJECT
public:
    using SessionSource = std::function<std::shared_ptr<Session>()>;
    CostWindow(SessionSource session, std::function<QString()> connectionKey, QWidget* parent);
    ~CostWindow() override;

    QString status() const;
    /// The table's rows as shown (key, [user,] jobs, billed, cost).
    QStandardItemModel* table() const { return rows_; }
    /// Bars in the chart, and their values (USD), in order.
    QList<double> bars() const;
    void refresh();

signals:
    void refreshed();

protected:
    void showEvent(QShowEvent* e) override;

private:
    void display(const CostReport& r, const CostReport::Options& o);

    SessionSource session_;
    std::function<QString()> connectionKey_;
    QComboBox* days_ = nullptr;
    QComboBox* by_ = nullptr;
    QDoubleSpinBox* price_ = nullptr;
    QCheckBox* mine_ = nullptr;
    QChartView* chart_ = nullptr;
    QTableView* view_ = nullptr;
    QStandardItemModel* rows_ = nullptr;
    QLabel* status_ = nullptr;
    RefreshGate running_;
    QString priceOf_; ///< the connection the price shown is kept for
};

} // namespace quarry
