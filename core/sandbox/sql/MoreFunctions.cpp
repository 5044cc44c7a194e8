// SPDX-License-Identifier: MIT
#include "sandbox/sql/MoreFunctions.h"

#include "sandbox/sql/FunctionHelpers.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/ValueOps.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include <cmath>
#include <re2/re2.h>
#include <unordered_map>

namespace quarry::sandbox::sql {
namespace {

using K = TypeKind;
using namespace fn;

/// A pattern compiled, or the error BigQuery gives for it.
std::unique_ptr<RE2> compile(std::string_view text) {
    // \C matches one byte, so a match could cut a character in two and hand back text
    // that is not UTF-8 (which nothing may store). BigQuery's STRING patterns match characters.
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] != '\\') continue;
        if (text[i + 1] == 'C')
            throw EvalError("Cannot parse regular expression: \\C (any byte) is not supported in a STRING pattern; "
                            "use . (any character)");
        ++i;
    }
    RE2::Options o;
    o.set_log_errors(false);
    auto re = std::make_unique<RE2>(std::string(text), o);
    if (!re->ok()) throw EvalError("Cannot parse regular expression: " + re->error());
    return re;
}

/// A pattern that varies by row: compiled once per thread and text (up to 256 kept).
const RE2& pattern(std::string_view text) {
    thread_local std::unordered_map<std::string, std::unique_ptr<RE2>> cache;
    auto it = cache.find(std::string(text));
    if (it == cache.end()) {
        if (cache.size() > 256) cache.clear();
        it = cache.emplace(std::string(text), compile(text)).first;
    }
    return *it->second;
}

/// The call's pattern: compiled when it was bound if it is a constant.
const RE2& pattern(const Expr& c, const Value& text) { return c.regex ? *c.regex : pattern(text.asText()); }

Value stringArray(const std::vector<std::string>& parts) {
    Value out = Value::arrayOf(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) out[i] = Value::string(parts[i]);
    return out;
}

// The match and its extraction: the one capturing group, or the whole match.
std::optional<std::string> extract(const RE2& re, re2::StringPiece& input) {
    if (re.NumberOfCapturingGroups() > 1) throw EvalError("Regular expressions passed into extraction functions must not have more than 1 capturing group");
    re2::StringPiece groups[2];
    if (!re.Match(input, 0, input.size(), RE2::UNANCHORED, groups, 2)) return std::nullopt;
    const auto& g = re.NumberOfCapturingGroups() == 1 ? groups[1] : groups[0];
    // Continue after the match; an empty match moves one character on.
    const std::size_t end = static_cast<std::size_t>(groups[0].data() - input.data()) + groups[0].size();
    input.remove_prefix(groups[0].empty() ? std::min(input.size(), end + 1) : end);
    return g.data() ? std::string(g.data(), g.size()) : std::string();
}

} // namespace

std::optional<SqlType> bindMoreFunction(const Expr& c, const std::vector<SqlType>& a) {
    const auto& n = c.op;
    const auto argc = a.size();
    auto need = [&](std::size_t lo, std::size_t hi) {
        if (argc < lo || argc > hi) noSignature(c, a);
    };
    if (n == "REGEXP_CONTAINS" || n == "REGEXP_EXTRACT" || n == "REGEXP_EXTRACT_ALL") {
        need(2, 2);
        if (!isString(a[0]) || !isString(a[1])) noSignature(c, a);
        if (n == "REGEXP_CONTAINS") return S(K::Bool);
        return n == "REGEXP_EXTRACT" ? S(K::String) : S(K::String).arrayOf();
    }
    if (n == "REGEXP_REPLACE") {
        need(3, 3);
        for (const auto& t : a)
            if (!isString(t)) noSignature(c, a);
        return S(K::String);
    }
    if (n == "SPLIT") {
        need(1, 2);
        if (!isString(a[0]) || (argc == 2 && !isString(a[1]))) noSignature(c, a);
        return S(K::String).arrayOf();
    }
    if (n == "ARRAY_TO_STRING") {
        need(2, 3);
        if (!(a[0].unknown || (a[0].array && a[0].element().kind == K::String)) || !isString(a[1]) || (argc == 3 && !isString(a[2])))
            noSignature(c, a);
        return S(K::String);
    }
    if (n == "ARRAY_CONCAT") {
        need(1, 1000);
        std::optional<SqlType> t;
        for (const auto& x : a) {
            if (x.unknown) continue;
            if (!x.array) noSignature(c, a);
            if (t && !(*t == x)) noSignature(c, a);
            t = x;
        }
        return t ? *t : S(K::Int64).arrayOf();
    }
    if (n == "ARRAY_REVERSE") {
        need(1, 1);
        if (!a[0].unknown && !a[0].array) noSignature(c, a);
        return a[0];
    }
    if (n == "GENERATE_ARRAY") {
        need(2, 3);
        for (const auto& t : a)
            if (!isInt(t)) noSignature(c, a); // the INT64 form
        return S(K::Int64).arrayOf();
    }
    if (n == "SAFE_DIVIDE") {
        need(2, 2);
        if (!isNum(a[0]) || !isNum(a[1])) noSignature(c, a);
        return S(K::Float64);
    }
    if (n == "DIV") {
        need(2, 2);
        if (!isInt(a[0]) || !isInt(a[1])) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "LPAD" || n == "RPAD") {
        need(2, 3);
        if (!isString(a[0]) || !isInt(a[1]) || (argc == 3 && !isString(a[2]))) noSignature(c, a);
        return S(K::String);
    }
    if (n == "REPEAT" || n == "LEFT" || n == "RIGHT") {
        need(2, 2);
        if (!isString(a[0]) || !isInt(a[1])) noSignature(c, a);
        return S(K::String);
    }
    if (n == "INITCAP") {
        need(1, 1);
        if (!isString(a[0])) noSignature(c, a);
        return S(K::String);
    }
    return std::nullopt;
}

Value regexpContains(const Expr& c, const Args& a) {
    if (c.literalPattern) return Value::boolean(a[0].asText().find(a[1].asText()) != std::string_view::npos);
    return Value::boolean(RE2::PartialMatch(re2::StringPiece(a[0].asText().data(), a[0].asText().size()), pattern(c, a[1])));
}

bool regexpContainsBatch(const Expr& c, const Value* const* const* a, std::span<const std::uint32_t> rows, Value* out) {
    if (!c.literalPattern) return false;
    for (const auto i : rows) {
        const auto s = a[0][i]->asText(), p = a[1][i]->asText();
        out[i] = Value::boolean(s.find(p) != std::string_view::npos);
    }
    return true;
}

void compileConstantPattern(Expr& c) {
    const auto& n = c.op;
    if (n != "REGEXP_CONTAINS" && n != "REGEXP_EXTRACT" && n != "REGEXP_EXTRACT_ALL" && n != "REGEXP_REPLACE") return;
    if (c.args.size() < 2 || c.args[1]->kind != Expr::Kind::Literal || c.args[1]->value.isNull()) return;
    try {
        const auto text = c.args[1]->value.asText();
        c.regex = compile(text);
        // A pattern with no operator matches where its text occurs: a substring search.
        c.literalPattern = n == "REGEXP_CONTAINS" && text.find_first_of("\\.+*?()|[]{}^$") == std::string_view::npos;
    } catch (const EvalError&) {
        // Left to the first row, as before: BigQuery reports a bad pattern only when it runs.
    }
}

std::optional<Value> callMoreFunction(const Expr& c, std::vector<Value>& a) {
    const auto& n = c.op;
    const bool anyNull = std::any_of(a.begin(), a.end(), [](const Value& v) { return v.isNull(); });
    if (n == "ARRAY_CONCAT") {
        if (anyNull) return Value();
        std::size_t total = 0;
        for (const auto& v : a) total += v.size();
        Value out = Value::arrayOf(total);
        std::size_t k = 0;
        for (const auto& v : a)
            for (const auto& e : v.items()) out[k++] = e;
        return out;
    }
    if (n == "ARRAY_TO_STRING") {
        if (a[0].isNull() || a[1].isNull() || (a.size() == 3 && a[2].isNull())) return Value();
        std::string out;
        bool first = true;
        for (const auto& e : a[0].items()) {
            if (e.isNull() && a.size() < 3) continue; // NULL elements are skipped without a null text
            if (!first) out += a[1].asText();
            out += e.isNull() ? a[2].asText() : e.asText();
            first = false;
        }
        return Value::string(out);
    }
    if (n == "SAFE_DIVIDE") {
        if (anyNull) return Value();
        const double x = toDouble(a[0]), y = toDouble(a[1]);
        if (y == 0) return Value();
        const double r = x / y;
        if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) return Value(); // overflow: NULL, as BigQuery
        return Value::float64(r);
    }
    const bool known = n == "REGEXP_EXTRACT" || n == "REGEXP_EXTRACT_ALL" || n == "REGEXP_REPLACE" ||
                       n == "SPLIT" || n == "ARRAY_REVERSE" || n == "GENERATE_ARRAY" || n == "DIV" || n == "LPAD" || n == "RPAD" ||
                       n == "REPEAT" || n == "LEFT" || n == "RIGHT" || n == "INITCAP";
    if (!known) return std::nullopt;
    if (anyNull) return Value();
    if (n == "REGEXP_EXTRACT") {
        re2::StringPiece input(a[0].asText().data(), a[0].asText().size());
        const auto m = extract(pattern(c, a[1]), input);
        return m ? Value::string(*m) : Value();
    }
    if (n == "REGEXP_EXTRACT_ALL") {
        const RE2& re = pattern(c, a[1]);
        re2::StringPiece input(a[0].asText().data(), a[0].asText().size());
        std::vector<std::string> all;
        while (auto m = extract(re, input)) {
            all.push_back(*m);
            if (input.empty()) break;
        }
        return stringArray(all);
    }
    if (n == "REGEXP_REPLACE") {
        std::string s(a[0].asText());
        RE2::GlobalReplace(&s, pattern(c, a[1]), re2::StringPiece(a[2].asText().data(), a[2].asText().size()));
        return Value::string(s);
    }
    if (n == "SPLIT") {
        const std::string s(a[0].asText());
        const std::string d = a.size() == 2 ? std::string(a[1].asText()) : std::string(",");
        std::vector<std::string> parts;
        if (s.empty()) return stringArray({});
        if (d.empty()) { // every character
            const auto starts = charStarts(s);
            for (std::size_t i = 0; i < starts.size(); ++i)
                parts.push_back(s.substr(starts[i], (i + 1 < starts.size() ? starts[i + 1] : s.size()) - starts[i]));
            return stringArray(parts);
        }
        std::size_t pos = 0, hit;
        while ((hit = s.find(d, pos)) != std::string::npos) {
            parts.push_back(s.substr(pos, hit - pos));
            pos = hit + d.size();
        }
        parts.push_back(s.substr(pos));
        return stringArray(parts);
    }
    if (n == "ARRAY_REVERSE") {
        Value out = Value::arrayOf(a[0].size());
        for (std::size_t i = 0; i < a[0].size(); ++i) out[i] = a[0][a[0].size() - 1 - i];
        return out;
    }
    if (n == "GENERATE_ARRAY") {
        const std::int64_t start = a[0].asInt64(), end = a[1].asInt64(), step = a.size() == 3 ? a[2].asInt64() : 1;
        if (step == 0) throw EvalError("Sequence step cannot be 0.");
        std::vector<std::int64_t> vals;
        for (std::int64_t v = start; step > 0 ? v <= end : v >= end;) {
            if (vals.size() >= 1'000'000) throw EvalError("GENERATE_ARRAY(" + std::to_string(start) + ", " + std::to_string(end) + ", " + std::to_string(step) + ") produced too many elements");
            vals.push_back(v);
            if (__builtin_add_overflow(v, step, &v)) break; // the next would pass INT64's end
        }
        Value out = Value::arrayOf(vals.size());
        for (std::size_t i = 0; i < vals.size(); ++i) out[i] = Value::int64(vals[i]);
        return out;
    }
    if (n == "DIV") {
        const std::int64_t x = a[0].asInt64(), y = a[1].asInt64();
        if (y == 0) throw EvalError("division by zero: DIV(" + std::to_string(x) + ", 0)");
        if (x == INT64_MIN && y == -1) throw EvalError("int64 overflow: DIV(" + std::to_string(x) + ", -1)");
        return Value::int64(x / y);
    }
    const std::string s(a[0].asText());
    const auto starts = charStarts(s);
    const auto len = static_cast<std::int64_t>(starts.size());
    auto prefix = [&](std::int64_t k) { return k >= len ? s : s.substr(0, starts[static_cast<std::size_t>(k)]); };
    if (n == "LEFT" || n == "RIGHT") {
        const std::int64_t k = a[1].asInt64();
        if (k < 0) throw EvalError(n + "() requires a non-negative length");
        if (n == "LEFT") return Value::string(prefix(k));
        if (k == 0) return Value::string("");
        return Value::string(k >= len ? s : s.substr(starts[static_cast<std::size_t>(len - k)]));
    }
    if (n == "REPEAT") {
        const std::int64_t k = a[1].asInt64();
        if (k < 0) throw EvalError("REPEAT() requires a non-negative count");
        if (static_cast<double>(k) * static_cast<double>(s.size()) > 16e6) throw EvalError("REPEAT() result is too large");
        std::string out;
        for (std::int64_t i = 0; i < k; ++i) out += s;
        return Value::string(out);
    }
    if (n == "LPAD" || n == "RPAD") {
        const std::int64_t target = a[1].asInt64();
        if (target < 0) throw EvalError(n + "() requires a non-negative length");
        if (target > 1'000'000) throw EvalError(n + "() length is too large");
        const std::string pad = a.size() == 3 ? std::string(a[2].asText()) : std::string(" ");
        if (target <= len) return Value::string(prefix(target));
        if (pad.empty()) throw EvalError(n + "() requires a non-empty pattern");
        const auto padStarts = charStarts(pad);
        std::string fill;
        for (std::int64_t i = 0; i < target - len; ++i) {
            const auto k = static_cast<std::size_t>(i) % padStarts.size();
            fill += pad.substr(padStarts[k], (k + 1 < padStarts.size() ? padStarts[k + 1] : pad.size()) - padStarts[k]);
        }
        return Value::string(n == "LPAD" ? fill + s : s + fill);
    }
    if (n == "INITCAP") {
        std::string out = s;
        bool start = true;
        for (auto& ch : out) {
            const auto u = static_cast<unsigned char>(ch);
            if (u < 0x80 && std::isalnum(u)) {
                ch = static_cast<char>(start ? std::toupper(u) : std::tolower(u));
                start = false;
            } else if (u < 0x80) {
                start = true;
            }
        }
        return Value::string(out);
    }
    return std::nullopt;
}

} // namespace quarry::sandbox::sql
