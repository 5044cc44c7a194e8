// SPDX-License-Identifier: MIT
// The Write API's rows read straight from protobuf's wire format, as a writer schema's Plan
// lays them out: no message objects, no reflection. Protobuf's rules hold: unknown fields are
// skipped, the last of a singular scalar wins, occurrences of a singular message merge,
// repeated numbers may come packed or not; groups (deprecated, never in a writer schema made
// from a table) are refused.
#include "storageapi/ProtoRowsPlan.h"
#include "storageapi/ScaledDecimal.h"

#include "value/Civil.h"
#include "value/JsonParse.h"
#include "value/Numbers.h"
#include "value/Text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace quarry::storageapi::detail {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

namespace {

std::string plainDecimal(double d, int scale) {
    std::array<char, 512> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed, scale);
    std::string s(buf.data(), r.ptr);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

/// CivilTimeEncoder's packed forms: | hour 5 | minute 6 | second 6 | micros 20 | and, for a
/// DATETIME, | year 14 | month 4 | day 5 | before them.
std::optional<std::int64_t> packedTime(std::uint64_t v) {
    const std::uint64_t micros = v & 0xFFFFF, second = (v >> 20) & 0x3F, minute = (v >> 26) & 0x3F, hour = (v >> 32) & 0x1F;
    if (v >> 37 || micros > 999999 || second > 59 || minute > 59 || hour > 23) return std::nullopt;
    return static_cast<std::int64_t>(((hour * 60 + minute) * 60 + second) * 1000000 + micros);
}
std::optional<std::int64_t> packedDateTime(std::int64_t signedV) {
    if (signedV < 0) return std::nullopt;
    const auto v = static_cast<std::uint64_t>(signedV);
    const auto time = packedTime(v & ((std::uint64_t(1) << 37) - 1));
    const std::uint64_t day = (v >> 37) & 0x1F, month = (v >> 42) & 0xF, year = (v >> 46) & 0x3FFF;
    if (!time || v >> 60 || year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return std::nullopt;
    const auto days = civil::daysFromCivil(static_cast<int>(year), static_cast<unsigned>(month), static_cast<unsigned>(day));
    int y = 0;
    unsigned m = 0, dd = 0;
    civil::civilFromDays(days, y, m, dd);
    if (dd != day) return std::nullopt; // 31 February
    return std::int64_t(days) * civil::kMicrosPerDay + *time;
}

constexpr std::int64_t kMinDays = -719162; // 0001-01-01
constexpr std::int64_t kMaxDays = 2932896; // 9999-12-31

/// A scalar as the wire gave it, before it meets its column's type.
struct Raw {
    enum Kind { Int, UInt, Double, Bool, Enum, Text } kind = Int;
    std::int64_t i = 0;
    std::uint64_t u = 0;
    double d = 0;
    std::string_view s;
    bool bytes = false;
    const pb::EnumValueDescriptor* e = nullptr;
    static Raw integer(std::int64_t v) {
        Raw r;
        r.i = v;
        return r;
    }
};

/// One occurrence of a known field in a message's bytes.
struct Occ {
    int slot = 0, next = -1;
    std::uint8_t wire = 0;
    std::uint64_t v = 0;   ///< a varint or fixed value
    std::string_view span; ///< a length-delimited value
};

bool readVarint(const char*& p, const char* end, std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        const auto b = static_cast<std::uint8_t>(*p++);
        v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

bool readFixed(const char*& p, const char* end, int n, std::uint64_t& v) {
    if (end - p < n) return false;
    v = 0;
    for (int k = 0; k < n; ++k) v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(p[k])) << (8 * k);
    p += n;
    return true;
}

} // namespace

int wireTypeOf(const FD* f) {
    switch (f->type()) {
    case FD::TYPE_DOUBLE:
    case FD::TYPE_FIXED64:
    case FD::TYPE_SFIXED64: return 1;
    case FD::TYPE_FLOAT:
    case FD::TYPE_FIXED32:
    case FD::TYPE_SFIXED32: return 5;
    case FD::TYPE_STRING:
    case FD::TYPE_BYTES:
    case FD::TYPE_MESSAGE: return 2;
    case FD::TYPE_GROUP: return 3;
    default: return 0;
    }
}

namespace {

struct Decoder {
    std::vector<Occ> occ; ///< every level's occurrences, a stack: a nested message's after its parent's
    std::string error;
    /// Where the walk is: each level's column and, inside a repeated one, the element (-1 for
    /// none). Written out only for an error.
    struct Step {
        const Field* column;
        std::ptrdiff_t index;
    };
    std::vector<Step> path;

    std::string pathText() const {
        std::string p;
        for (const auto& st : path) {
            if (!p.empty()) p += '.';
            p += st.column->name;
            if (st.index >= 0) p += "[" + std::to_string(st.index) + "]";
        }
        return p;
    }

    bool fail(const std::string& what) {
        if (error.empty()) error = (path.empty() ? std::string("The row") : "Field " + pathText()) + ": " + what;
        return false;
    }

    /// The raw scalar of field `f` from a value read with wire type `wire`.
    bool raw(const FD* f, std::uint64_t v, std::string_view span, Raw& r) {
        switch (f->type()) {
        case FD::TYPE_INT32: r = Raw::integer(static_cast<std::int32_t>(v)); return true;
        case FD::TYPE_INT64: r = Raw::integer(static_cast<std::int64_t>(v)); return true;
        case FD::TYPE_UINT32: r = Raw::integer(static_cast<std::uint32_t>(v)); return true;
        case FD::TYPE_UINT64: r.kind = Raw::UInt; r.u = v; return true;
        case FD::TYPE_SINT32: r = Raw::integer(static_cast<std::int32_t>((static_cast<std::uint32_t>(v) >> 1) ^ (~(static_cast<std::uint32_t>(v) & 1) + 1))); return true;
        case FD::TYPE_SINT64: r = Raw::integer(static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1))); return true;
        case FD::TYPE_FIXED32: r = Raw::integer(static_cast<std::uint32_t>(v)); return true;
        case FD::TYPE_SFIXED32: r = Raw::integer(static_cast<std::int32_t>(static_cast<std::uint32_t>(v))); return true;
        case FD::TYPE_FIXED64: r.kind = Raw::UInt; r.u = v; return true;
        case FD::TYPE_SFIXED64: r = Raw::integer(static_cast<std::int64_t>(v)); return true;
        case FD::TYPE_BOOL: r.kind = Raw::Bool; r.i = v != 0; return true;
        case FD::TYPE_DOUBLE: r.kind = Raw::Double; std::memcpy(&r.d, &v, 8); return true;
        case FD::TYPE_FLOAT: {
            const auto bits = static_cast<std::uint32_t>(v);
            float x = 0;
            std::memcpy(&x, &bits, 4);
            r.kind = Raw::Double;
            r.d = x;
            return true;
        }
        case FD::TYPE_ENUM:
            r.kind = Raw::Enum;
            r.i = static_cast<std::int32_t>(v);
            r.e = f->enum_type()->FindValueByNumber(static_cast<int>(r.i));
            if (!r.e) return fail("the enum value " + std::to_string(r.i) + " is not one of " + std::string(f->enum_type()->name()) + "'s");
            return true;
        case FD::TYPE_STRING:
        case FD::TYPE_BYTES:
            r.kind = Raw::Text;
            r.s = span;
            r.bytes = f->type() == FD::TYPE_BYTES;
            return true;
        default:
            return fail("unsupported proto type");
        }
    }

    bool decimal(const std::string& s, TypeKind type, Value& out) {
        const bool big = type == TypeKind::BigNumeric;
        if (!(big ? numbers::isBigNumeric(s) : numbers::isNumeric(s)))
            return fail("'" + s.substr(0, 60) + "' is not a valid " + (big ? "BIGNUMERIC" : "NUMERIC"));
        out = big ? Value::bigNumeric(s) : Value::numeric(s);
        return true;
    }

    bool text(std::string_view sv, bool bytes, TypeKind type, Value& out) {
        if (type == TypeKind::Bytes) {
            out = Value::bytes(sv);
            return true;
        }
        if (bytes) { // NUMERIC / BIGNUMERIC from BigDecimalByteStringEncoder
            const auto t = scaledBytesText(sv, type == TypeKind::Numeric ? 9 : 38);
            if (!t) return fail("the bytes are not an encoded " + std::string(standardTypeName(type)));
            return decimal(*t, type, out);
        }
        if (!text::isValidUtf8(sv)) return fail("the string is not valid UTF-8");
        const auto bad = [&] { return fail("cannot convert '" + std::string(sv.substr(0, 60)) + "' to " + std::string(standardTypeName(type))); };
        switch (type) {
        case TypeKind::String: out = Value::string(sv); return true;
        case TypeKind::Geography: out = Value::geography(sv); return true;
        case TypeKind::Interval: out = Value::interval(sv); return true;
        case TypeKind::Json:
            if (jsonNestingDepth(sv) > kMaxJsonColumnDepth || !nlohmann::json::accept(sv)) return bad();
            out = Value::json(sv);
            return true;
        case TypeKind::Numeric:
        case TypeKind::BigNumeric: return decimal(std::string(sv), type, out);
        case TypeKind::Date:
            if (const auto d = civil::parseDate(sv)) { out = Value::date(*d); return true; }
            return bad();
        case TypeKind::Time:
            if (const auto t = civil::parseTime(sv)) { out = Value::time(*t); return true; }
            return bad();
        case TypeKind::DateTime:
            if (const auto t = civil::parseDateTime(sv)) { out = Value::dateTime(*t); return true; }
            return bad();
        case TypeKind::Timestamp:
            if (const auto t = civil::parseTimestampText(sv); t && *t >= civil::kMinMicros && *t <= civil::kMaxMicros) {
                out = Value::timestamp(*t);
                return true;
            }
            return bad();
        default:
            return bad();
        }
    }

    /// A raw scalar as a value of the column's type (compatible() allowed the pair).
    bool convert(const Raw& r, TypeKind type, Value& out) {
        switch (r.kind) {
        case Raw::Text: return text(r.s, r.bytes, type, out);
        case Raw::Enum:
            out = type == TypeKind::String ? Value::string(r.e->name()) : Value::int64(r.i);
            return true;
        case Raw::Bool: out = Value::boolean(r.i != 0); return true;
        case Raw::Double:
            if (type == TypeKind::Float64) {
                out = Value::float64(r.d);
                return true;
            }
            if (!std::isfinite(r.d)) return fail("cannot convert " + numbers::formatDouble(r.d) + " to " + std::string(standardTypeName(type)));
            return decimal(plainDecimal(r.d, type == TypeKind::Numeric ? 9 : 38), type, out);
        case Raw::UInt:
            if (r.u > static_cast<std::uint64_t>(INT64_MAX)) {
                if (type == TypeKind::Numeric || type == TypeKind::BigNumeric) return decimal(std::to_string(r.u), type, out);
                if (type == TypeKind::Bool) { out = Value::boolean(true); return true; }
                return fail("the value " + std::to_string(r.u) + " is out of range for " + std::string(standardTypeName(type)));
            }
            return convert(Raw::integer(static_cast<std::int64_t>(r.u)), type, out);
        case Raw::Int: break;
        }
        const std::int64_t i = r.i;
        switch (type) {
        case TypeKind::Int64: out = Value::int64(i); return true;
        case TypeKind::Bool: out = Value::boolean(i != 0); return true;
        case TypeKind::Numeric:
        case TypeKind::BigNumeric: return decimal(std::to_string(i), type, out);
        case TypeKind::Date:
            if (i < kMinDays || i > kMaxDays) return fail("the DATE " + std::to_string(i) + " (days since 1970-01-01) is out of range");
            out = Value::date(static_cast<std::int32_t>(i));
            return true;
        case TypeKind::Time:
            if (const auto t = packedTime(static_cast<std::uint64_t>(i)); t && i >= 0) {
                out = Value::time(*t);
                return true;
            }
            return fail("invalid packed TIME " + std::to_string(i));
        case TypeKind::DateTime:
            if (const auto t = packedDateTime(i)) {
                out = Value::dateTime(*t);
                return true;
            }
            return fail("invalid packed DATETIME " + std::to_string(i));
        case TypeKind::Timestamp:
            if (i < civil::kMinMicros || i > civil::kMaxMicros) return fail("the TIMESTAMP " + std::to_string(i) + " (microseconds) is out of range");
            out = Value::timestamp(i);
            return true;
        default:
            return fail("unsupported conversion");
        }
    }

    /// The last value of field `number` in a small message (a wrapper, a Timestamp).
    bool lastOf(std::string_view bytes, int number, std::uint64_t& v, std::string_view& span, bool& seen) {
        const char* p = bytes.data();
        const char* end = p + bytes.size();
        seen = false;
        while (p < end) {
            std::uint64_t tag = 0;
            if (!readVarint(p, end, tag)) return fail("the message is cut short");
            std::uint64_t x = 0;
            std::string_view s;
            if (!skipOrRead(p, end, static_cast<int>(tag & 7), x, s)) return false;
            if ((tag >> 3) == static_cast<std::uint64_t>(number)) {
                v = x;
                span = s;
                seen = true;
            }
        }
        return true;
    }

    bool skipOrRead(const char*& p, const char* end, int wire, std::uint64_t& v, std::string_view& span) {
        switch (wire) {
        case 0: if (readVarint(p, end, v)) return true; break;
        case 1: if (readFixed(p, end, 8, v)) return true; break;
        case 5: if (readFixed(p, end, 4, v)) return true; break;
        case 2: {
            std::uint64_t n = 0;
            if (readVarint(p, end, n) && n <= static_cast<std::uint64_t>(end - p)) {
                span = {p, static_cast<std::size_t>(n)};
                p += n;
                return true;
            }
            break;
        }
        default: return fail("groups and unknown wire types (" + std::to_string(wire) + ") are not accepted");
        }
        return fail("the message is cut short");
    }

    /// One element of slot `s` (a scalar, a nested record, a wrapper or a Timestamp).
    bool element(const Plan::Slot& s, TypeKind type, std::uint64_t v, std::string_view span, Value& out) {
        const FD* f = s.field;
        if (f->type() != FD::TYPE_MESSAGE) {
            Raw r;
            return raw(f, v, span, r) && convert(r, type, out);
        }
        if (s.child) {
            if (s.column && s.column->type == TypeKind::Struct) return message(span, *s.child, out);
            Value sides[2]; // RANGE: start and end
            for (int k = 0; k < 2; ++k) {
                std::uint64_t x = 0;
                std::string_view sp;
                bool seen = false;
                const FD* side = s.child->slots[static_cast<std::size_t>(k)].field;
                if (!lastOf(span, side->number(), x, sp, seen)) return false;
                Raw r;
                if (seen && !(raw(side, x, sp, r) && convert(r, s.column->rangeElement, sides[k]))) return false;
            }
            out = Value::range(std::move(sides[0]), std::move(sides[1]));
            return true;
        }
        const auto* m = f->message_type();
        if (m->full_name() == "google.protobuf.Timestamp") {
            std::uint64_t seconds = 0, nanos = 0;
            std::string_view sp;
            bool seen = false;
            if (!lastOf(span, 1, seconds, sp, seen) || !lastOf(span, 2, nanos, sp, seen)) return false;
            const auto sec = static_cast<std::int64_t>(seconds);
            const auto ns = static_cast<std::int32_t>(nanos);
            if (ns < 0 || ns > 999999999 || sec < civil::kMinMicros / 1000000 || sec > civil::kMaxMicros / 1000000)
                return fail("the Timestamp is out of range");
            out = Value::timestamp(sec * 1000000 + ns / 1000);
            return true;
        }
        const FD* value = m->FindFieldByNumber(1); // a wrapper's `value`
        std::uint64_t x = 0;
        std::string_view sp;
        bool seen = false;
        if (!lastOf(span, 1, x, sp, seen)) return false;
        if (!seen) { // a wrapper left empty holds its type's default
            x = 0;
            sp = {};
        }
        Raw r;
        return raw(value, x, sp, r) && convert(r, type, out);
    }

    /// A whole message as a STRUCT of the plan's columns.
    bool message(std::string_view bytes, const Plan& plan, Value& out) {
        const std::size_t base = occ.size();
        std::array<int, 64> headsSmall{}, tailsSmall{};
        std::vector<int> headsBig, tailsBig;
        int* heads = headsSmall.data();
        int* tails = tailsSmall.data();
        if (plan.slots.size() > headsSmall.size()) {
            headsBig.assign(plan.slots.size(), -1);
            tailsBig.assign(plan.slots.size(), -1);
            heads = headsBig.data();
            tails = tailsBig.data();
        } else {
            std::fill_n(heads, plan.slots.size(), -1);
            std::fill_n(tails, plan.slots.size(), -1);
        }
        const char* p = bytes.data();
        const char* end = p + bytes.size();
        while (p < end) {
            std::uint64_t tag = 0;
            if (!readVarint(p, end, tag) || (tag >> 3) == 0) return fail("the message could not be parsed");
            Occ o;
            o.wire = static_cast<std::uint8_t>(tag & 7);
            if (!skipOrRead(p, end, o.wire, o.v, o.span)) return false;
            const int slot = plan.slotOf(tag >> 3);
            if (slot < 0) continue; // an unknown field: skipped
            const auto& sl = plan.slots[static_cast<std::size_t>(slot)];
            const int want = sl.wire;
            const bool packed = sl.repeated && o.wire == 2 && want != 2;
            if (o.wire != want && !packed) return fail("the wire type of field " + std::string(sl.field->name()) + " does not match its declared type");
            o.slot = slot;
            occ.push_back(o);
            const int at = static_cast<int>(occ.size() - 1);
            if (tails[slot] < 0) heads[slot] = at;
            else occ[static_cast<std::size_t>(tails[slot])].next = at;
            tails[slot] = at;
        }
        out = Value::structOf(plan.slots.size());
        bool ok = true;
        for (std::size_t i = 0; i < plan.slots.size() && ok; ++i) {
            const auto& s = plan.slots[i];
            path.push_back({s.column, -1});
            ok = cell(s, heads[i], out[i]);
            if (ok) path.pop_back();
        }
        occ.resize(base);
        return ok;
    }

    bool cell(const Plan::Slot& s, int head, Value& out) {
        const Field& c = *s.column;
        if (c.isRepeated()) {
            // Count first, then fill the array in place.
            const int want = s.wire;
            std::size_t n = 0;
            for (int k = head; k >= 0; k = occ[static_cast<std::size_t>(k)].next) {
                const Occ& o = occ[static_cast<std::size_t>(k)];
                if (o.wire != 2 || want == 2) {
                    ++n;
                } else if (want == 0) { // packed varints: one per byte without its high bit
                    for (const char ch : o.span) n += (static_cast<std::uint8_t>(ch) & 0x80) == 0;
                } else {
                    const std::size_t width = want == 1 ? 8 : 4;
                    if (o.span.size() % width) return fail("a packed repeated field is cut short");
                    n += o.span.size() / width;
                }
            }
            out = Value::arrayOf(n);
            std::size_t at = 0;
            for (int k = head; k >= 0; k = occ[static_cast<std::size_t>(k)].next) {
                const Occ o = occ[static_cast<std::size_t>(k)]; // a copy: nested messages push onto occ
                if (o.wire == 2 && want != 2) { // packed numbers
                    const char* p = o.span.data();
                    const char* end = p + o.span.size();
                    while (p < end) {
                        std::uint64_t v = 0;
                        const bool read = want == 0 ? readVarint(p, end, v) : readFixed(p, end, want == 1 ? 8 : 4, v);
                        if (!read || at >= n) return fail("a packed repeated field is cut short");
                        path.back().index = static_cast<std::ptrdiff_t>(at);
                        if (!element(s, c.type, v, {}, out[at++])) return false;
                    }
                    continue;
                }
                path.back().index = static_cast<std::ptrdiff_t>(at);
                if (!element(s, c.type, o.v, o.span, out[at++])) return false;
            }
            path.back().index = -1;
            return true;
        }
        if (head < 0) {
            if (c.mode == Mode::Required) return fail("missing required field");
            out = Value();
            return true;
        }
        // The last occurrence of a scalar wins; a message's occurrences merge (decoding their
        // bytes one after another is protobuf's merge).
        int last = head;
        std::string merged;
        bool many = false;
        for (int k = occ[static_cast<std::size_t>(head)].next; k >= 0; k = occ[static_cast<std::size_t>(k)].next) {
            last = k;
            many = true;
        }
        Occ o = occ[static_cast<std::size_t>(last)];
        if (many && s.field->type() == FD::TYPE_MESSAGE) {
            for (int k = head; k >= 0; k = occ[static_cast<std::size_t>(k)].next) merged += occ[static_cast<std::size_t>(k)].span;
            o.span = merged;
        }
        return element(s, c.type, o.v, o.span, out);
    }

};

} // namespace

bool decodeMessage(std::string_view bytes, const Plan& plan, Value& out, std::string& error) {
    thread_local Decoder d;
    d.occ.clear();
    d.error.clear();
    d.path.clear();
    if (d.message(bytes, plan, out)) return true;
    error = d.error;
    if (error.rfind("The row: the message", 0) == 0) error = "The row could not be parsed as the writer schema's message.";
    return false;
}

} // namespace quarry::storageapi::detail
