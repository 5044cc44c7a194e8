// SPDX-License-Identifier: MIT
#include "storageapi/WriteStreams.h"

#include "sandbox/ApiFailure.h"
#include "sandbox/RowLog.h"
#include "sandbox/Store.h"
#include "storageapi/HeldRows.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <random>
#include <sstream>

namespace quarry::storageapi {

namespace fs = std::filesystem;
using sandbox::ApiFailure;

struct WriteStreams::Stream {
    Info info;
    Name name;
    bool isDefault = false;
    /// Why a restart lost rows that were appended but not yet committed or flushed (their file
    /// is missing or damaged); empty when nothing was lost.
    std::string lost;
    /// Whether its row count was checked against its table's log (reconcile()).
    bool reconciled = false;
    /// Its held rows are still only in its rows file (after a restart, until first used).
    bool heldUnread = false;
    std::mutex mutex; ///< appends, finalize, flush and commit of this stream, one at a time
    /// PENDING / BUFFERED rows not yet in the table, as schema `heldSchema` laid them out, and
    /// on disk (every row the stream took: an append is answered once they are synced there).
    std::vector<Value> held;
    std::unique_ptr<HeldRowsFile> heldFile;
    Schema heldSchema;
    bool heldClean = true; ///< every held row came from a Rows marked clean
    bool committed() const { return info.commitMs.has_value(); }
};

namespace {

std::string randomId() {
    static std::mutex m;
    static std::mt19937_64 rng{std::random_device{}()};
    std::lock_guard lock(m);
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 32; ++i) s.push_back(hex[rng() & 15]);
    return s;
}

[[noreturn]] void fail(Code c, std::string message, StorageCode sc = StorageCode::Unspecified, std::string entity = {}) {
    throw WriteError{c, std::move(message), sc, std::move(entity)};
}

/// The table's errors as the Write API gives them.
[[noreturn]] void rethrowTable(const ApiFailure& e, const std::string& entity) {
    if (e.reason() == "notFound") fail(Code::NotFound, "Requested entity was not found. Entity: " + entity, StorageCode::TableNotFound, entity);
    fail(e.httpStatus() == 400 ? Code::InvalidArgument : Code::FailedPrecondition, e.what());
}

/// Rows laid out as `from` laid out again as `to` (a schema patched meanwhile adds fields).
void relayout(std::vector<Value>& rows, const Schema& from, const Schema& to) {
    if (from == to) return;
    for (auto& r : rows) r = sandbox::relayoutRow(r, from.fields, to.fields);
}

} // namespace

WriteStreams::WriteStreams(sandbox::Store& store, fs::path dir) : store_(store), dir_(std::move(dir)) {
    fs::create_directories(dir_);
    load();
}

WriteStreams::~WriteStreams() = default;

std::optional<WriteStreams::Name> WriteStreams::parseName(const std::string& name, bool stream) {
    std::vector<std::string> parts;
    std::stringstream ss(name);
    for (std::string p; std::getline(ss, p, '/');) parts.push_back(p);
    const std::size_t want = stream ? 8 : 6;
    if (parts.size() != want || parts[0] != "projects" || parts[2] != "datasets" || parts[4] != "tables") return std::nullopt;
    if (stream && parts[6] != "streams") return std::nullopt;
    for (const auto& p : parts)
        if (p.empty()) return std::nullopt;
    return Name{parts[1], parts[3], parts[5], stream ? parts[7] : std::string()};
}

void WriteStreams::save(const Stream& s) const {
    if (s.isDefault) return;
    nlohmann::json j{{"name", s.info.name},         {"type", static_cast<int>(s.info.type)}, {"createMs", s.info.createMs},
                     {"finalized", s.info.finalized}, {"rows", s.info.rows},                  {"flushed", s.info.flushed}};
    if (s.info.commitMs) j["commitMs"] = *s.info.commitMs;
    sandbox::writeFileAtomic(dir_ / (s.name.id + ".json"), j.dump());
}

void WriteStreams::load() {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
        if (e.path().extension() != ".json") continue;
        std::ifstream in(e.path(), std::ios::binary);
        const auto j = nlohmann::json::parse(in, nullptr, false);
        if (!j.is_object() || !j.contains("name")) continue; // a torn write never renamed: not ours
        auto s = std::make_shared<Stream>();
        try { // a damaged file (wrong types, an unknown stream type) is left alone, not trusted
            s->info.name = j.at("name").get<std::string>();
            const auto n = parseName(s->info.name, true);
            const int type = j.value("type", 1);
            if (!n || n->id != e.path().stem().string() || type < 1 || type > 3) continue;
            s->name = *n;
            s->info.type = static_cast<Type>(type);
            s->info.createMs = j.value("createMs", std::int64_t{0});
            s->info.finalized = j.value("finalized", false);
            s->info.rows = j.value("rows", std::int64_t{0});
            s->info.flushed = j.value("flushed", std::int64_t{0});
            if (j.contains("commitMs")) s->info.commitMs = j["commitMs"].get<std::int64_t>();
        } catch (const nlohmann::json::exception&) {
            continue;
        }
        if (s->info.rows < 0 || s->info.flushed < 0 || s->info.flushed > s->info.rows) continue;
        if (s->info.type != Type::Committed) {
            // Rows of a PENDING or BUFFERED stream not yet in the table come back from its rows
            // file; a committed stream's file is gone (or left by a crash before its removal).
            s->heldFile = std::make_unique<HeldRowsFile>(dir_ / (s->name.id + ".rows"));
            // They are read when the stream is first used (reconcile), so the sandbox starts at once.
            if (s->committed()) s->heldFile->remove();
            else s->heldUnread = true;
        }
        streams_[s->info.name] = s;
    }
}

WriteStreams::Info WriteStreams::create(const std::string& parent, Type type) {
    const auto n = parseName(parent, false);
    if (!n) fail(Code::InvalidArgument, "Invalid parent: " + parent + " (want projects/P/datasets/D/tables/T)");
    std::shared_ptr<sandbox::Table> t;
    try {
        t = store_.table(n->project, n->dataset, n->table);
    } catch (const ApiFailure& e) {
        rethrowTable(e, parent);
    }
    if (t->isView()) fail(Code::InvalidArgument, "Cannot write to a view: " + parent);
    auto s = std::make_shared<Stream>();
    s->name = *n;
    s->name.id = randomId();
    s->info.name = parent + "/streams/" + s->name.id;
    s->info.type = type;
    s->info.createMs = sandbox::Store::nowMs();
    if (type != Type::Committed) s->heldFile = std::make_unique<HeldRowsFile>(dir_ / (s->name.id + ".rows"));
    save(*s);
    {
        std::lock_guard lock(mutex_);
        streams_[s->info.name] = s;
    }
    return get(s->info.name);
}

std::shared_ptr<WriteStreams::Stream> WriteStreams::find(const std::string& name) {
    const auto n = parseName(name, true);
    if (!n) fail(Code::InvalidArgument, "Invalid stream name: " + name + " (want projects/P/datasets/D/tables/T/streams/ID)");
    std::lock_guard lock(mutex_);
    if (const auto it = streams_.find(name); it != streams_.end()) return it->second;
    if (n->id != "_default") fail(Code::NotFound, "Requested entity was not found. Entity: " + name, StorageCode::StreamNotFound, name);
    auto s = std::make_shared<Stream>();
    s->name = *n;
    s->isDefault = true;
    s->info.name = name;
    s->info.type = Type::Committed;
    s->info.createMs = sandbox::Store::nowMs();
    streams_[name] = s;
    return s;
}

WriteStreams::Info WriteStreams::get(const std::string& name) {
    const auto s = find(name);
    std::shared_ptr<sandbox::Table> t;
    try {
        t = store_.table(s->name.project, s->name.dataset, s->name.table);
    } catch (const ApiFailure& e) {
        rethrowTable(e, name);
    }
    std::lock_guard lock(s->mutex);
    reconcile(*s);
    Info i = s->info;
    std::shared_lock tl(t->mutex);
    i.schema = t->schema;
    i.location = t->meta.value("location", std::string("US"));
    return i;
}

std::pair<Schema, std::uint64_t> WriteStreams::tableSchema(const std::string& name) {
    const auto s = find(name);
    try {
        const auto t = store_.table(s->name.project, s->name.dataset, s->name.table);
        std::shared_lock tl(t->mutex);
        return {t->schema, t->schemaVersion};
    } catch (const ApiFailure& e) {
        rethrowTable(e, name);
    }
}

void WriteStreams::reconcile(Stream& s) {
    if (s.reconciled || s.isDefault) return;
    if (s.heldUnread) {
        s.heldUnread = false;
        try {
            auto held = s.heldFile->load(s.info.rows, s.info.flushed);
            s.held = std::move(held.rows);
            s.heldSchema = std::move(held.schema);
            s.heldClean = false; // checked again on the way into the table
            s.lost = std::move(held.lost);
        } catch (const std::exception& damaged) {
            s.lost = damaged.what();
        }
    }
    try {
        const auto t = store_.table(s.name.project, s.name.dataset, s.name.table);
        std::shared_lock tl(t->mutex);
        const auto it = t->streamEnds.find(s.name.id);
        const std::int64_t logged = it == t->streamEnds.end() ? -1 : it->second;
        if (s.info.type == Type::Committed && logged > s.info.rows) {
            // A crash after the rows were logged but before this file was rewritten.
            s.info.rows = logged;
            save(s);
        } else if (s.info.type == Type::Pending && !s.committed() && s.info.rows > 0 && logged >= s.info.rows) {
            // A crash after the commit's rows were logged but before this file said so (when
            // exactly is not kept: the stream says now).
            s.info.commitMs = sandbox::Store::nowMs();
            s.held.clear();
            s.lost.clear();
            save(s);
            if (s.heldFile) s.heldFile->remove();
        } else if (s.info.type == Type::Buffered && logged > s.info.flushed && logged <= s.info.rows) {
            // ... or after a flush's rows were.
            const auto done = static_cast<std::size_t>(logged - s.info.flushed);
            if (s.lost.empty()) s.held.erase(s.held.begin(), s.held.begin() + static_cast<std::ptrdiff_t>(std::min(done, s.held.size())));
            s.info.flushed = logged;
            if (s.info.flushed == s.info.rows) s.lost.clear();
            save(s);
        }
    } catch (const ApiFailure& e) {
        rethrowTable(e, s.info.name);
    }
    s.reconciled = true;
}

void WriteStreams::write(const Name& n, const MakeRows& make, const std::function<std::string(std::size_t)>& markFor) {
    const std::string entity = "projects/" + n.project + "/datasets/" + n.dataset + "/tables/" + n.table;
    try {
        const auto t = store_.table(n.project, n.dataset, n.table);
        for (;;) {
            Schema schema;
            std::uint64_t version = 0;
            {
                std::shared_lock tl(t->mutex);
                schema = t->schema;
                version = t->schemaVersion;
            }
            Rows r = make(schema, version);
            if (r.schemaVersion != version) continue; // made for an older schema: again
            const std::string mark = markFor ? markFor(r.rows.size()) : std::string();
            if (store_.appendValuesIfSchema(*t, r.rows, version, r.clean, mark)) return;
        }
    } catch (const ApiFailure& e) {
        rethrowTable(e, entity);
    }
}

std::int64_t WriteStreams::append(const std::string& name, std::optional<std::int64_t> offset, const MakeRows& make) {
    const auto s = find(name);
    std::lock_guard lock(s->mutex);
    if (s->isDefault && offset) fail(Code::InvalidArgument, "Offsets are not supported on the default stream: " + name);
    reconcile(*s);
    failIfLost(*s);
    if (s->info.finalized || s->committed())
        fail(Code::InvalidArgument, "Stream is finalized: " + name, StorageCode::StreamFinalized, name);
    if (offset) {
        if (*offset < s->info.rows)
            fail(Code::AlreadyExists, "The offset is within stream, expected offset " + std::to_string(s->info.rows) + ", received " +
                                          std::to_string(*offset),
                 StorageCode::OffsetAlreadyExists, name);
        if (*offset > s->info.rows)
            fail(Code::OutOfRange, "The offset is beyond stream, expected offset " + std::to_string(s->info.rows) + ", received " +
                                       std::to_string(*offset),
                 StorageCode::OffsetOutOfRange, name);
    }
    const std::int64_t start = s->info.rows;
    if (s->info.type == Type::Committed) {
        std::size_t count = 0;
        // The stream's new end goes into the log with the rows (Table::streamEnds), so a crash
        // before this stream's file is rewritten cannot make its offsets go back.
        const auto markFor = [&](std::size_t n) {
            return s->isDefault ? std::string() : s->name.id + ":" + std::to_string(start + static_cast<std::int64_t>(n));
        };
        write(s->name, [&](const Schema& schema, std::uint64_t v) {
            Rows r = make(schema, v);
            count = r.rows.size();
            return r;
        }, markFor);
        s->info.rows += static_cast<std::int64_t>(count);
    } else {
        auto [schema, version] = tableSchema(name);
        Rows r = make(schema, version);
        // On disk before it is answered; cut off again when the state cannot be saved.
        const auto before = s->heldFile->size();
        try {
            s->heldFile->append(r.rows, schema);
            s->info.rows += static_cast<std::int64_t>(r.rows.size());
            save(*s);
        } catch (...) {
            s->info.rows = start;
            try {
                s->heldFile->cutTo(before);
            } catch (...) {
            }
            throw;
        }
        relayout(s->held, s->heldSchema, schema);
        s->heldSchema = schema;
        s->heldClean = s->heldClean && r.clean;
        for (auto& v : r.rows) s->held.push_back(std::move(v));
        return start;
    }
    save(*s);
    return start;
}

std::string WriteStreams::lostMessage(const Stream& s) {
    return "The sandbox restarted and lost the rows of stream " + s.info.name + " that were not yet " +
           (s.info.type == Type::Pending ? "committed" : "flushed") + " (" + s.lost + "): write them again to a new stream.";
}

void WriteStreams::failIfLost(const Stream& s) {
    if (!s.lost.empty()) fail(Code::FailedPrecondition, lostMessage(s), StorageCode::InvalidStreamState, s.info.name);
}

std::int64_t WriteStreams::finalize(const std::string& name) {
    const auto s = find(name);
    if (s->isDefault) fail(Code::InvalidArgument, "Cannot finalize the default stream: " + name, StorageCode::InvalidStreamType, name);
    std::lock_guard lock(s->mutex);
    reconcile(*s);
    if (!s->info.finalized) {
        s->info.finalized = true;
        save(*s);
    }
    return s->info.rows;
}

WriteStreams::CommitResult WriteStreams::batchCommit(const std::string& parent, const std::vector<std::string>& names) {
    const auto table = parseName(parent, false);
    if (!table) fail(Code::InvalidArgument, "Invalid parent: " + parent + " (want projects/P/datasets/D/tables/T)");
    if (names.empty()) fail(Code::InvalidArgument, "No streams to commit: write_streams is empty.");
    CommitResult out;
    std::vector<std::shared_ptr<Stream>> streams;
    for (const auto& n : names) {
        std::shared_ptr<Stream> s;
        try {
            s = find(n);
        } catch (const WriteError& e) {
            out.errors.push_back(e);
            continue;
        }
        if (std::find(streams.begin(), streams.end(), s) == streams.end()) streams.push_back(s);
    }
    // Lock them in one order (by address) so two commits of overlapping lists cannot deadlock;
    // their rows go in in the order the request names them.
    auto byAddress = streams;
    std::sort(byAddress.begin(), byAddress.end());
    std::vector<std::unique_lock<std::mutex>> locks;
    for (const auto& s : byAddress) locks.emplace_back(s->mutex);
    for (const auto& s : streams) {
        try {
            reconcile(*s);
        } catch (const WriteError& e) {
            out.errors.push_back(e);
        }
    }
    if (!out.errors.empty()) return out;
    for (const auto& s : streams) {
        const auto& i = s->info;
        if (s->name.project != table->project || s->name.dataset != table->dataset || s->name.table != table->table)
            out.errors.push_back({Code::InvalidArgument, "Stream " + i.name + " does not belong to " + parent, StorageCode::InvalidStreamState, i.name});
        else if (i.type != Type::Pending)
            out.errors.push_back({Code::InvalidArgument, "Stream " + i.name + " is not a PENDING stream", StorageCode::InvalidStreamType, i.name});
        else if (s->committed())
            out.errors.push_back({Code::InvalidArgument, "Stream " + i.name + " is already committed", StorageCode::StreamAlreadyCommitted, i.name});
        else if (!i.finalized)
            out.errors.push_back({Code::InvalidArgument, "Stream " + i.name + " is not finalized", StorageCode::InvalidStreamState, i.name});
        else if (!s->lost.empty())
            out.errors.push_back({Code::FailedPrecondition, lostMessage(*s), StorageCode::InvalidStreamState, i.name});
    }
    if (!out.errors.empty()) return out;
    // One append for all of them: committed together or not at all. Its mark names each
    // stream's end, so a crash before their files say they are committed cannot commit
    // them twice (reconcile).
    std::string marks;
    for (const auto& s : streams) marks += (marks.empty() ? "" : ",") + s->name.id + ":" + std::to_string(s->info.rows);
    write(*table, [&](const Schema& schema, std::uint64_t v) {
        Rows r{{}, v, true};
        for (const auto& s : streams) {
            r.clean = r.clean && s->heldClean;
            std::vector<Value> rows = s->held; // copies: a failed write keeps the streams whole
            relayout(rows, s->heldSchema, schema);
            for (auto& x : rows) r.rows.push_back(std::move(x));
        }
        return r;
    }, [&](std::size_t) { return marks; });
    const auto now = sandbox::Store::nowMs();
    for (const auto& s : streams) {
        s->info.commitMs = now;
        s->held.clear();
        s->held.shrink_to_fit();
        save(*s);
        if (s->heldFile) s->heldFile->remove();
    }
    out.commitMs = now;
    return out;
}

std::int64_t WriteStreams::flush(const std::string& name, std::int64_t offset) {
    const auto s = find(name);
    std::lock_guard lock(s->mutex);
    if (s->info.type != Type::Buffered)
        fail(Code::InvalidArgument, "FlushRows is only for BUFFERED streams: " + name, StorageCode::InvalidStreamType, name);
    reconcile(*s);
    failIfLost(*s);
    if (offset < 0 || offset >= s->info.rows)
        fail(Code::OutOfRange, "The offset " + std::to_string(offset) + " is beyond the stream's " + std::to_string(s->info.rows) + " rows",
             StorageCode::OffsetOutOfRange, name);
    if (offset < s->info.flushed) return s->info.flushed - 1; // already visible
    const auto count = static_cast<std::size_t>(offset + 1 - s->info.flushed);
    write(s->name, [&](const Schema& schema, std::uint64_t v) {
        Rows r{{s->held.begin(), s->held.begin() + static_cast<std::ptrdiff_t>(count)}, v, s->heldClean};
        relayout(r.rows, s->heldSchema, schema);
        return r;
    }, [&](std::size_t) { return s->name.id + ":" + std::to_string(offset + 1); });
    s->held.erase(s->held.begin(), s->held.begin() + static_cast<std::ptrdiff_t>(count));
    s->info.flushed = offset + 1;
    save(*s);
    return offset;
}

} // namespace quarry::storageapi
