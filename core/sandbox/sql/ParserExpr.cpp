// SPDX-License-Identifier: MIT
// The parser: expressions by precedence (OR down to postfix), comparisons, LIKE, types.
#include "sandbox/sql/ParserCore.h"

namespace quarry::sandbox::sql::detail {

ExprPtr Parser::make(Expr::Kind k, Pos p) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->pos = p;
    return e;
}

ExprPtr Parser::expr() {
    DepthGuard g(*this);
    return orExpr();
}

ExprPtr Parser::keywordLevel(ExprPtr (Parser::*nextLevel)(), std::string_view keyword) {
    auto l = (this->*nextLevel)();
    ChainGuard chain(*this);
    while (peek().kw(keyword)) {
        chain.link(peek().pos);
        auto e = make(Expr::Kind::Binary, next().pos);
        e->op = std::string(keyword);
        e->args.push_back(std::move(l));
        e->args.push_back((this->*nextLevel)());
        l = std::move(e);
    }
    return l;
}

ExprPtr Parser::notExpr() {
    DepthGuard g(*this);
    if (peek().kw("NOT")) {
        auto e = make(Expr::Kind::Unary, next().pos);
        e->op = "NOT";
        e->args.push_back(notExpr());
        return e;
    }
    return comparison();
}

ExprPtr Parser::legacyContains(ExprPtr l) {
    const Pos p = peek().pos;
    const bool negated = acceptKw("NOT");
    next();
    auto call = make(Expr::Kind::Call, p);
    call->op = "STRPOS";
    call->args.push_back(std::move(l));
    call->args.push_back(concat());
    auto gt = make(Expr::Kind::Binary, p);
    gt->op = ">";
    gt->args.push_back(std::move(call));
    gt->args.push_back(literal(p, Value::int64(0), SqlType::scalar(TypeKind::Int64)));
    if (!negated) return gt;
    auto n = make(Expr::Kind::Unary, p);
    n->op = "NOT";
    n->args.push_back(std::move(gt));
    return n;
}

ExprPtr Parser::comparison() {
    auto l = concat();
    ChainGuard chain(*this);
    while (true) {
        const Token& t = peek();
        chain.link(t.pos);
        if (t.is("=") || t.is("!=") || t.is("<>") || t.is("<") || t.is("<=") || t.is(">") || t.is(">=")) {
            auto e = make(Expr::Kind::Binary, next().pos);
            e->op = t_[i_ - 1].text == "<>" ? "!=" : t_[i_ - 1].text;
            e->args.push_back(std::move(l));
            e->args.push_back(concat());
            l = std::move(e);
            continue;
        }
        if (legacy_ && (peek().kw("CONTAINS") || (peek().kw("NOT") && peek(1).kw("CONTAINS")))) {
            l = legacyContains(std::move(l));
            continue;
        }
        bool negated = false;
        std::size_t save = i_;
        if (peek().kw("NOT") && (peek(1).kw("IN") || peek(1).kw("BETWEEN") || peek(1).kw("LIKE"))) {
            next();
            negated = true;
        }
        if (peek().kw("IS")) {
            auto e = make(Expr::Kind::IsNull, next().pos);
            e->negated = acceptKw("NOT");
            if (peek().kw("DISTINCT") && peek(1).kw("FROM")) { // a IS [NOT] DISTINCT FROM b
                next();
                next();
                e->op = "DISTINCT";
                e->args.push_back(std::move(l));
                e->args.push_back(concat());
                l = std::move(e);
                continue;
            }
            if (acceptKw("NULL")) e->op = "NULL";
            else if (acceptKw("TRUE")) e->op = "TRUE";
            else if (acceptKw("FALSE")) e->op = "FALSE";
            else fail("Expected keyword NULL, TRUE or FALSE but got " + describe(peek()));
            e->args.push_back(std::move(l));
            l = std::move(e);
            continue;
        }
        if (peek().kw("IN")) {
            auto e = make(Expr::Kind::In, next().pos);
            e->negated = negated;
            e->args.push_back(std::move(l));
            if (acceptKw("UNNEST")) {
                e->inUnnest = true;
                expectOp("(");
                e->args.push_back(expr());
                expectOp(")");
            } else {
                expectOp("(");
                if (peek().kw("SELECT") || peek().kw("WITH")) {
                    e->subquery = std::make_shared<Select>(withSelect());
                    expectOp(")");
                    l = std::move(e);
                    continue;
                }
                do {
                    e->args.push_back(expr());
                } while (acceptOp(","));
                expectOp(")");
            }
            l = std::move(e);
            continue;
        }
        if (peek().kw("BETWEEN")) {
            auto e = make(Expr::Kind::Between, next().pos);
            e->negated = negated;
            e->args.push_back(std::move(l));
            e->args.push_back(concat());
            expectKw("AND");
            e->args.push_back(concat());
            l = std::move(e);
            continue;
        }
        if (peek().kw("LIKE")) {
            auto e = make(Expr::Kind::Like, next().pos);
            e->negated = negated;
            e->args.push_back(std::move(l));
            if (peek().kw("ANY") || peek().kw("SOME") || peek().kw("ALL")) likeQuantified(*e);
            else e->args.push_back(concat());
            l = std::move(e);
            continue;
        }
        i_ = save;
        return l;
    }
}

void Parser::likeQuantified(Expr& e) {
    e.op = next().kw("ALL") ? "ALL" : "ANY";
    if (acceptKw("UNNEST")) {
        e.inUnnest = true;
        expectOp("(");
        e.args.push_back(expr());
        expectOp(")");
        return;
    }
    const Pos at = peek().pos;
    expectOp("(");
    if (peek().kw("SELECT") || peek().kw("WITH")) { // the subquery's rows as one array
        auto sub = make(Expr::Kind::Subquery, at);
        sub->op = "ARRAY";
        sub->subquery = std::make_shared<Select>(withSelect());
        expectOp(")");
        e.inUnnest = true;
        e.args.push_back(std::move(sub));
        return;
    }
    do e.args.push_back(expr());
    while (acceptOp(","));
    expectOp(")");
}

ExprPtr Parser::binaryLevel(ExprPtr (Parser::*nextLevel)(), std::initializer_list<std::string_view> ops) {
    auto l = (this->*nextLevel)();
    ChainGuard chain(*this);
    while (true) {
        const Token& t = peek();
        const auto it = std::find_if(ops.begin(), ops.end(), [&](std::string_view o) { return t.is(o); });
        if (it == ops.end()) return l;
        chain.link(t.pos);
        auto e = make(Expr::Kind::Binary, next().pos);
        e->op = std::string(*it);
        e->args.push_back(std::move(l));
        e->args.push_back((this->*nextLevel)());
        l = std::move(e);
    }
}

ExprPtr Parser::unary() {
    DepthGuard g(*this);
    if (peek().is("-") || peek().is("+") || peek().is("~")) {
        const Token& t = next();
        auto inner = unary();
        if (t.text == "+") return inner;
        // Fold -literal so that -9223372036854775808 is representable.
        if (t.text == "-" && inner->kind == Expr::Kind::Literal && !inner->value.isNull()) {
            if (inner->value.kind() == ValueKind::Int64) {
                // "int-min" is 9223372036854775808, valid only negated.
                if (inner->op != "int-min") inner->value = Value::int64(-inner->value.asInt64());
                inner->op.clear();
                inner->pos = t.pos;
                return inner;
            }
            if (inner->value.kind() == ValueKind::Float64) {
                inner->value = Value::float64(-inner->value.asDouble());
                if (inner->path.size() == 1) inner->path[0] = "-" + inner->path[0];
                inner->pos = t.pos;
                return inner;
            }
        }
        auto e = make(Expr::Kind::Unary, t.pos);
        e->op = t.text;
        e->args.push_back(std::move(inner));
        return e;
    }
    return postfix();
}

ExprPtr Parser::postfix() {
    auto e = primary();
    ChainGuard chain(*this);
    while (true) {
        if (peek().is("[") || (peek().is(".") && !peek(1).is("*"))) chain.link(peek().pos);
        if (peek().is("[")) {
            auto s = make(Expr::Kind::Subscript, next().pos);
            std::string mode = "OFFSET";
            const bool wrapped = peek().kind == Tok::Ident && peek(1).is("(") &&
                                 (peek().kw("OFFSET") || peek().kw("ORDINAL") || peek().kw("SAFE_OFFSET") ||
                                  peek().kw("SAFE_ORDINAL"));
            if (wrapped) {
                mode = upper(next().text);
                next();
            }
            s->op = mode;
            s->args.push_back(std::move(e));
            s->args.push_back(expr());
            if (wrapped) expectOp(")");
            expectOp("]");
            e = std::move(s);
        } else if (peek().is("(") && e->kind == Expr::Kind::Path && e->path.size() > 1) {
            e = qualifiedCall(std::move(e));
        } else if (peek().is(".") && !peek(1).is("*")) {
            next();
            auto f = make(Expr::Kind::Field, peek().pos);
            const Token& n = peek();
            if (n.kind != Tok::Ident && n.kind != Tok::QuotedIdent) fail("Expected field name but got " + describe(n));
            f->op = next().text;
            if (e->kind == Expr::Kind::Path) {
                e->path.push_back(f->op);
                continue;
            }
            f->args.push_back(std::move(e));
            e = std::move(f);
        } else {
            return e;
        }
    }
}

ExprPtr Parser::qualifiedCall(ExprPtr name) {
    auto e = make(Expr::Kind::Call, name->pos);
    for (const auto& part : name->path) {
        std::size_t start = 0;
        while (true) { // `p.d.f` quoted as one identifier
            const auto dot = part.find('.', start);
            e->path.push_back(part.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
    }
    for (const auto& part : e->path) e->op += (e->op.empty() ? "" : ".") + upper(part);
    expectOp("(");
    if (!peek().is(")")) {
        do e->args.push_back(expr());
        while (acceptOp(","));
    }
    expectOp(")");
    return e;
}

SqlType Parser::typeName() {
    const Pos p = peek().pos;
    if (peek().kind != Tok::Ident && peek().kind != Tok::QuotedIdent)
        fail("Expected type name but got " + describe(peek()));
    std::string n = upper(next().text);
    if (n == "ARRAY") {
        expectOp("<");
        SqlType el = typeName();
        closeAngle();
        if (el.array) throw SqlError("Arrays of arrays are not supported", p);
        return el.arrayOf();
    }
    if (n == "STRUCT") {
        SqlType t = SqlType::scalar(TypeKind::Struct);
        expectOp("<");
        do {
            std::string fname;
            if ((peek().kind == Tok::Ident || peek().kind == Tok::QuotedIdent) &&
                !(peek(1).is(",") || peek(1).is(">") || peek(1).is(">>") || peek(1).is("<")))
                fname = next().text;
            t.fields.emplace_back(fname, typeName());
        } while (acceptOp(","));
        closeAngle();
        return t;
    }
    if (n == "RANGE" && peek().is("<")) {
        next();
        const SqlType el = typeName();
        closeAngle();
        if (el.array || (el.kind != TypeKind::Date && el.kind != TypeKind::DateTime && el.kind != TypeKind::Timestamp))
            throw SqlError("Unsupported type: RANGE<" + el.name() + "> (RANGE takes DATE, DATETIME or TIMESTAMP)", p);
        SqlType t = SqlType::scalar(TypeKind::Range);
        t.rangeElement = el.kind;
        return t;
    }
    const auto k = parseTypeName(n);
    if (!k || *k == TypeKind::Struct || *k == TypeKind::Range) throw SqlError("Type not found: " + n, p);
    SqlType t = SqlType::scalar(*k);
    if (*k == TypeKind::String && peek().kw("COLLATE")) { // STRING COLLATE 'und:ci'
        next();
        if (peek().kind != Tok::String) fail("Expected a string literal after COLLATE but got " + describe(peek()));
        const Token& c = next();
        try {
            Collation::named(c.text);
        } catch (const CollationError& ex) {
            throw SqlError(ex.what(), c.pos);
        }
        t.collation = c.text;
    }
    return t;
}

ExprPtr Parser::literal(Pos p, Value v, SqlType t) {
    auto e = make(Expr::Kind::Literal, p);
    e->value = std::move(v);
    e->type = std::move(t);
    return e;
}

} // namespace quarry::sandbox::sql::detail
