// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"

#include <string>
#include <vector>

namespace quarry::sandbox::sql {

struct NamedType;

/// A GoogleSQL type: a scalar kind, a STRUCT with named fields, or an ARRAY of either.
/// `unknown` is the type of a bare NULL literal (coerces to anything).
struct SqlType {
    TypeKind kind = TypeKind::Int64;
    bool array = false;
    bool unknown = false;
    std::vector<NamedType> fields; ///< STRUCT fields (name may be empty)
    TypeKind rangeElement = TypeKind::Date;
    /// A STRING's (or ARRAY<STRING>'s elements') collation: "und:ci", "binary"; empty for none.
    /// Not part of the type's identity (== ignores it).
    std::string collation;

    static SqlType scalar(TypeKind k);
    static SqlType null();
    SqlType element() const;
    SqlType arrayOf() const;
    bool isStruct() const { return !array && !unknown && kind == TypeKind::Struct; }
    bool isNumeric() const {
        return !array && !unknown &&
               (kind == TypeKind::Int64 || kind == TypeKind::Float64 || kind == TypeKind::Numeric ||
                kind == TypeKind::BigNumeric);
    }
    bool operator==(const SqlType& o) const;

    /// "INT64", "ARRAY<STRUCT<a STRING, b INT64>>", as BigQuery's messages write types.
    std::string name() const;
    /// The result-schema column for this type (ARRAY -> REPEATED, STRUCT -> RECORD).
    Field toField(const std::string& columnName) const;
    static SqlType fromField(const Field& f);
    static SqlType fromFields(const std::vector<Field>& fs);
};

/// One STRUCT field: a name (possibly empty) and its type.
struct NamedType {
    std::string first;
    SqlType second;
    NamedType(std::string name, SqlType type) : first(std::move(name)), second(std::move(type)) {}
    bool operator==(const NamedType& o) const { return first == o.first && second == o.second; }
};

inline SqlType SqlType::scalar(TypeKind k) {
    SqlType t;
    t.kind = k;
    return t;
}
inline SqlType SqlType::null() {
    SqlType t;
    t.unknown = true;
    return t;
}
inline SqlType SqlType::element() const {
    SqlType t = *this;
    t.array = false;
    return t;
}
inline SqlType SqlType::arrayOf() const {
    SqlType t = *this;
    t.array = true;
    return t;
}
inline bool SqlType::operator==(const SqlType& o) const {
    return kind == o.kind && array == o.array && unknown == o.unknown && fields == o.fields;
}

} // namespace quarry::sandbox::sql
