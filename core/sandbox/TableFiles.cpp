// SPDX-License-Identifier: MIT
#include "sandbox/TableFiles.h"

#include "sandbox/History.h"
#include "sandbox/Partitioning.h"
#include "sandbox/Segment.h"
#include "value/JsonRowReader.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>
#include <atomic>
#include <exception>
#include <thread>
#include <optional>

namespace quarry::sandbox {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSegments = "rows.qseg";
/// A row group also ends at about this many bytes laid out, so that its record stays well
/// under RowLog's 64 MB per record even before compression.
constexpr std::size_t kRowGroupBytes = 48u << 20;
/// Rows a checkpoint lays out per hold of the table's lock.
constexpr std::size_t kSliceRows = 4096;
/// The insertIds one row group carries (16-byte hashes and times, 24 bytes each, which do
/// not compress): 12 MB, so a group of 48 MB of rows and its ids stay under a record's 64 MB
/// however badly the rows compress. A batch's ids are spread over its groups (and groups of
/// ids alone after its rows): 10M rows streamed within the de-duplication window are 240 MB
/// of ids, which in one group made every checkpoint fail.
std::size_t idsPerGroup = 500'000;

std::string tableName(const Table& t) { return t.project + ":" + t.dataset + "." + t.id; }

/// Remembers an insertId seen at `when`, unless it is older than the window (`since`).
void keepId(Table& t, const IdKey& key, std::int64_t when, std::int64_t since) {
    if (when >= since && t.insertIds.insert(key).second) t.insertIdOrder.emplace_back(when, key);
}

} // namespace

std::string binaryRowsRecord(RowGroupEncoder& enc, const Schema& stored, std::int64_t when, bool more,
                             std::span<const SegmentId> ids, std::string_view mark) {
    std::string out(1, kBinaryRows);
    char at[8];
    std::memcpy(at, &when, 8);
    out.append(at, 8);
    const auto n = static_cast<std::uint32_t>(mark.size());
    char len[4];
    std::memcpy(len, &n, 4);
    out.append(len, 4);
    out += mark;
    out += enc.finish(stored, 0, more, ids);
    return out;
}

void noteStreamMark(Table& t, std::string_view marks) {
    while (!marks.empty()) { // "STREAM:END", or several joined by ',' (a commit of several streams)
        const auto comma = std::min(marks.find(','), marks.size());
        const auto mark = marks.substr(0, comma);
        marks.remove_prefix(std::min(comma + 1, marks.size()));
        const auto colon = mark.rfind(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        std::int64_t end = 0;
        const auto digits = mark.substr(colon + 1);
        if (std::from_chars(digits.data(), digits.data() + digits.size(), end).ec != std::errc() || end < 0) continue;
        auto& known = t.streamEnds[std::string(mark.substr(0, colon))];
        known = std::max(known, end);
    }
}

namespace {

/// Replays one JSON row log into `t` (rows and insertIds), cutting a torn tail and a
/// statement whose last record is missing.
void replayLog(Table& t, RowLog& log, std::int64_t idsSince, std::vector<std::string>& notes) {
    // Rows the sandbox wrote (DML, loads, copies) hold every stored field; insertAll bodies as
    // they came hold the schema's only, and take the partition time of their record.
    const Schema stored = t.storedSchema();
    JsonRowReader reader(stored, true), bodyReader(t.schema, true);
    const bool hidden = t.partitioning && t.partitioning->ingestion;
    // A statement's rows may span records ("more": true on all but its last): they count
    // only once its last record is there.
    struct Pending {
        Value row;
        std::optional<IdKey> id;
        std::int64_t when;
    };
    std::vector<Pending> pending;
    std::vector<SegmentId> pendingIds; // of binary records
    std::optional<std::uint64_t> groupStart;
    const auto dropped = log.replay([&](std::string_view payload, std::uint64_t offset) {
        if (!payload.empty() && payload[0] == kBinaryRows) {
            std::uint32_t markLen = 0;
            if (payload.size() >= 13) std::memcpy(&markLen, payload.data() + 9, 4);
            if (payload.size() < 13 || payload.size() - 13 < markLen)
                throw StorageError("a binary record of table " + tableName(t) + "'s log is cut short");
            std::int64_t when = 0;
            std::memcpy(&when, payload.data() + 1, 8);
            const auto mark = payload.substr(13, markLen);
            RowGroup g;
            try {
                g = decodeRowGroupBody(payload.substr(13 + markLen));
            } catch (const std::runtime_error& e) {
                throw StorageError("a binary record of table " + tableName(t) + "'s log is damaged: " + e.what());
            }
            if (!groupStart) groupStart = offset;
            const bool same = g.schema == stored;
            for (auto& v : g.rows) pending.push_back({same ? std::move(v) : relayoutRow(v, g.schema.fields, stored.fields), std::nullopt, when});
            for (const auto& id : g.ids) pendingIds.push_back(id);
            if (g.more) return;
            for (auto& p : pending) t.rows.push_back(std::move(p.row));
            for (const auto& id : pendingIds) keepId(t, IdKey{id.a, id.b}, id.when, idsSince);
            if (!mark.empty()) noteStreamMark(t, mark);
            noteCommit(t, when);
            pending.clear();
            pendingIds.clear();
            groupStart.reset();
            return;
        }
        const auto rec = Json::parse(payload);
        const auto when = rec.value("t", std::int64_t{0});
        const auto partitionAt = rec.value("pt", when); // a partition decorator's, else the record's
        const bool more = rec.value("more", false);
        if (!groupStart) groupStart = offset;
        auto keep = [&](const Json& row, const Json* id, bool body) {
            std::vector<RowIssue> issues;
            Value v = (body ? bodyReader : reader).read(row, issues);
            if (!issues.empty()) return; // cannot happen for rows we wrote
            if (hidden && body) fitStoredRow(t, v, partitionAt);
            else if (hidden && v[v.size() - 1].isNull()) // written before the table kept partition times
                v[v.size() - 1] = partitionTimeAt(*t.partitioning, when);
            std::optional<IdKey> key;
            if (id && id->is_string()) key = IdKey::of(id->get_ref<const std::string&>());
            pending.push_back({std::move(v), key, when});
        };
        auto settle = [&] {
            if (more) return;
            for (auto& p : pending) {
                if (p.id) keepId(t, *p.id, p.when, idsSince);
                t.rows.push_back(std::move(p.row));
            }
            noteCommit(t, when); // a statement's rows count from its last record
            pending.clear();
            groupStart.reset();
        };
        if (const auto req = rec.find("req"); req != rec.end()) {
            // A whole insertAll body as it came, minus the rows at "skip".
            std::vector<bool> skip((*req)["rows"].size(), false);
            for (const auto& k : rec["skip"]) skip[k.get<std::size_t>()] = true;
            const auto& rows = (*req)["rows"];
            for (std::size_t k = 0; k < rows.size(); ++k) {
                if (skip[k]) continue;
                const auto id = rows[k].find("insertId");
                keep(rows[k]["json"], id != rows[k].end() ? &*id : nullptr, true);
            }
            settle();
            return;
        }
        for (const auto& r : rec["rows"]) {
            const auto id = r.find("i");
            keep(r["j"], id != r.end() ? &*id : nullptr, false);
        }
        settle();
    });
    if (groupStart) {
        const auto unfinished = log.size() - *groupStart;
        log.truncateTo(*groupStart);
        notes.push_back("table " + tableName(t) + ": dropped " + std::to_string(pending.size()) +
                        " rows of a statement that never finished (" + std::to_string(unfinished) + " bytes)");
    }
    if (dropped)
        notes.push_back("table " + tableName(t) + ": dropped a torn tail of " + std::to_string(dropped) +
                        " bytes (an unacknowledged write)");
}

/// Decodes row groups on every core (each group on its own): a table's first use waits for
/// its groups, and building its Values is most of that wait.
std::vector<RowGroup> decodeAll(const std::vector<std::string>& payloads, std::vector<std::exception_ptr>& errors) {
    std::vector<RowGroup> groups(payloads.size());
    errors.assign(payloads.size(), nullptr);
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < payloads.size();) {
            try {
                groups[i] = decodeRowGroup(payloads[i]);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    };
    const std::size_t threads = std::min<std::size_t>({payloads.size(), 8, std::max(1u, std::thread::hardware_concurrency())});
    {
        std::vector<std::jthread> pool;
        for (std::size_t k = 1; k < threads; ++k) pool.emplace_back(work);
        work();
    }
    return groups;
}

/// Reads the segment file's row groups into `t`; returns the log generation after them.
std::uint64_t replaySegments(Table& t, const fs::path& file, std::int64_t idsSince, std::vector<std::string>& notes,
                             RowLog::Access access) {
    t.segments = std::make_unique<RowLog>(file, access);
    std::vector<std::string> payloads;
    std::vector<std::uint64_t> offsets;
    const auto dropped = t.segments->replay([&](std::string_view payload, std::uint64_t offset) {
        payloads.emplace_back(payload);
        offsets.push_back(offset);
    });
    std::vector<std::exception_ptr> errors;
    auto groups = decodeAll(payloads, errors);
    payloads.clear();
    const Schema stored = t.storedSchema();
    const auto schemaText = stored.toJson().dump();
    std::vector<Value> pending;
    std::vector<CommitSpan> pendingSpans;
    bool spansKnown = true;
    std::optional<std::uint64_t> batchStart;
    std::vector<SegmentId> ids, pendingIds;
    std::uint64_t nextLog = 0;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        if (errors[i]) std::rethrow_exception(errors[i]); // damage: the table is set aside
        RowGroup& g = groups[i];
        if (!batchStart) batchStart = offsets[i];
        const bool relayout = g.schema.toJson().dump() != schemaText; // written before a column was added
        if (relayout)
            for (auto& r : g.rows) r = relayoutRow(r, g.schema.fields, stored.fields);
        if (g.commits.empty() && !g.rows.empty()) spansKnown = false;
        pendingIds.insert(pendingIds.end(), g.ids.begin(), g.ids.end()); // a batch's ids, over its groups
        g.ids = {};
        pendingSpans.insert(pendingSpans.end(), g.commits.begin(), g.commits.end());
        if (pending.empty()) pending = std::move(g.rows);
        else std::move(g.rows.begin(), g.rows.end(), std::back_inserter(pending));
        g.rows = {};
        if (g.more) continue;
        addCommitSpans(t, spansKnown ? pendingSpans : std::vector<CommitSpan>{}, pending.size());
        pendingSpans.clear();
        spansKnown = true;
        if (t.rows.empty()) t.rows = std::move(pending);
        else std::move(pending.begin(), pending.end(), std::back_inserter(t.rows));
        pending = {};
        batchStart.reset();
        nextLog = g.nextLog;
        ids = std::move(pendingIds);
        pendingIds = {};
    }
    if (batchStart) {
        t.segments->truncateTo(*batchStart);
        notes.push_back("table " + tableName(t) + ": dropped a checkpoint that never finished (its rows are in the log)");
    }
    if (dropped)
        notes.push_back("table " + tableName(t) + ": dropped a torn tail of " + std::to_string(dropped) +
                        " bytes from its segment file (a checkpoint that never finished)");
    for (const auto& id : ids) keepId(t, IdKey{id.a, id.b}, id.when, idsSince);
    t.checkpointedRows = t.rows.size();
    return nextLog;
}

/// The insertIds still within the de-duplication window, oldest first.
std::vector<SegmentId> windowIds(const Table& t, std::int64_t window, std::int64_t now) {
    std::vector<SegmentId> ids;
    for (const auto& [when, key] : t.insertIdOrder)
        if (now - when <= window) ids.push_back({when, key.a, key.b});
    return ids;
}

/// Whether a group being laid out has room for more rows.
bool groupHasRoom(const RowGroupEncoder& enc) { return enc.rows() < kRowGroupRows && enc.bytes() < kRowGroupBytes; }

/// Lays rows from `b` (below `n`) into `enc`, at most kSliceRows and no more than the group
/// takes; returns where it stopped.
std::size_t addSlice(RowGroupEncoder& enc, const std::vector<Value>& rows, std::size_t b, std::size_t n) {
    const std::size_t to = std::min({n, b + kSliceRows, b + (kRowGroupRows - enc.rows())});
    enc.add(std::span<const Value>(rows.data() + b, to - b));
    return to;
}

/// The generation N in a file name PREFIX + N + SUFFIX (digits only), or nullopt.
std::optional<std::uint64_t> generationIn(const std::string& name, std::string_view prefix, std::string_view suffix) {
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix)) return std::nullopt;
    const auto digits = std::string_view(name).substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    return std::stoull(std::string(digits));
}

/// The insertIds of the de-duplication window when the groups naming log generation `gen`
/// were written (a file beside them since groups stopped carrying them: each checkpoint wrote
/// the whole window again into the segment file, which grew by that much every time).
fs::path idsFile(const fs::path& dir, std::uint64_t gen) { return dir / ("ids." + std::to_string(gen) + ".qid"); }

/// Writes `ids` as the window of the groups naming `gen`, durably and whole (a temporary file
/// renamed into place), before those groups are: a crash leaves the old groups with their
/// file, or the new groups with theirs. Records of at most idsPerGroup ids (24 bytes each).
void writeIdsFile(const fs::path& dir, std::uint64_t gen, std::span<const SegmentId> ids) {
    const fs::path file = idsFile(dir, gen), fresh = file.string() + ".new";
    std::error_code ec;
    fs::remove(fresh, ec);
    {
        RowLog out(fresh);
        std::uint64_t end = 0;
        for (std::size_t at = 0; at < ids.size(); at += idsPerGroup) {
            std::string record;
            for (const auto& id : ids.subspan(at, std::min(idsPerGroup, ids.size() - at))) {
                char b[24];
                std::memcpy(b, &id.when, 8);
                std::memcpy(b + 8, &id.a, 8);
                std::memcpy(b + 16, &id.b, 8);
                record.append(b, 24);
            }
            end = out.write(record);
        }
        out.syncTo(end);
    }
    renameDurably(fresh, file);
}

/// Reads the ids file of generation `gen`, if there is one, into `t`'s remembered ids.
void readIdsFile(Table& t, const fs::path& dir, std::uint64_t gen, std::int64_t idsSince, RowLog::Access access) {
    const fs::path file = idsFile(dir, gen);
    if (!fs::exists(file)) return;
    RowLog in(file, access);
    in.replay([&](std::string_view record, std::uint64_t) {
        if (record.size() % 24 != 0) throw StorageError("the insertIds file " + file.string() + " is damaged");
        for (std::size_t at = 0; at < record.size(); at += 24) {
            SegmentId id;
            std::memcpy(&id.when, record.data() + at, 8);
            std::memcpy(&id.a, record.data() + at + 8, 8);
            std::memcpy(&id.b, record.data() + at + 16, 8);
            keepId(t, IdKey{id.a, id.b}, id.when, idsSince);
        }
    });
}

/// Removes the logs (and ids files) of generations up to `gen`: what groups now hold.
void removeLogsUpTo(const fs::path& dir, std::uint64_t gen) {
    bool removed = false;
    for (const auto g : logGenerations(dir))
        if (g <= gen) {
            std::error_code ec;
            fs::remove(logFile(dir, g), ec);
            removed = true;
        }
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (const auto g = generationIn(e.path().filename().string(), "ids.", ".qid"); g && *g <= gen) {
            std::error_code rec;
            fs::remove(e.path(), rec);
            removed = true;
        }
    if (removed) syncFolder(dir);
}

} // namespace

std::vector<std::uint64_t> logGenerations(const fs::path& dir) {
    std::vector<std::uint64_t> gens;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const auto name = e.path().filename().string();
        if (name == "rows.qrl") gens.push_back(0);
        else if (const auto g = generationIn(name, "rows.", ".qrl")) gens.push_back(*g);
    }
    std::sort(gens.begin(), gens.end());
    return gens;
}

std::size_t setIdsPerGroupForTest(std::size_t n) { return std::exchange(idsPerGroup, std::max<std::size_t>(n, 1)); }

fs::path logFile(const fs::path& dir, std::uint64_t gen) {
    return gen == 0 ? dir / "rows.qrl" : dir / ("rows." + std::to_string(gen) + ".qrl");
}

void loadTableRows(Table& t, const fs::path& dir, std::int64_t idsSince, std::vector<std::string>& notes, bool readOnly) {
    const auto access = readOnly ? RowLog::Access::ReadOnly : RowLog::Access::ReadWrite;
    std::uint64_t first = 0;
    if (fs::exists(dir / kSegments)) {
        first = replaySegments(t, dir / kSegments, idsSince, notes, access);
        readIdsFile(t, dir, first, idsSince, access); // groups written before it carry their own
    }
    std::shared_ptr<RowLog> last;
    std::uint64_t lastGen = first;
    for (const auto gen : logGenerations(dir)) {
        if (gen < first) continue; // folded into the segments by a checkpoint that stopped before removing it
        last = std::make_shared<RowLog>(logFile(dir, gen), access);
        replayLog(t, *last, idsSince, notes);
        lastGen = gen;
    }
    if (readOnly) { // nothing removed, cut or made
        t.log = std::move(last);
        t.logGen = lastGen;
        return;
    }
    if (first > 0) removeLogsUpTo(dir, first - 1);
    if (!last) last = std::make_shared<RowLog>(logFile(dir, first)); // no log yet
    t.log = std::move(last);
    t.logGen = lastGen;
}

bool checkpointTable(Table& t, const fs::path& dir, std::int64_t dedupWindowMs, std::int64_t nowMs) {
    std::lock_guard cp(t.checkpointMutex);
    std::uint64_t nextGen = 0;
    std::size_t n = 0;
    std::vector<SegmentId> ids;
    {
        std::unique_lock lock(t.mutex);
        if (t.dropped || !t.log || !t.log->failure().empty()) return false;
        if (t.segments && !t.segments->failure().empty()) return false;
        if (t.log->size() == 0 && t.rows.size() == t.checkpointedRows) return false;
        // New rows go to the next log from here on; the segment file takes the rows so far.
        // An empty log (a checkpoint that failed after starting it, tried again) already
        // holds only what comes after them: it stays, so retries make no new generations.
        nextGen = t.logGen;
        if (t.log->size() != 0) {
            nextGen = t.logGen + 1;
            auto next = std::make_shared<RowLog>(logFile(dir, nextGen));
            if (next->size() != 0) next->clear();
            t.log = std::move(next);
            t.logGen = nextGen;
        }
        if (!t.segments) t.segments = std::make_unique<RowLog>(dir / kSegments);
        n = t.rows.size();
        ids = windowIds(t, dedupWindowMs, nowMs);
    }
    writeIdsFile(dir, nextGen, ids); // before the groups that name nextGen
    const auto batchStart = t.segments->size();
    try {
        std::uint64_t end = 0;
        std::size_t a = t.checkpointedRows;
        do {
            // A group is laid out a slice of rows at a time under a shared lock, so inserts
            // wait for one slice, never for a whole group or its compression. Rows below n do
            // not change meanwhile (rewrites hold checkpointMutex), except that a schema patch
            // lays every row out again: then the group starts over under the new schema.
            auto enc = std::make_unique<RowGroupEncoder>();
            std::size_t b = a;
            std::uint64_t schemaVersion = 0;
            Schema schema;
            {
                std::shared_lock lock(t.mutex);
                schemaVersion = t.schemaVersion;
                schema = t.storedSchema();
            }
            while (b < n && groupHasRoom(*enc)) {
                std::shared_lock lock(t.mutex);
                if (t.dropped) return false;
                if (t.schemaVersion != schemaVersion) {
                    enc = std::make_unique<RowGroupEncoder>();
                    b = a;
                    schemaVersion = t.schemaVersion;
                    schema = t.storedSchema();
                }
                b = addSlice(*enc, t.rows, b, n);
            }
            const bool last = b == n;
            std::vector<CommitSpan> spans;
            {
                std::shared_lock lock(t.mutex);
                spans = commitSpans(t, a, b);
            }
            const auto body = enc->finish(schema, nextGen, !last, {}, spans);
            end = t.segments->write(packRowGroupBody(body));
            a = b;
        } while (a < n);
        t.segments->syncTo(end);
    } catch (...) {
        // No later batch may follow this one's first groups: cut them off (a failed sync has
        // already stopped every later write to the file).
        try {
            t.segments->truncateTo(batchStart);
        } catch (...) {
        }
        throw;
    }
    t.checkpointedRows = n;
    std::shared_lock lock(t.mutex);
    if (!t.dropped && nextGen > 0) removeLogsUpTo(dir, nextGen - 1); // under the lock: the folder is still this table's
    return true;
}

void rewriteTableRows(Table& t, const fs::path& dir, const std::vector<Value>& rows, std::int64_t dedupWindowMs,
                      std::int64_t nowMs) {
    const auto file = dir / kSegments;
    const fs::path fresh = file.string() + ".new";
    std::error_code ec;
    fs::remove(fresh, ec);
    const std::uint64_t nextGen = t.logGen + 1;
    const auto ids = windowIds(t, dedupWindowMs, nowMs);
    std::shared_ptr<RowLog> next;
    try {
        writeIdsFile(dir, nextGen, ids); // before the segment file that names nextGen
        {
            RowLog out(fresh);
            std::uint64_t end = 0;
            std::size_t a = 0;
            do { // groups cut as a checkpoint cuts them; every row committed now
                RowGroupEncoder enc;
                const std::size_t first = a;
                while (a < rows.size() && groupHasRoom(enc)) a = addSlice(enc, rows, a, rows.size());
                const bool last = a == rows.size();
                const std::vector<CommitSpan> spans{{a - first, nowMs}};
                end = out.write(packRowGroupBody(enc.finish(t.storedSchema(), nextGen, !last, {},
                                                            a > first ? std::span<const CommitSpan>(spans) : std::span<const CommitSpan>())));
            } while (a < rows.size());
            out.syncTo(end);
        }
        next = std::make_shared<RowLog>(logFile(dir, nextGen));
        if (next->size() != 0) next->clear();
        renameDurably(fresh, file); // the commit point: from here the new rows are the table
    } catch (...) {
        fs::remove(fresh, ec);
        throw;
    }
    t.segments = std::make_unique<RowLog>(file);
    t.log = std::move(next);
    t.logGen = nextGen;
    t.checkpointedRows = rows.size();
    removeLogsUpTo(dir, nextGen - 1);
}

} // namespace quarry::sandbox
