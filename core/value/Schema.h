// SPDX-License-Identifier: MIT
#pragma once

#include "value/Types.h"

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace quarry {

/// BigQuery allows at most 15 levels of nested RECORD.
inline constexpr int kMaxNestingDepth = 15;

/// Thrown for a schema that BigQuery would not accept; the message names the field path.
class SchemaError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// BigQuery's error for a field name it reserves for system columns (_PARTITIONTIME,
/// _TABLE_SUFFIX, _FILE_NAME, ...: the prefixes are case-insensitive), or nothing.
std::optional<std::string> reservedFieldNameError(std::string_view name);

/// One column (TableFieldSchema). RECORD columns carry sub-fields.
struct Field {
    std::string name;
    TypeKind type = TypeKind::String;
    Mode mode = Mode::Nullable;
    std::vector<Field> fields;              ///< sub-fields of a RECORD
    TypeKind rangeElement = TypeKind::Date; ///< element type of a RANGE
    std::string description;
    std::string collation; ///< a STRING's collation ('und:ci'); empty for none

    bool isRepeated() const { return mode == Mode::Repeated; }
    bool isRecord() const { return type == TypeKind::Struct; }
    bool operator==(const Field&) const = default;

    /// Parses one TableFieldSchema object; `path` names it in errors.
    static Field fromJson(const nlohmann::json& j, const std::string& path = {}, int depth = 1);
    /// Emits legacy type names (INTEGER, FLOAT, BOOLEAN, RECORD) as BigQuery does.
    nlohmann::json toJson() const;
    /// The type as people read it: "STRING", "INT64 REPEATED", "STRUCT REQUIRED".
    std::string typeDescription() const;
};

/// Throws SchemaError if a field at any depth has a reserved name: for the schema of a table
/// being created (a query's result schema may carry such names, so parsing does not check).
void checkNoReservedNames(const std::vector<Field>& fields);

/// A table or result schema (TableSchema).
struct Schema {
    std::vector<Field> fields;

    bool operator==(const Schema&) const = default;
    /// Index of a top-level field by name (case-insensitive, as in BigQuery), or -1.
    int indexOf(std::string_view name) const;

    /// Accepts {"fields":[...]} or a bare array of fields.
    static Schema fromJson(const nlohmann::json& j);
    static Schema parse(std::string_view jsonText);
    nlohmann::json toJson() const; ///< {"fields":[...]}
    /// Number of leaf columns, counting nested leaves (BigQuery's 10,000-column limit).
    std::size_t leafCount() const;
};

/// The part of `schema` that tabledata.list returns for `selectedFields` ("a", "e.d.f"),
/// in the order of the schema. Throws SchemaError for a path that does not exist.
Schema projectSchema(const Schema& schema, const std::vector<std::string>& selectedFields);

class Value;
/// The row (laid out as `full`) cut down to `projected` (from projectSchema).
Value projectRow(const Value& row, const Schema& full, const Schema& projected);

} // namespace quarry
