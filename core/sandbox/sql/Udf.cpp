// SPDX-License-Identifier: MIT
#include "sandbox/sql/Udf.h"

#include "sandbox/sql/AstClone.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/Parser.h"
#include "value/Text.h"

#include <stdexcept>

namespace quarry::sandbox::sql {
namespace {

using Json = nlohmann::json;

bool hasSubquery(const Expr& e) {
    if (e.subquery) return true;
    for (const auto& a : e.args)
        if (hasSubquery(*a)) return true;
    return false;
}

bool aggregates(const Expr& e) {
    if (e.kind == Expr::Kind::Call && (e.window || isAggregateFunction(e.op))) return true;
    for (const auto& a : e.args)
        if (aggregates(*a)) return true;
    return false;
}

/// Puts the call's arguments where the body names its parameters.
class Substitution {
public:
    Substitution(const UdfDef& def, std::vector<ExprPtr>& args) : def_(def), args_(args) {}

    void expr(ExprPtr& p, const std::vector<std::string>& shadow, bool top) {
        Expr& e = *p;
        if (e.kind == Expr::Kind::Path && !e.path.empty() && !shadowed(shadow, e.path[0])) {
            const int i = argIndex(e.path[0]);
            if (i >= 0) {
                if (!top && aggregates(*args_[static_cast<std::size_t>(i)]))
                    throw SqlError("An aggregate or analytic function in the argument " + def_.args[static_cast<std::size_t>(i)].name + " of " +
                                       def_.name + ", whose body reads it inside a subquery, is not supported by the sandbox yet",
                                   args_[static_cast<std::size_t>(i)]->pos);
                p = argumentFor(static_cast<std::size_t>(i), e);
                return;
            }
            // Nothing else is in scope at the body's top: no columns, no variables.
            if (top) throw SqlError("Unrecognized name: " + e.path[0] + " (the body of function " + def_.name +
                                        " can read only its parameters)", e.pos);
        }
        for (auto& a : e.args) expr(a, shadow, top);
        if (e.window) {
            for (auto& x : e.window->partitionBy) expr(x, shadow, top);
            for (auto& o : e.window->orderBy) expr(o.expr, shadow, top);
            for (auto* b : {&e.window->start, &e.window->end})
                if (b->offset) expr(b->offset, shadow, top);
        }
        if (e.aggMods) {
            if (e.aggMods->having) expr(e.aggMods->having, shadow, top);
            if (e.aggMods->where) expr(e.aggMods->where, shadow, top);
            for (auto& o : e.aggMods->order) expr(o.expr, shadow, top);
        }
        if (e.subquery) select(*e.subquery, shadow);
    }

    void select(Select& s, std::vector<std::string> shadow) {
        for (auto& [name, q] : s.with) {
            select(*q, shadow);
            shadow.push_back(name);
        }
        for (auto& b : s.setBranches) select(*b, shadow);
        for (auto& f : s.from) {
            if (f.subquery) select(*f.subquery, shadow);
            if (f.unnest) expr(f.unnest, shadow, false);
            if (!f.alias.empty()) shadow.push_back(f.alias);
            else if (f.kind == FromItem::Kind::Table && !f.tablePath.empty()) shadow.push_back(f.tablePath.back());
            if (!f.offsetAlias.empty()) shadow.push_back(f.offsetAlias);
        }
        for (auto& f : s.from)
            if (f.on) expr(f.on, shadow, false);
        for (auto& it : s.items) {
            if (it.expr) expr(it.expr, shadow, false);
            for (auto& r : it.replace) expr(r.first, shadow, false);
        }
        for (ExprPtr* x : {&s.where, &s.having, &s.qualify, &s.limitParam, &s.offsetParam})
            if (*x) expr(*x, shadow, false);
        for (auto& g : s.groupBy) expr(g, shadow, false);
        for (auto& [_, w] : s.namedWindows) {
            for (auto& x : w->partitionBy) expr(x, shadow, false);
            for (auto& o : w->orderBy) expr(o.expr, shadow, false);
        }
        for (auto& o : s.orderBy) expr(o.expr, shadow, false);
    }

private:
    static bool shadowed(const std::vector<std::string>& shadow, const std::string& name) {
        for (const auto& s : shadow)
            if (text::iequals(s, name)) return true;
        return false;
    }

    int argIndex(const std::string& name) const {
        for (std::size_t i = 0; i < def_.args.size(); ++i)
            if (text::iequals(def_.args[i].name, name)) return static_cast<int>(i);
        return -1;
    }

    /// The argument (coerced to the parameter's type), then the fields the path goes on to.
    ExprPtr argumentFor(std::size_t i, const Expr& ref) {
        // A subquery is bound once per Select: each use gets its own copy.
        ExprPtr out = hasSubquery(*args_[i]) ? cloneExprDeep(*args_[i]) : cloneExpr(*args_[i]);
        if (const auto& type = def_.args[i].type) {
            auto c = std::make_unique<Expr>();
            c->kind = Expr::Kind::Cast;
            c->op = "udf-arg";
            c->pos = args_[i]->pos;
            c->castType = *type;
            c->path = {def_.name, def_.args[i].name, def_.signature()};
            c->args.push_back(std::move(out));
            out = std::move(c);
        }
        return fieldsBelow(std::move(out), ref);
    }

    const UdfDef& def_;
    std::vector<ExprPtr>& args_;
};

} // namespace

ExprPtr fieldsBelow(ExprPtr base, const Expr& path) {
    for (std::size_t k = 1; k < path.path.size(); ++k) {
        auto f = std::make_unique<Expr>();
        f->kind = Expr::Kind::Field;
        f->pos = path.pos;
        f->op = path.path[k];
        f->args.push_back(std::move(base));
        base = std::move(f);
    }
    return base;
}

std::string UdfDef::signature() const {
    std::string s = name + "(";
    for (std::size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + (args[i].type ? args[i].type->name() : std::string("ANY TYPE"));
    return s + ")";
}

void expandUdfCall(Expr& call, const UdfDef& def) {
    if (call.window) throw SqlError("Function " + def.name + " is not an analytic function; it cannot be called with OVER", call.pos);
    if (call.distinct || call.star || call.aggMods)
        throw SqlError("Function " + def.name + " is not an aggregate function; DISTINCT, *, ORDER BY and LIMIT are not allowed in its call", call.pos);
    if (call.args.size() != def.args.size())
        throw SqlError("No matching signature for function " + def.name + ": it takes " + std::to_string(def.args.size()) +
                           " argument" + (def.args.size() == 1 ? "" : "s") + ", " + std::to_string(call.args.size()) +
                           " given. Supported signature: " + def.signature(),
                       call.pos);
    ExprPtr body;
    try {
        body = parseExpression(def.body);
    } catch (const SqlError& e) {
        throw SqlError(std::string("The body of function ") + def.name + " does not parse: " + e.what(), call.pos);
    }
    Substitution(def, call.args).expr(body, {}, true);
    if (def.returns) {
        auto c = std::make_unique<Expr>();
        c->kind = Expr::Kind::Cast;
        c->op = "udf-return";
        c->pos = call.pos;
        c->castType = *def.returns;
        c->path = {def.name};
        c->args.push_back(std::move(body));
        body = std::move(c);
    }
    body->pos = call.pos;
    Expr replaced = std::move(*body);
    call = std::move(replaced);
}

Json standardSqlType(const SqlType& t) {
    if (t.array) return {{"typeKind", "ARRAY"}, {"arrayElementType", standardSqlType(t.element())}};
    if (t.kind == TypeKind::Struct) {
        Json fields = Json::array();
        for (const auto& [n, ft] : t.fields) fields.push_back({{"name", n}, {"type", standardSqlType(ft)}});
        return {{"typeKind", "STRUCT"}, {"structType", {{"fields", fields}}}};
    }
    if (t.kind == TypeKind::Range)
        return {{"typeKind", "RANGE"}, {"rangeElementType", {{"typeKind", std::string(standardTypeName(t.rangeElement))}}}};
    return {{"typeKind", std::string(standardTypeName(t.kind))}};
}

SqlType fromStandardSqlType(const Json& j, const std::string& where) {
    if (!j.is_object() || !j.contains("typeKind") || !j["typeKind"].is_string())
        throw std::runtime_error(where + " must be an object with a typeKind");
    const std::string kind = j["typeKind"].get<std::string>();
    if (kind == "ARRAY") {
        if (!j.contains("arrayElementType")) throw std::runtime_error(where + ".arrayElementType is missing");
        return fromStandardSqlType(j["arrayElementType"], where + ".arrayElementType").arrayOf();
    }
    if (kind == "STRUCT") {
        SqlType t = SqlType::scalar(TypeKind::Struct);
        const Json fields = j.contains("structType") ? j["structType"].value("fields", Json::array()) : Json::array();
        for (std::size_t i = 0; i < fields.size(); ++i)
            t.fields.emplace_back(fields[i].value("name", std::string()),
                                  fromStandardSqlType(fields[i].value("type", Json()), where + ".structType.fields[" + std::to_string(i) + "].type"));
        return t;
    }
    if (kind == "RANGE") {
        SqlType t = SqlType::scalar(TypeKind::Range);
        t.rangeElement = fromStandardSqlType(j.value("rangeElementType", Json()), where + ".rangeElementType").kind;
        return t;
    }
    const auto k = parseTypeName(kind);
    if (!k || *k == TypeKind::Struct || *k == TypeKind::Range) throw std::runtime_error(where + ".typeKind " + kind + " is not a type the sandbox knows");
    return SqlType::scalar(*k);
}

UdfDef udfFromRoutine(const Json& routine, std::string name) {
    UdfDef d;
    d.name = std::move(name);
    const Json args = routine.value("arguments", Json::array());
    for (std::size_t i = 0; i < args.size(); ++i) {
        UdfArg a;
        a.name = args[i].value("name", std::string());
        if (args[i].value("argumentKind", std::string()) != "ANY_TYPE")
            a.type = fromStandardSqlType(args[i].value("dataType", Json()), "arguments[" + std::to_string(i) + "].dataType");
        d.args.push_back(std::move(a));
    }
    if (routine.contains("returnType") && !routine["returnType"].is_null())
        d.returns = fromStandardSqlType(routine["returnType"], "returnType");
    d.body = routine.value("definitionBody", std::string());
    d.description = routine.value("description", std::string());
    return d;
}

Json routineFields(const UdfDef& def) {
    Json args = Json::array();
    for (const auto& a : def.args) {
        Json j = {{"name", a.name}};
        if (a.type) {
            j["dataType"] = standardSqlType(*a.type);
        } else {
            j["argumentKind"] = "ANY_TYPE";
        }
        args.push_back(std::move(j));
    }
    Json r = {{"routineType", "SCALAR_FUNCTION"}, {"language", "SQL"}, {"arguments", args}, {"definitionBody", def.body}};
    if (def.returns) r["returnType"] = standardSqlType(*def.returns);
    if (!def.description.empty()) r["description"] = def.description;
    return r;
}

} // namespace quarry::sandbox::sql
