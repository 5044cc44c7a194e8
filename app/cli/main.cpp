// SPDX-License-Identifier: MIT
// quarry-cli: Quarry's work from a terminal. Exit codes: 0 ok, 1 API or network error, 2 usage.
#include "Output.h"
#include "bigquery/BigQueryClient.h"
#include "quarry/Version.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

using namespace quarry;

namespace {

struct Globals {
    std::string endpoint;
    std::string project;
    std::string format = "table";
    bool verbose = false;
    int maxRetries = 7;
};

std::string defaultProject() {
    for (const char* name : {"QUARRY_PROJECT", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"})
        if (const char* v = std::getenv(name); v && *v) return v;
    return {};
}

BigQueryClient makeClient(const Globals& g) {
    BigQueryClient::Options o;
    o.endpoint = Endpoint::resolve(g.endpoint, {});
    o.projectId = g.project.empty() ? defaultProject() : g.project;
    o.http.userAgent = std::string("quarry-cli/") + kVersion;
    o.retry.maxAttempts = g.maxRetries + 1;
    o.retry.maxConnectAttempts = std::min(o.retry.maxConnectAttempts, o.retry.maxAttempts);
    if (g.verbose) o.http.log = [](const std::string& line) { std::cerr << line << '\n'; };
    // Credentials arrive with key-based sign-in; until then requests go without a token
    // (the sandbox and emulators accept that).
    return BigQueryClient(std::move(o));
}

std::string requireProject(const BigQueryClient& c) {
    if (c.projectId().empty())
        throw CLI::ValidationError("--project", "no project: pass --project NAME or set GOOGLE_CLOUD_PROJECT");
    return c.projectId();
}

std::string str(const Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int cmdLs(const Globals& g, cli::Format f, const std::string& dataset) {
    auto c = makeClient(g);
    const auto project = requireProject(c);
    cli::Grid grid;
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
                                 str(t, "creationTime")});
    }
    cli::printGrid(std::cout, grid, f);
    return 0;
}

int cmdShow(const Globals& g, cli::Format f, const std::string& spec) {
    auto c = makeClient(g);
    const auto ref = TableRef::parse(spec, c.projectId());
    const auto t = c.getTable(ref);
    const auto schema = Schema::fromJson(t.value("schema", Json::object()));
    if (f == cli::Format::Json || f == cli::Format::NdJson) {
        std::cout << schema.toJson()["fields"].dump(f == cli::Format::Json ? 2 : -1) << '\n';
        return 0;
    }
    std::cout << "Table " << ref.display() << "\n";
    for (const char* k : {"type", "numRows", "numBytes", "location", "description"})
        if (const auto v = str(t, k); !v.empty()) std::cout << "  " << k << ": " << v << '\n';
    std::cout << "\n";
    cli::printSchemaTree(std::cout, schema);
    return 0;
}

int cmdHead(const Globals& g, cli::Format f, const std::string& spec, int n, const std::vector<std::string>& fields) {
    auto c = makeClient(g);
    const auto ref = TableRef::parse(spec, c.projectId());
    ListRowsOptions o;
    o.maxResults = n;
    o.selectedFields = fields;
    const auto page = c.listRows(ref, o);
    cli::printRows(std::cout, page, f);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"quarry-cli: BigQuery from a terminal"};
    app.set_version_flag("--version", std::string("quarry-cli ") + kVersion);
    app.require_subcommand(1);
    Globals g;
    app.add_option("--endpoint", g.endpoint,
                   "API base URL (default: $BIGQUERY_EMULATOR_HOST, else https://bigquery.googleapis.com)");
    app.add_option("--project", g.project, "project id (default: $GOOGLE_CLOUD_PROJECT)");
    app.add_option("--format", g.format, "output: table, json, ndjson or csv")
        ->check(CLI::IsMember({"table", "json", "ndjson", "csv"}));
    app.add_flag("-v,--verbose", g.verbose, "log requests to stderr (secrets redacted)");
    app.add_option("--max-retries", g.maxRetries, "retries of a failed request (BigQuery's retryable errors)")
        ->check(CLI::Range(0, 20));

    std::string lsDataset;
    auto* ls = app.add_subcommand("ls", "list datasets, or the tables of DATASET");
    ls->add_option("DATASET", lsDataset, "dataset (or PROJECT.DATASET)");

    std::string showTable;
    auto* show = app.add_subcommand("show", "table details and schema as a tree");
    show->add_option("TABLE", showTable, "DATASET.TABLE or PROJECT.DATASET.TABLE")->required();

    std::string headTable;
    int headRows = 10;
    std::vector<std::string> headFields;
    auto* head = app.add_subcommand("head", "first rows of a table (tabledata.list: free, no query)");
    head->add_option("TABLE", headTable, "DATASET.TABLE or PROJECT.DATASET.TABLE")->required();
    head->add_option("-n,--rows", headRows, "how many rows")->check(CLI::Range(0, 100000));
    head->add_option("--fields", headFields, "only these fields (a,b.c)")->delimiter(',');

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }
    cli::Format f = cli::Format::Table;
    cli::parseFormat(g.format, f);
    try {
        if (*ls) return cmdLs(g, f, lsDataset);
        if (*show) return cmdShow(g, f, showTable);
        if (*head) return cmdHead(g, f, headTable, headRows, headFields);
    } catch (const CLI::ValidationError& e) {
        std::cerr << "quarry-cli: " << e.what() << '\n';
        return 2;
    } catch (const std::invalid_argument& e) {
        std::cerr << "quarry-cli: " << e.what() << '\n';
        return 2;
    } catch (const ApiError& e) {
        std::cerr << "quarry-cli: " << (e.reason().empty() ? std::string("error") : e.reason()) << ": "
                  << e.message() << '\n';
        return 1;
    } catch (const TransportError& e) {
        std::cerr << "quarry-cli: network: " << e.what() << '\n';
        return 1;
    } catch (const SchemaError& e) {
        std::cerr << "quarry-cli: schema: " << e.what() << '\n';
        return 1;
    }
    return 2;
}
