// SPDX-License-Identifier: MIT
// The parser: ORDER BY, windows and frames, LIMIT, SELECT items, FROM items, PIVOT and UNPIVOT.
#include "sandbox/sql/ParserCore.h"

namespace quarry::sandbox::sql::detail {

void Parser::aggregateModifiers(Expr& e) {
    if (!peek().kw("IGNORE") && !peek().kw("RESPECT") && !peek().kw("HAVING") && !peek().kw("ORDER") && !peek().kw("LIMIT"))
        return;
    auto m = std::make_shared<AggModifiers>();
    m->pos = peek().pos;
    if (peek().kw("IGNORE") || peek().kw("RESPECT")) {
        m->nulls = next().kw("IGNORE") ? AggModifiers::Nulls::Ignore : AggModifiers::Nulls::Respect;
        expectKw("NULLS");
    }
    if (acceptKw("HAVING")) {
        if (peek().kw("MAX")) m->havingMax = true;
        else if (!peek().kw("MIN")) fail("Expected keyword MAX or keyword MIN but got " + describe(peek()));
        next();
        m->having = expr();
    }
    if (peek().kw("ORDER")) {
        next();
        expectKw("BY");
        m->order = orderItems();
    }
    if (acceptKw("LIMIT")) m->limit = intLiteral("LIMIT");
    e.aggMods = std::move(m);
}

std::vector<OrderItem> Parser::orderItems() {
    std::vector<OrderItem> out;
    do {
        OrderItem o;
        o.expr = expr();
        if (peek().kw("COLLATE")) { // ORDER BY x COLLATE 'und:ci' (or @param)
            o.collatePos = next().pos;
            o.hasCollate = true;
            if (peek().kind == Tok::String) o.collate = next().text;
            else if (peek().kind == Tok::Param || peek().kind == Tok::Question) o.collateParam = primary();
            else fail("Expected a string literal after COLLATE but got " + describe(peek()));
        }
        if (acceptKw("DESC")) o.desc = true;
        else acceptKw("ASC");
        if (acceptKw("NULLS")) {
            if (acceptKw("FIRST")) o.nullsFirst = true;
            else if (acceptKw("LAST")) o.nullsFirst = false;
            else fail("Expected keyword FIRST or LAST but got " + describe(peek()));
        }
        out.push_back(std::move(o));
    } while (acceptOp(","));
    return out;
}

std::shared_ptr<WindowSpec> Parser::windowSpec(Pos p) {
    auto w = std::make_shared<WindowSpec>();
    w->pos = p;
    if (!peek().is("(")) {
        if (peek().kind == Tok::Ident && !reserved(peek())) { // OVER name
            w->pos = peek().pos;
            w->base = next().text;
            return w;
        }
        fail("Expected \"(\" but got " + describe(peek()));
    }
    next();
    if (peek().kind == Tok::Ident && !reserved(peek()) && !peek().kw("PARTITION") && !peek().kw("ORDER") && !peek().kw("ROWS") &&
        !peek().kw("RANGE")) {
        w->pos = peek().pos;
        w->base = next().text; // OVER (name ORDER BY ...)
    }
    if (acceptKw("PARTITION")) {
        expectKw("BY");
        do {
            w->partitionBy.push_back(expr());
        } while (acceptOp(","));
    }
    if (acceptKw("ORDER")) {
        expectKw("BY");
        w->orderBy = orderItems();
    }
    if (peek().kw("ROWS") || peek().kw("RANGE")) {
        w->hasFrame = true;
        w->rows = upper(next().text) == "ROWS";
        if (acceptKw("BETWEEN")) {
            w->start = frameBound();
            expectKw("AND");
            w->end = frameBound();
        } else {
            w->start = frameBound();
            w->end.kind = WindowSpec::Bound::Kind::CurrentRow;
        }
    }
    expectOp(")");
    return w;
}

WindowSpec::Bound Parser::frameBound() {
    using B = WindowSpec::Bound::Kind;
    WindowSpec::Bound b;
    b.pos = peek().pos;
    if (acceptKw("UNBOUNDED")) {
        if (acceptKw("PRECEDING")) b.kind = B::UnboundedPreceding;
        else if (acceptKw("FOLLOWING")) b.kind = B::UnboundedFollowing;
        else fail("Expected keyword PRECEDING or FOLLOWING but got " + describe(peek()));
    } else if (acceptKw("CURRENT")) {
        expectKw("ROW");
        b.kind = B::CurrentRow;
    } else {
        b.offset = expr();
        if (acceptKw("PRECEDING")) b.kind = B::Preceding;
        else if (acceptKw("FOLLOWING")) b.kind = B::Following;
        else fail("Expected keyword PRECEDING or FOLLOWING but got " + describe(peek()));
    }
    return b;
}

void Parser::limitValue(std::optional<std::int64_t>& value, ExprPtr& param, const char* what) {
    if (peek().kind == Tok::Param || peek().kind == Tok::Question) param = primary();
    else value = intLiteral(what);
}

std::int64_t Parser::intLiteral(const char* what) {
    if (peek().kind != Tok::Int)
        fail(std::string(what) + " expects an integer literal but got " + describe(peek()));
    const auto v = numbers::parseInt64(next().text);
    if (!v || *v < 0) fail(std::string(what) + " expects a non-negative integer");
    return *v;
}

void Parser::starModifiers(SelectItem& it) {
    if (peek().kw("EXCEPT") && peek(1).is("(")) {
        next();
        next();
        do it.except.push_back(identifier("column name"));
        while (acceptOp(","));
        expectOp(")");
    }
    if (peek().kw("REPLACE") && peek(1).is("(")) {
        next();
        next();
        do {
            auto e = expr();
            expectKw("AS");
            it.replace.emplace_back(std::move(e), identifier("column name"));
        } while (acceptOp(","));
        expectOp(")");
    }
}

SelectItem Parser::selectItem() {
    SelectItem it;
    it.pos = peek().pos;
    if (acceptOp("*")) {
        it.star = true;
        starModifiers(it);
        return it;
    }
    it.expr = expr();
    if (peek().is(".") && peek(1).is("*")) {
        next();
        next();
        it.star = true;
        starModifiers(it);
        return it;
    }
    if (acceptKw("AS")) it.alias = identifier("alias");
    else if (aliasAhead()) it.alias = next().text;
    return it;
}

void Parser::from(Select& s) {
    s.from.push_back(fromItem());
    while (true) {
        if (acceptOp(",")) {
            s.from.push_back(fromItem());
        } else if (peek().kw("CROSS") && peek(1).kw("JOIN")) {
            next();
            next();
            s.from.push_back(fromItem());
            s.from.back().join = FromItem::Join::Cross;
        } else if ((peek().kw("JOIN") || peek().kw("INNER") || peek().kw("LEFT") || peek().kw("RIGHT") ||
                    peek().kw("FULL")) && !setOpAhead()) {
            using J = FromItem::Join;
            J join = J::Inner;
            if (acceptKw("LEFT")) join = J::Left;
            else if (acceptKw("RIGHT")) join = J::Right;
            else if (acceptKw("FULL")) join = J::Full;
            else acceptKw("INNER");
            if (join != J::Inner) acceptKw("OUTER");
            if (!acceptKw("JOIN")) fail("Expected keyword JOIN but got " + describe(peek()));
            auto item = fromItem();
            item.join = join;
            if (acceptKw("ON")) {
                item.on = expr();
            } else if (acceptKw("USING")) {
                expectOp("(");
                do item.usingColumns.push_back(identifier("column name"));
                while (acceptOp(","));
                expectOp(")");
            }
            s.from.push_back(std::move(item));
        } else {
            break;
        }
    }
}

std::vector<std::string> Parser::tablePath() {
    std::vector<std::string> path;
    auto part = [&]() {
        const Token& t = peek();
        if (t.kind == Tok::QuotedIdent) {
            std::string q = next().text;
            std::size_t start = 0;
            while (true) {
                const auto dot = q.find('.', start);
                path.push_back(q.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
                if (dot == std::string::npos) break;
                start = dot + 1;
            }
        } else if (t.kind == Tok::Ident) {
            std::string id = next().text;
            // project ids may contain dashes: my-project.d.t
            while (peek().is("-") && (peek(1).kind == Tok::Ident || peek(1).kind == Tok::Int)) {
                next();
                id += "-" + next().text;
            }
            path.push_back(id);
        } else {
            fail("Expected table name but got " + describe(t));
        }
    };
    part();
    while (acceptOp(".")) part();
    return path;
}

FromItem Parser::fromItem() {
    FromItem f;
    f.pos = peek().pos;
    if (legacy_ && peek().is("(") && peek(1).kw("FLATTEN")) { // (FLATTEN(table, field))
        next();
        FromItem inner = fromItem();
        expectOp(")");
        if (acceptKw("AS")) inner.alias = identifier("alias");
        else if (aliasAhead()) inner.alias = next().text;
        return inner;
    }
    if (legacy_ && peek().kw("FLATTEN") && peek(1).is("(")) {
        next();
        next();
        FromItem inner = fromItem();
        expectOp(",");
        std::vector<std::string> field{identifier("field name")};
        while (acceptOp(".")) field.push_back(identifier("field name"));
        expectOp(")");
        inner.flatten = std::move(field);
        inner.pos = f.pos;
        if (acceptKw("AS")) inner.alias = identifier("alias");
        else if (aliasAhead()) inner.alias = next().text;
        return inner;
    }
    if (peek().kw("UNNEST")) {
        next();
        expectOp("(");
        f.kind = FromItem::Kind::Unnest;
        f.unnest = expr();
        expectOp(")");
    } else if (peek().is("(") && (peek(1).kw("SELECT") || peek(1).kw("WITH") || peek(1).is("("))) {
        next();
        f.subquery = std::make_shared<Select>(withSelect());
        expectOp(")");
    } else if (peek().is("(")) {
        throw SqlError("Parenthesized joins are not supported by the sandbox yet", peek().pos);
    } else {
        f.tablePath = tablePath();
        systemTime(f);
    }
    if (acceptKw("AS")) f.alias = identifier("alias");
    else if (aliasAhead() && !pivotAhead()) f.alias = next().text;
    if (!f.tablePath.empty() && !f.systemTime) systemTime(f);
    if (peek().kw("WITH") && peek(1).kw("OFFSET")) {
        next();
        next();
        f.withOffset = true;
        f.offsetAlias = "offset";
        if (acceptKw("AS")) f.offsetAlias = identifier("alias");
        else if (aliasAhead() && !pivotAhead()) f.offsetAlias = next().text;
    }
    while (pivotAhead()) {
        const bool pivot = peek().kw("PIVOT");
        f = pivot ? rewritePivot(std::move(f), pivotClause()) : rewriteUnpivot(std::move(f), unpivotClause());
        if (acceptKw("AS")) f.alias = identifier("alias");
        else if (aliasAhead() && !pivotAhead()) f.alias = next().text;
    }
    return f;
}

void Parser::systemTime(FromItem& f) {
    // FOR SYSTEM_TIME AS OF (also FOR SYSTEM TIME AS OF, as ZetaSQL reads it).
    if (!peek().kw("FOR")) return;
    const bool oneWord = peek(1).kw("SYSTEM_TIME");
    if (!oneWord && !(peek(1).kw("SYSTEM") && peek(2).kw("TIME"))) return;
    next();
    next();
    if (!oneWord) next();
    expectKw("AS");
    expectKw("OF");
    f.systemTime = expr();
}

bool Parser::pivotAhead() const {
    return (peek().kw("PIVOT") && peek(1).is("(")) ||
           (peek().kw("UNPIVOT") && (peek(1).is("(") || peek(1).kw("INCLUDE") || peek(1).kw("EXCLUDE")));
}

PivotSpec Parser::pivotClause() {
    PivotSpec s;
    s.pos = next().pos;
    expectOp("(");
    do {
        PivotSpec::Aggregate a;
        a.call = expr();
        if (acceptKw("AS")) a.alias = identifier("alias");
        else if (aliasAhead() && !peek().kw("FOR")) a.alias = next().text;
        s.aggregates.push_back(std::move(a));
    } while (acceptOp(","));
    expectKw("FOR");
    s.forExpr = concat(); // not expr(): `y IN (...)` is the clause, not an IN test
    expectKw("IN");
    expectOp("(");
    do {
        PivotSpec::PivotValue v;
        v.value = expr();
        if (acceptKw("AS")) v.alias = identifier("alias");
        else if (aliasAhead()) v.alias = next().text;
        s.values.push_back(std::move(v));
    } while (acceptOp(","));
    expectOp(")");
    expectOp(")");
    return s;
}

UnpivotSpec Parser::unpivotClause() {
    UnpivotSpec s;
    s.pos = next().pos;
    if (acceptKw("INCLUDE")) {
        expectKw("NULLS");
        s.includeNulls = true;
    } else if (acceptKw("EXCLUDE")) {
        expectKw("NULLS");
    }
    expectOp("(");
    if (acceptOp("(")) {
        do s.valueColumns.push_back(identifier("column name"));
        while (acceptOp(","));
        expectOp(")");
    } else {
        s.valueColumns.push_back(identifier("column name"));
    }
    expectKw("FOR");
    s.nameColumn = identifier("column name");
    expectKw("IN");
    expectOp("(");
    do {
        UnpivotSpec::Group g;
        if (acceptOp("(")) {
            do g.columns.push_back(postfix());
            while (acceptOp(","));
            expectOp(")");
        } else {
            g.columns.push_back(postfix());
        }
        if (acceptKw("AS")) {
            const Token& t = peek();
            if (t.kind != Tok::String && t.kind != Tok::Int) fail("Expected a string or integer label after AS but got " + describe(t));
            g.label = primary();
        }
        s.groups.push_back(std::move(g));
    } while (acceptOp(","));
    expectOp(")");
    expectOp(")");
    return s;
}

} // namespace quarry::sandbox::sql::detail
