// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/ApiFailure.h"
#include "sandbox/Store.h"

#include <atomic>
#include <filesystem>
#include <optional>

namespace quarry::sandbox {

/// A load or copy job that failed with more than one error: `errors` is the job's
/// status.errors (the summary first, then each bad row with its line).
class JobErrors : public ApiFailure {
public:
    JobErrors(const std::string& reason, const std::string& message, Json errors)
        : ApiFailure(reason, message), errors_(std::move(errors)) {}
    const Json& errors() const { return errors_; }

private:
    Json errors_;
};

/// What a finished load job reports.
struct LoadResult {
    Json statistics;                ///< statistics.load: inputFiles, inputFileBytes, outputRows, outputBytes, badRecords
    Json errors = Json::array();    ///< rows skipped under maxBadRecords (the job still succeeds)
};

/// Runs configuration.load over an uploaded file (CSV or NEWLINE_DELIMITED_JSON, gzip or
/// not): the schema from the job, the table or autodetection; every row read before any is
/// written, then committed in one step (append, truncate or into an empty table), so a failed
/// load adds no rows. Throws JobErrors (bad rows past maxBadRecords, with their lines),
/// ApiFailure, or sql::PreparedQuery::Cancelled when `cancel` is set.
LoadResult runLoad(Store& store, const std::string& project, const Json& load, const std::filesystem::path& file,
                   const std::atomic<bool>& cancel);

/// Runs configuration.copy: one or more source tables (same schema) into a destination, with
/// BigQuery's write (default WRITE_EMPTY) and create dispositions. Returns statistics.copy.
Json runCopy(Store& store, const std::string& project, const Json& copy);

/// The table a load or query job writes (Destination.cpp).
struct Destination {
    std::string project, dataset, id; ///< `id` without its partition decorator
    std::string decorator;            ///< "20240101" of "t$20240101", or empty
    std::string name;                 ///< "p:d.t$20240101", as errors name it
    std::string write, create;        ///< the dispositions
    std::shared_ptr<Table> table;     ///< null: not there yet, and CREATE_IF_NEEDED
    std::optional<std::int64_t> partition; ///< where the decorator's partition starts (ms)
};
/// Reads configuration.<kind>.destinationTable and the dispositions (write by default
/// `defaultWrite`, create CREATE_IF_NEEDED) and checks them: the dataset must exist, a view is
/// refused ("Cannot <verb> p:d.t: it is a view."), a missing table is notFound with
/// CREATE_NEVER or a decorator, and a decorator must name a partition of the table's unit.
Destination resolveDestination(Store& store, const std::string& project, const Json& cfg, const std::string& kind,
                               const std::string& defaultWrite, const std::string& verb);

/// Writes `rows` (laid out as `schema`) to the destination with its write disposition, all or
/// nothing: a missing table is made with `newTable` (timePartitioning, clustering, ...
/// createProperties gives); WRITE_TRUNCATE replaces the rows (a decorator's partition's only;
/// a new schema keeps the table's partitioning and clustering); WRITE_EMPTY refuses a table
/// (or partition) that has rows; a schema that differs is refused unless `addFields` (then
/// the table's schema is patched first). Rows into a decorator must all be its partition's.
void writeDestination(Store& store, const Destination& dest, const Schema& schema, std::vector<Value> rows,
                      const Json& newTable, bool addFields);
/// The Table resource fields a job's configuration gives a table it makes: timePartitioning,
/// rangePartitioning, clustering and destinationTableProperties' description, friendlyName,
/// labels.
Json createProperties(const Json& cfg);

/// configuration.query.destinationTable (Destination.cpp): writes a finished query's
/// result to the table, with BigQuery's dispositions (CREATE_IF_NEEDED, WRITE_EMPTY by default)
/// and a partition decorator's meaning (WRITE_TRUNCATE replaces that partition only). A new
/// table takes the job's timePartitioning, rangePartitioning, clustering and
/// destinationTableProperties. Nothing when the job names no destination.
void writeQueryDestination(Store& store, const std::string& project, const Json& query, const Schema& schema,
                           const std::vector<Value>& rows);
/// Refuses a destination table for a script or a DML/DDL statement, as BigQuery does.
void checkNoDestination(const Json& query, bool script, bool statement);

/// Two schemas with the same fields (names case-insensitively, types, modes; descriptions aside).
bool sameShape(const std::vector<Field>& a, const std::vector<Field>& b);

} // namespace quarry::sandbox
