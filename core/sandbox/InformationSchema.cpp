// SPDX-License-Identifier: MIT
#include "sandbox/InformationSchema.h"
#include "sandbox/Views.h"

#include "sandbox/sql/SqlType.h"
#include "value/Text.h"

#include <algorithm>
#include <cctype>

namespace quarry::sandbox {
namespace {

using text::upper;

Field column(const char* name, TypeKind type) {
    Field f;
    f.name = name;
    f.type = type;
    return f;
}

Value text(const std::string& s) { return Value::string(s); }

std::string typeOf(const Field& f) { return sql::SqlType::fromField(f).name(); }

/// CREATE TABLE `p.d.t` (col TYPE [NOT NULL], ...); as INFORMATION_SCHEMA.TABLES writes it.
std::string ddlOf(const Table& t) {
    if (isView(t)) return "CREATE VIEW `" + t.project + "." + t.dataset + "." + t.id + "`\nAS " + viewQuery(t) + ";";
    std::string out = "CREATE TABLE `" + t.project + "." + t.dataset + "." + t.id + "`\n(";
    for (std::size_t i = 0; i < t.schema.fields.size(); ++i) {
        const Field& f = t.schema.fields[i];
        out += (i ? ",\n  " : "\n  ") + f.name + " " + typeOf(f) + (f.collation.empty() ? "" : " COLLATE '" + f.collation + "'") +
               (f.mode == Mode::Required ? " NOT NULL" : "");
    }
    return out + "\n);";
}

void fieldPaths(const Field& f, const std::string& prefix, const std::vector<Value>& head, std::vector<Value>& rows) {
    const std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    Value r = Value::structOf(7);
    for (std::size_t i = 0; i < 4; ++i) r[i] = head[i];
    r[4] = text(path);
    r[5] = text(typeOf(f));
    if (!f.description.empty()) r[6] = text(f.description);
    rows.push_back(std::move(r));
    for (const Field& g : f.fields) fieldPaths(g, path, head, rows);
}

} // namespace

std::optional<InformationSchemaRef> informationSchemaRef(const std::vector<std::string>& path) {
    if (path.size() == 3 && upper(path[1]) == "INFORMATION_SCHEMA") return InformationSchemaRef{"", path[0], upper(path[2])};
    if (path.size() == 4 && upper(path[2]) == "INFORMATION_SCHEMA") return InformationSchemaRef{path[0], path[1], upper(path[3])};
    return std::nullopt;
}

std::shared_ptr<Table> informationSchema(const Store& store, const std::string& project, const std::string& dataset,
                                         const std::string& view) {
    auto out = std::make_shared<Table>();
    out->project = project; // billed like a table; a new snapshot each time, so never a stale cached result
    out->dataset = dataset;
    out->id = "INFORMATION_SCHEMA." + view;
    const Field catalog = column("table_catalog", TypeKind::String), schema = column("table_schema", TypeKind::String),
                name = column("table_name", TypeKind::String);
    if (view == "TABLES") {
        out->schema.fields = {catalog, schema, name, column("table_type", TypeKind::String), column("is_insertable_into", TypeKind::String),
                              column("is_typed", TypeKind::String), column("creation_time", TypeKind::Timestamp), column("ddl", TypeKind::String)};
    } else if (view == "COLUMNS") {
        out->schema.fields = {catalog, schema, name, column("column_name", TypeKind::String), column("ordinal_position", TypeKind::Int64),
                              column("is_nullable", TypeKind::String), column("data_type", TypeKind::String),
                              column("is_generated", TypeKind::String), column("is_hidden", TypeKind::String),
                              column("is_system_defined", TypeKind::String), column("is_partitioning_column", TypeKind::String),
                              column("clustering_ordinal_position", TypeKind::Int64), column("collation_name", TypeKind::String)};
    } else if (view == "VIEWS") {
        out->schema.fields = {catalog, schema, name, column("view_definition", TypeKind::String), column("check_option", TypeKind::String),
                              column("use_standard_sql", TypeKind::String)};
    } else if (view == "COLUMN_FIELD_PATHS") {
        out->schema.fields = {catalog, schema, name, column("column_name", TypeKind::String), column("field_path", TypeKind::String),
                              column("data_type", TypeKind::String), column("description", TypeKind::String)};
    } else {
        throw ApiFailure("notFound", "Not found: Table " + project + ":" + dataset + ".INFORMATION_SCHEMA." + view +
                                         " (the sandbox has the views TABLES, COLUMNS, COLUMN_FIELD_PATHS and VIEWS)");
    }
    for (const Json& entry : store.listTables(project, dataset)) { // notFound for a missing dataset
        const std::string id = entry["tableReference"].value("tableId", std::string());
        std::shared_ptr<Table> t;
        try {
            t = store.table(project, dataset, id);
        } catch (const ApiFailure&) {
            continue; // deleted meanwhile
        }
        std::shared_lock lock(t->mutex);
        const std::vector<Value> head{text(project), text(dataset), text(id)};
        if (view == "VIEWS") {
            if (!isView(*t)) continue;
            Value r = Value::structOf(6);
            for (std::size_t k = 0; k < 3; ++k) r[k] = head[k];
            r[3] = text(viewQuery(*t));
            r[5] = text("YES");
            out->rows.push_back(std::move(r));
            continue;
        }
        if (view == "TABLES") {
            Value r = Value::structOf(8);
            r[0] = head[0];
            r[1] = head[1];
            r[2] = head[2];
            r[3] = text(t->meta.value("type", std::string("TABLE")) == "VIEW" ? "VIEW" : "BASE TABLE");
            r[4] = text("YES");
            r[5] = text("NO");
            const auto created = t->meta.value("creationTime", std::string("0"));
            r[6] = Value::timestamp(std::stoll(created.empty() ? "0" : created) * 1000);
            r[7] = text(ddlOf(*t));
            out->rows.push_back(std::move(r));
            continue;
        }
        for (std::size_t i = 0; i < t->schema.fields.size(); ++i) {
            const Field& f = t->schema.fields[i];
            if (view == "COLUMN_FIELD_PATHS") {
                std::vector<Value> h = head;
                h.push_back(text(f.name));
                fieldPaths(f, "", h, out->rows);
                continue;
            }
            Value r = Value::structOf(13);
            for (std::size_t k = 0; k < 3; ++k) r[k] = head[k];
            r[3] = text(f.name);
            r[4] = Value::int64(static_cast<std::int64_t>(i) + 1);
            r[5] = text(f.mode == Mode::Required ? "NO" : "YES");
            r[6] = text(typeOf(f));
            r[7] = text("NEVER");
            r[8] = text("NO");
            r[9] = text("NO");
            r[10] = text("NO");
            if (!f.collation.empty()) r[12] = text(f.collation);
            out->rows.push_back(std::move(r));
        }
    }
    return out;
}

} // namespace quarry::sandbox
