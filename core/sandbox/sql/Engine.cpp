// SPDX-License-Identifier: MIT
#include <chrono>
#include "sandbox/sql/Engine.h"

#include "sandbox/Views.h"
#include "sandbox/sql/AstClone.h"
#include "sandbox/sql/CollationRules.h"
#include "sandbox/sql/Intervals.h"
#include "sandbox/sql/TimeZone.h"
#include "sandbox/sql/Udf.h"
#include "value/Text.h"

#include "sandbox/Bytes.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/Parser.h"
#include "sandbox/sql/DateFunctions.h"
#include "sandbox/sql/MoreAggregates.h"
#include "sandbox/sql/RowEval.h"
#include "sandbox/sql/SetOperation.h"
#include "sandbox/sql/plan/Executor.h"
#include "sandbox/sql/ValueOps.h"
#include "sandbox/sql/Window.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <tuple>
#include <shared_mutex>
#include <unordered_set>

namespace quarry::sandbox::sql {
namespace {

using text::iequals;

using text::lower;


/// Calls a function on every expression below `e`, window clauses included.
template <class F> bool anyBelow(const Expr& e, F&& f) {
    for (const auto& a : e.args)
        if (f(*a)) return true;
    if (e.window) {
        for (const auto& p : e.window->partitionBy)
            if (f(*p)) return true;
        for (const auto& o : e.window->orderBy)
            if (f(*o.expr)) return true;
    }
    return false;
}

bool containsWindow(const Expr& e) {
    if (e.window) return true;
    return anyBelow(e, [](const Expr& a) { return containsWindow(a); });
}

bool containsAggregate(const Expr& e) {
    if (e.kind == Expr::Kind::Call && !e.window && isAggregateFunction(e.op)) return true; // with OVER: analytic
    return anyBelow(e, [](const Expr& a) { return containsAggregate(a); });
}

bool sameExpr(const Expr& a, const Expr& b) {
    if (a.kind != b.kind || a.op != b.op || a.args.size() != b.args.size() || a.distinct != b.distinct ||
        a.negated != b.negated || a.star != b.star || a.window || b.window || a.subquery || b.subquery)
        return false;
    if (a.kind == Expr::Kind::Path && (a.slot != b.slot || a.fieldPath != b.fieldPath)) return false;
    if (a.kind == Expr::Kind::Literal && !(a.value == b.value)) return false;
    if (a.kind == Expr::Kind::Cast && !(a.castType == b.castType)) return false;
    if (a.kind == Expr::Kind::Param && a.paramIndex != b.paramIndex) return false;
    for (std::size_t i = 0; i < a.args.size(); ++i)
        if (!sameExpr(*a.args[i], *b.args[i])) return false;
    return true;
}

struct Var {
    std::string name;
    SqlType type;
    std::shared_ptr<Table> table;
    bool offset = false;
    std::set<int> used;
    bool usedWhole = false;
    std::set<int> hidden; ///< USING columns reachable only qualified (the other side's copy is visible)
    bool anonymous = false; ///< an unaliased UNNEST of scalars: SELECT * still shows it, as f0_
};

/// Queries running on this thread: only the outermost takes the table locks (for the tables
/// of its subqueries too), so a subquery evaluated per row never locks a table twice.
thread_local int runDepth = 0;
thread_local int udfDepth = 0; ///< user function calls being expanded, one inside another

} // namespace

std::string planName(const FromItem& item) {
    std::string out;
    for (const auto& part : item.tablePath) out += (out.empty() ? "" : ".") + part;
    return out.empty() ? std::string("(subquery)") : out;
}

struct PreparedQuery::Impl final : RowEvaluator {
    QueryContext ctx;
    Select sel;
    std::vector<Var> vars;
    struct FromBinding {
        int slot = -1;
        int offsetSlot = -1;
        /// A table joined ON an equality (left key = this item's key): its rows are found by a
        /// hash of the key instead of a scan per left row.
        const Expr* probeKey = nullptr; ///< over the items before
        const Expr* buildKey = nullptr; ///< over this item's row
    };
    std::vector<FromBinding> fromSlots;
    std::vector<Expr*> aggs;
    std::vector<Expr*> windows; ///< analytic calls, computed after grouping, before DISTINCT
    /// Subqueries in expressions (scalar, ARRAY, EXISTS, IN), by their Select; bound with this
    /// query as their outer scope, run per row when correlated, once otherwise.
    std::map<const Select*, std::unique_ptr<Impl>> exprSubs;
    Impl* outerQuery = nullptr;
    std::size_t outerVisible = 0;  ///< the outer query's range variables the subquery sees
    bool correlated = false;       ///< reads a column of an enclosing query
    const Frame* outerFrame = nullptr;  ///< while running as a correlated subquery
    mutable std::optional<QueryResult> cached; ///< an uncorrelated subquery's result
    std::unique_ptr<plan::BoundSelect> planned; ///< what the plan executor runs, once bound
    bool aggregating = false;
    bool setBranch = false; ///< a set operation's input: its column names may repeat (the result's may not)
    std::vector<ExprPtr> owned;
    struct Column {
        std::string name;
        Expr* expr = nullptr;
        bool anonymous = false; ///< named fN_ for want of an alias
    };
    std::vector<Column> columns;
    std::vector<SqlType> columnTypes; ///< of the output columns, NULL literals still unknown
    std::vector<ExprPtr> groupKeys;
    std::vector<std::vector<bool>> groupingSets; ///< ROLLUP, CUBE, GROUPING SETS: which keys each set groups by
    bool usesGrouping = false;                   ///< GROUPING(...) reads the group's grouping bits
    std::set<const Expr*> keyItems;              ///< SELECT items GROUP BY names by position or alias
    /// A FROM subquery or WITH query: bound on its own, materialized into a temporary table
    /// (no project) before the query that reads it runs.
    struct Sub {
        std::unique_ptr<Impl> impl;
        std::shared_ptr<Table> table;
    };
    std::vector<std::pair<std::string, std::shared_ptr<Sub>>> ctes; ///< visible WITH names, outer ones too
    std::vector<std::shared_ptr<Sub>> subs;                         ///< what this query reads, in order
    std::vector<std::shared_ptr<Sub>> setBranches;                  ///< a set operation's queries
    SetPlan setPlan;                                                ///< how the branches' columns pair up
    struct Order {
        Expr* expr = nullptr;
        int column = -1;
        bool desc = false;
        bool nullsFirst = true;
        const Collation* collation = nullptr;
    };
    std::vector<Order> order;
    Schema schema;

    // ---- binding ----
    struct BindCtx {
        std::size_t visible = 0;
        const char* aggContext = nullptr; ///< null: aggregates allowed; else the clause that forbids them
        bool inAgg = false;
        const char* windowContext = nullptr; ///< the clause that forbids analytic functions
        bool inWindow = false;
        bool intervalArg = false; ///< binding a direct argument of DATE_ADD and its kin
    };

    [[noreturn]] static void err(const std::string& m, Pos p) { throw SqlError(m, p); }

    void resolvePath(Expr& e, const BindCtx& bc) {
        const auto& p = e.path;
        std::size_t rest = 0;
        for (std::size_t v = 0; v < bc.visible; ++v) {
            if (!vars[v].name.empty() && iequals(vars[v].name, p[0])) {
                e.slot = static_cast<int>(v);
                rest = 1;
                break;
            }
        }
        SqlType t;
        if (e.slot >= 0) {
            t = vars[static_cast<std::size_t>(e.slot)].type;
        } else {
            int found = -1, idx = -1;
            for (std::size_t v = 0; v < bc.visible; ++v) {
                const auto& var = vars[v];
                if (!var.type.isStruct() || (!var.table && !var.name.empty())) continue;
                for (std::size_t k = 0; k < var.type.fields.size(); ++k) {
                    if (!iequals(var.type.fields[k].first, p[0]) || var.hidden.count(static_cast<int>(k))) continue;
                    if (found >= 0) err("Column name " + p[0] + " is ambiguous", e.pos);
                    found = static_cast<int>(v);
                    idx = static_cast<int>(k);
                }
            }
            if (found < 0 && outerQuery) {
                BindCtx up;
                up.visible = outerVisible;
                outerQuery->resolvePath(e, up);
                if (e.kind != Expr::Kind::Path) return; // a script variable
                ++e.outerDepth;
                correlated = true;
                return;
            }
            if (found < 0 && readVariable(e)) return;
            if (found < 0) err("Unrecognized name: " + p[0], e.pos);
            e.slot = found;
            e.fieldPath.push_back(idx);
            t = vars[static_cast<std::size_t>(found)].type.fields[static_cast<std::size_t>(idx)].second;
            rest = 1;
        }
        for (std::size_t i = rest; i < p.size(); ++i) {
            if (!t.isStruct())
                err("Cannot access field " + p[i] + " on a value with type " + t.name(), e.pos);
            int idx = -1;
            for (std::size_t k = 0; k < t.fields.size(); ++k)
                if (iequals(t.fields[k].first, p[i])) {
                    idx = static_cast<int>(k);
                    break;
                }
            if (idx < 0) err("Field name " + p[i] + " does not exist in " + t.name(), e.pos);
            e.fieldPath.push_back(idx);
            SqlType next = t.fields[static_cast<std::size_t>(idx)].second;
            t = std::move(next);
        }
        e.type = t;
        auto& var = vars[static_cast<std::size_t>(e.slot)];
        if (var.table) {
            if (e.fieldPath.empty()) var.usedWhole = true;
            else var.used.insert(e.fieldPath[0]);
        }
    }

    /// A name no column has, read from the script's variables: `e` becomes the value (and the
    /// fields its path goes on to). False when there is no such variable.
    bool readVariable(Expr& e) const {
        const auto it = ctx.variables.find(lower(e.path[0]));
        if (it == ctx.variables.end()) return false;
        auto v = std::make_unique<Expr>();
        v->kind = Expr::Kind::Literal;
        v->pos = e.pos;
        v->value = it->second.value;
        v->type = it->second.type;
        v = fieldsBelow(std::move(v), e);
        Expr replaced = std::move(*v);
        e = std::move(replaced);
        if (e.kind == Expr::Kind::Field) const_cast<Impl*>(this)->bind(e, BindCtx{});
        return true;
    }

    /// A call of a user function: replaced by its body, which is bound in its place. False for
    /// a built-in.
    bool expandUserFunction(Expr& e, const BindCtx& bc) {
        std::vector<std::string> name = e.path.empty() ? std::vector<std::string>{e.op} : e.path;
        if (name.size() == 2) { // namespaced built-ins: NET.HOST, KEYS.NEW_KEYSET, AEAD.ENCRYPT, ...
            const std::string ns = text::upper(name[0]);
            for (const char* builtin : {"NET", "HLL_COUNT", "KEYS", "AEAD", "DETERMINISTIC_ENCRYPT", "DETERMINISTIC_DECRYPT", "KLL_QUANTILES", "S2"})
                if (ns == builtin) err("The function " + e.op + " is not supported by the sandbox yet", e.pos);
        }
        std::shared_ptr<const UdfDef> def = ctx.resolveFunction ? ctx.resolveFunction(name, e.pos) : nullptr;
        if (!def) {
            if (!e.path.empty()) err("Function not found: " + e.op, e.pos);
            return false;
        }
        struct Depth {
            Depth(Pos p) {
                if (udfDepth >= 32)
                    throw SqlError("User-defined functions call each other more than 32 deep (a function may not call itself)", p);
                ++udfDepth;
            }
            ~Depth() { --udfDepth; }
        } depth(e.pos);
        expandUdfCall(e, *def);
        bind(e, bc);
        return true;
    }

    /// CAST's implicit kin: a UDF's argument to its parameter's type, its body to RETURNS.
    void bindUdfCoercion(Expr& e, const BindCtx& bc) {
        bind(*e.args[0], bc);
        Expr& a = *e.args[0];
        if (a.kind == Expr::Kind::Literal && a.value.kind() == ValueKind::String && !a.type.unknown) coerceStringLiteral(a, e.castType);
        if (!coercesTo(a.type, e.castType)) {
            if (e.op == "udf-arg")
                err("No matching signature for function " + e.path[0] + " for argument types: " + a.type.name() + " (argument " +
                        e.path[1] + "). Supported signature: " + e.path[2],
                    a.pos);
            err("Function " + e.path[0] + " is declared to return " + e.castType.name() + " but its body gives " + a.type.name(), e.pos);
        }
        // The node stays a CAST even between equal types: the argument is bound in place, and
        // an aggregate or analytic call in it is known to the binder by its address.
        e.op.clear();
        e.path.clear();
        e.type = e.castType;
    }

    void bind(Expr& e, const BindCtx& bc) {
        using K = Expr::Kind;
        switch (e.kind) {
        case K::Literal:
            if (e.op == "int-min") err("Invalid integer literal: 9223372036854775808", e.pos);
            return;
        case K::Param: {
            const Param* p = nullptr;
            if (e.paramIndex >= 0) {
                if (static_cast<std::size_t>(e.paramIndex) < ctx.positionalParams.size())
                    p = &ctx.positionalParams[static_cast<std::size_t>(e.paramIndex)];
                else err("Query has more positional parameters than were given", e.pos);
            } else if (e.op.starts_with("@@")) {
                const auto it = ctx.variables.find(lower(e.op));
                if (it == ctx.variables.end()) err("Unrecognized system variable " + e.op, e.pos);
                p = &it->second;
            } else {
                const auto it = ctx.namedParams.find(lower(e.op));
                if (it == ctx.namedParams.end()) err("Query parameter '" + e.op + "' not found", e.pos);
                p = &it->second;
            }
            e.type = p->type;
            e.value = p->value;
            return;
        }
        case K::Path: resolvePath(e, bc); return;
        case K::Unary: {
            bind(*e.args[0], bc);
            const auto& t = e.args[0]->type;
            if (e.op == "NOT") {
                if (!t.unknown && (t.array || t.kind != TypeKind::Bool))
                    err("No matching signature for operator NOT for argument types: " + t.name(), e.pos);
                e.type = SqlType::scalar(TypeKind::Bool);
            } else {
                if (!t.unknown && !t.isNumeric() && !(e.op == "-" && !t.array && t.kind == TypeKind::Interval))
                    err("No matching signature for operator " + e.op + " for argument types: " + t.name(), e.pos);
                e.type = t.unknown ? SqlType::scalar(TypeKind::Int64) : t;
            }
            return;
        }
        case K::Binary:
            bind(*e.args[0], bc);
            bind(*e.args[1], bc);
            if (e.op == "+" || e.op == "-" || e.op == "*" || e.op == "/")
                for (const auto& a : e.args)
                    if (a->kind == K::Literal && a->value.isNull() && a->type.unknown)
                        err("Operands of " + e.op + " cannot be literal NULL", a->pos);
            e.type = binaryType(e.op, e.args[0]->type, e.args[1]->type, e.pos);
            if (e.op == "=" || e.op == "!=" || e.op == "<" || e.op == "<=" || e.op == ">" || e.op == ">=")
                e.collation = comparisonCollation({&e.args[0]->type, &e.args[1]->type}, e.pos, "operator " + e.op);
            else if (e.op == "||") propagateCollation(e.type, {e.args[0]->type, e.args[1]->type}, e.pos, "operator ||");
            return;
        case K::Call: {
            // The legacy translation rewrites every WITHIN it can; one left is in a place it
            // does not reach (a query over a subquery, say): an error, not a plain aggregate.
            if (!e.within.empty()) err("WITHIN " + e.within + " is not supported by the sandbox here (only over a table)", e.pos);
            if ((!e.path.empty() || ctx.resolveFunction) && expandUserFunction(e, bc)) return;
            if (e.window) {
                bindWindow(e, bc);
                return;
            }
            if (isAnalyticOnlyFunction(e.op)) err("Analytic function " + e.op + " cannot be called without an OVER clause", e.pos);
            if (e.op == "GROUPING") {
                bindGrouping(e, bc);
                return;
            }
            if (isAggregateFunction(e.op)) {
                if (bc.aggContext) err("Aggregate function " + e.op + " not allowed in " + bc.aggContext, e.pos);
                if (bc.inAgg) err("Aggregations of aggregations are not allowed", e.pos);
                BindCtx inner = bc;
                inner.inAgg = true;
                for (auto& a : e.args) bind(*a, inner);
                bindAggregate(e);
                collateCall(e);
                if (e.aggMods) bindAggModifiers(e, inner);
                e.isAggregate = true;
                e.aggIndex = static_cast<int>(aggs.size());
                aggs.push_back(&e);
                return;
            }
            if (e.aggMods) err("IGNORE NULLS, ORDER BY and LIMIT belong to aggregate function calls; " + e.op + " is not one", e.aggMods->pos);
            if (e.star) err("Function " + e.op + " does not accept *", e.pos);
            if (e.op == "INTERVAL" && (!bc.intervalArg || e.args.size() == 3)) {
                bindIntervalValue(e, bc);
                return;
            }
            std::vector<SqlType> types;
            BindCtx argCtx = bc;
            argCtx.intervalArg = takesInterval(e.op);
            for (auto& a : e.args) {
                bind(*a, argCtx);
                types.push_back(a->type);
            }
            typeEmptyArrays(e, types);
            coerceTimeLiterals(e, types);
            if (e.op == "COLLATE") {
                bindCollateCall(e);
                return;
            }
            e.type = bindFunction(e, types);
            collateCall(e);
            return;
        }
        case K::Cast: {
            if (e.op == "udf-arg" || e.op == "udf-return") {
                bindUdfCoercion(e, bc);
                return;
            }
            bind(*e.args[0], bc);
            if (!castable(e.args[0]->type, e.castType))
                err("Invalid cast from " + e.args[0]->type.name() + " to " + e.castType.name(), e.pos);
            // A FLOAT64 literal cast to NUMERIC or BIGNUMERIC is read from its digits as
            // written, as BigQuery does (9999999.999999999 is not the double's 9999999.9999999981).
            if (const Expr& a = *e.args[0]; a.kind == K::Literal && a.value.kind() == ValueKind::Float64 && a.path.size() == 1 &&
                                           !e.castType.array && (e.castType.kind == TypeKind::Numeric || e.castType.kind == TypeKind::BigNumeric)) {
                try {
                    e.value = castValue(Value::string(a.path[0]), e.castType, e.safe);
                } catch (const EvalError& ex) {
                    err(ex.what(), a.pos);
                }
                e.kind = K::Literal;
                e.type = e.castType;
                e.args.clear();
                return;
            }
            if (e.op == "literal") {
                try {
                    e.value = castValue(e.args[0]->value, e.castType, false);
                } catch (const EvalError& ex) {
                    if (std::string_view(ex.what()).find("not supported by the sandbox") != std::string_view::npos)
                        err(ex.what(), e.args[0]->pos);
                    err("Invalid " + e.castType.name() + " literal: \"" + std::string(e.args[0]->value.asText()) + "\"",
                        e.args[0]->pos);
                }
                e.kind = K::Literal;
                e.args.clear();
            }
            e.type = e.castType;
            return;
        }
        case K::Case: {
            for (auto& a : e.args) bind(*a, bc);
            std::size_t i = 0;
            if (e.hasOperand) ++i;
            std::vector<SqlType> results;
            const std::size_t whenEnd = e.args.size() - (e.hasElse ? 1 : 0);
            for (; i + 1 < whenEnd; i += 2) {
                if (e.hasOperand) binaryType("=", e.args[0]->type, e.args[i]->type, e.args[i]->pos);
                else if (!e.args[i]->type.unknown && (e.args[i]->type.array || e.args[i]->type.kind != TypeKind::Bool))
                    err("CASE WHEN condition must be BOOL, not " + e.args[i]->type.name(), e.args[i]->pos);
                results.push_back(e.args[i + 1]->type);
            }
            if (e.hasElse) results.push_back(e.args.back()->type);
            e.type = commonType(results, e.pos, "CASE");
            if (e.hasOperand) { // the operand and every WHEN value compare under one collation
                std::vector<const SqlType*> compared{&e.args[0]->type};
                for (std::size_t w = 1; w + 1 < whenEnd; w += 2) compared.push_back(&e.args[w]->type);
                e.collation = comparisonCollation(compared, e.pos, "CASE");
            }
            return;
        }
        case K::StructCtor: {
            SqlType t = SqlType::scalar(TypeKind::Struct);
            for (std::size_t i = 0; i < e.args.size(); ++i) {
                bind(*e.args[i], bc);
                std::string name = i < e.names.size() ? e.names[i] : std::string();
                if (name.empty() && e.args[i]->kind == K::Path && !e.typed) name = e.args[i]->path.back();
                t.fields.emplace_back(name, e.args[i]->type.unknown ? SqlType::scalar(TypeKind::Int64) : e.args[i]->type);
            }
            if (e.typed) {
                if (e.castType.fields.size() != e.args.size())
                    err("STRUCT type has " + std::to_string(e.castType.fields.size()) + " fields but constructor call has " +
                            std::to_string(e.args.size()),
                        e.pos);
                for (std::size_t i = 0; i < e.args.size(); ++i)
                    if (!castable(e.args[i]->type, e.castType.fields[i].second))
                        err("STRUCT field " + std::to_string(i + 1) + " has type " + e.args[i]->type.name() +
                                " which does not coerce to " + e.castType.fields[i].second.name(),
                            e.args[i]->pos);
                t = e.castType;
            }
            e.type = t;
            return;
        }
        case K::ArrayCtor: {
            std::vector<SqlType> types;
            for (auto& a : e.args) {
                bind(*a, bc);
                if (a->type.array) err("Cannot construct array with element type " + a->type.name() + " because nested arrays are not supported", a->pos);
                types.push_back(a->type);
            }
            // Literal coercion: beside a NUMERIC (or BIGNUMERIC) element, a FLOAT64 literal is
            // read as that type from its digits, as BigQuery types [NUMERIC '1', 1.5] NUMERIC.
            if (!e.typed)
                for (const TypeKind exact : {TypeKind::BigNumeric, TypeKind::Numeric}) {
                    if (std::none_of(types.begin(), types.end(), [&](const SqlType& t) { return !t.unknown && !t.array && t.kind == exact; }))
                        continue;
                    for (std::size_t i = 0; i < e.args.size(); ++i) {
                        Expr& a = *e.args[i];
                        if (a.kind != K::Literal || a.value.kind() != ValueKind::Float64 || a.path.size() != 1) continue;
                        try {
                            a.value = castValue(Value::string(a.path[0]), SqlType::scalar(exact), false);
                            a.type = types[i] = SqlType::scalar(exact);
                        } catch (const EvalError&) {
                        }
                    }
                    break;
                }
            SqlType el = e.typed ? e.castType : commonType(types, e.pos, "ARRAY");
            if (e.typed)
                for (std::size_t i = 0; i < types.size(); ++i) {
                    if (types[i].unknown) continue;
                    auto& a = *e.args[i];
                    const bool timeLike = !el.array && (el.kind == TypeKind::Date || el.kind == TypeKind::DateTime ||
                                                        el.kind == TypeKind::Time || el.kind == TypeKind::Timestamp);
                    // A STRING literal coerces to a date or time type: ARRAY<DATE>['2000-01-01'].
                    if (timeLike && coerceStringLiteral(a, el)) {
                        types[i] = el;
                        continue;
                    }
                    if (!coercesTo(types[i], el)) err("Array element type " + types[i].name() + " does not coerce to " + el.name(), a.pos);
                }
            if (el.unknown) el = SqlType::scalar(TypeKind::Int64);
            e.type = el.arrayOf();
            return;
        }
        case K::Subscript: {
            bind(*e.args[0], bc);
            bind(*e.args[1], bc);
            if (!e.args[0]->type.array && !e.args[0]->type.unknown)
                err("Array element access is not supported for type " + e.args[0]->type.name(), e.pos);
            if (!e.args[1]->type.unknown && (e.args[1]->type.array || e.args[1]->type.kind != TypeKind::Int64))
                err("Array position in [] must be coercible to INT64 type, but has type " + e.args[1]->type.name(), e.args[1]->pos);
            e.type = e.args[0]->type.element();
            return;
        }
        case K::Field: {
            bind(*e.args[0], bc);
            const auto& t = e.args[0]->type;
            if (!t.isStruct()) err("Cannot access field " + e.op + " on a value with type " + t.name(), e.pos);
            for (std::size_t k = 0; k < t.fields.size(); ++k)
                if (iequals(t.fields[k].first, e.op)) {
                    e.fieldPath = {static_cast<int>(k)};
                    e.type = t.fields[k].second;
                    return;
                }
            err("Field name " + e.op + " does not exist in " + t.name(), e.pos);
        }
        case K::In: {
            for (auto& a : e.args) bind(*a, bc);
            if (e.subquery) {
                const Impl& sub = bindSubquery(e, bc);
                if (sub.schema.fields.size() != 1) err("Subquery of type IN must have only one output column", e.subquery->pos);
                const SqlType column = SqlType::fromField(sub.schema.fields[0]);
                binaryType("=", e.args[0]->type, column, e.pos);
                e.collation = comparisonCollation({&e.args[0]->type, &column}, e.subquery->pos, "IN operator");
            } else if (e.inUnnest) {
                const auto& at = e.args[1]->type;
                if (!at.array && !at.unknown) err("Second argument of IN UNNEST must be an array but was " + at.name(), e.args[1]->pos);
                binaryType("=", e.args[0]->type, at.element(), e.pos);
                e.collation = comparisonCollation({&e.args[0]->type, &at}, e.args[1]->pos, "IN UNNEST");
            } else {
                std::vector<const SqlType*> all;
                for (std::size_t i = 1; i < e.args.size(); ++i) {
                    binaryType("=", e.args[0]->type, e.args[i]->type, e.args[i]->pos);
                    all.push_back(&e.args[i]->type);
                }
                all.push_back(&e.args[0]->type);
                e.collation = comparisonCollation(all, e.pos, "IN operator");
            }
            e.type = SqlType::scalar(TypeKind::Bool);
            return;
        }
        case K::Subquery: {
            const Impl& sub = bindSubquery(e, bc);
            if (e.op == "EXISTS") {
                e.type = SqlType::scalar(TypeKind::Bool);
                return;
            }
            if (sub.schema.fields.size() != 1)
                err((e.op == "ARRAY" ? std::string("ARRAY") : std::string("Scalar")) +
                        " subquery cannot have more than one column unless using SELECT AS STRUCT to build STRUCT values",
                    e.subquery->pos);
            const SqlType t = SqlType::fromField(sub.schema.fields[0]);
            if (e.op == "ARRAY" && t.array) err("Cannot use array subquery with column of type " + t.name() + " because nested arrays are not supported", e.pos);
            e.type = e.op == "ARRAY" ? t.arrayOf() : t;
            return;
        }
        case K::Between:
            for (auto& a : e.args) bind(*a, bc);
            binaryType("<=", e.args[1]->type, e.args[0]->type, e.pos);
            binaryType("<=", e.args[0]->type, e.args[2]->type, e.pos);
            e.collation = comparisonCollation({&e.args[0]->type, &e.args[1]->type, &e.args[2]->type}, e.pos, "BETWEEN");
            e.type = SqlType::scalar(TypeKind::Bool);
            return;
        case K::Like: {
            for (auto& a : e.args) bind(*a, bc);
            const std::string name = e.op.empty() ? "LIKE" : "LIKE " + e.op;
            TypeKind kind = TypeKind::String;
            bool known = false;
            for (std::size_t i = 0; i < e.args.size(); ++i) {
                const bool emptyLiteral = e.args[i]->kind == K::ArrayCtor && e.args[i]->args.empty() && !e.args[i]->typed;
                if (i == 1 && e.inUnnest && emptyLiteral) continue; // [] takes the patterns' type
                const SqlType t = i == 1 && e.inUnnest ? e.args[1]->type.element() : e.args[i]->type;
                const bool arrayOk = i == 1 && e.inUnnest ? e.args[1]->type.array || e.args[1]->type.unknown : !t.array;
                const bool textual = t.unknown || (!t.array && (t.kind == TypeKind::String || t.kind == TypeKind::Bytes));
                if (!arrayOk || !textual || (known && !t.unknown && t.kind != kind))
                    err("No matching signature for operator " + name + " for argument types: " + e.args[0]->type.name() + ", " +
                            e.args[i]->type.name(),
                        e.pos);
                if (!t.unknown && !known) {
                    kind = t.kind;
                    known = true;
                }
            }
            std::vector<const SqlType*> all;
            for (const auto& a : e.args) all.push_back(&a->type);
            e.collation = comparisonCollation(all, e.pos, name);
            e.type = SqlType::scalar(TypeKind::Bool);
            return;
        }
        case K::IsNull:
            bind(*e.args[0], bc);
            if (e.op == "DISTINCT") { // compared as GROUP BY compares, after coercion to one type
                bind(*e.args[1], bc);
                if (e.args[0]->type.array || e.args[1]->type.array)
                    err("IS DISTINCT FROM does not support ARRAY arguments", e.pos);
                e.castType = commonType({e.args[0]->type, e.args[1]->type}, e.pos, "operator IS DISTINCT FROM");
                e.collation = comparisonCollation({&e.args[0]->type, &e.args[1]->type}, e.pos, "IS DISTINCT FROM");
                e.type = SqlType::scalar(TypeKind::Bool);
                return;
            }
            if (e.op != "NULL" && !e.args[0]->type.unknown && (e.args[0]->type.array || e.args[0]->type.kind != TypeKind::Bool))
                err("No matching signature for operator IS " + e.op + " for argument types: " + e.args[0]->type.name(), e.pos);
            e.type = SqlType::scalar(TypeKind::Bool);
            return;
        }
    }

    /// Binds an expression's subquery with this query as its outer scope (once per Select:
    /// clones of an expression share it).
    const Impl& bindSubquery(Expr& e, const BindCtx& bc) {
        auto& slot = exprSubs[e.subquery.get()];
        if (!slot) {
            if (bc.aggContext && std::string(bc.aggContext) == "a window frame") err("A subquery is not allowed in a window frame", e.pos);
            auto child = std::make_unique<Impl>();
            child->ctx = ctx;
            child->ctes = ctes;
            child->outerQuery = this;
            child->outerVisible = bc.visible;
            child->sel = std::move(*e.subquery);
            child->bindAll();
            slot = std::move(child);
        }
        return *slot;
    }

    /// OVER w, OVER (w ...): the named window's clauses copied in, as BigQuery extends a named
    /// window: the reference may add ORDER BY where it has none, and a frame where it has
    /// none; never PARTITION BY.
    void resolveNamedWindow(WindowSpec& w, int depth = 0) {
        if (w.base.empty()) return;
        if (depth > 100) err("Named windows refer to each other in a cycle", w.pos);
        const auto it = std::find_if(sel.namedWindows.begin(), sel.namedWindows.end(),
                                     [&](const auto& n) { return iequals(n.first, w.base); });
        if (it == sel.namedWindows.end()) err("Unrecognized window alias " + w.base, w.pos);
        WindowSpec& named = *it->second;
        resolveNamedWindow(named, depth + 1);
        if (!w.partitionBy.empty()) err("If a window has a PARTITION BY, it cannot reference a named window", w.pos);
        if (!named.orderBy.empty() && !w.orderBy.empty()) err("If a window inherits an ORDER BY from its referenced window, it cannot have an inline ORDER BY", w.pos);
        if (named.hasFrame && (!w.orderBy.empty() || w.hasFrame))
            err("Named window " + w.base + " has a window frame: a window that references it cannot add to it", w.pos);
        for (const auto& p : named.partitionBy) w.partitionBy.push_back(cloneExpr(*p));
        if (w.orderBy.empty())
            for (const auto& o : named.orderBy) w.orderBy.push_back(cloneOrder(o));
        if (named.hasFrame) {
            w.hasFrame = true;
            w.rows = named.rows;
            for (auto [from, to] : {std::pair{&named.start, &w.start}, std::pair{&named.end, &w.end}}) {
                to->kind = from->kind;
                to->pos = from->pos;
                to->offset = from->offset ? cloneExpr(*from->offset) : nullptr;
            }
        }
        w.base.clear();
    }

    void bindWindow(Expr& e, const BindCtx& bc) {
        if (e.aggMods && (!e.aggMods->order.empty() || e.aggMods->limit || e.aggMods->having))
            err("HAVING MAX|MIN, ORDER BY and LIMIT are not allowed in an aggregate call with OVER", e.aggMods->pos);
        const bool navigates = e.op == "FIRST_VALUE" || e.op == "LAST_VALUE" || e.op == "NTH_VALUE" || e.op == "PERCENTILE_CONT" ||
                               e.op == "PERCENTILE_DISC";
        if (e.aggMods && e.op != "ARRAY_AGG" && !navigates)
            err("IGNORE NULLS and RESPECT NULLS are not allowed in analytic function " + e.op, e.aggMods->pos);
        resolveNamedWindow(*e.window);
        const char* where = bc.windowContext ? bc.windowContext : bc.aggContext;
        if (where) err("Analytic function not allowed in " + std::string(where), e.pos);
        if (bc.inAgg) err("Analytic function cannot be an argument of an aggregate function", e.pos);
        if (bc.inWindow) err("Analytic function cannot be an argument of another analytic function", e.pos);
        if (!isAnalyticOnlyFunction(e.op) && !isAggregateFunction(e.op))
            err("Function " + e.op + " is not an analytic function and cannot be used with OVER", e.pos);
        BindCtx inner = bc;
        inner.inWindow = true;
        for (auto& a : e.args) bind(*a, inner);
        for (auto& p : e.window->partitionBy) bind(*p, inner);
        for (auto& o : e.window->orderBy) bindOrderItem(o, inner);
        for (auto* b : {&e.window->start, &e.window->end})
            if (b->offset) {
                BindCtx constant;
                constant.aggContext = "a window frame";
                bind(*b->offset, constant);
            }
        SqlType aggType;
        if (isAggregateFunction(e.op)) {
            bindAggregate(e);
            aggType = e.type;
        }
        e.type = bindAnalytic(e, aggType);
        collateCall(e);
        e.windowIndex = static_cast<int>(windows.size());
        windows.push_back(&e);
    }

    /// INTERVAL n part, INTERVAL 'text' part [TO part] as a value (outside DATE_ADD and its
    /// kin, which read the count and part themselves): the call `$INTERVAL`.
    void bindIntervalValue(Expr& e, const BindCtx& bc) {
        for (auto& a : e.args) bind(*a, bc);
        const SqlType& n = e.args[0]->type;
        const std::string part(e.args[1]->value.asText());
        static const std::set<std::string> parts{"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND"};
        if (e.args.size() == 3) {
            const std::string to(e.args[2]->value.asText());
            if (!validIntervalRange(part, to)) err("Unsupported INTERVAL range " + part + " TO " + to, e.args[1]->pos);
            if (!n.unknown && (n.array || n.kind != TypeKind::String))
                err("INTERVAL ... " + part + " TO " + to + " needs a STRING, not " + n.name(), e.args[0]->pos);
        } else {
            if (!parts.count(part)) err("Unknown INTERVAL part " + part, e.args[1]->pos);
            if (!n.unknown && (n.array || (n.kind != TypeKind::Int64 && n.kind != TypeKind::String)))
                err("INTERVAL needs an INT64 count or a STRING, not " + n.name(), e.args[0]->pos);
        }
        e.op = "$INTERVAL";
        e.type = SqlType::scalar(TypeKind::Interval);
    }

    /// A STRING literal where a date function takes its date or time reads as that type, as
    /// BigQuery coerces literals: DATE_DIFF('2024-01-02', '2024-01-01', DAY).
    static void coerceTimeLiterals(Expr& e, std::vector<SqlType>& types) {
        static const std::map<std::string, std::pair<TypeKind, std::size_t>> kTakes = {
            {"GENERATE_DATE_ARRAY", {TypeKind::Date, 2}}, {"GENERATE_TIMESTAMP_ARRAY", {TypeKind::Timestamp, 2}}, {"DATE_DIFF", {TypeKind::Date, 2}}, {"DATE_TRUNC", {TypeKind::Date, 1}},
            {"DATE_ADD", {TypeKind::Date, 1}}, {"DATE_SUB", {TypeKind::Date, 1}}, {"LAST_DAY", {TypeKind::Date, 1}},
            {"TIMESTAMP_TRUNC", {TypeKind::Timestamp, 1}}, {"TIMESTAMP_DIFF", {TypeKind::Timestamp, 2}},
            {"TIMESTAMP_ADD", {TypeKind::Timestamp, 1}}, {"TIMESTAMP_SUB", {TypeKind::Timestamp, 1}},
            {"DATETIME_TRUNC", {TypeKind::DateTime, 1}}, {"DATETIME_DIFF", {TypeKind::DateTime, 2}},
            {"DATETIME_ADD", {TypeKind::DateTime, 1}}, {"DATETIME_SUB", {TypeKind::DateTime, 1}}};
        const auto it = kTakes.find(e.op);
        if (it == kTakes.end()) return;
        const SqlType to = SqlType::scalar(it->second.first);
        for (std::size_t i = 0; i < it->second.second && i < e.args.size(); ++i)
            if (coerceStringLiteral(*e.args[i], to)) types[i] = to; // else the signature error follows
    }

    /// A STRING literal read as `to` (a date or time type), if it is one; whether it was.
    static bool coerceStringLiteral(Expr& a, const SqlType& to) {
        if (a.kind != Expr::Kind::Literal || a.value.kind() != ValueKind::String) return false;
        try {
            a.value = castValue(a.value, to, false);
            a.type = to;
            return true;
        } catch (const EvalError&) {
            return false;
        }
    }

    /// An untyped `[]` argument takes the type of the call's first other array argument:
    /// ARRAY_CONCAT(['a'], []) and IFNULL(names, []) are ARRAY<STRING>, as in BigQuery.
    static void typeEmptyArrays(Expr& e, std::vector<SqlType>& types) {
        auto emptyLiteral = [](const Expr& a) { return a.kind == Expr::Kind::ArrayCtor && a.args.empty() && !a.typed; };
        const SqlType* model = nullptr;
        for (std::size_t i = 0; i < e.args.size() && !model; ++i)
            if (types[i].array && !emptyLiteral(*e.args[i])) model = &types[i];
        if (!model) return;
        const SqlType t = *model;
        for (std::size_t i = 0; i < e.args.size(); ++i)
            if (emptyLiteral(*e.args[i])) e.args[i]->type = types[i] = t;
    }

    /// ORDER BY x [COLLATE ...] in a window or an aggregate: binds x and its collation.
    void bindOrderItem(OrderItem& o, const BindCtx& bc) {
        bind(*o.expr, bc);
        if (o.collateParam) bind(*o.collateParam, bc);
        o.collation = orderCollation(o, o.collateParam.get());
    }

    /// A call's collation: a STRING result takes its arguments' collation, and what it
    /// compares or searches (MIN, COUNT(DISTINCT ...), REPLACE) it does under it.
    void collateCall(Expr& e) {
        std::vector<SqlType> types;
        std::vector<const SqlType*> refs;
        for (const auto& a : e.args) types.push_back(a->type);
        for (const auto& t : types) refs.push_back(&t);
        propagateCollation(e.type, types, e.pos, "function " + e.op);
        e.collation = comparisonCollation(refs, e.pos, "function " + e.op);
    }

    static AggFn aggFnOf(const std::string& n) {
        static const std::map<std::string, AggFn> byName = {
            {"COUNT", AggFn::Count}, {"COUNTIF", AggFn::CountIf}, {"SUM", AggFn::Sum}, {"AVG", AggFn::Avg},
            {"MIN", AggFn::Min}, {"MAX", AggFn::Max}, {"ANY_VALUE", AggFn::AnyValue}, {"ARRAY_AGG", AggFn::ArrayAgg},
            {"ARRAY_CONCAT_AGG", AggFn::ArrayConcatAgg}, {"BIT_AND", AggFn::BitAnd}, {"BIT_OR", AggFn::BitOr},
            {"BIT_XOR", AggFn::BitXor}, {"APPROX_COUNT_DISTINCT", AggFn::ApproxCountDistinct},
            {"APPROX_TOP_COUNT", AggFn::ApproxTopCount}, {"APPROX_TOP_SUM", AggFn::ApproxTopSum},
            {"APPROX_QUANTILES", AggFn::ApproxQuantiles},
            {"STRING_AGG", AggFn::StringAgg}, {"LOGICAL_AND", AggFn::LogicalAnd}, {"LOGICAL_OR", AggFn::LogicalOr},
            {"STDDEV_POP", AggFn::StddevPop}, {"STDDEV_SAMP", AggFn::StddevSamp}, {"STDDEV", AggFn::StddevSamp},
            {"VAR_POP", AggFn::VarPop}, {"VAR_SAMP", AggFn::VarSamp}, {"VARIANCE", AggFn::VarSamp},
            {"COVAR_POP", AggFn::CovarPop}, {"COVAR_SAMP", AggFn::CovarSamp}, {"CORR", AggFn::Corr}};
        const auto it = byName.find(n);
        return it == byName.end() ? AggFn::None : it->second;
    }

    /// ARRAY_AGG(x IGNORE NULLS ORDER BY k LIMIT n), STRING_AGG(x ORDER BY k LIMIT n).
    void bindAggModifiers(Expr& e, const BindCtx& inner) {
        auto& m = *e.aggMods;
        const bool ordered = e.aggFn == AggFn::ArrayAgg || e.aggFn == AggFn::ArrayConcatAgg || e.aggFn == AggFn::StringAgg;
        if (m.nulls != AggModifiers::Nulls::Default && e.aggFn != AggFn::ArrayAgg && e.aggFn != AggFn::ApproxQuantiles)
            err("IGNORE NULLS and RESPECT NULLS are not allowed in aggregate function " + e.op, m.pos);
        if ((!m.order.empty() || m.limit) && !ordered)
            err("ORDER BY and LIMIT are not allowed in aggregate function " + e.op, m.pos);
        if (m.limit && *m.limit < 0) err("LIMIT in an aggregate function must not be negative", m.pos);
        if (m.where) bind(*m.where, inner); // PIVOT: the rows of one pivot value
        if (m.having) {
            bind(*m.having, inner);
            const auto& t = m.having->type;
            if (t.array || t.kind == TypeKind::Struct || t.kind == TypeKind::Geography || t.kind == TypeKind::Json)
                err("HAVING " + std::string(m.havingMax ? "MAX" : "MIN") + " does not support expressions of type " + t.name(), m.having->pos);
        }
        for (auto& o : m.order) {
            bindOrderItem(o, inner);
            const auto& t = o.expr->type;
            if (t.array || t.kind == TypeKind::Struct || t.kind == TypeKind::Geography || t.kind == TypeKind::Json)
                err("ORDER BY does not support expressions of type " + t.name(), o.expr->pos);
            // ARRAY_AGG(DISTINCT x ORDER BY k): k must be x, or the order of a value's copies is unclear.
            if (e.distinct && !sameExpr(*o.expr, *e.args[0]))
                err("An aggregate function that has both DISTINCT and ORDER BY arguments can only ORDER BY expressions that are arguments to the function",
                    o.expr->pos);
        }
    }

    void bindAggregate(Expr& e) {
        const auto& n = e.op;
        e.aggFn = aggFnOf(n);
        auto argType = [&](std::size_t i) { return e.args.size() > i ? e.args[i]->type : SqlType::null(); };
        auto needArgs = [&](std::size_t lo, std::size_t hi) {
            if (e.star && n != "COUNT") err("Function " + n + " does not accept *", e.pos);
            if (!e.star && (e.args.size() < lo || e.args.size() > hi))
                err("Number of arguments does not match for aggregate function " + n, e.pos);
        };
        const SqlType t = argType(0);
        if (isMoreAggregate(e.aggFn)) {
            bindMoreAggregate(e);
            return;
        }
        if (n == "COUNT") {
            needArgs(1, 1);
            e.type = SqlType::scalar(TypeKind::Int64);
        } else if (n == "COUNTIF") {
            needArgs(1, 1);
            if (!t.unknown && (t.array || t.kind != TypeKind::Bool)) err("No matching signature for aggregate function COUNTIF for argument types: " + t.name(), e.pos);
            e.type = SqlType::scalar(TypeKind::Int64);
        } else if (n == "SUM" || n == "AVG") {
            needArgs(1, 1);
            if (!t.unknown && !t.isNumeric() && !(!t.array && t.kind == TypeKind::Interval))
                err("No matching signature for aggregate function " + n + " for argument types: " + t.name(), e.pos);
            if (t.unknown) e.type = SqlType::scalar(n == "SUM" ? TypeKind::Int64 : TypeKind::Float64);
            else if (n == "AVG" && t.kind == TypeKind::Int64) e.type = SqlType::scalar(TypeKind::Float64);
            else e.type = t;
        } else if (n == "MIN" || n == "MAX" || n == "ANY_VALUE") {
            needArgs(1, 1);
            if (n != "ANY_VALUE" && (t.array || t.kind == TypeKind::Struct) && !t.unknown)
                err("No matching signature for aggregate function " + n + " for argument types: " + t.name(), e.pos);
            e.type = t.unknown ? SqlType::scalar(TypeKind::Int64) : t;
        } else if (n == "ARRAY_AGG") {
            needArgs(1, 1);
            if (t.array) err("ARRAY_AGG cannot be used on argument of type " + t.name() + " because nested arrays are not supported", e.pos);
            e.type = (t.unknown ? SqlType::scalar(TypeKind::Int64) : t).arrayOf();
        } else if (n == "ARRAY_CONCAT_AGG") {
            needArgs(1, 1);
            if (!t.unknown && !t.array) err("No matching signature for aggregate function ARRAY_CONCAT_AGG for argument types: " + t.name(), e.pos);
            if (e.distinct) err("Aggregate function ARRAY_CONCAT_AGG does not support DISTINCT", e.pos);
            e.type = t.unknown ? SqlType::scalar(TypeKind::Int64).arrayOf() : t;
        } else if (n == "STRING_AGG") {
            needArgs(1, 2);
            if (!t.unknown && (t.array || (t.kind != TypeKind::String && t.kind != TypeKind::Bytes)))
                err("No matching signature for aggregate function STRING_AGG for argument types: " + t.name(), e.pos);
            e.type = t.unknown ? SqlType::scalar(TypeKind::String) : t;
        } else if (n == "LOGICAL_AND" || n == "LOGICAL_OR") {
            needArgs(1, 1);
            e.type = SqlType::scalar(TypeKind::Bool);
        } else if (e.aggFn == AggFn::CovarPop || e.aggFn == AggFn::CovarSamp || e.aggFn == AggFn::Corr) {
            needArgs(2, 2);
            const SqlType u = argType(1);
            if ((!t.unknown && !t.isNumeric()) || (!u.unknown && !u.isNumeric()))
                err("No matching signature for aggregate function " + n + " for argument types: " + t.name() + ", " + u.name(), e.pos);
            if (e.distinct) err("Aggregate function " + n + " does not support DISTINCT", e.pos);
            e.type = SqlType::scalar(TypeKind::Float64);
        } else if (e.aggFn != AggFn::None) { // STDDEV_POP, STDDEV_SAMP, VAR_POP, VAR_SAMP and their aliases
            needArgs(1, 1);
            if (!t.unknown && !t.isNumeric()) err("No matching signature for aggregate function " + n + " for argument types: " + t.name(), e.pos);
            e.type = SqlType::scalar(TypeKind::Float64);
        }
    }

    /// One key per distinct GROUP BY expression (ROLLUP(a, (a, b)) names a twice); the
    /// grouping sets in terms of those keys.
    void dedupeGroupKeys() {
        std::vector<std::size_t> keyOf;
        std::vector<ExprPtr> unique;
        for (auto& k : groupKeys) {
            std::size_t u = 0;
            while (u < unique.size() && !sameExpr(*unique[u], *k)) ++u;
            if (u == unique.size()) unique.push_back(std::move(k));
            keyOf.push_back(u);
        }
        groupKeys = std::move(unique);
        // GoogleSQL's reference groups these sets by code point even where the key has a
        // collation, unlike GROUP BY: rather than guess which answer is BigQuery's, refuse.
        if (!sel.groupingSets.empty())
            for (const auto& k : groupKeys)
                if (collationOfType(k->type))
                    err("GROUPING SETS, ROLLUP and CUBE over a key with a collation are not supported by the sandbox yet", k->pos);
        for (const auto& set : sel.groupingSets) {
            auto& bits = groupingSets.emplace_back(groupKeys.size(), false);
            for (const auto i : set) bits[keyOf[i]] = true;
        }
    }

    /// GROUPING(key): 1 in the rows of a grouping set without that key, else 0. It reads the
    /// group's grouping bits, which follow its keys.
    void bindGrouping(Expr& e, const BindCtx& bc) {
        if (bc.aggContext) err("Aggregate function GROUPING not allowed in " + std::string(bc.aggContext), e.pos);
        if (e.args.size() != 1 || e.distinct || e.star)
            err("No matching signature for aggregate function GROUPING; it takes one grouping key", e.pos);
        BindCtx inner = bc;
        inner.inAgg = true;
        bind(*e.args[0], inner);
        for (std::size_t k = 0; k < groupKeys.size(); ++k)
            if (sameExpr(*e.args[0], *groupKeys[k])) {
                e.groupIndex = static_cast<int>(groupKeys.size() + k);
                e.type = SqlType::scalar(TypeKind::Int64);
                usesGrouping = true;
                return;
            }
        err("GROUPING must have an argument that exists within the group-by expression list", e.args[0]->pos);
    }

    /// Whether every column `e` reads (outside aggregates) is itself a grouping key.
    bool readsOnlyKeyColumns(const Expr& e) const {
        if (e.isAggregate) return true;
        if (e.kind == Expr::Kind::Path || e.kind == Expr::Kind::Field) {
            for (const auto& k : groupKeys)
                if (sameExpr(e, *k)) return true;
            if (e.kind == Expr::Kind::Path) return e.outerDepth > 0;
        }
        if (e.subquery || e.window) return false;
        for (const auto& a : e.args)
            if (!readsOnlyKeyColumns(*a)) return false;
        return true;
    }

    void markGrouped(Expr& e, const char* clause) {
        if (e.isAggregate || e.groupIndex >= 0) return;
        // With grouping sets, an expression over grouped columns is computed from them, as
        // BigQuery does: in ROLLUP(a, a + 1), a + 1 is NULL exactly where a is.
        // A SELECT item named by position or alias in GROUP BY is that key itself.
        if (!groupingSets.empty() && e.kind != Expr::Kind::Path && e.kind != Expr::Kind::Field && !e.args.empty() &&
            !keyItems.count(&e) && readsOnlyKeyColumns(e)) {
            for (auto& a : e.args) markGrouped(*a, clause);
            return;
        }
        if (e.subquery && exprSubs.count(e.subquery.get()) && exprSubs.at(e.subquery.get())->correlated)
            err(std::string("A correlated subquery in the ") + clause + " of a grouped query is not supported by the sandbox yet", e.pos);
        for (std::size_t k = 0; k < groupKeys.size(); ++k)
            if (sameExpr(e, *groupKeys[k])) {
                e.groupIndex = static_cast<int>(k);
                return;
            }
        if (e.kind == Expr::Kind::Path)
            err(std::string(clause) + " expression references column " + e.path.back() +
                    " which is neither grouped nor aggregated",
                e.pos);
        for (auto& a : e.args) markGrouped(*a, clause);
        if (e.window) {
            for (auto& p : e.window->partitionBy) markGrouped(*p, clause);
            for (auto& o : e.window->orderBy) markGrouped(*o.expr, clause);
        }
    }

    /// HAVING and ORDER BY may name SELECT-list aliases: a single name that is not a column
    /// of the FROM clause becomes a copy of that select expression.
    void substituteAliases(ExprPtr& e, const BindCtx& bc) {
        if (e->kind == Expr::Kind::Path && e->path.size() == 1) {
            bool isColumn = true;
            try {
                auto probe = cloneExpr(*e);
                BindCtx quiet = bc;
                resolvePath(*probe, quiet);
            } catch (const SqlError&) {
                isColumn = false;
            }
            if (!isColumn)
                for (const auto& c : columns)
                    if (iequals(c.name, e->path[0])) {
                        const Pos pos = e->pos;
                        e = cloneExpr(*c.expr);
                        e->pos = pos;
                        return;
                    }
            return;
        }
        for (auto& a : e->args) substituteAliases(a, bc);
    }

    std::shared_ptr<Sub> makeSub(Select&& query, const std::string& name, bool ofSet = false) {
        auto sub = std::make_shared<Sub>();
        sub->impl = std::make_unique<Impl>();
        sub->impl->setBranch = ofSet;
        sub->impl->ctx = ctx;
        sub->impl->ctes = ctes;
        sub->impl->sel = std::move(query);
        sub->impl->bindAll();
        sub->table = std::make_shared<Table>();
        sub->table->id = name;
        sub->table->schema = sub->impl->schema;
        return sub;
    }

    std::shared_ptr<Sub> cteNamed(const std::vector<std::string>& path) const {
        if (path.size() != 1) return nullptr;
        for (auto it = ctes.rbegin(); it != ctes.rend(); ++it)
            if (iequals(it->first, path[0])) return it->second;
        return nullptr;
    }

    void bindFrom() {
        for (auto& f : sel.from) {
            if (!f.flatten.empty()) err("FLATTEN is supported by the sandbox only over a table", f.pos);
            FromBinding fb;
            std::shared_ptr<Sub> sub;
            if (f.subquery) sub = makeSub(std::move(*f.subquery), f.alias);
            else if (f.kind == FromItem::Kind::Table) sub = cteNamed(f.tablePath);
            if (sub) {
                fb.slot = addSubVar(sub, f.subquery ? f.alias : (f.alias.empty() ? f.tablePath.back() : f.alias));
            } else if (f.kind == FromItem::Kind::Table) {
                // alias.field (a repeated field of an earlier range variable) is an implicit UNNEST.
                bool implicit = false;
                for (const auto& v : vars)
                    if (!v.name.empty() && iequals(v.name, f.tablePath[0]) && f.tablePath.size() > 1) implicit = true;
                // ... or of an enclosing query's (a correlated FROM p.children).
                for (const Impl* q = this; !implicit && q->outerQuery && f.tablePath.size() > 1; q = q->outerQuery)
                    for (std::size_t k = 0; k < q->outerVisible; ++k)
                        if (!q->outerQuery->vars[k].name.empty() && iequals(q->outerQuery->vars[k].name, f.tablePath[0])) implicit = true;
                if (implicit) {
                    auto path = std::make_unique<Expr>();
                    path->kind = Expr::Kind::Path;
                    path->pos = f.pos;
                    path->path = f.tablePath;
                    f.unnest = std::move(path);
                    f.kind = FromItem::Kind::Unnest;
                    if (f.alias.empty()) f.alias = f.tablePath.back();
                } else if (auto table = ctx.resolveTable(f.tablePath, f.pos); isView(*table)) {
                    fb.slot = addSubVar(viewSub(*table, f), f.alias.empty() ? f.tablePath.back() : f.alias);
                } else {
                    Var v;
                    v.name = f.alias.empty() ? f.tablePath.back() : f.alias;
                    {
                        std::shared_lock lock(table->mutex);
                        v.type = SqlType::fromFields(table->schema.fields);
                    }
                    v.table = table;
                    fb.slot = static_cast<int>(vars.size());
                    vars.push_back(std::move(v));
                }
            }
            if (f.kind == FromItem::Kind::Unnest) {
                BindCtx bc;
                bc.visible = vars.size();
                bc.aggContext = "UNNEST";
                bind(*f.unnest, bc);
                const auto& t = f.unnest->type;
                if (!t.array && !t.unknown) err("Values referenced in UNNEST must be arrays. UNNEST contains expression of type " + t.name(), f.unnest->pos);
                Var v;
                v.name = f.alias;
                v.type = t.unknown ? SqlType::scalar(TypeKind::Int64) : t.element();
                if (v.name.empty() && !v.type.isStruct()) {
                    // No name to write, but SELECT * returns its values (a column f0_ in BigQuery).
                    v.name = "$unnest" + std::to_string(vars.size());
                    v.anonymous = true;
                }
                fb.slot = static_cast<int>(vars.size());
                vars.push_back(std::move(v));
            }
            if (f.withOffset) {
                Var o;
                o.name = f.offsetAlias;
                o.type = SqlType::scalar(TypeKind::Int64);
                o.offset = true;
                fb.offsetSlot = static_cast<int>(vars.size());
                vars.push_back(std::move(o));
            }
            fromSlots.push_back(fb);
            bindJoin(f, fb);
            findHashKeys(f, fromSlots.back());
        }
    }

    /// A range variable over a subquery's (or a view's) rows; its slot.
    int addSubVar(const std::shared_ptr<Sub>& sub, std::string name) {
        if (std::find(subs.begin(), subs.end(), sub) == subs.end()) subs.push_back(sub);
        Var v;
        v.name = std::move(name);
        v.type = SqlType::fromFields(sub->table->schema.fields);
        v.table = sub->table;
        vars.push_back(std::move(v));
        return static_cast<int>(vars.size()) - 1;
    }

    /// A view in FROM: its query, bound here as a subquery (each read sees its tables as they
    /// are now). A view that reads itself, directly or not, stops at 16 levels.
    std::shared_ptr<Sub> viewSub(const Table& view, const FromItem& f) {
        thread_local int depth = 0;
        const std::string name = view.project + "." + view.dataset + "." + view.id;
        if (depth >= 16) err("View " + name + " nests views more than 16 deep (does it read itself?)", f.pos);
        ++depth;
        struct Leave {
            ~Leave() { --depth; }
        } leave;
        Select query;
        try {
            query = parseQuery(viewQuery(view));
        } catch (const SqlError& e) {
            err("View " + name + " has a query that is not valid: " + e.what(), f.pos);
        }
        return makeSub(std::move(query), f.alias.empty() ? f.tablePath.back() : f.alias);
    }

    /// ON and USING of a JOIN, bound over this item and the ones before it.
    void bindJoin(FromItem& f, const FromBinding& fb) {
        using J = FromItem::Join;
        if (f.join == J::Comma || f.join == J::Cross) {
            if (f.on || !f.usingColumns.empty()) err("CROSS JOIN cannot have an ON or USING clause", f.pos);
            return;
        }
        const bool rightOuter = f.join == J::Right || f.join == J::Full;
        if (f.kind == FromItem::Kind::Unnest && rightOuter)
            err(std::string(f.join == J::Right ? "RIGHT" : "FULL") + " JOIN with UNNEST is not supported", f.pos);
        if (f.kind == FromItem::Kind::Table && !f.on && f.usingColumns.empty())
            err("Syntax error: A JOIN of a table needs an ON or USING clause", f.pos);
        if (!f.usingColumns.empty()) {
            if (f.join == J::Full) err("FULL JOIN with USING is not supported by the sandbox yet; use ON", f.pos);
            auto& right = vars[static_cast<std::size_t>(fb.slot)];
            ExprPtr cond;
            for (const auto& col : f.usingColumns) {
                const auto fieldOf = [&](const Var& v) {
                    for (std::size_t k = 0; k < v.type.fields.size(); ++k)
                        if (iequals(v.type.fields[k].first, col)) return static_cast<int>(k);
                    return -1;
                };
                const int rk = right.table ? fieldOf(right) : -1;
                if (rk < 0) err("Column " + col + " in USING clause not found on right side of join", f.pos);
                int left = -1, lk = -1;
                for (int v = 0; v < fb.slot; ++v) {
                    const auto& var = vars[static_cast<std::size_t>(v)];
                    if (!var.table || var.name.empty()) continue;
                    if (const int k = fieldOf(var); k >= 0) {
                        if (left >= 0) err("Column " + col + " in USING clause is ambiguous on the left side of join", f.pos);
                        left = v;
                        lk = k;
                    }
                }
                if (left < 0) err("Column " + col + " in USING clause not found on left side of join", f.pos);
                // The merged column is the left one for INNER and LEFT joins, the right one for RIGHT.
                if (f.join == J::Right) vars[static_cast<std::size_t>(left)].hidden.insert(lk);
                else right.hidden.insert(rk);
                auto eq = std::make_unique<Expr>();
                eq->kind = Expr::Kind::Binary;
                eq->op = "=";
                eq->pos = f.pos;
                eq->args.push_back(pathTo({vars[static_cast<std::size_t>(left)].name, col}, f.pos));
                eq->args.push_back(pathTo({right.name, col}, f.pos));
                if (!cond) {
                    cond = std::move(eq);
                } else {
                    auto both = std::make_unique<Expr>();
                    both->kind = Expr::Kind::Binary;
                    both->op = "AND";
                    both->pos = f.pos;
                    both->args.push_back(std::move(cond));
                    both->args.push_back(std::move(eq));
                    cond = std::move(both);
                }
            }
            f.on = std::move(cond);
        }
        if (!f.on) return; // JOIN UNNEST without ON: every element joins
        BindCtx bc;
        bc.visible = vars.size();
        bc.aggContext = "JOIN ON clause";
        bind(*f.on, bc);
        const auto& t = f.on->type;
        if (!t.unknown && (t.array || t.kind != TypeKind::Bool))
            err("JOIN ON clause should return type BOOL, but returns " + t.name(), f.on->pos);
    }

    /// Range variables an expression reads; false if it reads anything else (an enclosing
    /// query, a subquery, a parameter-free function is fine).
    static bool slotsOf(const Expr& e, std::set<int>& out) {
        if (e.subquery || e.window || e.outerDepth > 0) return false;
        if (e.kind == Expr::Kind::Path) out.insert(e.slot);
        for (const auto& a : e.args)
            if (!slotsOf(*a, out)) return false;
        return true;
    }

    void findHashKeys(const FromItem& f, FromBinding& fb) {
        using J = FromItem::Join;
        if (!f.on || f.kind != FromItem::Kind::Table || (f.join != J::Inner && f.join != J::Left && f.join != J::Right && f.join != J::Full)) return;
        std::vector<const Expr*> conjuncts{f.on.get()};
        for (std::size_t k = 0; k < conjuncts.size(); ++k) {
            const Expr* c = conjuncts[k];
            if (c->kind == Expr::Kind::Binary && c->op == "AND") {
                conjuncts.push_back(c->args[0].get());
                conjuncts.push_back(c->args[1].get());
                continue;
            }
            if (c->kind != Expr::Kind::Binary || c->op != "=") continue;
            const SqlType &a = c->args[0]->type, &b = c->args[1]->type;
            // Only kinds whose key text is equal exactly when = is true (no INT64 = FLOAT64,
            // no NaN, no STRUCT or ARRAY).
            if (a.unknown || b.unknown || a.array || b.array || !(a == b)) continue;
            switch (a.kind) {
            case TypeKind::Int64: case TypeKind::String: case TypeKind::Bytes: case TypeKind::Bool: case TypeKind::Date:
            case TypeKind::Time: case TypeKind::DateTime: case TypeKind::Timestamp: break;
            default: continue;
            }
            for (int side = 0; side < 2; ++side) {
                std::set<int> l, r;
                if (!slotsOf(*c->args[static_cast<std::size_t>(side)], l) || !slotsOf(*c->args[static_cast<std::size_t>(1 - side)], r)) break;
                const bool leftBefore = !l.empty() && *l.rbegin() < fb.slot;
                const bool rightHere = r.size() == 1 && *r.begin() == fb.slot;
                if (leftBefore && rightHere) {
                    fb.probeKey = c->args[static_cast<std::size_t>(side)].get();
                    fb.buildKey = c->args[static_cast<std::size_t>(1 - side)].get();
                    return;
                }
            }
        }
    }

    static ExprPtr pathTo(std::vector<std::string> path, Pos pos) {
        auto p = std::make_unique<Expr>();
        p->kind = Expr::Kind::Path;
        p->pos = pos;
        p->path = std::move(path);
        return p;
    }

    void expandStar(SelectItem& it, std::vector<std::pair<ExprPtr, std::string>>& out) {
        if (!it.expr) {
            if (vars.empty()) err("SELECT * must have a FROM clause", it.pos);
            for (std::size_t v = 0; v < vars.size(); ++v) {
                const auto& var = vars[v];
                if (var.table || (var.name.empty() && var.type.isStruct())) {
                    for (std::size_t k = 0; k < var.type.fields.size(); ++k) {
                        if (var.hidden.count(static_cast<int>(k))) continue;
                        const auto& fname = var.type.fields[k].first;
                        auto p = std::make_unique<Expr>();
                        p->kind = Expr::Kind::Path;
                        p->pos = it.pos;
                        if (!var.name.empty()) p->path = {var.name, fname};
                        else p->path = {fname};
                        out.emplace_back(std::move(p), fname);
                    }
                } else if (!var.name.empty()) {
                    out.emplace_back(pathTo({var.name}, it.pos), var.anonymous ? std::string() : var.name);
                }
            }
            return;
        }
        if (it.expr->kind != Expr::Kind::Path) err("Dot-star is only supported on names and field paths in the sandbox", it.pos);
        auto probe = cloneExpr(*it.expr);
        BindCtx bc;
        bc.visible = vars.size();
        bind(*probe, bc);
        if (!probe->type.isStruct()) err("Dot-star is not supported for type " + probe->type.name(), it.pos);
        for (const auto& [fname, ftype] : probe->type.fields) {
            auto p = cloneExpr(*it.expr);
            p->path.push_back(fname);
            out.emplace_back(std::move(p), fname);
        }
    }

    /// `* EXCEPT (...)` drops columns from what the star gave (from `start` on), `* REPLACE (...)`
    /// puts other expressions under their names.
    void exceptAndReplace(SelectItem& it, std::vector<std::pair<ExprPtr, std::string>>& out, std::size_t start) {
        auto find = [&](const std::string& name) {
            for (std::size_t i = start; i < out.size(); ++i)
                if (iequals(out[i].second, name)) return static_cast<long>(i);
            return -1L;
        };
        for (const auto& name : it.except) {
            const long i = find(name);
            if (i < 0 && it.exceptLenient) continue;
            if (i < 0) err("Column " + name + " in SELECT * EXCEPT list does not exist", it.pos);
            out.erase(out.begin() + i);
        }
        if (!it.except.empty() && out.size() == start && !it.exceptLenient) err("SELECT * expands to zero columns after applying EXCEPT", it.pos);
        std::set<std::string> replaced;
        for (auto& [expr, name] : it.replace) {
            const long i = find(name);
            if (i < 0) err("Column " + name + " in SELECT * REPLACE list does not exist", expr->pos);
            if (!replaced.insert(lower(name)).second) err("Column " + name + " cannot be replaced twice in SELECT * REPLACE", expr->pos);
            out[static_cast<std::size_t>(i)].first = std::move(expr);
        }
    }

    /// UNION / INTERSECT / EXCEPT: the branches pair their columns by position or by name
    /// (SetOperation.h); the result's types are the supertypes of the paired columns.
    void bindSetOperation() {
        std::vector<SetBranchShape> shapes;
        for (auto& b : sel.setBranches) {
            setBranches.push_back(makeSub(std::move(*b), "", true));
            const auto& impl = *setBranches.back()->impl;
            SetBranchShape& shape = shapes.emplace_back();
            shape.pos = impl.sel.pos;
            for (const auto& c : impl.columns) {
                shape.names.push_back(c.name);
                shape.types.push_back(c.expr->type);
                shape.anonymous.push_back(c.anonymous);
                const bool literal = c.expr->kind == Expr::Kind::Literal && !c.expr->value.isNull();
                shape.literal.push_back(literal ? &c.expr->value : nullptr);
            }
        }
        setPlan = planSetOperation(shapes, sel.setOps, sel.setColumns, sel.pos);
        for (std::size_t c = 0; c < setPlan.names.size(); ++c) {
            schema.fields.push_back(setPlan.types[c].toField(setPlan.names[c]));
            columnTypes.push_back(setPlan.types[c]);
        }
    }

    QueryResult runSetOperation() {
        QueryResult result;
        result.schema = schema;
        for (std::size_t b = 0; b < setBranches.size(); ++b) {
            auto r = setBranches[b]->impl->run();
            result.bytesProcessed += r.bytesProcessed;
            shapeSetRows(r.rows, setPlan, b);
            if (b == 0) result.rows = std::move(r.rows);
            else combineSetRows(result.rows, std::move(r.rows), sel.setOps[b - 1], setPlan.types);
        }
        return result;
    }

    static bool hasSubquery(const Expr& e) {
        if (e.subquery) return true;
        for (const auto& a : e.args)
            if (hasSubquery(*a)) return true;
        return false;
    }

    /// Whether a bound expression reads a range variable of this query's FROM clause.
    static bool readsFrom(const Expr& e) {
        if (e.kind == Expr::Kind::Path && e.outerDepth == 0) return true;
        for (const auto& a : e.args)
            if (readsFrom(*a)) return true;
        return false;
    }

    /// GROUP BY ALL: every SELECT item without aggregate or analytic functions that reads the
    /// FROM clause is a key (constants, parameters and columns of an enclosing query are not).
    void inferGroupKeys(const BindCtx& input) {
        std::vector<const Expr*> items;
        std::vector<std::pair<ExprPtr, std::string>> starred; // what the stars give: each a key
        for (auto& it : sel.items) {
            if (!it.star) {
                items.push_back(it.expr.get());
                continue;
            }
            if (!it.replace.empty()) err("GROUP BY ALL with SELECT * REPLACE is not supported by the sandbox yet", it.pos);
            const auto start = starred.size();
            expandStar(it, starred);
            exceptAndReplace(it, starred, start);
        }
        for (const auto& s : starred) items.push_back(s.first.get());
        for (const Expr* item : items) {
            if (containsAggregate(*item) || containsWindow(*item)) continue;
            if (hasSubquery(*item)) err("GROUP BY ALL over a SELECT item with a subquery is not supported by the sandbox yet", item->pos);
            auto key = cloneExpr(*item);
            BindCtx gb = input;
            gb.aggContext = "GROUP BY clause";
            bind(*key, gb);
            if (!readsFrom(*key)) continue;
            if (key->type.array) err("Grouping by expressions of type ARRAY is not allowed", key->pos);
            groupKeys.push_back(std::move(key));
        }
        dedupeGroupKeys();
    }

    /// LIMIT @n OFFSET @m: the parameters' values, which must be non-NULL and non-negative
    /// INT64s (checked as the query starts, as BigQuery does).
    void bindLimitParams() {
        for (auto [param, value, what] : {std::tuple{&sel.limitParam, &sel.limit, "LIMIT"}, std::tuple{&sel.offsetParam, &sel.offset, "OFFSET"}}) {
            if (!*param) continue;
            bind(**param, BindCtx{});
            const SqlType& t = (*param)->type;
            if (!t.unknown && (t.array || t.kind != TypeKind::Int64))
                err(std::string(what) + " expects an integer literal or parameter, not " + t.name(), (*param)->pos);
            const Value& v = (*param)->value;
            if (v.isNull()) throw EvalError("Limit requires non-null count and offset");
            if (v.asInt64() < 0) throw EvalError("Limit requires non-negative count and offset");
            *value = v.asInt64();
        }
    }

    void bindAll() {
        bindLimitParams();
        for (auto& [name, query] : sel.with) ctes.emplace_back(name, makeSub(std::move(*query), name));
        if (!sel.setBranches.empty()) {
            bindSetOperation();
            return;
        }
        if (!sel.from.empty()) bindFrom();
        BindCtx input;
        input.visible = vars.size();
        if (sel.where) {
            BindCtx w = input;
            w.aggContext = "WHERE clause";
            bind(*sel.where, w);
            const auto& t = sel.where->type;
            if (!t.unknown && (t.array || t.kind != TypeKind::Bool))
                err("WHERE clause should return type BOOL, but returns " + t.name(), sel.where->pos);
        }
        aggregating = !sel.groupBy.empty() || !sel.groupingSets.empty() || sel.groupByAll;
        for (const auto& it : sel.items)
            if (it.expr && containsAggregate(*it.expr)) aggregating = true;
        if (sel.having && containsAggregate(*sel.having)) aggregating = true;
        for (const auto& o : sel.orderBy)
            if (containsAggregate(*o.expr)) aggregating = true;

        // GROUP BY keys: ordinals and select-list aliases refer to select items.
        for (auto& g : sel.groupBy) {
            ExprPtr key;
            if (g->kind == Expr::Kind::Literal && g->value.kind() == ValueKind::Int64) {
                const auto n = g->value.asInt64();
                if (n < 1 || n > static_cast<std::int64_t>(sel.items.size()) || !sel.items[static_cast<std::size_t>(n - 1)].expr ||
                    sel.items[static_cast<std::size_t>(n - 1)].star)
                    err("GROUP BY is out of SELECT column number range: " + std::to_string(n), g->pos);
                key = cloneExpr(*sel.items[static_cast<std::size_t>(n - 1)].expr);
                keyItems.insert(sel.items[static_cast<std::size_t>(n - 1)].expr.get());
            } else if (g->kind == Expr::Kind::Path && g->path.size() == 1) {
                for (const auto& it : sel.items)
                    if (!it.alias.empty() && iequals(it.alias, g->path[0]) && it.expr) {
                        bool isColumn = false;
                        try {
                            auto probe = cloneExpr(*g);
                            bind(*probe, input);
                            isColumn = true;
                        } catch (const SqlError&) {
                        }
                        if (!isColumn) {
                            key = cloneExpr(*it.expr);
                            keyItems.insert(it.expr.get());
                        }
                        break;
                    }
            }
            if (!key) key = cloneExpr(*g);
            BindCtx gb = input;
            gb.aggContext = "GROUP BY clause";
            bind(*key, gb);
            if (key->type.array) err("Grouping by expressions of type ARRAY is not allowed", key->pos);
            groupKeys.push_back(std::move(key));
        }
        dedupeGroupKeys();

        if (sel.groupByAll) inferGroupKeys(input);

        // SELECT list
        std::vector<std::pair<ExprPtr, std::string>> expanded;
        int anonymous = 0;
        for (auto& it : sel.items) {
            if (it.star) {
                const auto start = expanded.size();
                expandStar(it, expanded);
                exceptAndReplace(it, expanded, start);
                continue;
            }
            std::string name = it.alias;
            if (name.empty()) {
                if (it.expr->kind == Expr::Kind::Path) name = it.expr->path.back();
                else if (it.expr->kind == Expr::Kind::Field) name = it.expr->op;
            }
            expanded.emplace_back(std::move(it.expr), name);
        }
        for (auto& [expr, name] : expanded) {
            bind(*expr, input);
            if (aggregating) markGrouped(*expr, "SELECT list");
            const bool unnamed = name.empty();
            if (unnamed) name = "f" + std::to_string(anonymous++) + "_";
            columns.push_back({name, expr.get(), unnamed});
            owned.push_back(std::move(expr));
        }
        std::set<std::string> seenNames;
        for (const auto& c : columns)
            if (!setBranch && !seenNames.insert(lower(c.name)).second)
                err("Duplicate column names in the result are not supported. Found duplicate(s): " + c.name, sel.pos);

        if (sel.having) {
            if (!aggregating) err("HAVING clause requires GROUP BY or aggregation to be present", sel.having->pos);
            substituteAliases(sel.having, input);
            BindCtx h = input;
            h.windowContext = "HAVING clause";
            bind(*sel.having, h);
            markGrouped(*sel.having, "HAVING clause");
        }
        if (sel.qualify) {
            substituteAliases(sel.qualify, input);
            bind(*sel.qualify, input);
            if (aggregating) markGrouped(*sel.qualify, "QUALIFY clause");
            const auto& t = sel.qualify->type;
            if (!t.unknown && (t.array || t.kind != TypeKind::Bool))
                err("QUALIFY clause should return type BOOL, but returns " + t.name(), sel.qualify->pos);
            if (windows.empty())
                err("The QUALIFY clause needs an analytic function (OVER) in the SELECT list or in QUALIFY itself", sel.qualify->pos);
        }
        for (auto& o : sel.orderBy) {
            Order ord;
            ord.desc = o.desc;
            ord.nullsFirst = o.nullsFirst.value_or(!o.desc);
            if (o.expr->kind == Expr::Kind::Literal && o.expr->value.kind() == ValueKind::Int64) {
                const auto n = o.expr->value.asInt64();
                if (n < 1 || n > static_cast<std::int64_t>(columns.size()))
                    err("ORDER BY is out of SELECT column number range: " + std::to_string(n), o.expr->pos);
                ord.column = static_cast<int>(n - 1);
            } else if (o.expr->kind == Expr::Kind::Path && o.expr->path.size() == 1) {
                for (std::size_t c = 0; c < columns.size(); ++c)
                    if (iequals(columns[c].name, o.expr->path[0])) ord.column = static_cast<int>(c);
            }
            if (ord.column < 0) {
                substituteAliases(o.expr, input);
                bind(*o.expr, input);
                if (aggregating) markGrouped(*o.expr, "ORDER BY clause");
                if (o.expr->type.array) err("ORDER BY does not support expressions of type " + o.expr->type.name(), o.expr->pos);
                ord.expr = o.expr.get();
            } else {
                o.expr->type = columns[static_cast<std::size_t>(ord.column)].expr->type;
            }
            if (o.collateParam) bind(*o.collateParam, input);
            ord.collation = orderCollation(o, o.collateParam.get());
            order.push_back(ord);
        }
        for (const auto& c : columns) {
            schema.fields.push_back(c.expr->type.toField(c.name));
            columnTypes.push_back(c.expr->type);
        }
    }

    // ---- evaluation ----
    const Value* pathPtr(const Expr& e, const Frame& f) const {
        const Frame* fr = &f;
        for (int d = 0; d < e.outerDepth && fr; ++d) fr = fr->outer;
        if (!fr || !fr->vars) return nullptr;
        const Value* v = fr->vars[e.slot];
        for (int idx : e.fieldPath) {
            if (!v || v->kind() != ValueKind::Struct) return nullptr;
            v = &(*v)[static_cast<std::size_t>(idx)];
        }
        return v;
    }

    /// x [NOT] LIKE ANY / ALL: OR / AND of `x [NOT] LIKE p` over the patterns, three-valued;
    /// over an empty or NULL array ANY is FALSE and ALL TRUE, whatever x is.
    Value likeQuantified(const Expr& e, const Frame& f) const {
        const bool all = e.op == "ALL";
        Value patterns;
        if (e.inUnnest) {
            patterns = eval(*e.args[1], f);
            if (patterns.isNull() || patterns.size() == 0) return Value::boolean(all);
        }
        const Value x = eval(*e.args[0], f);
        bool sawNull = false;
        const std::size_t n = e.inUnnest ? patterns.size() : e.args.size() - 1;
        for (std::size_t i = 0; i < n; ++i) {
            const Value p = e.inUnnest ? patterns[i] : eval(*e.args[i + 1], f);
            if (x.isNull() || p.isNull()) {
                sawNull = true;
                continue;
            }
            const bool match = e.collation ? e.collation->like(x.asText(), p.asText()) : likeMatch(x.asText(), p.asText());
            if ((match != e.negated) != all) return Value::boolean(!all);
        }
        return sawNull ? Value() : Value::boolean(all);
    }

    Value eval(const Expr& e, const Frame& f) const override {
        using K = Expr::Kind;
        if (e.windowIndex >= 0) {
            if (!f.windows) throw EvalError("internal: analytic function evaluated before its window");
            return f.windows[e.windowIndex];
        }
        if (e.groupIndex >= 0 && f.keys) return (*f.keys)[static_cast<std::size_t>(e.groupIndex)];
        if (e.aggIndex >= 0 && f.aggs) return (*f.aggs)[static_cast<std::size_t>(e.aggIndex)];
        switch (e.kind) {
        case K::Literal:
        case K::Param: return e.value;
        case K::Path: {
            const Value* v = pathPtr(e, f);
            return v ? *v : Value();
        }
        case K::Unary: {
            Value a = eval(*e.args[0], f);
            if (a.isNull()) return {};
            if (e.op == "NOT") return Value::boolean(!a.asBool());
            if (e.op == "~") return Value::int64(~a.asInt64());
            if (a.kind() == ValueKind::Int64) {
                if (a.asInt64() == INT64_MIN) throw EvalError("int64 overflow: -(" + std::to_string(INT64_MIN) + ")");
                return Value::int64(-a.asInt64());
            }
            if (a.kind() == ValueKind::Float64) return Value::float64(-a.asDouble());
            if (a.kind() == ValueKind::Interval) return negateInterval(a);
            std::string t(a.asText());
            t = t.starts_with("-") ? t.substr(1) : "-" + t;
            if (t == "-0") t = "0";
            return Value::text(a.kind(), t);
        }
        case K::Binary: {
            if (e.op == "AND" || e.op == "OR") {
                Value a = eval(*e.args[0], f);
                if (e.op == "AND" && a.kind() == ValueKind::Bool && !a.asBool()) return Value::boolean(false);
                if (e.op == "OR" && a.kind() == ValueKind::Bool && a.asBool()) return Value::boolean(true);
                return binaryOp(e.op, a, eval(*e.args[1], f), e.type);
            }
            return binaryOp(e.op, eval(*e.args[0], f), eval(*e.args[1], f), e.type, e.collation);
        }
        case K::Call: {
            // IF, IFNULL and COALESCE evaluate only the arguments they need, as BigQuery does:
            // IF(x = 0, 0, 1 / x) never divides by zero.
            if (e.op == "IF") return coerce(eval(*e.args[isTrue(eval(*e.args[0], f)) ? 1 : 2], f), e.type);
            if (e.op == "IFNULL" || e.op == "COALESCE") {
                for (const auto& a : e.args)
                    if (Value v = eval(*a, f); !v.isNull()) return coerce(v, e.type);
                return {};
            }
            std::vector<Value> args;
            args.reserve(e.args.size());
            for (const auto& a : e.args) args.push_back(eval(*a, f));
            if (e.safe) {
                try {
                    return callFunction(e, args);
                } catch (const EvalError&) {
                    return {};
                }
            }
            return callFunction(e, args);
        }
        case K::Cast: return castValue(eval(*e.args[0], f), e.castType, e.safe);
        case K::Case: {
            std::size_t i = 0;
            Value operand;
            if (e.hasOperand) operand = eval(*e.args[i++], f);
            const std::size_t whenEnd = e.args.size() - (e.hasElse ? 1 : 0);
            for (; i + 1 < whenEnd; i += 2) {
                bool hit;
                if (e.hasOperand) hit = isTrue(binaryOp("=", operand, eval(*e.args[i], f), SqlType::scalar(TypeKind::Bool), e.collation));
                else hit = isTrue(eval(*e.args[i], f));
                if (hit) return coerce(eval(*e.args[i + 1], f), e.type);
            }
            return e.hasElse ? coerce(eval(*e.args.back(), f), e.type) : Value();
        }
        case K::StructCtor: {
            Value out = Value::structOf(e.args.size());
            for (std::size_t i = 0; i < e.args.size(); ++i) {
                Value v = eval(*e.args[i], f);
                out[i] = e.typed ? castValue(v, e.type.fields[i].second, false) : coerce(v, e.type.fields[i].second);
            }
            return out;
        }
        case K::ArrayCtor: {
            Value out = Value::arrayOf(e.args.size());
            const SqlType el = e.type.element();
            for (std::size_t i = 0; i < e.args.size(); ++i) {
                // A NULL element is allowed inside a query ([1, NULL] IN UNNEST, ARRAY_LENGTH);
                // only writing it out is an error (checkWritable).
                Value v = eval(*e.args[i], f);
                out[i] = v.isNull() ? Value() : e.typed ? castValue(v, el, false) : coerce(v, el);
            }
            return out;
        }
        case K::Subscript: {
            Value arr = eval(*e.args[0], f);
            Value idx = eval(*e.args[1], f);
            if (arr.isNull() || idx.isNull()) return {};
            std::int64_t i = idx.asInt64();
            const bool ordinal = e.op == "ORDINAL" || e.op == "SAFE_ORDINAL";
            if (ordinal) --i;
            if (i < 0 || i >= static_cast<std::int64_t>(arr.size())) {
                if (e.op.starts_with("SAFE")) return {};
                throw EvalError("Array index " + std::to_string(idx.asInt64()) + " is out of bounds (overflow)");
            }
            return arr[static_cast<std::size_t>(i)];
        }
        case K::Field: {
            Value s = eval(*e.args[0], f);
            if (s.isNull()) return {};
            return s[static_cast<std::size_t>(e.fieldPath[0])];
        }
        case K::Subquery: {
            const QueryResult& r = runSubquery(e, f);
            if (e.op == "EXISTS") return Value::boolean(!r.rows.empty());
            if (e.op == "SCALAR") {
                if (r.rows.size() > 1) throw EvalError("Scalar subquery produced more than one element");
                return r.rows.empty() ? Value() : r.rows[0][0];
            }
            Value out = Value::arrayOf(r.rows.size());
            for (std::size_t i = 0; i < r.rows.size(); ++i) out[i] = r.rows[i][0]; // NULLs: see checkWritable
            return out;
        }
        case K::In: {
            Value x = eval(*e.args[0], f);
            if (e.subquery) {
                const QueryResult& r = runSubquery(e, f);
                if (r.rows.empty()) return Value::boolean(e.negated); // IN of nothing is FALSE, even for NULL
                if (x.isNull()) return {};
                bool sawNull = false;
                for (const auto& row : r.rows) {
                    if (row[0].isNull()) {
                        sawNull = true;
                        continue;
                    }
                    const Value eq = binaryOp("=", x, row[0], SqlType::scalar(TypeKind::Bool), e.collation);
                    if (eq.isNull()) sawNull = true; // a STRUCT with a NULL field: unknown, not unequal
                    else if (eq.asBool()) return Value::boolean(!e.negated);
                }
                return sawNull ? Value() : Value::boolean(e.negated);
            }
            Value inArray;
            if (e.inUnnest) {
                inArray = eval(*e.args[1], f);
                // IN an empty or NULL array is FALSE, even for NULL (as IN of an empty subquery).
                if (inArray.isNull() || inArray.size() == 0) return Value::boolean(e.negated);
            }
            if (x.isNull()) return {};
            bool sawNull = false;
            auto test = [&](const Value& c) {
                if (c.isNull()) {
                    sawNull = true;
                    return false;
                }
                const Value eq = binaryOp("=", x, c, SqlType::scalar(TypeKind::Bool), e.collation);
                if (eq.isNull()) sawNull = true; // a STRUCT with a NULL field: unknown, not unequal
                return isTrue(eq);
            };
            bool found = false;
            if (e.inUnnest) {
                for (const auto& c : inArray.items())
                    if (test(c)) {
                        found = true;
                        break;
                    }
            } else {
                for (std::size_t i = 1; i < e.args.size() && !found; ++i) found = test(eval(*e.args[i], f));
            }
            if (found) return Value::boolean(!e.negated);
            if (sawNull) return {};
            return Value::boolean(e.negated);
        }
        case K::Between: {
            Value x = eval(*e.args[0], f), lo = eval(*e.args[1], f), hi = eval(*e.args[2], f);
            Value r = binaryOp("AND", binaryOp(">=", x, lo, SqlType::scalar(TypeKind::Bool), e.collation),
                               binaryOp("<=", x, hi, SqlType::scalar(TypeKind::Bool), e.collation), SqlType::scalar(TypeKind::Bool));
            if (r.isNull() || !e.negated) return r;
            return Value::boolean(!r.asBool());
        }
        case K::Like: {
            if (!e.op.empty()) return likeQuantified(e, f);
            Value s = eval(*e.args[0], f), p = eval(*e.args[1], f);
            if (s.isNull() || p.isNull()) return {};
            const bool match = e.collation ? e.collation->like(s.asText(), p.asText()) : likeMatch(s.asText(), p.asText());
            return Value::boolean(match != e.negated);
        }
        case K::IsNull: {
            Value v = eval(*e.args[0], f);
            if (e.op == "DISTINCT") {
                const Value w = eval(*e.args[1], f);
                const bool same = keyEqual(coerce(v, e.castType), coerce(w, e.castType), e.collation); // NULL is NULL, NaN is NaN
                return Value::boolean(same == e.negated);
            }
            bool r;
            if (e.op == "NULL") r = v.isNull();
            else r = !v.isNull() && v.asBool() == (e.op == "TRUE");
            return Value::boolean(r != e.negated);
        }
        }
        return {};
    }

    /// A STDDEV, VAR, COVAR or CORR input: NUMERIC as its distance from the first one seen,
    /// computed exactly (the statistics do not depend on the origin), so that
    /// 99999999999999999999999999999.8 and .9 still differ; other numbers as they are.
    static long double statInput(const Value& v, bool& have, Num128& origin) {
        if (v.kind() != ValueKind::Numeric) return toDouble(v);
        const auto n = parseNumeric(v.asText());
        if (!n) return toDouble(v);
        if (!have) {
            origin = *n;
            have = true;
        }
        Num128 d;
        if (__builtin_sub_overflow(*n, origin, &d)) // opposite ends of the range: far apart anyway
            return (static_cast<long double>(*n) - static_cast<long double>(origin)) / kNumericScale;
        return static_cast<long double>(d) / kNumericScale;
    }

    /// Adds one value to an aggregate; `sep` is STRING_AGG's separator.
    void add(AggState& s, const Expr& agg, const Value& v, const Value* sep) const override {
        const AggFn fn = agg.aggFn;
        if (agg.star) {
            ++s.count;
            return;
        }
        if (fn == AggFn::ApproxCountDistinct) return addMoreAggregate(s, agg, v, sep); // distinct by nature
        if (agg.distinct) {
            if (v.isNull() && fn != AggFn::ArrayAgg) return; // ARRAY_AGG keeps a NULL (once), other aggregates skip it
            if (!s.seen.insert(v, agg.collation)) return;
        }
        if (isMoreAggregate(fn)) return addMoreAggregate(s, agg, v, sep);
        if (fn == AggFn::Count) {
            if (!v.isNull()) ++s.count;
        } else if (fn == AggFn::CountIf) {
            if (isTrue(v)) ++s.count;
        } else if (fn == AggFn::Sum || fn == AggFn::Avg) {
            if (v.isNull()) return;
            s.any = true;
            ++s.count;
            // SUM's accumulator follows the result type, not each value's kind (a UNION of
            // INT64 and FLOAT64 branches may hand over both); AVG's INT64 values are summed
            // apart from its others. INT64 inputs are summed exactly, as ZetaSQL does (128
            // bits): only a total outside INT64 is an overflow, whatever the order of the rows,
            // reported when the group is done (a row HAVING MAX|MIN later discards raises nothing).
            if ((fn == AggFn::Sum && agg.type.kind == TypeKind::Int64) || (fn == AggFn::Avg && v.kind() == ValueKind::Int64)) {
                s.wide += v.asInt64();
            } else if (v.kind() == ValueKind::Interval) { // part by part, checked at the end
                const IntervalParts p = partsOf(v);
                s.nunits += p.months;
                s.idays += p.days;
                s.nsum += p.nanos;
            } else if (v.kind() == ValueKind::Numeric || v.kind() == ValueKind::BigNumeric) {
                const auto x = parseNumeric(v.asText());
                if (!x) throw EvalError("BIGNUMERIC value outside what the sandbox aggregates (NUMERIC range)");
                s.nunits += *x / kNumericScale;
                s.nsum += *x % kNumericScale;
            } else {
                const double x = toDouble(v);
                if (!std::isfinite(x)) s.nonFinite = true;
                s.fsum += static_cast<long double>(x);
            }
        } else if (fn == AggFn::Min || fn == AggFn::Max) {
            if (v.isNull()) return;
            // NaN wins both, as in BigQuery (it sorts first, so MIN finds it by comparing).
            const auto isNaN = [](const Value& x) { return x.kind() == ValueKind::Float64 && std::isnan(x.asDouble()); };
            if (s.any && isNaN(s.best)) return;
            if (!s.any || isNaN(v) || (fn == AggFn::Min ? compareValues(v, s.best, agg.collation) < 0 : compareValues(v, s.best, agg.collation) > 0)) s.best = v;
            s.any = true;
        } else if (fn == AggFn::AnyValue) {
            if (!s.any && !v.isNull()) {
                s.best = v;
                s.any = true;
            }
        } else if (fn == AggFn::ArrayAgg) {
            if (v.isNull() && agg.aggMods && agg.aggMods->nulls == AggModifiers::Nulls::Ignore) return;
            s.list.push_back(v); // a NULL element is refused when written out (checkWritable)
        } else if (fn == AggFn::ArrayConcatAgg) {
            if (v.isNull()) return; // NULL arrays add nothing
            for (const auto& item : v.items()) s.list.push_back(item);
            s.any = true;
            ++s.count; // arrays joined (LIMIT counts them)
        } else if (fn == AggFn::StringAgg) {
            if (sep && sep->isNull()) throw EvalError("Illegal NULL separator in STRING_AGG");
            if (v.isNull()) return;
            if (s.any) {
                if (sep) s.text.append(sep->asText());
                else s.text += ",";
            }
            s.text.append(v.asText());
            s.any = true;
            ++s.count; // values joined (LIMIT counts them)
        } else if (fn == AggFn::CovarPop || fn == AggFn::CovarSamp || fn == AggFn::Corr) {
            if (v.isNull() || !sep || sep->isNull()) return; // pairs with a NULL are skipped
            const long double x = statInput(v, s.haveOriginX, s.originX), y = statInput(*sep, s.haveOriginY, s.originY);
            if (!std::isfinite(static_cast<double>(x)) || !std::isfinite(static_cast<double>(y))) s.nonFinite = true;
            ++s.count;
            const long double dx = x - s.meanX, dy = y - s.meanY;
            s.meanX += dx / static_cast<long double>(s.count);
            s.meanY += dy / static_cast<long double>(s.count);
            s.m2X += dx * (x - s.meanX);
            s.m2Y += dy * (y - s.meanY);
            s.coMoment += dx * (y - s.meanY);
        } else if (fn >= AggFn::StddevPop) { // STDDEV and VAR
            if (v.isNull()) return;
            const long double x = statInput(v, s.haveOriginX, s.originX);
            if (!std::isfinite(static_cast<double>(x))) s.nonFinite = true;
            ++s.count;
            const long double d = x - s.meanX;
            s.meanX += d / static_cast<long double>(s.count);
            s.m2X += d * (x - s.meanX);
        } else if (fn == AggFn::LogicalAnd || fn == AggFn::LogicalOr) {
            if (v.isNull()) return;
            if (!s.any) s.logical = v.asBool();
            else s.logical = fn == AggFn::LogicalAnd ? (s.logical && v.asBool()) : (s.logical || v.asBool());
            s.any = true;
        }
    }

    /// An aggregate with ORDER BY or LIMIT: its held inputs sorted (stable) by the keys, then
    /// added in that order until LIMIT of them are in.
    void releaseHeld(AggState& s, const Expr& agg) const {
        const auto& m = *agg.aggMods;
        auto held = std::move(s.held);
        std::stable_sort(held.begin(), held.end(), [&](const std::vector<Value>& a, const std::vector<Value>& b) {
            for (std::size_t k = 0; k < m.order.size(); ++k) {
                const Value &x = a[2 + k], &y = b[2 + k];
                const bool nullsFirst = m.order[k].nullsFirst.value_or(!m.order[k].desc);
                if (x.isNull() != y.isNull()) return x.isNull() == nullsFirst;
                if (x.isNull()) continue;
                const int c = compareValues(x, y, m.order[k].collation);
                if (c != 0) return m.order[k].desc ? c > 0 : c < 0;
            }
            return false;
        });
        AggState out;
        std::size_t taken = 0;
        for (const auto& h : held) {
            if (m.limit && taken >= static_cast<std::size_t>(*m.limit)) break;
            const std::size_t before = agg.aggFn == AggFn::ArrayAgg ? out.list.size() : static_cast<std::size_t>(out.count);
            add(out, agg, h[0], agg.aggFn == AggFn::StringAgg && agg.args.size() > 1 ? &h[1] : nullptr);
            taken += (agg.aggFn == AggFn::ArrayAgg ? out.list.size() : static_cast<std::size_t>(out.count)) > before;
        }
        s = std::move(out);
    }

    Value finish(AggState& s, const Expr& agg) const override {
        const AggFn fn = agg.aggFn;
        if (agg.aggMods && agg.aggMods->holdsInputs()) releaseHeld(s, agg);
        if (isMoreAggregate(fn)) return finishMoreAggregate(s, agg);
        if (fn == AggFn::Count || fn == AggFn::CountIf) return Value::int64(s.count);
        if ((fn == AggFn::Sum || fn == AggFn::Avg) && agg.type.kind == TypeKind::Interval) {
            if (!s.any) return {};
            if (s.nunits > 120000 || s.nunits < -120000 || s.idays > 3660000 || s.idays < -3660000)
                throw EvalError("Interval value is out of range in " + std::string(fn == AggFn::Sum ? "SUM" : "AVG"));
            const Value sum = intervalValue({static_cast<long long>(s.nunits), static_cast<long long>(s.idays), s.nsum});
            if (fn == AggFn::Sum) return sum;
            return intervalOperation("/", sum, Value::int64(s.count), agg.type);
        }
        if (fn == AggFn::Sum) {
            if (!s.any) return {};
            if (agg.type.kind == TypeKind::Int64) {
                if (s.wide > std::numeric_limits<std::int64_t>::max() || s.wide < std::numeric_limits<std::int64_t>::min())
                    throw EvalError("int64 overflow in SUM");
                return Value::int64(static_cast<std::int64_t>(s.wide));
            }
            if (agg.type.kind == TypeKind::Numeric || agg.type.kind == TypeKind::BigNumeric) {
                const Num128 units = s.nunits + s.nsum / kNumericScale, rest = s.nsum % kNumericScale;
                if (units >= kTen29 || units <= -kTen29) throw EvalError("numeric overflow: SUM");
                const Num128 total = units * kNumericScale + rest;
                return agg.type.kind == TypeKind::Numeric ? Value::numeric(formatNumeric(total)) : Value::bigNumeric(formatNumeric(total));
            }
            const double sum = static_cast<double>(s.fsum);
            if (!std::isfinite(sum) && !s.nonFinite) throw EvalError("floating point overflow in SUM");
            return Value::float64(sum);
        }
        if (fn == AggFn::Avg) {
            if (!s.any) return {};
            if (agg.type.kind == TypeKind::Numeric || agg.type.kind == TypeKind::BigNumeric) {
                // (units * 10^9 + rest) / count, exactly, rounded half away from zero at the 9th digit.
                const Num128 count = s.count, units = s.nunits + s.nsum / kNumericScale, rest = s.nsum % kNumericScale;
                const Num128 remainder = (units % count) * kNumericScale + rest; // |units % count| < count: no overflow
                Num128 avg = (units / count) * kNumericScale + remainder / count;
                const Num128 left = remainder % count;
                if (left != 0 && agg.type.kind == TypeKind::BigNumeric)
                    throw EvalError("AVG of BIGNUMERIC with more than 9 digits after the decimal point is not supported by the sandbox yet");
                if (2 * (left < 0 ? -left : left) >= count) avg += remainder < 0 ? -1 : 1;
                return agg.type.kind == TypeKind::Numeric ? Value::numeric(formatNumeric(avg)) : Value::bigNumeric(formatNumeric(avg));
            }
            return Value::float64(static_cast<double>((s.fsum + static_cast<long double>(s.wide)) / static_cast<long double>(s.count)));
        }
        if (fn == AggFn::Min || fn == AggFn::Max || fn == AggFn::AnyValue) return s.any ? coerce(s.best, agg.type) : Value();
        if (fn == AggFn::ArrayAgg || fn == AggFn::ArrayConcatAgg) {
            if (fn == AggFn::ArrayConcatAgg && !s.any) return {}; // no rows, or only NULL arrays
            Value out = Value::arrayOf(s.list.size());
            for (std::size_t i = 0; i < s.list.size(); ++i) out[i] = std::move(s.list[i]);
            return out;
        }
        if (fn == AggFn::StringAgg) {
            if (!s.any) return {};
            return agg.type.kind == TypeKind::Bytes ? Value::bytes(s.text) : Value::string(s.text);
        }
        if (fn == AggFn::LogicalAnd || fn == AggFn::LogicalOr) return s.any ? Value::boolean(s.logical) : Value();
        if (fn >= AggFn::StddevPop) {
            // The population forms need one value (or pair), the sample forms two; an infinite or
            // NaN input makes the answer NaN.
            const bool sample = fn == AggFn::StddevSamp || fn == AggFn::VarSamp || fn == AggFn::CovarSamp || fn == AggFn::Corr;
            if (s.count < (sample ? 2 : 1)) return {};
            if (s.nonFinite) return Value::float64(std::nan(""));
            const long double n = static_cast<long double>(s.count) - (sample && fn != AggFn::Corr ? 1 : 0);
            switch (fn) {
            case AggFn::StddevPop:
            case AggFn::StddevSamp: return Value::float64(static_cast<double>(std::sqrt(s.m2X / n)));
            case AggFn::VarPop:
            case AggFn::VarSamp: return Value::float64(static_cast<double>(s.m2X / n));
            case AggFn::CovarPop:
            case AggFn::CovarSamp: return Value::float64(static_cast<double>(s.coMoment / n));
            default: return Value::float64(static_cast<double>(s.coMoment / std::sqrt(s.m2X * s.m2Y))); // CORR; 0/0 is NaN
            }
        }
        return {};
    }

    /// An expression's subquery for the current row: run with the row as its outer scope
    /// when correlated, once (and kept) otherwise.
    const QueryResult& runSubquery(const Expr& e, const Frame& f) const {
        Impl& sub = *exprSubs.at(e.subquery.get());
        if (!sub.correlated) {
            if (!sub.cached) sub.cached = sub.run(nullptr);
            return *sub.cached;
        }
        sub.cached = sub.run(&f);
        return *sub.cached;
    }

    /// Every stored table this query reads, through its FROM subqueries, set branches and
    /// expression subqueries at any depth (not the temporary tables FROM subqueries fill).
    void storedTables(std::vector<Table*>& out) const {
        for (const auto& v : vars)
            if (v.table && !v.table->project.empty()) out.push_back(v.table.get());
        for (const auto& sub : subs) sub->impl->storedTables(out);
        for (const auto& b : setBranches) b->impl->storedTables(out);
        for (const auto& [select, sub] : exprSubs) sub->storedTables(out);
    }

    /// Runs the subqueries this query reads and fills their tables; returns their bytes.
    std::uint64_t materialize() {
        std::uint64_t bytes = 0;
        for (auto& sub : subs) {
            auto r = sub->impl->run();
            std::unique_lock lock(sub->table->mutex);
            sub->table->rows = std::move(r.rows);
            bytes += r.bytesProcessed;
        }
        return bytes;
    }

    std::uint64_t estimate() const {
        std::uint64_t total = 0;
        for (const auto& b : setBranches) total += b->impl->estimate();
        for (const auto& sub : subs) total += sub->impl->estimate();
        std::vector<Table*> tables;
        for (const auto& v : vars)
            if (v.table && !v.table->project.empty() && std::find(tables.begin(), tables.end(), v.table.get()) == tables.end())
                tables.push_back(v.table.get());
        std::sort(tables.begin(), tables.end());
        std::vector<std::shared_lock<std::shared_mutex>> locks;
        for (auto* t : tables) locks.emplace_back(t->mutex);
        return total + bytesLocked();
    }

    void versions(std::vector<std::string>& out) const {
        for (const auto& b : setBranches) b->impl->versions(out);
        for (const auto& sub : subs) sub->impl->versions(out);
        for (const auto& v : vars) {
            if (!v.table || v.table->project.empty()) continue;
            std::shared_lock lock(v.table->mutex);
            out.push_back(v.table->project + ":" + v.table->dataset + "." + v.table->id + "@" + std::to_string(v.table->version) +
                          "/" + std::to_string(reinterpret_cast<std::uintptr_t>(v.table.get())));
        }
    }

    QueryResult run(const Frame* outer = nullptr) {
        // Subqueries first, each with its own locks; then hold every table this query (and the
        // subqueries in its expressions) reads for the duration, in a fixed order (no
        // lock-order inversions). A query running inside another's row holds no locks itself.
        outerFrame = outer;
        if (!setBranches.empty()) return runSetOperation();
        const std::uint64_t subBytes = materialize();
        std::vector<Table*> tables;
        if (runDepth == 0) {
            for (const auto& v : vars)
                if (v.table) tables.push_back(v.table.get());
            for (const auto& [select, sub] : exprSubs) sub->storedTables(tables); // they run inside this one's rows
            std::sort(tables.begin(), tables.end());
            tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
        }
        std::vector<std::shared_lock<std::shared_mutex>> locks;
        for (auto* t : tables) locks.emplace_back(t->mutex);
        struct Depth {
            Depth() { ++runDepth; }
            ~Depth() { --runDepth; }
            Depth(const Depth&) = delete;
            Depth& operator=(const Depth&) = delete;
        } depth;

        QueryResult result;
        result.schema = schema;
        result.bytesProcessed = bytesLocked() + subBytes;
        // Bound once; a correlated subquery runs it again for each row of its outer query.
        if (!planned) planned = std::make_unique<plan::BoundSelect>(boundSelect());
        planned->outer = outer;
        planned->reportPlan = outer == nullptr && runDepth == 1;
        plan::execute(*planned, result);
        return result;
    }

    /// Whether ON is exactly the equality its hash join looks up (then it need not be
    /// evaluated again: for the key types findHashKeys allows, equal keys are equal values).
    static bool onIsTheKey(const FromItem& f, const FromBinding& fb) {
        const Expr& on = *f.on;
        return on.kind == Expr::Kind::Binary && on.op == "=" &&
               ((on.args[0].get() == fb.probeKey && on.args[1].get() == fb.buildKey) ||
                (on.args[0].get() == fb.buildKey && on.args[1].get() == fb.probeKey));
    }

    /// WHERE's top-level AND parts, each placed right after the FROM item that binds the last
    /// range variable it reads; parts keep their written order (a part is never checked
    /// before one written ahead of it, which may guard it: x != 0 AND 10 / x > 1).
    void pushDownWhere(plan::BoundSelect& q) const {
        std::vector<const Expr*> parts;
        std::vector<const Expr*> todo{sel.where.get()};
        while (!todo.empty()) {
            const Expr* e = todo.back();
            todo.pop_back();
            if (!e) continue;
            if (e->kind == Expr::Kind::Binary && e->op == "AND") {
                todo.push_back(e->args[1].get());
                todo.push_back(e->args[0].get());
            } else {
                parts.push_back(e);
            }
        }
        std::vector<int> itemOf(vars.size(), -1);
        int lastRight = -1;
        for (std::size_t i = 0; i < fromSlots.size(); ++i) {
            itemOf[static_cast<std::size_t>(fromSlots[i].slot)] = static_cast<int>(i);
            if (fromSlots[i].offsetSlot >= 0) itemOf[static_cast<std::size_t>(fromSlots[i].offsetSlot)] = static_cast<int>(i);
            if (q.sources[i].right) lastRight = static_cast<int>(i);
        }
        const int end = static_cast<int>(q.sources.size()); // after the whole FROM clause
        q.pushed.assign(q.sources.size(), {});
        int floor = 0;
        for (const Expr* part : parts) {
            std::set<int> slots;
            int at = 0;
            if (!slotsOf(*part, slots)) at = end;
            for (const int s : slots) at = std::max(at, itemOf[static_cast<std::size_t>(s)]);
            // A RIGHT or FULL JOIN after it would bring rows back with its side NULL.
            if (at < lastRight || at >= end - 1) at = end;
            at = std::max(at, floor);
            floor = at;
            if (at == end) q.where.push_back(part);
            else q.pushed[static_cast<std::size_t>(at)].push_back(part);
        }
    }

    plan::BoundSelect boundSelect() const {
        plan::BoundSelect q;
        for (std::size_t i = 0; i < sel.from.size(); ++i) {
            const auto& f = sel.from[i];
            plan::BoundSelect::Source src;
            src.slot = fromSlots[i].slot;
            src.offsetSlot = fromSlots[i].offsetSlot;
            using J = FromItem::Join;
            src.left = f.join == J::Left || f.join == J::Full;
            src.right = f.join == J::Right || f.join == J::Full;
            src.on = f.on.get();
            if (f.kind == FromItem::Kind::Table) {
                src.table = vars[static_cast<std::size_t>(src.slot)].table.get();
                src.name = "FROM " + planName(f);
                if (fromSlots[i].buildKey) {
                    src.buildKey = fromSlots[i].buildKey;
                    src.probeKey = fromSlots[i].probeKey;
                    if (onIsTheKey(f, fromSlots[i])) src.on = nullptr;
                }
            } else {
                src.unnest = f.unnest.get();
                src.name = "UNNEST";
            }
            q.sources.push_back(std::move(src));
        }
        q.width = vars.size();
        pushDownWhere(q);
        q.aggregating = aggregating;
        for (const auto& g : groupKeys) q.groupKeys.push_back(g.get());
        q.groupingSets = groupingSets;
        if (q.groupingSets.empty() && usesGrouping) q.groupingSets.emplace_back(groupKeys.size(), true);
        q.aggs.assign(aggs.begin(), aggs.end());
        q.having = sel.having.get();
        q.windows.assign(windows.begin(), windows.end());
        q.qualify = sel.qualify.get();
        for (const auto& c : columns) q.columns.push_back(c.expr);
        for (const auto& o : order)
            q.order.push_back({o.column >= 0 ? columns[static_cast<std::size_t>(o.column)].expr : o.expr, o.column, o.desc, o.nullsFirst,
                               o.collation});
        q.distinct = sel.distinct;
        q.limit = sel.limit;
        q.offset = sel.offset;
        q.rows = this;
        q.cancelled = ctx.cancelled;
        q.splittable = exprSubs.empty(); // a subquery keeps per-row state (its outer row, its cached result)
        return q;
    }

    std::uint64_t bytesLocked() const {
        std::uint64_t total = 0;
        std::set<std::pair<const Table*, int>> counted;
        for (const auto& v : vars) {
            if (!v.table || v.table->project.empty()) continue; // subquery results are not billed again
            const auto bytes = columnBytes(*v.table);
            for (std::size_t c = 0; c < bytes.size(); ++c) {
                if (!v.usedWhole && !v.used.count(static_cast<int>(c))) continue;
                if (!counted.insert({v.table.get(), static_cast<int>(c)}).second) continue;
                total += bytes[c];
            }
        }
        return total;
    }
};

PreparedQuery::PreparedQuery() : d_(std::make_unique<Impl>()) {}
PreparedQuery::~PreparedQuery() = default;

std::unique_ptr<PreparedQuery> PreparedQuery::prepare(std::string_view sql, QueryContext ctx) {
    return prepare(parseQuery(sql), std::move(ctx));
}

namespace {
const TimeZone* zoneOf(const QueryContext& ctx) { return ctx.timeZone.empty() ? nullptr : &TimeZone::named(ctx.timeZone); }
} // namespace

std::unique_ptr<PreparedQuery> PreparedQuery::prepare(Select sel, QueryContext ctx) {
    std::unique_ptr<PreparedQuery> q(new PreparedQuery());
    ZoneScope zone(zoneOf(ctx)); // literals without a zone are read in it as they are bound
    q->d_->ctx = std::move(ctx);
    q->d_->sel = std::move(sel);
    q->d_->bindAll();
    return q;
}

const Schema& PreparedQuery::schema() const { return d_->schema; }

const std::vector<SqlType>& PreparedQuery::columnTypes() const { return d_->columnTypes; }

std::uint64_t PreparedQuery::estimateBytes() const { return d_->estimate(); }

std::vector<std::string> PreparedQuery::tableVersions() const {
    std::vector<std::string> out;
    d_->versions(out);
    return out;
}

namespace {
thread_local const std::atomic<bool>* tlCancel = nullptr;
} // namespace

CancelScope::CancelScope(const std::atomic<bool>* flag) : previous_(tlCancel) { tlCancel = flag; }
CancelScope::~CancelScope() { tlCancel = previous_; }

void throwIfCancelled() {
    if (tlCancel && tlCancel->load()) throw PreparedQuery::Cancelled{};
}

namespace {

/// BigQuery refuses to write an array with a NULL element (a result row, a table's row).
void checkWritable(const Value& v, const Field& f) {
    if (v.isNull()) return;
    if (f.isRepeated()) {
        for (const auto& item : v.items()) {
            if (item.isNull()) throw EvalError("Array cannot have a null element; error in writing field " + f.name);
            if (f.isRecord())
                for (std::size_t i = 0; i < f.fields.size() && i < item.size(); ++i) checkWritable(item[i], f.fields[i]);
        }
    } else if (f.isRecord()) {
        for (std::size_t i = 0; i < f.fields.size() && i < v.size(); ++i) checkWritable(v[i], f.fields[i]);
    }
}

bool holdsArrays(const std::vector<Field>& fields) {
    return std::any_of(fields.begin(), fields.end(), [](const Field& f) { return f.isRepeated() || holdsArrays(f.fields); });
}

} // namespace

QueryResult PreparedQuery::run() {
    CancelScope scope(d_->ctx.cancelled);
    ZoneScope zone(zoneOf(d_->ctx));
    QueryResult r = d_->run();
    if (holdsArrays(r.schema.fields))
        for (const auto& row : r.rows)
            for (std::size_t i = 0; i < r.schema.fields.size() && i < row.size(); ++i) checkWritable(row[i], r.schema.fields[i]);
    return r;
}

} // namespace quarry::sandbox::sql
