// SPDX-License-Identifier: MIT
#include "CatalogCommands.h"

#include <iostream>

namespace quarry::cli {

int cmdLs(const Globals& g, Format f, const std::string& dataset) {
    auto c = makeClient(g);
    const auto project = requireProject(c);
    Grid grid;
    if (dataset.empty()) {
        grid.header = {"datasetId", "location"};
        for (const auto& d : c.listAllDatasets(project))
            grid.rows.push_back({d.value("datasetReference", Json::object()).value("datasetId", ""), str(d, "location")});
    } else {
        std::string ds = dataset;
        std::string proj = project;
        if (const auto sep = ds.find_last_of(".:"); sep != std::string::npos) {
            proj = ds.substr(0, sep);
            ds = ds.substr(sep + 1);
        }
        grid.header = {"tableId", "type", "created"};
        for (const auto& t : c.listAllTables(proj, ds))
            grid.rows.push_back({t.value("tableReference", Json::object()).value("tableId", ""), str(t, "type"),
                                 timeText(str(t, "creationTime"), f)});
    }
    printGrid(std::cout, grid, f);
    return 0;
}

namespace {

/// "ARRAY<STRUCT<a INT64>>" from a StandardSqlDataType (routines' argument and return types).
std::string sqlType(const Json& t) {
    const std::string kind = str(t, "typeKind");
    if (kind == "ARRAY") return "ARRAY<" + sqlType(t.value("arrayElementType", Json::object())) + ">";
    if (kind == "STRUCT") {
        std::string out = "STRUCT<";
        const auto fields = t.value("structType", Json::object()).value("fields", Json::array());
        for (std::size_t i = 0; i < fields.size(); ++i)
            out += (i ? ", " : "") + str(fields[i], "name") + " " + sqlType(fields[i].value("type", Json::object()));
        return out + ">";
    }
    return kind.empty() ? "ANY TYPE" : kind;
}

int showRoutine(BigQueryClient& c, Format f, const std::string& spec) {
    const auto ref = TableRef::parse(spec, c.projectId()); // DATASET.ROUTINE: the same shape
    const auto resp = c.call("GET", "/projects/" + urlEncode(ref.projectId) + "/datasets/" + urlEncode(ref.datasetId) +
                                        "/routines/" + urlEncode(ref.tableId));
    const Json r = Json::parse(resp.body);
    if (f == Format::Json || f == Format::NdJson) {
        std::cout << r.dump(f == Format::Json ? 2 : -1) << '\n';
        return 0;
    }
    std::cout << "Routine " << ref.projectId << ":" << ref.datasetId << "." << ref.tableId << "\n";
    for (const char* k : {"routineType", "language", "description"})
        if (const auto v = str(r, k); !v.empty()) std::cout << "  " << k << ": " << v << '\n';
    for (const char* k : {"creationTime", "lastModifiedTime"})
        if (const auto v = str(r, k); !v.empty()) std::cout << "  " << k << ": " << timeText(v, Format::Table) << '\n';
    std::string args;
    for (const auto& a : r.value("arguments", Json::array()))
        args += (args.empty() ? "" : ", ") + str(a, "name") + " " + sqlType(a.value("dataType", Json::object()));
    std::cout << "  arguments: (" << args << ")\n";
    if (r.contains("returnType")) std::cout << "  returns: " << sqlType(r["returnType"]) << '\n';
    std::cout << "\n" << str(r, "definitionBody") << '\n';
    return 0;
}

} // namespace

int cmdShow(const Globals& g, Format f, const std::string& spec, bool routine) {
    auto c = makeClient(g);
    if (routine) return showRoutine(c, f, spec);
    const auto ref = TableRef::parse(spec, c.projectId());
    const auto t = c.getTable(ref);
    const auto schema = Schema::fromJson(t.value("schema", Json::object()));
    if (f == Format::Json || f == Format::NdJson) {
        std::cout << schema.toJson()["fields"].dump(f == Format::Json ? 2 : -1) << '\n';
        return 0;
    }
    const std::string type = str(t, "type");
    std::cout << (type == "VIEW" ? "View " : "Table ") << ref.display() << "\n";
    for (const char* k : {"type", "numRows", "numBytes", "location", "description"})
        if (const auto v = str(t, k); !v.empty()) std::cout << "  " << k << ": " << v << '\n';
    for (const char* k : {"creationTime", "lastModifiedTime", "expirationTime"}) {
        const auto& v = t.value(k, Json());
        const std::string text = v.is_string() ? v.get<std::string>() : v.is_number() ? v.dump() : std::string();
        if (!text.empty()) std::cout << "  " << k << ": " << timeText(text, Format::Table) << '\n';
    }
    if (t.contains("labels") && t["labels"].is_object() && !t["labels"].empty()) {
        std::string labels;
        for (const auto& [k, v] : t["labels"].items()) labels += (labels.empty() ? "" : ", ") + k + ":" + (v.is_string() ? v.get<std::string>() : v.dump());
        std::cout << "  labels: " << labels << '\n';
    }
    if (t.contains("timePartitioning")) {
        const auto& p = t["timePartitioning"];
        std::cout << "  partitioned: " << str(p, "type") << (str(p, "field").empty() ? " (ingestion time)" : " by " + str(p, "field")) << '\n';
    }
    if (t.contains("clustering")) {
        std::string fields;
        for (const auto& c2 : t["clustering"].value("fields", Json::array())) fields += (fields.empty() ? "" : ", ") + c2.get<std::string>();
        std::cout << "  clustered by: " << fields << '\n';
    }
    if (type == "VIEW") {
        const auto view = t.value("view", Json::object());
        std::cout << "  query (" << (view.value("useLegacySql", false) ? "legacy SQL" : "GoogleSQL") << "):\n    " << str(view, "query") << '\n';
    }
    std::cout << "\n";
    printSchemaTree(std::cout, schema);
    return 0;
}

int cmdHead(const Globals& g, Format f, const std::string& spec, int n, const std::vector<std::string>& fields) {
    auto c = makeClient(g);
    const auto ref = TableRef::parse(spec, c.projectId());
    ListRowsOptions o;
    o.maxResults = n;
    o.selectedFields = fields;
    const auto page = c.listRows(ref, o);
    printRows(std::cout, page, f);
    return 0;
}

} // namespace quarry::cli
