// SPDX-License-Identifier: MIT
// The recursive-descent parser behind parseQuery and parseScript (internal: include only
// from the parser's own .cpp files).
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/Collation.h"
#include "sandbox/sql/Pivot.h"
#include "sandbox/sql/Lexer.h"
#include "sandbox/sql/Unsupported.h"
#include "value/Civil.h"
#include "value/Numbers.h"
#include "value/Text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <utility>

namespace quarry::sandbox::sql::detail {


constexpr std::array<std::string_view, 62> kReserved{
    "ALL", "AND", "ANY", "ARRAY", "AS", "ASC", "ASSERT_ROWS_MODIFIED", "AT", "BETWEEN", "BY", "CASE", "CAST",
    "COLLATE", "CONTAINS", "CREATE", "CROSS", "CUBE", "CURRENT", "DEFAULT", "DEFINE", "DESC", "DISTINCT", "ELSE",
    "END", "ENUM", "ESCAPE", "EXCEPT", "EXCLUDE", "EXISTS", "EXTRACT", "FALSE", "FETCH", "FOLLOWING", "FOR",
    "FROM", "FULL", "GROUP", "GROUPING", "GROUPS", "HASH", "HAVING", "IF", "IGNORE", "IN", "INNER", "INTERSECT",
    "INTERVAL", "INTO", "IS", "JOIN", "LATERAL", "LEFT", "LIKE", "LIMIT", "LOOKUP", "MERGE", "NATURAL", "NEW",
    "NO", "NOT", "NULL", "NULLS"};
constexpr std::array<std::string_view, 26> kReserved2{
    "OF", "ON", "OR", "ORDER", "OUTER", "OVER", "PARTITION", "PRECEDING", "PROTO", "QUALIFY", "RANGE", "RECURSIVE",
    "RESPECT", "RIGHT", "ROLLUP", "ROWS", "SELECT", "SET", "SOME", "STRUCT", "TABLESAMPLE", "THEN", "TO", "TREAT",
    "TRUE", "UNBOUNDED"};
constexpr std::array<std::string_view, 6> kReserved3{"UNION", "UNNEST", "USING", "WHEN", "WHERE", "WINDOW"};

inline bool reserved(const Token& t) {
    if (t.kind != Tok::Ident) return false;
    std::string u = t.text;
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    auto in = [&](const auto& list) { return std::find(list.begin(), list.end(), u) != list.end(); };
    return in(kReserved) || in(kReserved2) || in(kReserved3) || u == "WITH";
}

using text::upper;

inline std::string describe(const Token& t) {
    switch (t.kind) {
    case Tok::End: return "end of input";
    case Tok::Ident: return reserved(t) ? "keyword " + upper(t.text) : "identifier \"" + t.text + "\"";
    case Tok::QuotedIdent: return "identifier `" + t.text + "`";
    case Tok::String: return "string literal \"" + t.text + "\"";
    case Tok::Bytes: return "bytes literal";
    case Tok::Int: return "integer literal \"" + t.text + "\"";
    case Tok::Float: return "floating point literal \"" + t.text + "\"";
    case Tok::Param: return "query parameter @" + t.text;
    case Tok::SystemVariable: return "system variable @@" + t.text;
    case Tok::Question: return "\"?\"";
    case Tok::Op: return "\"" + t.text + "\"";
    }
    return "token";
}

class Parser {
public:
    explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

    Select query() {
        Select s = withSelect();
        while (peek().is(";")) next();
        if (peek().kind != Tok::End) fail("Expected end of input but got " + describe(peek()));
        return s;
    }

    /// One whole expression (a SQL function's body).
    ExprPtr wholeExpression() {
        auto e = expr();
        if (peek().kind != Tok::End) fail("Expected end of input but got " + describe(peek()));
        return e;
    }

    /// Where parsing goes on: the token at `index` (a script re-reads a statement each time it
    /// runs it).
    void seek(std::size_t index) { i_ = index; }
    std::size_t tokenIndex() const { return i_; }
    /// The token read last.
    const Token& previous() const { return t_[i_ ? std::min(i_, t_.size()) - 1 : 0]; }

protected:
    const Token& peek(int k = 0) const { return t_[std::min(i_ + static_cast<std::size_t>(k), t_.size() - 1)]; }
    const Token& next() { return t_[std::min(i_++, t_.size() - 1)]; }
    [[noreturn]] void fail(const std::string& msg) const { throw SqlError("Syntax error: " + msg, peek().pos); }
    bool acceptKw(std::string_view w) {
        if (peek().kw(w)) {
            next();
            return true;
        }
        return false;
    }
    bool acceptOp(std::string_view op) {
        if (peek().is(op)) {
            next();
            return true;
        }
        return false;
    }
    void expectKw(std::string_view w) {
        if (!acceptKw(w)) fail("Expected keyword " + std::string(w) + " but got " + describe(peek()));
    }
    void expectOp(std::string_view op) {
        if (!acceptOp(op)) fail("Expected \"" + std::string(op) + "\" but got " + describe(peek()));
    }
    /// The ">" closing a type parameter list; the lexer reads ARRAY<STRUCT<a INT64>>'s ">>" as
    /// one token, so its first half is taken and the second left for the outer list.
    void closeAngle() {
        if (i_ < t_.size() && t_[i_].is(">>")) {
            t_[i_].text = ">";
            ++t_[i_].pos.col;
            return;
        }
        expectOp(">");
    }
    std::string identifier(const char* what) {
        const Token& t = peek();
        if (t.kind == Tok::QuotedIdent || (t.kind == Tok::Ident && !reserved(t))) return next().text;
        fail(std::string("Expected ") + what + " but got " + describe(t));
    }
    bool aliasAhead() const {
        const Token& t = peek();
        return t.kind == Tok::QuotedIdent || (t.kind == Tok::Ident && !reserved(t));
    }

    /// [WITH name AS (query), ...] SELECT ...
    Select withSelect() {
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

    Select branch(bool& parenthesized) {
        parenthesized = peek().is("(");
        if (!parenthesized) return select();
        next();
        Select s = withSelect();
        expectOp(")");
        return s;
    }

    /// Whether a set operator starts here, with its INNER / FULL [OUTER] / LEFT [OUTER] / OUTER
    /// prefix (which a FROM clause must not read as a join).
    bool setOpAhead() const {
        int k = 0;
        if (peek().kw("INNER") || peek().kw("OUTER")) k = 1;
        else if (peek().kw("FULL") || peek().kw("LEFT")) k = peek(1).kw("OUTER") ? 2 : 1;
        return peek(k).kw("UNION") || peek(k).kw("INTERSECT") || peek(k).kw("EXCEPT");
    }

    /// ( name, ... ) after CORRESPONDING BY or BY NAME ON.
    std::vector<std::string> setColumnList() {
        std::vector<std::string> names;
        expectOp("(");
        do names.push_back(identifier("column name"));
        while (acceptOp(","));
        expectOp(")");
        return names;
    }

    /// One set operator: [INNER | FULL [OUTER] | LEFT [OUTER] | OUTER] UNION|INTERSECT|EXCEPT
    /// ALL|DISTINCT [BY NAME [ON (...)] | [STRICT] CORRESPONDING [BY (...)]]. Returns its text,
    /// which every operator of one chain must repeat.
    std::string setOperator(std::string& op, Select::SetColumns& cols) {
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

    /// `a UNION ALL b ... [ORDER BY] [LIMIT]` becomes SELECT * FROM (the set operation) with the
    /// ORDER BY and LIMIT the last branch parsed, which belong to the whole.
    Select setOperation(Select first, bool lastParenthesized) {
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

    /// After a comma in the SELECT list: whether the list ends there (a trailing comma).
    bool selectListEnds() const {
        const Token& t = peek();
        if (t.kind == Tok::End || t.is(")") || t.is(";")) return true;
        for (const char* w : {"FROM", "WHERE", "GROUP", "HAVING", "QUALIFY", "WINDOW", "ORDER", "LIMIT", "UNION", "INTERSECT", "EXCEPT"})
            if (t.kw(w)) return true;
        return false;
    }

    using GroupingSets = std::vector<std::vector<std::size_t>>;

    /// GROUP BY's items: expressions, ROLLUP(...), CUBE(...), GROUPING SETS(...) and (). Each
    /// item stands for a list of grouping sets (indices into s.groupBy); the clause's sets are
    /// their product. Plain expressions alone leave s.groupingSets empty (one set of all).
    void groupBy(Select& s) {
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

    /// One GROUP BY item, or (inGroupingSets) one element of GROUPING SETS (...), where a
    /// parenthesized list is one set of several columns.
    GroupingSets groupingItem(Select& s, bool& special, bool inGroupingSets) {
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

    /// An item of ROLLUP, CUBE or GROUPING SETS: an expression, or (a, b, ...) taken together.
    std::vector<std::size_t> columnGroup(Select& s) {
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

    Select select() {
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

    /// [IGNORE | RESPECT NULLS] [HAVING MAX|MIN expr] [ORDER BY ...] [LIMIT n] before an
    /// aggregate call's ")".
    void aggregateModifiers(Expr& e) {
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

    std::vector<OrderItem> orderItems() {
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

    /// OVER ( [PARTITION BY ...] [ORDER BY ...] [ROWS|RANGE frame] ), after the OVER.
    std::shared_ptr<WindowSpec> windowSpec(Pos p) {
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

    WindowSpec::Bound frameBound() {
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

    /// LIMIT's or OFFSET's count: an integer literal, or a query parameter (read at bind).
    void limitValue(std::optional<std::int64_t>& value, ExprPtr& param, const char* what) {
        if (peek().kind == Tok::Param || peek().kind == Tok::Question) param = primary();
        else value = intLiteral(what);
    }

    std::int64_t intLiteral(const char* what) {
        if (peek().kind != Tok::Int)
            fail(std::string(what) + " expects an integer literal but got " + describe(peek()));
        const auto v = numbers::parseInt64(next().text);
        if (!v || *v < 0) fail(std::string(what) + " expects a non-negative integer");
        return *v;
    }

    /// `* EXCEPT (a, b)` and `* REPLACE (expr AS a, ...)`.
    void starModifiers(SelectItem& it) {
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

    SelectItem selectItem() {
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

    void from(Select& s) {
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

    /// A (possibly quoted, possibly dotted) table path: `p.d.t`, p.d.t, d.t, or alias.field.
    std::vector<std::string> tablePath() {
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

    FromItem fromItem() {
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
        }
        if (acceptKw("AS")) f.alias = identifier("alias");
        else if (aliasAhead() && !pivotAhead()) f.alias = next().text;
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

    /// PIVOT ( or UNPIVOT ( / UNPIVOT INCLUDE|EXCLUDE NULLS (: not an alias named pivot.
    bool pivotAhead() const {
        return (peek().kw("PIVOT") && peek(1).is("(")) ||
               (peek().kw("UNPIVOT") && (peek(1).is("(") || peek(1).kw("INCLUDE") || peek(1).kw("EXCLUDE")));
    }

    /// PIVOT (agg [AS a], ... FOR expr IN (value [AS v], ...)), at PIVOT.
    PivotSpec pivotClause() {
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

    /// UNPIVOT [INCLUDE|EXCLUDE NULLS] (v FOR name IN (c [AS label], ...)), or with (v1, v2)
    /// and ((c1, c2) [AS label], ...), at UNPIVOT.
    UnpivotSpec unpivotClause() {
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

    // ---- expressions, lowest precedence first ----
    ExprPtr make(Expr::Kind k, Pos p) {
        auto e = std::make_unique<Expr>();
        e->kind = k;
        e->pos = p;
        return e;
    }

    /// Bounds recursion: hostile input such as 5,000 open parentheses must be an error,
    /// not a stack overflow.
    struct DepthGuard {
        Parser& p;
        explicit DepthGuard(Parser& parser) : p(parser) {
            if (++p.depth_ > kMaxDepth) {
                --p.depth_;
                throw SqlError("Syntax error: Expression is nested too deeply (more than " + std::to_string(kMaxDepth) +
                                   " levels)",
                               p.peek().pos);
            }
        }
        ~DepthGuard() { --p.depth_; }
    };
    static constexpr int kMaxDepth = 256;

    /// Operator chains (`1+1+...`, `a OR b OR ...`, `x[OFFSET(0)][OFFSET(0)]...`, `a.b.c...`)
    /// are parsed in loops, but make trees as tall as they are long, and the binder, the
    /// evaluator and the destructor recurse over those. Every link of every chain being
    /// parsed counts here, so a tree is never taller than kMaxDepth + kMaxChainLinks (556
    /// levels: within an 8 MB stack even with a sanitizer's large frames; the fuzzer overflowed
    /// one at 963).
    static constexpr int kMaxChainLinks = 300;
    struct ChainGuard {
        Parser& p;
        int links = 0;
        explicit ChainGuard(Parser& parser) : p(parser) {}
        void link(Pos at) {
            if (p.links_ >= kMaxChainLinks)
                throw SqlError("Syntax error: Expression is too long: more than " + std::to_string(kMaxChainLinks) +
                                   " operators in a row. Split it, or use IN (...) or UNNEST([...]) for long lists",
                               at);
            ++p.links_;
            ++links;
        }
        ~ChainGuard() { p.links_ -= links; }
    };

    ExprPtr expr() {
        DepthGuard g(*this);
        return orExpr();
    }

    /// One level of a left-associative keyword operator (OR, AND).
    ExprPtr keywordLevel(ExprPtr (Parser::*nextLevel)(), std::string_view keyword) {
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
    ExprPtr orExpr() { return keywordLevel(&Parser::andExpr, "OR"); }
    ExprPtr andExpr() { return keywordLevel(&Parser::notExpr, "AND"); }

    ExprPtr notExpr() {
        DepthGuard g(*this);
        if (peek().kw("NOT")) {
            auto e = make(Expr::Kind::Unary, next().pos);
            e->op = "NOT";
            e->args.push_back(notExpr());
            return e;
        }
        return comparison();
    }

    /// Legacy SQL's `x [NOT] CONTAINS y`: STRPOS(x, y) > 0.
    ExprPtr legacyContains(ExprPtr l) {
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

    ExprPtr comparison() {
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

    /// x [NOT] LIKE ANY|SOME|ALL (p, ...) | UNNEST(array) | (subquery): op is ANY or ALL; the
    /// patterns follow x in args, or (inUnnest) one array does.
    void likeQuantified(Expr& e) {
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

    ExprPtr binaryLevel(ExprPtr (Parser::*nextLevel)(), std::initializer_list<std::string_view> ops) {
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
    ExprPtr concat() { return binaryLevel(&Parser::additive, {"||"}); }
    ExprPtr additive() { return binaryLevel(&Parser::multiplicative, {"+", "-"}); }
    ExprPtr multiplicative() { return binaryLevel(&Parser::unary, {"*", "/"}); }

    ExprPtr unary() {
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

    ExprPtr postfix() {
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

    /// `dataset.f(args)`, `project.dataset.f(args)`: a call of a SQL function stored in a
    /// dataset (a routine), or of a namespaced built-in (NET.HOST). path: the name's parts.
    ExprPtr qualifiedCall(ExprPtr name) {
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

    SqlType typeName() {
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

    ExprPtr literal(Pos p, Value v, SqlType t) {
        auto e = make(Expr::Kind::Literal, p);
        e->value = std::move(v);
        e->type = std::move(t);
        return e;
    }

    ExprPtr primary() {
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

    /// The date part of DATE_DIFF(a, b, DAY), DATE_TRUNC(d, MONTH), LAST_DAY(d, YEAR) and kin
    /// is a keyword, not a column: it becomes an upper-case STRING literal.
    void datePartArgument(Expr& call) {
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

    /// SELECT AS STRUCT a, b AS c: one column, STRUCT(a, b AS c), its fields named as the
    /// items would name their columns.
    void structItems(Select& s) {
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

    /// The rest of `(SELECT ...)` after its "(": a scalar, ARRAY or EXISTS subquery.
    ExprPtr subquery(Pos p, const std::string& kind) {
        auto e = make(Expr::Kind::Subquery, p);
        e->op = kind;
        asStructAllowed_ = peek().kw("SELECT"); // its own SELECT may be AS STRUCT
        e->subquery = std::make_shared<Select>(withSelect());
        expectOp(")");
        return e;
    }

    ExprPtr arrayElements(Pos p, const SqlType* elementType) {
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

    ExprPtr caseExpr() {
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

    std::vector<Token> t_;
    std::size_t i_ = 0;
    int positional_ = 0;
    int depth_ = 0;
    int links_ = 0; ///< chain links being parsed (ChainGuard)
    bool legacy_ = false; ///< legacy SQL: FLATTEN in FROM, aggregates WITHIN
    bool asStructAllowed_ = false; ///< the next SELECT opens an expression subquery
};

} // namespace quarry::sandbox::sql::detail
