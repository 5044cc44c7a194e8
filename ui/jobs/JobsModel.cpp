// SPDX-License-Identifier: MIT
#include "JobsModel.h"

#include "Session.h"

#include <QColor>
#include <QDateTime>
#include <QGuiApplication>
#include <QPalette>
#include <chrono>

namespace quarry {
namespace {

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

QString elapsed(std::int64_t ms) {
    if (ms < 0) ms = 0;
    if (ms < 60'000) return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1);
    return QStringLiteral("%1 min %2 s").arg(ms / 60'000).arg((ms / 1000) % 60);
}

} // namespace

JobsModel::JobsModel(QObject* parent) : QAbstractTableModel(parent) {
    tick_.setInterval(1000);
    connect(&tick_, &QTimer::timeout, this, [this] {
        bool any = false;
        for (std::size_t i = 0; i < entries_.size(); ++i)
            if (entries_[i].state == "RUNNING") {
                any = true;
                const QModelIndex at = index(static_cast<int>(i), Elapsed);
                emit dataChanged(at, at, {Qt::DisplayRole});
            }
        if (!any) tick_.stop();
    });
}

void JobsModel::upsert(const HistoryEntry& e) {
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (!e.runId.empty() ? entries_[i].runId == e.runId : (entries_[i].jobId == e.jobId && !e.jobId.empty())) {
            entries_[i] = e;
            emit dataChanged(index(static_cast<int>(i), 0), index(static_cast<int>(i), ColumnCount - 1));
            if (e.state == "RUNNING") tick_.start();
            return;
        }
    beginInsertRows({}, 0, 0);
    entries_.insert(entries_.begin(), e);
    endInsertRows();
    if (e.state == "RUNNING") tick_.start();
}

void JobsModel::addHistory(const std::vector<HistoryEntry>& entries) {
    if (entries.empty()) return;
    const int first = static_cast<int>(entries_.size());
    beginInsertRows({}, first, first + static_cast<int>(entries.size()) - 1);
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) entries_.push_back(*it); // newest first
    endInsertRows();
}

int JobsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}

int JobsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant JobsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const HistoryEntry& e = entries_[static_cast<std::size_t>(index.row())];
    if (role == EntryIndexRole) return index.row();
    if (role == Qt::ForegroundRole && index.column() == State) {
        if (e.state == "FAILED") return QColor(0xb0, 0x2a, 0x2a);
        if (e.state == "RUNNING") return QGuiApplication::palette().color(QPalette::Highlight);
        return {};
    }
    if (role == Qt::ToolTipRole) {
        QString tip = QString::fromStdString(e.sql);
        if (!e.errorMessage.empty()) tip += QStringLiteral("\n\n") + QString::fromStdString(e.errorMessage);
        return tip;
    }
    if (role == Qt::TextAlignmentRole && (index.column() == Elapsed || index.column() == Bytes))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case State:
        return QString::fromStdString(e.state);
    case Started:
        return QDateTime::fromMSecsSinceEpoch(e.startMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case Elapsed:
        return elapsed((e.state == "RUNNING" ? nowMs() : e.endMs) - e.startMs);
    case Bytes:
        return e.state == "RUNNING" ? QString() : formatBytes(e.bytesProcessed);
    case Cache:
        return e.cacheHit ? tr("hit") : QString();
    case Query: {
        // The statement, not the comments above it.
        QStringList lines;
        for (const QString& l : QString::fromStdString(e.sql).split(QLatin1Char('\n'))) {
            const QString t = l.trimmed();
            if (!t.startsWith(QStringLiteral("--")) && !t.startsWith(QLatin1Char('#'))) lines << t;
        }
        QString q = lines.join(QLatin1Char(' ')).simplified();
        return q.size() > 120 ? q.left(120) + QChar(0x2026) : q;
    }
    case JobId: // a query answered without a job (short query mode) has only its query id
        if (e.jobId.empty() && !e.queryId.empty()) return tr("no job \u00b7 query %1").arg(QString::fromStdString(e.queryId));
        return QString::fromStdString(e.jobId);
    default:
        return {};
    }
}

QVariant JobsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case State: return tr("State");
    case Started: return tr("Started");
    case Elapsed: return tr("Elapsed");
    case Bytes: return tr("Processed");
    case Cache: return tr("Cache");
    case Query: return tr("Query");
    case JobId: return tr("Job");
    default: return {};
    }
}

} // namespace quarry
