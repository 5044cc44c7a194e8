// SPDX-License-Identifier: MIT
#include "PlanView.h"

#include <QApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace quarry {
namespace {

constexpr int kBarColumn = 4;
constexpr int kRatiosRole = Qt::UserRole + 1; ///< QVariantList of wait, read, compute, write

QString field(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    return it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString::fromStdString(it->dump());
}

double ratio(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

// Paints the four ratios as one stacked bar, in the console's colours.
class RatioBar : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QStyledItemDelegate::paint(p, option, index);
        const QVariantList r = index.data(kRatiosRole).toList();
        if (r.size() != 4) return;
        static const QColor colours[4] = {QColor(0xf2, 0xb5, 0x4c), QColor(0x5b, 0x9b, 0xd5), QColor(0x4c, 0xaf, 0x50), QColor(0x9c, 0x6a, 0xd1)};
        QRectF bar = QRectF(option.rect).adjusted(4, 5, -4, -5);
        qreal x = bar.left();
        p->save();
        for (int k = 0; k < 4; ++k) {
            const qreal w = bar.width() * std::clamp(r[k].toDouble(), 0.0, 1.0);
            if (w <= 0) continue;
            p->fillRect(QRectF(x, bar.top(), std::min(w, bar.right() - x), bar.height()), colours[k]);
            x += w;
        }
        p->restore();
    }
};

} // namespace

PlanView::PlanView(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Execution plan"));
    setObjectName(QStringLiteral("planView"));
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    tree_ = new QTreeWidget(this);
    tree_->setObjectName(QStringLiteral("planTree"));
    tree_->setHeaderLabels({tr("Stage / step"), tr("Records read"), tr("Records written"), tr("Time"),
                            tr("Work (wait \u00b7 read \u00b7 compute \u00b7 write)")});
    tree_->setItemDelegateForColumn(kBarColumn, new RatioBar(tree_));
    tree_->header()->setStretchLastSection(true);
    tree_->setAlternatingRowColors(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary_);
    layout->addWidget(tree_, 1);
    resize(900, 420);
}

QString PlanView::summary() const { return summary_->text(); }

void PlanView::setError(const QString& message) {
    tree_->clear();
    summary_->setText(tr("The plan could not be read: %1").arg(message));
    emit loaded();
}

void PlanView::setJob(const nlohmann::json& job) {
    tree_->clear();
    const auto stats = job.value("statistics", nlohmann::json::object());
    const auto query = stats.value("query", nlohmann::json::object());
    const auto plan = query.value("queryPlan", nlohmann::json::array());
    const QString id = QString::fromStdString(job.value("jobReference", nlohmann::json::object()).value("jobId", std::string()));
    if (plan.empty()) {
        summary_->setText(tr("Job %1 has no query plan: it was answered from the cache, was a dry run, or has not finished.").arg(id));
        emit loaded();
        return;
    }
    const QLocale locale;
    for (const auto& stage : plan) {
        auto* item = new QTreeWidgetItem(tree_);
        item->setText(0, field(stage, "name"));
        item->setText(1, locale.toString(field(stage, "recordsRead").toLongLong()));
        item->setText(2, locale.toString(field(stage, "recordsWritten").toLongLong()));
        const qint64 ms = field(stage, "endMs").toLongLong() - field(stage, "startMs").toLongLong();
        item->setText(3, ms < 1 ? tr("< 1 ms") : tr("%1 ms").arg(ms));
        item->setData(kBarColumn, kRatiosRole, QVariantList{ratio(stage, "waitRatioMax"), ratio(stage, "readRatioMax"),
                                                            ratio(stage, "computeRatioMax"), ratio(stage, "writeRatioMax")});
        const QStringList inputs = [&] {
            QStringList out;
            for (const auto& in : stage.value("inputStages", nlohmann::json::array())) out << QString::fromStdString(in.is_string() ? in.get<std::string>() : in.dump());
            return out;
        }();
        item->setToolTip(0, inputs.isEmpty() ? tr("reads tables") : tr("reads stage %1").arg(inputs.join(QStringLiteral(", "))));
        for (const auto& step : stage.value("steps", nlohmann::json::array())) {
            auto* s = new QTreeWidgetItem(item);
            QStringList subs;
            for (const auto& sub : step.value("substeps", nlohmann::json::array())) subs << QString::fromStdString(sub.get<std::string>());
            s->setText(0, QString::fromStdString(step.value("kind", std::string())) + QStringLiteral("  ") + subs.join(QStringLiteral(", ")));
        }
        item->setExpanded(true);
    }
    for (int c = 0; c < 4; ++c) tree_->resizeColumnToContents(c);
    const auto timeline = query.value("timeline", nlohmann::json::array());
    const QString elapsed = timeline.empty() ? QString() : field(timeline.back(), "elapsedMs");
    summary_->setText(tr("Job %1: %n stage(s)", nullptr, static_cast<int>(plan.size())).arg(id) +
                      (elapsed.isEmpty() ? QString() : tr(", %1 ms in all").arg(elapsed)) +
                      tr(". Bars compare each stage with the longest one."));
    emit loaded();
}

} // namespace quarry
