// SPDX-License-Identifier: MIT
#include "sandbox/Views.h"

#include "sandbox/ApiFailure.h"
#include "sandbox/JsonFields.h"
#include "sandbox/Statements.h"
#include "sandbox/sql/Engine.h"
#include "sandbox/sql/Legacy.h"

namespace quarry::sandbox {

bool Table::isView() const { return meta.is_object() && meta.value("type", std::string()) == "VIEW"; }

std::string Table::viewQuery() const {
    if (!meta.is_object()) return {};
    const auto v = meta.find("view");
    if (v == meta.end() || !v->is_object()) return {};
    return v->value("query", std::string());
}

bool isView(const Table& t) { return t.isView(); }

std::string viewQuery(const Table& t) { return t.viewQuery(); }

Schema viewSchema(Store& store, const std::string& project, const std::string& query, const sql::Pos* queryAt) {
    StatementScope scope;
    scope.project = project;
    scope.defaultProject = project;
    scope.location = "US";
    StatementRunner runner(store, scope);
    try {
        return sql::PreparedQuery::prepare(query, runner.queryContext())->schema();
    } catch (const sql::SqlError& e) {
        if (queryAt) { // an error of the statement, at its place in it
            std::string message = e.what();
            if (const auto at = message.rfind(" at ["); at != std::string::npos) message.resize(at);
            const sql::Pos p = e.pos();
            throw sql::SqlError(message, {queryAt->line + p.line - 1, p.line == 1 ? queryAt->col + p.col - 1 : p.col});
        }
        throw ApiFailure("invalidQuery", std::string("The view's query is not valid: ") + e.what(), "view.query");
    }
}

Json viewBody(Store& store, const std::string& project, const std::string& dataset, Json body, const sql::Pos* queryAt) {
    const Json& view = body["view"];
    if (!view.is_object() || !view.contains("query") || !view["query"].is_string() || view["query"].get<std::string>().empty())
        throw ApiFailure("invalid", "A view needs view.query, the text of its query", "view.query");
    const std::string query = view["query"].get<std::string>();
    const auto u = view.find("useLegacySql"); // BigQuery's default is legacy SQL
    if (sql::isLegacySql(query, !(u != view.end() && u->is_boolean() && !u->get<bool>())))
        throw ApiFailure("invalid", "Legacy SQL views are not supported by the sandbox yet; set view.useLegacySql to false", "view.useLegacySql");
    store.getDataset(project, dataset); // notFound before the query is bound
    body["schema"] = viewSchema(store, project, query, queryAt).toJson();
    body["view"]["useLegacySql"] = false;
    return body;
}

} // namespace quarry::sandbox
