// SPDX-License-Identifier: MIT
// The statement runner's SQL functions: CREATE [TEMP] FUNCTION, DROP FUNCTION, how a call
// finds its function, and what scripts ask of it: evaluating one expression (SET, IF, WHILE,
// ...) and running a statement with parameters of its own (EXECUTE IMMEDIATE ... USING).
#include "sandbox/Routines.h"
#include "sandbox/Statements.h"

#include "value/Text.h"

namespace quarry::sandbox {

using sql::SqlError;

std::pair<Value, sql::SqlType> StatementRunner::evaluate(sql::ExprPtr expr) {
    const sql::Pos at = expr->pos;
    sql::Select sel;
    sel.pos = at;
    sql::SelectItem item;
    item.expr = std::move(expr);
    item.pos = at;
    sel.items.push_back(std::move(item));
    auto q = sql::PreparedQuery::prepare(std::move(sel), queryContext());
    const sql::SqlType type = q->columnTypes().at(0);
    auto result = q->run();
    return {std::move(result.rows.at(0)[0]), type};
}

StatementResult StatementRunner::runWithParameters(sql::Statement&& s, bool dryRun, std::map<std::string, sql::Param> named,
                                                   std::vector<sql::Param> positional) {
    std::swap(scope_.namedParams, named);
    std::swap(scope_.positionalParams, positional);
    struct Restore {
        StatementScope& scope;
        std::map<std::string, sql::Param>& named;
        std::vector<sql::Param>& positional;
        ~Restore() {
            std::swap(scope.namedParams, named);
            std::swap(scope.positionalParams, positional);
        }
    } restore{scope_, named, positional};
    return run(std::move(s), dryRun);
}

std::shared_ptr<const sql::UdfDef> StatementRunner::userFunction(const std::vector<std::string>& path, sql::Pos pos) const {
    if (path.size() == 1) {
        const auto it = scope_.state->functions.find(text::upper(path[0]));
        return it == scope_.state->functions.end() ? nullptr : it->second;
    }
    std::string name;
    for (const auto& part : path) name += (name.empty() ? "" : ".") + part;
    const auto ref = tableRef(path, pos);
    std::optional<Json> routine;
    try {
        routine = store_.findRoutine(ref.project, ref.dataset, ref.table);
    } catch (const ApiFailure&) { // no such dataset
    }
    if (!routine) throw SqlError("Function not found: " + name, pos);
    return std::make_shared<const sql::UdfDef>(sql::udfFromRoutine(*routine, name));
}

StatementResult StatementRunner::createFunction(sql::Statement& s, bool dryRun) {
    StatementResult r;
    sql::UdfDef& def = *s.function;
    try {
        checkFunctionBody(queryContext(), def);
    } catch (const SqlError& e) {
        throw SqlError(std::string("Invalid body of function ") + def.name + ": " + e.what(), s.pos);
    }
    if (s.temp) {
        const std::string key = text::upper(def.name);
        auto& functions = scope_.state->functions;
        if (functions.count(key)) {
            if (s.ifNotExists) return r;
            if (!s.orReplace) throw SqlError("Function " + def.name + " already exists", s.targetPos);
        }
        functions[key] = s.function;
        return r;
    }
    const auto ref = tableRef(s.target, s.targetPos);
    r.ddlTargetRoutine = {{"projectId", ref.project}, {"datasetId", ref.dataset}, {"routineId", ref.table}};
    const auto existing = store_.findRoutine(ref.project, ref.dataset, ref.table); // notFound for a missing dataset
    if (existing && s.ifNotExists) {
        r.ddlOperation = "SKIP";
        return r;
    }
    if (existing && !s.orReplace)
        throw ApiFailure("duplicate", "Already Exists: Function " + ref.project + ":" + ref.dataset + "." + ref.table);
    r.ddlOperation = existing ? "REPLACE" : "CREATE";
    if (dryRun) return r;
    Json body = sql::routineFields(def);
    body["routineReference"] = r.ddlTargetRoutine;
    store_.insertRoutine(ref.project, ref.dataset, body, true);
    return r;
}

StatementResult StatementRunner::dropFunction(sql::Statement& s, bool dryRun) {
    StatementResult r;
    if (s.target.size() == 1 && !scope_.state->functions.empty() &&
        scope_.state->functions.count(text::upper(s.target[0]))) {
        if (!dryRun) scope_.state->functions.erase(text::upper(s.target[0]));
        return r;
    }
    if (s.target.size() == 1 && scope_.defaultDataset.empty()) {
        if (s.ifExists) return r;
        throw SqlError("Function not found: " + s.target[0], s.targetPos);
    }
    const auto ref = tableRef(s.target, s.targetPos);
    r.ddlTargetRoutine = {{"projectId", ref.project}, {"datasetId", ref.dataset}, {"routineId", ref.table}};
    if (!store_.findRoutine(ref.project, ref.dataset, ref.table)) {
        if (!s.ifExists)
            throw ApiFailure("notFound", "Not found: Function " + ref.project + ":" + ref.dataset + "." + ref.table);
        r.ddlOperation = "SKIP";
        return r;
    }
    r.ddlOperation = "DROP";
    if (!dryRun) store_.deleteRoutine(ref.project, ref.dataset, ref.table);
    return r;
}

} // namespace quarry::sandbox
