// SPDX-License-Identifier: MIT
#include "sandbox/SegmentFile.h"

#include "sandbox/RowLogFrame.h"
#include "sandbox/Store.h"
#include "sandbox/TableFiles.h"
#include "value/Text.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace quarry::sandbox {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSegments = "rows.qseg";

/// A format 1 group's head, learned by decoding it.
RowGroupHead headByDecoding(std::string_view payload) {
    const RowGroup g = decodeRowGroup(payload);
    RowGroupHead h;
    h.rows = g.rows.size();
    h.more = g.more;
    h.nextLog = g.nextLog;
    h.schemaText = g.schema.toJson().dump();
    for (const auto& row : g.rows) {
        if (h.columnBytes.size() < row.size()) h.columnBytes.resize(row.size(), 0);
        for (std::size_t c = 0; c < row.size(); ++c) h.columnBytes[c] += valueBytes(row[c]);
    }
    return h;
}

} // namespace

GroupSource::GroupSource(Schema stored, std::uint64_t version)
    : stored_(std::move(stored)), storedText_(stored_.toJson().dump()), version_(version), bytes_(stored_.fields.size(), 0) {}

void GroupSource::add(Group g) {
    rows_ += g.rows;
    // A column the group lacks is NULL in each of its rows.
    std::vector<sql::ColumnStats> stats(g.stats.empty() ? 0 : stored_.fields.size(), sql::ColumnStats{g.rows, {}, {}});
    if (g.schemaText == storedText_) {
        for (std::size_t c = 0; c < g.columnBytes.size() && c < bytes_.size(); ++c) bytes_[c] += g.columnBytes[c];
        for (std::size_t c = 0; c < g.stats.size() && c < stats.size(); ++c) stats[c] = std::move(g.stats[c]);
    } else { // written before the schema changed: its columns by name
        const Schema was = Schema::fromJson(nlohmann::json::parse(g.schemaText));
        for (std::size_t c = 0; c < g.columnBytes.size() && c < was.fields.size(); ++c)
            for (std::size_t k = 0; k < stored_.fields.size(); ++k)
                if (text::iequals(was.fields[c].name, stored_.fields[k].name)) {
                    bytes_[k] += g.columnBytes[c];
                    if (c < g.stats.size()) stats[k] = g.stats[c];
                }
    }
    g.stats = std::move(stats);
    groups_.push_back(std::move(g));
}

std::uint64_t GroupSource::valueBytes() const {
    // Each row: its value, and its block of column values with malloc's header.
    std::uint64_t n = rows_ * (sizeof(Value) * (stored_.fields.size() + 1) + 16);
    for (const auto& g : groups_) {
        if (g.stats.empty()) { // before format 4: the logical bytes, which undercount nested rows
            for (const auto b : g.columnBytes) n += b;
        } else {
            for (const auto& s : g.stats) n += s.memory;
        }
    }
    return n;
}

std::vector<Value> GroupSource::read(std::size_t g, const std::vector<bool>& wanted, ValueArena* arena) const {
    const Group& at = groups_.at(g);
    std::optional<ScratchBuffer> holder;
    const std::string_view bytes = payload(g, holder);
    if (at.schemaText == storedText_) {
        RowGroup rows = decodeRowGroup(bytes, wanted.empty() ? nullptr : &wanted, arena); // empty: every column
        if (rows.rows.size() != at.rows) throw std::runtime_error("a row group is damaged (its rows do not match its head)");
        return std::move(rows.rows);
    }
    RowGroup rows = decodeRowGroup(bytes); // an older layout: every column, then moved by name
    if (rows.rows.size() != at.rows) throw std::runtime_error("a row group is damaged (its rows do not match its head)");
    for (auto& r : rows.rows) r = relayoutRow(r, rows.schema.fields, stored_.fields);
    return std::move(rows.rows);
}

std::uint64_t SegmentFile::fileBytes(const fs::path& dir) {
    std::error_code ec;
    const auto n = fs::file_size(dir / kSegments, ec);
    return ec ? 0 : n;
}

SegmentFile::SegmentFile(Schema stored, std::uint64_t version, platform::File f, fs::path path)
    : GroupSource(std::move(stored), version), file_(std::move(f)), path_(std::move(path)) {}

std::shared_ptr<SegmentFile> SegmentFile::open(const fs::path& dir, const Schema& stored, std::uint64_t version, std::string& why) {
    const fs::path path = dir / kSegments;
    platform::File f = platform::File::open(path, platform::File::Mode::Read);
    if (!f.isOpen()) {
        why = "no row groups";
        return nullptr;
    }
    const auto size = f.size();
    if (!size) throw std::runtime_error("cannot read the size of " + path.string() + ": " + platform::lastErrorText());
    std::shared_ptr<SegmentFile> s(new SegmentFile(stored, version, std::move(f), path));
    std::uint64_t at = 0, nextLog = 0;
    bool more = false;
    std::string buf;
    while (at < *size) {
        const auto p = rowlog::frameAt(s->file_, at, *size);
        if (!p) {
            why = "a torn or damaged tail";
            return nullptr;
        }
        buf.resize(std::min<std::size_t>(p->length, 4096));
        if (!rowlog::readExactly(s->file_, buf.data(), buf.size(), p->offset)) throw std::runtime_error("cannot read " + path.string());
        std::size_t needed = 0;
        auto head = readRowGroupHead(buf, needed);
        for (int asked = 0; !head && needed > 0; ++asked) { // a head longer than the bytes read
            if (needed > p->length || needed <= buf.size() || asked == 3)
                throw std::runtime_error("a row group is damaged (its head runs past it) in " + path.string());
            buf.resize(needed);
            if (!rowlog::readExactly(s->file_, buf.data(), buf.size(), p->offset)) throw std::runtime_error("cannot read " + path.string());
            head = readRowGroupHead(buf, needed);
        }
        s->places_.push_back(*p);
        if (!head) {
            std::optional<ScratchBuffer> holder;
            head = headByDecoding(s->payload(s->places_.size() - 1, holder));
        }
        more = head->more;
        nextLog = head->nextLog;
        s->add({head->rows, std::move(head->schemaText), std::move(head->columnBytes), std::move(head->stats)});
        at = p->offset + p->length;
    }
    if (s->places_.empty() || more) {
        why = s->places_.empty() ? "no row groups" : "a checkpoint cut short";
        return nullptr;
    }
    // Rows in a log after the groups are not in them: such a table is read whole.
    for (const auto gen : logGenerations(dir)) {
        if (gen < nextLog) continue; // folded already (a checkpoint stopped before removing it)
        std::error_code ec;
        if (fs::file_size(logFile(dir, gen), ec) != 0 || ec) {
            why = "rows in its log";
            return nullptr;
        }
    }
    return s;
}

std::string_view SegmentFile::payload(std::size_t g, std::optional<ScratchBuffer>& into) const {
    const rowlog::Frame& p = places_.at(g);
    char* at = into.emplace(p.length).data();
    rowlog::readPayload(file_, p, at, path_.string());
    return {at, p.length};
}

GroupsInMemory::GroupsInMemory(const std::vector<Value>& rows, const Schema& stored, std::uint64_t version, std::size_t groupRows)
    : GroupSource(stored, version) {
    groupRows = std::max<std::size_t>(groupRows, 1);
    for (std::size_t b = 0; b < rows.size(); b += groupRows) {
        const std::size_t n = std::min(groupRows, rows.size() - b);
        payloads_.push_back(encodeRowGroup(std::span<const Value>(rows.data() + b, n), stored, 0, false, {}));
        std::size_t needed = 0;
        auto head = readRowGroupHead(payloads_.back(), needed);
        add({head->rows, std::move(head->schemaText), std::move(head->columnBytes), std::move(head->stats)});
    }
}

} // namespace quarry::sandbox
