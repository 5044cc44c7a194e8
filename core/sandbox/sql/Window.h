// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

#include <string>
#include <vector>

namespace quarry::sandbox::sql {

/// What the rows bring to one analytic function, a column at a time (no heap block per
/// row): each row's partition, numbered in order of first appearance (rows whose PARTITION BY
/// values are equal under appendKey share one), its ORDER BY values and its argument values.
struct WindowInput {
    std::size_t orderWidth = 0, argWidth = 0;
    std::vector<std::uint32_t> partition; ///< per row
    std::uint32_t partitions = 0;
    std::vector<Value> order, args; ///< row i's at [i * width, (i + 1) * width)
    std::size_t size() const { return partition.size(); }
    const Value& orderOf(std::size_t row, std::size_t k) const { return order[row * orderWidth + k]; }
    const Value& argOf(std::size_t row, std::size_t k) const { return args[row * argWidth + k]; }
    /// Room for `rows` rows, every one in partition 0.
    void resize(std::size_t rows) {
        partition.assign(rows, 0);
        partitions = rows ? 1 : 0;
        order.assign(rows * orderWidth, Value());
        args.assign(rows * argWidth, Value());
    }
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
std::vector<Value> computeWindow(const Expr& call, const WindowInput& rows, FrameAggregate* aggregate);

} // namespace quarry::sandbox::sql
