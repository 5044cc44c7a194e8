// SPDX-License-Identifier: MIT
#include "TableCommands.h"
#include "platform/System.h"

#include <chrono>
#include <iostream>
#include <thread>

namespace quarry::cli {

void addTableVerbs(CLI::App& app, TableVerbs& v) {
    v.mk = app.add_subcommand("mk", "make a dataset (DATASET), a table (DATASET.TABLE [SCHEMA]) or a view (--view SQL)");
    v.mk->add_option("TARGET", v.mkTarget, "DATASET, DATASET.TABLE (PROJECT: or PROJECT. in front too)")->required();
    v.mk->add_option("SCHEMA", v.mkSchema, "a table's schema: JSON file or name:TYPE,name:TYPE");
    v.mk->add_option("--schema", v.mkSchema, "the same as SCHEMA");
    v.mk->add_flag("-d,--dataset", v.mkDataset, "make a dataset");
    v.mk->add_flag("-t,--table", v.mkTable, "make a table");
    v.mk->add_option("--view", v.mkView, "make a view with this query");
    v.mk->add_flag("--use-legacy-sql,--use_legacy_sql", v.legacySql, "the view's query is legacy SQL");
    v.mk->add_option("--location", v.location, "a dataset's location (default US)");
    v.mk->add_option("--description", v.description, "description");
    v.mk->add_option("--expiration", v.expiration, "a table expires this many seconds from now")->check(CLI::PositiveNumber);
    v.mk->add_option("--default-table-expiration,--default_table_expiration", v.defaultTableExpiration,
                     "a dataset's tables expire this many seconds after they are made")->check(CLI::PositiveNumber);
    v.mk->add_option("--time-partitioning-field,--time_partitioning_field", v.partitionField, "partition by this column");
    v.mk->add_option("--time-partitioning-type,--time_partitioning_type", v.partitionType, "DAY (default), HOUR, MONTH or YEAR");
    v.mk->add_option("--time-partitioning-expiration,--time_partitioning_expiration", v.partitionExpiration,
                     "seconds a partition is kept after its start (its rows are deleted then)")->check(CLI::PositiveNumber);
    v.mk->add_option("--range-partitioning,--range_partitioning", v.rangePartitioning,
                     "partition an INTEGER column by ranges: FIELD,START,END,INTERVAL (as bq takes it)");
    v.mk->add_option("--clustering-fields,--clustering_fields", v.clusteringFields, "cluster by these columns (a,b)");

    v.rm = app.add_subcommand("rm", "remove a table, view or (with -d) dataset");
    v.rm->add_option("TARGET", v.rmTarget, "DATASET.TABLE, or a DATASET")->required();
    v.rm->add_flag("-d,--dataset", v.rmDataset, "remove a dataset");
    v.rm->add_flag("-t,--table", v.rmTable, "remove a table or view");
    v.rm->add_flag("-r,--recursive", v.recursive, "remove a dataset with its tables");
    v.rm->add_flag("-f,--force", v.force, "do not ask first (needed when standard input is not a terminal)");

    v.cp = app.add_subcommand("cp", "copy tables with a copy job: SOURCE[,SOURCE...] DESTINATION");
    v.cp->add_option("TABLES", v.cpArgs, "source table(s), then the destination")->required()->expected(2);
    v.cp->add_flag("-a,--append-table,--append_table", v.append, "append to the destination");
    v.cp->add_flag("-f,--force,--replace", v.replace, "replace the destination's rows");
    v.cp->add_flag("--snapshot", v.snapshot, "make a read-only table snapshot of SOURCE (SOURCE@<ms>: as it was then)");
    v.cp->add_flag("--clone", v.clone, "make a table clone of SOURCE");
    v.cp->add_flag("--restore", v.restore, "make a table of the table snapshot SOURCE");

    v.update = app.add_subcommand("update", "change a table's or dataset's description, expiration, labels or (tables) schema");
    v.update->add_option("TARGET", v.updateTarget, "DATASET.TABLE, or a DATASET")->required();
    v.update->add_option("SCHEMA", v.updateSchema, "a table's new schema (columns may only be added)");
    v.update->add_option("--schema", v.updateSchema, "the same as SCHEMA");
    v.update->add_option("--description", v.description, "description")->each([&v](const std::string&) { v.descriptionGiven = true; });
    v.update->add_option("--expiration", v.expiration, "a table expires this many seconds from now (0: never)")->check(CLI::NonNegativeNumber);
    v.update->add_option("--default-table-expiration,--default_table_expiration", v.defaultTableExpiration,
                         "a dataset's new tables expire this many seconds after they are made (0: never)")->check(CLI::NonNegativeNumber);
    v.update->add_option("--set-label,--set_label", v.setLabels, "KEY:VALUE; may be repeated");
    v.update->add_option("--clear-label,--clear_label", v.clearLabels, "KEY; may be repeated");
}

namespace {

struct DatasetSpec {
    std::string project, dataset;
};

DatasetSpec datasetSpec(const std::string& spec, const std::string& project) {
    DatasetSpec d{project, spec};
    if (const auto sep = spec.find_last_of(".:"); sep != std::string::npos) {
        d.project = spec.substr(0, sep);
        d.dataset = spec.substr(sep + 1);
    }
    if (d.dataset.empty() || d.project.empty()) throw UsageError("'" + spec + "' is not a dataset (DATASET or PROJECT:DATASET)");
    return d;
}

/// "DATASET" or "PROJECT:DATASET" names a dataset; one with a table part a table.
bool namesTable(const std::string& spec) {
    const auto colon = spec.find(':');
    const std::string rest = colon == std::string::npos ? spec : spec.substr(colon + 1);
    return rest.find('.') != std::string::npos;
}

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void printResult(Format f, const Json& resource, const std::string& text) {
    if (f == Format::Json || f == Format::NdJson) std::cout << resource.dump(f == Format::Json ? 2 : -1) << '\n';
    else std::cout << text << '\n';
}

int mk(const Globals& g, Format f, const TableVerbs& v) {
    auto c = makeClient(g);
    const auto project = requireProject(c);
    const bool table = v.mkTable || !v.mkView.empty() || (!v.mkDataset && namesTable(v.mkTarget));
    if (!table) {
        const auto d = datasetSpec(v.mkTarget, project);
        Json body = {{"datasetReference", {{"projectId", d.project}, {"datasetId", d.dataset}}}};
        if (!v.location.empty()) body["location"] = v.location;
        if (!v.description.empty()) body["description"] = v.description;
        if (v.defaultTableExpiration > 0) body["defaultTableExpirationMs"] = std::to_string(v.defaultTableExpiration * 1000);
        const auto r = c.insertDataset(d.project, body);
        printResult(f, r, "Dataset '" + d.project + ":" + d.dataset + "' successfully created.");
        return 0;
    }
    const auto t = TableRef::parse(v.mkTarget, project);
    Json body = {{"tableReference", {{"projectId", t.projectId}, {"datasetId", t.datasetId}, {"tableId", t.tableId}}}};
    if (!v.mkView.empty()) {
        if (!v.mkSchema.empty()) throw UsageError("a view takes its schema from its query: give no SCHEMA with --view");
        body["view"] = {{"query", v.mkView}, {"useLegacySql", v.legacySql}};
    } else if (!v.mkSchema.empty()) {
        body["schema"] = readSchemaArgument(v.mkSchema).toJson();
    }
    if (!v.description.empty()) body["description"] = v.description;
    if (v.expiration > 0) body["expirationTime"] = std::to_string(nowMs() + v.expiration * 1000);
    if (const Json p = timePartitioningOf(v.partitionField, v.partitionType, v.partitionExpiration); !p.is_null()) body["timePartitioning"] = p;
    if (const Json p = rangePartitioningOf(v.rangePartitioning); !p.is_null()) body["rangePartitioning"] = p;
    if (const Json c2 = clusteringOf(v.clusteringFields); !c2.is_null()) body["clustering"] = c2;
    const auto r = c.insertTable(t.projectId, t.datasetId, body);
    printResult(f, r, std::string(v.mkView.empty() ? "Table" : "View") + " '" + t.display() + "' successfully created.");
    return 0;
}

int rm(const Globals& g, Format, const TableVerbs& v) {
    auto c = makeClient(g);
    const auto project = requireProject(c);
    const bool dataset = v.rmDataset || (!v.rmTable && !namesTable(v.rmTarget));
    const std::string what = dataset ? "dataset " + v.rmTarget + (v.recursive ? " and everything in it" : "")
                                     : "table " + v.rmTarget;
    if (!v.force) {
        if (!platform::isTerminal(0))
            throw UsageError("rm asks before it removes " + what +
                             ", and standard input is not a terminal: nothing was removed. Add -f to remove without asking.");
        std::cerr << "rm: remove " << what << "? [y/N] " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "y" && answer != "Y" && answer != "yes") {
            std::cerr << "rm: nothing was removed\n";
            return 1;
        }
    }
    if (dataset) {
        const auto d = datasetSpec(v.rmTarget, project);
        c.deleteDataset(d.project, d.dataset, v.recursive);
    } else {
        c.deleteTable(TableRef::parse(v.rmTarget, project));
    }
    return 0;
}

int cp(const Globals& g, Format f, const TableVerbs& v) {
    auto c = makeClient(g);
    const auto project = requireProject(c);
    if (v.append && v.replace) throw UsageError("cp takes -a (append) or -f (replace), not both");
    if (int(v.snapshot) + int(v.clone) + int(v.restore) > 1) throw UsageError("cp takes one of --snapshot, --clone and --restore");
    if ((v.snapshot || v.clone || v.restore) && (v.append || v.cpArgs[0].find(',') != std::string::npos))
        throw UsageError("--snapshot, --clone and --restore copy one table, and do not append");
    const auto ref = [](const TableRef& t) { return Json{{"projectId", t.projectId}, {"datasetId", t.datasetId}, {"tableId", t.tableId}}; };
    Json sources = Json::array();
    for (std::size_t s = 0; s <= v.cpArgs[0].size();) {
        const auto comma = std::min(v.cpArgs[0].find(',', s), v.cpArgs[0].size());
        sources.push_back(ref(TableRef::parse(v.cpArgs[0].substr(s, comma - s), project)));
        s = comma + 1;
    }
    const auto dest = TableRef::parse(v.cpArgs[1], project);
    Json copy = {{"sourceTables", sources}, {"destinationTable", ref(dest)},
                 {"writeDisposition", v.append ? "WRITE_APPEND" : v.replace ? "WRITE_TRUNCATE" : "WRITE_EMPTY"},
                 {"operationType", v.snapshot ? "SNAPSHOT" : v.clone ? "CLONE" : v.restore ? "RESTORE" : "COPY"}};
    Json job = c.insertJob(project, {{"configuration", {{"copy", copy}}}});
    const JobRef jr{project, job["jobReference"].value("jobId", std::string()), job["jobReference"].value("location", std::string())};
    for (int wait = 100; job["status"].value("state", std::string()) != "DONE"; wait = std::min(wait * 2, 2000)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        job = c.getJob(jr);
    }
    if (job["status"].contains("errorResult")) throw ApiError::fromErrorProto(job["status"]["errorResult"].dump());
    const auto rows = job["statistics"].value("copy", Json::object()).value("copiedRows", std::string("0"));
    printResult(f, job, "Copied " + v.cpArgs[0] + " to '" + dest.display() + "' (" + rows + " rows, job " + jr.jobId + ").");
    return 0;
}

Json labelPatch(const TableVerbs& v) {
    Json labels = Json::object();
    for (const auto& l : v.setLabels) {
        const auto colon = l.find(':');
        if (colon == std::string::npos || colon == 0) throw UsageError("--set-label " + l + ": expected KEY:VALUE");
        labels[l.substr(0, colon)] = l.substr(colon + 1);
    }
    for (const auto& k : v.clearLabels) labels[k] = nullptr;
    return labels;
}

int update(const Globals& g, Format f, const TableVerbs& v) {
    auto c = makeClient(g);
    const auto project = requireProject(c);
    Json patch = Json::object();
    if (v.descriptionGiven) patch["description"] = v.description;
    if (!v.setLabels.empty() || !v.clearLabels.empty()) patch["labels"] = labelPatch(v);
    if (!namesTable(v.updateTarget)) {
        if (!v.updateSchema.empty() || v.expiration >= 0) throw UsageError("a dataset has no schema or expiration of its own; "
                                                                           "--default-table-expiration sets its tables'");
        if (v.defaultTableExpiration >= 0)
            patch["defaultTableExpirationMs"] = v.defaultTableExpiration ? Json(std::to_string(v.defaultTableExpiration * 1000)) : Json();
        if (patch.empty()) throw UsageError("update: nothing to change (give --description, --default-table-expiration or labels)");
        const auto d = datasetSpec(v.updateTarget, project);
        const auto r = c.patchDataset(d.project, d.dataset, patch);
        printResult(f, r, "Dataset '" + d.project + ":" + d.dataset + "' successfully updated.");
        return 0;
    }
    if (v.defaultTableExpiration >= 0) throw UsageError("--default-table-expiration is for datasets; a table takes --expiration");
    const auto t = TableRef::parse(v.updateTarget, project);
    if (!v.updateSchema.empty()) patch["schema"] = readSchemaArgument(v.updateSchema).toJson();
    if (v.expiration >= 0) patch["expirationTime"] = v.expiration ? Json(std::to_string(nowMs() + v.expiration * 1000)) : Json();
    if (patch.empty()) throw UsageError("update: nothing to change (give a SCHEMA, --description, --expiration or labels)");
    const auto r = c.patchTable(t, patch);
    printResult(f, r, "Table '" + t.display() + "' successfully updated.");
    return 0;
}

} // namespace

int runTableVerbs(const Globals& g, Format f, const TableVerbs& v) {
    if (*v.mk) return mk(g, f, v);
    if (*v.rm) return rm(g, f, v);
    if (*v.cp) return cp(g, f, v);
    if (*v.update) return update(g, f, v);
    return -1;
}

} // namespace quarry::cli
