// SPDX-License-Identifier: MIT
// Arrow IPC messages back to rows (ArrowIpc.h). The input comes from the network: every
// FlatBuffers table, vector and string is verified before it is read, every buffer is checked
// to lie inside the body and to be long enough for its column, and offsets must rise.
#include "storageapi/ArrowFormat.h"
#include "storageapi/ArrowIpc.h"
#include "storageapi/ScaledDecimal.h"

#include "value/Civil.h"
#include "value/Numbers.h"
#include "value/Text.h"

#include <flatbuffers/flatbuffers.h>

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <new>

namespace quarry::storageapi::arrow {

namespace {

using flatbuffers::Table;
template <class T> using Vec = flatbuffers::Vector<T>;
using TableVec = Vec<flatbuffers::Offset<Table>>;

/// More rows than any Storage API answer holds: a reader refuses a batch claiming them.
constexpr std::int64_t kMaxBatchRows = 1 << 24;
/// What a compressed batch's buffers may unpack to, all together (BigQuery's answers are a
/// few megabytes; gRPC takes 128 MB at most).
constexpr std::int64_t kMaxUnpacked = std::int64_t{256} << 20;
/// Values a batch may hold, nested items included (1 GiB of Values).
constexpr std::uint64_t kMaxBatchValues = std::uint64_t{1} << 26;

[[noreturn]] void bad(const std::string& why) { throw ArrowError("Arrow data: " + why); }

/// One encapsulated message: its verified metadata and its body.
struct Message {
    std::unique_ptr<flatbuffers::Verifier> verifier;
    const Table* header = nullptr;
    std::uint8_t headerType = 0;
    std::string_view body;
};

const Table* subTable(flatbuffers::Verifier& v, const Table* t, std::uint16_t slot) {
    if (!t->VerifyOffset(v, slot)) bad("a table offset points outside the message");
    const auto* sub = t->GetPointer<const Table*>(slot);
    if (sub && !sub->VerifyTableStart(v)) bad("a table is damaged");
    return sub;
}

template <class T> const T* vectorOf(flatbuffers::Verifier& v, const Table* t, std::uint16_t slot) {
    if (!t->VerifyOffset(v, slot)) bad("a vector offset points outside the message");
    const auto* vec = t->GetPointer<const T*>(slot);
    if (vec && !v.VerifyVector(vec)) bad("a vector runs past the message");
    return vec;
}

std::string_view stringOf(flatbuffers::Verifier& v, const Table* t, std::uint16_t slot) {
    if (!t->VerifyOffset(v, slot)) bad("a string offset points outside the message");
    const auto* s = t->GetPointer<const flatbuffers::String*>(slot);
    if (!s) return {};
    if (!v.VerifyString(s)) bad("a string runs past the message");
    return {s->c_str(), s->size()};
}

template <class T> T scalar(flatbuffers::Verifier& v, const Table* t, std::uint16_t slot, T def) {
    if (!t->VerifyField<T>(v, slot, sizeof(T))) bad("a field runs past the message");
    return t->GetField<T>(slot, def);
}

Message parse(std::string_view msg, fb::Header want) {
    if (msg.size() < 8) bad("a message shorter than its 8-byte prefix");
    std::uint32_t continuation = 0;
    std::int32_t len = 0;
    std::memcpy(&continuation, msg.data(), 4);
    std::memcpy(&len, msg.data() + 4, 4);
    if (continuation != 0xFFFFFFFFu) bad("no continuation marker (0xFFFFFFFF) before the metadata");
    if (len < 8 || static_cast<std::size_t>(len) > msg.size() - 8) bad("metadata length " + std::to_string(len) + " past the message");
    Message m;
    const auto* meta = reinterpret_cast<const std::uint8_t*>(msg.data() + 8);
    m.verifier = std::make_unique<flatbuffers::Verifier>(meta, static_cast<std::size_t>(len), 64, 100000);
    auto& v = *m.verifier;
    flatbuffers::uoffset_t root = 0;
    std::memcpy(&root, meta, 4);
    if (root < 4 || root > static_cast<std::uint32_t>(len) - 4) bad("the metadata's root points outside it");
    const auto* t = reinterpret_cast<const Table*>(meta + root);
    if (!t->VerifyTableStart(v)) bad("the message table is damaged");
    if (scalar<std::int16_t>(v, t, fb::message::version, 0) < 3) bad("metadata version before V4");
    m.headerType = scalar<std::uint8_t>(v, t, fb::message::headerType, 0);
    if (m.headerType != want) bad(want == fb::kSchema ? "the message is not a Schema" : "the message is not a RecordBatch");
    m.header = subTable(v, t, fb::message::header);
    if (!m.header) bad("the message has no header");
    const auto bodyLength = scalar<std::int64_t>(v, t, fb::message::bodyLength, 0);
    const std::size_t rest = msg.size() - 8 - static_cast<std::size_t>(len);
    if (bodyLength < 0 || static_cast<std::uint64_t>(bodyLength) > rest) bad("body length " + std::to_string(bodyLength) + " past the message");
    m.body = msg.substr(8 + static_cast<std::size_t>(len), static_cast<std::size_t>(bodyLength));
    return m;
}

Field fieldFrom(flatbuffers::Verifier& v, const Table* f, int depth) {
    if (depth > 20) bad("fields nested deeper than BigQuery allows");
    Field out;
    out.name = std::string(stringOf(v, f, fb::field::name));
    out.mode = scalar<std::uint8_t>(v, f, fb::field::nullable, 0) ? Mode::Nullable : Mode::Required;
    const auto type = scalar<std::uint8_t>(v, f, fb::field::typeType, 0);
    const Table* t = subTable(v, f, fb::field::type);
    if (!t) bad("field " + out.name + " has no type");
    if (subTable(v, f, fb::field::dictionary)) bad("field " + out.name + " is dictionary-encoded");
    const auto* kids = vectorOf<TableVec>(v, f, fb::field::children);
    std::vector<Field> children;
    if (kids)
        for (flatbuffers::uoffset_t i = 0; i < kids->size(); ++i) {
            const Table* k = kids->Get(i);
            if (!k->VerifyTableStart(v)) bad("a child field is damaged");
            children.push_back(fieldFrom(v, k, depth + 1));
        }
    std::string_view extension;
    if (const auto* meta = vectorOf<TableVec>(v, f, fb::field::metadata))
        for (flatbuffers::uoffset_t i = 0; i < meta->size(); ++i) {
            const Table* kv = meta->Get(i);
            if (!kv->VerifyTableStart(v)) bad("field metadata is damaged");
            if (stringOf(v, kv, fb::keyValue::key) == fb::kExtensionName) extension = stringOf(v, kv, fb::keyValue::value);
        }
    auto unsupported = [&](const std::string& what) { bad("field " + out.name + ": " + what + " is not a BigQuery type"); };
    switch (type) {
    case fb::kInt:
        if (scalar<std::int32_t>(v, t, fb::slot(0), 0) != 64 || !scalar<std::uint8_t>(v, t, fb::slot(1), 0)) unsupported("an int narrower than int64");
        out.type = TypeKind::Int64;
        break;
    case fb::kFloatingPoint:
        if (scalar<std::int16_t>(v, t, fb::slot(0), 0) != fb::kDouble) unsupported("a float narrower than double");
        out.type = TypeKind::Float64;
        break;
    case fb::kBool: out.type = TypeKind::Bool; break;
    case fb::kBinary: out.type = TypeKind::Bytes; break;
    case fb::kUtf8:
        out.type = extension == fb::kGeography ? TypeKind::Geography : extension == fb::kJson ? TypeKind::Json : TypeKind::String;
        break;
    case fb::kDate:
        if (scalar<std::int16_t>(v, t, fb::slot(0), 1) != fb::kDay) unsupported("date64");
        out.type = TypeKind::Date;
        break;
    case fb::kTime:
        if (scalar<std::int16_t>(v, t, fb::slot(0), 1) != fb::kMicrosecond || scalar<std::int32_t>(v, t, fb::slot(1), 32) != 64)
            unsupported("a time not in 64-bit microseconds");
        out.type = TypeKind::Time;
        break;
    case fb::kTimestamp:
        if (scalar<std::int16_t>(v, t, fb::slot(0), 0) != fb::kMicrosecond) unsupported("a timestamp not in microseconds");
        out.type = stringOf(v, t, fb::slot(1)).empty() ? TypeKind::DateTime : TypeKind::Timestamp;
        break;
    case fb::kDecimal: {
        const auto p = scalar<std::int32_t>(v, t, fb::slot(0), 0), s = scalar<std::int32_t>(v, t, fb::slot(1), 0),
                   w = scalar<std::int32_t>(v, t, fb::slot(2), 128);
        if (w == 128 && s == 9 && p <= 38) out.type = TypeKind::Numeric;
        else if (w == 256 && s == 38 && p <= 77) out.type = TypeKind::BigNumeric;
        else unsupported("decimal(" + std::to_string(p) + ", " + std::to_string(s) + ")");
        break;
    }
    case fb::kInterval:
        if (scalar<std::int16_t>(v, t, fb::slot(0), 0) != fb::kMonthDayNano) unsupported("an interval not month_day_nano");
        out.type = TypeKind::Interval;
        break;
    case fb::kList: {
        if (children.size() != 1 || children[0].isRepeated()) unsupported("a list not of one non-list item");
        Field item = std::move(children[0]);
        item.name = out.name;
        item.mode = Mode::Repeated;
        return item;
    }
    case fb::kStruct:
        if (extension == fb::kRange) {
            if (children.size() != 2) unsupported("a range not of start and end");
            out.type = TypeKind::Range;
            out.rangeElement = children[0].type;
        } else {
            out.type = TypeKind::Struct;
            out.fields = std::move(children);
        }
        break;
    default: unsupported("Arrow type " + std::to_string(type));
    }
    return out;
}

/// A FieldNode or Buffer of the message: copied out, as a hostile message may place them
/// anywhere, not only at 8-byte boundaries.
template <class T> T load(const T* at) {
    T v;
    std::memcpy(&v, at, sizeof v);
    return v;
}

/// Reads a record batch's columns in the order its nodes and buffers were written.
struct Columns {
    std::string_view body;
    const Vec<const fb::Node*>* nodes = nullptr;
    const Vec<const fb::Buffer*>* buffers = nullptr;
    flatbuffers::uoffset_t ni = 0, bi = 0;
    ValueArena* arena = nullptr;
    /// Buffers are zstd-compressed (BodyCompression): all are unpacked first (`unpackAll`) into
    /// `unpacked`, `views` gives each buffer's bytes, and what they unpack to bounds what the
    /// columns may claim.
    bool zstd = false;
    std::deque<std::string> unpacked;
    std::vector<std::string_view> views;
    std::uint64_t unpackedBytes = 0;
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx{nullptr, &ZSTD_freeDCtx}; ///< one for all buffers
    /// Values left for the batch's columns (nested items included): what it may allocate.
    std::uint64_t valuesLeft = kMaxBatchValues;
    std::uint64_t limit() const { return body.size() + unpackedBytes; }

    Value text(ValueKind k, std::string_view s) const { return arena ? Value::textIn(*arena, k, s) : Value::text(k, s); }
    Value array(std::size_t n) const { return arena ? Value::arrayIn(*arena, n) : Value::arrayOf(n); }
    Value record(std::size_t n) const { return arena ? Value::structIn(*arena, n) : Value::structOf(n); }
    Value range(Value a, Value b) const { return arena ? Value::rangeIn(*arena, std::move(a), std::move(b)) : Value::range(std::move(a), std::move(b)); }

    fb::Node node(const Field& f, std::size_t n) {
        if (!nodes || ni >= nodes->size()) bad("fewer field nodes than the schema's columns (at " + f.name + ")");
        const auto nd = load<fb::Node>(nodes->Get(ni++));
        if (nd.length != static_cast<std::int64_t>(n)) bad("column " + f.name + " has " + std::to_string(nd.length) + " values, not " + std::to_string(n));
        if (nd.nulls < 0 || nd.nulls > nd.length) bad("column " + f.name + " has a null count out of range");
        return nd;
    }
    /// Buffer `i`'s bytes as they lie in the body.
    std::string_view stored(flatbuffers::uoffset_t i, const std::string& what) const {
        const auto b = load<fb::Buffer>(buffers->Get(i));
        if (b.offset < 0 || b.length < 0 || static_cast<std::uint64_t>(b.offset) > body.size() ||
            static_cast<std::uint64_t>(b.length) > body.size() - static_cast<std::size_t>(b.offset))
            bad("a buffer of " + what + " lies outside the body");
        return body.substr(static_cast<std::size_t>(b.offset), static_cast<std::size_t>(b.length));
    }
    std::string_view buffer(const Field& f, std::size_t need) {
        if (!buffers || bi >= buffers->size()) bad("fewer buffers than the schema's columns need (at " + f.name + ")");
        const auto raw = zstd ? views[bi] : stored(bi, "column " + f.name);
        ++bi;
        if (raw.size() < need) bad("a buffer of column " + f.name + " is " + std::to_string(raw.size()) + " bytes, not " + std::to_string(need));
        return raw;
    }
    /// Every buffer of a compressed batch unpacked, before any column is read: what they
    /// really hold (not what their lengths claim) bounds the values the columns may claim.
    void unpackAll() {
        for (flatbuffers::uoffset_t i = 0; buffers && i < buffers->size(); ++i) {
            const auto raw = stored(i, "the batch");
            views.push_back(raw.empty() ? raw : unpack(raw));
        }
    }
    /// A compressed buffer's bytes: its length (8 bytes) then a zstd frame of exactly that
    /// many, or -1 then the bytes as they are.
    std::string_view unpack(std::string_view raw) {
        const std::string what = "a compressed buffer (" + std::to_string(views.size() + 1) + ")";
        if (raw.size() < 8) bad(what + " has no length");
        std::int64_t length = 0;
        std::memcpy(&length, raw.data(), 8);
        raw.remove_prefix(8);
        if (length == -1) return raw;
        if (length < 0 || length > kMaxUnpacked) bad(what + " claims " + std::to_string(length) + " bytes");
        if (ZSTD_getFrameContentSize(raw.data(), raw.size()) != static_cast<unsigned long long>(length))
            bad(what + " is not a zstd frame of the " + std::to_string(length) + " bytes it claims");
        if (static_cast<std::uint64_t>(length) > kMaxUnpacked - unpackedBytes)
            bad("the batch's buffers unpack to more than " + std::to_string(kMaxUnpacked) + " bytes");
        auto& out = unpacked.emplace_back(static_cast<std::size_t>(length), '\0');
        if (!dctx) dctx.reset(ZSTD_createDCtx());
        if (!dctx) throw std::bad_alloc();
        const auto n = ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), raw.data(), raw.size());
        if (ZSTD_isError(n) || n != out.size()) bad(what + " does not unpack");
        unpackedBytes += out.size();
        return out;
    }
    /// The validity bitmap: an empty string_view when no value is null.
    std::string_view validity(const Field& f, const fb::Node& nd, std::size_t n) {
        if (!buffers || bi >= buffers->size()) bad("no validity buffer for column " + f.name);
        if (load<fb::Buffer>(buffers->Get(bi)).length == 0) {
            ++bi;
            if (nd.nulls != 0) bad("column " + f.name + " has nulls but no validity bitmap");
            return {};
        }
        return buffer(f, (n + 7) / 8);
    }
    static bool valid(std::string_view bits, std::size_t i) {
        return bits.empty() || (static_cast<unsigned char>(bits[i / 8]) >> (i % 8) & 1);
    }
    std::vector<std::int32_t> offsets(const Field& f, std::size_t n, std::size_t limit) {
        const auto raw = buffer(f, (n + 1) * 4);
        std::vector<std::int32_t> o(n + 1);
        std::memcpy(o.data(), raw.data(), (n + 1) * 4);
        if (o[0] < 0) bad("column " + f.name + " starts at a negative offset");
        for (std::size_t i = 0; i < n; ++i)
            if (o[i + 1] < o[i]) bad("column " + f.name + "'s offsets go down");
        if (static_cast<std::size_t>(o[n]) > limit) bad("column " + f.name + "'s offsets run past its data");
        return o;
    }
    template <class T> std::vector<T> fixed(const Field& f, std::size_t n) {
        const auto raw = buffer(f, n * sizeof(T));
        std::vector<T> out(n);
        if (n) std::memcpy(out.data(), raw.data(), n * sizeof(T));
        return out;
    }

    std::vector<Value> column(const Field& f, std::size_t n, bool element) {
        // Every value of a column takes at least a bit of the body (its own or its fields'):
        // this bounds what hostile lengths and offsets make it allocate.
        if (n > limit() * 8 + 64) bad("column " + f.name + " claims " + std::to_string(n) + " values in a body of " +
                                      std::to_string(limit()) + " bytes");
        // ... and all of them together at most kMaxBatchValues (compressed buffers unpack to
        // far more than their bytes).
        if (n > valuesLeft) bad("the batch holds more than " + std::to_string(kMaxBatchValues) + " values");
        valuesLeft -= n;
        std::vector<Value> out(n);
        if (f.isRepeated() && !element) {
            const auto nd = node(f, n);
            const auto bits = validity(f, nd, n);
            const auto o = offsets(f, n, std::numeric_limits<std::int32_t>::max());
            auto items = column(f, static_cast<std::size_t>(o[n]), true);
            for (std::size_t i = 0; i < n; ++i) {
                const auto count = valid(bits, i) ? static_cast<std::size_t>(o[i + 1] - o[i]) : 0;
                out[i] = array(count);
                for (std::size_t k = 0; k < count; ++k) out[i][k] = std::move(items[static_cast<std::size_t>(o[i]) + k]);
            }
            return out;
        }
        const auto nd = node(f, n);
        const auto bits = validity(f, nd, n);
        auto each = [&](auto&& make) {
            for (std::size_t i = 0; i < n; ++i)
                if (valid(bits, i)) out[i] = make(i);
        };
        auto checkedMicros = [&](std::int64_t v, std::int64_t lo, std::int64_t hi) {
            if (v < lo || v > hi) bad("column " + f.name + " holds " + std::to_string(v) + ", outside BigQuery's range");
            return v;
        };
        switch (f.type) {
        case TypeKind::Int64: {
            const auto v = fixed<std::int64_t>(f, n);
            each([&](std::size_t i) { return Value::int64(v[i]); });
            break;
        }
        case TypeKind::Float64: {
            const auto v = fixed<double>(f, n);
            each([&](std::size_t i) { return Value::float64(v[i]); });
            break;
        }
        case TypeKind::Date: {
            const auto v = fixed<std::int32_t>(f, n);
            each([&](std::size_t i) { return Value::date(static_cast<std::int32_t>(checkedMicros(v[i], -719162, 2932896))); });
            break;
        }
        case TypeKind::Time: {
            const auto v = fixed<std::int64_t>(f, n);
            each([&](std::size_t i) { return Value::time(checkedMicros(v[i], 0, civil::kMicrosPerDay - 1)); });
            break;
        }
        case TypeKind::DateTime:
        case TypeKind::Timestamp: {
            const auto v = fixed<std::int64_t>(f, n);
            const bool dt = f.type == TypeKind::DateTime;
            each([&](std::size_t i) {
                const auto m = checkedMicros(v[i], civil::kMinMicros, civil::kMaxMicros);
                return dt ? Value::dateTime(m) : Value::timestamp(m);
            });
            break;
        }
        case TypeKind::Bool: {
            const auto raw = buffer(f, (n + 7) / 8);
            each([&](std::size_t i) { return Value::boolean(static_cast<unsigned char>(raw[i / 8]) >> (i % 8) & 1); });
            break;
        }
        case TypeKind::String:
        case TypeKind::Bytes:
        case TypeKind::Geography:
        case TypeKind::Json: {
            const auto o = offsets(f, n, std::numeric_limits<std::int32_t>::max());
            const auto data = buffer(f, static_cast<std::size_t>(o[n]));
            const auto kind = f.type == TypeKind::String ? ValueKind::String : f.type == TypeKind::Bytes ? ValueKind::Bytes
                              : f.type == TypeKind::Json ? ValueKind::Json : ValueKind::Geography;
            if (kind != ValueKind::Bytes) {
                // Valid UTF-8 as a whole, and no value starts inside a character: then each is.
                const auto used = data.substr(static_cast<std::size_t>(o[0]), static_cast<std::size_t>(o[n] - o[0]));
                bool ok = text::isValidUtf8(used);
                for (std::size_t i = 0; ok && i < n; ++i)
                    ok = o[i + 1] == o[i] || (static_cast<unsigned char>(data[static_cast<std::size_t>(o[i])]) & 0xC0) != 0x80;
                if (!ok) bad("column " + f.name + " holds text that is not UTF-8");
            }
            each([&](std::size_t i) {
                return text(kind, data.substr(static_cast<std::size_t>(o[i]), static_cast<std::size_t>(o[i + 1] - o[i])));
            });
            break;
        }
        case TypeKind::Numeric:
        case TypeKind::BigNumeric: {
            const bool big = f.type == TypeKind::BigNumeric;
            const std::size_t w = big ? 32 : 16;
            const auto raw = buffer(f, n * w);
            each([&](std::size_t i) {
                const auto t = scaledBytesText(raw.substr(i * w, w), big ? 38 : 9);
                if (!(big ? numbers::isBigNumeric(*t) : numbers::isNumeric(*t))) bad("column " + f.name + " holds " + *t + ", outside its type's range");
                return text(big ? ValueKind::BigNumeric : ValueKind::Numeric, *t);
            });
            break;
        }
        case TypeKind::Interval: {
            const auto v = fixed<fb::MonthDayNano>(f, n);
            each([&](std::size_t i) { return text(ValueKind::Interval, fb::intervalText(v[i])); });
            break;
        }
        case TypeKind::Range:
        case TypeKind::Struct: {
            const bool range = f.type == TypeKind::Range;
            const std::size_t k = range ? 2 : f.fields.size();
            std::vector<std::vector<Value>> kids;
            Field bound;
            bound.type = f.rangeElement;
            for (std::size_t j = 0; j < k; ++j) {
                bound.name = f.name + (j ? ".end" : ".start");
                kids.push_back(column(range ? bound : f.fields[j], n, false));
            }
            each([&](std::size_t i) {
                if (range) return this->range(std::move(kids[0][i]), std::move(kids[1][i]));
                Value s = record(k);
                for (std::size_t j = 0; j < k; ++j) s[j] = std::move(kids[j][i]);
                return s;
            });
            break;
        }
        }
        return out;
    }
};

} // namespace

Schema readSchema(std::string_view message) {
    auto m = parse(message, fb::kSchema);
    auto& v = *m.verifier;
    Schema s;
    if (scalar<std::int16_t>(v, m.header, fb::schema::endianness, 0) != 0) bad("a big-endian schema");
    if (const auto* fields = vectorOf<TableVec>(v, m.header, fb::schema::fields))
        for (flatbuffers::uoffset_t i = 0; i < fields->size(); ++i) {
            const Table* f = fields->Get(i);
            if (!f->VerifyTableStart(v)) bad("a field is damaged");
            s.fields.push_back(fieldFrom(v, f, 1));
        }
    return s;
}

std::vector<Value> readBatch(const Schema& schema, std::string_view message, ValueArena* arena) {
    auto m = parse(message, fb::kRecordBatch);
    auto& v = *m.verifier;
    const auto length = scalar<std::int64_t>(v, m.header, fb::batch::length, 0);
    Columns c;
    if (const Table* packed = subTable(v, m.header, fb::batch::compression)) {
        const auto codec = scalar<std::int8_t>(v, packed, fb::bodyCompression::codec, fb::bodyCompression::kLz4Frame);
        if (codec == fb::bodyCompression::kLz4Frame) bad("LZ4_FRAME-compressed record batches are not read (ask for ZSTD)");
        if (codec != fb::bodyCompression::kZstd) bad("a record batch compressed with an unknown codec");
        if (scalar<std::int8_t>(v, packed, fb::bodyCompression::method, fb::bodyCompression::kBuffer) != fb::bodyCompression::kBuffer)
            bad("a record batch compressed by an unknown method");
        c.zstd = true;
    }
    c.arena = arena;
    c.body = m.body;
    c.nodes = vectorOf<Vec<const fb::Node*>>(v, m.header, fb::batch::nodes);
    c.buffers = vectorOf<Vec<const fb::Buffer*>>(v, m.header, fb::batch::buffers);
    if (c.zstd) c.unpackAll();
    // Every value takes at least one bit of the body, which bounds what a hostile length asks for.
    if (length < 0 || length > kMaxBatchRows || static_cast<std::uint64_t>(length) > c.limit() * 8 + 64) bad("a batch length of " + std::to_string(length));
    const auto n = static_cast<std::size_t>(length);
    std::vector<std::vector<Value>> cols;
    for (const auto& f : schema.fields) cols.push_back(c.column(f, n, false));
    if (c.nodes && c.ni != c.nodes->size()) bad("more field nodes than the schema's columns");
    std::vector<Value> rows(n);
    for (std::size_t i = 0; i < n; ++i) {
        rows[i] = c.record(cols.size());
        for (std::size_t k = 0; k < cols.size(); ++k) rows[i][k] = std::move(cols[k][i]);
    }
    return rows;
}

} // namespace quarry::storageapi::arrow
