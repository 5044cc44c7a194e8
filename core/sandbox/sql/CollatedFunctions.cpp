// SPDX-License-Identifier: MIT
// REPLACE, SPLIT, STRPOS, INSTR, STARTS_WITH and ENDS_WITH over STRINGs with a collation:
// a match is a run of the text that collates equal to the pattern ('und:ci': "AbC" matches
// "abc", and ignorable characters inside it do not stop it).
#include "sandbox/sql/CollationRules.h"

#include "sandbox/sql/Functions.h"
#include "value/Text.h"

namespace quarry::sandbox::sql {
namespace {

using text::nextCodePoint;

std::int64_t codePointsBefore(std::string_view s, std::size_t byte) {
    std::int64_t n = 0;
    for (std::size_t i = 0; i < byte; i = nextCodePoint(s, i)) ++n;
    return n;
}

/// Byte offset of the `n`th (0-based) code point of `s` (s.size() past the end).
std::size_t byteOfCodePoint(std::string_view s, std::int64_t n) {
    std::size_t i = 0;
    for (; i < s.size() && n > 0; --n) i = nextCodePoint(s, i);
    return i;
}

} // namespace

Value callCollated(const Expr& e, const std::vector<Value>& a) {
    const Collation& c = *e.collation;
    for (const auto& v : a)
        if (v.isNull()) return {};
    const std::string& n = e.op;
    const std::string_view s = a[0].asText();
    if (n == "STARTS_WITH" || n == "ENDS_WITH") {
        const std::string_view p = a[1].asText();
        if (p.empty()) return Value::boolean(true);
        if (n == "STARTS_WITH") {
            for (std::size_t end = 0;; end = nextCodePoint(s, end)) {
                if (c.equal(s.substr(0, end), p)) return Value::boolean(true);
                if (end >= s.size()) return Value::boolean(false);
            }
        }
        for (std::size_t start = 0;; start = nextCodePoint(s, start)) {
            if (c.equal(s.substr(start), p)) return Value::boolean(true);
            if (start >= s.size()) return Value::boolean(false);
        }
    }
    if (n == "STRPOS" || n == "INSTR") {
        const std::string_view p = a[1].asText();
        std::int64_t position = a.size() > 2 ? a[2].asInt64() : 1;
        const std::int64_t occurrence = a.size() > 3 ? a[3].asInt64() : 1;
        if (position == 0) throw EvalError("The position argument of INSTR must not be 0");
        if (occurrence <= 0) throw EvalError("The occurrence argument of INSTR must be positive");
        if (position < 0) throw EvalError("INSTR from a negative position under a collation is not supported by the sandbox yet");
        if (p.empty()) return Value::int64(position <= codePointsBefore(s, s.size()) + 1 ? position : 0);
        std::size_t from = byteOfCodePoint(s, position - 1);
        for (std::int64_t k = 0;; ++k) {
            const auto m = c.find(s, p, from);
            if (!m) return Value::int64(0);
            if (k + 1 == occurrence) return Value::int64(codePointsBefore(s, m->first) + 1);
            from = nextCodePoint(s, m->first); // occurrences may overlap
            if (from >= s.size()) return Value::int64(0);
        }
    }
    if (n == "REPLACE") {
        const std::string_view from = a[1].asText(), to = a[2].asText();
        if (from.empty()) return a[0];
        std::string out;
        std::size_t at = 0;
        while (at < s.size()) {
            const auto m = c.find(s, from, at);
            if (!m || m->second == m->first) break;
            out.append(s.substr(at, m->first - at));
            out.append(to);
            at = m->second;
        }
        out.append(s.substr(std::min(at, s.size())));
        return Value::string(std::move(out));
    }
    // SPLIT(s [, delimiter]): an empty delimiter splits into characters, as without a collation.
    const std::string_view d = a.size() > 1 ? a[1].asText() : std::string_view(",");
    std::vector<Value> parts;
    if (d.empty()) {
        for (std::size_t i = 0; i < s.size(); i = nextCodePoint(s, i))
            parts.push_back(Value::string(std::string(s.substr(i, nextCodePoint(s, i) - i))));
        if (s.empty()) parts.push_back(Value::string(""));
    } else {
        std::size_t at = 0;
        for (;;) {
            const auto m = at < s.size() ? c.find(s, d, at) : std::nullopt;
            if (!m || m->second == m->first) {
                parts.push_back(Value::string(std::string(s.substr(at))));
                break;
            }
            parts.push_back(Value::string(std::string(s.substr(at, m->first - at))));
            at = m->second;
        }
    }
    Value out = Value::arrayOf(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) out[i] = std::move(parts[i]);
    return out;
}

} // namespace quarry::sandbox::sql
