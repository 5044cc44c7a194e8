// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace quarry::sandbox::sql {

/// A collation name BigQuery refuses ('binary:cs', 'und:cs:cs', an unknown language).
struct CollationError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A GoogleSQL collation ('und:ci', 'en_US', 'binary'), compared through ICU's collator for
/// its language: 'und:ci' is Unicode's root order ignoring case (accents still count), and
/// characters Unicode calls ignorable (U+070F, U+06DD) are ignored, as in BigQuery.
/// 'binary' compares code points, as no collation does; it is a name of its own only so that
/// a conflict between it and 'und:ci' is caught.
///
/// Instances live for the process (one per name, built on first use) and are immutable, so
/// any thread may use one (ICU's collators are thread-safe for comparisons and sort keys).
class Collation {
public:
    /// The collation `name` names, or nullptr for "" (none). Throws CollationError.
    static const Collation* named(std::string_view name);

    const std::string& name() const { return name_; }
    bool binary() const { return !coll_; }

    /// <0, 0, >0 as `a` sorts before, with or after `b` (both UTF-8).
    int compare(std::string_view a, std::string_view b) const;
    bool equal(std::string_view a, std::string_view b) const { return compare(a, b) == 0; }
    /// Bytes that compare (memcmp) as the strings collate: equal strings, equal keys.
    std::string sortKey(std::string_view s) const;

    /// The first match of `needle` (not empty) in `hay` at or after byte `from`, as byte
    /// offsets [begin, end) of `hay`, under this collation's equality (ICU string search).
    std::optional<std::pair<std::size_t, std::size_t>> find(std::string_view hay, std::string_view needle,
                                                             std::size_t from = 0) const;
    /// `s LIKE pattern` where each literal run of the pattern is compared under this collation.
    bool like(std::string_view s, std::string_view pattern) const;

    ~Collation();
    Collation(const Collation&) = delete;
    Collation& operator=(const Collation&) = delete;

private:
    struct Icu;
    Collation(std::string name, std::unique_ptr<Icu> coll);
    std::string name_;
    std::unique_ptr<Icu> coll_; ///< null for 'binary'
};

/// A collation that changes what compares equal (nullptr for none and for 'binary').
inline const Collation* effective(const Collation* c) { return c && !c->binary() ? c : nullptr; }

} // namespace quarry::sandbox::sql
