// SPDX-License-Identifier: MIT
#include "sandbox/Segment.h"

#include "sandbox/SegmentCodec.h"
#include "sandbox/SegmentStats.h"

#include <bit>
#include <algorithm>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <zstd.h>

namespace quarry::sandbox {
using namespace segment;
namespace {

/// Format 1: the compressed body alone. Format 2: the body starts with a head (rows, more,
/// next log, schema, each column's logical bytes) that the payload also carries uncompressed,
/// so a table can be scanned (SegmentFile.h) without decompressing a group to learn its size.
/// Format 3: the same head, then the body after it in parts compressed one by one (what
/// precedes the columns, each column, the row widths and commit spans) with a table of their
/// sizes, so a scan decompresses only the columns it reads. Format 4 (written now): format 3
/// with each column's statistics at the end of the head (SegmentStats.h).
constexpr std::uint8_t kFormat1 = 1;
constexpr std::uint8_t kFormat3 = 3;
constexpr std::uint8_t kFormat = 4;
constexpr int kLevel = 1; // zstd's fastest level still gives about 6x on rows like ours

} // namespace

std::uint64_t valueBytes(const Value& v) {
    switch (v.kind()) {
    case ValueKind::Null: return 0;
    case ValueKind::Bool: return 1;
    case ValueKind::Numeric: case ValueKind::Interval: case ValueKind::Range: return 16;
    case ValueKind::BigNumeric: return 32;
    case ValueKind::String: case ValueKind::Bytes: return 2 + v.asText().size();
    case ValueKind::Json: case ValueKind::Geography: return v.asText().size();
    case ValueKind::Struct: case ValueKind::Array: {
        std::uint64_t n = 0;
        for (const auto& item : v.items()) n += valueBytes(item);
        return n;
    }
    default: return 8;
    }
}

namespace {

/// One column's streams while encoding.
struct ColumnWriter {
    std::string kinds, ints, doubles, lens, text, sizes;
    std::int64_t lastInt = 0;
    std::uint64_t logical = 0; ///< the column's bytes as BigQuery bills them (valueBytes)
    StatsWriter stats;

    /// One walk of `v` writes its streams and measures it: a group's rows are many, and a walk
    /// each for the streams, the billed bytes and the memory was a fifth of a Write API append.
    void add(const Value& v) {
        std::uint64_t memory = 0;
        logical += addValue(v, memory);
        stats.add(v, memory);
    }
    /// Returns v's valueBytes and adds its valueMemory to `memory`.
    std::uint64_t addValue(const Value& v, std::uint64_t& memory) {
        const auto k = v.kind();
        kinds.push_back(static_cast<char>(k));
        if (isIntKind(k)) {
            const std::int64_t i = intOf(v);
            putVarint(ints, zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(i) - static_cast<std::uint64_t>(lastInt))));
            lastInt = i;
        } else if (k == ValueKind::Float64) {
            putFixed(doubles, std::bit_cast<std::uint64_t>(v.asDouble()));
        } else if (v.isText()) {
            const auto t = v.asText();
            putVarint(lens, t.size());
            text.append(t);
        } else if (v.isContainer()) {
            putVarint(sizes, v.size());
            memory += containerMemory(v);
            std::uint64_t bytes = 0;
            for (const auto& item : v.items()) bytes += addValue(item, memory);
            return k == ValueKind::Struct || k == ValueKind::Array ? bytes : valueBytes(v); // (a RANGE is billed whole)
        }
        memory += leafMemory(v);
        return valueBytes(v); // a leaf: no walk
    }
    void appendTo(std::string& out) const {
        for (const auto* s : {&kinds, &ints, &doubles, &lens, &text, &sizes}) putVarint(out, s->size());
        for (const auto* s : {&kinds, &ints, &doubles, &lens, &text, &sizes}) out += *s;
    }
};

/// One column's streams while decoding.
struct ColumnReader {
    Reader kinds, ints, doubles, lens, text, sizes;
    std::int64_t lastInt = 0;
    ValueArena* arena = nullptr; ///< where blocks are made (null: each value its own)

    Value next(int depth) {
        if (depth > 1000) Reader::bad("nesting is too deep");
        const auto raw = kinds.byte();
        if (raw > static_cast<std::uint8_t>(ValueKind::Array)) Reader::bad("an unknown value kind");
        const auto k = static_cast<ValueKind>(raw);
        switch (k) {
        case ValueKind::Null: return Value::null();
        case ValueKind::Int64: case ValueKind::Date: case ValueKind::Time: case ValueKind::DateTime:
        case ValueKind::Timestamp: case ValueKind::Bool: {
            lastInt = static_cast<std::int64_t>(static_cast<std::uint64_t>(lastInt) + static_cast<std::uint64_t>(unzigzag(ints.varint())));
            return intValue(k, lastInt);
        }
        case ValueKind::Float64: return Value::float64(std::bit_cast<double>(doubles.fixed()));
        case ValueKind::Range: {
            if (sizes.varint() != 2) Reader::bad("a RANGE without two bounds");
            Value start = next(depth + 1);
            Value end = next(depth + 1);
            return arena ? Value::rangeIn(*arena, std::move(start), std::move(end)) : Value::range(std::move(start), std::move(end));
        }
        case ValueKind::Struct: case ValueKind::Array: {
            const auto n = sizes.varint();
            if (n > static_cast<std::uint64_t>(kinds.end - kinds.p)) Reader::bad("more items than values");
            Value v = arena ? (k == ValueKind::Struct ? Value::structIn(*arena, n) : Value::arrayIn(*arena, n))
                            : (k == ValueKind::Struct ? Value::structOf(n) : Value::arrayOf(n));
            for (auto& item : v.items()) item = next(depth + 1);
            return v;
        }
        default: // the text kinds
            return arena ? Value::textIn(*arena, k, text.bytes(lens.varint())) : Value::text(k, text.bytes(lens.varint()));
        }
    }
};

} // namespace

std::string encodeRowGroup(std::span<const Value> rows, const Schema& schema, std::uint64_t nextLog, bool more,
                           std::span<const SegmentId> ids, std::span<const CommitSpan> commits) {
    return packRowGroupBody(encodeRowGroupBody(rows, schema, nextLog, more, ids, commits));
}

std::string encodeRowGroupBody(std::span<const Value> rows, const Schema& schema, std::uint64_t nextLog, bool more,
                               std::span<const SegmentId> ids, std::span<const CommitSpan> commits) {
    RowGroupEncoder e;
    e.add(rows);
    return e.finish(schema, nextLog, more, ids, commits);
}

struct RowGroupEncoder::Columns {
    std::vector<ColumnWriter> columns;
    std::string widths; ///< each row's own column count (varints)
};

RowGroupEncoder::RowGroupEncoder() : c_(std::make_unique<Columns>()) {}
RowGroupEncoder::~RowGroupEncoder() = default;

void RowGroupEncoder::add(std::span<const Value> rows) {
    auto& cols = c_->columns;
    for (const auto& r : rows) {
        while (cols.size() < r.size()) { // a wider row than any before: earlier rows lack it
            cols.emplace_back();
            cols.back().kinds.assign(rows_, static_cast<char>(0xff));
        }
        for (std::size_t c = 0; c < cols.size(); ++c) {
            if (c < r.size()) cols[c].add(r[c]);
            else cols[c].kinds.push_back(static_cast<char>(0xff)); // a row with fewer columns
        }
        putVarint(c_->widths, r.size());
        ++rows_;
    }
}

std::size_t RowGroupEncoder::bytes() const {
    std::size_t n = c_->widths.size();
    for (const auto& w : c_->columns)
        n += w.kinds.size() + w.ints.size() + w.doubles.size() + w.lens.size() + w.text.size() + w.sizes.size();
    return n;
}

std::string RowGroupEncoder::finish(const Schema& schema, std::uint64_t nextLog, bool more, std::span<const SegmentId> ids,
                                    std::span<const CommitSpan> commits) {
    const std::string schemaText = schema.toJson().dump();
    std::string head;
    putVarint(head, rows_);
    head.push_back(more ? 1 : 0);
    putVarint(head, nextLog);
    putVarint(head, schemaText.size());
    head += schemaText;
    putVarint(head, c_->columns.size());
    for (const auto& w : c_->columns) putVarint(head, w.logical);
    std::vector<sql::ColumnStats> stats;
    for (const auto& w : c_->columns) stats.push_back(w.stats.finish(rows_));
    appendStats(head, stats);
    std::string body;
    putVarint(body, head.size());
    body += head;
    putVarint(body, nextLog);
    body.push_back(more ? 1 : 0);
    putVarint(body, rows_);
    putVarint(body, schemaText.size());
    body += schemaText;
    putVarint(body, ids.size());
    for (const auto& id : ids) {
        putFixed(body, static_cast<std::uint64_t>(id.when));
        putFixed(body, id.a);
        putFixed(body, id.b);
    }
    putVarint(body, c_->columns.size());
    for (const auto& w : c_->columns) w.appendTo(body);
    body += c_->widths;
    if (!commits.empty()) {
        putVarint(body, commits.size());
        std::int64_t previous = 0;
        for (const auto& c : commits) {
            putVarint(body, c.rows);
            putVarint(body, zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(c.ms) - static_cast<std::uint64_t>(previous))));
            previous = c.ms;
        }
    }
    return body;
}

namespace {

/// Where a body's parts end after its head: what comes before the columns, each column,
/// then the row widths and commit spans. Each is compressed on its own (format 3).
std::vector<std::size_t> sectionEnds(std::string_view body, std::size_t afterHead) {
    Reader r{body.data() + afterHead, body.data() + body.size()};
    r.varint(); // next log
    r.byte();   // more
    r.varint(); // rows
    r.bytes(r.varint()); // schema
    const auto ids = r.varint();
    for (std::uint64_t i = 0; i < ids; ++i) r.bytes(24);
    const auto columns = r.varint();
    std::vector<std::size_t> ends;
    auto mark = [&] { ends.push_back(static_cast<std::size_t>(r.p - body.data())); };
    mark();
    for (std::uint64_t c = 0; c < columns; ++c) {
        std::uint64_t streams = 0;
        for (int s = 0; s < 6; ++s) streams += r.varint();
        r.bytes(streams);
        mark();
    }
    ends.push_back(body.size());
    return ends;
}

} // namespace

std::string packRowGroupBody(std::string_view body) {
    // The head goes first, as it is, so that a reader learns a group's size from a few bytes;
    // then a table of the parts and each part compressed on its own, so that a scan
    // decompresses only the columns it reads.
    Reader r{body.data(), body.data() + body.size()};
    const auto headSize = r.varint();
    const auto headWithSize = static_cast<std::size_t>(r.p - body.data()) + r.bytes(headSize).size();
    const auto ends = sectionEnds(body, headWithSize);
    std::string out, packed;
    out.push_back(static_cast<char>(kFormat));
    putFixed(out, body.size());
    out.append(body.data(), headWithSize);
    putVarint(out, ends.size());
    std::size_t start = headWithSize;
    for (const auto end : ends) {
        const std::string_view part = body.substr(start, end - start);
        const std::size_t bound = ZSTD_compressBound(part.size());
        const std::size_t at = packed.size();
        packed.resize(at + bound);
        const std::size_t n = ZSTD_compress(packed.data() + at, bound, part.data(), part.size(), kLevel);
        if (ZSTD_isError(n)) throw std::runtime_error(std::string("cannot compress a row group: ") + ZSTD_getErrorName(n));
        packed.resize(at + n);
        putVarint(out, part.size());
        putVarint(out, n);
        start = end;
    }
    return out + packed;
}

namespace {

/// A head (formats 2 to 4) from its bytes; `withStats`: format 4's, which ends with them.
RowGroupHead parseHead(std::string_view bytes, bool withStats) {
    Reader r{bytes.data(), bytes.data() + bytes.size()};
    RowGroupHead h;
    h.rows = r.varint();
    h.more = r.byte() != 0;
    h.nextLog = r.varint();
    h.schemaText = std::string(r.bytes(r.varint()));
    const auto columns = r.varint();
    if (columns > 100'000) Reader::bad("too many columns");
    h.columnBytes.resize(columns);
    for (auto& b : h.columnBytes) b = r.varint();
    if (withStats) {
        h.stats = parseStats(std::string_view(r.p, static_cast<std::size_t>(r.end - r.p)));
        if (h.stats.size() != columns) Reader::bad("its statistics do not match its columns");
        r.p = r.end;
    }
    if (r.p != r.end) Reader::bad("its head has bytes left over");
    return h;
}

/// The payload's format byte, body size and where the compressed body starts (and the head,
/// for formats 2 and 3; format 3's "compressed" is its table of parts and the parts).
struct Framing {
    std::uint8_t format = 0;
    std::uint64_t rawSize = 0;
    std::string_view head, compressed;
};

/// The format byte, refused unless this sandbox reads it.
std::uint8_t formatOf(Reader& r) {
    const auto format = r.byte();
    if (format < kFormat1 || format > kFormat)
        throw std::runtime_error("a row group of format " + std::to_string(format) +
                                 ", which this sandbox does not read (it reads formats 1 to 4); a newer sandbox wrote it");
    return format;
}

/// A decoded group must be what its head said.
void checkHead(const RowGroupHead& h, const RowGroup& g) {
    if (h.rows != g.rows.size() || h.more != g.more || h.nextLog != g.nextLog) Reader::bad("its head does not match its rows");
}

Framing frameOf(std::string_view payload) {
    Reader r{payload.data(), payload.data() + payload.size()};
    Framing f;
    f.format = formatOf(r);
    f.rawSize = r.fixed();
    if (f.format != kFormat1) f.head = r.bytes(r.varint());
    f.compressed = std::string_view(r.p, static_cast<std::size_t>(r.end - r.p));
    return f;
}

/// Decodes the old layout (format 1, and the part of format 2 after its head), reading only
/// the columns `wanted` marks (all when null): the others are NULL.
/// `columns`: how many a format 3 group's parts say it has (its layout must agree).
RowGroup decodeLayout(Reader r, std::string_view body, const std::vector<bool>* wanted, ValueArena* arena,
                      std::optional<std::uint64_t> columns = std::nullopt);

/// Format 3: the body after its head put together from its parts, each decompressed on its
/// own; a column `wanted` leaves out becomes six empty streams and is never decompressed.
RowGroup decodeParts(const Framing& f, const std::vector<bool>* wanted, ValueArena* arena) {
    Reader r{f.compressed.data(), f.compressed.data() + f.compressed.size()};
    const auto parts = r.varint();
    if (parts < 2 || parts > 100'002) Reader::bad("its parts do not add up");
    struct Part {
        std::uint64_t raw = 0, packed = 0;
    };
    std::vector<Part> list(static_cast<std::size_t>(parts));
    for (auto& p : list) {
        p.raw = r.varint();
        p.packed = r.varint();
    }
    auto skipped = [&](std::size_t i) {
        const std::size_t c = i - 1; // part 0 comes before the columns, the last one after them
        return wanted && i >= 1 && i + 1 < list.size() && !(c < wanted->size() && (*wanted)[c]);
    };
    std::string headSize;
    putVarint(headSize, f.head.size());
    std::uint64_t raw = headSize.size() + f.head.size(), assembled = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        raw += list[i].raw;
        if (raw > f.rawSize || list[i].packed > f.compressed.size()) Reader::bad("its size does not match");
        assembled += skipped(i) ? 6 : list[i].raw;
    }
    // A group holds about 48 MB of values, one huge row at most a few hundred: 1 GB is damage.
    if (raw != f.rawSize || f.rawSize > (std::uint64_t{1} << 30)) Reader::bad("its size does not match");
    ScratchBuffer body(static_cast<std::size_t>(assembled));
    char* at = body.data();
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto packed = r.bytes(list[i].packed);
        if (skipped(i)) {
            std::memset(at, 0, 6);
            at += 6;
            continue;
        }
        const auto n = ZSTD_decompress(at, static_cast<std::size_t>(list[i].raw), packed.data(), packed.size());
        if (ZSTD_isError(n) || n != list[i].raw) Reader::bad("it does not decompress");
        at += list[i].raw;
    }
    if (r.p != r.end) Reader::bad("bytes left over after its parts");
    const std::string_view text(body.data(), static_cast<std::size_t>(assembled));
    RowGroup g = decodeLayout(Reader{text.data(), text.data() + text.size()}, text, wanted, arena, parts - 2);
    checkHead(parseHead(f.head, f.format == kFormat), g);
    return g;
}

/// Blocks kept for reuse by ScratchBuffer: a scan decodes a group of tens of MB after another,
/// and a fresh block each time costs the kernel's page faults and malloc's consolidation more
/// than the decoding. A few are kept, none over 64 MB.
std::mutex scratchMutex;
std::vector<std::pair<std::unique_ptr<char[]>, std::size_t>> scratchBlocks;
constexpr std::size_t kScratchKept = 4;
constexpr std::size_t kScratchLargest = std::size_t{64} << 20;

} // namespace

ScratchBuffer::ScratchBuffer(std::size_t size) {
    {
        std::lock_guard lock(scratchMutex);
        for (auto it = scratchBlocks.begin(); it != scratchBlocks.end(); ++it)
            if (it->second >= size) {
                block_ = std::move(it->first);
                capacity_ = it->second;
                scratchBlocks.erase(it);
                return;
            }
    }
    block_.reset(new char[size]);
    capacity_ = size;
}

ScratchBuffer::~ScratchBuffer() {
    if (!block_ || capacity_ > kScratchLargest) return;
    std::lock_guard lock(scratchMutex);
    if (scratchBlocks.size() >= kScratchKept) {
        // Keep the larger ones: the next group is about as large as the last.
        auto smallest = std::min_element(scratchBlocks.begin(), scratchBlocks.end(),
                                         [](const auto& a, const auto& b) { return a.second < b.second; });
        if (smallest->second >= capacity_) return;
        scratchBlocks.erase(smallest);
    }
    scratchBlocks.emplace_back(std::move(block_), capacity_);
}

void ScratchBuffer::releaseAll() {
    std::vector<std::pair<std::unique_ptr<char[]>, std::size_t>> gone;
    std::lock_guard lock(scratchMutex);
    gone.swap(scratchBlocks);
}

std::optional<RowGroupHead> readRowGroupHead(std::string_view prefix, std::size_t& needed) {
    needed = 0;
    Reader r{prefix.data(), prefix.data() + prefix.size()};
    if (prefix.empty()) Reader::bad("it is empty");
    const auto format = formatOf(r);
    if (format == kFormat1) return std::nullopt;
    if (prefix.size() < 1 + 8 + 10) {
        needed = 1 + 8 + 10;
        return std::nullopt;
    }
    r.fixed();
    const auto size = r.varint();
    const auto at = static_cast<std::size_t>(r.p - prefix.data());
    if (size > (std::uint64_t{64} << 20)) Reader::bad("its head is too large");
    if (prefix.size() - at < size) {
        needed = at + static_cast<std::size_t>(size);
        return std::nullopt;
    }
    return parseHead(prefix.substr(at, static_cast<std::size_t>(size)), format == kFormat);
}

RowGroup decodeRowGroup(std::string_view payload, const std::vector<bool>* wanted, ValueArena* arena) {
    const Framing f = frameOf(payload);
    if (f.format >= kFormat3) return decodeParts(f, wanted, arena);
    const auto stored = ZSTD_getFrameContentSize(f.compressed.data(), f.compressed.size());
    // A group holds about 48 MB of values, one huge row at most a few hundred: 1 GB is damage.
    if (stored != f.rawSize || f.rawSize > (std::uint64_t{1} << 30)) Reader::bad("its size does not match");
    ScratchBuffer body(f.rawSize); // not zeroed: zstd writes every byte
    const auto n = ZSTD_decompress(body.data(), f.rawSize, f.compressed.data(), f.compressed.size());
    if (ZSTD_isError(n) || n != f.rawSize) Reader::bad("it does not decompress");
    const std::string_view text(body.data(), f.rawSize);
    if (f.format == kFormat1) return decodeLayout(Reader{text.data(), text.data() + text.size()}, text, wanted, arena);
    Reader r{text.data(), text.data() + text.size()};
    const auto headSize = r.varint();
    if (r.bytes(headSize) != f.head) Reader::bad("its head does not match its body");
    RowGroup g = decodeLayout(r, text, wanted, arena);
    checkHead(parseHead(f.head, false), g);
    return g;
}

RowGroup decodeRowGroupBody(std::string_view body) {
    Reader r{body.data(), body.data() + body.size()};
    const RowGroupHead h = parseHead(r.bytes(r.varint()), true); // a body is always of the format written now
    RowGroup g = decodeLayout(r, body, nullptr, nullptr);
    checkHead(h, g);
    return g;
}

namespace {

RowGroup decodeLayout(Reader r, std::string_view body, const std::vector<bool>* wanted, ValueArena* arena,
                      std::optional<std::uint64_t> expectColumns) {
    RowGroup g;
    g.nextLog = r.varint();
    g.more = r.byte() != 0;
    const auto rowCount = r.varint();
    if (rowCount > body.size()) Reader::bad("more rows than bytes");
    const auto schemaText = r.bytes(r.varint());
    try {
        g.schema = Schema::fromJson(nlohmann::json::parse(schemaText));
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("a row group's schema cannot be read: ") + e.what());
    }
    const auto idCount = r.varint();
    if (idCount > body.size() / 24) Reader::bad("more insertIds than bytes");
    g.ids.resize(idCount);
    for (auto& id : g.ids) {
        id.when = static_cast<std::int64_t>(r.fixed());
        id.a = r.fixed();
        id.b = r.fixed();
    }
    const auto columns = r.varint();
    if (columns > 100'000) Reader::bad("too many columns");
    if (expectColumns && columns != *expectColumns) Reader::bad("its columns do not match its parts");
    std::vector<ColumnReader> readers(columns);
    std::vector<bool> read(columns, true);
    for (std::size_t c = 0; c < columns; ++c) {
        auto& cr = readers[c];
        cr.arena = arena;
        std::uint64_t sizes[6];
        for (auto& s : sizes) s = r.varint();
        Reader* streams[6] = {&cr.kinds, &cr.ints, &cr.doubles, &cr.lens, &cr.text, &cr.sizes};
        for (int i = 0; i < 6; ++i) {
            const auto s = r.bytes(sizes[i]);
            *streams[i] = Reader{s.data(), s.data() + s.size()};
        }
        if (wanted && !(c < wanted->size() && (*wanted)[c])) read[c] = false;
    }
    // A row ends at its last column read: the engine looks at no other.
    std::uint64_t widest = columns;
    if (wanted) while (widest > 0 && !read[widest - 1]) --widest;
    g.rows.reserve(rowCount);
    for (std::uint64_t i = 0; i < rowCount; ++i) {
        const auto width = r.varint();
        if (width > columns) Reader::bad("a row wider than its group");
        Value row = arena ? Value::structIn(*arena, std::min(width, widest)) : Value::structOf(std::min(width, widest));
        for (std::uint64_t c = 0; c < columns; ++c) {
            if (!read[c]) continue; // NULL, and its streams are not looked at
            if (c < width) {
                row[c] = readers[c].next(0);
            } else if (readers[c].kinds.byte() != 0xff) {
                Reader::bad("a row's width does not match its columns");
            }
        }
        g.rows.push_back(std::move(row));
    }
    for (std::size_t c = 0; c < columns; ++c)
        if (read[c] && readers[c].kinds.p != readers[c].kinds.end) Reader::bad("values left over");
    if (r.p != r.end) {
        const auto spans = r.varint();
        if (spans > rowCount || spans == 0) Reader::bad("more commit spans than rows");
        g.commits.resize(spans);
        std::uint64_t covered = 0;
        std::int64_t previous = 0;
        for (auto& c : g.commits) {
            c.rows = r.varint();
            c.ms = static_cast<std::int64_t>(static_cast<std::uint64_t>(previous) + static_cast<std::uint64_t>(unzigzag(r.varint())));
            previous = c.ms;
            covered += c.rows;
            if (c.rows == 0 || covered > rowCount) Reader::bad("commit spans that do not match its rows");
        }
        if (covered != rowCount || r.p != r.end) Reader::bad("commit spans that do not match its rows");
    }
    return g;
}

} // namespace

} // namespace quarry::sandbox
