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

void writeQueryDestination(Store& store, const std::string& project, const Json& q, const Schema& schema,
                           const std::vector<Value>& result) {
    const Json dest = objectField(q, "destinationTable");
    if (dest.empty()) return;
    const std::string p = stringField(dest, "projectId").empty() ? project : stringField(dest, "projectId");
    const std::string d = stringField(dest, "datasetId"), id = stringField(dest, "tableId");
    if (d.empty() || id.empty())
        throw ApiFailure("invalid", "Required parameter is missing: destinationTable.tableId", "configuration.query.destinationTable");
    const std::string name = p + ":" + d + "." + id;
    const std::string write = stringField(q, "writeDisposition").empty() ? "WRITE_EMPTY" : stringField(q, "writeDisposition");
    const std::string create = stringField(q, "createDisposition").empty() ? "CREATE_IF_NEEDED" : stringField(q, "createDisposition");
    if (write != "WRITE_APPEND" && write != "WRITE_TRUNCATE" && write != "WRITE_EMPTY")
        throw ApiFailure("invalid", "Invalid writeDisposition: " + write, "configuration.query.writeDisposition");
    if (create != "CREATE_IF_NEEDED" && create != "CREATE_NEVER")
        throw ApiFailure("invalid", "Invalid createDisposition: " + create, "configuration.query.createDisposition");

    store.getDataset(p, d); // notFound for a missing dataset
    const auto [base, decorator] = splitDecorator(id);
    std::shared_ptr<Table> table;
    try {
        table = store.table(p, d, base);
    } catch (const ApiFailure& e) {
        if (e.reason() != "notFound") throw;
    }
    if (table && table->isView()) throw ApiFailure("invalid", "Cannot write query results to " + name + ": it is a view.");
    if (!table && (create == "CREATE_NEVER" || !decorator.empty()))
        throw ApiFailure("notFound", "Not found: Table " + p + ":" + d + "." + base);
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
    std::optional<std::int64_t> partition;
    std::vector<Value> kept; // WRITE_TRUNCATE of a partition: the other partitions' rows
    Json spec = Json::object();
    {
        std::shared_lock l(table->mutex);
        version = table->version;
        sameSchema = sameShape(schema.fields, table->schema.fields);
        for (const char* k : {"timePartitioning", "rangePartitioning", "clustering", "requirePartitionFilter"})
            if (table->meta.contains(k)) spec[k] = table->meta[k];
        if (!decorator.empty()) {
            partition = partitionOfDecorator(*table, decorator);
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
