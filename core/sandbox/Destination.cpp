// SPDX-License-Identifier: MIT
// The table a load or query job writes: found with its dispositions and partition decorator,
// then written all or nothing (loads, and configuration.query.destinationTable).
#include "sandbox/LoadJob.h"

#include "sandbox/JsonFields.h"
#include "sandbox/Partitioning.h"

namespace quarry::sandbox {

void checkNoDestination(const Json& query, bool script, bool statement) {
    if (objectField(query, "destinationTable").empty()) return;
    if (script) throw ApiFailure("invalid", "configuration.query.destinationTable cannot be set for scripts", "configuration.query.destinationTable");
    if (statement)
        throw ApiFailure("invalid", "Cannot set destination table in jobs with DML or DDL statements: the statement names its table itself.",
                         "configuration.query.destinationTable");
}

Destination resolveDestination(Store& store, const std::string& project, const Json& cfg, const std::string& kind,
                               const std::string& defaultWrite, const std::string& verb) {
    const std::string where = "configuration." + kind + ".";
    const Json dest = objectField(cfg, "destinationTable");
    Destination out;
    out.project = stringField(dest, "projectId").empty() ? project : stringField(dest, "projectId");
    out.dataset = stringField(dest, "datasetId");
    const std::string id = stringField(dest, "tableId");
    if (out.dataset.empty() || id.empty())
        throw ApiFailure("invalid", "Required parameter is missing: destinationTable", where + "destinationTable");
    std::tie(out.id, out.decorator) = splitDecorator(id);
    out.name = out.project + ":" + out.dataset + "." + id;
    out.write = stringField(cfg, "writeDisposition").empty() ? defaultWrite : stringField(cfg, "writeDisposition");
    out.create = stringField(cfg, "createDisposition").empty() ? "CREATE_IF_NEEDED" : stringField(cfg, "createDisposition");
    if (out.write != "WRITE_APPEND" && out.write != "WRITE_TRUNCATE" && out.write != "WRITE_EMPTY")
        throw ApiFailure("invalid", "Invalid writeDisposition: " + out.write, where + "writeDisposition");
    if (out.create != "CREATE_IF_NEEDED" && out.create != "CREATE_NEVER")
        throw ApiFailure("invalid", "Invalid createDisposition: " + out.create, where + "createDisposition");
    store.getDataset(out.project, out.dataset); // notFound for a missing dataset
    try {
        out.table = store.table(out.project, out.dataset, out.id);
    } catch (const ApiFailure& e) {
        if (e.reason() != "notFound") throw;
    }
    if (out.table && out.table->isView()) throw ApiFailure("invalid", "Cannot " + verb + " " + out.name + ": it is a view.");
    if (!out.table && (out.create == "CREATE_NEVER" || !out.decorator.empty()))
        throw ApiFailure("notFound", "Not found: Table " + out.project + ":" + out.dataset + "." + out.id);
    if (!out.decorator.empty()) {
        std::shared_lock l(out.table->mutex);
        out.partition = partitionOfDecorator(*out.table, out.decorator);
    }
    return out;
}

Json createProperties(const Json& cfg) {
    Json extra = Json::object();
    for (const char* k : {"timePartitioning", "rangePartitioning", "clustering"})
        if (cfg.contains(k) && cfg[k].is_object()) extra[k] = cfg[k];
    const auto props = objectField(cfg, "destinationTableProperties");
    for (const char* k : {"description", "friendlyName", "labels"})
        if (props.contains(k)) extra[k] = props[k];
    return extra;
}

void writeDestination(Store& store, const Destination& dest, const Schema& schema, std::vector<Value> rows,
                      const Json& newTable, bool addFields) {
    const auto& [p, d, base, decorator, name, write, create, table, partition] = dest;
    if (!table) {
        store.putTable(p, d, base, schema, std::move(rows), false, newTable);
        return;
    }
    std::uint64_t version;
    bool sameSchema, occupied = false;
    std::vector<Value> kept; // WRITE_TRUNCATE of a partition: the other partitions' rows
    Json spec;
    {
        std::shared_lock l(table->mutex);
        version = table->version;
        sameSchema = sameShape(schema.fields, table->schema.fields);
        spec = partitionSpec(*table);
        if (partition) {
            // Every row must be the partition's (a table partitioned by ingestion time: they
            // are put there), in the table's own layout.
            if (!sameSchema) throw ApiFailure("invalid", "Rows written to the partition " + name + " must have the table's schema.");
            fitStoredRows(*table, rows, *partition);
            for (const auto& r : rows)
                if (!inPartition(*table, r, *partition))
                    throw ApiFailure("invalid", "Some rows belong to different partitions rather than destination partition " + decorator);
            for (const auto& r : table->rows) {
                const bool here = inPartition(*table, r, *partition);
                occupied = occupied || here;
                if (!here && write == "WRITE_TRUNCATE") kept.push_back(r);
            }
        } else {
            occupied = !table->rows.empty();
        }
    }
    if (write == "WRITE_TRUNCATE") {
        if (partition) { // the other partitions as they were, this one replaced, at once
            std::move(rows.begin(), rows.end(), std::back_inserter(kept));
            store.replaceRows(*table, version, std::move(kept));
        } else if (sameSchema) {
            store.replaceRows(*table, version, std::move(rows));
        } else { // the new schema replaces the table's; its partitioning and clustering stay
            store.putTable(p, d, base, schema, std::move(rows), true, spec);
        }
        return;
    }
    if (write == "WRITE_EMPTY" && occupied) throw ApiFailure("duplicate", "Already Exists: Table " + name);
    if (!sameSchema) {
        if (!addFields) throw ApiFailure("invalid", "Provided Schema does not match Table " + name + ".");
        store.patchTable(p, d, base, {{"schema", schema.toJson()}});
    }
    store.appendValues(*table, std::move(rows));
}

void writeQueryDestination(Store& store, const std::string& project, const Json& q, const Schema& schema,
                           const std::vector<Value>& result) {
    if (objectField(q, "destinationTable").empty()) return;
    const Destination dest = resolveDestination(store, project, q, "query", "WRITE_EMPTY", "write query results to");
    writeDestination(store, dest, schema, std::vector<Value>(result.begin(), result.end()), createProperties(q), false);
}

} // namespace quarry::sandbox
