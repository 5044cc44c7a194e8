// SPDX-License-Identifier: MIT
#include "sandbox/InformationSchema.h"
#include "value/Civil.h"
#include "sandbox/Views.h"

#include "sandbox/sql/Pruning.h"
#include "sandbox/sql/SqlType.h"
#include "sandbox/sql/Udf.h"
#include "value/Text.h"

#include <algorithm>
#include <cctype>

namespace quarry::sandbox {
namespace {

using text::lower;
using text::upper;


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

Value msTimestamp(const Json& resource, const char* key) {
    const auto ms = resource.value(key, std::string("0"));
    return Value::timestamp(std::stoll(ms.empty() ? "0" : ms) * 1000);
}

/// INFORMATION_SCHEMA.ROUTINES and PARAMETERS: the dataset's SQL functions.
void routineRows(const Store& store, const std::string& project, const std::string& dataset, const std::string& view, Table& out) {
    const Field catalog = viewColumn("specific_catalog", TypeKind::String), schema = viewColumn("specific_schema", TypeKind::String),
                name = viewColumn("specific_name", TypeKind::String);
    if (view == "ROUTINES")
        out.schema.fields = {catalog, schema, name, viewColumn("routine_catalog", TypeKind::String), viewColumn("routine_schema", TypeKind::String),
                             viewColumn("routine_name", TypeKind::String), viewColumn("routine_type", TypeKind::String),
                             viewColumn("data_type", TypeKind::String), viewColumn("routine_body", TypeKind::String),
                             viewColumn("routine_definition", TypeKind::String), viewColumn("external_language", TypeKind::String),
                             viewColumn("is_deterministic", TypeKind::String), viewColumn("security_type", TypeKind::String),
                             viewColumn("created", TypeKind::Timestamp), viewColumn("last_altered", TypeKind::Timestamp), viewColumn("ddl", TypeKind::String)};
    else
        out.schema.fields = {catalog, schema, name, viewColumn("ordinal_position", TypeKind::Int64), viewColumn("parameter_mode", TypeKind::String),
                             viewColumn("is_result", TypeKind::String), viewColumn("parameter_name", TypeKind::String),
                             viewColumn("data_type", TypeKind::String), viewColumn("parameter_default", TypeKind::String),
                             viewColumn("is_aggregate", TypeKind::String)};
    for (const Json& entry : store.listRoutines(project, dataset)) {
        const std::string id = entry["routineReference"].value("routineId", std::string());
        const auto routine = store.findRoutine(project, dataset, id);
        if (!routine) continue; // deleted meanwhile
        const sql::UdfDef def = sql::udfFromRoutine(*routine, id);
        if (view == "PARAMETERS") {
            for (std::size_t i = 0; i < def.args.size(); ++i) {
                Value r = Value::structOf(10);
                r[0] = text(project);
                r[1] = text(dataset);
                r[2] = text(id);
                r[3] = Value::int64(static_cast<std::int64_t>(i) + 1);
                r[4] = text("IN");
                r[5] = text("NO");
                r[6] = text(def.args[i].name);
                r[7] = text(def.args[i].type ? def.args[i].type->name() : "ANY TYPE");
                out.rows.push_back(std::move(r));
            }
            continue;
        }
        std::string params;
        for (std::size_t i = 0; i < def.args.size(); ++i)
            params += (i ? ", " : "") + def.args[i].name + " " + (def.args[i].type ? def.args[i].type->name() : "ANY TYPE");
        Value r = Value::structOf(16);
        for (std::size_t k : {0, 3}) r[k] = text(project);
        for (std::size_t k : {1, 4}) r[k] = text(dataset);
        for (std::size_t k : {2, 5}) r[k] = text(id);
        r[6] = text("FUNCTION");
        if (def.returns) r[7] = text(def.returns->name());
        r[8] = text("SQL");
        r[9] = text(def.body);
        r[13] = msTimestamp(*routine, "creationTime");
        r[14] = msTimestamp(*routine, "lastModifiedTime");
        r[15] = text("CREATE FUNCTION `" + project + "." + dataset + "." + id + "`(" + params + ")" +
                     (def.returns ? " RETURNS " + def.returns->name() : std::string()) + " AS (\n" + def.body + "\n);");
        out.rows.push_back(std::move(r));
    }
}

/// A column's 1-based place among the table's clustering columns.
std::optional<std::int64_t> clusteringPosition(const Table& t, const std::string& column) {
    const auto c = t.meta.find("clustering");
    if (c == t.meta.end() || !c->is_object() || !c->contains("fields") || !(*c)["fields"].is_array()) return std::nullopt;
    std::int64_t at = 0;
    for (const auto& f : (*c)["fields"]) {
        ++at;
        if (f.is_string() && lower(f.get<std::string>()) == lower(column)) return at;
    }
    return std::nullopt;
}

/// PARTITIONS: one row per partition. The sandbox keeps no time per partition: each carries
/// the table's last modification, and its storage tier follows from it (LONG_TERM after 90
/// days without a change, as BigQuery bills).
void partitionRows(const Table& t, const std::vector<Value>& head, std::vector<Value>& rows) {
    const Value modified = msTimestamp(t.meta, "lastModifiedTime");
    constexpr std::int64_t kLongTermMicros = 90LL * 24 * 3600 * 1000 * 1000;
    const bool longTerm = !modified.isNull() && Store::nowMs() * 1000 - modified.asInt64() > kLongTermMicros;
    for (const auto& p : sql::partitionSummaries(t)) {
        Value r = Value::structOf(9);
        for (std::size_t k = 0; k < 3; ++k) r[k] = head[k];
        if (p.id) r[3] = text(*p.id);
        r[4] = Value::int64(static_cast<std::int64_t>(p.rows));
        r[5] = Value::int64(static_cast<std::int64_t>(p.logicalBytes));
        r[6] = r[5];
        r[7] = modified;
        r[8] = text(longTerm ? "LONG_TERM" : "ACTIVE");
        rows.push_back(std::move(r));
    }
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
    const Field catalog = viewColumn("table_catalog", TypeKind::String), schema = viewColumn("table_schema", TypeKind::String),
                name = viewColumn("table_name", TypeKind::String);
    if (view == "TABLES") {
        out->schema.fields = {catalog, schema, name, viewColumn("table_type", TypeKind::String), viewColumn("is_insertable_into", TypeKind::String),
                              viewColumn("is_typed", TypeKind::String), viewColumn("creation_time", TypeKind::Timestamp), viewColumn("ddl", TypeKind::String)};
    } else if (view == "COLUMNS") {
        out->schema.fields = {catalog, schema, name, viewColumn("column_name", TypeKind::String), viewColumn("ordinal_position", TypeKind::Int64),
                              viewColumn("is_nullable", TypeKind::String), viewColumn("data_type", TypeKind::String),
                              viewColumn("is_generated", TypeKind::String), viewColumn("is_hidden", TypeKind::String),
                              viewColumn("is_system_defined", TypeKind::String), viewColumn("is_partitioning_column", TypeKind::String),
                              viewColumn("clustering_ordinal_position", TypeKind::Int64), viewColumn("collation_name", TypeKind::String)};
    } else if (view == "VIEWS") {
        out->schema.fields = {catalog, schema, name, viewColumn("view_definition", TypeKind::String), viewColumn("check_option", TypeKind::String),
                              viewColumn("use_standard_sql", TypeKind::String)};
    } else if (view == "COLUMN_FIELD_PATHS") {
        out->schema.fields = {catalog, schema, name, viewColumn("column_name", TypeKind::String), viewColumn("field_path", TypeKind::String),
                              viewColumn("data_type", TypeKind::String), viewColumn("description", TypeKind::String)};
    } else if (view == "PARTITIONS") {
        out->schema.fields = {catalog, schema, name, viewColumn("partition_id", TypeKind::String), viewColumn("total_rows", TypeKind::Int64),
                              viewColumn("total_logical_bytes", TypeKind::Int64), viewColumn("total_billable_bytes", TypeKind::Int64),
                              viewColumn("last_modified_time", TypeKind::Timestamp), viewColumn("storage_tier", TypeKind::String)};
    } else if (view == "TABLE_SNAPSHOTS") {
        out->schema.fields = {catalog, schema, name, viewColumn("base_table_catalog", TypeKind::String),
                              viewColumn("base_table_schema", TypeKind::String), viewColumn("base_table_name", TypeKind::String),
                              viewColumn("snapshot_time", TypeKind::Timestamp)};
    } else if (view == "ROUTINES" || view == "PARAMETERS") {
        routineRows(store, project, dataset, view, *out);
        return out;
    } else {
        throw ApiFailure("notFound", "Not found: Table " + project + ":" + dataset + ".INFORMATION_SCHEMA." + view +
                                         " (the sandbox has the views TABLES, COLUMNS, COLUMN_FIELD_PATHS, VIEWS, PARTITIONS, "
                                         "TABLE_SNAPSHOTS, ROUTINES and PARAMETERS)");
    }
    for (const Json& entry : store.listTables(project, dataset)) { // notFound for a missing dataset
        const std::string id = entry["tableReference"].value("tableId", std::string());
        std::shared_ptr<Table> t;
        try {
            // Only PARTITIONS counts rows; the other views leave a large table's on disk.
            t = view == "PARTITIONS" ? store.table(project, dataset, id) : store.tableToRead(project, dataset, id);
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
        if (view == "TABLE_SNAPSHOTS") {
            const auto def = t->meta.value("snapshotDefinition", Json::object());
            if (t->meta.value("type", std::string()) != "SNAPSHOT" || !def.is_object()) continue;
            const auto base = def.value("baseTableReference", Json::object());
            Value r = Value::structOf(7);
            for (std::size_t k = 0; k < 3; ++k) r[k] = head[k];
            r[3] = text(base.value("projectId", std::string()));
            r[4] = text(base.value("datasetId", std::string()));
            r[5] = text(base.value("tableId", std::string()));
            const auto at = civil::parseTimestampText(def.value("snapshotTime", std::string()));
            r[6] = at ? Value::timestamp(*at) : Value();
            out->rows.push_back(std::move(r));
            continue;
        }
        if (view == "PARTITIONS") {
            if (isView(*t)) continue;
            partitionRows(*t, head, out->rows);
            continue;
        }
        if (view == "TABLES") {
            Value r = Value::structOf(8);
            r[0] = head[0];
            r[1] = head[1];
            r[2] = head[2];
            const auto type = t->meta.value("type", std::string("TABLE"));
            r[3] = text(type == "VIEW" ? "VIEW" : type == "SNAPSHOT" ? "SNAPSHOT" : t->meta.contains("cloneDefinition") ? "CLONE" : "BASE TABLE");
            r[4] = text("YES");
            r[5] = text("NO");
            r[6] = msTimestamp(t->meta, "creationTime");
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
            r[10] = text(t->partitioning && t->partitioning->column == static_cast<int>(i) ? "YES" : "NO");
            if (const auto at = clusteringPosition(*t, f.name)) r[11] = Value::int64(*at);
            if (!f.collation.empty()) r[12] = text(f.collation);
            out->rows.push_back(std::move(r));
        }
    }
    return out;
}

} // namespace quarry::sandbox
