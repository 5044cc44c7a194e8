// SPDX-License-Identifier: MIT
// Routines: SQL scalar functions kept in a dataset, one JSON file each.
#include "sandbox/JsonFields.h"
#include "sandbox/sql/MemoryBudget.h"
#include "sandbox/Store.h"
#include "sandbox/sql/Udf.h"

#include <algorithm>
#include <cctype>

namespace quarry::sandbox {
namespace {

bool validRoutineId(const std::string& s) {
    return !s.empty() && s.size() <= 250 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

/// The definition a routines.insert/update body gives, checked: only SQL scalar functions.
Json definition(const Json& body) {
    if (!body.is_object()) throw ApiFailure("invalid", "Routine resource must be a JSON object");
    const std::string type = stringField(body, "routineType");
    if (type.empty()) throw ApiFailure("invalid", "routineType is required (SCALAR_FUNCTION)", "routineType");
    if (type != "SCALAR_FUNCTION")
        throw ApiFailure("invalid", "Routines of type " + type + " are not supported by the sandbox yet: it keeps SQL scalar functions (SCALAR_FUNCTION)",
                         "routineType");
    const std::string language = stringField(body, "language");
    if (!language.empty() && language != "SQL")
        throw ApiFailure("invalid", language + " functions are not supported by the sandbox yet: it runs SQL functions", "language");
    if (stringField(body, "definitionBody").empty()) throw ApiFailure("invalid", "definitionBody is required", "definitionBody");
    sql::UdfDef def;
    try {
        def = sql::udfFromRoutine(body, "f");
    } catch (const std::exception& e) {
        throw ApiFailure("invalid", std::string("Invalid routine: ") + e.what());
    }
    Json out = sql::routineFields(def);
    for (const char* k : {"description", "determinismLevel"})
        if (body.contains(k) && body[k].is_string()) out[k] = body[k];
    return out;
}

std::string routineName(const std::string& p, const std::string& d, const std::string& r) { return p + ":" + d + "." + r; }

} // namespace

void Store::loadRoutines(Dataset& ds, const std::filesystem::path& dir, std::vector<std::string>& notes) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(dir)) return;
    for (const auto& e : fs::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (!e.is_regular_file() || !name.ends_with(".json")) continue;
        try {
            const std::string id = idFromFolder(name.substr(0, name.size() - 5));
            ds.routines[id] = Json::parse(readWholeFile(e.path()));
        } catch (const std::exception& ex) {
            notes.push_back("DAMAGED: routine file " + e.path().string() + " could not be read (" + ex.what() +
                            "); it is left out. Move it away or fix it, then restart the sandbox.");
        }
    }
}

void Store::saveRoutine(Dataset& ds, const std::string& id, Json resource) {
    namespace fs = std::filesystem;
    const auto dir = datasetDir(ds.project, ds.id) / "routines";
    fs::create_directories(dir);
    writeFileAtomic(dir / (folderName(id) + ".json"), resource.dump());
    ds.routines[id] = std::move(resource);
}

Json Store::insertRoutine(const std::string& p, const std::string& d, const Json& body, bool replace) {
    const sql::MemoryBudgetPause commit;
    Json def = definition(body);
    const auto ref = body.value("routineReference", Json::object());
    const std::string id = stringField(ref, "routineId");
    if (!validRoutineId(id))
        throw ApiFailure("invalid", "Invalid routine ID \"" + id + "\". Routine IDs must be alphanumeric (plus underscores); the sandbox takes up to 250 characters (one file each).",
                         "routineReference.routineId");
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    const auto now = std::to_string(nowMs());
    const auto old = ds.routines.find(id);
    if (old != ds.routines.end() && !replace) throw ApiFailure("duplicate", "Already Exists: Routine " + routineName(p, d, id));
    def["routineReference"] = {{"projectId", p}, {"datasetId", d}, {"routineId", id}};
    def["creationTime"] = old != ds.routines.end() ? old->second.value("creationTime", now) : now;
    def["lastModifiedTime"] = now;
    def["etag"] = etagOf(def);
    saveRoutine(ds, id, def);
    return def;
}

Json Store::updateRoutine(const std::string& p, const std::string& d, const std::string& r, const Json& body) {
    const sql::MemoryBudgetPause commit;
    Json def = definition(body);
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    const auto old = ds.routines.find(r);
    if (old == ds.routines.end()) throw ApiFailure("notFound", "Not found: Routine " + routineName(p, d, r));
    def["routineReference"] = old->second["routineReference"];
    def["creationTime"] = old->second.value("creationTime", std::string());
    def["lastModifiedTime"] = std::to_string(nowMs());
    def["etag"] = etagOf(def);
    saveRoutine(ds, r, def);
    return def;
}

Json Store::getRoutine(const std::string& p, const std::string& d, const std::string& r) const {
    auto found = findRoutine(p, d, r);
    if (!found) throw ApiFailure("notFound", "Not found: Routine " + routineName(p, d, r));
    return *found;
}

std::optional<Json> Store::findRoutine(const std::string& p, const std::string& d, const std::string& r) const {
    std::shared_lock lock(mutex_);
    const auto& ds = datasetRef(p, d);
    const auto it = ds.routines.find(r);
    if (it == ds.routines.end()) return std::nullopt;
    return it->second;
}

std::vector<Json> Store::listRoutines(const std::string& p, const std::string& d) const {
    std::shared_lock lock(mutex_);
    std::vector<Json> out;
    for (const auto& [_, r] : datasetRef(p, d).routines) {
        Json e;
        for (const char* k : {"etag", "routineReference", "routineType", "creationTime", "lastModifiedTime", "language"})
            if (r.contains(k)) e[k] = r[k];
        out.push_back(std::move(e));
    }
    return out;
}

void Store::deleteRoutine(const std::string& p, const std::string& d, const std::string& r) {
    std::unique_lock lock(mutex_);
    auto& ds = datasetRef(p, d);
    if (!ds.routines.count(r)) throw ApiFailure("notFound", "Not found: Routine " + routineName(p, d, r));
    std::filesystem::remove(datasetDir(p, d) / "routines" / (folderName(r) + ".json"));
    ds.routines.erase(r);
}

} // namespace quarry::sandbox
