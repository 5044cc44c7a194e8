// SPDX-License-Identifier: MIT
#include "sandbox/sql/Bytes.h"

#include "sandbox/sql/TableData.h"

namespace quarry::sandbox::sql {
namespace {

std::uint64_t scalarBytes(const Value& v, const Field& f) {
    switch (v.kind()) {
    case ValueKind::Null: return 0;
    case ValueKind::Bool: return 1;
    case ValueKind::Numeric:
    case ValueKind::Interval:
    case ValueKind::Range: return 16;
    case ValueKind::BigNumeric: return 32;
    case ValueKind::String:
    case ValueKind::Bytes: return 2 + v.asText().size();
    case ValueKind::Json:
    case ValueKind::Geography: return v.asText().size();
    case ValueKind::Struct: return rowBytes(v, f.fields);
    default: return 8;
    }
}

} // namespace

std::uint64_t logicalBytes(const Value& v, const Field& f) {
    if (v.kind() == ValueKind::Array) {
        std::uint64_t n = 0;
        for (const auto& el : v.items()) n += scalarBytes(el, f);
        return n;
    }
    return scalarBytes(v, f);
}

std::uint64_t rowBytes(const Value& row, const std::vector<Field>& fields) {
    std::uint64_t n = 0;
    const auto items = row.items();
    for (std::size_t i = 0; i < fields.size() && i < items.size(); ++i) n += logicalBytes(items[i], fields[i]);
    return n;
}

std::vector<std::uint64_t> columnBytes(const TableData& t) {
    if (const auto* groups = t.groupsToRead()) { // summed in the groups' heads
        auto bytes = groups->columnBytes();
        bytes.resize(t.schema.fields.size(), 0); // not the hidden partition time's
        return bytes;
    }
    std::lock_guard lock(t.bytesMutex);
    const auto& fields = t.schema.fields;
    if (t.bytesVersion != t.version || t.bytesSchemaVersion != t.schemaVersion || t.bytesByColumn.size() != fields.size()) {
        std::vector<std::uint64_t> sums(fields.size(), 0);
        for (const auto& row : t.rows) {
            const auto items = row.items();
            for (std::size_t c = 0; c < fields.size() && c < items.size(); ++c) sums[c] += logicalBytes(items[c], fields[c]);
        }
        t.bytesByColumn = std::move(sums);
        t.bytesVersion = t.version;
        t.bytesSchemaVersion = t.schemaVersion;
    }
    return t.bytesByColumn;
}

void noteAppendedBytes(const TableData& t, std::size_t from, std::uint64_t next) {
    std::lock_guard lock(t.bytesMutex);
    const auto& fields = t.schema.fields;
    if (t.bytesVersion != t.version || t.bytesSchemaVersion != t.schemaVersion || t.bytesByColumn.size() != fields.size()) return;
    for (std::size_t r = from; r < t.rows.size(); ++r) {
        const auto items = t.rows[r].items();
        for (std::size_t c = 0; c < fields.size() && c < items.size(); ++c) t.bytesByColumn[c] += logicalBytes(items[c], fields[c]);
    }
    t.bytesVersion = next;
}

} // namespace quarry::sandbox::sql
