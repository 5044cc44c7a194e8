// SPDX-License-Identifier: MIT
#include "storageapi/ArrowRows.h"

#include "sandbox/Store.h"
#include "storageapi/ArrowIpc.h"
#include "value/Text.h"

namespace quarry::storageapi {

namespace {

const Field* find(const std::vector<Field>& fields, const std::string& name) {
    for (const auto& f : fields)
        if (text::iequals(f.name, name)) return &f;
    return nullptr;
}

/// The writer's fields under `path`, checked against the table's; each is renamed as the table
/// names it (so relayoutRow matches them).
void fit(std::vector<Field>& writer, const std::vector<Field>& table, const std::string& path) {
    for (auto& w : writer) {
        const std::string at = path.empty() ? w.name : path + "." + w.name;
        const Field* t = find(table, w.name);
        if (!t) throw SchemaMismatch("Input schema has more fields than BigQuery schema, extra fields: '" + at + "'");
        if (w.type != t->type || w.isRepeated() != t->isRepeated() || (w.type == TypeKind::Range && w.rangeElement != t->rangeElement))
            throw SchemaMismatch("The Arrow type of field '" + at + "' does not match its column's type in the table");
        w.name = t->name;
        if (w.type == TypeKind::Struct) fit(w.fields, t->fields, at);
    }
}

/// The path of a REQUIRED field the row (laid out as `fields`) leaves NULL, or empty.
std::string missingRequired(const Value& row, const std::vector<Field>& fields, const std::string& path) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto& f = fields[i];
        const Value* v = i < row.size() ? &row[i] : nullptr;
        const std::string at = path.empty() ? f.name : path + "." + f.name;
        if (f.mode == Mode::Required && (!v || v->isNull())) return at;
        if (f.type != TypeKind::Struct || !v || v->isNull()) continue;
        if (f.isRepeated()) {
            for (const auto& item : v->items())
                if (auto m = missingRequired(item, f.fields, at); !m.empty()) return m;
        } else if (auto m = missingRequired(*v, f.fields, at); !m.empty()) {
            return m;
        }
    }
    return {};
}

} // namespace

ArrowRowDecoder::ArrowRowDecoder(std::string_view serializedSchema, const Schema& table) : writer_(arrow::readSchema(serializedSchema)), table_(table) {
    fit(writer_.fields, table_.fields, "");
}

std::vector<Value> ArrowRowDecoder::decode(std::string_view batch, std::vector<std::pair<std::int64_t, std::string>>& errors) const {
    auto rows = arrow::readBatch(writer_, batch);
    std::vector<Value> out;
    out.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        Value row = sandbox::relayoutRow(rows[i], writer_.fields, table_.fields);
        if (const auto missing = missingRequired(row, table_.fields, ""); !missing.empty())
            errors.emplace_back(static_cast<std::int64_t>(i), "Field " + missing + " is REQUIRED but the row leaves it NULL");
        else
            out.push_back(std::move(row));
    }
    return out;
}

} // namespace quarry::storageapi
