// SPDX-License-Identifier: MIT
#include "sandbox/SegmentStats.h"

#include "sandbox/SegmentCodec.h"

#include "sandbox/sql/ValueOps.h"

#include <stdexcept>

namespace quarry::sandbox {
using namespace segment;
namespace {

bool textKind(ValueKind k) { return k == ValueKind::String || k == ValueKind::Bytes; }

constexpr std::uint64_t kBlockHeader = 16; // malloc's, on 64-bit glibc

} // namespace

std::uint64_t containerMemory(const Value& v) { return v.size() == 0 ? 0 : kBlockHeader + v.size() * sizeof(Value); } // none: no block

std::uint64_t leafMemory(const Value& v) { return v.isText() && v.asText().size() > 13 ? kBlockHeader + v.asText().size() : 0; }

std::uint64_t valueMemory(const Value& v) {
    if (v.isContainer()) {
        std::uint64_t n = containerMemory(v);
        for (const auto& item : v.items()) n += valueMemory(item);
        return n;
    }
    return leafMemory(v);
}

void StatsWriter::add(const Value& v) { add(v, valueMemory(v)); }

void StatsWriter::add(const Value& v, std::uint64_t memory) {
    const auto k = v.kind();
    if (k == ValueKind::Null) return;
    ++values_;
    memory_ += memory;
    if (none_) return;
    if (!sql::boundedKind(k)) {
        none_ = true;
        return;
    }
    if (kind_ == ValueKind::Null) {
        kind_ = k;
        min_ = v;
        max_ = v;
        return;
    }
    if (k != kind_) {
        none_ = true;
        return;
    }
    if (isIntKind(k)) {
        const auto i = intOf(v);
        if (i < intOf(min_)) min_ = v;
        else if (i > intOf(max_)) max_ = v;
    } else if (v.asText() < min_.asText()) {
        min_ = v;
    } else if (v.asText() > max_.asText()) {
        max_ = v;
    }
}

sql::ColumnStats StatsWriter::finish(std::uint64_t rows) const {
    sql::ColumnStats s;
    s.nulls = rows >= values_ ? rows - values_ : 0;
    s.memory = memory_;
    if (none_ || kind_ == ValueKind::Null) return s;
    if (textKind(kind_) && (min_.asText().size() > kStatsTextBytes || max_.asText().size() > kStatsTextBytes)) return s;
    s.min = min_;
    s.max = max_;
    return s;
}

void appendStats(std::string& out, std::span<const sql::ColumnStats> stats) {
    putVarint(out, stats.size());
    for (const auto& s : stats) {
        putVarint(out, s.nulls);
        putVarint(out, s.memory);
        if (!s.min || !s.max || s.min->kind() != s.max->kind()) {
            out.push_back(0);
            continue;
        }
        const auto k = s.min->kind();
        out.push_back(static_cast<char>(k));
        if (isIntKind(k)) {
            putVarint(out, zigzag(intOf(*s.min)));
            putVarint(out, zigzag(intOf(*s.max)));
        } else {
            for (const Value* v : {&*s.min, &*s.max}) {
                putVarint(out, v->asText().size());
                out += v->asText();
            }
        }
    }
}

std::vector<sql::ColumnStats> parseStats(std::string_view bytes) {
    Reader in{bytes.data(), bytes.data() + bytes.size()};
    const auto n = in.varint();
    if (n > bytes.size()) Reader::bad("more columns than bytes");
    std::vector<sql::ColumnStats> out(static_cast<std::size_t>(n));
    for (auto& s : out) {
        s.nulls = in.varint();
        s.memory = in.varint();
        const auto raw = in.byte();
        if (raw == 0) continue;
        if (raw > static_cast<std::uint8_t>(ValueKind::Array)) Reader::bad("an unknown kind");
        const auto k = static_cast<ValueKind>(raw);
        if (isIntKind(k)) {
            s.min = intValue(k, unzigzag(in.varint()));
            s.max = intValue(k, unzigzag(in.varint()));
        } else if (textKind(k)) {
            s.min = Value::text(k, in.bytes(in.varint()));
            s.max = Value::text(k, in.bytes(in.varint()));
        } else {
            Reader::bad("a kind without bounds");
        }
        if (sql::compareValues(*s.min, *s.max) > 0) Reader::bad("its least value is greater than its greatest");
    }
    if (in.p != in.end) Reader::bad("bytes left over");
    return out;
}

} // namespace quarry::sandbox
