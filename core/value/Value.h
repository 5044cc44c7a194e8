// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace quarry {

/// Memory for values that are read together and let go together (a row group's rows as a
/// scan decodes them): taken in large blocks, handed out in order, freed all at once when
/// the arena goes. Values made in it (Value::structIn, textIn) only borrow their blocks, and
/// must not outlive it.
class ValueArena {
public:
    ValueArena() = default;
    ValueArena(const ValueArena&) = delete;
    ValueArena& operator=(const ValueArena&) = delete;
    void* allocate(std::size_t bytes, std::size_t align);
    /// Everything handed out is gone: the blocks are kept for what comes next (fresh memory
    /// costs page faults), except those made for one large request.
    void reset();
    /// Bytes taken from the system.
    std::size_t bytes() const { return taken_; }

private:
    static constexpr std::size_t kBlock = 256 * 1024;
    std::vector<std::unique_ptr<std::byte[]>> blocks_; ///< kBlock each; [0, next_) in use
    std::vector<std::unique_ptr<std::byte[]>> large_;  ///< one request each
    std::size_t next_ = 0;
    std::byte* at_ = nullptr;
    std::size_t left_ = 0, taken_ = 0;
};

/// What a Value holds. Null is untyped: the column's type comes from its Field.
enum class ValueKind : std::uint8_t {
    Null,
    Int64,
    Float64,
    Numeric,    ///< exact decimal text, never a double
    BigNumeric, ///< exact decimal text
    Bool,
    String,
    Bytes,      ///< raw bytes (base64 only on the wire)
    Date,       ///< days since 1970-01-01
    Time,       ///< microseconds since midnight
    DateTime,   ///< civil microseconds since 1970-01-01T00:00:00 (no zone)
    Timestamp,  ///< microseconds since the Unix epoch, UTC
    Geography,  ///< WKT text
    Json,       ///< JSON document text
    Interval,   ///< canonical "Y-M D H:M:S[.F]" text
    Range,      ///< two items: start, end (Null = UNBOUNDED)
    Struct,     ///< positional items; names come from the Field
    Array,      ///< items
};

namespace detail {
constexpr std::uint32_t kindBit(ValueKind k) { return 1u << static_cast<int>(k); }
/// The kinds held as text (inline up to 13 bytes, else in a heap block).
constexpr std::uint32_t kTextKinds = kindBit(ValueKind::String) | kindBit(ValueKind::Bytes) | kindBit(ValueKind::Numeric) |
                                     kindBit(ValueKind::BigNumeric) | kindBit(ValueKind::Geography) |
                                     kindBit(ValueKind::Json) | kindBit(ValueKind::Interval);
/// The kinds holding items in a heap block.
constexpr std::uint32_t kContainerKinds = kindBit(ValueKind::Range) | kindBit(ValueKind::Struct) | kindBit(ValueKind::Array);
} // namespace detail

/// One nested BigQuery value in 16 bytes. Text up to 14 bytes is stored inline; longer text and
/// child items live in one heap block owned by the value. Copies are deep; moves are cheap.
class Value {
public:
    Value() noexcept { h_.kind = ValueKind::Null; }
    ~Value() { release(); }
    Value(const Value& o);
    Value(Value&& o) noexcept : h_(o.h_) { o.h_ = Heap{}; }
    Value& operator=(const Value& o);
    Value& operator=(Value&& o) noexcept {
        if (this != &o) {
            release();
            h_ = o.h_;
            o.h_ = Heap{};
        }
        return *this;
    }

    static Value null() { return {}; }
    static Value int64(std::int64_t v);
    static Value float64(double v);
    static Value boolean(bool v);
    static Value string(std::string_view s) { return text(ValueKind::String, s); }
    static Value bytes(std::string_view raw) { return text(ValueKind::Bytes, raw); }
    static Value numeric(std::string_view decimal) { return text(ValueKind::Numeric, decimal); }
    static Value bigNumeric(std::string_view decimal) { return text(ValueKind::BigNumeric, decimal); }
    static Value geography(std::string_view wkt) { return text(ValueKind::Geography, wkt); }
    static Value json(std::string_view doc) { return text(ValueKind::Json, doc); }
    static Value interval(std::string_view canonical) { return text(ValueKind::Interval, canonical); }
    static Value date(std::int32_t daysSinceEpoch);
    static Value time(std::int64_t microsOfDay);
    static Value dateTime(std::int64_t civilMicros);
    static Value timestamp(std::int64_t unixMicros);
    static Value range(Value start, Value end);
    /// A STRUCT or ARRAY with `n` Null items, to be filled through items().
    static Value structOf(std::size_t n) { return container(ValueKind::Struct, n); }
    static Value arrayOf(std::size_t n) { return container(ValueKind::Array, n); }
    /// Any text kind (String, Bytes, Numeric, BigNumeric, Geography, Json, Interval).
    static Value text(ValueKind kind, std::string_view s);

    /// The same made in `arena`: their blocks (long text, items) are the arena's, never
    /// freed by the value, and every item they get must be made in it too (or hold no
    /// block). A copy is an ordinary value with blocks of its own.
    static Value structIn(ValueArena& arena, std::size_t n) { return containerIn(arena, ValueKind::Struct, n); }
    static Value arrayIn(ValueArena& arena, std::size_t n) { return containerIn(arena, ValueKind::Array, n); }
    static Value rangeIn(ValueArena& arena, Value start, Value end);
    static Value textIn(ValueArena& arena, ValueKind kind, std::string_view s);

    ValueKind kind() const { return h_.kind; }
    bool isNull() const { return h_.kind == ValueKind::Null; }
    bool isText() const { return detail::kTextKinds >> static_cast<int>(h_.kind) & 1u; }
    bool isContainer() const { return detail::kContainerKinds >> static_cast<int>(h_.kind) & 1u; }

    std::int64_t asInt64() const { return h_.i; } ///< Int64, Date, Time, DateTime, Timestamp
    double asDouble() const { return h_.d; }
    bool asBool() const { return h_.i != 0; }
    std::string_view asText() const {
        if (!isText()) return {};
        if (isInline()) return {inlineData(), inlineLen()};
        return {h_.s, h_.len};
    }

    std::size_t size() const { return isContainer() ? h_.len : 0; }
    std::span<const Value> items() const {
        if (!isContainer()) return {};
        return {h_.items, h_.len};
    }
    std::span<Value> items() {
        if (!isContainer()) return {};
        return {h_.items, h_.len};
    }
    const Value& operator[](std::size_t i) const { return items()[i]; }
    Value& operator[](std::size_t i) { return items()[i]; }

    /// Structural equality; Float64 NaN equals NaN so round-trips compare equal.
    bool operator==(const Value& o) const;

    /// The first byte of the heap block this value owns (text over 13 bytes, a STRUCT's or
    /// an ARRAY's items), or 0 when it owns none. The plan executor reads it for a whole batch
    /// in one tight loop, so that the CPU loads many such blocks at once before the rows are
    /// evaluated.
    std::uint8_t heapByte() const noexcept {
        if (isInline() || h_.len == 0 || !(isText() || isContainer())) return 0;
        return static_cast<std::uint8_t>(*h_.s);
    }

    /// Heap bytes owned by this value and its children (for memory accounting).
    std::size_t heapBytes() const;

private:
    static constexpr std::uint8_t kInline = 1;
    static constexpr std::uint8_t kBorrowed = 2; ///< the block is a ValueArena's
    struct Heap {
        ValueKind kind = ValueKind::Null;
        std::uint8_t tag = 0;
        std::uint16_t pad = 0;
        std::uint32_t len = 0;
        union {
            std::int64_t i = 0;
            double d;
            char* s;
            Value* items;
        };
    };
    static Value container(ValueKind kind, std::size_t n);
    static Value containerIn(ValueArena& arena, ValueKind kind, std::size_t n);
    bool isInline() const { return h_.tag == kInline; }
    /// Frees the value's own block, if it has one, and leaves it NULL. Inline: most values
    /// (numbers, short text, an arena's) own none, and a scan releases millions of them.
    void release() noexcept {
        if (h_.tag != kBorrowed && (isContainer() || (isText() && !isInline()))) releaseBlock();
        h_ = Heap{};
    }
    void releaseBlock() noexcept;

    // Inline text: byte 0 kind, byte 1 tag == kInline, byte 2 length, bytes 3..15 the text.
    static constexpr std::size_t kInlineMax = 13;
    char* inlineData() { return reinterpret_cast<char*>(&h_) + 3; }
    const char* inlineData() const { return reinterpret_cast<const char*>(&h_) + 3; }
    std::size_t inlineLen() const { return reinterpret_cast<const unsigned char*>(&h_)[2]; }

    Heap h_;
};

static_assert(sizeof(Value) == 16, "Value must stay 16 bytes");

} // namespace quarry
