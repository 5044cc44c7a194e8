// SPDX-License-Identifier: MIT
// Copy jobs: tables copied (or appended) into another, all or nothing.
#include "sandbox/LoadJob.h"

#include "sandbox/JsonFields.h"
#include "sandbox/Partitioning.h"
#include "sandbox/Snapshots.h"
#include "value/Civil.h"
#include "sandbox/sql/Bytes.h"

namespace quarry::sandbox {

Json runCopy(Store& store, const std::string& project, const Json& cfg) {
    const std::string op = stringField(cfg, "operationType").empty() ? "COPY" : stringField(cfg, "operationType");
    if (op != "COPY" && op != "SNAPSHOT" && op != "CLONE" && op != "RESTORE")
        throw ApiFailure("invalid", "Invalid operationType: " + op + " (COPY, SNAPSHOT, CLONE or RESTORE)", "configuration.copy.operationType");
    const auto ref = [&](const Json& j, const char* what) {
        const std::string p = stringField(j, "projectId").empty() ? project : stringField(j, "projectId");
        const std::string d = stringField(j, "datasetId"), t = stringField(j, "tableId");
        if (d.empty() || t.empty())
            throw ApiFailure("invalid", std::string("Required parameter is missing: ") + what, std::string("configuration.copy.") + what);
        return std::array<std::string, 3>{p, d, t};
    };
    std::vector<std::array<std::string, 3>> sources;
    for (const auto& s : arrayField(cfg, "sourceTables")) sources.push_back(ref(s, "sourceTables"));
    if (cfg.contains("sourceTable")) sources.push_back(ref(objectField(cfg, "sourceTable"), "sourceTable"));
    if (sources.empty()) throw ApiFailure("invalid", "Required parameter is missing: sourceTable", "configuration.copy.sourceTable");
    const auto [p, d, t] = ref(objectField(cfg, "destinationTable"), "destinationTable");
    const std::string name = p + ":" + d + "." + t;
    const std::string write = stringField(cfg, "writeDisposition").empty() ? "WRITE_EMPTY" : stringField(cfg, "writeDisposition");
    const std::string create = stringField(cfg, "createDisposition").empty() ? "CREATE_IF_NEEDED" : stringField(cfg, "createDisposition");
    if (write != "WRITE_APPEND" && write != "WRITE_TRUNCATE" && write != "WRITE_EMPTY")
        throw ApiFailure("invalid", "Invalid writeDisposition: " + write, "configuration.copy.writeDisposition");

    // A source may name a time ("t@1700000000000", "t@-3600000"): that version of the table,
    // within the time-travel window, also of a table dropped since (restoring it).
    const auto source = [&](const std::array<std::string, 3>& s) { return store.tableOrVersion(s[0], s[1], s[2], true); };
    if (op != "COPY") {
        // A snapshot, a clone, or a table restored from a snapshot: one source, made anew
        // (WRITE_TRUNCATE replaces a table that is not a snapshot).
        if (sources.size() != 1)
            throw ApiFailure("invalid", "A copy job of operationType " + op + " takes exactly one source table", "configuration.copy.sourceTables");
        const auto [base, at] = source(sources[0]);
        if (op == "RESTORE" && base->meta.value("type", std::string()) != "SNAPSHOT")
            throw ApiFailure("invalid", "operationType RESTORE copies a table snapshot, and " + base->project + ":" + base->dataset + "." +
                                            base->id + " is not one; use operationType COPY or CLONE");
        store.getDataset(p, d);
        bool exists = true;
        try {
            store.table(p, d, t);
        } catch (const ApiFailure& e) {
            if (e.reason() != "notFound") throw;
            exists = false;
        }
        if (exists && (op == "SNAPSHOT" || write != "WRITE_TRUNCATE")) throw ApiFailure("duplicate", "Already Exists: Table " + name);
        if (!exists && create == "CREATE_NEVER") throw ApiFailure("notFound", "Not found: Table " + name);
        Json extra = Json::object();
        if (const auto expires = stringField(cfg, "destinationExpirationTime"); !expires.empty()) {
            const auto micros = civil::parseTimestampText(expires);
            if (!micros) throw ApiFailure("invalid", "Invalid destinationExpirationTime: " + expires, "configuration.copy.destinationExpirationTime");
            extra["expirationTime"] = std::to_string(*micros / 1000);
        }
        const auto copied = putCopyOf(store, *base, at, op == "SNAPSHOT" ? CopyOf::Snapshot : op == "CLONE" ? CopyOf::Clone : CopyOf::Restore,
                                      p, d, t, exists, extra);
        return {{"copiedRows", std::to_string(copied.rows)}, {"copiedLogicalBytes", std::to_string(copied.bytes)}};
    }

    // Every source read at one moment each (a consistent snapshot per table).
    Schema schema;
    Json spec;
    std::vector<Value> rows;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        const auto& [sp, sd, st] = sources[i];
        const auto src = source(sources[i]).first;
        if (src->isView())
            throw ApiFailure("invalid", "Using table " + sp + ":" + sd + "." + st +
                                            " is not allowed for this operation because of its type. Try using a different table that is of type TABLE.");
        std::shared_lock l(src->mutex);
        if (i == 0) {
            schema = src->schema;
            // A table made by the copy is partitioned and clustered as its source, and rows
            // copied between ingestion-time partitioned tables keep their partitions.
            spec = partitionSpec(*src);
        }
        else if (!sameShape(schema.fields, src->schema.fields))
            throw ApiFailure("invalid", "Incompatible table schemas: " + sp + ":" + sd + "." + st + " does not have the schema of " +
                                            sources[0][0] + ":" + sources[0][1] + "." + sources[0][2] + ".");
        rows.insert(rows.end(), src->rows.begin(), src->rows.end());
    }
    std::uint64_t bytes = 0;
    for (const auto& r : rows) bytes += sql::rowBytes(r, schema.fields);
    const std::size_t count = rows.size();

    store.getDataset(p, d);
    std::shared_ptr<Table> dest;
    try {
        dest = store.table(p, d, t);
    } catch (const ApiFailure& e) {
        if (e.reason() != "notFound") throw;
    }
    if (!dest) {
        if (create == "CREATE_NEVER") throw ApiFailure("notFound", "Not found: Table " + name);
        store.putTable(p, d, t, schema, std::move(rows), false, spec);
    } else if (dest->isView()) {
        throw ApiFailure("invalid", "Cannot copy into " + name + ": it is a view.");
    } else if (write == "WRITE_TRUNCATE") {
        store.putTable(p, d, t, schema, std::move(rows), true, spec);
    } else {
        {
            std::shared_lock l(dest->mutex);
            if (write == "WRITE_EMPTY" && !dest->rows.empty()) throw ApiFailure("duplicate", "Already Exists: Table " + name);
            if (!sameShape(schema.fields, dest->schema.fields))
                throw ApiFailure("invalid", "Provided Schema does not match Table " + name + ".");
        }
        store.appendValues(*dest, std::move(rows));
    }
    return {{"copiedRows", std::to_string(count)}, {"copiedLogicalBytes", std::to_string(bytes)}};
}

} // namespace quarry::sandbox
