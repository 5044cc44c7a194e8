// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace quarry {

/// BigQuery column types. Legacy and GoogleSQL spellings map to the same kind.
enum class TypeKind : std::uint8_t {
    Int64,
    Float64,
    Numeric,
    BigNumeric,
    Bool,
    String,
    Bytes,
    Date,
    Time,
    DateTime,
    Timestamp,
    Geography,
    Json,
    Interval,
    Range,
    Struct,
};

enum class Mode : std::uint8_t { Nullable, Required, Repeated };

/// Parses "INTEGER"/"INT64", "RECORD"/"STRUCT", ... (case-insensitive). nullopt if unknown.
std::optional<TypeKind> parseTypeName(std::string_view name);
/// The legacy spelling BigQuery echoes in responses: INTEGER, FLOAT, BOOLEAN, RECORD, ...
std::string_view legacyTypeName(TypeKind t);
/// The GoogleSQL spelling: INT64, FLOAT64, BOOL, STRUCT, ...
std::string_view standardTypeName(TypeKind t);

std::optional<Mode> parseModeName(std::string_view name);
std::string_view modeName(Mode m);

} // namespace quarry
