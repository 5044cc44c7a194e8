// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/ApiFailure.h"
#include "sandbox/RowLog.h"
#include "sandbox/sql/TableData.h"
#include "value/Schema.h"
#include "value/Value.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <filesystem>
#include <map>
#include <set>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace quarry::sandbox {

using Json = nlohmann::json;

/// A 128-bit hash of an insertId.
struct IdKey {
    std::uint64_t a = 0, b = 0;
    bool operator==(const IdKey&) const = default;
    struct Hash {
        std::size_t operator()(const IdKey& k) const { return static_cast<std::size_t>(k.a); }
    };
    static IdKey of(std::string_view id);
};

/// A stored table: what the engine reads (sql::TableData) and the store's own state.
struct Table final : sql::TableData {
    Json meta; ///< the Table resource as stored (without computed numRows/numBytes)
    /// The log new rows go to (generation `logGen`: TableFiles.h). Shared: a writer waiting
    /// for its sync keeps the log it wrote to while a checkpoint starts the next one.
    std::shared_ptr<RowLog> log;
    std::uint64_t logGen = 0;
    /// The segment file (row groups), once there is one, and how many of `rows` it holds.
    /// Both change only under `checkpointMutex`, which checkpoints and rewrites hold
    /// throughout (before `mutex`).
    std::unique_ptr<RowLog> segments;
    std::atomic<std::size_t> checkpointedRows{0}; // atomic: the checkpoint loop reads it without checkpointMutex
    std::mutex checkpointMutex;
    /// Whether rows, insertIds and log are read from disk yet. A restart reads only the
    /// catalog; Store::table() reads a table's rows the first time it is asked for (under
    /// `loadMutex`), so the sandbox listens at once and holds only the tables in use.
    std::atomic<bool> rowsLoaded{true};
    std::mutex loadMutex;
    /// When Store::table() last handed the table out (ms since the epoch): the tables used
    /// longest ago give their memory back first (Store::releaseMemory).
    std::atomic<std::int64_t> lastUsedMs{0};
    /// Set (under `mutex`) when the table is dropped: a statement still holding it must not
    /// write into the folder, which a new table of the same name may own by then.
    bool dropped = false;
    /// Why the table was set aside (a failed sync of its log), or empty. Set with `dropped`.
    std::string failure;
    /// insertIds seen within the window, as 128-bit hashes (no string per id; a collision of
    /// two different ids is about n^2 / 2^129: never, in practice), and the same oldest first
    /// with when they were seen (ms), for expiry.
    std::unordered_set<IdKey, IdKey::Hash> insertIds;
    std::deque<std::pair<std::int64_t, IdKey>> insertIdOrder;
    /// When `rows` were committed, for time travel (History.h): rows [previous end, end) at
    /// `ms`, in the order they were added, times never going back. Read and written with rows.
    struct Commit {
        std::size_t end = 0;
        std::int64_t ms = 0;
    };
    std::vector<Commit> commits;
    /// Storage Write API streams that appended here since the table's rows were last read
    /// from disk: each stream's end (its row count) as the log's records say. A stream whose
    /// own state file missed its last append (a crash between the two) learns it here.
    std::map<std::string, std::int64_t> streamEnds;

    bool isView() const override; ///< `meta.type` is VIEW (Views.cpp)
    std::string viewQuery() const override;
};

struct Dataset {
    std::string project, id;
    Json meta;
    std::map<std::string, std::shared_ptr<Table>> tables;
    /// SQL functions stored in the dataset (Routine resources), by routine id.
    std::map<std::string, Json> routines;
};

/// One row's errors in an insertAll answer.
struct InsertRowErrors {
    int index = 0;
    std::vector<Json> errors; ///< ErrorProto objects
};

/// The catalog and the data, kept in memory and on disk under `root`:
///   root/<project>/<dataset>/dataset.json          the Dataset resource (atomic rewrite)
///   root/<project>/<dataset>/<table>/table.json    the Table resource with its schema
///   root/<project>/<dataset>/<table>/rows.qrl      RowLog: one record per accepted insertAll
/// Folder names are percent-encoded ids. Thread-safe.
class Store {
public:
    struct Options {
        std::filesystem::path root;
        std::chrono::milliseconds dedupWindow{10 * 60 * 1000};
        std::size_t maxRequestBytes = 10 * 1024 * 1024;
        /// Background checkpoints (TableFiles.h): a table's log is folded into row groups once
        /// it reaches this size, or once it has had no writes for `checkpointIdle`. 0: only
        /// when checkpoint() is called.
        std::uint64_t checkpointBytes = 0;
        std::chrono::milliseconds checkpointIdle{5000};
        /// When the rows of the tables read into memory take more than this (estimated), the
        /// background thread gives back the memory of those used longest ago whose rows are
        /// all in row groups, until they fit; they are read again when next used. 0: no limit.
        std::uint64_t tableMemory = 0;
        /// The disk one table's past versions (History.h) may take; past it, its oldest are
        /// removed before their window ends. 0: no limit.
        std::uint64_t timeTravelBytes = 0;
        /// Past versions each table keeps at most (the oldest go first; the newest stays): a
        /// table changed by DML all day keeps its latest thousand (and time travel before
        /// them says so), so listing them stays cheap.
        std::size_t timeTravelVersions = 1000;
        /// Queries read a table whose rows would take more than this in memory as values
        /// (GroupSource::valueBytes, from its row groups' heads) in place, a row group at a
        /// time and only the columns they use (tableToRead), instead of reading all its rows
        /// into memory. 0: every table whose rows are all in row groups.
        std::uint64_t scanInPlaceBytes = 512ull << 20;
        /// Test hook: every table a query reads is read as groups of this many rows encoded in
        /// memory (GroupsInMemory), so the whole suite runs through that path. 0: off; the
        /// environment's QUARRY_SANDBOX_TEST_GROUP_ROWS sets it too.
        std::size_t testGroupRows = 0;
    };
    /// Takes an exclusive lock on the data folder: a second server on the same folder fails
    /// with StorageError instead of corrupting it.
    explicit Store(Options o);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// A random id of this data folder, made once and kept in it (`data-id`): the same
    /// sandbox data whatever port serves it, so a client's upload journal finds its upload
    /// again after the app restarts its sandbox on another port.
    const std::string& dataId() const { return dataId_; }

    /// Reads the catalog under root (datasets, tables' resources, routines); returns notes on
    /// what was damaged or cleaned up. A table's rows are read when it is first used, and
    /// what that finds (a torn tail cut, damage) is written to standard error then.
    std::vector<std::string> load();

    Json insertDataset(const std::string& project, const Json& body);
    Json getDataset(const std::string& project, const std::string& dataset) const;
    /// Datasets whose ids start with "_" are hidden (scripts' temporary tables), as in
    /// BigQuery, unless `hidden` (datasets.list?all=true).
    std::vector<Json> listDatasets(const std::string& project, bool hidden = false) const;
    Json patchDataset(const std::string& project, const std::string& dataset, const Json& patch);
    void deleteDataset(const std::string& project, const std::string& dataset, bool deleteContents);

    Json insertTable(const std::string& project, const std::string& dataset, const Json& body);
    Json getTable(const std::string& project, const std::string& dataset, const std::string& table) const;
    std::vector<Json> listTables(const std::string& project, const std::string& dataset) const;
    Json patchTable(const std::string& project, const std::string& dataset, const std::string& table,
                    const Json& patch);
    /// `only`: delete it only if it is still this table (not one made in its place since).
    void deleteTable(const std::string& project, const std::string& dataset, const std::string& table,
                     const Table* only = nullptr);

    /// The table, or ApiFailure notFound ("Not found: Table p:d.t").
    std::shared_ptr<Table> table(const std::string& project, const std::string& dataset,
                                 const std::string& table) const;
    /// The table as a query reads it: a table too large to hold (Options::scanInPlaceBytes)
    /// whose rows are not in memory and are all in row groups comes back with `onDisk` set
    /// and no rows read; any other as table() gives it.
    std::shared_ptr<Table> tableToRead(const std::string& project, const std::string& dataset, const std::string& table) const;
    /// Creates or replaces a table with rows (query destinations, CREATE TABLE AS, load and
    /// copy jobs). `extra`: more of the Table resource for a table made new (description,
    /// timePartitioning, clustering), made new or replacing the old one.
    std::shared_ptr<Table> putTable(const std::string& project, const std::string& dataset, const std::string& id,
                                    const Schema& schema, std::vector<Value> rows, bool replace,
                                    const Json& extra = Json::object());

    /// DML: appends rows (already laid out as the table's schema) in one durable log record.
    void appendValues(Table& t, std::vector<Value> rows);
    /// The same when the rows were laid out by schema version `schemaVersion`: false, with
    /// nothing written, when the table's schema changed since (lay them out again).
    /// `clean`: the rows hold valid UTF-8 only and no NULL arrays (a decoder made them so), so
    /// neither is looked for again.
    /// `mark`: the writer's mark kept with the rows in the log ("STREAM:END"; Table::streamEnds).
    bool appendValuesIfSchema(Table& t, std::vector<Value>& rows, std::uint64_t schemaVersion, bool clean = false,
                              std::string_view mark = {});
    /// DML: replaces every row. The rows go to a fresh log that is renamed over the old one, so
    /// a crash leaves the old rows or the new, never a mix. Fails with BigQuery's "Could not
    /// serialize access" when the table changed after `version` was read.
    void replaceRows(Table& t, std::uint64_t version, std::vector<Value> rows);

    /// tabledata.insertAll with BigQuery's rules. `request` is the parsed body. `table` may
    /// name a partition of a table partitioned by ingestion time ("t$20240101"): its rows go
    /// there instead of to today's (decoratedPartitionMs says which are allowed).
    std::vector<InsertRowErrors> insertAll(const std::string& project, const std::string& dataset,
                                           const std::string& table, const Json& request);
    /// The same from the body's text: parsed with simdjson, rows read under a shared lock so
    /// requests for one table are read in parallel; only the write is exclusive.
    std::vector<InsertRowErrors> insertAllText(const std::string& project, const std::string& dataset,
                                               const std::string& table, std::string_view body);

    /// routines.insert (and CREATE FUNCTION): a SQL scalar function. `replace` lets it take
    /// the place of one of the same id (CREATE OR REPLACE); otherwise that is a duplicate.
    /// Each routine is kept in root/<project>/<dataset>/routines/<id>.json.
    Json insertRoutine(const std::string& project, const std::string& dataset, const Json& body, bool replace = false);
    /// routines.update: replaces an existing routine's definition.
    Json updateRoutine(const std::string& project, const std::string& dataset, const std::string& routine, const Json& body);
    Json getRoutine(const std::string& project, const std::string& dataset, const std::string& routine) const;
    /// null when the dataset has no routine of that id (a missing dataset throws notFound).
    std::optional<Json> findRoutine(const std::string& project, const std::string& dataset, const std::string& routine) const;
    std::vector<Json> listRoutines(const std::string& project, const std::string& dataset) const;
    void deleteRoutine(const std::string& project, const std::string& dataset, const std::string& routine);

    /// Location of a dataset ("US" by default).
    std::string datasetLocation(const std::string& project, const std::string& dataset) const;

    static std::int64_t nowMs();

    /// Gives back the memory of tables used longest ago until the tables in memory fit
    /// Options::tableMemory: only tables nobody is using, whose rows are all checkpointed.
    /// Returns how many were let go. The background thread calls it after its checkpoints.
    std::size_t releaseMemory();

    /// The table as it was at `ms` (FOR SYSTEM_TIME AS OF; History.cpp): a copy of that
    /// version's rows, its schema and partitioning. ApiFailure invalidQuery with BigQuery's
    /// "Invalid snapshot time" outside the dataset's time-travel window or before the table
    /// was made; notFound as table() does. `dropped`: also the tables of that name dropped
    /// within the window (a copy job restoring one; a query does not see them, as in BigQuery).
    std::shared_ptr<Table> tableAsOf(const std::string& project, const std::string& dataset, const std::string& table,
                                     std::int64_t ms, bool dropped = false) const;
    /// A table as a request names it: `t`, or `t@<ms>` / `t@-<ms before now>` for its version
    /// then (tableAsOf, `dropped` as there). Returns the table and the time it is read as of
    /// (now for `t`).
    std::pair<std::shared_ptr<Table>, std::int64_t> tableOrVersion(const std::string& project, const std::string& dataset,
                                                                   const std::string& id, bool dropped = false) const;

    /// Folds a table's log into row groups now. Returns whether there was anything to fold.
    bool checkpoint(const std::string& project, const std::string& dataset, const std::string& table);

private:
    std::vector<InsertRowErrors> commitRows(Table& t, std::vector<std::pair<std::string, Value>> good,
                                            std::string_view body, std::vector<std::uint32_t> index,
                                            std::vector<InsertRowErrors> errors, const std::vector<bool>& invalid,
                                            bool skipInvalid, std::uint64_t schemaVersion,
                                            const std::function<std::vector<std::pair<std::string, Value>>()>& reread,
                                            std::optional<std::int64_t> partitionMs);
    bool appendValuesChecked(Table& t, std::vector<Value>& rows, std::optional<std::uint64_t> schemaVersion, bool clean,
                             std::string_view mark = {});
    std::filesystem::path datasetDir(const std::string& p, const std::string& d) const;
    std::filesystem::path tableDir(const std::string& p, const std::string& d, const std::string& t) const;
    Dataset& datasetRef(const std::string& p, const std::string& d);
    const Dataset& datasetRef(const std::string& p, const std::string& d) const;
    Json tableResource(const Table& t) const;
    void saveTable(const Table& t);
    /// Reads a dataset's routines (a damaged one is reported and left out).
    static void loadRoutines(Dataset& ds, const std::filesystem::path& dir, std::vector<std::string>& notes);
    /// Under an exclusive mutex_: stores one routine's resource (atomic rewrite of its file).
    void saveRoutine(Dataset& ds, const std::string& id, Json resource);
    /// Finishes or undoes CREATE OR REPLACE TABLEs a crash interrupted in a dataset's folder.
    static void recoverReplacements(const std::filesystem::path& datasetDir, std::vector<std::string>& notes);
    /// A table's in-memory object with its resource filled in (no log yet).
    static std::shared_ptr<Table> newTable(const std::string& p, const Dataset& ds, const std::string& id, const Json& body,
                                           const Schema& schema);
    /// CREATE OR REPLACE over an existing table: the new one is written beside it and the two
    /// folders are swapped in one step, so a crash or failure leaves the old table whole.
    std::shared_ptr<Table> replaceTable(const std::string& p, const std::string& d, const std::string& id,
                                        const Schema& schema, std::vector<Value> rows, const Json& extra);
    /// Writes rows to the table's log (not yet synced), committed at `when`; returns the
    /// offset to sync to.
    std::uint64_t appendRows(Table& t, const std::vector<std::pair<std::string, Value>>& rows, std::int64_t when, bool clean = false,
                             std::string_view mark = {});
    /// Before a statement rewrites or replaces `t` (whose files are in `dir`): keeps its
    /// files as the version that ends now (History.h) and removes versions past the
    /// window (`windowMs`, from timeTravelWindowMs before any table lock). The caller holds
    /// t.checkpointMutex and t.mutex.
    void keepPastVersion(const Table& t, const std::filesystem::path& dir, const std::filesystem::path& into,
                         std::int64_t now, std::int64_t windowMs) const;
    /// When `t` (files in `dir`, a folder in its dataset's) is dropped: keeps its versions,
    /// the one ending now and its past ones, among the dataset's deleted tables under its
    /// folder's `name` (History.h). Caller holds t.checkpointMutex and t.mutex.
    void keepDeletedTable(const Table& t, const std::filesystem::path& dir, const std::filesystem::path& name, std::int64_t now,
                          std::int64_t windowMs) const;
    /// A past version's rows committed by `ms`; null when it was removed meanwhile.
    std::shared_ptr<Table> readPastVersion(const struct PastVersion& v, const std::string& p, const std::string& d,
                                           const std::string& id, std::int64_t ms) const;
    /// The dataset's time-travel window in ms (maxTimeTravelHours; 7 days by default).
    std::int64_t timeTravelWindowMs(const std::string& project, const std::string& dataset) const;
    /// Past versions' files: readers share it; keeping and removing versions is exclusive.
    mutable std::shared_mutex historyMutex_;
    /// Writes a whole insertAll body instead, with the positions of the rows not stored.
    std::uint64_t appendRequest(Table& t, std::string_view body, const std::vector<bool>& stored, std::int64_t when,
                                std::optional<std::int64_t> partitionMs);

    /// The catalog's table (or ApiFailure notFound), rows not necessarily read. Under mutex_.
    std::shared_ptr<Table> findTable(const std::string& p, const std::string& d, const std::string& id) const;
    /// Reads `t`'s rows if they are not read yet; on damage, sets the table aside (as load()
    /// would have) and throws ApiFailure notFound.
    void loadRows(const std::shared_ptr<Table>& t) const;
    /// The background checkpointer: every second, folds the logs that are due.
    void checkpointLoop(std::stop_token stop);
    /// Deletes the rows of expired partitions (timePartitioning.expirationMs) of every table
    /// that has any; called by the background thread each round (Expiration.cpp).
    void expirePartitions(const std::stop_token& stop);
    /// Drops the tables and views whose expirationTime has passed, as BigQuery does (they stay
    /// restorable within the time-travel window, History.h). Each round of the background thread.
    void expireTables(const std::stop_token& stop);
    /// Per table: the version last checked for expired partitions and when (ms) its next
    /// partition expires; a table is read again only when either has moved.
    std::map<const Table*, std::pair<std::uint64_t, std::int64_t>> expiryChecked_;
    std::mutex checkpointWake_;
    std::condition_variable_any checkpointCv_;
    std::map<const Table*, std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> lastSeen_; ///< version, since when

    Options o_;
    std::string dataId_;
    std::optional<platform::FolderLock> lock_; ///< the data folder's, for the Store's whole life
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::map<std::string, Dataset>> projects_;
    /// Folders out of service, with why: could not be loaded, or a table set aside after a
    /// disk error. Left alone; their names are not reused until the sandbox starts again.
    std::map<std::string, std::string> damaged_;
    void checkNotDamaged(const std::filesystem::path& dir, const std::string& what) const;
    /// After a failed sync of `t`'s log: takes `t` out of the catalog for good (until a
    /// restart reads what reached the disk). The caller has marked `t` (setAside) and holds
    /// no table lock.
    void removeSetAside(const Table& t);
    std::jthread checkpointer_; ///< last: stopped and joined before the rest goes
};

/// A row laid out as `from` (a STRUCT of those fields) laid out again as `to`, matching
/// fields by name: added fields are NULL (an empty array when repeated).
Value relayoutRow(const Value& row, const std::vector<Field>& from, const std::vector<Field>& to);

/// A resource's etag: a hash of its JSON.
std::string etagOf(const Json& j);
/// Refuses an id whose folder name would not fit in 255 bytes (ApiFailure invalid at `location`).
void checkFolderFits(const std::string& kind, const std::string& id, const char* location);

/// Percent-encodes an id for use as one folder name.
std::string folderName(const std::string& id);
std::string idFromFolder(const std::string& folder);

} // namespace quarry::sandbox
