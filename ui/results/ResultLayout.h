// SPDX-License-Identifier: MIT
#pragma once

#include "value/ColumnStore.h"
#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace quarry {

/// How a result grid lays nested rows out.
enum class GridMode {
    /// As the BigQuery console: STRUCT fields are sub-columns, ARRAY elements are sub-rows
    /// inside their row; independent arrays of one row sit side by side.
    Nested,
    /// One line per combination of repeated elements (legacy SQL's flattenResults), parent
    /// values repeated on every line, `a_b` column names.
    Flattened,
};

/// One column of the grid: a leaf field reached through RECORDs.
struct LeafColumn {
    std::vector<int> path;                 ///< field index at each level below the row
    std::vector<const Field*> fields;      ///< the fields along the path, leaf last
    std::vector<std::string> names;        ///< their names
    bool collapsed = false;                ///< a RECORD shown whole in one column
    const Field& leaf() const { return *fields.back(); }
};

/// What one grid cell holds.
struct GridCell {
    enum class State : std::uint8_t {
        Blank,      ///< no value on this line (the row's other lines have it)
        Value,      ///< `value` (which may be NULL)
        EmptyArray, ///< an empty ARRAY, shown once on its first line
    };
    State state = State::Blank;
    const Value* value = nullptr;
    const Field* field = nullptr; ///< the leaf field; for an array element, the element's type
    bool whole = false;           ///< `value` is the whole field (a collapsed RECORD, maybe REPEATED)
};

/// The geometry of nested rows: how many display lines a row takes and which value sits in
/// which (line, column). Plain C++, no Qt: the grid models are thin layers over it. Copies
/// share the schema, so they are cheap.
class ResultLayout {
public:
    ResultLayout();
    /// `collapsed`: dotted paths of RECORD fields ("children", "a.b") shown whole, as JSON in
    /// one column and one line, instead of as sub-columns and sub-rows.
    ResultLayout(const Schema& schema, GridMode mode, const std::set<std::string>& collapsed = {});

    GridMode mode() const { return mode_; }
    const std::vector<LeafColumn>& columns() const { return columns_; }
    /// The deepest column path (1 for a flat schema): the header's number of levels.
    int headerDepth() const { return depth_; }
    /// Display lines of a row, at least 1. Saturates at kMaxLinesPerRow so a hostile cross
    /// product cannot overflow.
    std::uint64_t lineCount(const RowCells& row) const;
    std::uint64_t lineCount(const Value& row) const { return lineCount(StructCells(row)); }
    /// Whether every row takes one line (no uncollapsed REPEATED field): the grid then needs
    /// no per-row line index.
    bool singleLine() const { return singleLine_; }
    /// The cell at a line of a row (line < lineCount(row)). Its value may live in `scratch`.
    GridCell cell(const RowCells& row, std::size_t column, std::uint64_t line, Value& scratch) const;
    /// For a STRUCT row; the cell points into `row`.
    GridCell cell(const Value& row, std::size_t column, std::uint64_t line) const {
        Value unused;
        return cell(StructCells(row), column, line, unused);
    }
    /// The column's header text: the leaf name (Nested) or the `_`-joined path (Flattened).
    std::string columnTitle(std::size_t column) const;

    static constexpr std::uint64_t kMaxLinesPerRow = 1'000'000;

private:
    std::uint64_t fieldLines(const Value& v, const Field& f) const;
    std::uint64_t elementLines(const Value& e, const Field& f) const;
    GridCell descend(const Value& v, const Field& f, const LeafColumn& c, std::size_t d, std::uint64_t s) const;
    GridCell descendElement(const Value& e, const Field& f, const LeafColumn& c, std::size_t d,
                            std::uint64_t s) const;
    void collect(const Field& f, LeafColumn prefix, const std::set<std::string>& collapsed);
    bool isCollapsed(const Field& f) const { return collapsedFields_.count(&f) != 0; }

    std::shared_ptr<const Field> root_;
    GridMode mode_ = GridMode::Nested;
    std::vector<LeafColumn> columns_;
    int depth_ = 1;
    bool singleLine_ = true;
    std::set<const Field*> collapsedFields_; ///< into root_'s tree
};

} // namespace quarry
