// SPDX-License-Identifier: MIT
// The Store: the data folder it locks, loading the catalog at start, checkpoints and giving
// memory back in the background, and the names of folders. The catalog is in
// StoreCatalog.cpp, rows in StoreRows.cpp, routines in StoreRoutines.cpp.
#include "sandbox/JsonFields.h"
#include "sandbox/Store.h"
#include "sandbox/Partitioning.h"
#include "sandbox/TableFiles.h"
#include "sandbox/Segment.h"
#include "sandbox/StoreNames.h"
#include "platform/System.h"

#include "crypto/Keys.h"

#include "value/Text.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>

namespace quarry::sandbox {
using namespace store;

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
            t.columnCache.clear();
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
                t->cacheColumns = true;
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


} // namespace quarry::sandbox
