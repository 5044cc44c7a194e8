// SPDX-License-Identifier: MIT
// libFuzzer: SQL text as legacy SQL (translated) and as GoogleSQL scripts through the lexer,
// parsers, binder, executor and statement runner of the sandbox (queries, DML, DDL), over a small nested table that is put back after any input
// that changed it, its columns read through the column cache. Any SqlError/EvalError/ApiFailure is a fine answer; a crash is not.
#include "sandbox/Script.h"
#include "sandbox/Statements.h"
#include "sandbox/Store.h"
#include "sandbox/sql/ColumnCache.h"
#include "sandbox/sql/Legacy.h"
#include "platform/System.h"

#include <filesystem>

using namespace quarry::sandbox;

namespace {

constexpr const char* kSchema = R"({"fields":[
            {"name":"a","type":"INT64"},{"name":"s","type":"STRING"},{"name":"f","type":"FLOAT64"},
            {"name":"r","type":"RECORD","mode":"REPEATED","fields":[{"name":"x","type":"INT64"},
              {"name":"tags","type":"STRING","mode":"REPEATED"}]}]})";
constexpr const char* kRows = R"({"rows":[{"json":{"a":1,"s":"x","f":1.5,"r":[{"x":1,"tags":["a"]}]}},
            {"json":{"a":2,"r":[]}},{"json":{"s":"y","f":-0.5,"r":[{"x":3},{"x":4,"tags":["b","c"]}]}}]})";

void fill(Store& st) {
    st.insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}}, {"schema", Json::parse(kSchema)}});
    st.insertAll("p", "d", "t", Json::parse(kRows));
}

Store& store() {
    static Store* s = [] {
        // Every stored table's columns cached, however small, and every version's: the
        // fuzzed queries read them through the cache as well as in place.
        quarry::sandbox::sql::setColumnCacheSettings({std::size_t{64} << 20, 1, false});
        Store::Options o;
        o.root = std::filesystem::temp_directory_path() / ("quarry-fuzz-sql-" + std::to_string(quarry::platform::processId()));
        std::filesystem::remove_all(o.root);
        auto* st = new Store(o);
        st->insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        st->insertDataset("p", {{"datasetReference", {{"datasetId", "scratch"}}}});
        fill(*st);
        return st;
    }();
    return *s;
}

/// Puts the store back as it was: d.t with its three rows, an empty scratch, nothing else.
void reset(Store& st, std::uint64_t version) {
    for (const auto& ds : st.listDatasets("p")) {
        const auto id = ds["datasetReference"]["datasetId"].get<std::string>();
        if (id != "d" && id != "scratch") st.deleteDataset("p", id, true);
    }
    for (const char* id : {"d", "scratch"})
        try {
            st.getDataset("p", id);
        } catch (const ApiFailure&) {
            st.insertDataset("p", {{"datasetReference", {{"datasetId", id}}}});
        }
    for (const auto& t : st.listTables("p", "scratch")) st.deleteTable("p", "scratch", t["tableReference"]["tableId"].get<std::string>());
    std::shared_ptr<Table> t;
    try {
        t = st.table("p", "d", "t");
    } catch (const ApiFailure&) {
    }
    if (t && t->version == version && t->schema.fields.size() == 4) return;
    if (t) st.deleteTable("p", "d", "t");
    fill(st);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0;
    const std::string sql(reinterpret_cast<const char*>(data), size);
    static const std::uint64_t version = store().table("p", "d", "t")->version;
    StatementScope scope;
    scope.project = "p";
    scope.location = "US";
    StatementRunner runner(store(), scope);
    try { // as legacy SQL
        const auto ctx = runner.queryContext();
        auto q = sql::PreparedQuery::prepare(sql::translateLegacy(sql, ctx.resolveTable), runner.queryContext());
        (void)q->estimateBytes();
        (void)q->run();
    } catch (const sql::SqlError&) {
    } catch (const sql::EvalError&) {
    } catch (const ApiFailure&) {
    }
    try { // as GoogleSQL
        const auto script = sql::parseProgram(sql);
        ScriptHooks hooks;
        hooks.maxLoopTurns = 200; // a fuzzed LOOP without BREAK must not hang the fuzzer
        (void)ScriptRunner(runner, script, false, hooks).run();
        (void)ScriptRunner(runner, script, true, hooks).run(); // and a dry run, on what is left
    } catch (const sql::SqlError&) {
    } catch (const sql::EvalError&) {
    } catch (const ApiFailure&) {
    }
    reset(store(), version);
    return 0;
}
