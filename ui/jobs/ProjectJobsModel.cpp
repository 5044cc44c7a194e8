// SPDX-License-Identifier: MIT
#include "ProjectJobsModel.h"

#include "Session.h"
#include "query/JobRule.h"

#include <QDateTime>

namespace quarry {
namespace {

std::string field(const Json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

QString q(const std::string& s) { return QString::fromStdString(s); }


} // namespace

ProjectJobsModel::ProjectJobsModel(QObject* parent) : QAbstractTableModel(parent) {}

void ProjectJobsModel::setJobs(std::vector<Json> jobs, std::int64_t nowMs) {
    beginResetModel();
    jobs_ = std::move(jobs);
    now_ = nowMs;
    endResetModel();
}

int ProjectJobsModel::rowOf(const std::string& jobId) const {
    for (std::size_t i = 0; i < jobs_.size(); ++i)
        if (jobRefOf(jobs_[i]).jobId == jobId) return static_cast<int>(i);
    return -1;
}

void ProjectJobsModel::setCommittedSlots(std::optional<double> n) {
    slots_ = n;
    if (!jobs_.empty()) emit dataChanged(index(0, Left), index(rowCount() - 1, Left), {Qt::DisplayRole});
}

int ProjectJobsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(jobs_.size()); }
int ProjectJobsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ProjectJobsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const Json& j = jobs_[static_cast<std::size_t>(index.row())];
    if (role == Qt::TextAlignmentRole && (index.column() == Elapsed || index.column() == Processed || index.column() == SlotTime || index.column() == Left))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    const Json stats = j.value("statistics", Json::object());
    const Json query = j.value("configuration", Json::object()).value("query", Json::object());
    switch (index.column()) {
    case JobId: return q(jobRefOf(j).jobId);
    case User: return q(field(j, "user_email"));
    case Type: return q(JobRule::jobType(j));
    case Priority: return q(JobRule::priority(j));
    case State: return q(field(j.value("status", Json::object()), "state"));
    case Elapsed: return field(stats, "startTime").empty() ? QString() : q(JobRule::durationText(JobRule::elapsedMs(j, now_)));
    case Processed: { // a running query's share of its estimate
        const auto b = JobRule::bytesProcessed(j);
        return b ? q(JobRule::bytesText(*b)) : QString();
    }
    case SlotTime: {
        const std::string ms = field(stats, "totalSlotMs");
        return ms.empty() ? QString() : q(JobRule::durationText(std::stoll(ms)));
    }
    case Left: {
        const auto left = JobRule::remainingMs(j, slots_);
        return left ? q(JobRule::durationText(*left)) : QString();
    }
    case Query: {
        QString text = q(field(query, "query"));
        if (role == Qt::DisplayRole) text = text.simplified();
        return text;
    }
    default: return {};
    }
}

QVariant ProjectJobsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case JobId: return tr("Job");
    case User: return tr("User");
    case Type: return tr("Type");
    case Priority: return tr("Priority");
    case State: return tr("State");
    case Elapsed: return tr("Elapsed");
    case Processed: return tr("Processed");
    case SlotTime: return tr("Slot time");
    case Left: return tr("Estimated left");
    case Query: return tr("Query");
    default: return {};
    }
}

} // namespace quarry
