// SPDX-License-Identifier: MIT
// configuration.query.destinationTable: a query's result written to a table, with BigQuery's
// create and write dispositions (default CREATE_IF_NEEDED and WRITE_EMPTY), all or nothing.
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

void writeQueryDestination(Store& store, const std::string& project, const Json& q, const Schema& schema,
                           const std::vector<Value>& result) {
    if (objectField(q, "destinationTable").empty()) return;
    const Destination dest = resolveDestination(store, project, q, "query", "WRITE_EMPTY", "write query results to");
    const auto& [p, d, base, decorator, name, write, create, table, partition] = dest;
    std::vector<Value> rows(result.begin(), result.end());

    if (!table) { // made with the job's partitioning, clustering and properties
        Json extra = Json::object();
        for (const char* k : {"timePartitioning", "rangePartitioning", "clustering"})
            if (q.contains(k) && q[k].is_object()) extra[k] = q[k];
        const Json props = objectField(q, "destinationTableProperties");
        for (const char* k : {"description", "friendlyName", "labels"})
            if (props.contains(k)) extra[k] = props[k];
        store.putTable(p, d, base, schema, std::move(rows), false, extra);
        return;
    }
    std::uint64_t version;
    bool sameSchema, occupied = false;
    std::vector<Value> kept; // WRITE_TRUNCATE of a partition: the other partitions' rows
    Json spec = Json::object();
    {
        std::shared_lock l(table->mutex);
        version = table->version;
        sameSchema = sameShape(schema.fields, table->schema.fields);
        for (const char* k : {"timePartitioning", "rangePartitioning", "clustering", "requirePartitionFilter"})
            if (table->meta.contains(k)) spec[k] = table->meta[k];
        if (partition) {
            if (!sameSchema) throw ApiFailure("invalid", "Query results written to the partition " + name + " must have the table's schema.");
            fitStoredRows(*table, rows, *partition);
            for (const auto& r : rows)
                if (!inPartition(*table, r, *partition))
                    throw ApiFailure("invalid", "Some rows belong to different partitions rather than destination partition " + decorator);
            for (const auto& r : table->rows) {
                const bool here = inPartition(*table, r, *partition);
                occupied = occupied || here;
                if (!here) kept.push_back(r);
            }
        } else {
            occupied = !table->rows.empty();
        }
    }
    if (write == "WRITE_EMPTY") {
        if (occupied) throw ApiFailure("duplicate", "Already Exists: Table " + name);
        if (!sameSchema) throw ApiFailure("invalid", "Provided Schema does not match Table " + name + ".");
        store.appendValues(*table, std::move(rows));
    } else if (write == "WRITE_APPEND") {
        if (!sameSchema) throw ApiFailure("invalid", "Provided Schema does not match Table " + name + ".");
        store.appendValues(*table, std::move(rows));
    } else if (partition) { // WRITE_TRUNCATE of one partition
        std::move(rows.begin(), rows.end(), std::back_inserter(kept));
        store.replaceRows(*table, version, std::move(kept));
    } else if (sameSchema) {
        store.replaceRows(*table, version, std::move(rows));
    } else { // the result's schema replaces the table's; its partitioning and clustering stay
        store.putTable(p, d, base, schema, std::move(rows), true, spec);
    }
}

} // namespace quarry::sandbox
