// SPDX-License-Identifier: MIT
// Analytic (window) functions: numbering (ROW_NUMBER, RANK, DENSE_RANK, PERCENT_RANK,
// CUME_DIST, NTILE), navigation (LAG, LEAD, FIRST_VALUE, LAST_VALUE, NTH_VALUE) and every
// aggregate over ROWS or RANGE frames, with BigQuery's default frames.
#include "sandbox/sql/Window.h"

#include "sandbox/sql/FunctionCatalog.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/MemoryBudget.h"
#include "sandbox/sql/ValueOps.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <thread>
#include <utility>

namespace quarry::sandbox::sql {
namespace {

using B = WindowSpec::Bound::Kind;

[[noreturn]] void err(const std::string& m, Pos p) { throw SqlError(m, p); }

bool isConstant(const Expr& e) { return e.kind == Expr::Kind::Literal || e.kind == Expr::Kind::Param; }

/// A row's place under one integer-like ORDER BY key: NULLs before (0) or after (2) the
/// others (1), then the key (reversed for DESC), then the row.
struct WindowIntKey {
    int nullRank;
    std::int64_t key;
    std::size_t index;
    bool operator<(const WindowIntKey& o) const {
        if (nullRank != o.nullRank) return nullRank < o.nullRank;
        if (key != o.key) return key < o.key;
        return index < o.index;
    }
};

/// Sorts keys given in row order by (nullRank, key), ties in row order: a least significant
/// digit radix sort, a pass per byte of the key that is not the same in every key (an age
/// or a date spans one or two), then one by nullRank.
void sortWindowKeys(std::vector<WindowIntKey>& v) {
    if (v.size() < 256) {
        std::sort(v.begin(), v.end());
        return;
    }
    auto digits = [](const WindowIntKey& e) { return static_cast<std::uint64_t>(e.key) ^ (std::uint64_t{1} << 63); };
    std::array<std::array<std::size_t, 256>, 8> counts{};
    std::array<std::size_t, 3> ranks{};
    for (const auto& e : v) {
        const std::uint64_t u = digits(e);
        for (std::size_t b = 0; b < 8; ++b) ++counts[b][(u >> (8 * b)) & 0xff];
        ++ranks[static_cast<std::size_t>(e.nullRank)];
    }
    std::vector<WindowIntKey> spare(v.size());
    std::vector<WindowIntKey>*from = &v, *to = &spare;
    for (std::size_t b = 0; b < 8; ++b) {
        auto& c = counts[b];
        if (std::find(c.begin(), c.end(), v.size()) != c.end()) continue; // one value of this byte
        std::size_t sum = 0;
        for (auto& n : c) sum += std::exchange(n, sum);
        for (const auto& e : *from) (*to)[c[(digits(e) >> (8 * b)) & 0xff]++] = e;
        std::swap(from, to);
    }
    if (std::find(ranks.begin(), ranks.end(), v.size()) == ranks.end()) {
        std::size_t at[3] = {0, ranks[0], ranks[0] + ranks[1]};
        for (const auto& e : *from) (*to)[at[e.nullRank]++] = e;
        std::swap(from, to);
    }
    if (from != &v) v.swap(spare);
}

/// Runs sortPart(i) for each of `count` partitions, on up to four threads when the rows are
/// many (the parts write to their own partitions only). The first error is raised after all.
template <class F> void sortPartitions(std::size_t count, std::size_t rows, F& sortPart) {
    static const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
    const std::size_t threads = std::min<std::size_t>({count, cores, 4});
    if (threads < 2 || rows < 65536) {
        for (std::size_t i = 0; i < count; ++i) sortPart(i);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> errors(count);
    const MemoryBudgetShare budget;
    auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < count;) {
            try {
                sortPart(i);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    };
    {
        std::vector<std::jthread> helpers;
        for (std::size_t t = 1; t < threads; ++t)
            helpers.emplace_back([&] {
                const MemoryBudgetShare::Scope scope(budget);
                work();
            });
        work();
    }
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

/// An expression of constants only ([-1, -1], -x for a parameter x, CAST('1' AS INT64)): no
/// column, subquery, aggregate or window in it.
bool isConstantExpression(const Expr& e) {
    if (isConstant(e)) return true;
    if (e.kind == Expr::Kind::Path || e.kind == Expr::Kind::Subquery || e.subquery || e.window ||
        (e.kind == Expr::Kind::Call && (isAggregateFunction(e.op) || e.star)))
        return false;
    if (e.args.empty()) return false;
    return std::all_of(e.args.begin(), e.args.end(), [](const auto& a) { return a && isConstantExpression(*a); });
}

/// A constant INT64 argument (LAG's offset, NTILE's buckets, a ROWS offset), checked at bind.
std::int64_t constantInt(const Expr& e, const std::string& what) {
    if (!isConstant(e) || (!e.type.unknown && (e.type.array || e.type.kind != TypeKind::Int64)))
        err(what + " must be a constant INT64", e.pos);
    if (e.value.isNull()) err(what + " cannot be NULL", e.pos);
    if (e.value.kind() != ValueKind::Int64) err(what + " must be a constant INT64", e.pos);
    return e.value.asInt64();
}

double numberOf(const Value& v) {
    if (v.kind() == ValueKind::Int64) return static_cast<double>(v.asInt64());
    if (v.kind() == ValueKind::Float64) return v.asDouble();
    return toDouble(v);
}

/// The ORDER BY keys of a partition in sort order, for RANGE frames with offsets: exact when
/// the keys and offsets are INT64 or NUMERIC (integers scaled by 10^9 in 128 bits, so neither
/// INT64_MAX + 2 nor 38 digits lose anything), otherwise doubles.
class RangeKeys {
public:
    RangeKeys() = default;
    template <class Rows>
    RangeKeys(const Rows& rows, const std::vector<std::size_t>& part, std::initializer_list<const Value*> offsets) {
        exact_ = true;
        for (const Value* o : offsets)
            if (o && !exactKind(*o)) exact_ = false;
        for (std::size_t p : part)
            if (const Value& k = rows.orderOf(p, 0); !k.isNull() && !exactKind(k)) exact_ = false;
        apart_.resize(part.size());
        if (exact_) ints_.resize(part.size());
        else reals_.resize(part.size());
        for (std::size_t q = 0; q < part.size(); ++q) {
            const Value& k = rows.orderOf(part[q], 0);
            if (k.isNull()) {
                apart_[q] = 1;
            } else if (exact_) {
                ints_[q] = scaled(k);
            } else {
                reals_[q] = numberOf(k);
                apart_[q] = std::isnan(reals_[q]);
            }
        }
    }
    /// NULL or NaN: no distance to any key.
    bool apart(std::size_t q) const { return apart_[q] != 0; }
    /// Compares key q with key p moved by `offset` towards the smaller (or the larger) keys.
    int compareShifted(std::size_t q, std::size_t p, const Value& offset, bool towardsSmaller) const {
        if (exact_) {
            const Num128 off = scaled(offset);
            const Num128 target = towardsSmaller ? ints_[p] - off : ints_[p] + off;
            return ints_[q] < target ? -1 : ints_[q] > target ? 1 : 0;
        }
        const double off = numberOf(offset);
        double target = towardsSmaller ? reals_[p] - off : reals_[p] + off; // inf stays inf
        if (std::isnan(target)) // an infinite offset cancelling an infinite key: no frame edge
            throw EvalError(std::string("Offset value cannot be positive infinity when there exists a ") + (reals_[p] > 0 ? "positive" : "negative") +
                            " infinity order key that the offset moves towards " + (towardsSmaller ? "smaller" : "larger") + " keys");
        // A finite key and a finite offset frame finite keys only: the sum saturates at the
        // largest double instead of reaching the infinities' peer groups (an infinite offset
        // does reach them).
        if (std::isfinite(reals_[p]) && std::isfinite(off)) target = std::clamp(target, -std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
        return reals_[q] < target ? -1 : reals_[q] > target ? 1 : 0;
    }

private:
    static bool exactKind(const Value& v) {
        return v.kind() == ValueKind::Int64 || v.kind() == ValueKind::Numeric || v.kind() == ValueKind::BigNumeric;
    }
    static Num128 scaled(const Value& v) {
        if (v.kind() == ValueKind::Int64) return static_cast<Num128>(v.asInt64()) * kNumericScale;
        const auto n = parseNumeric(v.asText());
        // BIGNUMERIC past NUMERIC's digits would need 256-bit sums; a double is not exact.
        if (!n) throw EvalError("RANGE window frames over BIGNUMERIC values beyond NUMERIC's range or scale are not supported by the sandbox yet");
        return *n;
    }
    bool exact_ = false;
    std::vector<Num128> ints_;
    std::vector<double> reals_;
    std::vector<char> apart_;
};

/// PERCENTILE_CONT(x, p) and PERCENTILE_DISC(x, p) OVER ([PARTITION BY ...]): p a constant
/// in [0, 1]; CONT interpolates FLOAT64 (NUMERIC inputs are refused rather than rounded
/// through a double), DISC returns a value of x's type.
SqlType bindPercentile(const Expr& e, const SqlType& x) {
    const std::string& n = e.op;
    if (e.args.size() != 2 || e.star || e.distinct)
        err("No matching signature for analytic function " + n + "; it takes (value, percentile)", e.pos);
    if (!e.window->orderBy.empty() || e.window->hasFrame)
        err("Window ORDER BY and framing are not allowed for analytic function " + n, e.window->pos);
    const Expr& p = *e.args[1];
    if (!isConstant(p) || !(p.type.unknown || (!p.type.array && (p.type.isNumeric()))))
        err("The percentile of " + n + " must be a constant number (a literal or a query parameter)", p.pos);
    if (p.value.isNull()) err("The percentile of " + n + " cannot be NULL", p.pos);
    const double f = numberOf(p.value);
    if (!(f >= 0 && f <= 1)) err("Percentile argument must be in [0, 1]; got " + std::to_string(f), p.pos);
    if (x.array || (!x.unknown && (x.kind == TypeKind::Struct || x.kind == TypeKind::Json || x.kind == TypeKind::Geography)))
        err("No matching signature for analytic function " + n + " for argument types: " + x.name(), e.pos);
    if (n == "PERCENTILE_DISC") return x.unknown ? SqlType::scalar(TypeKind::Int64) : x;
    if (!x.unknown && x.kind != TypeKind::Int64 && x.kind != TypeKind::Float64) {
        if (x.kind == TypeKind::Numeric || x.kind == TypeKind::BigNumeric)
            err("PERCENTILE_CONT over " + x.name() + " is not supported by the sandbox yet (it would round through FLOAT64)", e.pos);
        err("No matching signature for analytic function PERCENTILE_CONT for argument types: " + x.name(), e.pos);
    }
    return SqlType::scalar(TypeKind::Float64);
}

} // namespace

bool isAnalyticOnlyFunction(const std::string& n) {
    const FunctionDef* d = findFunction(n);
    return d && d->kind == FunctionKind::Analytic;
}

SqlType bindAnalytic(const Expr& e, const SqlType& aggregateType) {
    const WindowSpec& w = *e.window;
    const std::string& n = e.op;
    const bool numbering = n == "ROW_NUMBER" || n == "RANK" || n == "DENSE_RANK" || n == "PERCENT_RANK" || n == "CUME_DIST" || n == "NTILE";
    const bool navigation = n == "LAG" || n == "LEAD";
    if ((numbering || navigation) && w.hasFrame) err("Window framing clause is not allowed for analytic function " + n, w.pos);
    if ((numbering && n != "ROW_NUMBER") || navigation)
        if (w.orderBy.empty()) err("Window ORDER BY is required for analytic function " + n, e.pos);
    if (navigation && e.args.size() == 3 && !isConstantExpression(*e.args[2]))
        err("The third argument (the default expression) to " + n + " must be constant", e.args[2]->pos);
    if (e.distinct && (numbering || navigation || n == "FIRST_VALUE" || n == "LAST_VALUE" || n == "NTH_VALUE"))
        err("DISTINCT is not allowed for analytic function " + n, e.pos);
    for (const auto& o : w.orderBy)
        if (o.expr->type.array || (!o.expr->type.unknown && o.expr->type.kind == TypeKind::Struct))
            err("ORDER BY does not support expressions of type " + o.expr->type.name(), o.expr->pos);
    for (const auto& p : w.partitionBy)
        if (p->type.array) err("Partitioning by expressions of type ARRAY is not allowed", p->pos);
    if (w.hasFrame) {
        if (w.start.kind == B::UnboundedFollowing) err("Window frame start cannot be UNBOUNDED FOLLOWING", w.start.pos);
        if (w.end.kind == B::UnboundedPreceding) err("Window frame end cannot be UNBOUNDED PRECEDING", w.end.pos);
        if (static_cast<int>(w.start.kind) > static_cast<int>(w.end.kind))
            err("Window frame start cannot come after its end", w.start.pos);
        for (const auto* b : {&w.start, &w.end}) {
            if (!b->offset) continue;
            if (w.rows) {
                if (constantInt(*b->offset, "A ROWS frame offset") < 0) err("Window frame offset cannot be negative", b->pos);
                continue;
            }
            if (w.orderBy.size() != 1)
                err("A RANGE frame with an offset needs exactly one ORDER BY expression", b->pos);
            const SqlType& k = w.orderBy[0].expr->type;
            if (!k.unknown && !k.isNumeric()) err("A RANGE frame with an offset needs a numeric ORDER BY expression, not " + k.name(), b->pos);
            if (!isConstant(*b->offset) || b->offset->value.isNull() || !(b->offset->type.unknown || b->offset->type.isNumeric()))
                err("A RANGE frame offset must be a constant number", b->pos);
            if (const double off = numberOf(b->offset->value); std::isnan(off))
                err("Window frame offset for PRECEDING or FOLLOWING must be non-negative, but was nan", b->pos);
            else if (off < 0)
                err("Window frame offset cannot be negative", b->pos);
        }
    }
    auto argCount = [&](std::size_t lo, std::size_t hi) {
        if (e.star || e.args.size() < lo || e.args.size() > hi) {
            std::string types;
            for (const auto& a : e.args) types += (types.empty() ? "" : ", ") + a->type.name();
            err("No matching signature for analytic function " + n + " for argument types: " + (e.star ? "*" : types), e.pos);
        }
    };
    const SqlType first = e.args.empty() ? SqlType::null() : e.args[0]->type;
    const SqlType valueType = first.unknown ? SqlType::scalar(TypeKind::Int64) : first;
    if (n == "PERCENTILE_CONT" || n == "PERCENTILE_DISC") return bindPercentile(e, first);
    if (n == "ROW_NUMBER" || n == "RANK" || n == "DENSE_RANK") {
        argCount(0, 0);
        return SqlType::scalar(TypeKind::Int64);
    }
    if (n == "PERCENT_RANK" || n == "CUME_DIST") {
        argCount(0, 0);
        return SqlType::scalar(TypeKind::Float64);
    }
    if (n == "NTILE") {
        argCount(1, 1);
        if (constantInt(*e.args[0], "NTILE's bucket count") <= 0) err("The N value (number of buckets) for the NTILE function must be positive", e.args[0]->pos);
        return SqlType::scalar(TypeKind::Int64);
    }
    if (navigation) {
        argCount(1, 3);
        if (e.args.size() >= 2 && constantInt(*e.args[1], "The offset of " + n) < 0)
            err("The offset to " + n + " must be non-negative", e.args[1]->pos);
        if (e.args.size() == 3 && !e.args[2]->type.unknown && !first.unknown && !(e.args[2]->type == first) &&
            !(first.isNumeric() && e.args[2]->type.isNumeric()))
            err("No matching signature for analytic function " + n + " for argument types: " + first.name() + ", INT64, " + e.args[2]->type.name(), e.args[2]->pos);
        return valueType;
    }
    if (n == "FIRST_VALUE" || n == "LAST_VALUE") {
        argCount(1, 1);
        return valueType;
    }
    if (n == "NTH_VALUE") {
        argCount(2, 2);
        if (constantInt(*e.args[1], "NTH_VALUE's N") <= 0) err("The N value for the NTH_VALUE function must be positive", e.args[1]->pos);
        return valueType;
    }
    return aggregateType;
}

std::vector<Value> computeWindow(const Expr& e, const WindowInput& rows, FrameAggregate* aggregate) {
    const WindowSpec& w = *e.window;
    const std::string& n = e.op;
    std::vector<Value> out(rows.size());

    // Partitions in order of first appearance.
    std::vector<std::vector<std::size_t>> parts(rows.partitions);
    for (std::size_t i = 0; i < rows.size(); ++i) parts[rows.partition[i]].push_back(i);
    auto compare = [&](std::size_t a, std::size_t b) {
        for (std::size_t k = 0; k < w.orderBy.size(); ++k) {
            const Value& x = rows.orderOf(a, k);
            const Value& y = rows.orderOf(b, k);
            const bool desc = w.orderBy[k].desc;
            const bool nullsFirst = w.orderBy[k].nullsFirst.value_or(!desc);
            if (x.isNull() || y.isNull()) {
                if (x.isNull() == y.isNull()) continue;
                return x.isNull() == nullsFirst ? -1 : 1;
            }
            const int c = compareValues(x, y, w.orderBy[k].collation);
            if (c != 0) return desc ? -c : c;
        }
        return 0;
    };

    // One integer-like ORDER BY key (INT64, DATE, TIME, DATETIME, TIMESTAMP, the common case)
    // sorts as plain structs instead of through compareValues.
    bool intKey = w.orderBy.size() == 1;
    for (std::size_t i = 0; i < rows.size() && intKey; ++i) {
        const Value& v = rows.orderOf(i, 0);
        const ValueKind k = v.kind();
        intKey = v.isNull() || k == ValueKind::Int64 || k == ValueKind::Date || k == ValueKind::Time || k == ValueKind::DateTime ||
                 k == ValueKind::Timestamp;
    }
    enum class Numbering { None, RowNumber, Rank, DenseRank, PercentRank, CumeDist };
    const Numbering numbering = n == "ROW_NUMBER" ? Numbering::RowNumber : n == "RANK" ? Numbering::Rank
                              : n == "DENSE_RANK" ? Numbering::DenseRank : n == "PERCENT_RANK" ? Numbering::PercentRank
                              : n == "CUME_DIST" ? Numbering::CumeDist : Numbering::None;

    // Each partition sorted (stable: ties keep input order), then its peer groups: rows
    // with equal ORDER BY values. Partitions are sorted side by side when large.
    std::vector<std::vector<std::uint32_t>> peerStarts(parts.size());
    auto sortPart = [&](std::size_t at) {
        auto& part = parts[at];
        auto& starts = peerStarts[at];
        starts.resize(part.size());
        if (intKey) {
            const bool desc = w.orderBy[0].desc, nullsFirst = w.orderBy[0].nullsFirst.value_or(!desc);
            std::vector<WindowIntKey> keyed;
            keyed.reserve(part.size());
            for (const std::size_t i : part) {
                const Value& v = rows.orderOf(i, 0);
                if (v.isNull()) keyed.push_back({nullsFirst ? 0 : 2, 0, i});
                else keyed.push_back({1, desc ? ~v.asInt64() : v.asInt64(), i}); // ~ reverses the order, no overflow
            }
            sortWindowKeys(keyed);
            for (std::size_t k = 0; k < keyed.size(); ++k) {
                part[k] = keyed[k].index;
                const bool peer = k > 0 && keyed[k].nullRank == keyed[k - 1].nullRank && keyed[k].key == keyed[k - 1].key;
                starts[k] = peer ? starts[k - 1] : static_cast<std::uint32_t>(k);
            }
            return;
        }
        std::stable_sort(part.begin(), part.end(), [&](std::size_t a, std::size_t b) { return compare(a, b) < 0; });
        for (std::size_t k = 0; k < part.size(); ++k)
            starts[k] = k > 0 && compare(part[k - 1], part[k]) == 0 ? starts[k - 1] : static_cast<std::uint32_t>(k);
    };
    sortPartitions(parts.size(), rows.size(), sortPart);

    for (std::size_t pi = 0; pi < parts.size(); ++pi) {
        auto& part = parts[pi];
        const std::size_t m = part.size();
        std::vector<std::size_t> peerStart(m), peerEnd(m);
        for (std::size_t p = 0; p < m;) {
            std::size_t q = p + 1;
            while (q < m && peerStarts[pi][q] == p) ++q;
            for (std::size_t r = p; r < q; ++r) {
                peerStart[r] = p;
                peerEnd[r] = q;
            }
            p = q;
        }
        peerStarts[pi] = {};
        auto arg = [&](std::size_t p, std::size_t k) -> const Value& { return rows.argOf(part[p], k); };

        if (numbering != Numbering::None) {
            std::int64_t dense = 0;
            for (std::size_t p = 0; p < m; ++p) {
                if (peerStart[p] == p) ++dense;
                Value& v = out[part[p]];
                switch (numbering) {
                case Numbering::RowNumber: v = Value::int64(static_cast<std::int64_t>(p) + 1); break;
                case Numbering::Rank: v = Value::int64(static_cast<std::int64_t>(peerStart[p]) + 1); break;
                case Numbering::DenseRank: v = Value::int64(dense); break;
                case Numbering::PercentRank:
                    v = Value::float64(m == 1 ? 0.0 : static_cast<double>(peerStart[p]) / static_cast<double>(m - 1));
                    break;
                default: v = Value::float64(static_cast<double>(peerEnd[p]) / static_cast<double>(m)); break;
                }
            }
            continue;
        }
        if (n == "PERCENTILE_CONT" || n == "PERCENTILE_DISC") {
            // Over the whole partition: its non-NULL values sorted (NULLs first, as the
            // smallest, with RESPECT NULLS).
            const bool respect = e.aggMods && e.aggMods->nulls == AggModifiers::Nulls::Respect;
            std::vector<const Value*> vals;
            for (std::size_t p = 0; p < m; ++p)
                if (respect || !arg(p, 0).isNull()) vals.push_back(&arg(p, 0));
            std::stable_sort(vals.begin(), vals.end(), [&](const Value* a, const Value* b) {
                if (a->isNull() || b->isNull()) return a->isNull() && !b->isNull();
                return compareValues(*a, *b, e.collation) < 0;
            });
            Value result;
            const double f = numberOf(e.args[1]->value);
            const std::size_t count = vals.size();
            if (count > 0 && n == "PERCENTILE_DISC") {
                // The first value whose cumulative share reaches f.
                const double at = std::ceil(f * static_cast<double>(count));
                const std::size_t k = at <= 1 ? 0 : std::min(count - 1, static_cast<std::size_t>(at) - 1);
                result = *vals[k];
            } else if (count > 0) {
                const double pos = f * static_cast<double>(count - 1);
                const auto lo = static_cast<std::size_t>(std::floor(pos)), hi = static_cast<std::size_t>(std::ceil(pos));
                if (!vals[lo]->isNull() && !vals[hi]->isNull()) {
                    const double a = numberOf(*vals[lo]), b = numberOf(*vals[hi]);
                    result = Value::float64(lo == hi ? a : a + (pos - static_cast<double>(lo)) * (b - a));
                }
            }
            for (std::size_t p = 0; p < m; ++p) out[part[p]] = result;
            continue;
        }
        if (n == "NTILE") {
            const auto buckets = static_cast<std::size_t>(e.args[0]->value.asInt64());
            const std::size_t base = m / buckets, extra = m % buckets;
            std::size_t p = 0;
            for (std::size_t b = 0; b < buckets && p < m; ++b)
                for (std::size_t k = 0; k < base + (b < extra ? 1 : 0) && p < m; ++k) out[part[p++]] = Value::int64(static_cast<std::int64_t>(b) + 1);
            continue;
        }
        if (n == "LAG" || n == "LEAD") {
            const std::int64_t off = e.args.size() >= 2 ? e.args[1]->value.asInt64() : 1;
            const auto size = static_cast<std::int64_t>(m);
            for (std::size_t p = 0; p < m; ++p) {
                // An offset past the partition (up to INT64_MAX) just finds nothing.
                const std::int64_t q = off >= size ? -1 : static_cast<std::int64_t>(p) + (n == "LAG" ? -off : off);
                if (q >= 0 && q < size) out[part[p]] = coerce(arg(static_cast<std::size_t>(q), 0), e.type);
                else if (e.args.size() == 3) out[part[p]] = coerce(arg(p, 2), e.type);
            }
            continue;
        }

        // Everything else reads a frame [lo, hi) of the sorted partition.
        const bool rangeOffsets = w.hasFrame && !w.rows && (w.start.offset || w.end.offset);
        RangeKeys keys;
        if (rangeOffsets) keys = RangeKeys(rows, part, {w.start.offset ? &w.start.offset->value : nullptr, w.end.offset ? &w.end.offset->value : nullptr});
        const bool desc = !w.orderBy.empty() && w.orderBy[0].desc;
        // RANGE offsets: the first position (in sort order) past the frame's edge, found by
        // binary search over the keys that have a distance (NULL and NaN sort all at one end
        // or the other, and frame only their peers).
        auto rangeEdge = [&](std::size_t p, const Value& offset, bool preceding, bool isEnd) {
            const bool towardsSmaller = preceding != desc;
            std::size_t a = 0, b = m;
            while (a < b && keys.apart(a)) ++a;
            while (b > a && keys.apart(b - 1)) --b;
            auto before = [&](std::size_t q) { // q lies before the edge
                const int c = keys.compareShifted(q, p, offset, towardsSmaller);
                if (isEnd) return desc ? c >= 0 : c <= 0;
                return desc ? c > 0 : c < 0;
            };
            while (a < b) {
                const std::size_t mid = a + (b - a) / 2;
                if (before(mid)) a = mid + 1;
                else b = mid;
            }
            return a;
        };
        auto bound = [&](const WindowSpec::Bound& b, std::size_t p, bool isEnd) -> std::size_t {
            switch (b.kind) {
            case B::UnboundedPreceding: return 0;
            case B::UnboundedFollowing: return m;
            case B::CurrentRow:
                if (w.rows) return isEnd ? p + 1 : p;
                return isEnd ? peerEnd[p] : peerStart[p];
            case B::Preceding:
            case B::Following: {
                if (w.rows) {
                    const std::int64_t size = static_cast<std::int64_t>(m);
                    const std::int64_t off = std::min(b.offset->value.asInt64(), size + 1); // no overflow past the partition
                    const std::int64_t q = static_cast<std::int64_t>(p) + (b.kind == B::Preceding ? -off : off) + (isEnd ? 1 : 0);
                    return static_cast<std::size_t>(std::clamp<std::int64_t>(q, 0, size));
                }
                if (keys.apart(p)) return isEnd ? peerEnd[p] : peerStart[p]; // NULLs (and NaNs) frame only their peers
                return rangeEdge(p, b.offset->value, b.kind == B::Preceding, isEnd);
            }
            }
            return p;
        };
        auto frame = [&](std::size_t p) -> std::pair<std::size_t, std::size_t> {
            if (!w.hasFrame) return w.orderBy.empty() ? std::pair<std::size_t, std::size_t>{0, m} : std::pair<std::size_t, std::size_t>{0, peerEnd[p]};
            const std::size_t lo = bound(w.start, p, false), hi = bound(w.end, p, true);
            return {lo, std::max(lo, hi)};
        };

        if (n == "FIRST_VALUE" || n == "LAST_VALUE" || n == "NTH_VALUE") {
            const auto nth = n == "NTH_VALUE" ? static_cast<std::size_t>(e.args[1]->value.asInt64()) : 0;
            const bool ignoreNulls = e.aggMods && e.aggMods->nulls == AggModifiers::Nulls::Ignore;
            // IGNORE NULLS: the frame's values are the non-NULL ones; their positions in the
            // partition, in order, find any frame's first, last or n-th by binary search.
            std::vector<std::size_t> present;
            if (ignoreNulls)
                for (std::size_t p = 0; p < m; ++p)
                    if (!arg(p, 0).isNull()) present.push_back(p);
            for (std::size_t p = 0; p < m; ++p) {
                const auto [lo, hi] = frame(p);
                if (lo >= hi) continue;
                if (ignoreNulls) {
                    const auto first = std::lower_bound(present.begin(), present.end(), lo);
                    const auto end = std::lower_bound(first, present.end(), hi);
                    const auto count = static_cast<std::size_t>(end - first);
                    if (count == 0) continue;
                    if (n == "FIRST_VALUE") out[part[p]] = arg(*first, 0);
                    else if (n == "LAST_VALUE") out[part[p]] = arg(*(end - 1), 0);
                    else if (nth <= count) out[part[p]] = arg(first[static_cast<std::ptrdiff_t>(nth - 1)], 0);
                    continue;
                }
                if (n == "FIRST_VALUE") out[part[p]] = arg(lo, 0);
                else if (n == "LAST_VALUE") out[part[p]] = arg(hi - 1, 0);
                else if (nth <= hi - lo) out[part[p]] = arg(lo + nth - 1, 0);
            }
            continue;
        }
        if (!aggregate) continue;
        // Aggregates: frames that all start at the partition's first row grow as p grows, so
        // one running state serves them all; other frames are summed afresh.
        bool running = true;
        for (std::size_t p = 0; p < m && running; ++p) running = frame(p).first == 0;
        aggregate->reset();
        std::size_t added = 0;
        for (std::size_t p = 0; p < m; ++p) {
            const auto [lo, hi] = frame(p);
            if (running) {
                for (; added < hi; ++added) aggregate->add(part[added]);
            } else {
                aggregate->reset();
                for (std::size_t q = lo; q < hi; ++q) aggregate->add(part[q]);
            }
            out[part[p]] = aggregate->value();
        }
    }
    return out;
}

} // namespace quarry::sandbox::sql
