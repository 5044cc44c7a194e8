// SPDX-License-Identifier: MIT
#include "sandbox/sql/ScalarExtras.h"

#include "crypto/Keys.h"
#include "sandbox/sql/FunctionHelpers.h"
#include "sandbox/sql/ValueOps.h"
#include "sandbox/sql/TimeZone.h"
#include "sandbox/sql/Functions.h"
#include "value/Text.h"

#include <algorithm>
#include <bit>
#include <farmhash.h>
#include <cmath>
#include <cstdio>
#include <random>

namespace quarry::sandbox::sql {
namespace {

using K = TypeKind;
using namespace fn;

bool isBytes(const SqlType& t) { return t.unknown || (!t.array && t.kind == K::Bytes); }

constexpr std::string_view kUnary[] = {"SIN", "COS", "TAN", "ASIN", "ACOS", "ATAN", "SINH", "COSH", "TANH"};
constexpr std::string_view kDigests[] = {"MD5", "SHA1", "SHA256", "SHA512"};

bool in(std::string_view n, const auto& list) { return std::find(std::begin(list), std::end(list), n) != std::end(list); }

std::string number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", x);
    return buf;
}

[[noreturn]] void outOfRange(const Expr& c, double x) { throw EvalError("Argument to " + c.op + " is out of range: " + number(x)); }

/// The code points of UTF-8 text (already checked to be UTF-8).
std::vector<std::string> chars(std::string_view s) {
    std::vector<std::string> out;
    const auto starts = charStarts(s);
    for (std::size_t i = 0; i < starts.size(); ++i)
        out.emplace_back(s.substr(starts[i], (i + 1 < starts.size() ? starts[i + 1] : s.size()) - starts[i]));
    return out;
}

/// The 1-based position of the `occurrence`-th match of `needle` in `hay`, searching from
/// `start` (negative: from the end, backwards); 0 when there is none. Positions count
/// characters for STRING, bytes for BYTES.
std::int64_t instr(std::string_view hay, std::string_view needle, std::int64_t start, std::int64_t occurrence, bool bytes) {
    std::vector<std::size_t> pos; // unit index -> byte offset
    if (bytes) {
        for (std::size_t i = 0; i < hay.size(); ++i) pos.push_back(i);
    } else {
        pos = charStarts(hay);
    }
    const auto n = static_cast<std::int64_t>(pos.size());
    std::vector<std::int64_t> hits;
    for (std::int64_t i = 0; i < n; ++i)
        if (hay.substr(pos[static_cast<std::size_t>(i)]).starts_with(needle)) hits.push_back(i);
    if (start > 0) {
        std::int64_t seen = 0;
        for (auto h : hits)
            if (h >= start - 1 && ++seen == occurrence) return h + 1;
    } else {
        const std::int64_t from = n + start; // the last unit a match may start at
        std::int64_t seen = 0;
        for (auto it = hits.rbegin(); it != hits.rend(); ++it)
            if (*it <= from && ++seen == occurrence) return *it + 1;
    }
    return 0;
}

} // namespace

std::optional<SqlType> bindScalarExtra(const Expr& c, const std::vector<SqlType>& a) {
    const auto& n = c.op;
    const auto argc = a.size();
    auto need = [&](std::size_t lo, std::size_t hi) {
        if (argc < lo || argc > hi) noSignature(c, a);
    };
    if (in(n, kUnary)) {
        need(1, 1);
        if (!isNum(a[0])) noSignature(c, a);
        return S(K::Float64);
    }
    if (n == "ATAN2" || n == "IEEE_DIVIDE" || n == "LOG") {
        need(n == "LOG" ? 1 : 2, 2);
        for (const auto& t : a)
            if (!isNum(t)) noSignature(c, a);
        return S(K::Float64);
    }
    if (n == "IS_NAN" || n == "IS_INF") {
        need(1, 1);
        if (!isNum(a[0])) noSignature(c, a);
        return S(K::Bool);
    }
    if (n == "RAND") {
        need(0, 0);
        return S(K::Float64);
    }
    if (n == "ERROR") { // no value of its own: it fits wherever it stands (IF(bad, ERROR('...'), x))
        need(1, 1);
        if (!isString(a[0])) noSignature(c, a);
        return SqlType::null();
    }
    if (n == "GENERATE_UUID") {
        need(0, 0);
        return S(K::String);
    }
    if (n == "RANGE_BUCKET") {
        need(2, 2);
        if (a[0].array || !(a[1].unknown || a[1].array) || (!a[0].unknown && !a[1].unknown && !(a[1].element() == a[0]) &&
                                                           !(a[0].isNumeric() && a[1].element().isNumeric())))
            noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "TO_HEX" || n == "TO_BASE64") {
        need(1, 1);
        if (!isBytes(a[0])) noSignature(c, a);
        return S(K::String);
    }
    if (n == "FROM_HEX" || n == "FROM_BASE64") {
        need(1, 1);
        if (!isString(a[0])) noSignature(c, a);
        return S(K::Bytes);
    }
    if (in(n, kDigests)) {
        need(1, 1);
        if (!isStringOrBytes(a[0])) noSignature(c, a);
        return S(K::Bytes);
    }
    if (n == "STRING") { // STRING(timestamp[, time_zone]); STRING(json) is JSON's, not here yet
        need(1, 2);
        if (!a[0].unknown && !a[0].array && a[0].kind == K::Json)
            throw SqlError("STRING of a JSON value is not supported by the sandbox yet", c.pos);
        if (!(a[0].unknown || (!a[0].array && a[0].kind == K::Timestamp)) || (argc == 2 && !isString(a[1])))
            noSignature(c, a);
        return S(K::String);
    }
    if (n == "BIT_COUNT") {
        need(1, 1);
        if (!(isInt(a[0]) || isBytes(a[0]))) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "FARM_FINGERPRINT") {
        need(1, 1);
        if (!isStringOrBytes(a[0])) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "INSTR") {
        need(2, 4);
        const bool bytes = !a[0].unknown && a[0].kind == K::Bytes;
        if (!isStringOrBytes(a[0]) || !(bytes ? isBytes(a[1]) : isStringOrBytes(a[1]))) noSignature(c, a);
        for (std::size_t i = 2; i < argc; ++i)
            if (!isInt(a[i])) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "ASCII") {
        need(1, 1);
        if (!isStringOrBytes(a[0])) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "CODE_POINTS_TO_STRING") {
        need(1, 1);
        if (!(a[0].unknown || (a[0].array && a[0].element().kind == K::Int64))) noSignature(c, a);
        return S(K::String);
    }
    if (n == "TRANSLATE") {
        need(3, 3);
        for (const auto& t : a)
            if (!isString(t)) noSignature(c, a);
        return S(K::String);
    }
    return std::nullopt;
}

std::optional<Value> callScalarExtra(const Expr& c, std::vector<Value>& a) {
    const auto& n = c.op;
    if (n == "ERROR") throw EvalError(a[0].isNull() ? std::string("NULL") : std::string(a[0].asText()));
    if (n == "RAND") {
        thread_local std::mt19937_64 rng{std::random_device{}()};
        return Value::float64(std::uniform_real_distribution<double>(0.0, 1.0)(rng));
    }
    if (n == "GENERATE_UUID") {
        thread_local std::mt19937_64 rng{std::random_device{}()};
        std::string raw(16, '\0');
        for (auto& ch : raw) ch = static_cast<char>(rng() & 0xFF);
        raw[6] = static_cast<char>((raw[6] & 0x0F) | 0x40); // version 4
        raw[8] = static_cast<char>((raw[8] & 0x3F) | 0x80); // RFC 4122 variant
        const std::string h = text::hexEncode(raw);
        return Value::string(h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20));
    }
    const bool known = in(n, kUnary) || in(n, kDigests) || n == "FARM_FINGERPRINT" || n == "BIT_COUNT" || n == "STRING" || n == "ATAN2" || n == "IEEE_DIVIDE" || n == "LOG" ||
                       n == "IS_NAN" || n == "IS_INF" || n == "RANGE_BUCKET" || n == "TO_HEX" || n == "TO_BASE64" || n == "FROM_HEX" || n == "FROM_BASE64" ||
                       n == "INSTR" || n == "ASCII" || n == "CODE_POINTS_TO_STRING" || n == "TRANSLATE";
    if (!known) return std::nullopt;
    if (n != "RANGE_BUCKET" && std::any_of(a.begin(), a.end(), [](const Value& v) { return v.isNull(); })) return Value();
    if (in(n, kUnary)) {
        const double x = toDouble(a[0]);
        if ((n == "ASIN" || n == "ACOS") && (x < -1 || x > 1)) {
            if (c.safe) return Value();
            outOfRange(c, x);
        }
        const double r = n == "SIN" ? std::sin(x) : n == "COS" ? std::cos(x) : n == "TAN" ? std::tan(x) : n == "ASIN" ? std::asin(x)
                       : n == "ACOS" ? std::acos(x) : n == "ATAN" ? std::atan(x) : n == "SINH" ? std::sinh(x)
                       : n == "COSH" ? std::cosh(x) : std::tanh(x);
        if (std::isinf(r) && !std::isinf(x)) {
            if (c.safe) return Value();
            throw EvalError("Floating point overflow in " + c.op + "(" + number(x) + ")");
        }
        return Value::float64(r);
    }
    if (n == "IS_NAN") return Value::boolean(std::isnan(toDouble(a[0])));
    if (n == "IS_INF") return Value::boolean(std::isinf(toDouble(a[0])));
    if (n == "ATAN2") return Value::float64(std::atan2(toDouble(a[0]), toDouble(a[1])));
    if (n == "IEEE_DIVIDE") return Value::float64(toDouble(a[0]) / toDouble(a[1]));
    if (n == "LOG") {
        const double x = toDouble(a[0]), base = a.size() > 1 ? toDouble(a[1]) : std::exp(1.0);
        // BigQuery's table for LOG(X, Y): NaN in, -inf X or +inf Y give NaN before any error.
        if (std::isnan(x) || std::isnan(base) || x == -INFINITY || base == INFINITY) return Value::float64(NAN);
        if (x <= 0 || base <= 0 || base == 1) {
            if (c.safe) return Value();
            outOfRange(c, x <= 0 ? x : base);
        }
        return Value::float64(std::log(x) / std::log(base));
    }
    if (n == "RANGE_BUCKET") {
        if (a[0].isNull() || a[1].isNull()) return Value();
        const auto& arr = a[1].items();
        double prev = -INFINITY;
        std::int64_t count = 0;
        const double x = toDouble(a[0]);
        if (std::isnan(x)) return Value();
        for (const auto& b : arr) {
            if (b.isNull()) throw EvalError("RANGE_BUCKET: the array of bounds has a NULL element");
            const double d = toDouble(b);
            if (d < prev) throw EvalError("RANGE_BUCKET: the array of bounds is not sorted in ascending order");
            prev = d;
            if (d <= x) ++count;
        }
        return Value::int64(count);
    }
    if (n == "TO_HEX") return Value::string(text::hexEncode(a[0].asText()));
    if (n == "TO_BASE64") return Value::string(text::base64Encode(a[0].asText()));
    if (n == "FROM_HEX") {
        std::string s(a[0].asText());
        if (s.size() % 2) s = "0" + s;
        std::string out;
        for (std::size_t i = 0; i < s.size(); i += 2) {
            auto digit = [&](char ch) -> int {
                if (ch >= '0' && ch <= '9') return ch - '0';
                if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
                if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
                if (c.safe) return -1;
                throw EvalError("Failed to decode invalid hexadecimal string: \"" + s + "\"");
            };
            const int hi = digit(s[i]), lo = digit(s[i + 1]);
            if (hi < 0 || lo < 0) return Value();
            out.push_back(static_cast<char>(hi * 16 + lo));
        }
        return Value::bytes(out);
    }
    if (n == "FROM_BASE64") {
        const auto raw = text::base64Decode(a[0].asText());
        if (!raw) {
            if (c.safe) return Value();
            throw EvalError("Failed to decode invalid base64 string");
        }
        return Value::bytes(*raw);
    }
    if (in(n, kDigests)) return Value::bytes(crypto::digest(n == "SHA256" ? "SHA256" : n.c_str(), a[0].asText()));
    if (n == "STRING") { // as CAST(ts AS STRING), in the zone given (else the query's)
        if (a.size() < 2) return Value::string(castToString(a[0]));
        const ZoneScope zone(&TimeZone::named(a[1].asText()));
        return Value::string(castToString(a[0]));
    }
    if (n == "BIT_COUNT") { // set bits of an INT64's two's complement, or of every byte
        if (a[0].kind() == ValueKind::Int64) return Value::int64(std::popcount(static_cast<std::uint64_t>(a[0].asInt64())));
        std::int64_t bits = 0;
        for (const unsigned char b : a[0].asText()) bits += std::popcount(b);
        return Value::int64(bits);
    }
    if (n == "FARM_FINGERPRINT") { // FarmHash's Fingerprint64 of the bytes, as a signed INT64
        const auto s = a[0].asText();
        return Value::int64(static_cast<std::int64_t>(util::Fingerprint64(s.data(), s.size())));
    }
    if (n == "INSTR") {
        const std::int64_t start = a.size() > 2 ? a[2].asInt64() : 1, occurrence = a.size() > 3 ? a[3].asInt64() : 1;
        if (start == 0) throw EvalError("INSTR: the position must not be 0");
        if (occurrence < 1) throw EvalError("INSTR: the occurrence must be positive");
        if (a[1].asText().empty()) return Value::int64(0);
        return Value::int64(instr(a[0].asText(), a[1].asText(), start, occurrence, a[0].kind() == ValueKind::Bytes));
    }
    if (n == "ASCII") {
        const auto s = a[0].asText();
        if (s.empty()) return Value::int64(0);
        const auto first = static_cast<unsigned char>(s[0]);
        if (a[0].kind() == ValueKind::String && first >= 0x80) throw EvalError("ASCII: the first character is not ASCII");
        return Value::int64(first);
    }
    if (n == "CODE_POINTS_TO_STRING") {
        std::string out;
        for (const auto& v : a[0].items()) {
            if (v.isNull()) return Value();
            const auto cp = v.asInt64();
            if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw EvalError("Invalid code point: " + std::to_string(cp));
            text::appendUtf8(out, static_cast<std::uint32_t>(cp));
        }
        return Value::string(out);
    }
    if (n == "TRANSLATE") {
        const auto from = chars(a[1].asText()), to = chars(a[2].asText());
        std::string out;
        std::vector<std::string> seen;
        for (const auto& ch : from) {
            if (std::find(seen.begin(), seen.end(), ch) != seen.end())
                throw EvalError("TRANSLATE: duplicate character \"" + ch + "\" in the characters to replace");
            seen.push_back(ch);
        }
        for (const auto& ch : chars(a[0].asText())) {
            const auto it = std::find(from.begin(), from.end(), ch);
            if (it == from.end()) out += ch;
            else if (static_cast<std::size_t>(it - from.begin()) < to.size()) out += to[static_cast<std::size_t>(it - from.begin())];
        }
        return Value::string(out);
    }
    return std::nullopt;
}

} // namespace quarry::sandbox::sql
