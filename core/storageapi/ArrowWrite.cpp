// SPDX-License-Identifier: MIT
// Rows to Arrow IPC messages (ArrowIpc.h): the metadata through FlatBuffers' builder, the body
// column by column, each buffer 8-byte aligned.
#include "storageapi/ArrowFormat.h"
#include "storageapi/ArrowIpc.h"
#include "storageapi/ScaledDecimal.h"

#include <flatbuffers/flatbuffers.h>
#include <zstd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <new>

namespace quarry::storageapi::arrow {

namespace {

using Builder = flatbuffers::FlatBufferBuilder;
using Off = flatbuffers::Offset<void>;

Off table(Builder& b, const std::function<void()>& fields) {
    const auto start = b.StartTable();
    fields();
    return Off(b.EndTable(start));
}

struct TypeOut {
    fb::Type type;
    Off table;
    std::string_view extension;
};

TypeOut scalarType(Builder& b, TypeKind k) {
    using namespace fb;
    switch (k) {
    case TypeKind::Int64:
        return {kInt, table(b, [&] {
                    b.AddElement<std::int32_t>(slot(0), 64);
                    b.AddElement<std::uint8_t>(slot(1), 1);
                }), {}};
    case TypeKind::Float64: return {kFloatingPoint, table(b, [&] { b.AddElement<std::int16_t>(slot(0), kDouble); }), {}};
    case TypeKind::Bool: return {kBool, table(b, [] {}), {}};
    case TypeKind::String: return {kUtf8, table(b, [] {}), {}};
    case TypeKind::Geography: return {kUtf8, table(b, [] {}), kGeography};
    case TypeKind::Json: return {kUtf8, table(b, [] {}), kJson};
    case TypeKind::Bytes: return {kBinary, table(b, [] {}), {}};
    case TypeKind::Date: return {kDate, table(b, [&] { b.AddElement<std::int16_t>(slot(0), kDay); }), {}};
    case TypeKind::Time:
        return {kTime, table(b, [&] {
                    b.AddElement<std::int16_t>(slot(0), kMicrosecond);
                    b.AddElement<std::int32_t>(slot(1), 64);
                }), {}};
    case TypeKind::DateTime: return {kTimestamp, table(b, [&] { b.AddElement<std::int16_t>(slot(0), kMicrosecond); }), {}};
    case TypeKind::Timestamp: {
        const auto utc = b.CreateString("UTC");
        return {kTimestamp, table(b, [&] {
                    b.AddElement<std::int16_t>(slot(0), kMicrosecond);
                    b.AddOffset(slot(1), utc);
                }), {}};
    }
    case TypeKind::Numeric:
    case TypeKind::BigNumeric: {
        const bool big = k == TypeKind::BigNumeric;
        return {kDecimal, table(b, [&] {
                    b.AddElement<std::int32_t>(slot(0), big ? 76 : 38);
                    b.AddElement<std::int32_t>(slot(1), big ? 38 : 9);
                    b.AddElement<std::int32_t>(slot(2), big ? 256 : 128);
                }), {}};
    }
    case TypeKind::Interval: return {kInterval, table(b, [&] { b.AddElement<std::int16_t>(slot(0), kMonthDayNano); }), {}};
    case TypeKind::Range: return {kStruct, table(b, [] {}), kRange};
    case TypeKind::Struct: return {kStruct, table(b, [] {}), {}};
    }
    return {kStruct, table(b, [] {}), {}};
}

Off fieldOf(Builder& b, std::string_view name, const Field& f, bool element);

Off fieldTable(Builder& b, std::string_view name, bool nullable, TypeOut type, const std::vector<Off>& children) {
    const auto nameOff = b.CreateString(name.data(), name.size());
    const auto kids = b.CreateVector(children);
    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<void>>> meta;
    if (!type.extension.empty()) {
        const auto k = b.CreateString(fb::kExtensionName.data(), fb::kExtensionName.size());
        const auto v = b.CreateString(type.extension.data(), type.extension.size());
        const Off kv = table(b, [&] {
            b.AddOffset(fb::keyValue::key, k);
            b.AddOffset(fb::keyValue::value, v);
        });
        meta = b.CreateVector(std::vector<Off>{kv});
    }
    return table(b, [&] {
        b.AddOffset(fb::field::name, nameOff);
        b.AddElement<std::uint8_t>(fb::field::nullable, nullable ? 1 : 0);
        b.AddElement<std::uint8_t>(fb::field::typeType, type.type);
        b.AddOffset(fb::field::type, type.table);
        b.AddOffset(fb::field::children, kids);
        if (!meta.IsNull()) b.AddOffset(fb::field::metadata, meta);
    });
}

Off fieldOf(Builder& b, std::string_view name, const Field& f, bool element) {
    if (f.isRepeated() && !element) {
        const std::vector<Off> item{fieldOf(b, "item", f, true)};
        return fieldTable(b, name, false, {fb::kList, table(b, [] {}), {}}, item);
    }
    const bool nullable = !element && f.mode != Mode::Required;
    std::vector<Off> children;
    if (f.type == TypeKind::Struct)
        for (const auto& sub : f.fields) children.push_back(fieldOf(b, sub.name, sub, false));
    if (f.type == TypeKind::Range) {
        Field bound;
        bound.type = f.rangeElement;
        children.push_back(fieldOf(b, "start", bound, false));
        children.push_back(fieldOf(b, "end", bound, false));
    }
    return fieldTable(b, name, nullable, scalarType(b, f.type), children);
}

std::string encapsulate(const Builder& b, const std::string& body) {
    const std::size_t meta = b.GetSize(), padded = (meta + 7) & ~std::size_t(7);
    std::string out;
    out.reserve(8 + padded + body.size());
    const std::uint32_t continuation = 0xFFFFFFFFu;
    const auto len = static_cast<std::int32_t>(padded);
    out.append(reinterpret_cast<const char*>(&continuation), 4);
    out.append(reinterpret_cast<const char*>(&len), 4);
    out.append(reinterpret_cast<const char*>(b.GetBufferPointer()), meta);
    out.append(padded - meta, '\0');
    out += body;
    return out;
}

Off messageOf(Builder& b, fb::Header header, Off content, std::int64_t bodyLength) {
    return table(b, [&] {
        b.AddElement<std::int16_t>(fb::message::version, fb::kMetadataV5);
        b.AddElement<std::uint8_t>(fb::message::headerType, header);
        b.AddOffset(fb::message::header, content);
        b.AddElement<std::int64_t>(fb::message::bodyLength, bodyLength);
    });
}

using Cells = std::vector<const Value*>;
bool isNull(const Value* v) { return !v || v->isNull(); }

/// The body of a record batch: its buffers back to back, and the nodes and buffer places.
struct Body {
    std::string bytes;
    std::vector<fb::Node> nodes;
    std::vector<fb::Buffer> buffers;
    bool zstd = false;
    std::string scratch;
    /// One compression context for all of the batch's buffers (ZSTD_compress makes one a call).
    std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx{nullptr, &ZSTD_freeCCtx};

    void add(const void* data, std::size_t n) {
        bytes.append((8 - bytes.size() % 8) % 8, '\0');
        const auto start = bytes.size();
        if (zstd && n > 0) { // the uncompressed length, then a zstd frame; -1 and the bytes when that is no smaller
            scratch.resize(ZSTD_compressBound(n));
            if (!cctx) cctx.reset(ZSTD_createCCtx());
            if (!cctx) throw std::bad_alloc();
            const auto packed = ZSTD_compressCCtx(cctx.get(), scratch.data(), scratch.size(), data, n, 1);
            const bool smaller = !ZSTD_isError(packed) && packed < n;
            const std::int64_t length = smaller ? static_cast<std::int64_t>(n) : -1;
            bytes.append(reinterpret_cast<const char*>(&length), 8);
            if (smaller) bytes.append(scratch.data(), packed);
            else bytes.append(static_cast<const char*>(data), n);
        } else {
            bytes.append(static_cast<const char*>(data), n);
        }
        buffers.push_back({static_cast<std::int64_t>(start), static_cast<std::int64_t>(bytes.size() - start)});
    }
    /// The node and validity bitmap of `cells` (no bitmap when none is null).
    void node(const Cells& cells) {
        std::int64_t nulls = 0;
        for (const auto* c : cells) nulls += isNull(c);
        nodes.push_back({static_cast<std::int64_t>(cells.size()), nulls});
        if (nulls == 0) return add(nullptr, 0);
        std::string bits((cells.size() + 7) / 8, '\0');
        for (std::size_t i = 0; i < cells.size(); ++i)
            if (!isNull(cells[i])) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
        add(bits.data(), bits.size());
    }
    template <class T, class F> void fixed(const Cells& cells, F&& of) {
        std::vector<T> v(cells.size());
        for (std::size_t i = 0; i < cells.size(); ++i)
            if (!isNull(cells[i])) v[i] = of(*cells[i]);
        add(v.data(), v.size() * sizeof(T));
    }
    void text(const Cells& cells) {
        std::vector<std::int32_t> offsets(cells.size() + 1, 0);
        std::string data;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (!isNull(cells[i])) data += cells[i]->asText();
            if (data.size() > 0x7FFFFFFF) throw ArrowError("a column's text passes Arrow's 2 GiB per batch");
            offsets[i + 1] = static_cast<std::int32_t>(data.size());
        }
        add(offsets.data(), offsets.size() * 4);
        add(data.data(), data.size());
    }
    void decimal(const Cells& cells, int scale, int width) {
        std::string v(cells.size() * static_cast<std::size_t>(width), '\0');
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (isNull(cells[i])) continue;
            const auto raw = scaledBytes(cells[i]->asText(), scale, width);
            if (!raw) throw ArrowError("the decimal " + std::string(cells[i]->asText()) + " does not fit Arrow's decimal");
            std::memcpy(v.data() + i * static_cast<std::size_t>(width), raw->data(), raw->size());
        }
        add(v.data(), v.size());
    }

    void column(const Field& f, const Cells& cells, bool element) {
        if (f.isRepeated() && !element) {
            nodes.push_back({static_cast<std::int64_t>(cells.size()), 0});
            add(nullptr, 0); // an ARRAY is never NULL
            std::vector<std::int32_t> offsets(cells.size() + 1, 0);
            Cells items;
            for (std::size_t i = 0; i < cells.size(); ++i) {
                if (!isNull(cells[i]))
                    for (const auto& item : cells[i]->items()) items.push_back(&item);
                offsets[i + 1] = static_cast<std::int32_t>(items.size());
            }
            add(offsets.data(), offsets.size() * 4);
            return column(f, items, true);
        }
        node(cells);
        switch (f.type) {
        case TypeKind::Int64:
        case TypeKind::Time:
        case TypeKind::DateTime:
        case TypeKind::Timestamp: return fixed<std::int64_t>(cells, [](const Value& v) { return v.asInt64(); });
        case TypeKind::Date: return fixed<std::int32_t>(cells, [](const Value& v) { return static_cast<std::int32_t>(v.asInt64()); });
        case TypeKind::Float64: return fixed<double>(cells, [](const Value& v) { return v.asDouble(); });
        case TypeKind::Bool: {
            std::string bits((cells.size() + 7) / 8, '\0');
            for (std::size_t i = 0; i < cells.size(); ++i)
                if (!isNull(cells[i]) && cells[i]->asBool()) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
            return add(bits.data(), bits.size());
        }
        case TypeKind::String:
        case TypeKind::Bytes:
        case TypeKind::Geography:
        case TypeKind::Json: return text(cells);
        case TypeKind::Numeric: return decimal(cells, 9, 16);
        case TypeKind::BigNumeric: return decimal(cells, 38, 32);
        case TypeKind::Interval:
            return fixed<fb::MonthDayNano>(cells, [](const Value& v) {
                const auto p = fb::parseInterval(v.asText());
                if (!p) throw ArrowError("the INTERVAL " + std::string(v.asText()) + " does not fit Arrow's month_day_nano");
                return *p;
            });
        case TypeKind::Range:
        case TypeKind::Struct: {
            const std::size_t n = f.type == TypeKind::Range ? 2 : f.fields.size();
            for (std::size_t k = 0; k < n; ++k) {
                Cells sub(cells.size(), nullptr);
                for (std::size_t i = 0; i < cells.size(); ++i)
                    if (!isNull(cells[i]) && cells[i]->size() > k) sub[i] = &(*cells[i])[k];
                Field bound;
                bound.type = f.rangeElement;
                column(f.type == TypeKind::Range ? bound : f.fields[k], sub, false);
            }
            return;
        }
        }
    }
};

} // namespace

std::string schemaMessage(const Schema& schema) {
    Builder b;
    b.ForceDefaults(true);
    std::vector<Off> fields;
    for (const auto& f : schema.fields) fields.push_back(fieldOf(b, f.name, f, false));
    const auto vec = b.CreateVector(fields);
    const Off s = table(b, [&] {
        b.AddElement<std::int16_t>(fb::schema::endianness, 0);
        b.AddOffset(fb::schema::fields, vec);
    });
    b.Finish(messageOf(b, fb::kSchema, s, 0));
    return encapsulate(b, {});
}

std::string batchMessage(const Schema& schema, std::span<const Value> rows, Compression compression) {
    static_assert(sizeof(fb::MonthDayNano) == 16 && sizeof(fb::Node) == 16 && sizeof(fb::Buffer) == 16);
    Body body;
    body.zstd = compression == Compression::Zstd;
    for (std::size_t k = 0; k < schema.fields.size(); ++k) {
        Cells cells(rows.size(), nullptr);
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (rows[i].size() > k) cells[i] = &rows[i][k];
        body.column(schema.fields[k], cells, false);
    }
    body.bytes.append((8 - body.bytes.size() % 8) % 8, '\0');
    Builder b;
    b.ForceDefaults(true);
    const auto nodes = b.CreateVectorOfStructs(body.nodes.data(), body.nodes.size());
    const auto buffers = b.CreateVectorOfStructs(body.buffers.data(), body.buffers.size());
    Off packed;
    if (body.zstd)
        packed = table(b, [&] {
            b.AddElement<std::int8_t>(fb::bodyCompression::codec, fb::bodyCompression::kZstd);
            b.AddElement<std::int8_t>(fb::bodyCompression::method, fb::bodyCompression::kBuffer);
        });
    const Off rb = table(b, [&] {
        b.AddElement<std::int64_t>(fb::batch::length, static_cast<std::int64_t>(rows.size()));
        b.AddOffset(fb::batch::nodes, nodes);
        b.AddOffset(fb::batch::buffers, buffers);
        if (body.zstd) b.AddOffset(fb::batch::compression, packed);
    });
    b.Finish(messageOf(b, fb::kRecordBatch, rb, static_cast<std::int64_t>(body.bytes.size())));
    return encapsulate(b, body.bytes);
}

} // namespace quarry::storageapi::arrow
