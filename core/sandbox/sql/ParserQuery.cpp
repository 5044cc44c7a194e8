// SPDX-License-Identifier: MIT
// The parser: queries, WITH, set operations, GROUP BY and grouping sets, SELECT.
#include "sandbox/sql/ParserCore.h"

namespace quarry::sandbox::sql::detail {

Select Parser::query() {
    Select s = withSelect();
    while (peek().is(";")) next();
    if (peek().kind != Tok::End) fail("Expected end of input but got " + describe(peek()));
    return s;
}

ExprPtr Parser::wholeExpression() {
    auto e = expr();
    if (peek().kind != Tok::End) fail("Expected end of input but got " + describe(peek()));
    return e;
}

bool Parser::acceptKw(std::string_view w) {
    if (peek().kw(w)) {
        next();
        return true;
    }
    return false;
}

bool Parser::acceptOp(std::string_view op) {
    if (peek().is(op)) {
        next();
        return true;
    }
    return false;
}

void Parser::expectKw(std::string_view w) {
    if (!acceptKw(w)) fail("Expected keyword " + std::string(w) + " but got " + describe(peek()));
}

void Parser::expectOp(std::string_view op) {
    if (!acceptOp(op)) fail("Expected \"" + std::string(op) + "\" but got " + describe(peek()));
}

void Parser::closeAngle() {
    if (i_ < t_.size() && t_[i_].is(">>")) {
        t_[i_].text = ">";
        ++t_[i_].pos.col;
        return;
    }
    expectOp(">");
}

std::string Parser::identifier(const char* what) {
    const Token& t = peek();
    if (t.kind == Tok::QuotedIdent || (t.kind == Tok::Ident && !reserved(t))) return next().text;
    fail(std::string("Expected ") + what + " but got " + describe(t));
}

bool Parser::aliasAhead() const {
    const Token& t = peek();
    return t.kind == Tok::QuotedIdent || (t.kind == Tok::Ident && !reserved(t));
}

Select Parser::withSelect() {
    DepthGuard g(*this);
    std::vector<std::pair<std::string, std::shared_ptr<Select>>> with;
    if (acceptKw("WITH")) {
        if (peek().kw("RECURSIVE")) throw SqlError("WITH RECURSIVE is not supported by the sandbox", peek().pos);
        do {
            const auto name = identifier("WITH query name");
            expectKw("AS");
            expectOp("(");
            with.emplace_back(name, std::make_shared<Select>(withSelect()));
            expectOp(")");
        } while (acceptOp(","));
    }
    bool parenthesized = false;
    Select s = branch(parenthesized);
    if (setOpAhead()) s = setOperation(std::move(s), parenthesized);
    s.with = std::move(with);
    return s;
}

Select Parser::branch(bool& parenthesized) {
    parenthesized = peek().is("(");
    if (!parenthesized) return select();
    next();
    Select s = withSelect();
    expectOp(")");
    return s;
}

bool Parser::setOpAhead() const {
    int k = 0;
    if (peek().kw("INNER") || peek().kw("OUTER")) k = 1;
    else if (peek().kw("FULL") || peek().kw("LEFT")) k = peek(1).kw("OUTER") ? 2 : 1;
    return peek(k).kw("UNION") || peek(k).kw("INTERSECT") || peek(k).kw("EXCEPT");
}

std::vector<std::string> Parser::setColumnList() {
    std::vector<std::string> names;
    expectOp("(");
    do names.push_back(identifier("column name"));
    while (acceptOp(","));
    expectOp(")");
    return names;
}

std::string Parser::setOperator(std::string& op, Select::SetColumns& cols) {
    using M = Select::SetColumns::Match;
    using Mode = Select::SetColumns::Mode;
    const Pos at = peek().pos;
    std::string prefix;
    if (acceptKw("INNER")) {
        prefix = "INNER";
    } else if (peek().kw("FULL") || peek().kw("LEFT")) {
        prefix = peek().kw("FULL") ? "FULL" : "LEFT";
        next();
        acceptKw("OUTER");
    } else if (acceptKw("OUTER")) {
        prefix = "FULL"; // OUTER alone is FULL OUTER
    }
    const Token& opTok = next();
    op = opTok.text;
    for (auto& c : op) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (acceptKw("ALL")) {
        if (op != "UNION") throw SqlError(op + " ALL is not supported; use " + op + " DISTINCT", opTok.pos);
        op += " ALL";
    } else if (acceptKw("DISTINCT")) {
        op += " DISTINCT";
    } else {
        fail("Expected keyword ALL or keyword DISTINCT but got " + describe(peek()));
    }
    std::string text = prefix + " " + op;
    cols = {};
    if (peek().kw("BY") && peek(1).kw("NAME")) {
        next();
        next();
        cols.match = prefix.empty() ? M::StrictName : M::Name;
        text += " BY NAME";
        if (acceptKw("ON")) {
            cols.hasList = true;
            cols.list = setColumnList();
        }
    } else if (peek().kw("CORRESPONDING") || (peek().kw("STRICT") && peek(1).kw("CORRESPONDING"))) {
        const bool strict = acceptKw("STRICT");
        if (strict && !prefix.empty())
            throw SqlError("Syntax error: STRICT CORRESPONDING cannot be used with " + prefix, at);
        next();
        cols.match = strict ? M::StrictName : M::Name;
        text += strict ? " STRICT CORRESPONDING" : " CORRESPONDING";
        if (peek().kw("BY") && peek(1).is("(")) {
            next();
            cols.hasList = true;
            cols.list = setColumnList();
        }
    } else if (!prefix.empty()) {
        throw SqlError(prefix + " in set operations cannot be used without CORRESPONDING or BY NAME", at);
    }
    cols.mode = prefix == "FULL" ? Mode::Full : prefix == "LEFT" ? Mode::Left : Mode::Inner;
    for (const auto& n : cols.list) {
        std::string lowered = n;
        for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        text += " " + lowered;
    }
    return text;
}

Select Parser::setOperation(Select first, bool lastParenthesized) {
    const Pos pos = first.pos;
    auto set = std::make_shared<Select>();
    set->pos = pos;
    set->setBranches.push_back(std::make_shared<Select>(std::move(first)));
    std::string chain;
    while (setOpAhead()) {
        const Pos opPos = peek().pos;
        std::string op;
        Select::SetColumns cols;
        const std::string text = setOperator(op, cols);
        if (!chain.empty() && chain != text)
            throw SqlError("Syntax error: Different set operations cannot be used in the same query without using "
                           "parentheses for grouping",
                           opPos);
        chain = text;
        set->setOps.push_back(op);
        set->setColumns = std::move(cols);
        set->setBranches.push_back(std::make_shared<Select>(branch(lastParenthesized)));
    }
    Select outer;
    outer.pos = pos;
    SelectItem star;
    star.star = true;
    star.pos = pos;
    outer.items.push_back(std::move(star));
    if (!lastParenthesized) {
        auto& last = *set->setBranches.back();
        outer.orderBy = std::move(last.orderBy);
        last.orderBy.clear();
        outer.limit = last.limit;
        outer.offset = last.offset;
        outer.limitParam = std::move(last.limitParam);
        outer.offsetParam = std::move(last.offsetParam);
        last.limit.reset();
        last.offset.reset();
    }
    FromItem f;
    f.pos = pos;
    f.subquery = std::move(set);
    outer.from.push_back(std::move(f));
    return outer;
}

bool Parser::selectListEnds() const {
    const Token& t = peek();
    if (t.kind == Tok::End || t.is(")") || t.is(";")) return true;
    for (const char* w : {"FROM", "WHERE", "GROUP", "HAVING", "QUALIFY", "WINDOW", "ORDER", "LIMIT", "UNION", "INTERSECT", "EXCEPT"})
        if (t.kw(w)) return true;
    return false;
}

void Parser::groupBy(Select& s) {
    const Pos at = peek().pos;
    GroupingSets sets{{}};
    bool special = false;
    do {
        const GroupingSets item = groupingItem(s, special, false);
        GroupingSets product;
        for (const auto& a : sets)
            for (const auto& b : item) {
                auto& both = product.emplace_back(a);
                both.insert(both.end(), b.begin(), b.end());
            }
        sets = std::move(product);
        if (sets.size() > 4096) throw SqlError("GROUP BY has more than 4096 grouping sets", at);
    } while (acceptOp(","));
    if (special) s.groupingSets = std::move(sets);
}

Parser::GroupingSets Parser::groupingItem(Select& s, bool& special, bool inGroupingSets) {
    if ((peek().kw("ROLLUP") || peek().kw("CUBE")) && peek(1).is("(")) {
        special = true;
        const bool rollup = next().kw("ROLLUP");
        const Pos at = peek().pos;
        next();
        std::vector<std::vector<std::size_t>> groups;
        do groups.push_back(columnGroup(s));
        while (acceptOp(","));
        expectOp(")");
        GroupingSets out;
        if (rollup) {
            for (std::size_t n = groups.size() + 1; n-- > 0;) {
                auto& set = out.emplace_back();
                for (std::size_t g = 0; g < n; ++g) set.insert(set.end(), groups[g].begin(), groups[g].end());
            }
            return out;
        }
        if (groups.size() > 12) throw SqlError("CUBE takes at most 12 items", at);
        for (std::size_t mask = (std::size_t{1} << groups.size()); mask-- > 0;) {
            auto& set = out.emplace_back();
            for (std::size_t g = 0; g < groups.size(); ++g)
                if (mask & (std::size_t{1} << g)) set.insert(set.end(), groups[g].begin(), groups[g].end());
        }
        return out;
    }
    if (!inGroupingSets && peek().kw("GROUPING") && peek(1).kw("SETS")) {
        special = true;
        next();
        next();
        expectOp("(");
        GroupingSets out;
        do {
            const GroupingSets element = groupingItem(s, special, true);
            out.insert(out.end(), element.begin(), element.end());
        } while (acceptOp(","));
        expectOp(")");
        return out;
    }
    if (peek().is("(") && peek(1).is(")")) {
        special = true;
        next();
        next();
        return {{}};
    }
    if (inGroupingSets) return {columnGroup(s)};
    s.groupBy.push_back(expr());
    return {{s.groupBy.size() - 1}};
}

std::vector<std::size_t> Parser::columnGroup(Select& s) {
    std::vector<std::size_t> group;
    if (peek().is("(") && !peek(1).kw("SELECT") && !peek(1).kw("WITH")) {
        // (a, b) is a group of columns; (a + 1) or (a) a group of one.
        const std::size_t mark = i_;
        next();
        std::vector<ExprPtr> items;
        do items.push_back(expr());
        while (acceptOp(","));
        if (acceptOp(")") && (peek().is(",") || peek().is(")"))) {
            for (auto& e : items) {
                s.groupBy.push_back(std::move(e));
                group.push_back(s.groupBy.size() - 1);
            }
            return group;
        }
        i_ = mark; // a parenthesized start of a longer expression: (a + 1) * 2
    }
    s.groupBy.push_back(expr());
    group.push_back(s.groupBy.size() - 1);
    return group;
}

Select Parser::select() {
    Select s;
    s.pos = peek().pos;
    const bool asStructAllowed = std::exchange(asStructAllowed_, false);
    expectKw("SELECT");
    if (acceptKw("DISTINCT")) s.distinct = true;
    else acceptKw("ALL");
    bool asStruct = false;
    if (peek().kw("AS") && peek(1).kw("STRUCT")) {
        next();
        next();
        // In an expression subquery each row becomes one STRUCT value. Elsewhere (a FROM
        // subquery, the outer query, a set operation's branch) the value table of STRUCT
        // rows reads as the table of their fields, which is what it is in BigQuery.
        asStruct = asStructAllowed;
    }
    do {
        s.items.push_back(selectItem());
    } while (acceptOp(",") && !selectListEnds()); // a trailing comma: "SELECT a, b, FROM t"
    if (asStruct) structItems(s);
    if (acceptKw("FROM")) from(s);
    if (acceptKw("WHERE")) s.where = expr();
    if (peek().kw("GROUP")) {
        next();
        expectKw("BY");
        if (acceptKw("ALL")) s.groupByAll = true;
        else groupBy(s);
    }
    if (acceptKw("HAVING")) s.having = expr();
    if (acceptKw("QUALIFY")) s.qualify = expr();
    if (acceptKw("WINDOW")) {
        do {
            const Pos at = peek().pos;
            std::string name = identifier("window name");
            expectKw("AS");
            std::shared_ptr<WindowSpec> spec;
            if (peek().is("(")) {
                spec = windowSpec(at);
            } else {
                spec = std::make_shared<WindowSpec>();
                spec->pos = at;
                spec->base = identifier("window name");
            }
            s.namedWindows.emplace_back(std::move(name), std::move(spec));
        } while (acceptOp(","));
    }
    if (peek().kw("ORDER")) {
        next();
        expectKw("BY");
        s.orderBy = orderItems();
    }
    if (acceptKw("LIMIT")) {
        limitValue(s.limit, s.limitParam, "LIMIT");
        if (acceptKw("OFFSET")) limitValue(s.offset, s.offsetParam, "OFFSET");
    }
    return s;
}

} // namespace quarry::sandbox::sql::detail
