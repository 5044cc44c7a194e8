// SPDX-License-Identifier: MIT
#pragma once
// What the tests of a real quarry-sandbox process share: a client for it, the persons sample
// (schema, rows, its table), insertAll bodies and queries read back as JSON rows.
#include "SandboxProcess.h"
#include "TestData.h"
#include "bigquery/BigQueryClient.h"
#include "value/Display.h"

#include <sstream>
#include <string>
#include <vector>

namespace quarry::test {


inline BigQueryClient clientFor(const SandboxProcess& s) {
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(s.url());
    o.projectId = "p";
    o.retry = RetryPolicy::none();
    return BigQueryClient(o);
}

inline Json personsSchema() { return Json::parse(readFile(dataDir() / "../../resources/samples/persons/schema.json")); }

inline std::vector<Json> personsRows() {
    std::vector<Json> rows;
    std::istringstream in(readFile(dataDir() / "../../resources/samples/persons/persons.ndjson"));
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) rows.push_back(Json::parse(line));
    return rows;
}

inline void createPersons(BigQueryClient& c) {
    c.insertDataset("p", {{"datasetReference", {{"datasetId", "samples"}}}});
    c.insertTable("p", "samples", {{"tableReference", {{"tableId", "persons"}}}, {"schema", personsSchema()}});
}

inline std::string insertBody(const std::vector<Json>& rows, const std::string& idPrefix, bool skipInvalid = false) {
    Json body = {{"rows", Json::array()}, {"skipInvalidRows", skipInvalid}};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        Json r = {{"json", rows[i]}};
        if (!idPrefix.empty()) r["insertId"] = idPrefix + std::to_string(i);
        body["rows"].push_back(r);
    }
    return body.dump();
}

inline Json query(BigQueryClient& c, const std::string& sql, Json extra = Json::object()) {
    Json req = {{"query", sql}, {"useLegacySql", false}};
    req.update(extra);
    const auto page = c.query("p", req);
    Json out = Json::array();
    Field row;
    row.type = TypeKind::Struct;
    row.fields = page.schema.fields;
    for (const auto& r : page.rows) {
        std::string s;
        appendJsonValue(s, r, row);
        out.push_back(Json::parse(s));
    }
    return out;
}

} // namespace quarry::test
