// SPDX-License-Identifier: MIT
// The query engine's PreparedQuery::Impl: one class, defined over several files (Engine*.cpp)
// by what its methods do: binding names and calls, clauses, FROM, evaluation, running.
// Private to those files.
#pragma once

#include "sandbox/sql/Engine.h"

#include "sandbox/sql/Bytes.h"
#include "sandbox/sql/AstClone.h"
#include "sandbox/sql/CollationRules.h"
#include "sandbox/sql/DateFunctions.h"
#include "sandbox/sql/FunctionCatalog.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/Intervals.h"
#include "sandbox/sql/MoreAggregates.h"
#include "sandbox/sql/MoreFunctions.h"
#include "sandbox/sql/Parser.h"
#include "sandbox/sql/RowEval.h"
#include "sandbox/sql/SetOperation.h"
#include "sandbox/sql/TimeZone.h"
#include "sandbox/sql/Udf.h"
#include "sandbox/sql/ValueOps.h"
#include "sandbox/sql/Window.h"
#include "sandbox/sql/plan/Executor.h"
#include "value/Text.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <tuple>
#include <unordered_set>

namespace quarry::sandbox::sql {
namespace engine {

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

inline bool containsWindow(const Expr& e) {
    if (e.window) return true;
    return anyBelow(e, [](const Expr& a) { return containsWindow(a); });
}

inline bool containsAggregate(const Expr& e) {
    if (e.kind == Expr::Kind::Call && !e.window && isAggregateFunction(e.op)) return true; // with OVER: analytic
    return anyBelow(e, [](const Expr& a) { return containsAggregate(a); });
}

inline bool sameExpr(const Expr& a, const Expr& b) {
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
    std::shared_ptr<TableData> table;
    bool offset = false;
    std::set<int> used;
    bool usedWhole = false;
    std::set<int> hidden; ///< USING columns reachable only qualified (the other side's copy is visible)
    bool anonymous = false; ///< an unaliased UNNEST of scalars: SELECT * still shows it, as f0_
    std::optional<TableData::Partitioning> partitioning; ///< the table's, read with its schema
    int clusterColumn = -1; ///< the table's first clustering column, read with its schema
};

/// Queries running on this thread: only the outermost takes the table locks (for the tables
/// of its subqueries too), so a subquery evaluated per row never locks a table twice.
inline thread_local int runDepth = 0;
inline thread_local int udfDepth = 0; ///< user function calls being expanded, one inside another

/// The top-level AND parts of a condition, in written order (none for null).
inline std::vector<const Expr*> andParts(const Expr* condition) {
    std::vector<const Expr*> parts, todo{condition};
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
    return parts;
}

/// How a FROM item is named in the plan.
inline std::string planName(const FromItem& item) {
    std::string out;
    for (const auto& part : item.tablePath) out += (out.empty() ? "" : ".") + part;
    return out.empty() ? std::string("(subquery)") : out;
}

} // namespace engine

using engine::andParts;
using engine::anyBelow;
using engine::containsAggregate;
using engine::containsWindow;
using engine::planName;
using engine::runDepth;
using engine::sameExpr;
using engine::udfDepth;
using engine::Var;
using text::iequals;
using text::lower;

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
    bool nondeterministic = false; ///< calls CURRENT_DATE, RAND or their kin (not below: see deterministic())
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
        std::shared_ptr<TableData> table;
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

    void resolvePath(Expr& e, const BindCtx& bc);

    /// A name no column has, read from the script's variables: `e` becomes the value (and the
    /// fields its path goes on to). False when there is no such variable.
    bool readVariable(Expr& e) const;
    /// _PARTITIONTIME / _PARTITIONDATE of an ingestion-time partitioned table: `name` read
    /// from range variable `slot` (or, for -1, the one visible table that has it). Whether it
    /// bound `e`; _PARTITIONDATE becomes a CAST of the hidden time to DATE.
    bool bindPartitionTime(Expr& e, const std::string& name, int slot, const BindCtx& bc);

    /// A call of a user function: replaced by its body, which is bound in its place. False for
    /// a built-in.
    bool expandUserFunction(Expr& e, const BindCtx& bc);

    /// CAST's implicit kin: a UDF's argument to its parameter's type, its body to RETURNS.
    void bindUdfCoercion(Expr& e, const BindCtx& bc);

    void bind(Expr& e, const BindCtx& bc);

    /// Binds an expression's subquery with this query as its outer scope (once per Select:
    /// clones of an expression share it).
    const Impl& bindSubquery(Expr& e, const BindCtx& bc);

    /// OVER w, OVER (w ...): the named window's clauses copied in, as BigQuery extends a named
    /// window: the reference may add ORDER BY where it has none, and a frame where it has
    /// none; never PARTITION BY.
    void resolveNamedWindow(WindowSpec& w, int depth = 0);

    void bindWindow(Expr& e, const BindCtx& bc);

    /// INTERVAL n part, INTERVAL 'text' part [TO part] as a value (outside DATE_ADD and its
    /// kin, which read the count and part themselves): the call `$INTERVAL`.
    void bindIntervalValue(Expr& e, const BindCtx& bc);

    /// A STRING literal where a date function takes its date or time reads as that type, as
    /// BigQuery coerces literals: DATE_DIFF('2024-01-02', '2024-01-01', DAY).
    static void coerceTimeLiterals(Expr& e, std::vector<SqlType>& types);

    /// A STRING literal read as `to` (a date or time type), if it is one; whether it was.
    static bool coerceStringLiteral(Expr& a, const SqlType& to);

    /// An untyped `[]` argument takes the type of the call's first other array argument:
    /// ARRAY_CONCAT(['a'], []) and IFNULL(names, []) are ARRAY<STRING>, as in BigQuery.
    static void typeEmptyArrays(Expr& e, std::vector<SqlType>& types);

    /// ORDER BY x [COLLATE ...] in a window or an aggregate: binds x and its collation.
    void bindOrderItem(OrderItem& o, const BindCtx& bc);

    /// A call's collation: a STRING result takes its arguments' collation, and what it
    /// compares or searches (MIN, COUNT(DISTINCT ...), REPLACE) it does under it.
    void collateCall(Expr& e);

    static AggFn aggFnOf(const std::string& n);

    /// ARRAY_AGG(x IGNORE NULLS ORDER BY k LIMIT n), STRING_AGG(x ORDER BY k LIMIT n).
    void bindAggModifiers(Expr& e, const BindCtx& inner);

    void bindAggregate(Expr& e);

    /// One key per distinct GROUP BY expression (ROLLUP(a, (a, b)) names a twice); the
    /// grouping sets in terms of those keys.
    void dedupeGroupKeys();

    /// GROUPING(key): 1 in the rows of a grouping set without that key, else 0. It reads the
    /// group's grouping bits, which follow its keys.
    void bindGrouping(Expr& e, const BindCtx& bc);

    /// Whether every column `e` reads (outside aggregates) is itself a grouping key.
    bool readsOnlyKeyColumns(const Expr& e) const;

    void markGrouped(Expr& e, const char* clause);

    /// HAVING and ORDER BY may name SELECT-list aliases: a single name that is not a column
    /// of the FROM clause becomes a copy of that select expression.
    void substituteAliases(ExprPtr& e, const BindCtx& bc);

    std::shared_ptr<Sub> makeSub(Select&& query, const std::string& name, bool ofSet = false);

    std::shared_ptr<Sub> cteNamed(const std::vector<std::string>& path) const;

    void bindFrom();
    /// The table of FROM item `f` as of its FOR SYSTEM_TIME AS OF time (bound and read here).
    std::shared_ptr<TableData> tableAsOf(FromItem& f);

    /// A range variable over a subquery's (or a view's) rows; its slot.
    int addSubVar(const std::shared_ptr<Sub>& sub, std::string name);

    /// A view in FROM: its query, bound here as a subquery (each read sees its tables as they
    /// are now). A view that reads itself, directly or not, stops at 16 levels.
    std::shared_ptr<Sub> viewSub(const TableData& view, const FromItem& f);

    /// ON and USING of a JOIN, bound over this item and the ones before it.
    void bindJoin(FromItem& f, const FromBinding& fb);

    /// Range variables an expression reads; false if it reads anything else (an enclosing
    /// query, a subquery, a parameter-free function is fine).
    static bool slotsOf(const Expr& e, std::set<int>& out);

    void findHashKeys(const FromItem& f, FromBinding& fb);

    static ExprPtr pathTo(std::vector<std::string> path, Pos pos);

    void expandStar(SelectItem& it, std::vector<std::pair<ExprPtr, std::string>>& out);

    /// `* EXCEPT (...)` drops columns from what the star gave (from `start` on), `* REPLACE (...)`
    /// puts other expressions under their names.
    void exceptAndReplace(SelectItem& it, std::vector<std::pair<ExprPtr, std::string>>& out, std::size_t start);

    /// UNION / INTERSECT / EXCEPT: the branches pair their columns by position or by name
    /// (SetOperation.h); the result's types are the supertypes of the paired columns.
    void bindSetOperation();

    QueryResult runSetOperation();

    static bool hasSubquery(const Expr& e);

    /// Whether a bound expression reads a range variable of this query's FROM clause.
    static bool readsFrom(const Expr& e);

    /// GROUP BY ALL: every SELECT item without aggregate or analytic functions that reads the
    /// FROM clause is a key (constants, parameters and columns of an enclosing query are not).
    void inferGroupKeys(const BindCtx& input);

    /// LIMIT @n OFFSET @m: the parameters' values, which must be non-NULL and non-negative
    /// INT64s (checked as the query starts, as BigQuery does).
    void bindLimitParams();

    void bindAll();

    // ---- evaluation ----
    const Value* pathPtr(const Expr& e, const Frame& f) const;

    /// x [NOT] LIKE ANY / ALL: OR / AND of `x [NOT] LIKE p` over the patterns, three-valued;
    /// over an empty or NULL array ANY is FALSE and ALL TRUE, whatever x is.
    Value likeQuantified(const Expr& e, const Frame& f) const;

    Value eval(const Expr& e, const Frame& f) const override;

    /// A STDDEV, VAR, COVAR or CORR input: NUMERIC as its distance from the first one seen,
    /// computed exactly (the statistics do not depend on the origin), so that
    /// 99999999999999999999999999999.8 and .9 still differ; other numbers as they are.
    static long double statInput(const Value& v, bool& have, Num128& origin);

    /// Adds one value to an aggregate; `sep` is STRING_AGG's separator.
    void add(AggState& s, const Expr& agg, const Value& v, const Value* sep) const override;

    /// An aggregate with ORDER BY or LIMIT: its held inputs sorted (stable) by the keys, then
    /// added in that order until LIMIT of them are in.
    void releaseHeld(AggState& s, const Expr& agg) const;

    Value finish(AggState& s, const Expr& agg) const override;

    /// An expression's subquery for the current row: run with the row as its outer scope
    /// when correlated, once (and kept) otherwise.
    const QueryResult& runSubquery(const Expr& e, const Frame& f) const;

    /// Every stored table this query reads, through its FROM subqueries, set branches and
    /// expression subqueries at any depth (not the temporary tables FROM subqueries fill).
    void storedTables(std::vector<TableData*>& out) const;

    /// What a query reads of each of its range variables (see uses()).
    struct Uses {
        std::vector<std::set<int>> columns; ///< by range variable
        std::vector<bool> whole;
    };
    /// Runs the subqueries this query reads (told which of their columns it uses: `u`) and
    /// fills their tables; returns their bytes.
    std::uint64_t materialize(const Uses& u);

    std::uint64_t estimate() const;
    /// The same, with every table it reads (storedTables) locked by the caller.
    std::uint64_t estimateLocked() const;

    void versions(std::vector<std::string>& out) const;

    /// Whether the query, its subqueries and the views it reads call only Immutable functions.
    bool deterministic() const;

    QueryResult run(const Frame* outer = nullptr);

    /// Whether ON is exactly the equality its hash join looks up (then it need not be
    /// evaluated again: for the key types findHashKeys allows, equal keys are equal values).
    static bool onIsTheKey(const FromItem& f, const FromBinding& fb);

    /// WHERE's top-level AND parts, each placed right after the FROM item that binds the last
    /// range variable it reads; parts keep their written order (a part is never checked
    /// before one written ahead of it, which may guard it: x != 0 AND 10 / x > 1).
    void pushDownWhere(plan::BoundSelect& q) const;

    /// The columns of range variable `slot`'s table this query reads (empty: all of them).
    std::vector<bool> columnsRead(int slot) const;
    plan::BoundSelect boundSelect() const;


    /// Column pruning of what is billed: a column of a FROM subquery or view counts only if
    /// the query reading it uses it (BigQuery leaves the others out). Each output column's
    /// reads of this query's range variables (slot, top-level column or -1 for the whole row)
    /// are recorded apart while the select list binds (`useSink`), and count only for the
    /// columns `neededColumns` names (set by the reader before estimate or run; none: all).
    std::vector<std::vector<std::pair<int, int>>> itemUses;
    std::vector<std::pair<int, int>>* useSink = nullptr;
    std::optional<std::vector<bool>> neededColumns;
    std::set<int> orderColumns; ///< output columns ORDER BY names by ordinal or alias
    /// What this query reads of each range variable: WHERE, GROUP BY, ON, ... and the select
    /// list's needed columns.
    Uses uses() const;
    /// Tells each FROM subquery which of its columns this query uses.
    void passNeededColumns(const Uses& u) const;
    /// The stored tables' bytes this query reads itself (`u`: uses()). `executed`: for a run,
    /// which bills only the storage blocks of a clustered table its WHERE can touch; a dry
    /// run's estimate is the upper bound, as BigQuery's is.
    std::uint64_t bytesLocked(const Uses& u, bool executed) const;

    /// The partitions a WHERE lets a partitioned table's range variable touch (Pruning.cpp):
    /// keys from `lo` to `hi`, and only `points` when an IN list named them. Empty when the
    /// WHERE does not narrow the variable's partitions.
    struct PartitionRange {
        std::int64_t lo = std::numeric_limits<std::int64_t>::min() + 1, hi = std::numeric_limits<std::int64_t>::max();
        std::optional<std::set<std::int64_t>> points;
        bool contains(std::int64_t key) const { return key >= lo && key <= hi && (!points || points->count(key)); }
    };
    std::vector<std::optional<PartitionRange>> partitionRanges; ///< by range variable
    /// What WHERE lets a clustered table's first clustering column be (inclusive bounds, or
    /// only `points`), by range variable; none when WHERE does not narrow it.
    struct ValueRange {
        std::optional<Value> lo, hi;
        std::optional<std::vector<Value>> points;
    };
    std::vector<std::optional<ValueRange>> clusterRanges;
    /// Narrows a clustered variable's range by one WHERE part: `op` (=, <, <=, >, >=,
    /// between, in) with its constants, for a column of type `field`.
    static void narrowClusterRange(std::optional<ValueRange>& cur, const std::string& op, const std::vector<std::optional<Value>>& values,
                                   const SqlType& field);
    /// After WHERE is bound: each partitioned table's range from WHERE's top-level AND parts
    /// that compare its partition column with a constant; a table that requires a partition
    /// filter and has none is an error, as in BigQuery.
    void findPartitionRanges();
    /// Bytes of the used columns of `v` over the partitions `range` allows.
    static std::uint64_t prunedBytes(const Var& v, const PartitionRange& range, const std::set<int>& used, bool whole);
    /// Bytes of the used columns of `v`'s storage blocks that `clusters` lets a run touch,
    /// within the partitions `partitions` allows (all when null).
    static std::uint64_t clusteredBytes(const Var& v, const PartitionRange* partitions, const ValueRange& clusters,
                                        const std::set<int>& used, bool whole);
};

} // namespace quarry::sandbox::sql
