// SPDX-License-Identifier: MIT
#include "sandbox/sql/BasicFunctions.h"

#include "sandbox/sql/FunctionHelpers.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/TimeZone.h"
#include "sandbox/sql/ValueOps.h"
#include "value/Civil.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>

namespace quarry::sandbox::sql::basic {
namespace {

using K = TypeKind;

bool isBytes(const Args& a) { return !a.empty() && a[0].kind() == ValueKind::Bytes; }
Value textLike(const Args& a, const std::string& s) { return isBytes(a) ? Value::bytes(s) : Value::string(s); }

/// Code points in UTF-8 text: the bytes that do not continue one.
std::int64_t codePoints(std::string_view s) {
    // Continuation bytes (10xxxxxx) counted eight at a time: a byte's bit 7 set and bit 6
    // clear (bit 6 shifted under bit 7 of the same byte); the eight flags, moved to each
    // byte's bit 0, summed into the top byte by one multiplication (no popcount instruction
    // is assumed).
    std::size_t continuing = 0, i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        const std::uint64_t flags = (w & ~(w << 1) & 0x8080808080808080ULL) >> 7;
        continuing += static_cast<std::size_t>((flags * 0x0101010101010101ULL) >> 56);
    }
    for (; i < s.size(); ++i) continuing += (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
    return static_cast<std::int64_t>(s.size() - continuing);
}

} // namespace

Value collate(const Expr&, const Args& a) { return a[0]; } // the collation is the type's, not the value's

Value nullIf(const Expr& c, const Args& a) {
    if (a[0].isNull()) return {};
    // Equal as = says: a STRUCT with a NULL field is not equal (unknown), nor is NaN to NaN.
    if (!a[1].isNull() && isTrue(binaryOp("=", coerce(a[0], c.type), coerce(a[1], c.type), SqlType::scalar(K::Bool)))) return {};
    return coerce(a[0], c.type);
}

Value currentTime(const Expr& c, const Args& a) {
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    if (c.op == "CURRENT_TIMESTAMP") return Value::timestamp(now);
    if (!a.empty() && a[0].isNull()) return {};
    // The wall clock of the zone named, or of the query's time zone.
    const std::int64_t us = (a.empty() ? TimeZone::current() : TimeZone::named(a[0].asText())).toLocal(now);
    if (c.op == "CURRENT_DATETIME") return Value::dateTime(us);
    return Value::date(static_cast<std::int32_t>(civil::floorDiv(us, civil::kMicrosPerDay)));
}

Value concat(const Expr& c, const Args& a) {
    std::string s;
    for (std::size_t i = 0; i < a.size(); ++i) s.append(a[i].asText());
    return c.type.kind == K::Bytes ? Value::bytes(s) : Value::string(s);
}

Value greatestLeast(const Expr& c, const Args& a) {
    const bool greatest = c.op == "GREATEST";
    Value best = coerce(a[0], c.type);
    for (std::size_t i = 1; i < a.size(); ++i) {
        Value v = coerce(a[i], c.type);
        const int cmp = compareValues(v, best);
        if ((greatest && cmp > 0) || (!greatest && cmp < 0)) best = std::move(v);
    }
    return best;
}

Value lowerUpper(const Expr& c, const Args& a) {
    std::string s(a[0].asText());
    if (c.op == "LOWER")
        for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    else
        for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return textLike(a, s);
}

Value reverse(const Expr&, const Args& a) {
    const auto s = a[0].asText();
    if (isBytes(a)) return Value::bytes(std::string(s.rbegin(), s.rend()));
    const auto starts = fn::charStarts(s);
    std::string out;
    for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
        const auto end = (it == starts.rbegin()) ? s.size() : *(it - 1);
        out.append(s.substr(*it, end - *it));
    }
    return Value::string(out);
}

Value length(const Expr&, const Args& a) {
    const auto s = a[0].asText();
    return Value::int64(isBytes(a) ? static_cast<std::int64_t>(s.size()) : codePoints(s));
}

Value byteLength(const Expr&, const Args& a) { return Value::int64(static_cast<std::int64_t>(a[0].asText().size())); }

Value substr(const Expr&, const Args& a) {
    const auto s = a[0].asText();
    std::vector<std::size_t> starts;
    if (isBytes(a)) {
        for (std::size_t i = 0; i < s.size(); ++i) starts.push_back(i);
    } else {
        starts = fn::charStarts(s);
    }
    const auto len = static_cast<std::int64_t>(starts.size());
    std::int64_t pos = a[1].asInt64();
    if (pos < 0) pos = std::max<std::int64_t>(len + pos, 0);
    else if (pos > 0) pos -= 1;
    std::int64_t count = a.size() == 3 ? a[2].asInt64() : len;
    if (count < 0) throw EvalError("Third argument in SUBSTR() cannot be negative");
    if (pos >= len || count == 0) return textLike(a, "");
    const auto end = std::min(len, pos + count);
    const auto b = starts[static_cast<std::size_t>(pos)];
    const auto e = end >= len ? s.size() : starts[static_cast<std::size_t>(end)];
    return textLike(a, std::string(s.substr(b, e - b)));
}

Value trim(const Expr& c, const Args& a) {
    std::string s(a[0].asText());
    const std::string chars = a.size() == 2 ? std::string(a[1].asText()) : std::string(" \t\n\r\f\v");
    if (c.op != "RTRIM") s.erase(0, std::min(s.size(), s.find_first_not_of(chars)));
    if (c.op != "LTRIM") {
        const auto last = s.find_last_not_of(chars);
        s.erase(last == std::string::npos ? 0 : last + 1);
    }
    return textLike(a, s);
}

Value replace(const Expr&, const Args& a) {
    std::string s(a[0].asText());
    const std::string from(a[1].asText()), to(a[2].asText());
    if (from.empty()) return textLike(a, s);
    std::string out;
    std::size_t pos = 0, hit;
    while ((hit = s.find(from, pos)) != std::string::npos) {
        out.append(s, pos, hit - pos);
        out += to;
        pos = hit + from.size();
    }
    out.append(s, pos);
    return textLike(a, out);
}

Value startsWith(const Expr&, const Args& a) { return Value::boolean(a[0].asText().starts_with(a[1].asText())); }
Value endsWith(const Expr&, const Args& a) { return Value::boolean(a[0].asText().ends_with(a[1].asText())); }

Value strpos(const Expr&, const Args& a) {
    const auto pos = a[0].asText().find(a[1].asText());
    if (pos == std::string_view::npos) return Value::int64(0);
    return Value::int64(isBytes(a) ? static_cast<std::int64_t>(pos) + 1 : codePoints(a[0].asText().substr(0, pos)) + 1);
}

bool lengthBatch(const Expr&, const Value* const* const* a, std::span<const std::uint32_t> rows, Value* out) {
    for (const auto i : rows) {
        const Value& v = *a[0][i];
        const auto s = v.asText();
        out[i] = Value::int64(v.kind() == ValueKind::Bytes ? static_cast<std::int64_t>(s.size()) : codePoints(s));
    }
    return true;
}

bool byteLengthBatch(const Expr&, const Value* const* const* a, std::span<const std::uint32_t> rows, Value* out) {
    for (const auto i : rows) out[i] = Value::int64(static_cast<std::int64_t>(a[0][i]->asText().size()));
    return true;
}

bool startsEndsBatch(const Expr& c, const Value* const* const* a, std::span<const std::uint32_t> rows, Value* out) {
    const bool starts = c.op == "STARTS_WITH";
    for (const auto i : rows) {
        const auto s = a[0][i]->asText(), x = a[1][i]->asText();
        out[i] = Value::boolean(starts ? s.starts_with(x) : s.ends_with(x));
    }
    return true;
}

bool modBatch(const Expr&, const Value* const* const* a, std::span<const std::uint32_t> rows, Value* out) {
    for (const auto i : rows) {
        const Value &x = *a[0][i], &y = *a[1][i];
        // A zero divisor (an error) and any other kind are the row form's.
        if (x.kind() != ValueKind::Int64 || y.kind() != ValueKind::Int64 || y.asInt64() == 0) return false;
        out[i] = Value::int64(y.asInt64() == -1 ? 0 : x.asInt64() % y.asInt64());
    }
    return true;
}

Value arrayLength(const Expr&, const Args& a) { return Value::int64(static_cast<std::int64_t>(a[0].size())); }

Value mod(const Expr&, const Args& a) {
    if (a[1].asInt64() == 0) throw EvalError("division by zero: MOD(" + std::to_string(a[0].asInt64()) + ", 0)");
    if (a[1].asInt64() == -1) return Value::int64(0);
    return Value::int64(a[0].asInt64() % a[1].asInt64());
}

Value abs(const Expr&, const Args& a) {
    if (a[0].kind() == ValueKind::Int64) {
        if (a[0].asInt64() == INT64_MIN) throw EvalError("int64 overflow: ABS(" + std::to_string(INT64_MIN) + ")");
        return Value::int64(std::llabs(a[0].asInt64()));
    }
    if (a[0].kind() == ValueKind::Float64) return Value::float64(std::fabs(a[0].asDouble()));
    auto t = std::string(a[0].asText());
    if (!t.empty() && t[0] == '-') t.erase(0, 1);
    return Value::text(a[0].kind(), t);
}

Value sign(const Expr&, const Args& a) {
    const double d = toDouble(a[0]);
    const int s = d > 0 ? 1 : d < 0 ? -1 : 0;
    if (a[0].kind() == ValueKind::Int64) return Value::int64(s);
    if (a[0].kind() == ValueKind::Float64) return Value::float64(s);
    return Value::text(a[0].kind(), std::to_string(s));
}

Value rounding(const Expr& c, const Args& a) {
    const auto& n = c.op;
    const int digits = a.size() == 2 ? static_cast<int>(a[1].asInt64()) : 0;
    const double scale = std::pow(10.0, digits);
    const double d = toDouble(a[0]) * scale;
    const double r = n == "ROUND" ? std::round(d) : n == "TRUNC" ? std::trunc(d) : n == "FLOOR" ? std::floor(d) : std::ceil(d);
    if (c.type.kind == K::Float64) return Value::float64(r / scale);
    return castValue(Value::float64(r / scale), c.type, false);
}

} // namespace quarry::sandbox::sql::basic
