// SPDX-License-Identifier: MIT
#include "sandbox/sql/plan/KeyHash.h"

#include "sandbox/sql/Collation.h"
#include "sandbox/sql/ValueOps.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <string_view>

namespace quarry::sandbox::sql {
namespace {

std::size_t hashBytes(std::string_view s) { return std::hash<std::string_view>{}(s); }

/// A FLOAT64 as GROUP BY sees it: every NaN one value, -0 the same as 0.
double canonical(double d) {
    if (std::isnan(d)) return NAN;
    return d == 0 ? 0.0 : d;
}

std::size_t hashNum128(Num128 n) {
    const auto lo = static_cast<std::uint64_t>(n), hi = static_cast<std::uint64_t>(n >> 64);
    return keyMix(std::hash<std::uint64_t>{}(lo), std::hash<std::uint64_t>{}(hi));
}

bool isDecimal(ValueKind k) { return k == ValueKind::Numeric || k == ValueKind::BigNumeric; }

} // namespace

std::size_t keyHash(const Value& v) {
    const auto k = v.kind();
    std::size_t h = static_cast<std::size_t>(k) * 0x100000001b3ULL;
    switch (k) {
    case ValueKind::Null: return h;
    case ValueKind::Float64: {
        const double d = canonical(v.asDouble());
        std::uint64_t bits;
        std::memcpy(&bits, &d, 8);
        return keyMix(h, std::hash<std::uint64_t>{}(bits));
    }
    case ValueKind::Numeric:
    case ValueKind::BigNumeric:
        if (const auto n = parseNumeric(v.asText())) return keyMix(h, hashNum128(*n));
        return keyMix(h, hashBytes(v.asText()));
    case ValueKind::Interval:
        if (const auto n = intervalNanos(v.asText())) return keyMix(h, hashNum128(*n));
        return keyMix(h, hashBytes(v.asText()));
    case ValueKind::String:
    case ValueKind::Bytes:
    case ValueKind::Geography:
    case ValueKind::Json: return keyMix(h, hashBytes(v.asText()));
    case ValueKind::Struct:
    case ValueKind::Array:
    case ValueKind::Range:
        h = keyMix(h, v.size());
        for (const auto& c : v.items()) h = keyMix(h, keyHash(c));
        return h;
    default: return hashKey(v); // INT64, BOOL and the time kinds: one definition, inline
    }
}

bool keyEqual(const Value& a, const Value& b) {
    const auto k = a.kind();
    if (k != b.kind()) return false;
    switch (k) {
    case ValueKind::Null: return true;
    case ValueKind::Float64: {
        const double x = canonical(a.asDouble()), y = canonical(b.asDouble());
        return std::memcmp(&x, &y, 8) == 0;
    }
    case ValueKind::Numeric:
    case ValueKind::BigNumeric:
    case ValueKind::Interval: {
        const auto x = isDecimal(k) ? parseNumeric(a.asText()) : intervalNanos(a.asText());
        const auto y = isDecimal(k) ? parseNumeric(b.asText()) : intervalNanos(b.asText());
        if (x && y) return *x == *y;
        if (x || y) return false;
        return a.asText() == b.asText();
    }
    case ValueKind::String:
    case ValueKind::Bytes:
    case ValueKind::Geography:
    case ValueKind::Json: return a.asText() == b.asText();
    case ValueKind::Struct:
    case ValueKind::Array:
    case ValueKind::Range: {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!keyEqual(a[i], b[i])) return false;
        return true;
    }
    default: return a.asInt64() == b.asInt64();
    }
}

std::size_t keyHash(const Value& v, const Collation* c) {
    if (!c) return keyHash(v);
    if (v.kind() == ValueKind::String) return keyMix(static_cast<std::size_t>(ValueKind::String), hashBytes(c->sortKey(v.asText())));
    if (v.kind() != ValueKind::Array) return keyHash(v);
    std::size_t h = keyMix(static_cast<std::size_t>(ValueKind::Array), v.size());
    for (const auto& e : v.items()) h = keyMix(h, keyHash(e, c));
    return h;
}

bool keyEqual(const Value& a, const Value& b, const Collation* c) {
    if (!c) return keyEqual(a, b);
    if (a.kind() == ValueKind::String && b.kind() == ValueKind::String) return c->equal(a.asText(), b.asText());
    if (a.kind() != ValueKind::Array || b.kind() != ValueKind::Array) return keyEqual(a, b);
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!keyEqual(a[i], b[i], c)) return false;
    return true;
}

namespace {
std::uint64_t slotOf(std::size_t index, std::size_t hash) { return (static_cast<std::uint64_t>(hash >> 32) << 32) | (index + 1); }
std::size_t indexOf(std::uint64_t slot) { return static_cast<std::size_t>(slot & 0xFFFFFFFFu) - 1; }
bool sameTop(std::uint64_t slot, std::size_t hash) { return (slot >> 32) == (static_cast<std::uint64_t>(hash) >> 32); }
} // namespace

DistinctSet& DistinctSet::operator=(const DistinctSet& o) {
    if (this == &o) return *this;
    values_ = o.values_; // copies own their text: no arena needed for them
    arena_.reset();
    hashes_ = o.hashes_;
    slots_ = o.slots_;
    return *this;
}

bool DistinctSet::contains(const Value& v, const Collation* c) const {
    if (slots_.empty()) return false;
    const std::size_t h = keyHash(v, c), mask = slots_.size() - 1;
    for (std::size_t at = h & mask; const std::uint64_t s = slots_[at]; at = (at + 1) & mask)
        if (sameTop(s, h) && hashes_[indexOf(s)] == h && keyEqual(values_[indexOf(s)], v, c)) return true;
    return false;
}

bool DistinctSet::insert(const Value& v, const Collation* c) {
    const std::size_t h = keyHash(v, c);
    if (slots_.empty()) slots_.assign(64, 0);
    std::size_t mask = slots_.size() - 1, at = h & mask;
    while (const std::uint64_t s = slots_[at]) {
        if (sameTop(s, h) && hashes_[indexOf(s)] == h && keyEqual(values_[indexOf(s)], v, c)) return false;
        at = (at + 1) & mask;
    }
    if (v.isText()) {
        if (!arena_) arena_ = std::make_unique<ValueArena>();
        values_.push_back(Value::textIn(*arena_, v.kind(), v.asText()));
    } else {
        values_.push_back(v);
    }
    hashes_.push_back(h);
    slots_[at] = slotOf(values_.size() - 1, h);
    if (values_.size() * 2 > slots_.size()) { // keep it at most half full
        std::vector<std::uint64_t> bigger(slots_.size() * 2, 0);
        mask = bigger.size() - 1;
        for (std::size_t i = 0; i < hashes_.size(); ++i) {
            std::size_t to = hashes_[i] & mask;
            while (bigger[to] != 0) to = (to + 1) & mask;
            bigger[to] = slotOf(i, hashes_[i]);
        }
        slots_ = std::move(bigger);
    }
    return true;
}

} // namespace quarry::sandbox::sql
