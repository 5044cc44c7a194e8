// SPDX-License-Identifier: MIT
#include "sandbox/Segment.h"

#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <zstd.h>

namespace quarry::sandbox {
namespace {

constexpr std::uint8_t kFormat = 1;
constexpr int kLevel = 1; // zstd's fastest level still gives about 6x on rows like ours

void putVarint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void putFixed(std::string& out, std::uint64_t v) {
    char b[8];
    std::memcpy(b, &v, 8);
    out.append(b, 8);
}

std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

bool isIntKind(ValueKind k) {
    switch (k) {
    case ValueKind::Int64: case ValueKind::Date: case ValueKind::Time: case ValueKind::DateTime:
    case ValueKind::Timestamp: case ValueKind::Bool:
        return true;
    default:
        return false;
    }
}

/// One column's streams while encoding.
struct ColumnWriter {
    std::string kinds, ints, doubles, lens, text, sizes;
    std::int64_t lastInt = 0;

    void add(const Value& v) {
        const auto k = v.kind();
        kinds.push_back(static_cast<char>(k));
        if (isIntKind(k)) {
            const std::int64_t i = k == ValueKind::Bool ? (v.asBool() ? 1 : 0) : v.asInt64();
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
            for (const auto& item : v.items()) add(item);
        }
    }
    void appendTo(std::string& out) const {
        for (const auto* s : {&kinds, &ints, &doubles, &lens, &text, &sizes}) putVarint(out, s->size());
        for (const auto* s : {&kinds, &ints, &doubles, &lens, &text, &sizes}) out += *s;
    }
};

/// Reads a byte range with bounds checks: a damaged group is an error, never a crash.
struct Reader {
    const char* p;
    const char* end;

    [[noreturn]] static void bad(const char* what) {
        throw std::runtime_error(std::string("a row group is damaged (") + what + ")");
    }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) bad("a number runs past its stream");
            const auto b = static_cast<std::uint8_t>(*p++);
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        bad("a number is too long");
    }
    std::uint64_t fixed() {
        if (end - p < 8) bad("a double runs past its stream");
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        p += 8;
        return v;
    }
    std::string_view bytes(std::uint64_t n) {
        if (static_cast<std::uint64_t>(end - p) < n) bad("a stream is cut short");
        std::string_view s(p, n);
        p += n;
        return s;
    }
    std::uint8_t byte() {
        if (p >= end) bad("a value's kind is missing");
        return static_cast<std::uint8_t>(*p++);
    }
};

/// One column's streams while decoding.
struct ColumnReader {
    Reader kinds, ints, doubles, lens, text, sizes;
    std::int64_t lastInt = 0;

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
            switch (k) {
            case ValueKind::Int64: return Value::int64(lastInt);
            case ValueKind::Date: return Value::date(static_cast<std::int32_t>(lastInt));
            case ValueKind::Time: return Value::time(lastInt);
            case ValueKind::DateTime: return Value::dateTime(lastInt);
            case ValueKind::Timestamp: return Value::timestamp(lastInt);
            default: return Value::boolean(lastInt != 0);
            }
        }
        case ValueKind::Float64: return Value::float64(std::bit_cast<double>(doubles.fixed()));
        case ValueKind::Range: {
            if (sizes.varint() != 2) Reader::bad("a RANGE without two bounds");
            Value start = next(depth + 1);
            Value end = next(depth + 1);
            return Value::range(std::move(start), std::move(end));
        }
        case ValueKind::Struct: case ValueKind::Array: {
            const auto n = sizes.varint();
            if (n > static_cast<std::uint64_t>(kinds.end - kinds.p)) Reader::bad("more items than values");
            Value v = k == ValueKind::Struct ? Value::structOf(n) : Value::arrayOf(n);
            for (auto& item : v.items()) item = next(depth + 1);
            return v;
        }
        default: // the text kinds
            return Value::text(k, text.bytes(lens.varint()));
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
    std::string body;
    putVarint(body, nextLog);
    body.push_back(more ? 1 : 0);
    putVarint(body, rows_);
    const std::string schemaText = schema.toJson().dump();
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

std::string packRowGroupBody(std::string_view body) {
    std::string out;
    out.push_back(static_cast<char>(kFormat));
    putFixed(out, body.size());
    const std::size_t bound = ZSTD_compressBound(body.size());
    const std::size_t head = out.size();
    out.resize(head + bound);
    const std::size_t n = ZSTD_compress(out.data() + head, bound, body.data(), body.size(), kLevel);
    if (ZSTD_isError(n)) throw std::runtime_error(std::string("cannot compress a row group: ") + ZSTD_getErrorName(n));
    out.resize(head + n);
    return out;
}

RowGroup decodeRowGroup(std::string_view payload) {
    Reader head{payload.data(), payload.data() + payload.size()};
    const auto format = head.byte();
    if (format != kFormat)
        throw std::runtime_error("a row group of format " + std::to_string(format) +
                                 ", which this sandbox does not read (it reads format 1); a newer sandbox wrote it");
    const auto rawSize = head.fixed();
    const auto stored = ZSTD_getFrameContentSize(head.p, static_cast<std::size_t>(head.end - head.p));
    // A group holds about 48 MB of values, one huge row at most a few hundred: 1 GB is damage.
    if (stored != rawSize || rawSize > (std::uint64_t{1} << 30)) Reader::bad("its size does not match");
    const std::unique_ptr<char[]> body(new char[rawSize]); // not zeroed: zstd writes every byte
    const auto n = ZSTD_decompress(body.get(), rawSize, head.p, static_cast<std::size_t>(head.end - head.p));
    if (ZSTD_isError(n) || n != rawSize) Reader::bad("it does not decompress");
    return decodeRowGroupBody(std::string_view(body.get(), rawSize));
}

RowGroup decodeRowGroupBody(std::string_view body) {
    Reader r{body.data(), body.data() + body.size()};
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
    std::vector<ColumnReader> readers(columns);
    for (auto& c : readers) {
        std::uint64_t sizes[6];
        for (auto& s : sizes) s = r.varint();
        Reader* streams[6] = {&c.kinds, &c.ints, &c.doubles, &c.lens, &c.text, &c.sizes};
        for (int i = 0; i < 6; ++i) {
            const auto s = r.bytes(sizes[i]);
            *streams[i] = Reader{s.data(), s.data() + s.size()};
        }
    }
    g.rows.reserve(rowCount);
    for (std::uint64_t i = 0; i < rowCount; ++i) {
        const auto width = r.varint();
        if (width > columns) Reader::bad("a row wider than its group");
        Value row = Value::structOf(width);
        for (std::uint64_t c = 0; c < columns; ++c) {
            if (c < width) {
                row[c] = readers[c].next(0);
            } else if (readers[c].kinds.byte() != 0xff) {
                Reader::bad("a row's width does not match its columns");
            }
        }
        g.rows.push_back(std::move(row));
    }
    for (const auto& c : readers)
        if (c.kinds.p != c.kinds.end) Reader::bad("values left over");
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

} // namespace quarry::sandbox
