// SPDX-License-Identifier: MIT
// Pieces the statement runner builds its queries from, and the checks it applies to rows
// before they are written (internal to Statements*.cpp).
#pragma once

#include "sandbox/Statements.h"
#include "sandbox/sql/Ast.h"
#include "sandbox/sql/Engine.h"
#include "sandbox/sql/Functions.h"
#include "value/Text.h"

namespace quarry::sandbox::dml {

/// The hidden column that numbers the target's rows in the snapshot a DML statement reads.
inline constexpr const char* kRowColumn = "_quarry_dml_row";

inline sql::ExprPtr pathExpr(std::vector<std::string> path, sql::Pos pos) {
    auto e = std::make_unique<sql::Expr>();
    e->kind = sql::Expr::Kind::Path;
    e->path = std::move(path);
    e->pos = pos;
    return e;
}

inline sql::SelectItem item(sql::ExprPtr e, std::string alias) {
    sql::SelectItem it;
    it.pos = e->pos;
    it.expr = std::move(e);
    it.alias = std::move(alias);
    return it;
}

inline sql::FromItem tableItem(std::vector<std::string> path, std::string alias, sql::Pos pos) {
    sql::FromItem f;
    f.tablePath = std::move(path);
    f.alias = std::move(alias);
    f.pos = pos;
    return f;
}

/// What a literal written where a value is assigned may still become: BigQuery coerces a
/// floating-point literal to NUMERIC, a string literal to DATE/DATETIME/TIME/TIMESTAMP, and
/// an empty array literal to any array type.
enum class Literal { None, Float, String, EmptyArray };

inline Literal literalKind(const sql::Expr& e) {
    using EK = sql::Expr::Kind;
    if (e.kind == EK::ArrayCtor && e.args.empty() && !e.typed) return Literal::EmptyArray;
    if (e.kind == EK::Unary && e.op == "-" && e.args.size() == 1) return literalKind(*e.args[0]);
    if (e.kind != EK::Literal || e.type.array || e.type.unknown) return Literal::None;
    if (e.type.kind == TypeKind::Float64) return Literal::Float;
    if (e.type.kind == TypeKind::String) return Literal::String;
    return Literal::None;
}

inline bool isTimeKind(TypeKind k) {
    return k == TypeKind::Date || k == TypeKind::DateTime || k == TypeKind::Time || k == TypeKind::Timestamp;
}

/// Whether a value of type `from` (written as `lit`) may be assigned to a column of type `to`.
inline bool assignable(const sql::SqlType& from, const sql::SqlType& to, Literal lit = Literal::None) {
    if (sql::coercesTo(from, to)) return true;
    if (lit == Literal::EmptyArray) return to.array;
    if (to.array) return false;
    if (lit == Literal::Float) return to.kind == TypeKind::Numeric || to.kind == TypeKind::BigNumeric;
    if (lit == Literal::String) return isTimeKind(to.kind);
    return false;
}

/// A value of a checked type, converted to the column's type (INT64 into FLOAT64, NUMERIC...),
/// inside STRUCTs and ARRAYs too.
inline Value fit(const Value& v, const sql::SqlType& to) {
    if (v.isNull() || to.unknown) return v;
    if (to.array) {
        Value out = Value::arrayOf(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) out[i] = fit(v[i], to.element());
        return out;
    }
    if (to.kind == TypeKind::Struct) {
        Value out = Value::structOf(to.fields.size());
        for (std::size_t i = 0; i < to.fields.size() && i < v.size(); ++i) out[i] = fit(v[i], to.fields[i].second);
        return out;
    }
    if ((v.kind() == ValueKind::String && isTimeKind(to.kind)) ||
        (v.kind() == ValueKind::Float64 && (to.kind == TypeKind::Numeric || to.kind == TypeKind::BigNumeric)))
        return sql::castValue(v, to, false); // a literal that assignable() let through
    return sql::coerce(v, to);
}

/// Throws EvalError when a REQUIRED field (at any depth) is NULL.
inline void checkRequired(const Value& row, const std::vector<Field>& fields, const std::string& prefix = {}) {
    for (std::size_t i = 0; i < fields.size() && i < row.size(); ++i) {
        const auto& f = fields[i];
        const Value& v = row[i];
        if (v.isNull()) {
            if (f.mode == Mode::Required)
                throw sql::EvalError("Required field " + prefix + f.name + " cannot be NULL");
            continue;
        }
        if (!f.isRecord()) continue;
        if (f.isRepeated())
            for (const auto& el : v.items()) checkRequired(el, f.fields, prefix + f.name + ".");
        else
            checkRequired(v, f.fields, prefix + f.name + ".");
    }
}

/// Runs a statement's query, or for a dry run only estimates it (and returns nothing).
inline std::optional<sql::QueryResult> runQuery(sql::PreparedQuery& q, bool dryRun, StatementResult& r) {
    if (dryRun) {
        r.bytesProcessed = q.estimateBytes();
        return std::nullopt;
    }
    auto result = q.run();
    r.bytesProcessed = result.bytesProcessed;
    return result;
}

/// The index of a column by name (any case), or -1.
inline int columnIndex(const std::vector<Field>& fields, const std::string& name) {
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (text::iequals(fields[i].name, name)) return static_cast<int>(i);
    return -1;
}

} // namespace quarry::sandbox::dml

namespace quarry::sandbox {

/// A DML target as read at one version: the stored table, and a copy of its rows with
/// kRowColumn appended, which the statement's query reads instead.
struct StatementRunner::Snapshot {
    std::shared_ptr<Table> stored;
    std::shared_ptr<Table> view;
    std::uint64_t version = 0;
    /// The rows as stored (the view's rows without kRowColumn; an ingestion-time partition's
    /// hidden time kept).
    std::vector<Value> rows() const {
        std::vector<Value> out;
        out.reserve(view->rows.size());
        const std::size_t n = stored->schema.fields.size();
        const bool hidden = view->partitioning && view->partitioning->ingestion; // its time after kRowColumn
        for (const auto& r : view->rows) {
            Value v = Value::structOf(n + (hidden ? 1 : 0));
            for (std::size_t i = 0; i < n; ++i) v[i] = r[i];
            if (hidden) v[n] = r[n + 1];
            out.push_back(std::move(v));
        }
        return out;
    }
};

} // namespace quarry::sandbox
