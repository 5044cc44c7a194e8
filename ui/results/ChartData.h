// SPDX-License-Identifier: MIT
#pragma once

#include "value/ColumnStore.h"
#include "value/Schema.h"
#include "value/Value.h"

#include <cstddef>
#include <string>
#include <vector>

namespace quarry {

/// How a column can serve as a chart axis.
enum class AxisKind { Number, Time, Category };

struct ChartColumn {
    int index = 0;      ///< top-level column of the result
    std::string name;
    AxisKind kind = AxisKind::Category;
};

/// The columns a chart can use: top-level, not REPEATED, not RECORD. Numbers (INT64, FLOAT64,
/// NUMERIC, BIGNUMERIC) can be X or Y; DATE, DATETIME and TIMESTAMP are time axes; the rest
/// (STRING, BOOL, TIME, ...) are categories.
std::vector<ChartColumn> chartableColumns(const Schema& schema);

struct ChartSeriesData {
    std::string name;
    std::vector<double> y; ///< one per point; NaN where the cell is NULL or not a number
};

/// Points taken from result rows, in row order.
struct ChartData {
    AxisKind xKind = AxisKind::Category;
    std::vector<double> x;                ///< Number: the value; Time: ms since the epoch (UTC); Category: the index
    std::vector<std::string> categories;  ///< the X text of every point (labels of a bar chart)
    std::vector<ChartSeriesData> series;
    std::size_t rowsSkipped = 0;          ///< rows with a NULL X
    bool truncated = false;               ///< more rows than maxPoints
    std::size_t rowsNotHeld = 0;          ///< rows evicted from memory (a long result scrolled through)
};

/// Takes X from column `xColumn` and one series per column of `yColumns` (numbers only),
/// from at most `maxPoints` rows.
ChartData chartData(const ColumnStore& rows, const Schema& schema, int xColumn,
                    const std::vector<int>& yColumns, std::size_t maxPoints);

} // namespace quarry
