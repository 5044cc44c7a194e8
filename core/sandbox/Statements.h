// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Store.h"
#include "sandbox/sql/Engine.h"
#include "sandbox/sql/Statement.h"

#include <functional>
#include <optional>
#include <set>

namespace quarry::sandbox {

/// What one statement did: a query's rows, or DML counts, or the DDL operation performed.
struct StatementResult {
    std::string statementType = "SELECT";
    Schema schema;
    std::vector<Value> rows;
    std::optional<std::int64_t> affectedRows; ///< numDmlAffectedRows, for DML
    std::int64_t inserted = 0, updated = 0, deleted = 0;
    std::string ddlOperation; ///< CREATE, REPLACE, SKIP or DROP
    Json ddlTargetTable, ddlTargetDataset, ddlTargetRoutine;
    std::uint64_t bytesProcessed = 0;
    std::vector<sql::PlanStage> plan;
};

/// What a script (or a query with CREATE TEMP FUNCTION) keeps from one statement to the next.
struct ScriptState {
    std::map<std::string, std::shared_ptr<const sql::UdfDef>> functions; ///< temporary functions, by upper-case name
    std::map<std::string, sql::Param> variables; ///< DECLAREd (lower-case names), and "@@error.message" and kin
    bool inScript = false;     ///< several statements, or a session: temporary tables are allowed
    bool session = false;      ///< a session's: declarations and temporary tables outlive each job
    bool ended = false;        ///< CALL BQ.ABORT_SESSION() ran
    std::string tempDataset;   ///< the hidden dataset of the script's temporary tables, once made
    std::set<std::string> tempTables; ///< their names, read unqualified
    std::string timeZone;      ///< SET @@time_zone (a session keeps it from one job to the next)
};

/// Where a job's statements run: its project, location, default dataset and parameters.
struct StatementScope {
    std::string project, location;
    std::string defaultProject, defaultDataset;
    std::map<std::string, sql::Param> namedParams;
    std::vector<sql::Param> positionalParams;
    const std::atomic<bool>* cancelled = nullptr;
    /// The default time zone of the job's queries (its time_zone connection property, then
    /// SET @@time_zone in the script); empty: UTC.
    std::string timeZone;
    /// Temporary functions and variables; the runner makes one when none is given.
    std::shared_ptr<ScriptState> state;
    std::string sessionId; ///< the session the job runs in, if any
    /// The project's jobs as jobs.get gives them (INFORMATION_SCHEMA.JOBS); none when unset.
    /// `callerOnly`: only those of the user running this statement (JOBS_BY_USER).
    std::function<std::vector<Json>(const std::string& project, bool callerOnly)> jobHistory;
};

/// Runs queries, DML and DDL against the store. DML reads a snapshot of its target, works out
/// the new rows with the query engine, then commits them in one durable step (an append for
/// INSERT, a whole new row log renamed into place for UPDATE, DELETE and MERGE); a statement
/// that fails changes nothing.
class StatementRunner {
public:
    StatementRunner(Store& store, StatementScope scope);

    /// How queries find tables: INFORMATION_SCHEMA views; `d.t`, `p.d.t`, or `t` in the
    /// default dataset.
    sql::QueryContext queryContext() const;
    /// Runs one statement (consuming it). A dry run checks it and estimates its bytes but
    /// changes nothing.
    StatementResult run(sql::Statement&& s, bool dryRun);
    /// The same with these query parameters in place of the job's (EXECUTE IMMEDIATE ... USING).
    StatementResult runWithParameters(sql::Statement&& s, bool dryRun, std::map<std::string, sql::Param> named,
                                      std::vector<sql::Param> positional);

    struct TableRef {
        std::string project, dataset, table;
        bool operator==(const TableRef&) const = default;
    };
    TableRef tableRef(const std::vector<std::string>& path, sql::Pos pos) const;

    /// `SELECT expr` in this runner's context (variables, functions, parameters): the value
    /// and its type. Throws SqlError / EvalError.
    std::pair<Value, sql::SqlType> evaluate(sql::ExprPtr expr);
    ScriptState& state() { return *scope_.state; }
    /// Drops the script's temporary tables (at its end, whatever the outcome).
    void dropTemporaryTables();
    const StatementScope& scope() const { return scope_; }

private:
    struct Snapshot;
    sql::QueryContext contextWith(const TableRef& target, std::shared_ptr<Table> view) const;
    std::shared_ptr<Table> stored(const TableRef& r) const;
    Snapshot snapshot(const TableRef& r) const;

    StatementResult insert(sql::Statement& s, bool dryRun);
    StatementResult update(sql::Statement& s, bool dryRun);
    StatementResult remove(sql::Statement& s, bool dryRun);
    StatementResult truncate(sql::Statement& s, bool dryRun);
    StatementResult merge(sql::Statement& s, bool dryRun);
    StatementResult createTable(sql::Statement& s, bool dryRun);
    /// CREATE [SNAPSHOT] TABLE ... CLONE (StatementsFunctions.cpp), after createTarget.
    StatementResult cloneTable(sql::Statement& s, const TableRef& ref, bool exists, bool dryRun, StatementResult r);
    void declareTemporaryTable(const sql::Statement& s);
    StatementResult dropTable(sql::Statement& s, bool dryRun);
    StatementResult createSchema(sql::Statement& s, bool dryRun);
    StatementResult dropSchema(sql::Statement& s, bool dryRun);
    StatementResult setSystemVariable(sql::Statement& s);
    StatementResult createView(sql::Statement& s, bool dryRun);
    /// CREATE [OR REPLACE | IF NOT EXISTS] of `ref`: whether it exists (to be replaced), or
    /// nullopt when IF NOT EXISTS finds it (r says SKIP); a duplicate or missing dataset throws.
    std::optional<bool> createTarget(const sql::Statement& s, const TableRef& ref, StatementResult& r) const;
    StatementResult dropView(sql::Statement& s, bool dryRun);
    StatementResult createFunction(sql::Statement& s, bool dryRun);
    StatementResult dropFunction(sql::Statement& s, bool dryRun);
    std::shared_ptr<const sql::UdfDef> userFunction(const std::vector<std::string>& path, sql::Pos pos) const;

    Store& store_;
    StatementScope scope_;
};

} // namespace quarry::sandbox
