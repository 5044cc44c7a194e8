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

    Select query();

    /// One whole expression (a SQL function's body).
    ExprPtr wholeExpression();

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
    bool acceptKw(std::string_view w);
    bool acceptOp(std::string_view op);
    void expectKw(std::string_view w);
    void expectOp(std::string_view op);
    /// The ">" closing a type parameter list; the lexer reads ARRAY<STRUCT<a INT64>>'s ">>" as
    /// one token, so its first half is taken and the second left for the outer list.
    void closeAngle();
    std::string identifier(const char* what);
    bool aliasAhead() const;

    /// [WITH name AS (query), ...] SELECT ...
    Select withSelect();

    Select branch(bool& parenthesized);

    /// Whether a set operator starts here, with its INNER / FULL [OUTER] / LEFT [OUTER] / OUTER
    /// prefix (which a FROM clause must not read as a join).
    bool setOpAhead() const;

    /// ( name, ... ) after CORRESPONDING BY or BY NAME ON.
    std::vector<std::string> setColumnList();

    /// One set operator: [INNER | FULL [OUTER] | LEFT [OUTER] | OUTER] UNION|INTERSECT|EXCEPT
    /// ALL|DISTINCT [BY NAME [ON (...)] | [STRICT] CORRESPONDING [BY (...)]]. Returns its text,
    /// which every operator of one chain must repeat.
    std::string setOperator(std::string& op, Select::SetColumns& cols);

    /// `a UNION ALL b ... [ORDER BY] [LIMIT]` becomes SELECT * FROM (the set operation) with the
    /// ORDER BY and LIMIT the last branch parsed, which belong to the whole.
    Select setOperation(Select first, bool lastParenthesized);

    /// After a comma in the SELECT list: whether the list ends there (a trailing comma).
    bool selectListEnds() const;

    using GroupingSets = std::vector<std::vector<std::size_t>>;

    /// GROUP BY's items: expressions, ROLLUP(...), CUBE(...), GROUPING SETS(...) and (). Each
    /// item stands for a list of grouping sets (indices into s.groupBy); the clause's sets are
    /// their product. Plain expressions alone leave s.groupingSets empty (one set of all).
    void groupBy(Select& s);

    /// One GROUP BY item, or (inGroupingSets) one element of GROUPING SETS (...), where a
    /// parenthesized list is one set of several columns.
    GroupingSets groupingItem(Select& s, bool& special, bool inGroupingSets);

    /// An item of ROLLUP, CUBE or GROUPING SETS: an expression, or (a, b, ...) taken together.
    std::vector<std::size_t> columnGroup(Select& s);

    Select select();

    /// [IGNORE | RESPECT NULLS] [HAVING MAX|MIN expr] [ORDER BY ...] [LIMIT n] before an
    /// aggregate call's ")".
    void aggregateModifiers(Expr& e);

    std::vector<OrderItem> orderItems();

    /// OVER ( [PARTITION BY ...] [ORDER BY ...] [ROWS|RANGE frame] ), after the OVER.
    std::shared_ptr<WindowSpec> windowSpec(Pos p);

    WindowSpec::Bound frameBound();

    /// LIMIT's or OFFSET's count: an integer literal, or a query parameter (read at bind).
    void limitValue(std::optional<std::int64_t>& value, ExprPtr& param, const char* what);

    std::int64_t intLiteral(const char* what);

    /// `* EXCEPT (a, b)` and `* REPLACE (expr AS a, ...)`.
    void starModifiers(SelectItem& it);

    SelectItem selectItem();

    void from(Select& s);

    /// A (possibly quoted, possibly dotted) table path: `p.d.t`, p.d.t, d.t, or alias.field.
    std::vector<std::string> tablePath();

    FromItem fromItem();

    /// PIVOT ( or UNPIVOT ( / UNPIVOT INCLUDE|EXCLUDE NULLS (: not an alias named pivot.
    bool pivotAhead() const;
    /// FOR SYSTEM_TIME AS OF expr after a table name, into f.systemTime.
    void systemTime(FromItem& f);

    /// PIVOT (agg [AS a], ... FOR expr IN (value [AS v], ...)), at PIVOT.
    PivotSpec pivotClause();

    /// UNPIVOT [INCLUDE|EXCLUDE NULLS] (v FOR name IN (c [AS label], ...)), or with (v1, v2)
    /// and ((c1, c2) [AS label], ...), at UNPIVOT.
    UnpivotSpec unpivotClause();

    // ---- expressions, lowest precedence first ----
    ExprPtr make(Expr::Kind k, Pos p);

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

    ExprPtr expr();

    /// One level of a left-associative keyword operator (OR, AND).
    ExprPtr keywordLevel(ExprPtr (Parser::*nextLevel)(), std::string_view keyword);
    ExprPtr orExpr() { return keywordLevel(&Parser::andExpr, "OR"); }
    ExprPtr andExpr() { return keywordLevel(&Parser::notExpr, "AND"); }

    ExprPtr notExpr();

    /// Legacy SQL's `x [NOT] CONTAINS y`: STRPOS(x, y) > 0.
    ExprPtr legacyContains(ExprPtr l);

    ExprPtr comparison();

    /// x [NOT] LIKE ANY|SOME|ALL (p, ...) | UNNEST(array) | (subquery): op is ANY or ALL; the
    /// patterns follow x in args, or (inUnnest) one array does.
    void likeQuantified(Expr& e);

    ExprPtr binaryLevel(ExprPtr (Parser::*nextLevel)(), std::initializer_list<std::string_view> ops);
    ExprPtr concat() { return binaryLevel(&Parser::additive, {"||"}); }
    ExprPtr additive() { return binaryLevel(&Parser::multiplicative, {"+", "-"}); }
    ExprPtr multiplicative() { return binaryLevel(&Parser::unary, {"*", "/"}); }

    ExprPtr unary();

    ExprPtr postfix();

    /// `dataset.f(args)`, `project.dataset.f(args)`: a call of a SQL function stored in a
    /// dataset (a routine), or of a namespaced built-in (NET.HOST). path: the name's parts.
    ExprPtr qualifiedCall(ExprPtr name);

    SqlType typeName();

    ExprPtr literal(Pos p, Value v, SqlType t);

    ExprPtr primary();

    /// The date part of DATE_DIFF(a, b, DAY), DATE_TRUNC(d, MONTH), LAST_DAY(d, YEAR) and kin
    /// is a keyword, not a column: it becomes an upper-case STRING literal.
    void datePartArgument(Expr& call);

    /// SELECT AS STRUCT a, b AS c: one column, STRUCT(a, b AS c), its fields named as the
    /// items would name their columns.
    void structItems(Select& s);

    /// The rest of `(SELECT ...)` after its "(": a scalar, ARRAY or EXISTS subquery.
    ExprPtr subquery(Pos p, const std::string& kind);

    ExprPtr arrayElements(Pos p, const SqlType* elementType);

    ExprPtr caseExpr();

    std::vector<Token> t_;
    std::size_t i_ = 0;
    int positional_ = 0;
    int depth_ = 0;
    int links_ = 0; ///< chain links being parsed (ChainGuard)
    bool legacy_ = false; ///< legacy SQL: FLATTEN in FROM, aggregates WITHIN
    bool asStructAllowed_ = false; ///< the next SELECT opens an expression subquery
};

} // namespace quarry::sandbox::sql::detail
