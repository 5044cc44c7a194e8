// SPDX-License-Identifier: MIT
#include "value/Types.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace quarry {
namespace {

struct TypeNames {
    TypeKind kind;
    std::string_view legacy;
    std::string_view standard;
};

constexpr std::array<TypeNames, 16> kTypes{{
    {TypeKind::Int64, "INTEGER", "INT64"},
    {TypeKind::Float64, "FLOAT", "FLOAT64"},
    {TypeKind::Numeric, "NUMERIC", "NUMERIC"},
    {TypeKind::BigNumeric, "BIGNUMERIC", "BIGNUMERIC"},
    {TypeKind::Bool, "BOOLEAN", "BOOL"},
    {TypeKind::String, "STRING", "STRING"},
    {TypeKind::Bytes, "BYTES", "BYTES"},
    {TypeKind::Date, "DATE", "DATE"},
    {TypeKind::Time, "TIME", "TIME"},
    {TypeKind::DateTime, "DATETIME", "DATETIME"},
    {TypeKind::Timestamp, "TIMESTAMP", "TIMESTAMP"},
    {TypeKind::Geography, "GEOGRAPHY", "GEOGRAPHY"},
    {TypeKind::Json, "JSON", "JSON"},
    {TypeKind::Interval, "INTERVAL", "INTERVAL"},
    {TypeKind::Range, "RANGE", "RANGE"},
    {TypeKind::Struct, "RECORD", "STRUCT"},
}};

std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

} // namespace

std::optional<TypeKind> parseTypeName(std::string_view name) {
    const std::string u = upper(name);
    for (const auto& t : kTypes) {
        if (u == t.legacy || u == t.standard) return t.kind;
    }
    if (u == "DECIMAL") return TypeKind::Numeric;
    if (u == "BIGDECIMAL") return TypeKind::BigNumeric;
    return std::nullopt;
}

std::string_view legacyTypeName(TypeKind t) { return kTypes[static_cast<std::size_t>(t)].legacy; }
std::string_view standardTypeName(TypeKind t) {
    return kTypes[static_cast<std::size_t>(t)].standard;
}

std::optional<Mode> parseModeName(std::string_view name) {
    const std::string u = upper(name);
    if (u.empty() || u == "NULLABLE") return Mode::Nullable;
    if (u == "REQUIRED") return Mode::Required;
    if (u == "REPEATED") return Mode::Repeated;
    return std::nullopt;
}

std::string_view modeName(Mode m) {
    switch (m) {
    case Mode::Nullable: return "NULLABLE";
    case Mode::Required: return "REQUIRED";
    case Mode::Repeated: return "REPEATED";
    }
    return "NULLABLE";
}

} // namespace quarry
