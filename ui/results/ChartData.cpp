// SPDX-License-Identifier: MIT
#include "ChartData.h"

#include "value/Display.h"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace quarry {
namespace {

AxisKind kindOf(TypeKind t) {
    switch (t) {
    case TypeKind::Int64:
    case TypeKind::Float64:
    case TypeKind::Numeric:
    case TypeKind::BigNumeric: return AxisKind::Number;
    case TypeKind::Date:
    case TypeKind::DateTime:
    case TypeKind::Timestamp: return AxisKind::Time;
    default: return AxisKind::Category;
    }
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double numberOf(const Value& v, const Field& f) {
    if (v.isNull()) return kNaN;
    switch (f.type) {
    case TypeKind::Int64: return static_cast<double>(v.asInt64());
    case TypeKind::Float64: return v.asDouble();
    case TypeKind::Numeric:
    case TypeKind::BigNumeric: {
        const std::string text(v.asText());
        char* end = nullptr;
        const double d = std::strtod(text.c_str(), &end);
        return end == text.c_str() ? kNaN : d;
    }
    case TypeKind::Date: return static_cast<double>(v.asInt64()) * 86'400'000.0;
    case TypeKind::DateTime: // civil time, drawn as if UTC
    case TypeKind::Timestamp: return static_cast<double>(v.asInt64()) / 1000.0;
    default: return kNaN;
    }
}

} // namespace

std::vector<ChartColumn> chartableColumns(const Schema& schema) {
    std::vector<ChartColumn> out;
    for (std::size_t i = 0; i < schema.fields.size(); ++i) {
        const Field& f = schema.fields[i];
        if (f.isRepeated() || f.isRecord() || f.type == TypeKind::Range) continue;
        out.push_back({static_cast<int>(i), f.name, kindOf(f.type)});
    }
    return out;
}

ChartData chartData(const ColumnStore& rows, const Schema& schema, int xColumn,
                    const std::vector<int>& yColumns, std::size_t maxPoints) {
    ChartData d;
    const auto nFields = static_cast<int>(schema.fields.size());
    if (xColumn < 0 || xColumn >= nFields) return d;
    const Field& xf = schema.fields[static_cast<std::size_t>(xColumn)];
    d.xKind = kindOf(xf.type);
    std::vector<int> ys;
    for (int y : yColumns)
        if (y >= 0 && y < nFields && kindOf(schema.fields[static_cast<std::size_t>(y)].type) == AxisKind::Number &&
            !schema.fields[static_cast<std::size_t>(y)].isRepeated())
            ys.push_back(y);
    for (int y : ys) d.series.push_back({schema.fields[static_cast<std::size_t>(y)].name, {}});
    if (static_cast<int>(rows.columnCount()) < nFields) return d;
    Value xs, ysc;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (d.x.size() >= maxPoints) {
            d.truncated = true;
            break;
        }
        if (const std::size_t page = rows.pageOf(r); !rows.isResident(page)) { // evicted: not charted
            d.rowsNotHeld += rows.pageSize(page);
            r = rows.pageStart(page) + rows.pageSize(page) - 1;
            continue;
        }
        const Value& xv = rows.cell(r, static_cast<std::size_t>(xColumn), xs);
        if (xv.isNull()) {
            ++d.rowsSkipped;
            continue;
        }
        d.categories.push_back(displayText(xv, xf));
        d.x.push_back(d.xKind == AxisKind::Category ? static_cast<double>(d.x.size()) : numberOf(xv, xf));
        for (std::size_t s = 0; s < ys.size(); ++s)
            d.series[s].y.push_back(numberOf(rows.cell(r, static_cast<std::size_t>(ys[s]), ysc), schema.fields[static_cast<std::size_t>(ys[s])]));
    }
    return d;
}

} // namespace quarry
