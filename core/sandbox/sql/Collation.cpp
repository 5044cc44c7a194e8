// SPDX-License-Identifier: MIT
#include "sandbox/sql/Collation.h"

#include "value/Text.h"

#include <unicode/coll.h>
#include <unicode/locid.h>
#include <unicode/sortkey.h>
#include <unicode/stsearch.h>
#include <unicode/tblcoll.h>
#include <unicode/unistr.h>

#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace quarry::sandbox::sql {

struct Collation::Icu {
    std::unique_ptr<icu::Collator> coll;
};

namespace {

[[noreturn]] void invalid(std::string_view name, const std::string& why = {}) {
    throw CollationError("COLLATE has invalid collation name '" + std::string(name) + "'" + (why.empty() ? "" : ":" + why));
}

bool knownLanguage(const std::string& lang) {
    if (lang == "und") return true;
    for (const char* const* l = icu::Locale::getISOLanguages(); *l; ++l)
        if (lang == *l) return true;
    return false;
}

/// UTF-16 offsets of a UTF-8 string's code points: at16[i] is the byte where UTF-16 unit i
/// starts (a surrogate pair's second unit maps to its pair's byte), at16[size] the end.
std::vector<std::size_t> byteOffsets(std::string_view s) {
    std::vector<std::size_t> at16;
    at16.reserve(s.size() + 1);
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        at16.push_back(i);
        if (n == 4) at16.push_back(i);
        i += n;
    }
    at16.push_back(s.size());
    return at16;
}

icu::UnicodeString u16(std::string_view s) {
    return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<std::int32_t>(s.size())));
}

} // namespace

Collation::Collation(std::string name, std::unique_ptr<Icu> coll) : name_(std::move(name)), coll_(std::move(coll)) {}
Collation::~Collation() = default;

const Collation* Collation::named(std::string_view name) {
    if (name.empty()) return nullptr;
    static std::mutex mu;
    static std::map<std::string, std::unique_ptr<Collation>, std::less<>> cache;
    std::lock_guard lock(mu);
    if (const auto it = cache.find(name); it != cache.end()) return it->second.get();

    std::vector<std::string> parts;
    for (std::size_t at = 0;;) {
        const auto colon = name.find(':', at);
        parts.emplace_back(name.substr(at, colon == std::string_view::npos ? std::string_view::npos : colon - at));
        if (colon == std::string_view::npos) break;
        at = colon + 1;
    }
    std::unique_ptr<Icu> icuColl;
    if (parts[0] == "binary") {
        if (parts.size() > 1) invalid(name, "binary cannot be combined with a suffix");
    } else {
        if (parts.size() > 2) invalid(name, "only case sensitivity attribute is supported");
        if (parts.size() == 2 && parts[1] != "ci" && parts[1] != "cs")
            invalid(name, "case sensitivity attribute must be \"ci\" or \"cs\"");
        // "unicode" is the legacy name of Unicode's root order.
        const std::string tag = parts[0] == "unicode" ? "und" : parts[0];
        const icu::Locale loc = icu::Locale::createCanonical(tag.c_str());
        if (loc.isBogus() || !knownLanguage(loc.getLanguage()[0] ? loc.getLanguage() : "und")) invalid(name);
        UErrorCode st = U_ZERO_ERROR;
        std::unique_ptr<icu::Collator> c(icu::Collator::createInstance(loc, st));
        if (U_FAILURE(st) || !c) invalid(name);
        c->setStrength(parts.size() == 2 && parts[1] == "ci" ? icu::Collator::SECONDARY : icu::Collator::TERTIARY);
        icuColl = std::make_unique<Icu>();
        icuColl->coll = std::move(c);
    }
    auto made = std::unique_ptr<Collation>(new Collation(std::string(name), std::move(icuColl)));
    return cache.emplace(std::string(name), std::move(made)).first->second.get();
}

int Collation::compare(std::string_view a, std::string_view b) const {
    if (!coll_) {
        const int c = a.compare(b);
        return c < 0 ? -1 : c > 0;
    }
    UErrorCode st = U_ZERO_ERROR;
    const auto r = coll_->coll->compareUTF8(icu::StringPiece(a.data(), static_cast<std::int32_t>(a.size())),
                                            icu::StringPiece(b.data(), static_cast<std::int32_t>(b.size())), st);
    return r == UCOL_LESS ? -1 : r == UCOL_GREATER ? 1 : 0;
}

std::string Collation::sortKey(std::string_view s) const {
    if (!coll_) return std::string(s);
    const icu::UnicodeString u = u16(s);
    std::string key(u.length() * 4 + 16, '\0');
    for (;;) {
        const std::int32_t n = coll_->coll->getSortKey(u, reinterpret_cast<std::uint8_t*>(key.data()),
                                                       static_cast<std::int32_t>(key.size()));
        if (n <= static_cast<std::int32_t>(key.size())) {
            key.resize(n > 0 ? static_cast<std::size_t>(n - 1) : 0); // without the trailing 0
            return key;
        }
        key.resize(static_cast<std::size_t>(n));
    }
}

std::optional<std::pair<std::size_t, std::size_t>> Collation::find(std::string_view hay, std::string_view needle,
                                                                  std::size_t from) const {
    if (!coll_) {
        const auto at = hay.find(needle, from);
        if (at == std::string_view::npos) return std::nullopt;
        return std::make_pair(at, at + needle.size());
    }
    const std::string_view rest = hay.substr(from);
    if (rest.empty()) return std::nullopt;
    // A search changes its collator's attributes while it runs: each search has its own copy.
    std::unique_ptr<icu::Collator> copy(coll_->coll->clone());
    auto* rb = dynamic_cast<icu::RuleBasedCollator*>(copy.get());
    if (!rb) return std::nullopt;
    UErrorCode st = U_ZERO_ERROR;
    icu::StringSearch search(u16(needle), u16(rest), rb, nullptr, st);
    if (U_FAILURE(st)) return std::nullopt;
    const std::int32_t at = search.first(st);
    if (U_FAILURE(st) || at == USEARCH_DONE) return std::nullopt;
    const std::int32_t len = search.getMatchedLength();
    const auto offsets = byteOffsets(rest);
    // Text that is not valid UTF-8 may convert to a different count of UTF-16 units than the
    // walk above made: no match rather than an offset past the end.
    if (at < 0 || len < 0 || static_cast<std::size_t>(at) + static_cast<std::size_t>(len) >= offsets.size()) return std::nullopt;
    return std::make_pair(from + offsets[static_cast<std::size_t>(at)], from + offsets[static_cast<std::size_t>(at + len)]);
}

namespace {

/// One piece of a LIKE pattern: a literal run, '_' (one character) or '%' (any run).
struct LikeToken {
    enum class Kind { Literal, One, Any } kind;
    std::string text;
};

std::vector<LikeToken> likeTokens(std::string_view p) {
    std::vector<LikeToken> out;
    for (std::size_t i = 0; i < p.size();) {
        const char c = p[i];
        if (c == '%' || c == '_') {
            out.push_back({c == '%' ? LikeToken::Kind::Any : LikeToken::Kind::One, {}});
            ++i;
            continue;
        }
        if (out.empty() || out.back().kind != LikeToken::Kind::Literal) out.push_back({LikeToken::Kind::Literal, {}});
        if (c == '\\' && i + 1 < p.size()) ++i;
        const std::size_t end = text::nextCodePoint(p, i);
        out.back().text.append(p.substr(i, end - i));
        i = end;
    }
    return out;
}

} // namespace

bool Collation::like(std::string_view s, std::string_view pattern) const {
    const auto tokens = likeTokens(pattern);
    std::vector<std::size_t> bounds; // the code point boundaries of s
    for (std::size_t i = 0; i < s.size(); i = text::nextCodePoint(s, i)) bounds.push_back(i);
    bounds.push_back(s.size());
    const std::size_t nb = bounds.size();
    // reach[k][j]: the first k tokens can match s up to boundary j.
    std::vector<std::vector<char>> reach(tokens.size() + 1, std::vector<char>(nb, 0));
    reach[0][0] = 1;
    for (std::size_t k = 0; k < tokens.size(); ++k) {
        const auto& t = tokens[k];
        for (std::size_t j = 0; j < nb; ++j) {
            if (!reach[k][j]) continue;
            if (t.kind == LikeToken::Kind::Any) {
                for (std::size_t e = j; e < nb; ++e) reach[k + 1][e] = 1;
                break;
            }
            if (t.kind == LikeToken::Kind::One) {
                if (j + 1 < nb) reach[k + 1][j + 1] = 1;
                continue;
            }
            for (std::size_t e = j; e < nb; ++e)
                if (equal(s.substr(bounds[j], bounds[e] - bounds[j]), t.text)) reach[k + 1][e] = 1;
        }
    }
    return reach[tokens.size()][nb - 1] != 0;
}

} // namespace quarry::sandbox::sql
