// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>
#include <string>
#include <string_view>

/// Protobuf's wire format, written by hand for rows laid out by a table's schema (the Storage
/// Write API's ProtoRows): field i of a message is number i + 1, and each column type is
/// written as the proto type ProtoEncoder declares for it (INT64 int64, FLOAT64 double, BOOL
/// bool, BYTES bytes, DATE int32 days, TIMESTAMP int64 microseconds, TIME and DATETIME
/// CivilTimeEncoder's packed int64, RANGE a message of start and end, STRUCT a nested message,
/// REPEATED repeated fields, every other type its text). No protobuf library is needed here:
/// JsonRowReader writes rows straight from JSON with it, ProtoEncoder from Values.
namespace quarry::wire {

enum Type { kVarint = 0, kFixed64 = 1, kBytes = 2 };

inline void varint(std::string& out, std::uint64_t v) {
    if (v < 0x80) { // most: a tag, a short length
        out.push_back(static_cast<char>(v));
        return;
    }
    char b[10];
    int n = 0;
    while (v >= 0x80) {
        b[n++] = static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    b[n++] = static_cast<char>(v);
    out.append(b, static_cast<std::size_t>(n));
}

inline void tag(std::string& out, int number, Type w) { varint(out, (static_cast<std::uint64_t>(number) << 3) | w); }

inline void bytesField(std::string& out, int number, std::string_view body) {
    tag(out, number, kBytes);
    varint(out, body.size());
    out.append(body);
}

/// Opens length-delimited field `number` whose body is written into `out` next; returns the
/// mark close() wants. One byte is kept for the length and widened only when the body is longer.
inline std::size_t open(std::string& out, int number) {
    tag(out, number, kBytes);
    out.push_back('\0');
    return out.size();
}

inline void close(std::string& out, std::size_t mark) {
    const std::size_t n = out.size() - mark;
    if (n < 0x80) {
        out[mark - 1] = static_cast<char>(n);
        return;
    }
    std::string len;
    varint(len, n);
    out.replace(mark - 1, 1, len);
}

/// CivilTimeEncoder's packed forms.
std::uint64_t packTime(std::int64_t micros);
std::uint64_t packDateTime(std::int64_t civilMicros);

/// One non-NULL value of column `f` (an element, for a REPEATED one) as field `number`, as
/// type `type` (the column's, or its RANGE's element type).
void scalar(std::string& out, int number, const Field& f, TypeKind type, const Value& v);
/// A row (a STRUCT laid out as `fields`) as a message's fields.
void message(std::string& out, const std::vector<Field>& fields, const Value& row);

} // namespace quarry::wire
