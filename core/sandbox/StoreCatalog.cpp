// SPDX-License-Identifier: MIT
// The Store's catalog: datasets and table resources (insert, get, list, patch, delete).
#include "sandbox/JsonFields.h"
#include "sandbox/Store.h"
#include "sandbox/StoreNames.h"
#include "sandbox/Partitioning.h"
#include "sandbox/History.h"
#include "sandbox/Snapshots.h"
#include "sandbox/TableFiles.h"
#include "sandbox/SegmentFile.h"

#include "sandbox/sql/Bytes.h"
#include "sandbox/sql/MemoryBudget.h"
#include "value/Text.h"

#include <algorithm>
#include <cctype>
#include <iostream>

namespace quarry::sandbox {
using namespace store;
namespace {

bool validDatasetId(const std::string& s) {
    return !s.empty() && s.size() <= 1024 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

std::string str(const Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}


// A patch may add fields and relax REQUIRED to NULLABLE; nothing else.
void checkSchemaChange(const std::vector<Field>& oldF, const std::vector<Field>& newF, const std::string& prefix) {
    for (const auto& o : oldF) {
        const auto it = std::find_if(newF.begin(), newF.end(), [&](const Field& n) { return n.name == o.name; });
        const std::string path = prefix + o.name;
        if (it == newF.end())
            throw ApiFailure("invalid", "Provided Schema does not match Table. Field " + path + " is missing in new schema");
        if (it->type != o.type)
            throw ApiFailure("invalid", "Provided Schema does not match Table. Field " + path + " has changed type from " +
                                            std::string(legacyTypeName(o.type)) + " to " +
                                            std::string(legacyTypeName(it->type)));
        if (it->mode != o.mode && !(o.mode == Mode::Required && it->mode == Mode::Nullable))
            throw ApiFailure("invalid", "Provided Schema does not match Table. Field " + path + " has changed mode from " +
                                            std::string(modeName(o.mode)) + " to " + std::string(modeName(it->mode)));
        if (o.isRecord()) checkSchemaChange(o.fields, it->fields, path + ".");
    }
    for (const auto& n : newF) {
        const bool existed = std::any_of(oldF.begin(), oldF.end(), [&](const Field& o) { return o.name == n.name; });
        if (!existed && n.mode == Mode::Required)
            throw ApiFailure("invalid", "Provided Schema does not match Table. Cannot add required field " + prefix + n.name);
    }
}

/// Labels in a patch merge key by key: a value sets the label, null removes it (bq update
/// --set_label / --clear_label); null for the whole object removes them all.
void patchLabels(Json& meta, const Json& patch) {
    const auto it = patch.find("labels");
    if (it == patch.end()) return;
    if (it->is_null()) {
        meta.erase("labels");
        return;
    }
    if (!it->is_object()) throw ApiFailure("invalid", "labels must be an object of strings", "labels");
    Json labels = meta.contains("labels") && meta["labels"].is_object() ? meta["labels"] : Json::object();
    for (const auto& [k, v] : it->items()) {
        if (v.is_null()) labels.erase(k);
        else if (v.is_string()) labels[k] = v;
        else throw ApiFailure("invalid", "The value of label " + k + " must be a string", "labels");
    }
    if (labels.empty()) meta.erase("labels");
    else meta["labels"] = labels;
}

Schema schemaFrom(const Json& body) {
    try {
        auto s = Schema::fromJson(objectField(body, "schema"));
        checkNoReservedNames(s.fields);
        return s;
    } catch (const SchemaError& e) {
        throw ApiFailure("invalid", e.what(), "schema");
    }
}

} // namespace

Dataset& Store::datasetRef(const std::string& p, const std::string& d) {
    auto pit = projects_.find(p);
    if (pit != projects_.end()) {
        auto it = pit->second.find(d);
        if (it != pit->second.end()) return it->second;
    }
    throw ApiFailure("notFound", "Not found: Dataset " + p + ":" + d);
}

const Dataset& Store::datasetRef(const std::string& p, const std::string& d) const {
    return const_cast<Store*>(this)->datasetRef(p, d);
}

namespace {

/// A dataset's maxTimeTravelHours as BigQuery allows it (History.h): 48 to 168, in whole
/// days; stored as the string the API returns.
std::string timeTravelHours(const Json& v) {
    std::int64_t h = -1;
    if (v.is_number_integer()) h = v.get<std::int64_t>();
    if (v.is_string()) {
        const auto& text = v.get_ref<const std::string&>();
        if (!text.empty() && text.size() < 6 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
            h = std::stoll(text);
    }
    if (h < 48 || h > 168 || h % 24 != 0)
        throw ApiFailure("invalid", "Invalid maxTimeTravelHours " + v.dump() + ": the time travel window is 48 to 168 hours (2 to 7 days), in whole days",
                         "maxTimeTravelHours");
    return std::to_string(h);
}

} // namespace

Json Store::insertDataset(const std::string& project, const Json& body) {
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    if (!body.is_object()) throw ApiFailure("invalid", "Dataset resource must be a JSON object");
    const std::string hours = body.contains("maxTimeTravelHours") && !body["maxTimeTravelHours"].is_null()
                                  ? timeTravelHours(body["maxTimeTravelHours"])
                                  : "168";
    const auto ref = objectField(body, "datasetReference");
    const std::string id = str(ref, "datasetId");
    if (!validDatasetId(id))
        throw ApiFailure("invalid", "Invalid dataset ID \"" + id +
                                        "\". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.",
                         "datasetReference.datasetId");
    checkFolderFits("Project", project, "datasetReference.projectId");
    checkFolderFits("Dataset", id, "datasetReference.datasetId");
    std::unique_lock lock(mutex_);
    auto& datasets = projects_[project];
    if (datasets.count(id)) throw ApiFailure("duplicate", "Already Exists: Dataset " + project + ":" + id);
    checkNotDamaged(datasetDir(project, id), "Dataset " + project + ":" + id);
    Dataset ds;
    ds.project = project;
    ds.id = id;
    ds.meta = body;
    ds.meta["maxTimeTravelHours"] = hours;
    const auto now = std::to_string(nowMs());
    ds.meta["kind"] = "bigquery#dataset";
    ds.meta["id"] = project + ":" + id;
    ds.meta["datasetReference"] = {{"projectId", project}, {"datasetId", id}};
    if (!ds.meta.contains("location") || !ds.meta["location"].is_string()) ds.meta["location"] = "US";
    ds.meta["creationTime"] = now;
    ds.meta["lastModifiedTime"] = now;
    ds.meta.erase("etag");
    ds.meta["etag"] = etagOf(ds.meta);
    writeFileAtomic(datasetDir(project, id) / "dataset.json", ds.meta.dump());
    auto meta = ds.meta;
    datasets[id] = std::move(ds);
    return meta;
}

Json Store::getDataset(const std::string& p, const std::string& d) const {
    std::shared_lock lock(mutex_);
    return datasetRef(p, d).meta;
}

std::vector<Json> Store::listDatasets(const std::string& p, bool hidden) const {
    std::shared_lock lock(mutex_);
    std::vector<Json> out;
    const auto it = projects_.find(p);
    if (it == projects_.end()) return out;
    for (const auto& [id, ds] : it->second) {
        if (!hidden && id.starts_with("_")) continue;
        Json e = {{"kind", "bigquery#dataset"}, {"id", ds.meta["id"]}, {"datasetReference", ds.meta["datasetReference"]},
                  {"location", ds.meta["location"]}};
        for (const char* k : {"friendlyName", "labels"})
            if (ds.meta.contains(k)) e[k] = ds.meta[k];
        out.push_back(std::move(e));
    }
    return out;
}

Json Store::patchDataset(const std::string& p, const std::string& d, const Json& patch) {
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    if (patch.contains("maxTimeTravelHours"))
        ds.meta["maxTimeTravelHours"] = patch["maxTimeTravelHours"].is_null() ? "168" : timeTravelHours(patch["maxTimeTravelHours"]);
    for (const char* k : {"friendlyName", "description", "defaultTableExpirationMs", "access"})
        if (patch.contains(k)) {
            if (patch[k].is_null()) ds.meta.erase(k);
            else ds.meta[k] = patch[k];
        }
    patchLabels(ds.meta, patch);
    ds.meta["lastModifiedTime"] = std::to_string(nowMs());
    ds.meta.erase("etag");
    ds.meta["etag"] = etagOf(ds.meta);
    writeFileAtomic(datasetDir(p, d) / "dataset.json", ds.meta.dump());
    return ds.meta;
}

void Store::deleteDataset(const std::string& p, const std::string& d, bool deleteContents) {
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    if ((!ds.tables.empty() || !ds.routines.empty()) && !deleteContents)
        throw ApiFailure("resourceInUse", "Dataset " + p + ":" + d +
                                              " is still in use. Delete its tables first or use deleteContents=true.");
    for (const auto& [_, t] : ds.tables) {
        std::unique_lock tl(t->mutex);
        t->dropped = true;
        if (platform::openFilesPinFolders()) t->onDisk.reset(); // its segment file closed before its folder goes
    }
    std::filesystem::remove(datasetDir(p, d) / "dataset.json"); // the catalog entry goes first
    std::error_code ec;
    std::filesystem::remove_all(datasetDir(p, d), ec);
    projects_[p].erase(d);
}

std::string Store::datasetLocation(const std::string& p, const std::string& d) const {
    std::shared_lock lock(mutex_);
    return datasetRef(p, d).meta.value("location", std::string("US"));
}

Json Store::tableResource(const Table& t) const {
    Json r = t.meta;
    std::uint64_t bytes = 0;
    for (const auto b : sql::columnBytes(t)) bytes += b;
    const auto* groups = t.groupsToRead();
    r["numRows"] = std::to_string(groups ? groups->rowCount() : t.rows.size());
    r["numBytes"] = std::to_string(bytes);
    r["numLongTermBytes"] = "0";
    r["etag"] = etagOf(r);
    return r;
}

void Store::saveTable(const Table& t) {
    writeFileAtomic(tableDir(t.project, t.dataset, t.id) / "table.json", t.meta.dump());
}

std::shared_ptr<Table> Store::newTable(const std::string& p, const Dataset& ds, const std::string& id, const Json& body,
                                       const Schema& schema) {
    auto t = std::make_shared<Table>();
    t->cacheColumns = true; // lives in the catalog between queries
    t->project = p;
    t->dataset = ds.id;
    t->id = id;
    t->schema = schema;
    t->meta = body;
    const auto now = std::to_string(nowMs());
    t->meta["kind"] = "bigquery#table";
    t->meta["id"] = p + ":" + ds.id + "." + id;
    t->meta["tableReference"] = {{"projectId", p}, {"datasetId", ds.id}, {"tableId", id}};
    t->meta["schema"] = schema.toJson();
    // SNAPSHOT: a table snapshot (Snapshots.h), made only with its snapshotDefinition.
    t->meta["type"] = body.contains("view")                                                     ? "VIEW"
                      : body.value("type", std::string()) == "SNAPSHOT" && body.contains("snapshotDefinition") ? "SNAPSHOT"
                                                                                                : "TABLE";
    t->meta["creationTime"] = now;
    t->meta["lastModifiedTime"] = now;
    t->meta["location"] = ds.meta.value("location", std::string("US"));
    t->meta.erase("etag");
    if (t->meta["type"] != "VIEW") applyPartitioning(*t, true);
    return t;
}

Json Store::insertTable(const std::string& p, const std::string& d, const Json& body) {
    if (!body.is_object()) throw ApiFailure("invalid", "Table resource must be a JSON object");
    const auto ref = objectField(body, "tableReference");
    const std::string id = str(ref, "tableId");
    if (!validTableId(id)) throw ApiFailure("invalid", "Invalid table ID \"" + id + "\".", "tableReference.tableId");
    checkFolderFits("Table", id, "tableReference.tableId");
    const Schema schema = schemaFrom(body);
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    if (ds.tables.count(id)) throw ApiFailure("duplicate", "Already Exists: Table " + p + ":" + d + "." + id);
    checkNotDamaged(tableDir(p, d, id), "Table " + p + ":" + d + "." + id);
    auto t = newTable(p, ds, id, body, schema);
    t->log = std::make_shared<RowLog>(logFile(tableDir(p, d, id), 0));
    saveTable(*t);
    ds.tables[id] = t;
    return tableResource(*t);
}

std::shared_ptr<Table> Store::table(const std::string& p, const std::string& d, const std::string& id) const {
    std::shared_lock lock(mutex_);
    auto found = findTable(p, d, id);
    lock.unlock();
    found->lastUsedMs.store(nowMs(), std::memory_order_relaxed);
    if (!found->rowsLoaded.load(std::memory_order_acquire)) loadRows(found);
    return found;
}

std::shared_ptr<Table> Store::tableToRead(const std::string& p, const std::string& d, const std::string& id) const {
    std::shared_lock lock(mutex_);
    auto found = findTable(p, d, id);
    lock.unlock();
    found->lastUsedMs.store(nowMs(), std::memory_order_relaxed);
    // Partitioned and clustered tables are read whole: what they bill is counted from their rows.
    auto plain = [&] {
        std::shared_lock tl(found->mutex);
        return !found->partitioning && found->clusterColumns.empty() && !found->dropped;
    };
    if (!found->rowsLoaded.load(std::memory_order_acquire) && !found->isView() && plain()) {
        std::lock_guard once(found->loadMutex); // loadRows sets onDisk aside under it
        if (found->rowsLoaded.load(std::memory_order_acquire)) return found;
        {
            std::shared_lock tl(found->mutex);
            if (found->groupsToRead()) return found;
        }
        const auto dir = tableDir(p, d, id);
        if (SegmentFile::fileBytes(dir) > 0) { // how large it would be in memory is read from its groups' heads
            std::string why;
            std::shared_ptr<SegmentFile> groups;
            try {
                const sql::MemoryBudgetPause pause; // the table's index, not the query's memory
                std::shared_lock tl(found->mutex);
                groups = SegmentFile::open(dir, found->storedSchema(), found->version, why);
            } catch (const std::exception& e) {
                why = e.what(); // loadRows below finds the damage again and sets the table aside
            }
            if (groups && groups->valueBytes() > o_.scanInPlaceBytes) {
                std::unique_lock tl(found->mutex);
                found->onDisk = std::move(groups);
                return found;
            }
        }
    }
    if (!found->rowsLoaded.load(std::memory_order_acquire)) loadRows(found);
    if (o_.testGroupRows > 0 && !found->isView()) {
        std::unique_lock tl(found->mutex);
        const sql::MemoryBudgetPause pause;
        if (!found->partitioning && found->clusterColumns.empty() && !found->groupsToRead())
            found->onDisk = std::make_shared<GroupsInMemory>(found->rows, found->storedSchema(), found->version, o_.testGroupRows);
    }
    return found;
}

std::shared_ptr<Table> Store::findTable(const std::string& p, const std::string& d, const std::string& id) const {
    const auto pit = projects_.find(p);
    if (pit != projects_.end()) {
        const auto dit = pit->second.find(d);
        if (dit == pit->second.end()) throw ApiFailure("notFound", "Not found: Dataset " + p + ":" + d);
        const auto it = dit->second.tables.find(id);
        if (it != dit->second.tables.end()) return it->second;
    } else {
        throw ApiFailure("notFound", "Not found: Dataset " + p + ":" + d);
    }
    if (const auto it = damaged_.find(tableDir(p, d, id).string()); it != damaged_.end())
        throw ApiFailure("notFound", "Not found: Table " + p + ":" + d + "." + id + " " + it->second);
    throw ApiFailure("notFound", "Not found: Table " + p + ":" + d + "." + id);
}

void Store::loadRows(const std::shared_ptr<Table>& t) const {
    std::lock_guard once(t->loadMutex);
    if (t->rowsLoaded.load(std::memory_order_acquire)) return;
    const auto dir = tableDir(t->project, t->dataset, t->id);
    if (t->dropped) // another caller found it damaged a moment ago
        throw ApiFailure("notFound", "Not found: Table " + t->project + ":" + t->dataset + "." + t->id);
    // Reading the table is not the query's work: its memory budget must not stop it half-way.
    const sql::MemoryBudgetPause pause;
    std::vector<std::string> notes;
    std::string damage;
    {
        std::unique_lock tl(t->mutex);
        auto reset = [&] {
            t->rows = {};
            t->insertIds.clear();
            t->insertIdOrder.clear();
            t->commits = {};
            t->log.reset();
            t->segments.reset();
            t->checkpointedRows = 0;
            t->logGen = 0;
        };
        t->onDisk.reset(); // the rows are read here now
        try {
            loadTableRows(*t, dir, nowMs() - o_.dedupWindow.count(), notes);
            t->rowsLoaded.store(true, std::memory_order_release);
        } catch (const std::bad_alloc&) {
            reset(); // out of memory is not damage: the next use tries again
            throw;
        } catch (const std::exception& e) {
            damage = e.what();
            t->rows.clear();
            t->rows.shrink_to_fit();
            t->dropped = true;
        }
    }
    for (const auto& n : notes) std::cerr << "quarry-sandbox: " << n << std::endl;
    if (damage.empty()) return;
    std::cerr << "quarry-sandbox: DAMAGED: " << dir.string() << " could not be loaded (" << damage
              << "); it is left as it is and out of service. Move it away to use its name again." << std::endl;
    {
        // The same as a table load() finds damaged: out of the catalog, its name kept out of use.
        auto& self = const_cast<Store&>(*this); // the catalog changes; the caller only asked for a table
        std::unique_lock lock(self.mutex_);
        self.damaged_[dir.string()] =
            "is damaged on disk (it could not be loaded); move that folder away to use the name again";
        const auto pit = self.projects_.find(t->project);
        if (pit != self.projects_.end())
            if (const auto dit = pit->second.find(t->dataset); dit != pit->second.end())
                if (const auto it = dit->second.tables.find(t->id); it != dit->second.tables.end() && it->second == t)
                    dit->second.tables.erase(it);
    }
    throw ApiFailure("notFound", "Not found: Table " + t->project + ":" + t->dataset + "." + t->id +
                                     " is damaged on disk (it could not be loaded); move that folder away to use the name again");
}

Json Store::getTable(const std::string& p, const std::string& d, const std::string& id) const {
    // t@<ms>: the table as it was then (its rows and schema), as bq head 't@...' reads it. A
    // large table's size comes from its row groups' heads, its rows left on disk.
    const auto t = id.find('@') == std::string::npos ? tableToRead(p, d, id) : tableOrVersion(p, d, id).first;
    std::shared_lock lock(t->mutex);
    return tableResource(*t);
}

std::vector<Json> Store::listTables(const std::string& p, const std::string& d) const {
    std::shared_lock lock(mutex_);
    std::vector<Json> out;
    for (const auto& [id, t] : datasetRef(p, d).tables) {
        std::shared_lock tl(t->mutex);
        Json e = {{"kind", "bigquery#table"}, {"id", t->meta["id"]}, {"tableReference", t->meta["tableReference"]},
                  {"type", t->meta["type"]}, {"creationTime", t->meta["creationTime"]}};
        for (const char* k : {"friendlyName", "labels", "expirationTime"})
            if (t->meta.contains(k)) e[k] = t->meta[k];
        out.push_back(std::move(e));
    }
    return out;
}

Json Store::patchTable(const std::string& p, const std::string& d, const std::string& id, const Json& patch) {
    auto t = table(p, d, id);
    std::unique_lock lock(t->mutex);
    if (patch.contains("schema") && !patch["schema"].is_null()) { // bq update sends "schema": null for no change
        const Schema next = schemaFrom(patch);
        checkSchemaChange(t->schema.fields, next.fields, "");
        const Schema before = t->storedSchema();
        t->schema = next;
        const Schema after = t->storedSchema(); // the hidden partition time stays last
        for (auto& row : t->rows) row = relayoutRow(row, before.fields, after.fields);
        ++t->schemaVersion;
        t->meta["schema"] = next.toJson();
    }
    for (const char* k : {"friendlyName", "description", "expirationTime", "requirePartitionFilter"})
        if (patch.contains(k)) {
            if (patch[k].is_null()) t->meta.erase(k);
            else t->meta[k] = patch[k];
        }
    patchLabels(t->meta, patch);
    applyPartitioning(*t, false);
    t->meta["lastModifiedTime"] = std::to_string(nowMs());
    ++t->version;
    saveTable(*t);
    return tableResource(*t);
}

void Store::deleteTable(const std::string& p, const std::string& d, const std::string& id, const Table* only) {
    namespace fs = std::filesystem;
    const sql::MemoryBudgetPause commit; // a query's budget must not fail a commit half-way
    const auto window = timeTravelWindowMs(p, d);
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    if (!ds.tables.count(id)) throw ApiFailure("notFound", "Not found: Table " + p + ":" + d + "." + id);
    if (only && ds.tables.at(id).get() != only) return; // replaced meanwhile: not the table meant
    const auto dir = tableDir(p, d, id);
    // Under the catalog's lock only what frees the name: the catalog entry goes first (no half
    // table on restart), then the folder moves aside. Keeping its versions (links and syncs)
    // and removing its files come after, while other requests go on.
    static std::atomic<std::uint64_t> drops{0};
    const auto t = ds.tables.at(id);
    fs::path aside = dir;
    bool view = false;
    {
        std::unique_lock tl(t->mutex);
        t->dropped = true;
        if (platform::openFilesPinFolders()) t->onDisk.reset(); // its segment file closed before its folder moves
        view = t->meta.value("type", std::string()) == "VIEW";
        std::error_code ec;
        fs::remove(dir / "table.json", ec);
        const fs::path moved = dir.string() + "." + std::to_string(++drops) + kDropping;
        fs::rename(dir, moved, ec);
        if (!ec) aside = moved;
    }
    ds.tables.erase(id);
    if (aside == dir) { // could not move it aside: it goes now, under the lock, unkept
        std::cerr << "quarry-sandbox: the dropped table " << p << ":" << d << "." << id
                  << " could not be moved aside, so it is not kept for time travel" << std::endl;
        std::error_code ec;
        fs::remove_all(dir, ec);
        return;
    }
    lock.unlock();
    // It stays restorable within the window (bq cp 'd.t@<ms>'): its versions go to the
    // dataset's deleted tables (History.h). A failure here does not stop the drop.
    if (!view) {
        std::lock_guard cl(t->checkpointMutex);
        std::shared_lock tl(t->mutex);
        try {
            keepDeletedTable(*t, aside, dir.filename(), nowMs(), window);
        } catch (const std::exception& e) {
            std::cerr << "quarry-sandbox: the dropped table " << p << ":" << d << "." << id
                      << " could not be kept for time travel: " << e.what() << std::endl;
        }
    }
    std::error_code ec;
    fs::remove_all(aside, ec);
}


} // namespace quarry::sandbox
