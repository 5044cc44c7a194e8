// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/TableData.h"
#include "sandbox/sql/Ast.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>

namespace quarry::sandbox::sql {

struct Param {
    SqlType type;
    Value value;
};

struct UdfDef;

struct QueryContext {
    /// Finds a table by its FROM path (1 to 3 parts); throws ApiFailure notFound.
    std::function<std::shared_ptr<TableData>(const std::vector<std::string>& path, Pos pos)> resolveTable;
    /// The same table as it was at `ms` (FOR SYSTEM_TIME AS OF, ms since the epoch): a copy of
    /// that version's rows. Throws ApiFailure for a time outside the table's time-travel
    /// window. Unset: time travel is refused.
    std::function<std::shared_ptr<TableData>(const std::vector<std::string>& path, std::int64_t ms, Pos pos)> resolveTableAsOf;
    std::map<std::string, Param> namedParams; ///< keys in lower case
    std::vector<Param> positionalParams;
    const std::atomic<bool>* cancelled = nullptr;
    /// The default time zone (SET @@time_zone, the job's time_zone connection property):
    /// TIMESTAMP text without a zone is read in it, DATE(ts) and EXTRACT work in it. Empty: UTC.
    std::string timeZone;
    /// A call's user function: a temporary function (by its one-part name, upper case) or a
    /// routine (dataset.f, project.dataset.f). Null when there is none of that name (a
    /// built-in, then); throws ApiFailure notFound for a routine path that names nothing.
    std::function<std::shared_ptr<const UdfDef>(const std::vector<std::string>& path, Pos pos)> resolveFunction;
    /// A script's variables (lower-case names), read where a name is not a column, and system
    /// variables ("@@error.message", "@@time_zone").
    std::map<std::string, Param> variables;
};

/// One stage of the sandbox's own execution, as statistics.query.queryPlan reports it: what
/// the operator read and wrote, when it ran, and its steps (READ, JOIN, FILTER, AGGREGATE,
/// SORT, LIMIT, WRITE) with their substeps.
struct PlanStage {
    std::string name;
    int id = 0;
    std::vector<int> inputStages;
    std::uint64_t recordsRead = 0, recordsWritten = 0;
    std::int64_t startMs = 0, endMs = 0; ///< wall clock, ms since the epoch
    double durationMs = 0;               ///< measured with a steady clock
    std::vector<std::pair<std::string, std::vector<std::string>>> steps;
    int parallelInputs = 1;     ///< parts of the input run side by side
    std::vector<double> partMs; ///< with more than one: each part's time
};

struct QueryResult {
    Schema schema;
    std::vector<Value> rows;
    std::uint64_t bytesProcessed = 0;
    std::vector<PlanStage> plan;
};

/// A parsed and bound SELECT, ready to estimate (dry run) or run.
class PreparedQuery {
public:
    /// Throws SqlError for invalid SQL, ApiFailure notFound for missing tables.
    static std::unique_ptr<PreparedQuery> prepare(std::string_view sql, QueryContext ctx);
    /// The same for a query already parsed (or built by the DML runner).
    static std::unique_ptr<PreparedQuery> prepare(Select sel, QueryContext ctx);
    ~PreparedQuery();

    const Schema& schema() const;
    /// The output columns' types; a column of only NULL literals is `unknown` (fits any type).
    const std::vector<SqlType>& columnTypes() const;
    /// Bytes of the referenced columns of the referenced tables (what BigQuery bills).
    std::uint64_t estimateBytes() const;
    /// (project, dataset, table, version) of every table read, for the result cache.
    std::vector<std::string> tableVersions() const;
    /// False when the query (its views and subqueries too) calls a function whose result is
    /// not fixed by its arguments (CURRENT_TIMESTAMP, RAND...): BigQuery caches no such result.
    bool deterministic() const;
    /// Runs the query. Throws EvalError for runtime failures, Cancelled when asked to stop.
    QueryResult run();

    struct Cancelled {};

private:
    PreparedQuery();
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace quarry::sandbox::sql
