// SPDX-License-Identifier: MIT
#include "sandbox/sql/Functions.h"

#include "sandbox/sql/BasicFunctions.h"
#include "sandbox/sql/FunctionCatalog.h"

#include "sandbox/sql/ArrayFunctions.h"
#include "sandbox/sql/CollationRules.h"
#include "sandbox/sql/Intervals.h"
#include "sandbox/sql/TimeZone.h"
#include "value/RangeText.h"

#include "sandbox/sql/FunctionHelpers.h"
#include "sandbox/sql/DateFunctions.h"
#include "sandbox/sql/JsonFunctions.h"
#include "sandbox/sql/MoreFunctions.h"
#include "sandbox/sql/ScalarExtras.h"
#include "sandbox/sql/ValueOps.h"
#include "value/Civil.h"
#include "value/Display.h"
#include "value/Numbers.h"
#include "value/Text.h"

#include <algorithm>
#include <functional>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace quarry::sandbox::sql {
namespace {

using K = TypeKind;
using namespace fn;

std::int64_t checkedAdd(std::int64_t a, std::int64_t b, const char* op) {
    std::int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        throw EvalError("int64 overflow: " + std::to_string(a) + " " + op + " " + std::to_string(b));
    return r;
}

Value numericResult(Num128 v, bool big) {
    const Num128 limit = kTen29 * kNumericScale;
    if (!big && (v >= limit || v <= -limit)) throw EvalError("numeric overflow: " + formatNumeric(v));
    return big ? Value::bigNumeric(formatNumeric(v)) : Value::numeric(formatNumeric(v));
}

[[noreturn]] void numericOverflow(Num128 x, const char* op, Num128 y) {
    throw EvalError("numeric overflow: " + formatNumeric(x) + " " + op + " " + formatNumeric(y));
}

Num128 numAdd(Num128 x, Num128 y, bool subtract) {
    Num128 r;
    if (subtract ? __builtin_sub_overflow(x, y, &r) : __builtin_add_overflow(x, y, &r)) numericOverflow(x, subtract ? "-" : "+", y);
    return r;
}

/// x * y / scale without overflowing the 128-bit intermediate: both split at the scale,
/// x*y/S = xh*yh*S + xh*yl + xl*yh + xl*yl/S (truncated, as before). A term that overflows
/// means the result is out of range anyway.
Num128 numMul(Num128 x, Num128 y) {
    const Num128 xh = x / kNumericScale, xl = x % kNumericScale, yh = y / kNumericScale, yl = y % kNumericScale;
    Num128 a, b, c, r;
    if (__builtin_mul_overflow(xh, yh, &a) || __builtin_mul_overflow(a, static_cast<Num128>(kNumericScale), &a) ||
        __builtin_mul_overflow(xh, yl, &b) || __builtin_mul_overflow(xl, yh, &c) || __builtin_add_overflow(a, b, &r) ||
        __builtin_add_overflow(r, c, &r) || __builtin_add_overflow(r, xl * yl / kNumericScale, &r))
        numericOverflow(x, "*", y);
    return r;
}

/// x * scale / y by long division: the integer part, then the nine fraction digits.
Num128 numDiv(Num128 x, Num128 y) {
    const bool negative = (x < 0) != (y < 0);
    // |x| and |y| (the NUMERIC range is far from the int128 minimum).
    const Num128 ax = x < 0 ? -x : x, ay = y < 0 ? -y : y;
    Num128 q = ax / ay, rem = ax % ay, out;
    if (__builtin_mul_overflow(q, static_cast<Num128>(kNumericScale), &out)) numericOverflow(x, "/", y);
    Num128 frac = 0;
    for (int i = 0; i < 9; ++i) {
        Num128 r10;
        if (__builtin_mul_overflow(rem, static_cast<Num128>(10), &r10)) {
            // A divisor above 10^37 (raw): the remaining digits from floating point.
            const long double rest = static_cast<long double>(rem) / static_cast<long double>(ay);
            long double scale = 1;
            for (int k = i; k < 9; ++k) scale *= 10;
            frac = frac * static_cast<Num128>(scale) + static_cast<Num128>(rest * scale + 0.5L);
            rem = 0;
            break;
        }
        frac = frac * 10 + r10 / ay;
        rem = r10 % ay;
    }
    out += frac;
    if (rem != 0 && rem >= ay - rem) ++out; // the 10th digit and beyond round half away from zero
    return negative ? -out : out;
}

Num128 numOf(const Value& v) {
    if (v.kind() == ValueKind::Int64) return static_cast<Num128>(v.asInt64()) * kNumericScale;
    const auto n = parseNumeric(v.asText());
    if (!n) throw EvalError("BIGNUMERIC value " + std::string(v.asText()) + " is outside what the sandbox computes with (NUMERIC range)");
    return *n;
}

} // namespace

bool isAggregateFunction(const std::string& n) {
    const FunctionDef* d = findFunction(n);
    return d && d->kind == FunctionKind::Aggregate;
}

SqlType commonType(const std::vector<SqlType>& types, Pos pos, const char* what) {
    SqlType out = SqlType::null();
    for (const auto& t : types) {
        if (t.unknown) continue;
        if (out.unknown) {
            out = t;
            continue;
        }
        if (out == t) {
            if (out.kind == K::String) out.collation = mergeCollation(out.collation, t.collation, pos, what);
            continue;
        }
        if (out.isNumeric() && t.isNumeric()) {
            auto rank = [](K k) { return k == K::Int64 ? 0 : k == K::Numeric ? 1 : k == K::BigNumeric ? 2 : 3; };
            if (rank(t.kind) > rank(out.kind)) out = t;
            continue;
        }
        // STRUCTs of the same arity: field by field, named as the first that names a field
        // ([STRUCT(1.0 AS y, 1.0 AS x), (2.0, 2)] is ARRAY<STRUCT<y FLOAT64, x FLOAT64>>).
        if (out.isStruct() && t.isStruct() && out.fields.size() == t.fields.size()) {
            SqlType merged = out;
            bool ok = true;
            for (std::size_t i = 0; i < out.fields.size() && ok; ++i) {
                try {
                    merged.fields[i].second = commonType({out.fields[i].second, t.fields[i].second}, pos, what);
                } catch (const SqlError&) {
                    ok = false;
                }
                if (merged.fields[i].first.empty()) merged.fields[i].first = t.fields[i].first;
            }
            if (ok) {
                out = std::move(merged);
                continue;
            }
        }
        throw SqlError(std::string("No matching signature for ") + what + "; the types " + out.name() + " and " +
                           t.name() + " have no common supertype",
                       pos);
    }
    return out;
}

bool coercesTo(const SqlType& from, const SqlType& to) {
    if (from.unknown) return true;
    if (from.array != to.array) return false;
    if (from.array) return coercesTo(from.element(), to.element());
    if (from.kind == K::Struct || to.kind == K::Struct) {
        if (from.kind != to.kind || from.fields.size() != to.fields.size()) return false;
        for (std::size_t i = 0; i < from.fields.size(); ++i)
            if (!coercesTo(from.fields[i].second, to.fields[i].second)) return false;
        return true;
    }
    try {
        return commonType({to, from}, Pos{}, "ARRAY") == to;
    } catch (const SqlError&) {
        return false;
    }
}

Value coerce(const Value& v, const SqlType& to) {
    if (v.isNull() || to.unknown) return v;
    if (to.array || to.kind == K::Struct) { // element by element, field by field (INT64 in a FLOAT64 field)
        const bool fits = to.array ? v.kind() == ValueKind::Array : v.kind() == ValueKind::Struct && v.size() == to.fields.size();
        if (!fits) return v;
        Value out = v;
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = coerce(v[i], to.array ? to.element() : to.fields[i].second);
        return out;
    }
    if (to.kind == K::Float64 && v.kind() != ValueKind::Float64 &&
        (v.kind() == ValueKind::Int64 || v.kind() == ValueKind::Numeric || v.kind() == ValueKind::BigNumeric))
        return Value::float64(toDouble(v));
    if ((to.kind == K::Numeric || to.kind == K::BigNumeric) && v.kind() == ValueKind::Int64)
        return to.kind == K::Numeric ? Value::numeric(std::to_string(v.asInt64())) : Value::bigNumeric(std::to_string(v.asInt64()));
    if (to.kind == K::BigNumeric && v.kind() == ValueKind::Numeric) return Value::bigNumeric(v.asText());
    return v;
}

SqlType binaryType(const std::string& op, const SqlType& l, const SqlType& r, Pos pos) {
    auto fail = [&]() -> SqlType {
        throw SqlError("No matching signature for operator " + op + " for argument types: " + l.name() + ", " + r.name(), pos);
    };
    if (op == "AND" || op == "OR") {
        if ((l.unknown || (!l.array && l.kind == K::Bool)) && (r.unknown || (!r.array && r.kind == K::Bool))) return S(K::Bool);
        return fail();
    }
    if (op == "||") {
        if (isString(l) && isString(r)) return S(K::String);
        if ((l.array || l.unknown) && (r.array || r.unknown) && !(l.unknown && r.unknown)) { // ARRAY || ARRAY
            if (l.unknown) return r;
            if (r.unknown || l == r) return l;
            return fail();
        }
        if (isStringOrBytes(l) && isStringOrBytes(r) && (l.unknown || r.unknown || l.kind == r.kind))
            return l.unknown ? (r.unknown ? S(K::String) : r) : l;
        return fail();
    }
    if (op == "+" || op == "-" || op == "*" || op == "/") {
        if (const auto t = intervalOperationType(op, l, r)) return *t;
        if (op == "-" && !l.array && !r.array && l.kind == K::Date && isInt(r)) return S(K::Date);
        if (op == "+" && !l.array && !r.array && l.kind == K::Date && isInt(r)) return S(K::Date);
        if (!isNum(l) || !isNum(r)) return fail();
        SqlType t = commonType({l, r}, pos, ("operator " + op).c_str());
        if (t.unknown) t = S(K::Int64);
        if (op == "/" && t.kind == K::Int64) return S(K::Float64);
        return t;
    }
    // comparisons
    if (l.unknown || r.unknown) return S(K::Bool);
    if (l.array || r.array) {
        if (op == "=" || op == "!=") fail();
        return fail();
    }
    if ((l.isNumeric() && r.isNumeric()) || (l.kind == r.kind && l.kind != K::Json && l.kind != K::Geography)) {
        if (l.kind == K::Struct && op != "=" && op != "!=") return fail();
        return S(K::Bool);
    }
    // BigQuery coerces a string literal to a date/time type in comparisons; allow STRING vs date/time.
    auto timey = [](K k) { return k == K::Date || k == K::DateTime || k == K::Timestamp || k == K::Time; };
    if ((timey(l.kind) && r.kind == K::String) || (timey(r.kind) && l.kind == K::String)) return S(K::Bool);
    return fail();
}

/// STRUCT equality, field by field in three values: FALSE if some field pair differs, else
/// NULL if some pair holds a NULL, else TRUE.
static Value structEquals(const Value& a, const Value& b) {
    bool unknown = false;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        const Value& x = a[i];
        const Value& y = b[i];
        if (x.isNull() || y.isNull()) {
            unknown = true;
            continue;
        }
        if (x.kind() == ValueKind::Struct && y.kind() == ValueKind::Struct) {
            const Value eq = structEquals(x, y);
            if (eq.isNull()) unknown = true;
            else if (!eq.asBool()) return Value::boolean(false);
            continue;
        }
        if ((x.kind() == ValueKind::Float64 && std::isnan(x.asDouble())) || (y.kind() == ValueKind::Float64 && std::isnan(y.asDouble())))
            return Value::boolean(false);
        if (compareValues(x, y) != 0) return Value::boolean(false);
    }
    return unknown ? Value() : Value::boolean(true);
}

static Value floatResult(const Value& a, const std::string& op, const Value& b, double r) {
    // Finite operands with an infinite result: BigQuery's "floating point overflow" (an infinite
    // or NaN operand carries through instead).
    if (std::isinf(r) && std::isfinite(toDouble(a)) && std::isfinite(toDouble(b)))
        throw EvalError("floating point overflow: " + castToString(a) + " " + op + " " + castToString(b));
    return Value::float64(r);
}

Value binaryOp(const std::string& op, const Value& a, const Value& b, const SqlType& result, const Collation* coll) {
    if (op == "AND") {
        if ((a.kind() == ValueKind::Bool && !a.asBool()) || (b.kind() == ValueKind::Bool && !b.asBool()))
            return Value::boolean(false);
        if (a.isNull() || b.isNull()) return {};
        return Value::boolean(true);
    }
    if (op == "OR") {
        if ((a.kind() == ValueKind::Bool && a.asBool()) || (b.kind() == ValueKind::Bool && b.asBool()))
            return Value::boolean(true);
        if (a.isNull() || b.isNull()) return {};
        return Value::boolean(false);
    }
    if (a.isNull() || b.isNull()) return {};
    if (op == "||" && a.kind() == ValueKind::Array) {
        Value out = Value::arrayOf(a.size() + b.size());
        for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i];
        for (std::size_t i = 0; i < b.size(); ++i) out[a.size() + i] = b[i];
        return out;
    }
    if (op == "||") {
        std::string s(a.asText());
        s.append(b.asText());
        return a.kind() == ValueKind::Bytes ? Value::bytes(s) : Value::string(s);
    }
    if (op == "+" || op == "-" || op == "*" || op == "/") {
        if (result.kind == K::Interval || a.kind() == ValueKind::Interval || b.kind() == ValueKind::Interval)
            return intervalOperation(op, a, b, result);
        if (a.kind() == ValueKind::Date) {
            const auto d = a.asInt64() + (op == "+" ? b.asInt64() : -b.asInt64());
            return Value::date(static_cast<std::int32_t>(d));
        }
        if (op == "/") {
            if (result.kind == K::Numeric || result.kind == K::BigNumeric) {
                const Num128 x = numOf(a), y = numOf(b);
                if (y == 0) throw EvalError("division by zero: " + formatNumeric(x) + " / 0");
                return numericResult(numDiv(x, y), result.kind == K::BigNumeric);
            }
            const double y = toDouble(b);
            if (y == 0) throw EvalError("division by zero: " + castToString(a) + " / " + castToString(b));
            return floatResult(a, op, b, toDouble(a) / y);
        }
        if (result.kind == K::Int64) {
            const auto x = a.asInt64(), y = b.asInt64();
            std::int64_t r;
            if (op == "+") return Value::int64(checkedAdd(x, y, "+"));
            if (op == "-") {
                if (__builtin_sub_overflow(x, y, &r)) throw EvalError("int64 overflow: " + std::to_string(x) + " - " + std::to_string(y));
                return Value::int64(r);
            }
            if (__builtin_mul_overflow(x, y, &r)) throw EvalError("int64 overflow: " + std::to_string(x) + " * " + std::to_string(y));
            return Value::int64(r);
        }
        if (result.kind == K::Numeric || result.kind == K::BigNumeric) {
            const Num128 x = numOf(a), y = numOf(b);
            if (op == "+" || op == "-") return numericResult(numAdd(x, y, op == "-"), result.kind == K::BigNumeric);
            return numericResult(numMul(x, y), result.kind == K::BigNumeric);
        }
        const double x = toDouble(a), y = toDouble(b);
        return floatResult(a, op, b, op == "+" ? x + y : op == "-" ? x - y : x * y);
    }
    // comparison
    if ((op == "=" || op == "!=") && a.kind() == ValueKind::Struct && b.kind() == ValueKind::Struct) {
        const Value eq = structEquals(a, b);
        return eq.isNull() || op == "=" ? eq : Value::boolean(!eq.asBool());
    }
    int c;
    // A string compared with a date/time value is read as that type (as BigQuery coerces literals).
    auto asTimeOf = [](const Value& text, ValueKind kind) {
        const K k = kind == ValueKind::Date ? K::Date : kind == ValueKind::Timestamp ? K::Timestamp
                  : kind == ValueKind::DateTime ? K::DateTime : K::Time;
        return castValue(text, SqlType::scalar(k), false);
    };
    auto timeKind = [](ValueKind k) {
        return k == ValueKind::Date || k == ValueKind::DateTime || k == ValueKind::Timestamp || k == ValueKind::Time;
    };
    if (a.kind() == ValueKind::String && timeKind(b.kind())) {
        c = compareValues(asTimeOf(a, b.kind()), b);
    } else if (b.kind() == ValueKind::String && timeKind(a.kind())) {
        c = compareValues(a, asTimeOf(b, a.kind()));
    } else {
        if ((a.kind() == ValueKind::Float64 && std::isnan(a.asDouble())) ||
            (b.kind() == ValueKind::Float64 && std::isnan(b.asDouble())))
            return Value::boolean(op == "!=");
        c = compareValues(a, b, coll);
    }
    if (op == "=") return Value::boolean(c == 0);
    if (op == "!=") return Value::boolean(c != 0);
    if (op == "<") return Value::boolean(c < 0);
    if (op == "<=") return Value::boolean(c <= 0);
    if (op == ">") return Value::boolean(c > 0);
    return Value::boolean(c >= 0);
}

namespace {

/// Where `piece` is in `s` from `from` on (npos: nowhere). A long piece through Boyer-Moore:
/// a naive search is text x piece at worst.
std::size_t findPiece(std::string_view s, std::string_view piece, std::size_t from) {
    if (piece.size() <= 16) return s.find(piece, from);
    const auto it = std::search(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(),
                                std::boyer_moore_searcher(piece.begin(), piece.end()));
    return it == s.end() ? std::string_view::npos : static_cast<std::size_t>(it - s.begin());
}

/// A pattern of literal text and % only (no _, no escapes): likePercentsOnly's.
bool onlyPercents(std::string_view p) { return p.find_first_of("_\\") == std::string_view::npos; }

/// LIKE with only literal text and %: the literal pieces found in order (the first one
/// anchored at the start, the last at the end unless a % stands there); linear time.
bool likePercentsOnly(std::string_view s, std::string_view p) {
    std::size_t from = 0;
    bool first = true;
    while (true) {
        const std::size_t cut = p.find('%');
        const std::string_view piece = p.substr(0, cut);
        if (cut == std::string_view::npos) { // the last piece: at the end
            if (first) return s == piece;
            return s.size() - from >= piece.size() && s.ends_with(piece);
        }
        if (first) {
            if (!s.starts_with(piece)) return false;
            from = piece.size();
        } else if (!piece.empty()) {
            const std::size_t at = findPiece(s, piece, from);
            if (at == std::string_view::npos) return false;
            from = at + piece.size();
        }
        first = false;
        p.remove_prefix(cut + 1);
    }
}

} // namespace

bool likeMatch(std::string_view s, std::string_view p) {
    if (onlyPercents(p)) return likePercentsOnly(s, p);
    // Iterative wildcard match with backtracking on the last %: O(text x pattern) at worst,
    // so it listens for a cancel as it goes.
    std::size_t si = 0, pi = 0, starP = std::string_view::npos, starS = 0;
    std::uint32_t steps = 0;
    while (si < s.size()) {
        if ((++steps & 0xFFFFF) == 0) throwIfCancelled();
        if (pi < p.size() && p[pi] == '\\' && pi + 1 < p.size() && p[pi + 1] == s[si]) {
            pi += 2;
            ++si;
        } else if (pi < p.size() && (p[pi] == '_' || (p[pi] == s[si] && p[pi] != '%' && p[pi] != '\\'))) {
            if (p[pi] == '_') {
                ++si;
                while (si < s.size() && (static_cast<unsigned char>(s[si]) & 0xC0) == 0x80) ++si;
            } else {
                ++si;
            }
            ++pi;
        } else if (pi < p.size() && p[pi] == '%') {
            starP = pi++;
            starS = si;
        } else if (starP != std::string_view::npos) {
            pi = starP + 1;
            si = ++starS;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '%') ++pi;
    return pi == p.size();
}

LikePattern::LikePattern(std::string_view pattern)
    : pattern_(pattern), percentsOnly_(onlyPercents(pattern)) {}

bool LikePattern::match(std::string_view s) const { return percentsOnly_ ? likePercentsOnly(s, pattern_) : likeMatch(s, pattern_); }

SqlType bindFunction(const Expr& c, const std::vector<SqlType>& a) {
    if (auto t = bindMoreFunction(c, a)) return *t;
    if (auto t = bindArrayFunction(c, a)) return *t;
    if (auto t = bindScalarExtra(c, a)) return *t;
    if (auto t = bindDateFunction(c, a)) return *t;
    if (auto t = bindJsonFunction(c, a)) return *t;
    const auto& n = c.op;
    const auto argc = a.size();
    auto need = [&](std::size_t lo, std::size_t hi) {
        if (argc < lo || argc > hi) noSignature(c, a);
    };
    if (n == "CONCAT") {
        need(1, 1000);
        bool bytes = false;
        for (const auto& t : a) {
            if (!isStringOrBytes(t)) noSignature(c, a);
            bytes = bytes || (!t.unknown && t.kind == K::Bytes);
        }
        return S(bytes ? K::Bytes : K::String);
    }
    if (n == "LOWER" || n == "UPPER" || n == "REVERSE") {
        need(1, 1);
        if (!isStringOrBytes(a[0])) noSignature(c, a);
        return a[0].unknown ? S(K::String) : a[0];
    }
    if (n == "LENGTH" || n == "CHAR_LENGTH" || n == "CHARACTER_LENGTH" || n == "BYTE_LENGTH") {
        need(1, 1);
        if (!isStringOrBytes(a[0])) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "SUBSTR" || n == "SUBSTRING") {
        need(2, 3);
        if (!isStringOrBytes(a[0]) || !isInt(a[1]) || (argc == 3 && !isInt(a[2]))) noSignature(c, a);
        return a[0].unknown ? S(K::String) : a[0];
    }
    if (n == "TRIM" || n == "LTRIM" || n == "RTRIM") {
        need(1, 2);
        if (!isStringOrBytes(a[0]) || (argc == 2 && !isStringOrBytes(a[1]))) noSignature(c, a);
        return a[0].unknown ? S(K::String) : a[0];
    }
    if (n == "REPLACE") {
        need(3, 3);
        for (const auto& t : a)
            if (!isStringOrBytes(t)) noSignature(c, a);
        return a[0].unknown ? S(K::String) : a[0];
    }
    if (n == "STARTS_WITH" || n == "ENDS_WITH") {
        need(2, 2);
        if (!isStringOrBytes(a[0]) || !isStringOrBytes(a[1])) noSignature(c, a);
        return S(K::Bool);
    }
    if (n == "STRPOS") {
        need(2, 2);
        if (!isStringOrBytes(a[0]) || !isStringOrBytes(a[1])) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "IF") {
        need(3, 3);
        if (!a[0].unknown && (a[0].array || a[0].kind != K::Bool)) noSignature(c, a);
        return commonType({a[1], a[2]}, c.pos, "function IF");
    }
    if (n == "IFNULL" || n == "COALESCE" || n == "NULLIF") {
        need(n == "COALESCE" ? 1 : 2, n == "COALESCE" ? 1000 : 2);
        return commonType(a, c.pos, ("function " + n).c_str());
    }
    if (n == "ARRAY_LENGTH") {
        need(1, 1);
        if (!a[0].unknown && !a[0].array) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "ABS" || n == "FLOOR" || n == "CEIL" || n == "CEILING" || n == "SIGN") {
        need(1, 1);
        if (!isNum(a[0])) noSignature(c, a);
        if ((n == "FLOOR" || n == "CEIL" || n == "CEILING") && (a[0].unknown || a[0].kind == K::Int64)) return S(K::Float64);
        return a[0].unknown ? S(K::Int64) : a[0];
    }
    if (n == "ROUND" || n == "TRUNC") {
        need(1, 2);
        if (!isNum(a[0]) || (argc == 2 && !isInt(a[1]))) noSignature(c, a);
        return a[0].unknown || a[0].kind == K::Int64 ? S(K::Float64) : a[0];
    }
    if (n == "MOD") {
        need(2, 2);
        if (!isInt(a[0]) || !isInt(a[1])) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "SQRT" || n == "LN" || n == "EXP" || n == "LOG10") {
        need(1, 1);
        if (!isNum(a[0])) noSignature(c, a);
        return S(K::Float64);
    }
    if (n == "POW" || n == "POWER") {
        need(2, 2);
        if (!isNum(a[0]) || !isNum(a[1])) noSignature(c, a);
        // FLOAT64 with anything is FLOAT64, so is INT64 with INT64; else the widest decimal.
        const auto kindOf = [](const SqlType& t) { return t.unknown ? K::Int64 : t.kind; };
        const K x = kindOf(a[0]), y = kindOf(a[1]);
        if (x == K::Float64 || y == K::Float64 || (x == K::Int64 && y == K::Int64)) return S(K::Float64);
        return S(x == K::BigNumeric || y == K::BigNumeric ? K::BigNumeric : K::Numeric);
    }
    if (n == "GREATEST" || n == "LEAST") {
        need(1, 1000);
        return commonType(a, c.pos, ("function " + n).c_str());
    }
    if (n == "CURRENT_TIMESTAMP") {
        need(0, 0);
        return S(K::Timestamp);
    }
    if (n == "CURRENT_DATE") {
        need(0, 1);
        return S(K::Date);
    }
    if (n == "CURRENT_DATETIME") {
        need(0, 1);
        return S(K::DateTime);
    }
    throw SqlError("Function not found: " + n, c.pos);
}

/// POW of NUMERIC or BIGNUMERIC: exact, by repeated multiplication, for a whole exponent from
/// 0 to 128 whose result has at most 9 decimals; refused otherwise (a double is not exact
/// and the sandbox does not round powers as BigQuery does yet).
Value decimalPower(const Value& base, const Value& exponent, bool big) {
    const auto asDecimal = [](const Value& v) -> std::optional<Num128> {
        if (v.kind() == ValueKind::Int64) return static_cast<Num128>(v.asInt64()) * kNumericScale;
        return parseNumeric(v.asText());
    };
    const auto x = asDecimal(base), k = asDecimal(exponent);
    const auto refuse = [] { throw EvalError("POW of NUMERIC with a result that is not exact in 9 decimals (or a negative or fractional exponent) is not supported by the sandbox yet"); };
    if (!x || !k || *k < 0 || *k % kNumericScale != 0 || *k / kNumericScale > 128) refuse();
    Num128 r = kNumericScale;
    const Num128 xl = *x % kNumericScale;
    for (Num128 i = 0; i < *k / kNumericScale; ++i) {
        if ((r % kNumericScale) * xl % kNumericScale != 0) refuse(); // x * r / scale would drop digits
        r = numMul(r, *x);
    }
    return numericResult(r, big);
}

Value basic::logarithmic(const Expr& c, const Args& a) {
    const auto& n = c.op;
    const double d = toDouble(a[0]);
    if ((n == "SQRT" && d < 0) || ((n == "LN" || n == "LOG10") && d <= 0)) {
        if (c.safe) return {};
        throw EvalError("Argument to " + n + " is out of range: " + castToString(a[0]));
    }
    return Value::float64(n == "SQRT" ? std::sqrt(d) : n == "LN" ? std::log(d) : n == "EXP" ? std::exp(d) : std::log10(d));
}

Value basic::pow(const Expr& c, const Args& a) {
    if (c.type.kind == K::Float64) return Value::float64(std::pow(toDouble(a[0]), toDouble(a[1])));
    return decimalPower(a[0], a[1], c.type.kind == K::BigNumeric);
}

namespace {

/// The families that still choose by name, in FunctionFamily's order (Base excluded).
using FamilyCall = std::optional<Value> (*)(const Expr&, std::vector<Value>&);
constexpr FamilyCall kFamilies[] = {callMoreFunction, callArrayFunction, callScalarExtra, callDateFunction, callJsonFunction};
static_assert(std::size(kFamilies) == static_cast<std::size_t>(FunctionFamily::Base));

/// The families from `from` on, in their old order, then the functions with an evaluator of
/// their own.
Value callFrom(FunctionFamily from, const Expr& c, std::vector<Value>& a) {
    for (auto i = static_cast<std::size_t>(from); i < std::size(kFamilies); ++i)
        if (auto v = kFamilies[i](c, a)) return std::move(*v);
    if (const FunctionDef* d = findFunction(c.op); d && d->call) return callDirect(*d, c, a);
    throw EvalError("Function not implemented: " + c.op);
}

} // namespace

Value callDirect(const FunctionDef& d, const Expr& c, const Args& a) {
    if (d.nullPropagating && a.anyNull()) return {};
    return d.call(c, a);
}

Value callFunction(const Expr& c, std::vector<Value>& a) {
    if (c.collation && searchesUnderCollation(c.op) && !a.empty() && a[0].kind() != ValueKind::Bytes) return callCollated(c, a);
    const FunctionDef* d = c.fn; // resolved when the call was bound; null for a call made up later
    if (!d) return callFrom(FunctionFamily::More, c, a);
    if (d->call) return callDirect(*d, c, a);
    return callFrom(d->family, c, a);
}

} // namespace quarry::sandbox::sql
