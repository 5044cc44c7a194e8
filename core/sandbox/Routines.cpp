// SPDX-License-Identifier: MIT
#include "sandbox/Routines.h"

#include "sandbox/Statements.h"
#include "sandbox/sql/Parser.h"

namespace quarry::sandbox {

void checkFunctionBody(const sql::QueryContext& ctx, const sql::UdfDef& def) {
    (void)sql::parseExpression(def.body);
    for (const auto& a : def.args)
        if (!a.type) return;
    auto call = std::make_unique<sql::Expr>();
    call->kind = sql::Expr::Kind::Call;
    call->op = def.name;
    for (const auto& a : def.args) {
        auto null = std::make_unique<sql::Expr>();
        null->kind = sql::Expr::Kind::Literal;
        null->type = sql::SqlType::null();
        auto cast = std::make_unique<sql::Expr>();
        cast->kind = sql::Expr::Kind::Cast;
        cast->castType = *a.type;
        cast->args.push_back(std::move(null));
        call->args.push_back(std::move(cast));
    }
    sql::expandUdfCall(*call, def);
    sql::Select probe;
    sql::SelectItem item;
    item.expr = std::move(call);
    probe.items.push_back(std::move(item));
    (void)sql::PreparedQuery::prepare(std::move(probe), ctx);
}

void checkRoutineBody(Store& store, const std::string& project, const std::string& dataset, const Json& body) {
    if (!body.is_object() || !body.contains("definitionBody") || !body["definitionBody"].is_string()) return; // Store refuses it
    sql::UdfDef def;
    try {
        def = sql::udfFromRoutine(body, dataset + ".f");
    } catch (const std::exception&) {
        return; // Store::insertRoutine says what is wrong with the resource
    }
    StatementScope scope;
    scope.project = project;
    scope.defaultProject = project;
    scope.defaultDataset = dataset;
    try {
        checkFunctionBody(StatementRunner(store, scope).queryContext(), def);
    } catch (const sql::SqlError& e) {
        throw ApiFailure("invalid", std::string("Invalid definitionBody: ") + e.what(), "definitionBody");
    }
}

} // namespace quarry::sandbox
