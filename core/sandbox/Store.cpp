// SPDX-License-Identifier: MIT
#include "sandbox/JsonFields.h"
#include "sandbox/Store.h"
#include "sandbox/Partitioning.h"
#include "sandbox/History.h"
#include "sandbox/Snapshots.h"
#include "sandbox/TableFiles.h"
#include "sandbox/Segment.h"
#include "sandbox/SegmentFile.h"
#include "platform/System.h"

#include "crypto/Keys.h"

#include "sandbox/sql/Bytes.h"
#include "sandbox/sql/MemoryBudget.h"
#include "value/InsertRowWriter.h"
#include "value/Text.h"
#include "value/JsonParse.h"
#include "value/JsonRowReader.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <simdjson.h>

namespace quarry::sandbox {

IdKey IdKey::of(std::string_view id) {
    // Two independent 64-bit hashes: FNV-1a, and a multiply-xorshift over 8-byte words; each
    // finished with splitmix64's mixer.
    auto mix = [](std::uint64_t z) {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    std::uint64_t a = 0xcbf29ce484222325ULL;
    for (unsigned char c : id) a = (a ^ c) * 0x100000001b3ULL;
    std::uint64_t b = 0x9e3779b97f4a7c15ULL ^ id.size();
    std::size_t i = 0;
    for (; i + 8 <= id.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, id.data() + i, 8);
        b = mix(b ^ w) + 0x9e3779b97f4a7c15ULL;
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, id.data() + i, id.size() - i);
    return {mix(a), mix(b ^ tail)};
}
namespace {

bool validDatasetId(const std::string& s) {
    return !s.empty() && s.size() <= 1024 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool validTableId(const std::string& s) {
    // Letters, marks, numbers, connectors, dashes and spaces; non-ASCII UTF-8 is let through.
    return !s.empty() && s.size() <= 1024 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return c >= 0x80 || std::isalnum(c) || c == '_' || c == '-' || c == ' ';
    });
}

/// Present in a table folder while CREATE TABLE ... AS SELECT writes it.
constexpr const char* kCreatingMarker = "CREATING";
// CREATE OR REPLACE writes the new table at <folder>.replacing, moves the old one to
// <folder>.replaced, the new one into place, then removes the old. Table folders never hold
// a '.' (folderName encodes it), so these names cannot be tables; load() finishes or undoes
// a replacement a crash interrupted.
constexpr const char* kReplacing = ".replacing";
constexpr const char* kReplaced = ".replaced";
/// A dropped table's folder, moved aside until its versions are kept and it is removed.
constexpr const char* kDropping = ".dropping";

std::string str(const Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Rewrites a row laid out as `from` into the layout `to`, matching fields by name.
Value relayout(const Value& v, const std::vector<Field>& from, const std::vector<Field>& to);

Value relayoutCell(const Value& v, const Field* from, const Field& to) {
    if (!from) return to.isRepeated() ? Value::arrayOf(0) : Value();
    if (!to.isRecord()) return v;
    if (to.isRepeated()) {
        Value out = Value::arrayOf(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) out[i] = relayout(v[i], from->fields, to.fields);
        return out;
    }
    return v.isNull() ? Value() : relayout(v, from->fields, to.fields);
}

Value relayout(const Value& v, const std::vector<Field>& from, const std::vector<Field>& to) {
    Value out = Value::structOf(to.size());
    for (std::size_t i = 0; i < to.size(); ++i) {
        for (std::size_t k = 0; k < from.size(); ++k)
            if (from[k].name == to[i].name) {
                out[i] = relayoutCell(k < v.size() ? v[k] : Value(), &from[k], to[i]);
                goto next;
            }
        out[i] = relayoutCell(Value(), nullptr, to[i]);
    next:;
    }
    return out;
}

// A patch may add fields and relax REQUIRED to NULLABLE; nothing else.
void checkSchemaChange(const std::vector<Field>& oldF, const std::vector<Field>& newF, const std::string& prefix) {
    for (const auto& o : oldF) {
        const auto it = std::find_if(newF.begin(), newF.end(), [&](const Field& n) { return n.name == o.name; });
        const std::string path = prefix + o.name;
        if (it == newF.end())
            throw ApiFailure("invalid", "Provided Schema does not match Table. Field " + path + " is missing in new schema");
        if (it->type != o.type)
            throw ApiFailure("invalid", "Provided Schema does not match Table. Field " + path + " has changed type from " +
                                            std::string(legacyTypeName(o.type)) + " to " +
                                            std::string(legacyTypeName(it->type)));
        if (it->mode != o.mode && !(o.mode == Mode::Required && it->mode == Mode::Nullable))
            throw ApiFailure("invalid", "Provided Schema does not match Table. Field " + path + " has changed mode from " +
                                            std::string(modeName(o.mode)) + " to " + std::string(modeName(it->mode)));
        if (o.isRecord()) checkSchemaChange(o.fields, it->fields, path + ".");
    }
    for (const auto& n : newF) {
        const bool existed = std::any_of(oldF.begin(), oldF.end(), [&](const Field& o) { return o.name == n.name; });
        if (!existed && n.mode == Mode::Required)
            throw ApiFailure("invalid", "Provided Schema does not match Table. Cannot add required field " + prefix + n.name);
    }
}

/// Labels in a patch merge key by key: a value sets the label, null removes it (bq update
/// --set_label / --clear_label); null for the whole object removes them all.
void patchLabels(Json& meta, const Json& patch) {
    const auto it = patch.find("labels");
    if (it == patch.end()) return;
    if (it->is_null()) {
        meta.erase("labels");
        return;
    }
    if (!it->is_object()) throw ApiFailure("invalid", "labels must be an object of strings", "labels");
    Json labels = meta.contains("labels") && meta["labels"].is_object() ? meta["labels"] : Json::object();
    for (const auto& [k, v] : it->items()) {
        if (v.is_null()) labels.erase(k);
        else if (v.is_string()) labels[k] = v;
        else throw ApiFailure("invalid", "The value of label " + k + " must be a string", "labels");
    }
    if (labels.empty()) meta.erase("labels");
    else meta["labels"] = labels;
}

Schema schemaFrom(const Json& body) {
    try {
        auto s = Schema::fromJson(objectField(body, "schema"));
        checkNoReservedNames(s.fields);
        return s;
    } catch (const SchemaError& e) {
        throw ApiFailure("invalid", e.what(), "schema");
    }
}

} // namespace

Value relayoutRow(const Value& row, const std::vector<Field>& from, const std::vector<Field>& to) {
    return relayout(row, from, to);
}

/// The sandbox keeps each dataset and table in a folder named after its id: longer ids than a
/// folder name can hold (255 bytes, percent-encoded) are refused instead of failing on disk.

void checkFolderFits(const std::string& kind, const std::string& id, const char* location) {
    if (folderName(id).size() > 255)
        throw ApiFailure("invalid", kind + " IDs longer than 255 bytes (once percent-encoded) are not supported by the sandbox, "
                                           "which keeps each in a folder of that name: use a shorter ID",
                         location);
}

std::string etagOf(const Json& j) {
    const auto h = std::hash<std::string>{}(j.dump());
    static constexpr char hex[] = "0123456789abcdef";
    std::string s = "\"";
    for (int i = 0; i < 16; ++i) s.push_back(hex[(h >> (i * 4)) & 15]);
    return s + "\"";
}

std::string folderName(const std::string& id) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : id) {
        if (std::isalnum(c) || c == '_' || c == '-') out.push_back(static_cast<char>(c));
        else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string idFromFolder(const std::string& f) {
    std::string out;
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == '%' && i + 2 < f.size()) {
            out.push_back(static_cast<char>(std::stoi(f.substr(i + 1, 2), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(f[i]);
        }
    }
    return out;
}

std::int64_t Store::nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Store::Store(Options o) : o_(std::move(o)) {
    if (o_.testGroupRows == 0)
        if (const char* rows = std::getenv("QUARRY_SANDBOX_TEST_GROUP_ROWS"); rows && *rows)
            o_.testGroupRows = static_cast<std::size_t>(std::strtoull(rows, nullptr, 10));
    std::filesystem::create_directories(o_.root);
    const auto lockFile = o_.root / "LOCK";
    bool busy = false;
    lock_ = platform::FolderLock::tryLock(lockFile, busy);
    if (!lock_ && !busy) throw StorageError("cannot open " + lockFile.string() + ": " + platform::lastErrorText());
    if (!lock_)
        throw StorageError("the data folder " + o_.root.string() +
                           " is in use by another sandbox (quarry-sandbox or the Quarry app); stop it or pick another folder with --data");
    const auto idFile = o_.root / "data-id";
    if (std::filesystem::exists(idFile)) dataId_ = readWholeFile(idFile);
    if (dataId_.size() != 32 || !std::all_of(dataId_.begin(), dataId_.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
        dataId_ = text::hexEncode(crypto::randomBytes(16));
        writeFileAtomic(idFile, dataId_);
    }
}

Store::~Store() {
    if (checkpointer_.joinable()) {
        checkpointer_.request_stop();
        checkpointer_.join(); // before the lock goes: no checkpoint may outlive it
    }
    lock_.reset(); // after the checkpointer: no checkpoint may outlive the lock
}

bool Store::checkpoint(const std::string& p, const std::string& d, const std::string& id) {
    const auto t = table(p, d, id);
    if (t->isView()) return false;
    return checkpointTable(*t, tableDir(p, d, id), o_.dedupWindow.count(), nowMs());
}

namespace {

/// The memory a table's rows take, estimated from up to 1,024 rows spread over them.
std::uint64_t estimateRowBytes(const Table& t) {
    const std::size_t n = t.rows.size();
    if (n == 0) return 0;
    const std::size_t step = std::max<std::size_t>(1, n / 1024);
    std::uint64_t sampled = 0, count = 0;
    for (std::size_t i = 0; i < n; i += step, ++count) sampled += sizeof(Value) + t.rows[i].heapBytes();
    return sampled * n / count;
}

} // namespace

std::size_t Store::releaseMemory() {
    // Blocks kept for decoding row groups serve the groups of one scan, not an idle sandbox.
    ScratchBuffer::releaseAll();
    if (o_.tableMemory == 0) return 0;
    struct Loaded {
        std::shared_ptr<Table> t;
        std::uint64_t bytes;
        std::int64_t used;
    };
    std::vector<Loaded> loaded;
    std::uint64_t total = 0;
    {
        std::shared_lock lock(mutex_);
        for (const auto& project : projects_)
            for (const auto& dataset : project.second)
                for (const auto& [id, t] : dataset.second.tables) {
                    if (t->isView() || !t->rowsLoaded.load(std::memory_order_acquire)) continue;
                    std::shared_lock tl(t->mutex);
                    const auto bytes = estimateRowBytes(*t);
                    total += bytes;
                    loaded.push_back({t, bytes, t->lastUsedMs.load(std::memory_order_relaxed)});
                }
    }
    if (total <= o_.tableMemory) return 0;
    std::sort(loaded.begin(), loaded.end(), [](const Loaded& a, const Loaded& b) { return a.used < b.used; });
    std::size_t released = 0;
    for (auto& l : loaded) {
        if (total <= o_.tableMemory) break;
        std::vector<Value> gone; // freed after the locks are let go
        {
            // With mutex_ held nobody can take the table from the catalog; if only the catalog
            // and `l` hold it, nobody is using it.
            std::unique_lock lock(mutex_);
            std::unique_lock cp(l.t->checkpointMutex, std::try_to_lock);
            if (!cp.owns_lock() || l.t.use_count() != 2) continue;
            std::unique_lock tl(l.t->mutex);
            Table& t = *l.t;
            // Only rows that are all in row groups: the log must be empty.
            if (t.dropped || !t.log || t.log->size() != 0 || t.checkpointedRows != t.rows.size()) continue;
            gone = std::move(t.rows);
            t.rows = {};
            t.insertIds.clear(); // read again from the last row group, which has the window's
            t.insertIdOrder.clear();
            t.commits = {};
            t.log.reset();
            t.segments.reset();
            t.checkpointedRows = 0;
            t.logGen = 0;
            t.rowsLoaded.store(false, std::memory_order_release);
        }
        total -= l.bytes;
        ++released;
        std::cerr << "quarry-sandbox: let go of the rows of " << l.t->project << ":" << l.t->dataset << "." << l.t->id
                  << " (about " << (l.bytes >> 20) << " MB) to stay within --table-memory; they are read again when next used"
                  << std::endl;
    }
    loaded.clear();
    if (released) platform::releaseFreedMemory(); // hand the freed pages back to the system
    return released;
}

void Store::checkpointLoop(std::stop_token stop) {
    // Background work: on a busy machine, inserts and queries come first (a nice value for
    // this thread alone; Linux schedules threads as tasks).
    platform::lowerThreadPriority();
    while (!stop.stop_requested()) {
        {
            std::unique_lock wake(checkpointWake_);
            checkpointCv_.wait_for(wake, stop, std::min<std::chrono::milliseconds>(std::chrono::seconds(1), o_.checkpointIdle),
                                   [] { return false; });
        }
        if (stop.stop_requested()) return;
        expirePartitions(stop);
        expireTables(stop);
        const auto now = std::chrono::steady_clock::now();
        std::vector<std::shared_ptr<Table>> due;
        {
            std::shared_lock lock(mutex_);
            std::map<const Table*, std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> seen;
            for (const auto& project : projects_)
                for (const auto& dataset : project.second)
                    for (const auto& [id, t] : dataset.second.tables) {
                        if (t->isView() || !t->rowsLoaded.load(std::memory_order_acquire)) continue;
                        std::shared_lock tl(t->mutex);
                        const std::uint64_t logBytes = t->log ? t->log->size() : 0;
                        auto last = lastSeen_.find(t.get());
                        auto mark = last != lastSeen_.end() && last->second.first == t->version
                                        ? last->second
                                        : std::make_pair(t->version, now);
                        seen[t.get()] = mark;
                        // Rows not yet in row groups with an empty log: a checkpoint that failed
                        // after it had sent new rows to the next log. Tried again once idle.
                        const bool unfolded = logBytes > 0 || t->rows.size() != t->checkpointedRows;
                        if (logBytes >= o_.checkpointBytes || (unfolded && now - mark.second >= o_.checkpointIdle))
                            due.push_back(t);
                    }
            lastSeen_ = std::move(seen);
        }
        for (const auto& t : due) {
            if (stop.stop_requested()) return;
            try {
                checkpointTable(*t, tableDir(t->project, t->dataset, t->id), o_.dedupWindow.count(), nowMs());
            } catch (const std::exception& e) {
                std::cerr << "quarry-sandbox: checkpoint of " << t->project << ":" << t->dataset << "." << t->id
                          << " failed (its log keeps the rows): " << e.what() << std::endl;
            }
        }
        due.clear(); // our references would keep those tables in memory
        releaseMemory();
    }
}

std::filesystem::path Store::datasetDir(const std::string& p, const std::string& d) const {
    return o_.root / folderName(p) / folderName(d);
}

std::filesystem::path Store::tableDir(const std::string& p, const std::string& d, const std::string& t) const {
    return datasetDir(p, d) / folderName(t);
}

std::vector<std::string> Store::load() {
    std::unique_lock lock(mutex_);
    std::vector<std::string> notes;
    namespace fs = std::filesystem;
    // One damaged table (or dataset, or a stray folder) must not keep the others from loading:
    // it is left on disk as it is, reported, and its name stays taken (damaged_) so that
    // nothing is created over it.
    auto damaged = [&](const fs::path& where, const std::string& why) {
        damaged_[where.string()] = "is damaged on disk (it could not be loaded at start); move that folder away to use the name again";
        notes.push_back("DAMAGED: " + where.string() + " could not be loaded (" + why +
                        "); it is left as it is and out of service. Move it away to use its name again.");
    };
    for (const auto& pe : fs::directory_iterator(o_.root)) {
        // Dot folders are the sandbox's own (.uploads: upload sessions), not projects.
        if (!pe.is_directory() || pe.path().filename().string().starts_with(".")) continue;
        std::string project;
        try {
            project = idFromFolder(pe.path().filename().string());
        } catch (const std::exception&) {
            notes.push_back("skipped " + pe.path().string() + ": not a folder the sandbox made");
            continue;
        }
        for (const auto& de : fs::directory_iterator(pe.path())) {
            const auto metaFile = de.path() / "dataset.json";
            if (!de.is_directory() || !fs::exists(metaFile)) continue;
            Dataset ds;
            ds.project = project;
            try {
                ds.id = idFromFolder(de.path().filename().string());
                if (ds.id.starts_with("_script_")) { // a script's temporary tables, left by a crash
                    fs::remove_all(de.path());
                    notes.push_back("removed " + de.path().string() + ": temporary tables of a script that never finished");
                    continue;
                }
                ds.meta = Json::parse(readWholeFile(metaFile));
            } catch (const std::exception& e) {
                damaged(de.path(), e.what());
                continue;
            }
            recoverReplacements(de.path(), notes);
            loadRoutines(ds, de.path() / "routines", notes);
            for (const auto& te : fs::directory_iterator(de.path())) {
                const auto tmeta = te.path() / "table.json";
                if (te.is_directory() && fs::exists(te.path() / kCreatingMarker)) {
                    // A CREATE TABLE ... AS SELECT that a crash stopped: never acknowledged.
                    fs::remove_all(te.path());
                    notes.push_back("removed " + te.path().string() + ": a CREATE TABLE AS SELECT that never finished");
                    continue;
                }
                if (!te.is_directory() || !fs::exists(tmeta)) continue;
                try {
                auto t = std::make_shared<Table>();
                t->project = project;
                t->dataset = ds.id;
                t->id = idFromFolder(te.path().filename().string());
                t->meta = Json::parse(readWholeFile(tmeta));
                t->schema = Schema::fromJson(objectField(t->meta, "schema"));
                applyPartitioning(*t, false);
                t->rowsLoaded = false; // read at first use (loadRows)
                ds.tables[t->id] = t;
                } catch (const std::exception& e) {
                    damaged(te.path(), e.what());
                }
            }
            projects_[project][ds.id] = std::move(ds);
        }
    }
    if (o_.checkpointBytes > 0 && !checkpointer_.joinable())
        checkpointer_ = std::jthread([this](std::stop_token stop) { checkpointLoop(stop); });
    return notes;
}

void Store::recoverReplacements(const std::filesystem::path& datasetDir, std::vector<std::string>& notes) {
    namespace fs = std::filesystem;
    std::vector<fs::path> replaced, replacing;
    for (const auto& e : fs::directory_iterator(datasetDir)) {
        const std::string name = e.path().filename().string();
        if (name.ends_with(kReplaced)) replaced.push_back(e.path());
        else if (name.ends_with(kReplacing)) replacing.push_back(e.path());
        else if (name.ends_with(kDropping)) { // a DROP cut short after it committed
            fs::remove_all(e.path());
            notes.push_back("removed " + e.path().string() + ": the files of a dropped table");
        }
    }
    for (const auto& old : replaced) {
        const fs::path table = old.string().substr(0, old.string().size() - std::strlen(kReplaced));
        if (fs::exists(table)) {
            fs::remove_all(old); // the new table is in place: the old one's removal was cut short
        } else {
            renameDurably(old, table); // cut short before the new one moved in: the old one stays
            notes.push_back("kept " + table.string() + ": a CREATE OR REPLACE TABLE that never finished");
        }
    }
    for (const auto& fresh : replacing) {
        // Its past versions came from the table it was to replace (History.h): they go back.
        const fs::path table = fresh.string().substr(0, fresh.string().size() - std::strlen(kReplacing));
        if (fs::exists(fresh / "history") && fs::exists(table) && !fs::exists(table / "history"))
            renameDurably(fresh / "history", table / "history");
        fs::remove_all(fresh);
        notes.push_back("removed " + fresh.string() + ": a CREATE OR REPLACE TABLE that never finished");
    }
}

Dataset& Store::datasetRef(const std::string& p, const std::string& d) {
    auto pit = projects_.find(p);
    if (pit != projects_.end()) {
        auto it = pit->second.find(d);
        if (it != pit->second.end()) return it->second;
    }
    throw ApiFailure("notFound", "Not found: Dataset " + p + ":" + d);
}

const Dataset& Store::datasetRef(const std::string& p, const std::string& d) const {
    return const_cast<Store*>(this)->datasetRef(p, d);
}

namespace {

/// A dataset's maxTimeTravelHours as BigQuery allows it (History.h): 48 to 168, in whole
/// days; stored as the string the API returns.
std::string timeTravelHours(const Json& v) {
    std::int64_t h = -1;
    if (v.is_number_integer()) h = v.get<std::int64_t>();
    if (v.is_string()) {
        const auto& text = v.get_ref<const std::string&>();
        if (!text.empty() && text.size() < 6 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
            h = std::stoll(text);
    }
    if (h < 48 || h > 168 || h % 24 != 0)
        throw ApiFailure("invalid", "Invalid maxTimeTravelHours " + v.dump() + ": the time travel window is 48 to 168 hours (2 to 7 days), in whole days",
                         "maxTimeTravelHours");
    return std::to_string(h);
}

} // namespace

Json Store::insertDataset(const std::string& project, const Json& body) {
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    if (!body.is_object()) throw ApiFailure("invalid", "Dataset resource must be a JSON object");
    const std::string hours = body.contains("maxTimeTravelHours") && !body["maxTimeTravelHours"].is_null()
                                  ? timeTravelHours(body["maxTimeTravelHours"])
                                  : "168";
    const auto ref = objectField(body, "datasetReference");
    const std::string id = str(ref, "datasetId");
    if (!validDatasetId(id))
        throw ApiFailure("invalid", "Invalid dataset ID \"" + id +
                                        "\". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.",
                         "datasetReference.datasetId");
    checkFolderFits("Project", project, "datasetReference.projectId");
    checkFolderFits("Dataset", id, "datasetReference.datasetId");
    std::unique_lock lock(mutex_);
    auto& datasets = projects_[project];
    if (datasets.count(id)) throw ApiFailure("duplicate", "Already Exists: Dataset " + project + ":" + id);
    checkNotDamaged(datasetDir(project, id), "Dataset " + project + ":" + id);
    Dataset ds;
    ds.project = project;
    ds.id = id;
    ds.meta = body;
    ds.meta["maxTimeTravelHours"] = hours;
    const auto now = std::to_string(nowMs());
    ds.meta["kind"] = "bigquery#dataset";
    ds.meta["id"] = project + ":" + id;
    ds.meta["datasetReference"] = {{"projectId", project}, {"datasetId", id}};
    if (!ds.meta.contains("location") || !ds.meta["location"].is_string()) ds.meta["location"] = "US";
    ds.meta["creationTime"] = now;
    ds.meta["lastModifiedTime"] = now;
    ds.meta.erase("etag");
    ds.meta["etag"] = etagOf(ds.meta);
    writeFileAtomic(datasetDir(project, id) / "dataset.json", ds.meta.dump());
    auto meta = ds.meta;
    datasets[id] = std::move(ds);
    return meta;
}

Json Store::getDataset(const std::string& p, const std::string& d) const {
    std::shared_lock lock(mutex_);
    return datasetRef(p, d).meta;
}

std::vector<Json> Store::listDatasets(const std::string& p, bool hidden) const {
    std::shared_lock lock(mutex_);
    std::vector<Json> out;
    const auto it = projects_.find(p);
    if (it == projects_.end()) return out;
    for (const auto& [id, ds] : it->second) {
        if (!hidden && id.starts_with("_")) continue;
        Json e = {{"kind", "bigquery#dataset"}, {"id", ds.meta["id"]}, {"datasetReference", ds.meta["datasetReference"]},
                  {"location", ds.meta["location"]}};
        for (const char* k : {"friendlyName", "labels"})
            if (ds.meta.contains(k)) e[k] = ds.meta[k];
        out.push_back(std::move(e));
    }
    return out;
}

Json Store::patchDataset(const std::string& p, const std::string& d, const Json& patch) {
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    if (patch.contains("maxTimeTravelHours"))
        ds.meta["maxTimeTravelHours"] = patch["maxTimeTravelHours"].is_null() ? "168" : timeTravelHours(patch["maxTimeTravelHours"]);
    for (const char* k : {"friendlyName", "description", "defaultTableExpirationMs", "access"})
        if (patch.contains(k)) {
            if (patch[k].is_null()) ds.meta.erase(k);
            else ds.meta[k] = patch[k];
        }
    patchLabels(ds.meta, patch);
    ds.meta["lastModifiedTime"] = std::to_string(nowMs());
    ds.meta.erase("etag");
    ds.meta["etag"] = etagOf(ds.meta);
    writeFileAtomic(datasetDir(p, d) / "dataset.json", ds.meta.dump());
    return ds.meta;
}

void Store::deleteDataset(const std::string& p, const std::string& d, bool deleteContents) {
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    if ((!ds.tables.empty() || !ds.routines.empty()) && !deleteContents)
        throw ApiFailure("resourceInUse", "Dataset " + p + ":" + d +
                                              " is still in use. Delete its tables first or use deleteContents=true.");
    for (const auto& [_, t] : ds.tables) {
        std::unique_lock tl(t->mutex);
        t->dropped = true;
        if (platform::openFilesPinFolders()) t->onDisk.reset(); // its segment file closed before its folder goes
    }
    std::filesystem::remove(datasetDir(p, d) / "dataset.json"); // the catalog entry goes first
    std::error_code ec;
    std::filesystem::remove_all(datasetDir(p, d), ec);
    projects_[p].erase(d);
}

std::string Store::datasetLocation(const std::string& p, const std::string& d) const {
    std::shared_lock lock(mutex_);
    return datasetRef(p, d).meta.value("location", std::string("US"));
}

Json Store::tableResource(const Table& t) const {
    Json r = t.meta;
    std::uint64_t bytes = 0;
    for (const auto b : sql::columnBytes(t)) bytes += b;
    const auto* groups = t.groupsToRead();
    r["numRows"] = std::to_string(groups ? groups->rowCount() : t.rows.size());
    r["numBytes"] = std::to_string(bytes);
    r["numLongTermBytes"] = "0";
    r["etag"] = etagOf(r);
    return r;
}

void Store::saveTable(const Table& t) {
    writeFileAtomic(tableDir(t.project, t.dataset, t.id) / "table.json", t.meta.dump());
}

std::shared_ptr<Table> Store::newTable(const std::string& p, const Dataset& ds, const std::string& id, const Json& body,
                                       const Schema& schema) {
    auto t = std::make_shared<Table>();
    t->project = p;
    t->dataset = ds.id;
    t->id = id;
    t->schema = schema;
    t->meta = body;
    const auto now = std::to_string(nowMs());
    t->meta["kind"] = "bigquery#table";
    t->meta["id"] = p + ":" + ds.id + "." + id;
    t->meta["tableReference"] = {{"projectId", p}, {"datasetId", ds.id}, {"tableId", id}};
    t->meta["schema"] = schema.toJson();
    // SNAPSHOT: a table snapshot (Snapshots.h), made only with its snapshotDefinition.
    t->meta["type"] = body.contains("view")                                                     ? "VIEW"
                      : body.value("type", std::string()) == "SNAPSHOT" && body.contains("snapshotDefinition") ? "SNAPSHOT"
                                                                                                : "TABLE";
    t->meta["creationTime"] = now;
    t->meta["lastModifiedTime"] = now;
    t->meta["location"] = ds.meta.value("location", std::string("US"));
    t->meta.erase("etag");
    if (t->meta["type"] != "VIEW") applyPartitioning(*t, true);
    return t;
}

Json Store::insertTable(const std::string& p, const std::string& d, const Json& body) {
    if (!body.is_object()) throw ApiFailure("invalid", "Table resource must be a JSON object");
    const auto ref = objectField(body, "tableReference");
    const std::string id = str(ref, "tableId");
    if (!validTableId(id)) throw ApiFailure("invalid", "Invalid table ID \"" + id + "\".", "tableReference.tableId");
    checkFolderFits("Table", id, "tableReference.tableId");
    const Schema schema = schemaFrom(body);
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    if (ds.tables.count(id)) throw ApiFailure("duplicate", "Already Exists: Table " + p + ":" + d + "." + id);
    checkNotDamaged(tableDir(p, d, id), "Table " + p + ":" + d + "." + id);
    auto t = newTable(p, ds, id, body, schema);
    t->log = std::make_shared<RowLog>(logFile(tableDir(p, d, id), 0));
    saveTable(*t);
    ds.tables[id] = t;
    return tableResource(*t);
}

std::shared_ptr<Table> Store::table(const std::string& p, const std::string& d, const std::string& id) const {
    std::shared_lock lock(mutex_);
    auto found = findTable(p, d, id);
    lock.unlock();
    found->lastUsedMs.store(nowMs(), std::memory_order_relaxed);
    if (!found->rowsLoaded.load(std::memory_order_acquire)) loadRows(found);
    return found;
}

std::shared_ptr<Table> Store::tableToRead(const std::string& p, const std::string& d, const std::string& id) const {
    std::shared_lock lock(mutex_);
    auto found = findTable(p, d, id);
    lock.unlock();
    found->lastUsedMs.store(nowMs(), std::memory_order_relaxed);
    // Partitioned and clustered tables are read whole: what they bill is counted from their rows.
    auto plain = [&] {
        std::shared_lock tl(found->mutex);
        return !found->partitioning && found->clusterColumns.empty() && !found->dropped;
    };
    if (!found->rowsLoaded.load(std::memory_order_acquire) && !found->isView() && plain()) {
        std::lock_guard once(found->loadMutex); // loadRows sets onDisk aside under it
        if (found->rowsLoaded.load(std::memory_order_acquire)) return found;
        {
            std::shared_lock tl(found->mutex);
            if (found->groupsToRead()) return found;
        }
        const auto dir = tableDir(p, d, id);
        if (SegmentFile::fileBytes(dir) > 0) { // how large it would be in memory is read from its groups' heads
            std::string why;
            std::shared_ptr<SegmentFile> groups;
            try {
                const sql::MemoryBudgetPause pause; // the table's index, not the query's memory
                std::shared_lock tl(found->mutex);
                groups = SegmentFile::open(dir, found->storedSchema(), found->version, why);
            } catch (const std::exception& e) {
                why = e.what(); // loadRows below finds the damage again and sets the table aside
            }
            if (groups && groups->valueBytes() > o_.scanInPlaceBytes) {
                std::unique_lock tl(found->mutex);
                found->onDisk = std::move(groups);
                return found;
            }
        }
    }
    if (!found->rowsLoaded.load(std::memory_order_acquire)) loadRows(found);
    if (o_.testGroupRows > 0 && !found->isView()) {
        std::unique_lock tl(found->mutex);
        const sql::MemoryBudgetPause pause;
        if (!found->partitioning && found->clusterColumns.empty() && !found->groupsToRead())
            found->onDisk = std::make_shared<GroupsInMemory>(found->rows, found->storedSchema(), found->version, o_.testGroupRows);
    }
    return found;
}

std::shared_ptr<Table> Store::findTable(const std::string& p, const std::string& d, const std::string& id) const {
    const auto pit = projects_.find(p);
    if (pit != projects_.end()) {
        const auto dit = pit->second.find(d);
        if (dit == pit->second.end()) throw ApiFailure("notFound", "Not found: Dataset " + p + ":" + d);
        const auto it = dit->second.tables.find(id);
        if (it != dit->second.tables.end()) return it->second;
    } else {
        throw ApiFailure("notFound", "Not found: Dataset " + p + ":" + d);
    }
    if (const auto it = damaged_.find(tableDir(p, d, id).string()); it != damaged_.end())
        throw ApiFailure("notFound", "Not found: Table " + p + ":" + d + "." + id + " " + it->second);
    throw ApiFailure("notFound", "Not found: Table " + p + ":" + d + "." + id);
}

void Store::loadRows(const std::shared_ptr<Table>& t) const {
    std::lock_guard once(t->loadMutex);
    if (t->rowsLoaded.load(std::memory_order_acquire)) return;
    const auto dir = tableDir(t->project, t->dataset, t->id);
    if (t->dropped) // another caller found it damaged a moment ago
        throw ApiFailure("notFound", "Not found: Table " + t->project + ":" + t->dataset + "." + t->id);
    // Reading the table is not the query's work: its memory budget must not stop it half-way.
    const sql::MemoryBudgetPause pause;
    std::vector<std::string> notes;
    std::string damage;
    {
        std::unique_lock tl(t->mutex);
        auto reset = [&] {
            t->rows = {};
            t->insertIds.clear();
            t->insertIdOrder.clear();
            t->commits = {};
            t->log.reset();
            t->segments.reset();
            t->checkpointedRows = 0;
            t->logGen = 0;
        };
        t->onDisk.reset(); // the rows are read here now
        try {
            loadTableRows(*t, dir, nowMs() - o_.dedupWindow.count(), notes);
            t->rowsLoaded.store(true, std::memory_order_release);
        } catch (const std::bad_alloc&) {
            reset(); // out of memory is not damage: the next use tries again
            throw;
        } catch (const std::exception& e) {
            damage = e.what();
            t->rows.clear();
            t->rows.shrink_to_fit();
            t->dropped = true;
        }
    }
    for (const auto& n : notes) std::cerr << "quarry-sandbox: " << n << std::endl;
    if (damage.empty()) return;
    std::cerr << "quarry-sandbox: DAMAGED: " << dir.string() << " could not be loaded (" << damage
              << "); it is left as it is and out of service. Move it away to use its name again." << std::endl;
    {
        // The same as a table load() finds damaged: out of the catalog, its name kept out of use.
        auto& self = const_cast<Store&>(*this); // the catalog changes; the caller only asked for a table
        std::unique_lock lock(self.mutex_);
        self.damaged_[dir.string()] =
            "is damaged on disk (it could not be loaded); move that folder away to use the name again";
        const auto pit = self.projects_.find(t->project);
        if (pit != self.projects_.end())
            if (const auto dit = pit->second.find(t->dataset); dit != pit->second.end())
                if (const auto it = dit->second.tables.find(t->id); it != dit->second.tables.end() && it->second == t)
                    dit->second.tables.erase(it);
    }
    throw ApiFailure("notFound", "Not found: Table " + t->project + ":" + t->dataset + "." + t->id +
                                     " is damaged on disk (it could not be loaded); move that folder away to use the name again");
}

Json Store::getTable(const std::string& p, const std::string& d, const std::string& id) const {
    // t@<ms>: the table as it was then (its rows and schema), as bq head 't@...' reads it. A
    // large table's size comes from its row groups' heads, its rows left on disk.
    const auto t = id.find('@') == std::string::npos ? tableToRead(p, d, id) : tableOrVersion(p, d, id).first;
    std::shared_lock lock(t->mutex);
    return tableResource(*t);
}

std::vector<Json> Store::listTables(const std::string& p, const std::string& d) const {
    std::shared_lock lock(mutex_);
    std::vector<Json> out;
    for (const auto& [id, t] : datasetRef(p, d).tables) {
        std::shared_lock tl(t->mutex);
        Json e = {{"kind", "bigquery#table"}, {"id", t->meta["id"]}, {"tableReference", t->meta["tableReference"]},
                  {"type", t->meta["type"]}, {"creationTime", t->meta["creationTime"]}};
        for (const char* k : {"friendlyName", "labels", "expirationTime"})
            if (t->meta.contains(k)) e[k] = t->meta[k];
        out.push_back(std::move(e));
    }
    return out;
}

Json Store::patchTable(const std::string& p, const std::string& d, const std::string& id, const Json& patch) {
    auto t = table(p, d, id);
    std::unique_lock lock(t->mutex);
    if (patch.contains("schema") && !patch["schema"].is_null()) { // bq update sends "schema": null for no change
        const Schema next = schemaFrom(patch);
        checkSchemaChange(t->schema.fields, next.fields, "");
        const Schema before = t->storedSchema();
        t->schema = next;
        const Schema after = t->storedSchema(); // the hidden partition time stays last
        for (auto& row : t->rows) row = relayout(row, before.fields, after.fields);
        ++t->schemaVersion;
        t->meta["schema"] = next.toJson();
    }
    for (const char* k : {"friendlyName", "description", "expirationTime", "requirePartitionFilter"})
        if (patch.contains(k)) {
            if (patch[k].is_null()) t->meta.erase(k);
            else t->meta[k] = patch[k];
        }
    patchLabels(t->meta, patch);
    applyPartitioning(*t, false);
    t->meta["lastModifiedTime"] = std::to_string(nowMs());
    ++t->version;
    saveTable(*t);
    return tableResource(*t);
}

void Store::deleteTable(const std::string& p, const std::string& d, const std::string& id, const Table* only) {
    namespace fs = std::filesystem;
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    const auto window = timeTravelWindowMs(p, d);
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    if (!ds.tables.count(id)) throw ApiFailure("notFound", "Not found: Table " + p + ":" + d + "." + id);
    if (only && ds.tables.at(id).get() != only) return; // replaced meanwhile: not the table meant
    const auto dir = tableDir(p, d, id);
    // Under the catalog's lock only what frees the name: the catalog entry goes first (no half
    // table on restart), then the folder moves aside. Keeping its versions (links and syncs)
    // and removing its files come after, while other requests go on.
    static std::atomic<std::uint64_t> drops{0};
    const auto t = ds.tables.at(id);
    fs::path aside = dir;
    bool view = false;
    {
        std::unique_lock tl(t->mutex);
        t->dropped = true;
        if (platform::openFilesPinFolders()) t->onDisk.reset(); // its segment file closed before its folder moves
        view = t->meta.value("type", std::string()) == "VIEW";
        std::error_code ec;
        fs::remove(dir / "table.json", ec);
        const fs::path moved = dir.string() + "." + std::to_string(++drops) + kDropping;
        fs::rename(dir, moved, ec);
        if (!ec) aside = moved;
    }
    ds.tables.erase(id);
    if (aside == dir) { // could not move it aside: it goes now, under the lock, unkept
        std::cerr << "quarry-sandbox: the dropped table " << p << ":" << d << "." << id
                  << " could not be moved aside, so it is not kept for time travel" << std::endl;
        std::error_code ec;
        fs::remove_all(dir, ec);
        return;
    }
    lock.unlock();
    // It stays restorable within the window (bq cp 'd.t@<ms>'): its versions go to the
    // dataset's deleted tables (History.h). A failure here does not stop the drop.
    if (!view) {
        std::lock_guard cl(t->checkpointMutex);
        std::shared_lock tl(t->mutex);
        try {
            keepDeletedTable(*t, aside, dir.filename(), nowMs(), window);
        } catch (const std::exception& e) {
            std::cerr << "quarry-sandbox: the dropped table " << p << ":" << d << "." << id
                      << " could not be kept for time travel: " << e.what() << std::endl;
        }
    }
    std::error_code ec;
    fs::remove_all(aside, ec);
}

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

std::uint64_t Store::appendRows(Table& t, const std::vector<std::pair<std::string, Value>>& rows, std::int64_t when) {
    for (const auto& [_, v] : rows)
        if (hasInvalidUtf8(v))
            throw ApiFailure("invalid", "A STRING value to be stored in " + t.project + ":" + t.dataset + "." + t.id +
                                            " is not valid UTF-8; nothing was written.");
    // One log record per call (chunked if huge); a record is all-or-nothing on replay.
    const auto fields = t.storedSchema().fields; // an ingestion-time partition's hidden field too
    std::size_t i = 0;
    std::uint64_t end = 0;
    while (i < rows.size()) {
        std::string payload = "{\"t\":" + std::to_string(when) + ",\"rows\":[";
        const std::size_t start = i;
        for (; i < rows.size() && payload.size() < (8u << 20); ++i) {
            if (i > start) payload.push_back(',');
            payload += "{";
            if (!rows[i].first.empty()) {
                payload += "\"i\":";
                text::appendJsonString(payload, rows[i].first);
                payload += ',';
            }
            payload += "\"j\":";
            appendInsertRow(payload, rows[i].second, fields);
            payload += "}";
        }
        payload += "]}";
        // All of one call's records make one statement: all but the last say there is more,
        // so a crash between them leaves none of its rows (load() drops an unfinished group).
        if (i < rows.size()) payload.insert(payload.find(",\"rows\""), ",\"more\":true");
        end = t.log->write(payload);
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
        for (auto& [_, v] : tagged) t->rows.push_back(std::move(v));
        noteCommit(*t, now);
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

void Store::appendValues(Table& t, std::vector<Value> rows) {
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    if (rows.empty()) return;
    std::unique_lock lock(t.mutex);
    checkNotDropped(t);
    checkNotSnapshot(t);
    emptyNullArrays(rows, t.schema);
    const auto now = nowMs();
    fitStoredRows(t, rows, now);
    std::vector<std::pair<std::string, Value>> tagged;
    tagged.reserve(rows.size());
    for (auto& r : rows) tagged.emplace_back(std::string(), std::move(r));
    try {
        t.log->syncTo(appendRows(t, tagged, now));
    } catch (const StorageError&) {
        if (!setAside(t)) throw;
        lock.unlock();
        removeSetAside(t);
        throw;
    }
    for (auto& [_, v] : tagged) t.rows.push_back(std::move(v));
    noteCommit(t, now);
    ++t.version;
    t.meta["lastModifiedTime"] = std::to_string(now);
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
    for (auto& f : fresh) t.rows.push_back(std::move(f.second));
    noteCommit(t, now);
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
