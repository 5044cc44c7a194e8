// SPDX-License-Identifier: MIT
#pragma once

#include "query/History.h"

#include <QAbstractTableModel>
#include <QTimer>
#include <vector>

namespace quarry {

/// Jobs, newest first: the ones running now and the history (the same history file
/// quarry-cli writes). A running job's elapsed time ticks every second.
class JobsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { State, Started, Elapsed, Bytes, Cache, Query, JobId, ColumnCount };
    enum Role { EntryIndexRole = Qt::UserRole + 1 };

    explicit JobsModel(QObject* parent = nullptr);

    /// Adds a job or updates the one with the same job id.
    void upsert(const HistoryEntry& e);
    /// Adds entries loaded from the history (older than what is shown).
    void addHistory(const std::vector<HistoryEntry>& entries);
    const HistoryEntry& entry(int row) const { return entries_.at(static_cast<std::size_t>(row)); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<HistoryEntry> entries_;
    QTimer tick_;
};

} // namespace quarry
