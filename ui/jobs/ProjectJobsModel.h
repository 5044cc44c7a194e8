// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"

#include <QAbstractTableModel>
#include <optional>
#include <vector>

namespace quarry {

/// A project's jobs as jobs.list (projection=full) gives them, every user's: who made each,
/// its type, priority, state, how long it has run, bytes, slot time, and what its own
/// statistics say is left (JobRule::remainingMs).
class ProjectJobsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { JobId, User, Type, Priority, State, Elapsed, Processed, SlotTime, Left, Query, ColumnCount };

    explicit ProjectJobsModel(QObject* parent = nullptr);
    /// Replaces the jobs, listed at `nowMs` (ms since the epoch; elapsed times count to it).
    void setJobs(std::vector<Json> jobs, std::int64_t nowMs);
    const Json& job(int row) const { return jobs_.at(static_cast<std::size_t>(row)); }
    const std::vector<Json>& jobs() const { return jobs_; }
    std::int64_t listedAt() const { return now_; }
    /// The row of a job id, or -1.
    int rowOf(const std::string& jobId) const;
    /// The project's committed slots for the estimates of what is left (none: at the rate
    /// each job has run so far).
    void setCommittedSlots(std::optional<double> n);
    std::optional<double> committedSlots() const { return slots_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<Json> jobs_;
    std::int64_t now_ = 0;
    std::optional<double> slots_;
};

} // namespace quarry
