// SPDX-License-Identifier: MIT
// libFuzzer: SQL text through the lexer, parser, binder and executor of the sandbox, over a
// small nested table. Any SqlError/EvalError/ApiFailure is a fine answer; a crash is not.
#include "sandbox/Store.h"
#include "sandbox/sql/Engine.h"

#include <filesystem>
#include <unistd.h>

using namespace quarry::sandbox;

namespace {

Store& store() {
    static Store* s = [] {
        Store::Options o;
        o.root = std::filesystem::temp_directory_path() / ("quarry-fuzz-sql-" + std::to_string(::getpid()));
        std::filesystem::remove_all(o.root);
        auto* st = new Store(o);
        st->insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        st->insertTable("p", "d", Json::parse(R"({"tableReference":{"tableId":"t"},"schema":{"fields":[
            {"name":"a","type":"INT64"},{"name":"s","type":"STRING"},{"name":"f","type":"FLOAT64"},
            {"name":"r","type":"RECORD","mode":"REPEATED","fields":[{"name":"x","type":"INT64"},
              {"name":"tags","type":"STRING","mode":"REPEATED"}]}]}})"));
        st->insertAll("p", "d", "t", Json::parse(R"({"rows":[{"json":{"a":1,"s":"x","f":1.5,"r":[{"x":1,"tags":["a"]}]}},
            {"json":{"a":2,"r":[]}},{"json":{"s":"y","f":-0.5,"r":[{"x":3},{"x":4,"tags":["b","c"]}]}}]})"));
        return st;
    }();
    return *s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0;
    const std::string sql(reinterpret_cast<const char*>(data), size);
    sql::QueryContext ctx;
    ctx.resolveTable = [](const std::vector<std::string>& path, sql::Pos pos) {
        if (path.size() != 2) throw sql::SqlError("table must be d.t", pos);
        return store().table("p", path[0], path[1]);
    };
    try {
        auto q = sql::PreparedQuery::prepare(sql, ctx);
        (void)q->estimateBytes();
        (void)q->run();
    } catch (const sql::SqlError&) {
    } catch (const sql::EvalError&) {
    } catch (const ApiFailure&) {
    }
    return 0;
}
