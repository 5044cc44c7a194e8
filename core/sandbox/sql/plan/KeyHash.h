// SPDX-License-Identifier: MIT
#pragma once

#include "value/Value.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quarry::sandbox::sql {

/// Typed GROUP BY / DISTINCT / hash-join keys: values that `appendKey` maps to the same
/// string are equal here and hash alike, without building the string. NULL, NaN (any
/// payload) and -0 = 0 group as BigQuery groups them; NUMERIC by value; INTERVAL by its
/// length (1 month = 30 days); STRUCT, ARRAY and RANGE item by item.
std::size_t keyHash(const Value& v);
bool keyEqual(const Value& a, const Value& b);
class Collation;
/// The same under a collation (may be null): STRINGs, alone or in an ARRAY, by their sort keys.
std::size_t keyHash(const Value& v, const Collation* c);
bool keyEqual(const Value& a, const Value& b, const Collation* c);

/// A set of values under GROUP BY's equality (DISTINCT aggregates): open addressing over one
/// array of values, no node per value.
class DistinctSet {
public:
    /// Adds `v` (a copy) unless an equal value is there; true if it was added. `c` (may be
    /// null): values equal under it are equal (the same `c` for every call on one set).
    bool insert(const Value& v, const Collation* c = nullptr);
    bool contains(const Value& v, const Collation* c = nullptr) const;
    std::size_t size() const { return values_.size(); }

private:
    std::vector<Value> values_;
    std::vector<std::size_t> hashes_;
    std::vector<std::uint32_t> slots_; ///< index + 1 into values_; 0 is empty
};

} // namespace quarry::sandbox::sql
