// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

#include <string>
#include <vector>

namespace quarry::sandbox::sql {

/// `input PIVOT (agg [AS a], ... FOR expr IN (value [AS v], ...)) [AS alias]` as parsed.
struct PivotSpec {
    struct Aggregate {
        ExprPtr call;
        std::string alias;
    };
    struct PivotValue {
        ExprPtr value;
        std::string alias;
    };
    std::vector<Aggregate> aggregates;
    ExprPtr forExpr;
    std::vector<PivotValue> values;
    Pos pos;
};

/// `input UNPIVOT [INCLUDE|EXCLUDE NULLS] ((v1, ...) FOR name IN ((c1, ...) [AS label], ...))`.
struct UnpivotSpec {
    bool includeNulls = false;
    std::vector<std::string> valueColumns;
    std::string nameColumn;
    struct Group {
        std::vector<ExprPtr> columns; ///< paths to input columns
        ExprPtr label;                ///< a STRING or INT64 literal, or null: the columns' names
    };
    std::vector<Group> groups;
    Pos pos;
};

/// PIVOT as the query it means: the input's columns that the pivot does not read group the
/// rows; each (value, aggregate) pair is the aggregate over the group's rows whose FOR
/// expression IS NOT DISTINCT FROM the value, named `alias_value` (or `value`).
///   SELECT * EXCEPT (read columns), agg WHERE (for = value) AS name, ... FROM input GROUP BY ALL
FromItem rewritePivot(FromItem input, PivotSpec spec);

/// UNPIVOT as the query it means: each input row once per IN group, the group's columns in
/// the value columns and its label in the name column (rows whose values are all NULL left
/// out unless INCLUDE NULLS).
///   SELECT * EXCEPT (unpivoted columns, u), u.* FROM input, UNNEST([STRUCT(...), ...]) AS u
FromItem rewriteUnpivot(FromItem input, UnpivotSpec spec);

} // namespace quarry::sandbox::sql
