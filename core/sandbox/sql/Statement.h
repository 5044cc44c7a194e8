// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/Udf.h"

#include <string_view>

namespace quarry::sandbox::sql {

/// `path = value` in UPDATE ... SET and MERGE ... UPDATE SET; value null means DEFAULT.
struct SetClause {
    std::vector<std::string> path; ///< column, then STRUCT fields below it
    ExprPtr value;
    Pos pos;
};

/// One WHEN clause of a MERGE.
struct MergeClause {
    enum class When { Matched, NotMatchedByTarget, NotMatchedBySource } when = When::Matched;
    enum class Action { Update, Delete, Insert, InsertRow } action = Action::Update;
    ExprPtr condition;                ///< WHEN ... AND condition
    std::vector<SetClause> sets;      ///< Update
    std::vector<std::string> columns; ///< Insert: the column list (empty: every column)
    std::vector<ExprPtr> values;      ///< Insert: null entries mean DEFAULT
    Pos pos;
};

/// CREATE TABLE's column: name, type and NOT NULL.
struct ColumnDef {
    std::string name;
    SqlType type;
    bool notNull = false;
    Pos pos;
};

/// One statement of a script: a query, DML or DDL.
struct Statement {
    enum class Kind { Query, Insert, Update, Delete, Truncate, Merge, CreateTable, DropTable, CreateSchema, DropSchema, SetSystemVariable,
                      CreateView, DropView, CreateFunction, DropFunction };
    Kind kind = Kind::Query;
    Pos pos;
    std::shared_ptr<Select> query;      ///< Query; INSERT ... SELECT; CREATE TABLE ... AS SELECT
    std::vector<std::string> target;    ///< the table (or, for schemas, the dataset) named
    Pos targetPos;
    std::string alias;                  ///< UPDATE/DELETE/MERGE target alias
    std::vector<std::string> columns;   ///< INSERT column list
    std::vector<std::vector<ExprPtr>> values; ///< INSERT VALUES rows (null entries: DEFAULT)
    std::vector<SetClause> sets;        ///< UPDATE SET
    std::vector<FromItem> from;         ///< UPDATE ... FROM
    ExprPtr where;                      ///< UPDATE/DELETE
    FromItem source;                    ///< MERGE USING
    ExprPtr on;                         ///< MERGE ON
    std::vector<MergeClause> clauses;   ///< MERGE WHEN ...
    std::vector<ColumnDef> schema;      ///< CREATE TABLE (name type, ...)
    /// CREATE TABLE ... PARTITION BY col | DATE(col) | DATE_TRUNC/DATETIME_TRUNC/TIMESTAMP_TRUNC(col, unit):
    /// the column and DAY, HOUR, MONTH or YEAR (empty: not partitioned).
    std::string partitionField, partitionUnit;
    std::string partitionFn; ///< "" (the column itself), DATE, DATE_TRUNC, DATETIME_TRUNC, TIMESTAMP_TRUNC or RANGE_BUCKET
    /// PARTITION BY RANGE_BUCKET(col, GENERATE_ARRAY(start, end[, interval])).
    std::int64_t rangeStart = 0, rangeEnd = 0, rangeInterval = 1;
    std::vector<std::string> clusterBy; ///< CREATE TABLE ... CLUSTER BY a, b
    /// CREATE TABLE ... OPTIONS: description, friendly_name (strings), require_partition_filter
    /// (BOOL), partition_expiration_days (a number), by option name in lower case.
    std::vector<std::pair<std::string, Value>> tableOptions;
    ExprPtr value;                      ///< SET @@name = value (target: the name)
    std::string viewSql;                ///< CREATE VIEW: the query's text, as written
    Pos viewSqlPos;                     ///< ... and where it starts in the statement
    std::shared_ptr<UdfDef> function;   ///< CREATE [TEMP] FUNCTION
    bool orReplace = false, ifNotExists = false, ifExists = false, cascade = false;
    bool temp = false;                  ///< CREATE TEMP FUNCTION
    /// CREATE SNAPSHOT TABLE, DROP SNAPSHOT TABLE: a read-only copy of a table as it was.
    bool snapshot = false;
    /// CREATE [SNAPSHOT] TABLE ... CLONE source [FOR SYSTEM_TIME AS OF time]: the source,
    /// with its time in cloneOf.systemTime.
    bool clone = false;
    FromItem cloneOf;
};

/// Parses a script: statements separated by semicolons (a single query is a script of one).
/// Throws SqlError for invalid or unsupported syntax, with its [line:col].
std::vector<Statement> parseScript(std::string_view sql);

/// "INSERT", "CREATE_TABLE_AS_SELECT", ...: statistics.query.statementType.
const char* statementType(const Statement& s);

} // namespace quarry::sandbox::sql
