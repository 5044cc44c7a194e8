// SPDX-License-Identifier: MIT
#include "sandbox/sql/Functions.h"

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

std::string castToString(const Value& v) {
    switch (v.kind()) {
    case ValueKind::Float64: {
        const double d = v.asDouble();
        if (std::isnan(d)) return "nan";
        if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        // shortest representation that round-trips
        for (int prec = 1; prec <= 17; ++prec) {
            std::snprintf(buf, sizeof buf, "%.*g", prec, d);
            if (std::strtod(buf, nullptr) == d) break;
        }
        return buf;
    }
    case ValueKind::Timestamp: {
        // In the query's time zone, with its offset: 2014-12-01 00:00:00-08, +05:30 when it
        // is not whole hours. Fractions in as few groups of three digits as they need.
        const std::int64_t offset = TimeZone::current().offsetAt(v.asInt64());
        std::string t = civil::formatDateTime(v.asInt64() + offset, ' ');
        if (t.find('.') != std::string::npos && t.ends_with("000")) t.resize(t.size() - 3);
        const std::int64_t m = (offset < 0 ? -offset : offset) / 60'000'000;
        char zone[16];
        std::snprintf(zone, sizeof zone, "%c%02d", offset < 0 ? '-' : '+', static_cast<int>(m / 60));
        t += zone;
        if (m % 60) {
            std::snprintf(zone, sizeof zone, ":%02d", static_cast<int>(m % 60));
            t += zone;
        }
        return t;
    }
    case ValueKind::Bytes: return std::string(v.asText());
    default: {
        Field f;
        f.type = K::String;
        return displayText(v, f);
    }
    }
}

} // namespace

bool isAggregateFunction(const std::string& n) {
    return n == "COUNT" || n == "SUM" || n == "AVG" || n == "MIN" || n == "MAX" || n == "COUNTIF" ||
           n == "ARRAY_AGG" || n == "ARRAY_CONCAT_AGG" || n == "STRING_AGG" || n == "BIT_AND" || n == "BIT_OR" || n == "BIT_XOR" ||
           n == "APPROX_COUNT_DISTINCT" || n == "APPROX_TOP_COUNT" || n == "APPROX_TOP_SUM" || n == "APPROX_QUANTILES" || n == "ANY_VALUE" || n == "LOGICAL_AND" || n == "LOGICAL_OR" ||
           n == "STDDEV_POP" || n == "STDDEV_SAMP" || n == "STDDEV" || n == "VAR_POP" || n == "VAR_SAMP" || n == "VARIANCE" ||
           n == "COVAR_POP" || n == "COVAR_SAMP" || n == "CORR";
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

bool castable(const SqlType& from, const SqlType& to) {
    if (from.unknown || from == to) return true;
    if (to.kind == K::Range && !to.array) return !from.array && from.kind == K::String;
    if (from.kind == K::Range && !from.array) return false; // to STRING: its text form per element type is not checked yet
    if (from.array || to.array) return from.array && to.array && castable(from.element(), to.element());
    if (to.kind == K::Struct || from.kind == K::Struct) {
        if (from.kind != K::Struct || to.kind != K::Struct || from.fields.size() != to.fields.size()) return false;
        for (std::size_t i = 0; i < from.fields.size(); ++i)
            if (!castable(from.fields[i].second, to.fields[i].second)) return false;
        return true;
    }
    if (to.kind == K::String) return true;
    if (from.kind == K::String) return to.kind != K::Geography;
    if (from.isNumeric() && to.isNumeric()) return true;
    if (from.kind == K::Bool && to.kind == K::Int64) return true;
    if (from.kind == K::Int64 && to.kind == K::Bool) return true;
    if (from.kind == K::Bytes && to.kind == K::String) return true;
    if ((from.kind == K::Timestamp || from.kind == K::DateTime) && (to.kind == K::Date || to.kind == K::Time ||
                                                                     to.kind == K::DateTime || to.kind == K::Timestamp))
        return true;
    if (from.kind == K::Date && (to.kind == K::DateTime || to.kind == K::Timestamp)) return true;
    return false;
}

namespace {

/// An INTERVAL written as BigQuery reads it (see parseInterval) in its canonical text
/// 'Y-M D H:M:S[.F]'; nullopt if it is not one.
std::optional<std::string> intervalFromText(std::string_view t) {
    const auto parts = parseInterval(t);
    if (!parts) return std::nullopt;
    try {
        return std::string(intervalValue(*parts).asText());
    } catch (const EvalError&) {
        return std::nullopt; // past BigQuery's range
    }
}

/// A decimal in exponent notation ("-1.25e+3") written out plainly ("-1250"), digit by digit;
/// anything else is returned as it was (and fails later as an invalid number).
std::string expandExponent(const std::string& t) {
    const auto e = t.find_first_of("eE");
    std::string mant = t.substr(0, e);
    int exponent = 0;
    try {
        std::size_t used = 0;
        exponent = std::stoi(t.substr(e + 1), &used);
        if (used != t.size() - e - 1 || exponent > 400 || exponent < -400) return t;
    } catch (const std::exception&) {
        return t;
    }
    const bool negative = !mant.empty() && mant.front() == '-';
    if (!mant.empty() && (mant.front() == '-' || mant.front() == '+')) mant.erase(0, 1);
    const auto dot = mant.find('.');
    std::string digits = mant;
    int point = static_cast<int>(mant.size());
    if (dot != std::string::npos) {
        digits.erase(dot, 1);
        point = static_cast<int>(dot);
    }
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return t;
    point += exponent;
    std::string out;
    if (point <= 0) out = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    else if (static_cast<std::size_t>(point) >= digits.size()) out = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
    else out = digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
    return negative ? "-" + out : out;
}

/// `d` (finite) as a plain decimal without an exponent, from its shortest round-trip digits.
std::string plainDecimal(double d) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    return expandExponent(std::string(buf, r.ptr));
}

} // namespace

Value castValue(const Value& v, const SqlType& to, bool safe) {
    if (v.isNull()) return {};
    auto failed = [&](const std::string& what) -> Value {
        if (safe) return {};
        throw EvalError(what);
    };
    if (to.array) {
        Value out = Value::arrayOf(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            out[i] = castValue(v[i], to.element(), safe);
            if (out[i].isNull() && !v[i].isNull()) return {};
        }
        return out;
    }
    if (to.kind == K::Struct) {
        Value out = Value::structOf(to.fields.size());
        for (std::size_t i = 0; i < to.fields.size() && i < v.size(); ++i) out[i] = castValue(v[i], to.fields[i].second, safe);
        return out;
    }
    // A value cast to its own type is itself (ARRAY<BOOL>[true], CAST(b'a' AS BYTES)).
    const auto same = [&](ValueKind k) { return v.kind() == k; };
    if ((to.kind == K::Bool && same(ValueKind::Bool)) || (to.kind == K::Bytes && same(ValueKind::Bytes)) ||
        (to.kind == K::Date && same(ValueKind::Date)) || (to.kind == K::Time && same(ValueKind::Time)) ||
        (to.kind == K::DateTime && same(ValueKind::DateTime)) || (to.kind == K::Timestamp && same(ValueKind::Timestamp)) ||
        (to.kind == K::Json && same(ValueKind::Json)) || (to.kind == K::Geography && same(ValueKind::Geography)))
        return v;
    const std::string text = v.isText() ? std::string(v.asText()) : std::string();
    switch (to.kind) {
    case K::String:
        if (v.kind() == ValueKind::Bytes) {
            if (!text::isValidUtf8(v.asText())) return failed("Invalid UTF-8 in BYTES cast to STRING");
            return Value::string(v.asText());
        }
        return Value::string(castToString(v));
    case K::Bytes:
        if (v.kind() == ValueKind::String) return Value::bytes(v.asText());
        break;
    case K::Int64:
        switch (v.kind()) {
        case ValueKind::Int64: return v;
        case ValueKind::Bool: return Value::int64(v.asBool() ? 1 : 0);
        case ValueKind::Float64: {
            const double d = std::round(v.asDouble());
            if (!std::isfinite(d) || d >= 9.223372036854775807e18 || d < -9.223372036854775808e18)
                return failed("Illegal conversion of non-finite or out-of-range floating point number to an integer: " + castToString(v));
            return Value::int64(static_cast<std::int64_t>(d));
        }
        case ValueKind::Numeric:
        case ValueKind::BigNumeric: {
            const auto n = parseNumeric(v.asText());
            if (!n) return failed("Bad int64 value: " + text);
            Num128 q = *n / kNumericScale, r = *n % kNumericScale;
            if (r * 2 >= kNumericScale) ++q;
            else if (r * 2 <= -kNumericScale) --q;
            return Value::int64(static_cast<std::int64_t>(q));
        }
        case ValueKind::String: {
            std::string t = text;
            while (!t.empty() && t.front() == ' ') t.erase(0, 1);
            while (!t.empty() && t.back() == ' ') t.pop_back();
            if (auto i = numbers::parseInt64(t)) return Value::int64(*i);
            if (t.size() > 2 && (t.substr(0, 2) == "0x" || t.substr(0, 2) == "0X")) {
                try {
                    return Value::int64(static_cast<std::int64_t>(std::stoull(t.substr(2), nullptr, 16)));
                } catch (...) {
                }
            }
            return failed("Bad int64 value: " + text);
        }
        default: break;
        }
        break;
    case K::Float64:
        if (v.kind() == ValueKind::String) {
            if (auto d = numbers::parseDouble(text)) return Value::float64(*d);
            return failed("Bad double value: " + text);
        }
        if (v.kind() == ValueKind::Int64 || v.kind() == ValueKind::Float64 || v.kind() == ValueKind::Numeric ||
            v.kind() == ValueKind::BigNumeric)
            return Value::float64(toDouble(v));
        break;
    case K::Numeric:
    case K::BigNumeric: {
        const bool big = to.kind == K::BigNumeric;
        std::string t;
        if (v.kind() == ValueKind::Int64) t = std::to_string(v.asInt64());
        else if (v.kind() == ValueKind::Float64) {
            if (!std::isfinite(v.asDouble())) return failed("Illegal conversion of non-finite floating point number to numeric: " + castToString(v));
            // The shortest decimal that reads back as this double, as BigQuery converts
            // (9.9999999e28 is 99999999000000000000000000000, not its binary expansion).
            t = plainDecimal(v.asDouble());
        } else if (v.isText()) {
            t = text;
            if (t.find_first_of("eE") != std::string::npos) t = expandExponent(t); // 1.5e3 reads as 1500
        }
        // The sandbox's BIGNUMERIC keeps NUMERIC's 9 digits after the point: refuse to round
        // away what BigQuery would keep (up to 38), rather than answer wrongly.
        if (big) {
            const auto dot = t.find('.');
            if (dot != std::string::npos && t.find_first_of("eE") == std::string::npos &&
                t.find_first_not_of("0", dot + 10) != std::string::npos)
                return failed("BIGNUMERIC values with more than 9 digits after the decimal point are not supported by the sandbox yet: " + t);
        }
        const bool ok = big ? numbers::isBigNumeric(t) : numbers::isNumeric(t);
        if (!ok) {
            // Extra fraction digits round half away from zero, as BigQuery's do, when the value fits.
            const auto dot = t.find('.');
            const std::size_t cut = dot == std::string::npos ? t.size() : dot + 10;
            if (auto n = parseNumeric(t.substr(0, cut))) {
                if (cut < t.size() && t[cut] >= '5' && t[cut] <= '9') *n += t.starts_with('-') ? -1 : 1;
                return big ? Value::bigNumeric(formatNumeric(*n)) : Value::numeric(formatNumeric(*n));
            }
            return failed("Invalid " + std::string(big ? "BIGNUMERIC" : "NUMERIC") + " value: " + (t.empty() ? castToString(v) : t));
        }
        if (const auto n = parseNumeric(t)) return big ? Value::bigNumeric(formatNumeric(*n)) : Value::numeric(formatNumeric(*n));
        return big ? Value::bigNumeric(t) : Value::numeric(t);
    }
    case K::Interval:
        if (v.kind() == ValueKind::String) {
            if (const auto canonical = intervalFromText(text)) return Value::interval(*canonical);
            return failed("Invalid INTERVAL value: '" + text + "'");
        }
        if (v.kind() == ValueKind::Interval) return v;
        break;
    case K::Bool:
        if (v.kind() == ValueKind::Int64) return Value::boolean(v.asInt64() != 0);
        if (v.kind() == ValueKind::String) {
            std::string u = text;
            std::transform(u.begin(), u.end(), u.begin(), ::tolower);
            if (u == "true") return Value::boolean(true);
            if (u == "false") return Value::boolean(false);
            return failed("Bad bool value: " + text);
        }
        break;
    case K::Date:
        if (v.kind() == ValueKind::String) {
            if (auto d = civil::parseDate(text)) return Value::date(*d);
            return failed("Could not cast literal \"" + text + "\" to type DATE");
        }
        if (v.kind() == ValueKind::Timestamp || v.kind() == ValueKind::DateTime) {
            const auto us = v.kind() == ValueKind::Timestamp ? TimeZone::current().toLocal(v.asInt64()) : v.asInt64();
            return Value::date(static_cast<std::int32_t>((us >= 0 ? us : us - civil::kMicrosPerDay + 1) / civil::kMicrosPerDay));
        }
        break;
    case K::Time:
        if (v.kind() == ValueKind::String) {
            if (auto t = civil::parseTime(text)) return Value::time(*t);
            return failed("Could not cast literal \"" + text + "\" to type TIME");
        }
        if (v.kind() == ValueKind::Timestamp || v.kind() == ValueKind::DateTime) {
            auto r = (v.kind() == ValueKind::Timestamp ? TimeZone::current().toLocal(v.asInt64()) : v.asInt64()) % civil::kMicrosPerDay;
            if (r < 0) r += civil::kMicrosPerDay;
            return Value::time(r);
        }
        break;
    case K::DateTime:
        if (v.kind() == ValueKind::String) {
            if (auto t = civil::parseDateTime(text)) return Value::dateTime(*t);
            return failed("Could not cast literal \"" + text + "\" to type DATETIME");
        }
        if (v.kind() == ValueKind::Date) return Value::dateTime(v.asInt64() * civil::kMicrosPerDay);
        if (v.kind() == ValueKind::Timestamp) return Value::dateTime(TimeZone::current().toLocal(v.asInt64()));
        break;
    case K::Timestamp:
        if (v.kind() == ValueKind::String) {
            // Without a zone, the text is in the query's time zone (SET @@time_zone; UTC).
            if (auto t = parseTimestampIn(text, TimeZone::current())) return Value::timestamp(*t);
            return failed("Could not cast literal \"" + text + "\" to type TIMESTAMP");
        }
        if (v.kind() == ValueKind::Date) return Value::timestamp(TimeZone::current().toUtc(v.asInt64() * civil::kMicrosPerDay));
        if (v.kind() == ValueKind::DateTime) return Value::timestamp(TimeZone::current().toUtc(v.asInt64()));
        break;
    case K::Json:
        if (v.kind() == ValueKind::String) return Value::json(v.asText());
        break;
    case K::Range:
        if (v.kind() == ValueKind::String) {
            // '[start, end)', each side a value of the element type or UNBOUNDED (or NULL).
            const auto sides = rangetext::split(text);
            if (!sides) return failed("Invalid RANGE value: '" + text + "'");
            Value ends[2];
            const std::string_view parts[2] = {sides->first, sides->second};
            for (int i = 0; i < 2; ++i) {
                std::string side(parts[i]);
                std::transform(side.begin(), side.end(), side.begin(), ::toupper);
                if (side == "UNBOUNDED" || side == "NULL") continue;
                // A TIMESTAMP bound without a zone is in the query's time zone once the job
                // names one (SET @@time_zone); before that, refused rather than assumed UTC:
                // GoogleSQL's reference reads such bounds in its own default zone.
                const std::string_view after = parts[i].size() > 10 ? parts[i].substr(10) : std::string_view();
                if (to.rangeElement == K::Timestamp && !TimeZone::currentIsSet() && after.find_first_of("+-Z/") == std::string_view::npos &&
                    side.find("UTC") == std::string::npos)
                    throw EvalError("RANGE<TIMESTAMP> bounds without a time zone are not supported by the sandbox unless the job sets one "
                                    "(SET @@time_zone); write the zone, as in '2020-01-01 00:00:00+00'");
                ends[i] = castValue(Value::string(parts[i]), SqlType::scalar(to.rangeElement), safe);
                if (ends[i].isNull()) return {};
            }
            if (!ends[0].isNull() && !ends[1].isNull() && ends[0].asInt64() >= ends[1].asInt64())
                return failed("Range start element must be smaller than range end element: '" + text + "'");
            return Value::range(std::move(ends[0]), std::move(ends[1]));
        }
        if (v.kind() == ValueKind::Range) return v;
        break;
    case K::Geography:
        if (v.kind() == ValueKind::String) return Value::geography(v.asText());
        break;
    default: break;
    }
    return failed("Invalid cast");
}

namespace {

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
            // A long piece through Boyer-Moore: a naive search is text x piece at worst.
            std::size_t at = std::string_view::npos;
            if (piece.size() <= 16) {
                at = s.find(piece, from);
            } else {
                const auto it = std::search(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(),
                                            std::boyer_moore_searcher(piece.begin(), piece.end()));
                if (it != s.end()) at = static_cast<std::size_t>(it - s.begin());
            }
            if (at == std::string_view::npos) return false;
            from = at + piece.size();
        }
        first = false;
        p.remove_prefix(cut + 1);
    }
}

} // namespace

bool likeMatch(std::string_view s, std::string_view p) {
    if (p.find_first_of("_\\") == std::string_view::npos) return likePercentsOnly(s, p);
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

Value callFunction(const Expr& c, std::vector<Value>& a) {
    if (c.op == "COLLATE") return std::move(a[0]); // the collation is the type's, not the value's
    if (c.collation && searchesUnderCollation(c.op) && !a.empty() && a[0].kind() != ValueKind::Bytes) return callCollated(c, a);
    if (auto v = callMoreFunction(c, a)) return std::move(*v);
    if (auto v = callArrayFunction(c, a)) return std::move(*v);
    if (auto v = callScalarExtra(c, a)) return std::move(*v);
    if (auto v = callDateFunction(c, a)) return std::move(*v);
    if (auto v = callJsonFunction(c, a)) return std::move(*v);
    const auto& n = c.op;
    const bool anyNull = std::any_of(a.begin(), a.end(), [](const Value& v) { return v.isNull(); });
    // IF, IFNULL and COALESCE are evaluated lazily by the row evaluator, never here.
    if (n == "NULLIF") {
        if (a[0].isNull()) return {};
        // Equal as = says: a STRUCT with a NULL field is not equal (unknown), nor is NaN to NaN.
        if (!a[1].isNull() && isTrue(binaryOp("=", coerce(a[0], c.type), coerce(a[1], c.type), SqlType::scalar(K::Bool)))) return {};
        return coerce(a[0], c.type);
    }
    if (n == "CURRENT_TIMESTAMP" || n == "CURRENT_DATE" || n == "CURRENT_DATETIME") {
        const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
        if (n == "CURRENT_TIMESTAMP") return Value::timestamp(now);
        if (!a.empty() && a[0].isNull()) return {};
        // The wall clock of the zone named, or of the query's time zone.
        const std::int64_t us = (a.empty() ? TimeZone::current() : TimeZone::named(a[0].asText())).toLocal(now);
        if (n == "CURRENT_DATETIME") return Value::dateTime(us);
        return Value::date(static_cast<std::int32_t>(civil::floorDiv(us, civil::kMicrosPerDay)));
    }
    if (n == "CONCAT") {
        if (anyNull) return {};
        std::string s;
        for (auto& v : a) s.append(v.asText());
        return c.type.kind == K::Bytes ? Value::bytes(s) : Value::string(s);
    }
    if (n == "GREATEST" || n == "LEAST") {
        if (anyNull) return {};
        Value best = coerce(a[0], c.type);
        for (std::size_t i = 1; i < a.size(); ++i) {
            Value v = coerce(a[i], c.type);
            const int cmp = compareValues(v, best);
            if ((n == "GREATEST" && cmp > 0) || (n == "LEAST" && cmp < 0)) best = std::move(v);
        }
        return best;
    }
    if (anyNull) return {};
    const bool bytes = !a.empty() && a[0].kind() == ValueKind::Bytes;
    auto textResult = [&](std::string s) { return bytes ? Value::bytes(s) : Value::string(s); };
    if (n == "LOWER" || n == "UPPER") {
        std::string s(a[0].asText());
        for (auto& ch : s)
            ch = static_cast<char>(n == "LOWER" ? std::tolower(static_cast<unsigned char>(ch)) : std::toupper(static_cast<unsigned char>(ch)));
        return textResult(s);
    }
    if (n == "REVERSE") {
        const auto s = a[0].asText();
        if (bytes) return Value::bytes(std::string(s.rbegin(), s.rend()));
        const auto starts = charStarts(s);
        std::string out;
        for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
            const auto end = (it == starts.rbegin()) ? s.size() : *(it - 1);
            out.append(s.substr(*it, end - *it));
        }
        return Value::string(out);
    }
    if (n == "LENGTH" || n == "CHAR_LENGTH" || n == "CHARACTER_LENGTH")
        return Value::int64(static_cast<std::int64_t>(bytes ? a[0].asText().size() : charStarts(a[0].asText()).size()));
    if (n == "BYTE_LENGTH") return Value::int64(static_cast<std::int64_t>(a[0].asText().size()));
    if (n == "SUBSTR" || n == "SUBSTRING") {
        const auto s = a[0].asText();
        std::vector<std::size_t> starts;
        if (bytes) {
            for (std::size_t i = 0; i < s.size(); ++i) starts.push_back(i);
        } else {
            starts = charStarts(s);
        }
        const auto len = static_cast<std::int64_t>(starts.size());
        std::int64_t pos = a[1].asInt64();
        if (pos < 0) pos = std::max<std::int64_t>(len + pos, 0);
        else if (pos > 0) pos -= 1;
        std::int64_t count = a.size() == 3 ? a[2].asInt64() : len;
        if (count < 0) throw EvalError("Third argument in SUBSTR() cannot be negative");
        if (pos >= len || count == 0) return textResult("");
        const auto end = std::min(len, pos + count);
        const auto b = starts[static_cast<std::size_t>(pos)];
        const auto e = end >= len ? s.size() : starts[static_cast<std::size_t>(end)];
        return textResult(std::string(s.substr(b, e - b)));
    }
    if (n == "TRIM" || n == "LTRIM" || n == "RTRIM") {
        std::string s(a[0].asText());
        const std::string chars = a.size() == 2 ? std::string(a[1].asText()) : std::string(" \t\n\r\f\v");
        if (n != "RTRIM") s.erase(0, std::min(s.size(), s.find_first_not_of(chars)));
        if (n != "LTRIM") {
            const auto last = s.find_last_not_of(chars);
            s.erase(last == std::string::npos ? 0 : last + 1);
        }
        return textResult(s);
    }
    if (n == "REPLACE") {
        std::string s(a[0].asText());
        const std::string from(a[1].asText()), to(a[2].asText());
        if (from.empty()) return textResult(s);
        std::string out;
        std::size_t pos = 0, hit;
        while ((hit = s.find(from, pos)) != std::string::npos) {
            out.append(s, pos, hit - pos);
            out += to;
            pos = hit + from.size();
        }
        out.append(s, pos);
        return textResult(out);
    }
    if (n == "STARTS_WITH") return Value::boolean(a[0].asText().starts_with(a[1].asText()));
    if (n == "ENDS_WITH") return Value::boolean(a[0].asText().ends_with(a[1].asText()));
    if (n == "STRPOS") {
        const auto pos = a[0].asText().find(a[1].asText());
        if (pos == std::string_view::npos) return Value::int64(0);
        return Value::int64(static_cast<std::int64_t>(bytes ? pos + 1 : charStarts(a[0].asText().substr(0, pos)).size() + 1));
    }
    if (n == "ARRAY_LENGTH") return Value::int64(static_cast<std::int64_t>(a[0].size()));
    if (n == "MOD") {
        if (a[1].asInt64() == 0) throw EvalError("division by zero: MOD(" + std::to_string(a[0].asInt64()) + ", 0)");
        if (a[1].asInt64() == -1) return Value::int64(0);
        return Value::int64(a[0].asInt64() % a[1].asInt64());
    }
    if (n == "ABS") {
        if (a[0].kind() == ValueKind::Int64) {
            if (a[0].asInt64() == INT64_MIN) throw EvalError("int64 overflow: ABS(" + std::to_string(INT64_MIN) + ")");
            return Value::int64(std::llabs(a[0].asInt64()));
        }
        if (a[0].kind() == ValueKind::Float64) return Value::float64(std::fabs(a[0].asDouble()));
        auto t = std::string(a[0].asText());
        if (!t.empty() && t[0] == '-') t.erase(0, 1);
        return Value::text(a[0].kind(), t);
    }
    if (n == "SIGN") {
        const double d = toDouble(a[0]);
        const int s = d > 0 ? 1 : d < 0 ? -1 : 0;
        if (a[0].kind() == ValueKind::Int64) return Value::int64(s);
        if (a[0].kind() == ValueKind::Float64) return Value::float64(s);
        return Value::text(a[0].kind(), std::to_string(s));
    }
    if (n == "ROUND" || n == "TRUNC" || n == "FLOOR" || n == "CEIL" || n == "CEILING") {
        const int digits = a.size() == 2 ? static_cast<int>(a[1].asInt64()) : 0;
        const double scale = std::pow(10.0, digits);
        const double d = toDouble(a[0]) * scale;
        const double r = n == "ROUND" ? std::round(d) : n == "TRUNC" ? std::trunc(d) : n == "FLOOR" ? std::floor(d) : std::ceil(d);
        if (c.type.kind == K::Float64) return Value::float64(r / scale);
        return castValue(Value::float64(r / scale), c.type, false);
    }
    if (n == "SQRT" || n == "LN" || n == "EXP" || n == "LOG10") {
        const double d = toDouble(a[0]);
        if ((n == "SQRT" && d < 0) || ((n == "LN" || n == "LOG10") && d <= 0)) {
            if (c.safe) return {};
            throw EvalError("Argument to " + n + " is out of range: " + castToString(a[0]));
        }
        return Value::float64(n == "SQRT" ? std::sqrt(d) : n == "LN" ? std::log(d) : n == "EXP" ? std::exp(d) : std::log10(d));
    }
    if (n == "POW" || n == "POWER") {
        if (c.type.kind == K::Float64) return Value::float64(std::pow(toDouble(a[0]), toDouble(a[1])));
        return decimalPower(a[0], a[1], c.type.kind == K::BigNumeric);
    }
    throw EvalError("Function not implemented: " + n);
}

} // namespace quarry::sandbox::sql
