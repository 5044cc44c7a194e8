// SPDX-License-Identifier: MIT
#pragma once

#include "ResultLayout.h"
#include "ResultSet.h"

#include <QAbstractTableModel>
#include <QPointer>

namespace quarry {


/// A table model over a ResultSet: one model row per display line (ResultLayout), so arrays
/// become sub-rows and records sub-columns. NULL ("null", italic) is distinct from an empty
/// array ("[]") and from a blank line. More pages load through canFetchMore/fetchMore.
class ResultModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role {
        TopRowRole = Qt::UserRole + 1, ///< 0-based index of the result row a line belongs to
        FirstLineRole,                 ///< whether the line is its row's first
        IsNullRole,                    ///< the cell holds NULL
        CellStateRole,                 ///< int(GridCell::State)
        JsonRole,                      ///< the cell as JSON text (empty for a blank)
        HeaderPathRole,                ///< horizontal header: QStringList of the field path
        CollapsedRole,                 ///< horizontal header: the column is a collapsed RECORD
    };

    ResultModel(ResultSet* rows, GridMode mode, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

    const ResultLayout& layout() const { return layout_; }
    ResultSet* resultSet() const { return rows_; }
    /// The result row and line within it of a model row.
    std::pair<std::size_t, std::uint64_t> locate(int line) const;
    /// Model row where a result row starts.
    int firstLineOf(std::size_t resultRow) const;
    /// Shows a RECORD (dotted path, "children") whole in one column, or as sub-columns again.
    void setCollapsed(const QString& path, bool collapsed);
    void toggleCollapsed(const QString& path);
    bool isCollapsed(const QString& path) const { return collapsed_.count(path.toStdString()) != 0; }

private:
    void rebuild();
    void onAppended(int first, int count);

    QPointer<ResultSet> rows_;
    GridMode mode_;
    ResultLayout layout_;
    std::vector<std::uint64_t> starts_; ///< first line of each result row
    std::uint64_t lines_ = 0;
    std::set<std::string> collapsed_; ///< kept across results with the same field paths
};

} // namespace quarry
