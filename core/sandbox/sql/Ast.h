// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/SqlError.h"
#include "sandbox/sql/SqlType.h"
#include "value/Value.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace quarry::sandbox::sql {

class Collation;
struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct WindowSpec;
struct Select;
struct FunctionDef;

/// A bound aggregate function (what the aggregate state machine does with each value).
enum class AggFn : std::uint8_t {
    None, Count, CountIf, Sum, Avg, Min, Max, AnyValue, ArrayAgg, ArrayConcatAgg, StringAgg, LogicalAnd, LogicalOr,
    BitAnd, BitOr, BitXor, ApproxCountDistinct, ApproxTopCount, ApproxTopSum, ApproxQuantiles,
    StddevPop, StddevSamp, VarPop, VarSamp, CovarPop, CovarSamp, Corr
};

/// One expression node. The parser fills the syntax part; the binder fills the part below
/// "bound", which the evaluator reads.
struct AggModifiers;

struct Expr {
    enum class Kind {
        Literal,  ///< value + type
        Param,    ///< name (named) or index (positional)
        Path,     ///< path: a.b.c (resolved by the binder)
        Unary,    ///< op: "-", "NOT", "~"
        Binary,   ///< op: + - * / || = != < <= > >= AND OR
        Call,     ///< name(args), distinct for aggregates, star for COUNT(*)
        Cast,     ///< CAST / SAFE_CAST (safe) to castType
        Case,     ///< args: [operand?] when,then... [else]; hasOperand, hasElse
        StructCtor, ///< args with names; castType when typed STRUCT<...>(...)
        ArrayCtor,  ///< args; castType (element) when typed ARRAY<T>[...]
        Subscript,  ///< args[0][args[1]]; op: OFFSET, ORDINAL, SAFE_OFFSET, SAFE_ORDINAL
        Field,      ///< args[0].name
        In,         ///< args[0] IN (args[1..]); negated; inUnnest: args[1] is the array; or IN (subquery)
        Between,    ///< args[0] BETWEEN args[1] AND args[2]; negated
        Like,       ///< args[0] LIKE args[1]; negated
        IsNull,     ///< args[0] IS [NOT] NULL / TRUE / FALSE (op: NULL, TRUE, FALSE); negated
        Subquery,   ///< subquery; op: SCALAR "(SELECT ...)", ARRAY "ARRAY(SELECT ...)", EXISTS
    };
    Kind kind = Kind::Literal;
    Pos pos;
    std::string op;   ///< operator, function name (upper case), param name, field name
    std::vector<std::string> path;
    std::vector<std::string> names; ///< STRUCT field names
    std::vector<ExprPtr> args;
    Value value;
    SqlType castType;
    bool typed = false, distinct = false, star = false, negated = false, safe = false;
    bool hasOperand = false, hasElse = false, inUnnest = false;
    int paramIndex = -1;
    std::shared_ptr<WindowSpec> window; ///< a Call with OVER (...): an analytic function
    std::shared_ptr<AggModifiers> aggMods; ///< IGNORE NULLS, ORDER BY, LIMIT inside an aggregate call
    std::shared_ptr<Select> subquery;   ///< Subquery, or In with a subquery
    std::string within;                 ///< legacy SQL: aggregate WITHIN "RECORD" or a node path

    // bound
    SqlType type;
    int slot = -1;                 ///< range variable for a Path
    int outerDepth = 0;            ///< a Path of an enclosing query: how many queries out
    std::vector<int> fieldPath;    ///< field indices below the slot
    int aggIndex = -1;             ///< this node is aggregate number aggIndex
    int windowIndex = -1;          ///< this node is analytic function number windowIndex
    int groupIndex = -1;           ///< this node equals GROUP BY key number groupIndex
    bool isAggregate = false;
    AggFn aggFn = AggFn::None;     ///< an aggregate call's function, resolved once at bind time
    const FunctionDef* fn = nullptr; ///< a built-in call's function (FunctionCatalog), resolved at bind time
    std::shared_ptr<const re2::RE2> regex; ///< REGEXP_*'s constant pattern, compiled at bind time
    bool literalPattern = false; ///< REGEXP_CONTAINS's constant pattern has no operator: a substring search
    /// The collation this node compares, groups or searches strings under (=, IN, LIKE,
    /// REPLACE, MIN, COUNT(DISTINCT ...)); null for code point order.
    const Collation* collation = nullptr;
};

struct SelectItem {
    ExprPtr expr;       ///< null for a bare *
    std::string alias;
    bool star = false;  ///< * or expr.*
    std::vector<std::string> except;                        ///< * EXCEPT (a, b)
    std::vector<std::pair<ExprPtr, std::string>> replace;   ///< * REPLACE (expr AS a, ...)
    /// PIVOT's rewrite: EXCEPT names that are not columns are ignored, and the star may
    /// expand to no columns.
    bool exceptLenient = false;
    Pos pos;
};

struct OrderItem {
    ExprPtr expr;
    bool desc = false;
    std::optional<bool> nullsFirst;
    bool hasCollate = false;    ///< ORDER BY x COLLATE 'spec' (collate) or COLLATE @p (collateParam)
    std::string collate;
    ExprPtr collateParam;
    Pos collatePos;
    const Collation* collation = nullptr; ///< bound: the order its strings sort in (none: code points)
};

struct Select;

/// What an aggregate call takes after its arguments: ARRAY_AGG(x IGNORE NULLS HAVING MAX z
/// ORDER BY y DESC LIMIT 3).
struct AggModifiers {
    enum class Nulls { Default, Ignore, Respect } nulls = Nulls::Default;
    ExprPtr having;          ///< HAVING MAX|MIN having: only the rows where it is greatest / least
    bool havingMax = false;
    std::vector<OrderItem> order;
    std::optional<std::int64_t> limit;
    /// Only the rows where this is TRUE (PIVOT's rewrite: the rows of one pivot value).
    ExprPtr where;
    Pos pos;
    /// ORDER BY or LIMIT: the aggregate holds its inputs and sorts or cuts them at the end.
    bool holdsInputs() const { return !order.empty() || limit; }
};

/// OVER (PARTITION BY ... ORDER BY ... ROWS|RANGE BETWEEN start AND end).
struct WindowSpec {
    struct Bound {
        enum class Kind { UnboundedPreceding, Preceding, CurrentRow, Following, UnboundedFollowing } kind = Kind::CurrentRow;
        ExprPtr offset; ///< for Preceding and Following
        Pos pos;
    };
    std::string base; ///< a named window this one builds on: OVER w, OVER (w ORDER BY ...)
    std::vector<ExprPtr> partitionBy;
    std::vector<OrderItem> orderBy;
    bool hasFrame = false;
    bool rows = true; ///< ROWS (physical) or RANGE (by the ORDER BY value)
    Bound start, end;
    Pos pos;
};

struct FromItem {
    enum class Kind { Table, Unnest } kind = Kind::Table;
    /// How this item joins the items before it (the first item: Comma).
    enum class Join { Comma, Cross, Inner, Left, Right, Full } join = Join::Comma;
    ExprPtr on;                            ///< JOIN ... ON
    std::vector<std::string> usingColumns; ///< JOIN ... USING (a, b)
    std::vector<std::string> tablePath; ///< [project.]dataset.table parts, or a WITH name
    std::shared_ptr<Select> subquery;   ///< FROM (SELECT ...)
    ExprPtr unnest;
    std::string alias;
    bool withOffset = false;
    std::string offsetAlias;
    std::vector<std::string> flatten;   ///< legacy SQL: FLATTEN(table, this field)
    /// FOR SYSTEM_TIME AS OF: the table as it was at this constant TIMESTAMP (time travel).
    ExprPtr systemTime;
    Pos pos;
};

struct Select {
    /// A set operation instead of a SELECT: branch 1 op 1 branch 2 op 2 ... ("UNION ALL",
    /// "UNION DISTINCT", "INTERSECT DISTINCT", "EXCEPT DISTINCT"), left to right.
    std::vector<std::shared_ptr<Select>> setBranches;
    std::vector<std::string> setOps;
    /// How the branches' columns pair up: by position, or by name (CORRESPONDING, BY NAME).
    struct SetColumns {
        enum class Match { Position, Name, StrictName } match = Match::Position;
        /// Which names the result has: those in every branch (INNER), in any (FULL), in the first (LEFT).
        enum class Mode { Inner, Full, Left } mode = Mode::Inner;
        bool hasList = false;          ///< CORRESPONDING BY (...) / BY NAME ON (...)
        std::vector<std::string> list; ///< the result's columns, in this order
    } setColumns;
    /// WITH name AS (SELECT ...), ...: each may use the ones before it.
    std::vector<std::pair<std::string, std::shared_ptr<Select>>> with;
    bool distinct = false;
    std::vector<SelectItem> items;
    std::vector<FromItem> from;
    ExprPtr where;
    std::vector<ExprPtr> groupBy;
    /// ROLLUP, CUBE, GROUPING SETS: each set lists the groupBy entries it groups by (the rest
    /// are NULL in its rows). Empty: one set of every entry.
    std::vector<std::vector<std::size_t>> groupingSets;
    bool groupByAll = false; ///< GROUP BY ALL: the keys are the SELECT items that read the FROM clause
    ExprPtr having;
    ExprPtr qualify;
    /// WINDOW name AS (...), ...: windows the analytic calls of this SELECT may name.
    std::vector<std::pair<std::string, std::shared_ptr<WindowSpec>>> namedWindows;
    std::vector<OrderItem> orderBy;
    std::optional<std::int64_t> limit, offset;
    ExprPtr limitParam, offsetParam; ///< LIMIT @n OFFSET @m: read when the query is bound
    Pos pos;
};

} // namespace quarry::sandbox::sql
