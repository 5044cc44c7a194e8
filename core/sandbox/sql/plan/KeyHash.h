// SPDX-License-Identifier: MIT
#pragma once

#include "value/Value.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace quarry::sandbox::sql {

/// Typed GROUP BY / DISTINCT / hash-join keys: values that `appendKey` maps to the same
/// string are equal here and hash alike, without building the string. NULL, NaN (any
/// payload) and -0 = 0 group as BigQuery groups them; NUMERIC by value; INTERVAL by its
/// length (1 month = 30 days); STRUCT, ARRAY and RANGE item by item.
std::size_t keyHash(const Value& v);
bool keyEqual(const Value& a, const Value& b);
/// keyHash's mixing step (boost::hash_combine's, widened).
inline std::size_t keyMix(std::size_t h, std::size_t x) { return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }
/// keyHash, with INT64, BOOL and the time kinds hashed inline (the same hash).
inline std::size_t hashKey(const Value& v) {
    switch (const auto k = v.kind()) {
    case ValueKind::Int64: case ValueKind::Bool: case ValueKind::Date: case ValueKind::Time: case ValueKind::DateTime:
    case ValueKind::Timestamp:
        return keyMix(static_cast<std::size_t>(k) * 0x100000001b3ULL, std::hash<std::int64_t>{}(v.asInt64()));
    default: return keyHash(v);
    }
}
/// keyEqual, with the common plain kinds (INT64, BOOL, the time kinds, STRING, BYTES) compared
/// inline: the probe of a hash join or a GROUP BY calls it for every row.
inline bool sameKey(const Value& a, const Value& b) {
    const auto k = a.kind();
    if (k == b.kind()) switch (k) {
        case ValueKind::Int64: case ValueKind::Bool: case ValueKind::Date: case ValueKind::Time: case ValueKind::DateTime:
        case ValueKind::Timestamp:
            return a.asInt64() == b.asInt64();
        case ValueKind::String: case ValueKind::Bytes: return a.asText() == b.asText();
        default: break;
        }
    return keyEqual(a, b);
}
class Collation;
/// The same under a collation (may be null): STRINGs, alone or in an ARRAY, by their sort keys.
std::size_t keyHash(const Value& v, const Collation* c);
bool keyEqual(const Value& a, const Value& b, const Collation* c);

/// A set of values under GROUP BY's equality (DISTINCT aggregates): open addressing over one
/// array of values, no node per value. Each slot holds its value's index and the top of its
/// hash, so a probe that meets another value usually rejects it without reading further (a
/// million distinct values make every table read a cache miss); long text is copied into
/// an arena, not a heap block each.
class DistinctSet {
public:
    DistinctSet() = default;
    DistinctSet(const DistinctSet& o) { *this = o; }
    DistinctSet& operator=(const DistinctSet& o);
    DistinctSet(DistinctSet&&) noexcept = default;
    DistinctSet& operator=(DistinctSet&&) noexcept = default;
    /// Adds `v` (a copy) unless an equal value is there; true if it was added. `c` (may be
    /// null): values equal under it are equal (the same `c` for every call on one set).
    bool insert(const Value& v, const Collation* c = nullptr);
    bool contains(const Value& v, const Collation* c = nullptr) const;
    std::size_t size() const { return values_.size(); }

private:
    std::unique_ptr<ValueArena> arena_; ///< long text of values_ (declared first: they borrow from it)
    std::vector<Value> values_;
    std::vector<std::size_t> hashes_;
    std::vector<std::uint64_t> slots_; ///< 0 empty; else index + 1, and the hash's top 32 bits above
};

} // namespace quarry::sandbox::sql
