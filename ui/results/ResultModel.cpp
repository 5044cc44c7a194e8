// SPDX-License-Identifier: MIT
#include "ResultModel.h"

#include "ResultSet.h"
#include "value/Display.h"

#include <QColor>
#include <QFont>
#include <QGuiApplication>
#include <QPalette>
#include <algorithm>
#include <climits>

namespace quarry {
namespace {

bool rightAligned(TypeKind t) {
    switch (t) {
    case TypeKind::Int64:
    case TypeKind::Float64:
    case TypeKind::Numeric:
    case TypeKind::BigNumeric:
        return true;
    default:
        return false;
    }
}

} // namespace

ResultModel::ResultModel(ResultSet* rows, GridMode mode, QObject* parent)
    : QAbstractTableModel(parent), rows_(rows), mode_(mode) {
    connect(rows, &ResultSet::aboutToReset, this, [this] { beginResetModel(); });
    connect(rows, &ResultSet::wasReset, this, [this] {
        rebuild();
        endResetModel();
    });
    connect(rows, &ResultSet::rowsAppended, this, &ResultModel::onAppended);
    connect(rows, &ResultSet::rowsRestored, this, [this](int first, int count) {
        // Only results of one line per row are evicted: lines are rows.
        if (count > 0 && columnCount() > 0) emit dataChanged(index(first, 0), index(first + count - 1, columnCount() - 1));
    });
    rebuild();
}

void ResultModel::rebuild() {
    layout_ = ResultLayout(rows_ ? rows_->schema() : Schema{}, mode_, collapsed_);
    starts_.clear();
    lines_ = 0;
    if (!rows_) return;
    const ColumnStore& store = rows_->store();
    if (layout_.singleLine()) {
        lines_ = store.size(); // one line per row: no index needed
        return;
    }
    for (std::size_t i = 0; i < store.size(); ++i) {
        starts_.push_back(lines_);
        lines_ += layout_.lineCount(store.rowCells(i));
    }
}

void ResultModel::setCollapsed(const QString& path, bool collapsed) {
    if (isCollapsed(path) == collapsed) return;
    beginResetModel();
    if (collapsed) collapsed_.insert(path.toStdString());
    else collapsed_.erase(path.toStdString());
    rebuild();
    endResetModel();
}

void ResultModel::toggleCollapsed(const QString& path) { setCollapsed(path, !isCollapsed(path)); }

void ResultModel::onAppended(int first, int count) {
    const ColumnStore& store = rows_->store();
    std::uint64_t added = 0;
    std::vector<std::uint64_t> starts;
    if (layout_.singleLine()) {
        added = static_cast<std::uint64_t>(count);
    } else {
        starts.reserve(static_cast<std::size_t>(count));
        for (int i = first; i < first + count; ++i) {
            starts.push_back(lines_ + added);
            added += layout_.lineCount(store.rowCells(static_cast<std::size_t>(i)));
        }
    }
    if (added == 0) return;
    const auto last = std::min<std::uint64_t>(lines_ + added, INT_MAX);
    if (lines_ >= INT_MAX) return; // the grid shows the first 2^31 lines; exports take all rows
    beginInsertRows({}, static_cast<int>(lines_), static_cast<int>(last - 1));
    starts_.insert(starts_.end(), starts.begin(), starts.end());
    lines_ += added;
    endInsertRows();
}

int ResultModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    return static_cast<int>(std::min<std::uint64_t>(lines_, INT_MAX));
}

int ResultModel::columnCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    return static_cast<int>(layout_.columns().size());
}

std::pair<std::size_t, std::uint64_t> ResultModel::locate(int line) const {
    const auto l = static_cast<std::uint64_t>(line);
    if (layout_.singleLine()) return {static_cast<std::size_t>(l), 0};
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), l);
    const auto top = static_cast<std::size_t>(it - starts_.begin()) - 1;
    return {top, l - starts_[top]};
}

int ResultModel::firstLineOf(std::size_t resultRow) const {
    if (layout_.singleLine()) return resultRow < lines_ ? static_cast<int>(std::min<std::uint64_t>(resultRow, INT_MAX)) : -1;
    if (resultRow >= starts_.size()) return -1;
    return static_cast<int>(std::min<std::uint64_t>(starts_[resultRow], INT_MAX));
}

QVariant ResultModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const auto [top, sub] = locate(index.row());
    switch (role) {
    case TopRowRole:
        return static_cast<qulonglong>(top);
    case FirstLineRole:
        return sub == 0;
    case Qt::BackgroundRole:
        // Whole result rows alternate, so a row's sub-rows read as one block.
        if (top % 2 == 1) {
            const QPalette p = QGuiApplication::palette();
            const QColor base = p.color(QPalette::Base), tint = p.color(QPalette::Highlight);
            const double a = 0.07; // a light band in both light and dark palettes
            return QColor::fromRgbF(float(base.redF() * (1 - a) + tint.redF() * a), float(base.greenF() * (1 - a) + tint.greenF() * a),
                                    float(base.blueF() * (1 - a) + tint.blueF() * a));
        }
        return {};
    default:
        break;
    }
    rows_->touch(top);
    if (!rows_->isLoaded(top)) { // evicted (far from the view): its page is on its way back
        if (role == Qt::DisplayRole) return QStringLiteral("\u2026");
        if (role == Qt::ToolTipRole) return tr("loading\u2026");
        return {};
    }
    Value scratch; // holds the cell's value when the store rebuilds it
    const GridCell c = layout_.cell(rows_->store().rowCells(top), static_cast<std::size_t>(index.column()), sub, scratch);
    const bool isNull = c.state == GridCell::State::Value && c.value->isNull();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole: {
        if (c.state == GridCell::State::Blank) return {};
        if (c.state == GridCell::State::EmptyArray) return QStringLiteral("[]");
        const QString s = QString::fromStdString(c.whole ? displayCell(*c.value, *c.field) : displayText(*c.value, *c.field));
        if (role == Qt::DisplayRole && s.size() > 500) return s.left(500) + QChar(0x2026);
        return s;
    }
    case Qt::ForegroundRole:
        if (isNull || c.state == GridCell::State::EmptyArray)
            return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
        return {};
    case Qt::FontRole:
        if (isNull) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (c.field && rightAligned(c.field->type)) return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case IsNullRole:
        return isNull;
    case CellStateRole:
        return static_cast<int>(c.state);
    case JsonRole: {
        if (c.state == GridCell::State::Blank) return QString();
        if (c.state == GridCell::State::EmptyArray) return QStringLiteral("[]");
        std::string out;
        if (c.whole) appendJsonCell(out, *c.value, *c.field);
        else appendJsonValue(out, *c.value, *c.field);
        return QString::fromStdString(out);
    }
    default:
        return {};
    }
}

QVariant ResultModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o == Qt::Vertical) {
        if (section < 0 || section >= rowCount()) return {};
        if (role != Qt::DisplayRole) return {};
        const auto [top, sub] = locate(section);
        if (sub != 0) return {};
        return static_cast<qulonglong>(top + 1);
    }
    if (section < 0 || section >= columnCount()) return {};
    const LeafColumn& c = layout_.columns()[static_cast<std::size_t>(section)];
    switch (role) {
    case Qt::DisplayRole:
        return (c.collapsed ? QStringLiteral("\u25b8 ") : QString()) + QString::fromStdString(layout_.columnTitle(static_cast<std::size_t>(section)));
    case CollapsedRole:
        return c.collapsed;
    case Qt::ToolTipRole: {
        QStringList parts;
        for (std::size_t i = 1; i < c.fields.size(); ++i)
            parts << QString::fromStdString(c.fields[i]->name) + QStringLiteral(" (") + QString::fromStdString(c.fields[i]->typeDescription()) + QLatin1Char(')');
        return parts.join(QStringLiteral(" \u203a ")) +
               (c.collapsed ? tr("\nShown whole: double-click to show its fields") : QString());
    }
    case HeaderPathRole: {
        if (mode_ == GridMode::Flattened) return QStringList{QString::fromStdString(layout_.columnTitle(static_cast<std::size_t>(section)))};
        QStringList path;
        for (const auto& n : c.names) path << QString::fromStdString(n);
        if (c.collapsed) path.last().prepend(QStringLiteral("\u25b8 ")); // shown whole: a marker to expand it
        return path;
    }
    default:
        return {};
    }
}

bool ResultModel::canFetchMore(const QModelIndex& parent) const {
    return !parent.isValid() && rows_ && rows_->hasMore() && !rows_->fetching();
}

void ResultModel::fetchMore(const QModelIndex& parent) {
    if (!parent.isValid() && rows_) rows_->requestMore();
}

} // namespace quarry
