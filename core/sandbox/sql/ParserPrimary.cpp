// SPDX-License-Identifier: MIT
// The parser: primary expressions (literals, calls, CASE, CAST, subqueries, ARRAY and STRUCT).
#include "sandbox/sql/ParserCore.h"

namespace quarry::sandbox::sql::detail {

ExprPtr Parser::primary() {
    const Token& t = peek();
    const Pos p = t.pos;
    switch (t.kind) {
    case Tok::Int: {
        next();
        std::optional<std::int64_t> v;
        bool intMin = false;
        if (t.text.size() > 2 && (t.text[1] == 'x' || t.text[1] == 'X')) {
            try {
                v = static_cast<std::int64_t>(std::stoull(t.text.substr(2), nullptr, 16));
            } catch (...) {
            }
        } else {
            v = numbers::parseInt64(t.text);
            if (!v && t.text == "9223372036854775808") {
                v = std::numeric_limits<std::int64_t>::min(); // only valid negated
                intMin = true;
            }
        }
        if (!v) throw SqlError("Invalid integer literal: " + t.text, p);
        auto e = literal(p, Value::int64(*v), SqlType::scalar(TypeKind::Int64));
        if (intMin) e->op = "int-min";
        return e;
    }
    case Tok::Float: {
        next();
        const auto v = numbers::parseDouble(t.text);
        if (!v) throw SqlError("Invalid floating point literal: " + t.text, p);
        auto e = literal(p, Value::float64(*v), SqlType::scalar(TypeKind::Float64));
        e->path = {t.text}; // the digits as written: CAST(1.1 AS NUMERIC) reads them, not the double
        return e;
    }
    case Tok::String: next(); return literal(p, Value::string(t.text), SqlType::scalar(TypeKind::String));
    case Tok::Bytes: next(); return literal(p, Value::bytes(t.text), SqlType::scalar(TypeKind::Bytes));
    case Tok::Param: {
        next();
        auto e = make(Expr::Kind::Param, p);
        e->op = t.text;
        return e;
    }
    case Tok::SystemVariable: { // @@error.message: read from the script's state
        next();
        auto e = make(Expr::Kind::Param, p);
        e->op = "@@" + t.text;
        return e;
    }
    case Tok::Question: {
        next();
        auto e = make(Expr::Kind::Param, p);
        e->paramIndex = positional_++;
        return e;
    }
    case Tok::Op:
        if (t.is("(")) {
            next();
            if (peek().kw("SELECT") || peek().kw("WITH")) return subquery(p, "SCALAR");
            auto first = expr();
            if (acceptOp(",")) {
                auto s = make(Expr::Kind::StructCtor, p);
                s->names.emplace_back();
                s->args.push_back(std::move(first));
                do {
                    s->names.emplace_back();
                    s->args.push_back(expr());
                } while (acceptOp(","));
                expectOp(")");
                return s;
            }
            expectOp(")");
            return first;
        }
        if (t.is("[")) {
            next();
            return arrayElements(p, nullptr);
        }
        fail("Unexpected " + describe(t));
    case Tok::QuotedIdent: {
        auto e = make(Expr::Kind::Path, p);
        const std::string q = next().text;
        std::size_t start = 0;
        while (true) {
            const auto dot = q.find('.', start);
            e->path.push_back(q.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        return e;
    }
    case Tok::End: fail("Unexpected end of input");
    case Tok::Ident: break;
    }
    // identifiers, keywords, function calls, typed literals
    if (t.kw("NULL")) {
        next();
        auto e = literal(p, Value(), SqlType::null());
        return e;
    }
    if (t.kw("TRUE") || t.kw("FALSE")) {
        next();
        return literal(p, Value::boolean(t.kw("TRUE")), SqlType::scalar(TypeKind::Bool));
    }
    if (t.kw("CASE")) return caseExpr();
    if (t.kw("CAST") || t.kw("SAFE_CAST")) {
        const bool safe = t.kw("SAFE_CAST");
        next();
        expectOp("(");
        auto e = make(Expr::Kind::Cast, p);
        e->safe = safe;
        e->args.push_back(expr());
        expectKw("AS");
        e->castType = typeName();
        expectOp(")");
        return e;
    }
    if (t.kw("ARRAY") && (peek(1).is("[") || peek(1).is("<"))) {
        next();
        SqlType el;
        bool typed = false;
        if (acceptOp("<")) {
            el = typeName();
            closeAngle();
            typed = true;
        }
        expectOp("[");
        return arrayElements(p, typed ? &el : nullptr);
    }
    if (t.kw("EXTRACT") && peek(1).is("(")) {
        // EXTRACT(part FROM value): a call with the part as a STRING literal first.
        next();
        next();
        auto e = make(Expr::Kind::Call, p);
        e->op = "EXTRACT";
        const Token& part = peek();
        if (part.kind != Tok::Ident) fail("Expected a date part name but got " + describe(part));
        e->args.push_back(literal(part.pos, Value::string(upper(next().text)), SqlType::scalar(TypeKind::String)));
        expectKw("FROM");
        e->args.push_back(expr());
        if (acceptKw("AT")) { // EXTRACT(part FROM ts AT TIME ZONE zone)
            expectKw("TIME");
            expectKw("ZONE");
            e->args.push_back(expr());
        }
        expectOp(")");
        return e;
    }
    if (t.kw("INTERVAL")) {
        // INTERVAL n part: only as an argument of DATE_ADD and its kin (the binder checks).
        next();
        auto e = make(Expr::Kind::Call, p);
        e->op = "INTERVAL";
        e->args.push_back(expr());
        const Token& part = peek();
        if (part.kind != Tok::Ident) fail("Expected a date part name after INTERVAL but got " + describe(part));
        e->args.push_back(literal(part.pos, Value::string(upper(next().text)), SqlType::scalar(TypeKind::String)));
        if (acceptKw("TO")) { // INTERVAL '1-2' YEAR TO MONTH
            const Token& to = peek();
            if (to.kind != Tok::Ident) fail("Expected a date part name after TO but got " + describe(to));
            e->args.push_back(literal(to.pos, Value::string(upper(next().text)), SqlType::scalar(TypeKind::String)));
        }
        return e;
    }
    if ((t.kw("ARRAY") || t.kw("EXISTS")) && peek(1).is("(")) {
        const std::string kind = upper(next().text);
        next();
        if (!peek().kw("SELECT") && !peek().kw("WITH")) fail("Expected a subquery (SELECT ...) after " + kind + "(");
        return subquery(p, kind);
    }
    if (t.kw("STRUCT") && (peek(1).is("(") || peek(1).is("<"))) {
        next();
        auto s = make(Expr::Kind::StructCtor, p);
        if (peek().is("<")) {
            i_--; // re-read STRUCT<...> as a type
            s->castType = typeName();
            s->typed = true;
        }
        expectOp("(");
        if (!peek().is(")")) {
            do {
                s->args.push_back(expr());
                std::string alias;
                if (acceptKw("AS")) alias = identifier("field name");
                s->names.push_back(alias);
            } while (acceptOp(","));
        }
        expectOp(")");
        return s;
    }
    if ((t.kw("DATE") || t.kw("TIMESTAMP") || t.kw("DATETIME") || t.kw("TIME") || t.kw("NUMERIC") ||
         t.kw("BIGNUMERIC") || t.kw("JSON") || t.kw("BIGDECIMAL") || t.kw("DECIMAL")) &&
        peek(1).kind == Tok::String) {
        const std::string kind = upper(next().text);
        const Token& lit = next();
        auto e = make(Expr::Kind::Cast, p);
        e->args.push_back(literal(lit.pos, Value::string(lit.text), SqlType::scalar(TypeKind::String)));
        e->castType = SqlType::scalar(*parseTypeName(kind));
        e->op = "literal";
        return e;
    }
    if (t.kw("RANGE") && peek(1).is("<")) { // RANGE<DATE> '[2020-01-01, UNBOUNDED)'
        SqlType type = typeName();
        if (peek().kind != Tok::String) fail("Expected a string literal after " + type.name() + " but got " + describe(peek()));
        const Token& lit = next();
        auto e = make(Expr::Kind::Cast, p);
        e->args.push_back(literal(lit.pos, Value::string(lit.text), SqlType::scalar(TypeKind::String)));
        e->castType = std::move(type);
        e->op = "literal";
        return e;
    }
    if (reserved(t) && !(t.kw("IF") || t.kw("LEFT") || t.kw("RIGHT") || ((t.kw("GROUPING") || t.kw("COLLATE")) && peek(1).is("("))))
        fail("Unexpected keyword " + upper(t.text));
    const bool quoted = t.kind == Tok::QuotedIdent;
    const std::string name = next().text;
    if (quoted && peek().is("(") && name.find('.') != std::string::npos) {
        auto path = make(Expr::Kind::Path, p);
        path->path.push_back(name);
        return qualifiedCall(std::move(path));
    }
    if (peek().is("(")) {
        next();
        auto e = make(Expr::Kind::Call, p);
        e->op = upper(name);
        if (e->op == "SAFE" ) fail("Unexpected \"(\"");
        if (acceptOp("*")) {
            e->star = true;
            aggregateModifiers(*e); // COUNT(* HAVING MAX x)
            expectOp(")");
            if (acceptKw("OVER")) e->window = windowSpec(p);
            return e;
        }
        if (acceptKw("DISTINCT")) e->distinct = true;
        if (!peek().is(")")) {
            do {
                e->args.push_back(expr());
            } while (acceptOp(","));
        }
        aggregateModifiers(*e);
        expectOp(")");
        datePartArgument(*e);
        if (acceptKw("OVER")) e->window = windowSpec(p);
        if (legacy_ && acceptKw("WITHIN")) {
            if (acceptKw("RECORD")) {
                e->within = "RECORD";
            } else {
                e->within = identifier("RECORD or a field name");
                while (acceptOp(".")) e->within += "." + identifier("field name");
            }
        }
        return e;
    }
    if (peek().is(".") && peek(1).kind == Tok::Ident && peek(2).is("(") && upper(name) == "SAFE") {
        next();
        auto e = make(Expr::Kind::Call, p);
        e->op = upper(next().text);
        e->safe = true;
        next();
        if (!peek().is(")")) {
            do {
                e->args.push_back(expr());
            } while (acceptOp(","));
        }
        expectOp(")");
        return e;
    }
    auto e = make(Expr::Kind::Path, p);
    e->path.push_back(name);
    return e;
}

void Parser::datePartArgument(Expr& call) {
    std::size_t at = 0;
    const std::string& n = call.op;
    if (n == "DATE_DIFF" || n == "DATETIME_DIFF" || n == "TIMESTAMP_DIFF" || n == "TIME_DIFF") at = 3;
    else if (n == "DATE_TRUNC" || n == "DATETIME_TRUNC" || n == "TIMESTAMP_TRUNC" || n == "TIME_TRUNC" || n == "LAST_DAY") at = 2;
    if (at == 0 || call.args.size() < at) return;
    ExprPtr& a = call.args[at - 1];
    std::string part;
    if (a->kind == Expr::Kind::Path && a->path.size() == 1) {
        part = upper(a->path[0]);
    } else if (a->kind == Expr::Kind::Call && (a->op == "WEEK" || a->op == "ISOWEEK") && a->args.size() == 1 &&
               a->args[0]->kind == Expr::Kind::Path && a->args[0]->path.size() == 1) {
        if (upper(a->args[0]->path[0]) != "SUNDAY")
            throw SqlError("WEEK(" + upper(a->args[0]->path[0]) + ") is not supported by the sandbox yet; use WEEK (Sunday) or ISOWEEK (Monday)", a->pos);
        part = "WEEK";
    } else {
        return;
    }
    a = literal(a->pos, Value::string(part), SqlType::scalar(TypeKind::String));
}

void Parser::structItems(Select& s) {
    auto st = make(Expr::Kind::StructCtor, s.pos);
    for (auto& it : s.items) {
        if (it.star || !it.expr)
            throw SqlError("SELECT AS STRUCT with * is not supported by the sandbox yet", it.pos);
        std::string name = it.alias;
        if (name.empty() && it.expr->kind == Expr::Kind::Path) name = it.expr->path.back();
        st->names.push_back(name);
        st->args.push_back(std::move(it.expr));
    }
    s.items.clear();
    SelectItem one;
    one.expr = std::move(st);
    one.pos = s.pos;
    s.items.push_back(std::move(one));
}

ExprPtr Parser::subquery(Pos p, const std::string& kind) {
    auto e = make(Expr::Kind::Subquery, p);
    e->op = kind;
    asStructAllowed_ = peek().kw("SELECT"); // its own SELECT may be AS STRUCT
    e->subquery = std::make_shared<Select>(withSelect());
    expectOp(")");
    return e;
}

ExprPtr Parser::arrayElements(Pos p, const SqlType* elementType) {
    auto a = make(Expr::Kind::ArrayCtor, p);
    if (elementType) {
        a->castType = *elementType;
        a->typed = true;
    }
    if (!peek().is("]")) {
        do {
            a->args.push_back(expr());
        } while (acceptOp(","));
    }
    expectOp("]");
    return a;
}

ExprPtr Parser::caseExpr() {
    auto e = make(Expr::Kind::Case, next().pos);
    if (!peek().kw("WHEN")) {
        e->hasOperand = true;
        e->args.push_back(expr());
    }
    if (!peek().kw("WHEN")) fail("Expected keyword WHEN but got " + describe(peek()));
    while (acceptKw("WHEN")) {
        e->args.push_back(expr());
        expectKw("THEN");
        e->args.push_back(expr());
    }
    if (acceptKw("ELSE")) {
        e->hasElse = true;
        e->args.push_back(expr());
    }
    expectKw("END");
    return e;
}

} // namespace quarry::sandbox::sql::detail
