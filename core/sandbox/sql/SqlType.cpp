// SPDX-License-Identifier: MIT
#include "sandbox/sql/SqlType.h"

namespace quarry::sandbox::sql {

std::string SqlType::name() const {
    if (unknown) return "INT64";
    std::string s;
    if (kind == TypeKind::Struct) {
        s = "STRUCT<";
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (i) s += ", ";
            if (!fields[i].first.empty()) s += fields[i].first + " ";
            s += fields[i].second.name();
        }
        s += ">";
    } else if (kind == TypeKind::Range) {
        s = "RANGE<" + std::string(standardTypeName(rangeElement)) + ">";
    } else {
        s = std::string(standardTypeName(kind));
    }
    return array ? "ARRAY<" + s + ">" : s;
}

Field SqlType::toField(const std::string& columnName) const {
    Field f;
    f.name = columnName;
    f.type = unknown ? TypeKind::Int64 : kind;
    f.mode = array ? Mode::Repeated : Mode::Nullable;
    f.rangeElement = rangeElement;
    if (kind == TypeKind::String) f.collation = collation;
    if (kind == TypeKind::Struct && !unknown) {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const auto& n = fields[i].first;
            f.fields.push_back(fields[i].second.toField(n.empty() ? "_field_" + std::to_string(i + 1) : n));
        }
    }
    return f;
}

SqlType SqlType::fromFields(const std::vector<Field>& fs) {
    SqlType t;
    t.kind = TypeKind::Struct;
    for (const auto& f : fs) t.fields.emplace_back(f.name, fromField(f));
    return t;
}

SqlType SqlType::fromField(const Field& f) {
    SqlType t = f.isRecord() ? fromFields(f.fields) : scalar(f.type);
    t.rangeElement = f.rangeElement;
    t.collation = f.collation;
    t.array = f.isRepeated();
    return t;
}

} // namespace quarry::sandbox::sql
