// SPDX-License-Identifier: MIT
#include "value/WireFormat.h"

#include "value/Civil.h"

#include <cstring>

namespace quarry::wire {

std::uint64_t packTime(std::int64_t micros) {
    const std::uint64_t m = static_cast<std::uint64_t>(micros);
    const std::uint64_t us = m % 1000000, s = m / 1000000;
    return ((s / 3600) << 32) | ((s / 60 % 60) << 26) | ((s % 60) << 20) | us;
}

std::uint64_t packDateTime(std::int64_t civilMicros) {
    const std::int64_t days = civil::floorDiv(civilMicros, civil::kMicrosPerDay);
    int y = 0;
    unsigned mo = 0, d = 0;
    civil::civilFromDays(days, y, mo, d);
    return (static_cast<std::uint64_t>(y) << 46) | (std::uint64_t(mo) << 42) | (std::uint64_t(d) << 37) |
           packTime(civilMicros - days * civil::kMicrosPerDay);
}

void message(std::string& out, const std::vector<Field>& fields, const Value& row) {
    for (std::size_t i = 0; i < fields.size() && i < row.size(); ++i) {
        const auto& f = fields[i];
        const Value& v = row[i];
        const int number = static_cast<int>(i + 1);
        if (v.isNull()) continue;
        if (f.isRepeated()) {
            for (const auto& e : v.items())
                if (!e.isNull()) scalar(out, number, f, f.type, e);
        } else {
            scalar(out, number, f, f.type, v);
        }
    }
}

void scalar(std::string& out, int number, const Field& f, TypeKind type, const Value& v) {
    switch (type) {
    case TypeKind::Int64:
    case TypeKind::Timestamp:
        tag(out, number, kVarint);
        varint(out, static_cast<std::uint64_t>(v.asInt64()));
        return;
    case TypeKind::Date: // int32: negative values are sign-extended to ten bytes, as protobuf writes them
        tag(out, number, kVarint);
        varint(out, static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v.asInt64()))));
        return;
    case TypeKind::Time:
        tag(out, number, kVarint);
        varint(out, packTime(v.asInt64()));
        return;
    case TypeKind::DateTime:
        tag(out, number, kVarint);
        varint(out, packDateTime(v.asInt64()));
        return;
    case TypeKind::Bool:
        tag(out, number, kVarint);
        varint(out, v.asBool() ? 1 : 0);
        return;
    case TypeKind::Float64: {
        tag(out, number, kFixed64);
        const double d = v.asDouble();
        char b[8];
        std::memcpy(b, &d, 8); // little-endian machines only, as protobuf's wire format is
        out.append(b, 8);
        return;
    }
    case TypeKind::Struct: {
        const auto mark = open(out, number);
        message(out, f.fields, v);
        close(out, mark);
        return;
    }
    case TypeKind::Range: {
        const auto mark = open(out, number);
        for (std::size_t side = 0; side < 2 && side < v.size(); ++side)
            if (!v[side].isNull()) scalar(out, static_cast<int>(side + 1), f, f.rangeElement, v[side]);
        close(out, mark);
        return;
    }
    default:
        bytesField(out, number, v.asText());
        return;
    }
}

} // namespace quarry::wire
