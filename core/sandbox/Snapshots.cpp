// SPDX-License-Identifier: MIT
#include "sandbox/Snapshots.h"

#include "sandbox/Partitioning.h"
#include "sandbox/sql/Bytes.h"
#include "value/Civil.h"

#include <charconv>

namespace quarry::sandbox {

namespace {

Json tableReference(const Table& t) { return {{"projectId", t.project}, {"datasetId", t.dataset}, {"tableId", t.id}}; }

} // namespace

void checkNotSnapshot(const Table& t) {
    if (t.meta.value("type", std::string()) == "SNAPSHOT")
        throw ApiFailure("invalid", "Table " + t.project + ":" + t.dataset + "." + t.id +
                                        " is a table snapshot, which cannot be changed. Make a clone of it "
                                        "(CREATE TABLE ... CLONE) to get a table you can change.");
}

Copied putCopyOf(Store& store, const Table& base, std::int64_t ms, CopyOf kind, const std::string& p, const std::string& d,
               const std::string& id, bool replace, Json extra) {
    const std::string name = base.project + ":" + base.dataset + "." + base.id;
    if (base.isView())
        throw ApiFailure("invalid", "Using table " + name +
                                        " is not allowed for this operation because of its type. Try using a different table that is of type TABLE.");
    Schema schema;
    std::vector<Value> rows;
    Json spec;
    {
        std::shared_lock lock(base.mutex);
        schema = base.schema;
        rows = base.rows;
        spec = partitionSpec(base);
    }
    Copied copied{rows.size(), 0};
    for (const auto& r : rows) copied.bytes += sql::rowBytes(r, schema.fields);
    for (auto it = extra.begin(); extra.is_object() && it != extra.end(); ++it) spec[it.key()] = it.value();
    const std::string at = civil::formatTimestampRfc3339(ms * 1000);
    if (kind == CopyOf::Snapshot) {
        spec["type"] = "SNAPSHOT";
        spec["snapshotDefinition"] = {{"baseTableReference", tableReference(base)}, {"snapshotTime", at}};
    } else if (kind == CopyOf::Clone) {
        spec["cloneDefinition"] = {{"baseTableReference", tableReference(base)}, {"cloneTime", at}};
    }
    if (replace) {
        try {
            checkNotSnapshot(*store.table(p, d, id));
        } catch (const ApiFailure& e) {
            if (e.reason() != "notFound") throw;
        }
    }
    store.putTable(p, d, id, schema, std::move(rows), replace, spec);
    return copied;
}

std::pair<std::string, std::optional<std::int64_t>> splitSnapshotDecorator(const std::string& id, std::int64_t nowMs) {
    const auto at = id.find('@');
    if (at == std::string::npos) return {id, std::nullopt};
    const std::string text = id.substr(at + 1);
    std::int64_t ms = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throw ApiFailure("invalid", "Invalid snapshot decorator @" + text + " of table " + id.substr(0, at) +
                                        ": write @<ms since the epoch>, or @-<ms before now>");
    if (ms == 0)
        throw ApiFailure("invalid", "The snapshot decorator @0 of table " + id.substr(0, at) +
                                        " is not supported by the sandbox: write @<ms since the epoch>, or @-<ms before now>");
    if (ms < 0) ms = ms < -nowMs ? 0 : nowMs + ms; // relative: that long before now
    return {id.substr(0, at), ms};
}

} // namespace quarry::sandbox
