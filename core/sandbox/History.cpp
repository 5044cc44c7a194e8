// SPDX-License-Identifier: MIT
#include "sandbox/History.h"
#include "sandbox/Snapshots.h"

#include "sandbox/Partitioning.h"
#include "sandbox/TableFiles.h"

#include <algorithm>
#include <charconv>
#include <iostream>
#include <limits>

namespace quarry::sandbox {
namespace fs = std::filesystem;

namespace {

constexpr const char* kHistory = "history";
constexpr const char* kVersionFile = "version.json";
/// A dataset's dropped tables, each with its versions: <dataset>/.deleted/<table>/history/...
constexpr const char* kDeleted = ".deleted";
/// The longest window a dataset may have (maxTimeTravelHours is 48 to 168): commits older
/// than this can never be read apart, so they are kept as one.
constexpr std::int64_t kLongestWindowMs = 168LL * 3600 * 1000;

std::int64_t msField(const Json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end()) return 0;
    if (it->is_number_integer()) return it->get<std::int64_t>();
    if (it->is_string()) {
        try {
            return std::stoll(it->get<std::string>());
        } catch (const std::exception&) {
        }
    }
    return 0;
}

/// Whether a file of a table's folder holds its rows (TableFiles.h): what a version keeps.
bool rowFile(const std::string& name) {
    return name == "rows.qseg" || (name.starts_with("rows.") && name.ends_with(".qrl"));
}

std::string snapshotError(const std::string& name, std::int64_t ms, const std::string& why) {
    return "Invalid snapshot time " + std::to_string(ms) + " for table " + name + "@" + std::to_string(ms) + ". " + why;
}

} // namespace

void noteCommit(Table& t, std::int64_t ms) {
    const std::size_t end = t.rows.size();
    if (!t.commits.empty()) {
        auto& last = t.commits.back();
        if (end <= last.end) return;
        ms = std::max(ms, last.ms); // a clock stepped back: commits stay in order
        if (last.ms == ms) {
            last.end = end;
            return;
        }
        // Commits older than any window are never told apart: one span is enough for them.
        if (t.commits.size() >= 2 && last.ms < ms - kLongestWindowMs) {
            auto& before = t.commits[t.commits.size() - 2];
            before.end = last.end;
            before.ms = last.ms;
            t.commits.pop_back();
        }
    } else if (end == 0) {
        return;
    }
    t.commits.push_back({end, ms});
}

void addCommitSpans(Table& t, const std::vector<CommitSpan>& spans, std::size_t rows) {
    std::size_t end = t.commits.empty() ? 0 : t.commits.back().end;
    if (spans.empty()) { // a group written before groups kept times: as old as the table
        t.commits.push_back({end + rows, std::max(msField(t.meta, "creationTime"), t.commits.empty() ? 0 : t.commits.back().ms)});
        return;
    }
    for (const auto& s : spans) {
        end += s.rows;
        t.commits.push_back({end, t.commits.empty() ? s.ms : std::max(s.ms, t.commits.back().ms)});
    }
}

std::size_t rowsCommittedBy(const Table& t, std::int64_t ms) {
    // The first commit after `ms` starts where the one before it ended.
    const auto after = std::upper_bound(t.commits.begin(), t.commits.end(), ms,
                                        [](std::int64_t at, const Table::Commit& c) { return at < c.ms; });
    const std::size_t n = after == t.commits.begin() ? 0 : std::prev(after)->end;
    return std::min(n, t.rows.size());
}

std::vector<CommitSpan> commitSpans(const Table& t, std::size_t a, std::size_t b) {
    std::vector<CommitSpan> spans;
    std::size_t start = 0;
    for (const auto& c : t.commits) {
        const std::size_t lo = std::max(start, a), hi = std::min(c.end, b);
        if (lo < hi) spans.push_back({hi - lo, c.ms});
        start = c.end;
        if (start >= b) break;
    }
    std::size_t covered = 0;
    for (const auto& s : spans) covered += s.rows;
    if (covered != b - a) return {}; // rows without a known time (cannot happen): none written
    return spans;
}

std::vector<PastVersion> pastVersions(const fs::path& dir) {
    // A finished version's folder is named <from>.<to>.<bytes>; nothing else counts (an
    // unfinished one is still ".new").
    std::vector<PastVersion> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / kHistory, ec)) {
        const auto name = e.path().filename().string();
        std::int64_t parts[3] = {0, 0, 0};
        const char* p = name.data();
        const char* end = name.data() + name.size();
        bool ok = true;
        for (int k = 0; k < 3 && ok; ++k) {
            const auto r = std::from_chars(p, end, parts[k]);
            ok = r.ec == std::errc() && (k == 2 ? r.ptr == end : r.ptr != end && *r.ptr == '.');
            p = r.ptr + 1;
        }
        if (!ok) continue;
        PastVersion v;
        v.from = parts[0];
        v.to = parts[1];
        v.bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(parts[2], 0));
        v.dir = e.path();
        out.push_back(std::move(v));
    }
    std::sort(out.begin(), out.end(), [](const PastVersion& a, const PastVersion& b) { return a.to < b.to; });
    return out;
}

Json versionResource(const PastVersion& v) {
    const Json j = Json::parse(readWholeFile(v.dir / kVersionFile));
    return j.at("table");
}

std::int64_t currentVersionFrom(const Json& meta, const std::vector<PastVersion>& past) {
    return past.empty() ? msField(meta, "creationTime") : std::max(past.back().to, msField(meta, "creationTime"));
}

std::int64_t Store::timeTravelWindowMs(const std::string& p, const std::string& d) const {
    std::shared_lock lock(mutex_);
    const auto hours = msField(datasetRef(p, d).meta, "maxTimeTravelHours");
    return (hours > 0 ? hours : 168) * 3600 * 1000;
}

void Store::keepPastVersion(const Table& t, const fs::path& dir, const fs::path& into, std::int64_t now,
                            std::int64_t window) const {
    std::lock_guard h(historyMutex_);
    const fs::path history = into / kHistory;
    std::error_code ec;
    auto past = pastVersions(into);
    for (const auto& e : fs::directory_iterator(history, ec)) { // past the window, or unfinished
        const auto v = std::find_if(past.begin(), past.end(), [&](const PastVersion& p) { return p.dir == e.path(); });
        if (v == past.end() || v->to < now - window) fs::remove_all(e.path(), ec);
    }
    std::erase_if(past, [&](const PastVersion& p) { return p.to < now - window; });
    const auto from = currentVersionFrom(t.meta, past);
    if (from >= now) return; // a version no time can read
    // Made under a name no reader takes, then renamed: a version is there whole or not at all.
    const fs::path fresh = history / ".new";
    fs::remove_all(fresh, ec);
    const bool first = !fs::exists(history);
    fs::create_directories(fresh);
    if (first) syncFolder(into); // the history folder itself is there for good
    std::uint64_t bytes = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (!rowFile(name)) continue;
        std::error_code linked;
        fs::create_hard_link(e.path(), fresh / name, linked);
        if (linked) fs::copy_file(e.path(), fresh / name); // a file system without hard links
        bytes += fs::file_size(fresh / name);
    }
    writeFileAtomic(fresh / kVersionFile, Json{{"from", from}, {"to", now}, {"table", t.meta}}.dump()); // syncs the folder too
    PastVersion made;
    made.from = from;
    made.to = now;
    made.bytes = bytes;
    made.dir = history / (std::to_string(from) + "." + std::to_string(now) + "." + std::to_string(bytes));
    fs::remove_all(made.dir, ec);
    fs::rename(fresh, made.dir);
    past.push_back(made);
    // Past the disk or the count allowed, the oldest versions go first (the newest stays: it
    // says where the current version starts): reading before what is left then says "Cannot
    // read before" its start, never a wrong version.
    std::uint64_t total = 0;
    for (const auto& p : past) total += p.bytes;
    for (std::size_t i = 0; i + 1 < past.size() && ((o_.timeTravelBytes > 0 && total > o_.timeTravelBytes) || past.size() - i > std::max<std::size_t>(o_.timeTravelVersions, 1));
         ++i) {
        fs::remove_all(past[i].dir, ec);
        total -= past[i].bytes;
    }
    syncFolder(history); // before the statement commits: its version is kept for good
}

void Store::keepDeletedTable(const Table& t, const fs::path& dir, const fs::path& name, std::int64_t now,
                             std::int64_t window) const {
    const fs::path deleted = dir.parent_path() / kDeleted;
    const fs::path grave = deleted / name;
    {
        std::lock_guard h(historyMutex_);
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(deleted, ec)) { // other dropped tables past the window
            const auto versions = pastVersions(e.path());
            if (e.path() != grave && (versions.empty() || versions.back().to < now - window)) fs::remove_all(e.path(), ec);
        }
        fs::create_directories(grave / kHistory);
        for (const auto& e : fs::directory_iterator(dir / kHistory, ec)) { // its past versions go with it
            fs::remove_all(grave / kHistory / e.path().filename(), ec);
            fs::rename(e.path(), grave / kHistory / e.path().filename());
        }
    }
    keepPastVersion(t, dir, grave, now, window);
}

std::shared_ptr<Table> Store::readPastVersion(const PastVersion& v, const std::string& p, const std::string& d,
                                              const std::string& id, std::int64_t ms) const {
    auto out = std::make_shared<Table>();
    out->project = p;
    out->dataset = d;
    out->id = id;
    try {
        out->meta = versionResource(v);
        out->schema = Schema::fromJson(out->meta.at("schema"));
    } catch (const std::exception& e) {
        throw StorageError("a past version of " + p + ":" + d + "." + id + " cannot be read (" + v.dir.string() + ": " + e.what() + ")");
    }
    applyPartitioning(*out, false);
    std::vector<std::string> notes;
    {
        std::shared_lock h(historyMutex_); // other readers go on; nothing removes the version meanwhile
        if (!fs::exists(v.dir / kVersionFile)) return nullptr; // removed meanwhile: past the window now
        loadTableRows(*out, v.dir, nowMs(), notes, /*readOnly=*/true);
    }
    for (const auto& n : notes) std::cerr << "quarry-sandbox: past version " << v.dir.string() << ": " << n << std::endl;
    out->rows.resize(rowsCommittedBy(*out, ms));
    out->log.reset();
    out->segments.reset();
    return out;
}

std::pair<std::shared_ptr<Table>, std::int64_t> Store::tableOrVersion(const std::string& p, const std::string& d,
                                                                      const std::string& id, bool dropped) const {
    const auto now = nowMs();
    const auto [name, at] = splitSnapshotDecorator(id, now);
    if (!at) return {table(p, d, name), now};
    return {tableAsOf(p, d, name, *at, dropped), *at};
}

std::shared_ptr<Table> Store::tableAsOf(const std::string& p, const std::string& d, const std::string& id, std::int64_t ms,
                                        bool dropped) const {
    const std::string name = p + ":" + d + "." + id;
    const auto dir = tableDir(p, d, id);
    const auto now = nowMs();
    const auto floor = now - timeTravelWindowMs(p, d);
    std::shared_ptr<Table> t;
    try {
        t = table(p, d, id);
    } catch (const ApiFailure& e) {
        if (e.reason() != "notFound") throw;
    }
    if (t && t->isView())
        throw ApiFailure("invalidQuery", "FOR SYSTEM_TIME AS OF cannot read view " + name + "; apply it to the tables the view reads");
    Json meta;
    if (t) {
        std::shared_lock lock(t->mutex);
        meta = t->meta;
    }
    std::vector<PastVersion> past, gone;
    {
        std::shared_lock h(historyMutex_);
        if (t) past = pastVersions(dir);
        if (dropped) gone = pastVersions(dir.parent_path() / kDeleted / dir.filename());
    }
    if (!t && gone.empty()) throw ApiFailure("notFound", "Not found: Table " + name);
    if (ms > now)
        throw ApiFailure("invalidQuery", snapshotError(name, ms, "Cannot read after the current time " + std::to_string(now) + "."));
    // The earliest time there is something to read: the live table's first version, else the
    // first version of the tables of this name dropped before it, within the window.
    std::int64_t earliest = std::max(gone.empty() ? std::numeric_limits<std::int64_t>::max() : gone.front().from, floor);
    if (t) {
        // The first version kept: the table's creation, an older table it replaced, or what
        // the disk limit left.
        const std::int64_t first = past.empty() ? msField(meta, "creationTime") : past.front().from;
        if (ms >= std::max(first, floor)) {
            if (ms >= currentVersionFrom(meta, past)) {
                auto out = std::make_shared<Table>();
                out->project = p;
                out->dataset = d;
                out->id = id;
                std::shared_lock lock(t->mutex);
                out->meta = t->meta;
                out->schema = t->schema;
                out->partitioning = t->partitioning;
                out->clusterColumns = t->clusterColumns;
                const auto n = rowsCommittedBy(*t, ms);
                out->rows.assign(t->rows.begin(), t->rows.begin() + static_cast<std::ptrdiff_t>(n));
                return out;
            }
            const auto v = std::find_if(past.begin(), past.end(), [&](const PastVersion& x) { return ms < x.to; });
            if (v != past.end() && ms >= v->from)
                if (auto out = readPastVersion(*v, p, d, id, ms)) return out;
        }
        earliest = std::min(earliest, std::max(first, floor));
    }
    if (ms >= floor)
        for (const auto& v : gone)
            if (ms >= v.from && ms < v.to)
                if (auto out = readPastVersion(v, p, d, id, ms)) return out;
    if (!t && ms >= gone.back().to)
        throw ApiFailure("notFound", "Not found: Table " + name + " (it was dropped at " + std::to_string(gone.back().to) +
                                         "; read it as of an earlier time)");
    throw ApiFailure("invalidQuery", snapshotError(name, ms, "Cannot read before " + std::to_string(earliest) + "."));
}

} // namespace quarry::sandbox
