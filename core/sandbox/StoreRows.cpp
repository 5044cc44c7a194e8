// SPDX-License-Identifier: MIT
// The Store's rows: insertAll and the log records it writes, rows appended or replaced by
// DML and load jobs, and tables put or replaced whole (CREATE TABLE AS SELECT, CREATE OR
// REPLACE).
#include "sandbox/JsonFields.h"
#include "sandbox/Store.h"
#include "sandbox/StoreNames.h"
#include "sandbox/Partitioning.h"
#include "sandbox/History.h"
#include "sandbox/Snapshots.h"
#include "sandbox/TableFiles.h"
#include "sandbox/SegmentFile.h"
#include "sandbox/Segment.h"
#include "platform/System.h"

#include "sandbox/sql/Bytes.h"
#include "sandbox/sql/MemoryBudget.h"
#include "value/InsertRowWriter.h"
#include "value/Text.h"
#include "value/JsonParse.h"
#include "value/JsonRowReader.h"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <simdjson.h>

namespace quarry::sandbox {
using namespace store;

std::uint64_t Store::appendRequest(Table& t, std::string_view body, const std::vector<bool>& stored, std::int64_t when,
                                   std::optional<std::int64_t> partitionMs) {
    // The body as it came (one copy, no per-row work); replay reads it with the same rules,
    // and gives its rows the partition time of `when`, or of the partition its decorator
    // named ("pt"), when the table is partitioned by ingestion time.
    std::string payload = "{\"t\":" + std::to_string(when);
    if (partitionMs) payload += ",\"pt\":" + std::to_string(*partitionMs);
    payload += ",\"skip\":[";
    bool first = true;
    for (std::size_t i = 0; i < stored.size(); ++i) {
        if (stored[i]) continue;
        if (!first) payload += ',';
        first = false;
        payload += std::to_string(i);
    }
    payload += "],\"req\":";
    payload += body;
    payload += '}';
    return t.log->write(payload);
}

namespace {

/// Whether any text of `v` (STRING, JSON, at any depth) is not UTF-8: such a row could not be
/// read back at the next start, so it is never stored.
bool hasInvalidUtf8(const Value& v) {
    if (v.kind() == ValueKind::String || v.kind() == ValueKind::Json) return !text::isValidUtf8(v.asText());
    for (std::size_t i = 0; i < v.size(); ++i)
        if (hasInvalidUtf8(v[i])) return true;
    return false;
}

bool hasRepeated(const std::vector<Field>& fields) {
    for (const auto& f : fields)
        if (f.isRepeated() || (f.isRecord() && hasRepeated(f.fields))) return true;
    return false;
}

/// A stored repeated field is never NULL (BigQuery keeps an empty array): a NULL array a
/// statement wrote (a column an INSERT left out, SET x = NULL, NULL in a query's result)
/// becomes empty, at any depth of records.
void emptyNullArrays(Value& row, const std::vector<Field>& fields) {
    for (std::size_t i = 0; i < fields.size() && i < row.size(); ++i) {
        const Field& f = fields[i];
        Value& cell = row[i];
        if (f.isRepeated()) {
            if (cell.isNull()) cell = Value::arrayOf(0);
            else if (f.isRecord())
                for (auto& e : cell.items())
                    if (!e.isNull()) emptyNullArrays(e, f.fields);
        } else if (f.isRecord() && !cell.isNull()) {
            emptyNullArrays(cell, f.fields);
        }
    }
}

void emptyNullArrays(std::vector<Value>& rows, const Schema& schema) {
    if (!hasRepeated(schema.fields)) return;
    for (auto& r : rows) emptyNullArrays(r, schema.fields);
}

} // namespace

std::uint64_t Store::appendRows(Table& t, const std::vector<std::pair<std::string, Value>>& rows, std::int64_t when, bool clean,
                                std::string_view mark) {
    for (const auto& [_, v] : rows)
        if (!clean && hasInvalidUtf8(v))
            throw ApiFailure("invalid", "A STRING value to be stored in " + t.project + ":" + t.dataset + "." + t.id +
                                            " is not valid UTF-8; nothing was written.");
    // Binary records (TableFiles.h: a row group's body, no JSON to write or parse), each of at
    // most kLogRecordRows rows; all of a call's records make one statement: all but the last say
    // there is more, so a crash between them leaves none of its rows (replay drops an
    // unfinished group).
    const Schema stored = t.storedSchema(); // an ingestion-time partition's hidden field too
    std::vector<SegmentId> ids;
    std::uint64_t end = 0;
    for (std::size_t i = 0; i < rows.size();) {
        const std::size_t stop = std::min(rows.size(), i + kLogRecordRows);
        RowGroupEncoder enc;
        ids.clear();
        for (; i < stop; ++i) {
            enc.add({&rows[i].second, 1});
            if (!rows[i].first.empty()) {
                const IdKey k = IdKey::of(rows[i].first);
                ids.push_back({when, k.a, k.b});
            }
        }
        end = t.log->write(binaryRowsRecord(enc, stored, when, i < rows.size(), ids, i < rows.size() ? std::string_view() : mark));
    }
    return end;
}

void Store::checkNotDamaged(const std::filesystem::path& dir, const std::string& what) const {
    if (const auto it = damaged_.find(dir.string()); it != damaged_.end())
        throw ApiFailure("duplicate", "Already Exists: " + what + " " + it->second + " (" + dir.string() + ")");
}

void Store::removeSetAside(const Table& t) {
    std::unique_lock lock(mutex_);
    damaged_[tableDir(t.project, t.dataset, t.id).string()] =
        "was set aside after a disk error: " + t.failure +
        ". Restart the sandbox to load it again from what reached the disk (rows of the failed requests may or may not be there)";
    const auto pit = projects_.find(t.project);
    if (pit == projects_.end()) return;
    const auto dit = pit->second.find(t.dataset);
    if (dit == pit->second.end()) return;
    const auto it = dit->second.tables.find(t.id);
    if (it != dit->second.tables.end() && it->second.get() == &t) dit->second.tables.erase(it);
}

std::shared_ptr<Table> Store::putTable(const std::string& p, const std::string& d, const std::string& id,
                                       const Schema& schema, std::vector<Value> rows, bool replace, const Json& extra) {
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    emptyNullArrays(rows, schema);
    {
        std::unique_lock lock(mutex_);
        auto& ds = datasetRef(p, d);
        if (ds.tables.count(id)) {
            if (!replace) throw ApiFailure("duplicate", "Already Exists: Table " + p + ":" + d + "." + id);
            checkNotSnapshot(*ds.tables.at(id));
            lock.unlock();
            return replaceTable(p, d, id, schema, std::move(rows), extra);
        }
    }
    // All or nothing, across a crash too: a marker says the table is being made (load()
    // removes a table that still has it), and a failure removes what was made.
    if (!validTableId(id)) throw ApiFailure("invalid", "Invalid table ID \"" + id + "\".", "tableReference.tableId");
    checkFolderFits("Table", id, "tableReference.tableId");
    const auto marker = tableDir(p, d, id) / kCreatingMarker;
    writeFileAtomic(marker, "");
    std::shared_ptr<Table> t;
    try {
        Json body = extra.is_object() ? extra : Json::object();
        body["tableReference"] = {{"tableId", id}};
        body["schema"] = schema.toJson();
        insertTable(p, d, body);
        t = table(p, d, id);
        std::unique_lock lock(t->mutex);
        const auto now = nowMs();
        fitStoredRows(*t, rows, now);
        std::vector<std::pair<std::string, Value>> tagged;
        tagged.reserve(rows.size());
        for (auto& r : rows) tagged.emplace_back(std::string(), std::move(r));
        t->log->syncTo(appendRows(*t, tagged, now));
        const std::size_t first = t->rows.size();
        for (auto& [_, v] : tagged) t->rows.push_back(std::move(v));
        noteCommit(*t, now);
        sql::noteAppendedBytes(*t, first, t->version + 1);
        ++t->version;
    } catch (...) {
        try {
            if (t) deleteTable(p, d, id);
            else std::filesystem::remove_all(tableDir(p, d, id));
        } catch (...) {
            // The marker stays: the next start removes the table.
        }
        throw;
    }
    if (!platform::removeFile(marker)) throw StorageError("cannot finish creating " + tableDir(p, d, id).string());
    syncFolder(tableDir(p, d, id)); // the marker is gone for good before the statement succeeds
    return t;
}

namespace {

/// Marks `t` out of service if its log failed a sync (caller holds t.mutex); whether it did.
bool setAside(Table& t) {
    t.failure = t.log ? t.log->failure() : std::string();
    if (t.failure.empty()) return false;
    t.dropped = true;
    return true;
}

/// A statement that read a table before it was dropped must not write: the folder may belong
/// to a new table of the same name by now.
void checkNotDropped(const Table& t) {
    if (!t.failure.empty())
        throw StorageError("table " + t.project + ":" + t.dataset + "." + t.id + " was set aside after a disk error (" +
                           t.failure + "); restart the sandbox to load it again");
    if (t.dropped)
        throw ApiFailure("notFound", "Not found: Table " + t.project + ":" + t.dataset + "." + t.id +
                                         " (it was dropped while this statement ran)");
}

} // namespace

std::shared_ptr<Table> Store::replaceTable(const std::string& p, const std::string& d, const std::string& id,
                                           const Schema& schema, std::vector<Value> rows, const Json& extra) {
    namespace fs = std::filesystem;
    const auto dir = tableDir(p, d, id);
    const fs::path staging = dir.string() + kReplacing;
    const fs::path old = dir.string() + kReplaced;
    std::error_code ec;
    fs::remove_all(staging, ec);
    std::shared_ptr<Table> fresh;
    {
        std::shared_lock lock(mutex_);
        Json body = extra.is_object() ? extra : Json::object();
        body["tableReference"] = {{"tableId", id}};
        fresh = newTable(p, datasetRef(p, d), id, body, schema);
    }
    const auto now = nowMs();
    fitStoredRows(*fresh, rows, now);
    std::vector<std::pair<std::string, Value>> tagged;
    tagged.reserve(rows.size());
    for (auto& r : rows) tagged.emplace_back(std::string(), std::move(r));
    try {
        writeFileAtomic(staging / "table.json", fresh->meta.dump());
        fresh->log = std::make_shared<RowLog>(logFile(staging, 0));
        fresh->log->syncTo(appendRows(*fresh, tagged, now));
        fresh->log.reset();
        syncFolder(staging);
    } catch (...) {
        fs::remove_all(staging, ec);
        throw;
    }
    for (auto& [_, v] : tagged) fresh->rows.push_back(std::move(v));
    noteCommit(*fresh, now);
    // The table replaced stays readable as a past version (History.h): its history goes with
    // the name, and its files become the version that ends now. Held so that no checkpoint
    // changes its files meanwhile.
    std::shared_ptr<Table> previous;
    {
        std::shared_lock lock(mutex_);
        const auto& tables = datasetRef(p, d).tables;
        if (const auto it = tables.find(id); it != tables.end()) previous = it->second;
    }
    std::unique_lock<std::mutex> held;
    if (previous) held = std::unique_lock(previous->checkpointMutex);
    const auto window = timeTravelWindowMs(p, d);
    {
        std::unique_lock lock(mutex_);
        auto& ds = datasetRef(p, d);
        const auto it = ds.tables.find(id);
        bool historyMoved = false;
        try {
            if (it != ds.tables.end()) {
                std::unique_lock tl(it->second->mutex);
                // Its segment file closed where an open file would keep the folder from moving
                // (Windows); elsewhere a query that took the table before keeps reading it.
                if (platform::openFilesPinFolders()) it->second->onDisk.reset();
                if (it->second == previous && fs::exists(dir / "history")) {
                    renameDurably(dir / "history", staging / "history");
                    historyMoved = true;
                }
                if (it->second == previous) keepPastVersion(*previous, dir, staging, nowMs(), window);
                renameDurably(dir, old);
                it->second->dropped = true;
            }
            renameDurably(staging, dir);
        } catch (...) {
            if (fs::exists(old) && !fs::exists(dir)) {
                renameDurably(old, dir);
                if (it != ds.tables.end()) it->second->dropped = false;
            }
            if (historyMoved && fs::exists(staging / "history") && !fs::exists(dir / "history"))
                renameDurably(staging / "history", dir / "history");
            fs::remove_all(staging, ec);
            throw;
        }
        fresh->log = std::make_shared<RowLog>(logFile(dir, 0));
        ++fresh->version;
        ds.tables[id] = fresh;
    }
    fs::remove_all(old, ec);
    return fresh;
}

void Store::appendValues(Table& t, std::vector<Value> rows) { appendValuesChecked(t, rows, std::nullopt, false); }

bool Store::appendValuesIfSchema(Table& t, std::vector<Value>& rows, std::uint64_t schemaVersion, bool clean, std::string_view mark) {
    return appendValuesChecked(t, rows, schemaVersion, clean, mark);
}

bool Store::appendValuesChecked(Table& t, std::vector<Value>& rows, std::optional<std::uint64_t> schemaVersion, bool clean,
                                std::string_view mark) {
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    if (rows.empty()) return true;
    std::unique_lock lock(t.mutex);
    checkNotDropped(t);
    checkNotSnapshot(t);
    if (schemaVersion && t.schemaVersion != *schemaVersion) return false;
    if (!clean) emptyNullArrays(rows, t.schema);
    const auto now = nowMs();
    fitStoredRows(t, rows, now);
    std::vector<std::pair<std::string, Value>> tagged;
    tagged.reserve(rows.size());
    for (auto& r : rows) tagged.emplace_back(std::string(), std::move(r));
    try {
        t.log->syncTo(appendRows(t, tagged, now, clean, mark));
    } catch (const StorageError&) {
        if (!setAside(t)) throw;
        lock.unlock();
        removeSetAside(t);
        throw;
    }
    const std::size_t first = t.rows.size();
    for (auto& [_, v] : tagged) t.rows.push_back(std::move(v));
    if (!mark.empty()) noteStreamMark(t, mark);
    noteCommit(t, now);
    sql::noteAppendedBytes(t, first, t.version + 1);
    ++t.version;
    t.meta["lastModifiedTime"] = std::to_string(now);
    return true;
}

void Store::replaceRows(Table& t, std::uint64_t version, std::vector<Value> rows) {
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    const auto window = timeTravelWindowMs(t.project, t.dataset); // before t's locks: catalog first
    std::lock_guard cp(t.checkpointMutex);
    std::unique_lock lock(t.mutex);
    checkNotDropped(t);
    checkNotSnapshot(t);
    if (t.version != version)
        throw ApiFailure("invalidQuery", "Could not serialize access to table " + t.project + ":" + t.dataset + "." + t.id +
                                             " due to concurrent update");
    for (const auto& r : rows)
        if (hasInvalidUtf8(r))
            throw ApiFailure("invalid", "A STRING value to be stored in " + t.project + ":" + t.dataset + "." + t.id +
                                            " is not valid UTF-8; nothing was written.");
    emptyNullArrays(rows, t.schema);
    const auto now = nowMs();
    fitStoredRows(t, rows, now); // rows a MERGE inserted
    const auto dir = tableDir(t.project, t.dataset, t.id);
    keepPastVersion(t, dir, dir, now, window); // the rows so far stay readable as they were (History.h)
    rewriteTableRows(t, dir, rows, o_.dedupWindow.count(), now);
    t.rows = std::move(rows);
    t.commits = {};
    noteCommit(t, now);
    ++t.version;
    t.meta["lastModifiedTime"] = std::to_string(now);
}

namespace {

/// An insertAll request read against a table's schema: rows that became Values (with their
/// insertIds), and the errors of the others.
struct ReadRows {
    std::vector<InsertRowErrors> errors;
    std::vector<std::pair<std::string, Value>> good;
    std::vector<std::uint32_t> index; ///< each good row's position in the request
    std::vector<bool> invalid;
    bool skipInvalid = false;
};

void noteRowIssues(ReadRows& out, std::size_t i, const std::vector<RowIssue>& issues) {
    out.invalid[i] = true;
    InsertRowErrors e;
    e.index = static_cast<int>(i);
    for (const auto& is : issues) {
        Json err = {{"reason", "invalid"}, {"message", is.message}};
        if (!is.location.empty()) err["location"] = is.location;
        e.errors.push_back(std::move(err));
    }
    out.errors.push_back(std::move(e));
}

void checkRowCount(std::size_t n) {
    if (n == 0) throw ApiFailure("invalid", "No rows present in the request.", "rows");
    if (n > 50000)
        throw ApiFailure("invalid", "too many rows present in the request, limit: 50000 row count: " + std::to_string(n) + ".");
}

ReadRows readRows(const Json& request, const Schema& schema) {
    if (!request.is_object()) throw ApiFailure("invalid", "The request body must be a JSON object");
    const auto rowsIt = request.find("rows");
    if (rowsIt == request.end() || !rowsIt->is_array()) checkRowCount(0);
    checkRowCount(rowsIt->size());
    ReadRows out;
    out.skipInvalid = boolField(request, "skipInvalidRows", false);
    JsonRowReader reader(schema, boolField(request, "ignoreUnknownValues", false));
    out.invalid.assign(rowsIt->size(), false);
    for (std::size_t i = 0; i < rowsIt->size(); ++i) {
        const auto& r = (*rowsIt)[i];
        std::vector<RowIssue> issues;
        Value v;
        const Json* j = nullptr;
        if (r.is_object())
            if (const auto it = r.find("json"); it != r.end()) j = &*it;
        if (!j) issues.push_back({"", "Row " + std::to_string(i) + " has no 'json' object."});
        else v = reader.read(*j, issues);
        if (!issues.empty()) {
            noteRowIssues(out, i, issues);
            continue;
        }
        std::string insertId;
        if (const auto it = r.find("insertId"); it != r.end() && it->is_string()) insertId = it->get<std::string>();
        out.good.emplace_back(std::move(insertId), std::move(v));
    }
    return out;
}

/// The same with simdjson (several times faster on big bodies). False if the body does not
/// parse here (invalid JSON, or numbers beyond 64 bits): the caller falls back to nlohmann.
bool readRowsFast(std::string_view body, const Schema& schema, ReadRows& out) {
    namespace dom = simdjson::dom;
    thread_local dom::parser parser;
    dom::element doc;
    if (parser.parse(body.data(), body.size(), true).get(doc)) return false;
    dom::object req;
    if (doc.get(req)) return false; // not an object: the slow path words the error
    dom::array rows;
    if (req["rows"].get(rows)) checkRowCount(0);
    checkRowCount(rows.size());
    bool skip = false, ignore = false;
    if (auto b = req["skipInvalidRows"]; b.is_bool()) skip = b.get_bool().value_unsafe();
    if (auto b = req["ignoreUnknownValues"]; b.is_bool()) ignore = b.get_bool().value_unsafe();
    out.skipInvalid = skip;
    out.invalid.assign(rows.size(), false);
    JsonRowReader reader(schema, ignore);
    std::size_t i = 0;
    for (dom::element r : rows) {
        std::vector<RowIssue> issues;
        Value v;
        dom::element j;
        if (!r.is_object() || r["json"].get(j)) issues.push_back({"", "Row " + std::to_string(i) + " has no 'json' object."});
        else v = reader.readDom(j, issues);
        if (!issues.empty()) {
            noteRowIssues(out, i++, issues);
            continue;
        }
        std::string_view insertId;
        if (auto id = r["insertId"]; id.is_string()) insertId = id.get_string().value_unsafe();
        out.good.emplace_back(std::string(insertId), std::move(v));
        out.index.push_back(static_cast<std::uint32_t>(i));
        ++i;
    }
    return true;
}

} // namespace

std::vector<InsertRowErrors> Store::insertAll(const std::string& p, const std::string& d, const std::string& id,
                                              const Json& request) {
    const auto [name, decorator] = splitDecorator(id);
    auto t = table(p, d, name);
    std::uint64_t schemaVersion = 0;
    ReadRows rows;
    std::optional<std::int64_t> partition;
    {
        std::shared_lock lock(t->mutex);
        if (!decorator.empty()) partition = decoratedPartitionMs(*t, decorator, nowMs());
        schemaVersion = t->schemaVersion;
        rows = readRows(request, t->schema);
    }
    return commitRows(*t, std::move(rows.good), {}, {}, std::move(rows.errors), rows.invalid, rows.skipInvalid,
                      schemaVersion, [&] { return readRows(request, t->schema).good; }, partition);
}

std::vector<InsertRowErrors> Store::insertAllText(const std::string& p, const std::string& d, const std::string& id,
                                                  std::string_view body) {
    const auto [name, decorator] = splitDecorator(id);
    auto t = table(p, d, name);
    std::uint64_t schemaVersion = 0;
    ReadRows rows;
    bool fast = false;
    std::optional<std::int64_t> partition;
    {
        // Rows are read under a shared lock: requests for one table are parsed in parallel and
        // only the write below is exclusive.
        std::shared_lock lock(t->mutex);
        if (!decorator.empty()) partition = decoratedPartitionMs(*t, decorator, nowMs());
        schemaVersion = t->schemaVersion;
        fast = readRowsFast(body, t->schema, rows);
    }
    if (!fast) {
        const Json j = parseJsonOrDiscard(body);
        if (j.is_discarded()) throw ApiFailure("invalid", "Invalid JSON payload received. The request body is not valid JSON.");
        return insertAll(p, d, id, j);
    }
    return commitRows(*t, std::move(rows.good), body, std::move(rows.index), std::move(rows.errors), rows.invalid,
                      rows.skipInvalid, schemaVersion, [&] {
                          ReadRows again;
                          readRowsFast(body, t->schema, again);
                          return std::move(again.good);
                      }, partition);
}

std::vector<InsertRowErrors> Store::commitRows(Table& t, std::vector<std::pair<std::string, Value>> good,
                                               std::string_view body, std::vector<std::uint32_t> index,
                                               std::vector<InsertRowErrors> errors, const std::vector<bool>& invalid,
                                               bool skipInvalid, std::uint64_t schemaVersion,
                                               const std::function<std::vector<std::pair<std::string, Value>>()>& reread,
                                               std::optional<std::int64_t> partitionMs) {
    if (!errors.empty() && !skipInvalid) {
        for (std::size_t i = 0; i < invalid.size(); ++i)
            if (!invalid[i]) errors.push_back({static_cast<int>(i), {Json{{"reason", "stopped"}, {"message", ""}}}});
        return errors; // nothing written
    }
    std::unique_lock lock(t.mutex);
    checkNotDropped(t);
    checkNotSnapshot(t);
    // The schema changed (tables.patch) between reading and writing: lay the rows out again.
    if (t.schemaVersion != schemaVersion) {
        good = reread();
        body = {}; // log the Values themselves
    }
    const bool logBody = !body.empty() && index.size() == good.size();
    // De-duplicate by insertId within the window (also within this request).
    const auto now = nowMs();
    const auto window = o_.dedupWindow.count();
    // Expire from the oldest end only: each id is looked at once, not on every request.
    while (!t.insertIdOrder.empty() && now - t.insertIdOrder.front().first > window) {
        t.insertIds.erase(t.insertIdOrder.front().second);
        t.insertIdOrder.pop_front();
    }
    std::vector<std::pair<std::string, Value>> fresh;
    std::vector<bool> stored(invalid.size(), false);
    fresh.reserve(good.size());
    for (std::size_t k = 0; k < good.size(); ++k) {
        auto& g = good[k];
        if (!g.first.empty()) {
            const IdKey key = IdKey::of(g.first);
            if (!t.insertIds.insert(key).second) continue;
            t.insertIdOrder.emplace_back(now, key);
        }
        fresh.push_back(std::move(g));
        if (logBody) stored[index[k]] = true;
    }
    if (fresh.empty()) return errors;
    for (auto& f : fresh) fitStoredRow(t, f.second, partitionMs.value_or(now));
    std::uint64_t end = 0;
    try {
        end = logBody ? appendRequest(t, body, stored, now, partitionMs) : appendRows(t, fresh, now);
    } catch (...) {
        for (auto f = fresh.rbegin(); f != fresh.rend(); ++f) // newest first: the deque's tail
            if (!f->first.empty()) {
                t.insertIdOrder.pop_back();
                t.insertIds.erase(IdKey::of(f->first));
            }
        throw;
    }
    const std::size_t first = t.rows.size();
    for (auto& f : fresh) t.rows.push_back(std::move(f.second));
    noteCommit(t, now);
    sql::noteAppendedBytes(t, first, t.version + 1);
    ++t.version;
    t.meta["lastModifiedTime"] = std::to_string(now);
    const auto log = t.log; // a checkpoint may start the next log meanwhile; this one holds the rows
    lock.unlock();
    // Group commit: the answer waits until the rows are on disk, but the table is not held
    // meanwhile, so requests in flight share one fdatasync. (Rows are readable a moment
    // before they are durable; a crash in that moment loses rows nobody was told were saved.)
    // A failed sync sets the table aside: its rows and insertIds in memory are no longer
    // what the disk holds, and a retry must not be told its rows are already in.
    try {
        log->syncTo(end);
    } catch (const StorageError&) {
        {
            std::unique_lock relock(t.mutex);
            if (!setAside(t)) throw;
        }
        removeSetAside(t);
        throw;
    }
    return errors;
}


} // namespace quarry::sandbox
