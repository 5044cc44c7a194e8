// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

#include <string>
#include <vector>

namespace quarry::sandbox::sql {

/// What one row brings to one analytic function: its partition key (appendKey of the
/// PARTITION BY values), its ORDER BY values and its argument values.
struct WindowRow {
    std::string partition;
    std::vector<Value> order;
    std::vector<Value> args;
};

/// An aggregate evaluated over window frames: rows are added by index, value() is the
/// aggregate of what was added since reset().
class FrameAggregate {
public:
    virtual ~FrameAggregate() = default;
    virtual void reset() = 0;
    virtual void add(std::size_t row) = 0;
    virtual Value value() = 0;
};

/// Names of the functions that exist only with OVER (numbering and navigation).
bool isAnalyticOnlyFunction(const std::string& upperName);

/// Checks a bound analytic call (its OVER clause and arguments) and returns its type; the
/// types of aggregates come from the aggregate binder, passed as `aggregateType`.
SqlType bindAnalytic(const Expr& call, const SqlType& aggregateType);

/// Computes `call` (a bound Call with a window) for every row: partitions, sorts each by the
/// window's ORDER BY (stable, NULLs first ascending), finds each row's frame and evaluates.
/// `aggregate` is used for aggregate functions (SUM, COUNT, ...), else it is null.
std::vector<Value> computeWindow(const Expr& call, const std::vector<WindowRow>& rows, FrameAggregate* aggregate);

} // namespace quarry::sandbox::sql
