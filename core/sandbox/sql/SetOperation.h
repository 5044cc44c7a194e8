// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/SqlType.h"
#include "value/Value.h"

#include <string>
#include <vector>

namespace quarry::sandbox::sql {

/// One branch of a set operation as the binder sees it: its output columns.
struct SetBranchShape {
    std::vector<std::string> names;
    std::vector<SqlType> types;
    std::vector<bool> anonymous; ///< no alias and no column name to take one from
    /// A column that is a literal: its value, which may coerce to the other branches' type
    /// as a literal does (0.01 to NUMERIC, '2024-01-01' to DATE); else null.
    std::vector<const Value*> literal;
    Pos pos;
};

/// How the branches become the result: its columns, their supertypes, and for each branch
/// which of its columns fills each result column (-1: NULL, a column it lacks).
struct SetPlan {
    std::vector<std::string> names;
    std::vector<SqlType> types;
    std::vector<std::vector<int>> pick;
    /// How a branch's values become the result's type: as they are, widened (INT64 to
    /// FLOAT64), or cast as a literal coerces.
    enum class Convert { None, Widen, Cast };
    std::vector<std::vector<Convert>> convert;
};

/// Pairs the branches' columns by position or by name (CORRESPONDING, BY NAME; INNER, FULL,
/// LEFT, STRICT, a BY / ON list) and types each result column with the supertype of the
/// columns it pairs. SqlError with a position for what BigQuery rejects.
SetPlan planSetOperation(const std::vector<SetBranchShape>& branches, const std::vector<std::string>& ops,
                         const Select::SetColumns& columns, Pos pos);

/// Puts one branch's rows into the result's shape: picks and orders its columns, pads the
/// missing ones with NULL and converts values to the result's types.
void shapeSetRows(std::vector<Value>& rows, const SetPlan& plan, std::size_t branch);

/// Applies `op` ("UNION ALL", "UNION DISTINCT", "INTERSECT DISTINCT", "EXCEPT DISTINCT") to
/// the rows so far and the next branch's rows, as GROUP BY compares values (a column of a
/// collated STRING type under its collation).
void combineSetRows(std::vector<Value>& acc, std::vector<Value> next, const std::string& op, const std::vector<SqlType>& types);

} // namespace quarry::sandbox::sql
