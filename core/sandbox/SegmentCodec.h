// SPDX-License-Identifier: MIT
#pragma once
// The pieces a row group's bytes are written and read with (Segment.cpp, SegmentStats.cpp):
// varints, zig-zag integers, fixed 8-byte words, and a reader that checks every bound.

#include "value/Value.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace quarry::sandbox::segment {

inline void putVarint(std::string& out, std::uint64_t v) {
    if (v < 0x80) { // most: a kind, a short length
        out.push_back(static_cast<char>(v));
        return;
    }
    char b[10];
    std::size_t n = 0;
    while (v >= 0x80) {
        b[n++] = static_cast<char>(v | 0x80);
        v >>= 7;
    }
    b[n++] = static_cast<char>(v);
    out.append(b, n);
}

inline void putFixed(std::string& out, std::uint64_t v) {
    char b[8];
    std::memcpy(b, &v, 8);
    out.append(b, 8);
}

inline std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v) {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

inline bool isIntKind(ValueKind k) {
    switch (k) {
    case ValueKind::Int64: case ValueKind::Date: case ValueKind::Time: case ValueKind::DateTime:
    case ValueKind::Timestamp: case ValueKind::Bool:
        return true;
    default:
        return false;
    }
}

/// Integers and the kinds stored as one (BOOL as 0 or 1): one zig-zag varint each.
inline std::int64_t intOf(const Value& v) { return v.kind() == ValueKind::Bool ? (v.asBool() ? 1 : 0) : v.asInt64(); }
/// The value of kind `k` (one isIntKind says yes to) stored as `i`.
inline Value intValue(ValueKind k, std::int64_t i) {
    switch (k) {
    case ValueKind::Int64: return Value::int64(i);
    case ValueKind::Date: return Value::date(static_cast<std::int32_t>(i));
    case ValueKind::Time: return Value::time(i);
    case ValueKind::DateTime: return Value::dateTime(i);
    case ValueKind::Timestamp: return Value::timestamp(i);
    default: return Value::boolean(i != 0);
    }
}

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

} // namespace quarry::sandbox::segment
