// SPDX-License-Identifier: MIT
#include "CostWindow.h"

#include "Background.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <map>

namespace quarry {
namespace {

QString money(double usd) { return QStringLiteral("$") + QString::number(usd, 'f', usd < 1 ? 4 : 2); }

QString priceKey(const QString& connection) {
    return QStringLiteral("cost/%1/pricePerTiB").arg(connection.isEmpty() ? QStringLiteral("sandbox") : connection);
}

struct Outcome {
    CostReport report;
    CostReport::Options options;
    QString error;
};

} // namespace

CostWindow::CostWindow(SessionSource session, std::function<QString()> connectionKey, QWidget* parent)
    : QWidget(parent, Qt::Window), session_(std::move(session)), connectionKey_(std::move(connectionKey)) {
    setObjectName(QStringLiteral("costWindow"));
    setWindowTitle(tr("Cost"));
    days_ = new QComboBox(this);
    days_->setObjectName(QStringLiteral("costDays"));
    for (int d : {7, 30, 90, 180}) days_->addItem(tr("Last %1 days").arg(d), d);
    days_->setCurrentIndex(1);
    by_ = new QComboBox(this);
    by_->setObjectName(QStringLiteral("costBy"));
    by_->addItem(tr("Per day"), static_cast<int>(CostReport::By::Day));
    by_->addItem(tr("Per user"), static_cast<int>(CostReport::By::User));
    by_->addItem(tr("Top queries"), static_cast<int>(CostReport::By::Query));
    price_ = new QDoubleSpinBox(this);
    price_->setObjectName(QStringLiteral("costPrice"));
    price_->setAccessibleName(tr("Price per TiB"));
    price_->setRange(0, 1000);
    price_->setDecimals(2);
    price_->setPrefix(QStringLiteral("$"));
    price_->setSuffix(tr(" per TiB"));
    priceOf_ = connectionKey_();
    price_->setValue(QSettings().value(priceKey(priceOf_), 6.25).toDouble());
    mine_ = new QCheckBox(tr("Only my jobs"), this);
    mine_->setObjectName(QStringLiteral("costMine"));
    mine_->setToolTip(tr("JOBS_BY_USER: needs no permission on the whole project"));
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("costRefresh"));
    auto* top = new QHBoxLayout;
    for (QWidget* w : std::initializer_list<QWidget*>{days_, by_, price_, mine_}) top->addWidget(w);
    top->addStretch(1);
    top->addWidget(refreshButton);

    chart_ = new QChartView(new QChart, this);
    chart_->setObjectName(QStringLiteral("costChart"));
    chart_->setRenderHint(QPainter::Antialiasing);
    chart_->setMinimumHeight(220);
    chart_->chart()->legend()->hide();
    rows_ = new QStandardItemModel(this);
    view_ = new QTableView(this);
    view_->setObjectName(QStringLiteral("costTable"));
    view_->setModel(rows_);
    view_->verticalHeader()->hide();
    view_->setWordWrap(false);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view_->horizontalHeader()->setStretchLastSection(false);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("costStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(chart_, 3);
    layout->addWidget(view_, 2);
    layout->addWidget(status_);
    resize(900, 620);

    connect(refreshButton, &QPushButton::clicked, this, &CostWindow::refresh);
    connect(days_, &QComboBox::currentIndexChanged, this, &CostWindow::refresh);
    connect(by_, &QComboBox::currentIndexChanged, this, &CostWindow::refresh);
    connect(mine_, &QCheckBox::toggled, this, &CostWindow::refresh);
    connect(price_, &QDoubleSpinBox::editingFinished, this, [this] {
        QSettings().setValue(priceKey(priceOf_), price_->value());
        refresh();
    });
}

CostWindow::~CostWindow() = default;

QString CostWindow::status() const { return status_->text(); }

QList<double> CostWindow::bars() const {
    QList<double> out;
    for (auto* s : chart_->chart()->series())
        if (auto* bars = qobject_cast<QBarSeries*>(s))
            for (auto* set : bars->barSets())
                for (int i = 0; i < set->count(); ++i) out << set->at(i);
    return out;
}

void CostWindow::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    refresh();
}

void CostWindow::refresh() {
    const auto session = session_();
    if (!session) {
        status_->setText(tr("Not connected yet."));
        return;
    }
    if (!running_.begin()) return;
    // Another connection since the last report: its own price.
    if (const QString key = connectionKey_(); key != priceOf_) {
        priceOf_ = key;
        const QSignalBlocker quiet(price_);
        price_->setValue(QSettings().value(priceKey(key), 6.25).toDouble());
    }
    status_->setText(tr("Reading the project's jobs\u2026"));
    CostReport::Options o;
    o.days = days_->currentData().toInt();
    o.by = static_cast<CostReport::By>(by_->currentData().toInt());
    o.pricePerTiB = price_->value();
    o.mine = mine_->isChecked();
    o.location = session->location.empty() ? "US" : session->location;
    Background::run(
        this,
        [session, o](const CancelToken& token) {
            Outcome out;
            out.options = o;
            try {
                out.report = CostReport::run(*session->runner, *session->client, session->project, o, &token);
            } catch (const std::exception& e) {
                out.error = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this](Outcome out) {
            const bool again = running_.end();
            if (out.error.isEmpty()) display(out.report, out.options);
            else status_->setText(tr("Could not read the jobs: %1").arg(out.error));
            emit refreshed();
            if (again) refresh();
        });
}

void CostWindow::display(const CostReport& r, const CostReport::Options& o) {
    const bool byQuery = o.by == CostReport::By::Query;
    rows_->clear();
    QStringList header = {o.by == CostReport::By::Day ? tr("Day") : o.by == CostReport::By::User ? tr("User") : tr("Query")};
    if (byQuery) header << tr("User");
    header << tr("Jobs") << tr("Billed") << tr("Cost");
    rows_->setHorizontalHeaderLabels(header);
    view_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch); // the day, user or query
    for (const auto& row : r.rows) {
        QList<QStandardItem*> items;
        items << new QStandardItem(QString::fromStdString(row.key).simplified());
        items.back()->setToolTip(QString::fromStdString(row.key));
        if (byQuery) items << new QStandardItem(QString::fromStdString(row.user));
        items << new QStandardItem(QString::number(row.jobs)) << new QStandardItem(formatBytes(row.bytesBilled))
              << new QStandardItem(money(row.costUsd));
        for (int i = 1; i < items.size(); ++i) items[i]->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        rows_->appendRow(items);
    }

    // The chart: every day of the window (days without jobs at zero), or the rows as they come.
    QChart* chart = chart_->chart();
    chart->removeAllSeries();
    for (auto* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
    auto* set = new QBarSet(tr("Cost (USD)"));
    QStringList categories;
    if (o.by == CostReport::By::Day) {
        std::map<QString, double> byDay;
        for (const auto& row : r.rows) byDay[QString::fromStdString(row.key)] = row.costUsd;
        const QDate today = QDateTime::currentDateTimeUtc().date(); // the report's days are UTC dates
        for (int d = o.days - 1; d >= 0; --d) {
            const QString day = today.addDays(-d).toString(Qt::ISODate);
            categories << day.mid(5); // MM-DD
            *set << (byDay.count(day) ? byDay[day] : 0.0);
        }
    } else {
        int n = 0;
        for (const auto& row : r.rows) {
            if (++n > 15) break;
            categories << (byQuery ? QStringLiteral("#%1").arg(n) : QString::fromStdString(row.key));
            *set << row.costUsd;
        }
    }
    auto* series = new QBarSeries;
    series->append(set);
    chart->addSeries(series);
    auto* x = new QBarCategoryAxis;
    x->append(categories);
    if (categories.size() > 31) x->setLabelsVisible(false);
    chart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(x);
    double most = 0;
    for (int i = 0; i < set->count(); ++i) most = std::max(most, set->at(i));
    auto* y = new QValueAxis;
    y->setRange(0, most > 0 ? most : 1);
    y->applyNiceNumbers();
    // Cents once there are dollars; enough places for the fractions a small project costs.
    y->setLabelFormat(most >= 1 ? QStringLiteral("$%.2f") : most >= 0.01 ? QStringLiteral("$%.4f") : QStringLiteral("$%.6f"));
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(y);
    chart->setTitle(tr("On-demand cost, last %1 days").arg(o.days));

    status_->setText(tr("%1 query jobs, %2 billed, %3 at %4 per TiB (%5).")
                         .arg(r.jobs)
                         .arg(formatBytes(r.bytesBilled), money(r.costUsd), money(o.pricePerTiB),
                              o.mine ? tr("your jobs") : tr("every user's jobs")));
}

} // namespace quarry
