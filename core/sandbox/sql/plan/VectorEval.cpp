// SPDX-License-Identifier: MIT
#include "sandbox/sql/plan/VectorEval.h"

#include "sandbox/sql/CollationRules.h"
#include "sandbox/sql/FunctionCatalog.h"
#include "sandbox/sql/Functions.h"

#include <cmath>
#include <optional>

namespace quarry::sandbox::sql::plan {
namespace {

using K = Expr::Kind;

enum class Cmp { None, Eq, Ne, Lt, Le, Gt, Ge };

Cmp comparison(const std::string& op) {
    if (op == "=") return Cmp::Eq;
    if (op == "!=") return Cmp::Ne;
    if (op == "<") return Cmp::Lt;
    if (op == "<=") return Cmp::Le;
    if (op == ">") return Cmp::Gt;
    if (op == ">=") return Cmp::Ge;
    return Cmp::None;
}

enum class Arith { None, Add, Sub, Mul, Div };

Arith arithmetic(const std::string& op) {
    if (op == "+") return Arith::Add;
    if (op == "-") return Arith::Sub;
    if (op == "*") return Arith::Mul;
    if (op == "/") return Arith::Div;
    return Arith::None;
}

bool holds(Cmp op, int c) {
    switch (op) {
    case Cmp::Eq: return c == 0;
    case Cmp::Ne: return c != 0;
    case Cmp::Lt: return c < 0;
    case Cmp::Le: return c <= 0;
    case Cmp::Gt: return c > 0;
    default: return c >= 0;
    }
}

template <class T> int order(T a, T b) { return a < b ? -1 : (b < a ? 1 : 0); }

/// Kinds two values of which compare here as compareValues does: STRING by bytes, the others
/// as the integers they hold (dates, times and timestamps too).
bool fastCompared(ValueKind k) {
    switch (k) {
    case ValueKind::Int64: case ValueKind::String: case ValueKind::Date: case ValueKind::Time:
    case ValueKind::DateTime: case ValueKind::Timestamp:
        return true;
    default:
        return false;
    }
}

/// Two values of one fastCompared kind, ordered.
int orderSame(const Value& x, const Value& y) {
    return x.kind() == ValueKind::String ? order(x.asText(), y.asText()) : order(x.asInt64(), y.asInt64());
}

/// The most arguments a function's batch form is given (FunctionDef::batch).
constexpr std::size_t kBatchArgs = 4;

/// A literal or a parameter: the same for every row.
bool constantArg(const Expr& e) {
    return (e.kind == K::Literal || e.kind == K::Param) && e.windowIndex < 0 && e.aggIndex < 0;
}

/// The result slots of `out` for a batch: `own` sized once, so pointers into it stay valid.
void prepare(Vec& out, std::size_t n, bool computed) {
    out.at.assign(n, nullptr);
    if (computed) {
        out.own.clear();
        out.own.resize(n);
    }
}

} // namespace

const Value* readPath(const Expr& e, const Value* const* row, const Frame* outer) {
    const Value* v = nullptr;
    if (e.outerDepth == 0) {
        v = row[e.slot];
    } else {
        const Frame* fr = outer;
        for (int d = 1; d < e.outerDepth && fr; ++d) fr = fr->outer;
        v = fr && fr->vars ? fr->vars[e.slot] : nullptr;
    }
    for (int idx : e.fieldPath) {
        if (!v || v->kind() != ValueKind::Struct) return nullptr;
        v = &(*v)[static_cast<std::size_t>(idx)];
    }
    return v;
}

void VectorEval::eval(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const {
    if (e.windowIndex >= 0 && b.windows) {
        prepare(out, b.size, false);
        for (const auto i : sel) out.at[i] = &b.windows[i * b.windowStride + static_cast<std::size_t>(e.windowIndex)];
        return;
    }
    if (e.windowIndex >= 0 || e.aggIndex >= 0) return rowByRow(e, b, sel, out);
    switch (e.kind) {
    case K::Literal:
    case K::Param:
        prepare(out, b.size, false);
        for (const auto i : sel) out.at[i] = &e.value;
        return;
    case K::Path: {
        prepare(out, b.size, false);
        if (e.outerDepth > 0) { // the same value for every row: the enclosing query's
            const Value* v = readPath(e, nullptr, outer_);
            for (const auto i : sel) out.at[i] = v;
            return;
        }
        if (const CachedColumn* col = columnFor(e)) { // the column's values in one array
            for (const auto i : sel) {
                const Value* const* row = b.row(i);
                const Value* at = col->at(row[e.slot], &nullValue());
                out.at[i] = at == &nullValue() ? readPath(e, row, outer_) : at;
            }
            return;
        }
        // readPath's walk, a level at a time over the batch. Each table row's columns, long
        // text and nested values are heap blocks of their own: after each step the batch's
        // values (and a byte of what each points to) are read in one tight loop of
        // independent loads, which the CPU keeps many of in flight; the next step, or the
        // operation after this that branches on each value, then finds them in the cache
        // instead of waiting for them one at a time.
        std::uint8_t touched = 0;
        for (const auto i : sel) out.at[i] = b.row(i)[e.slot];
        for (const int idx : e.fieldPath) {
            for (const auto i : sel) {
                const Value* v = out.at[i];
                out.at[i] = v && v->kind() == ValueKind::Struct ? &(*v)[static_cast<std::size_t>(idx)] : nullptr;
            }
            for (const auto i : sel)
                if (const Value* v = out.at[i]) touched ^= static_cast<std::uint8_t>(v->kind()) ^ v->heapByte();
        }
        volatile std::uint8_t sink = touched;
        (void)sink;
        return;
    }
    case K::Field: {
        Vec s;
        eval(*e.args[0], b, sel, s);
        prepare(out, b.size, false);
        for (const auto i : sel) {
            const Value* v = s.at[i];
            out.at[i] = v && !v->isNull() ? &(*v)[static_cast<std::size_t>(e.fieldPath[0])] : nullptr;
        }
        // A field of a computed struct points into `s`, which goes away: keep it.
        if (!s.own.empty()) {
            out.own.clear();
            out.own.resize(b.size);
            for (const auto i : sel)
                if (out.at[i]) {
                    out.own[i] = *out.at[i];
                    out.at[i] = &out.own[i];
                }
        }
        return;
    }
    case K::Binary:
        if (e.op == "AND" || e.op == "OR") return logical(e, b, sel, out);
        if (e.collation) return rowByRow(e, b, sel, out); // strings compare under a collation
        return binary(e, b, sel, out);
    case K::Unary:
        if (e.op != "NOT") return rowByRow(e, b, sel, out);
        {
            Vec a;
            eval(*e.args[0], b, sel, a);
            prepare(out, b.size, true);
            for (const auto i : sel)
                if (a.at[i] && !a.at[i]->isNull()) {
                    out.own[i] = Value::boolean(!a.at[i]->asBool());
                    out.at[i] = &out.own[i];
                }
        }
        return;
    case K::Like: {
        if (!e.op.empty() || e.collation) return rowByRow(e, b, sel, out); // LIKE ANY / ALL, or under a collation
        Vec s, p;
        eval(*e.args[0], b, sel, s);
        eval(*e.args[1], b, sel, p);
        prepare(out, b.size, true);
        // A constant pattern is read once for the batch.
        const Expr& pe = *e.args[1];
        const std::optional<LikePattern> constant =
            constantArg(pe) && pe.value.isText() ? std::optional<LikePattern>(pe.value.asText()) : std::nullopt;
        for (const auto i : sel) {
            const Value &x = valueAt(s, i), &y = valueAt(p, i);
            if (x.isNull() || y.isNull()) continue;
            out.own[i] = Value::boolean((constant ? constant->match(x.asText()) : likeMatch(x.asText(), y.asText())) != e.negated);
            out.at[i] = &out.own[i];
        }
        return;
    }
    case K::IsNull: {
        if (e.op == "DISTINCT") return rowByRow(e, b, sel, out);
        Vec a;
        eval(*e.args[0], b, sel, a);
        prepare(out, b.size, true);
        for (const auto i : sel) {
            const Value& v = valueAt(a, i);
            const bool r = e.op == "NULL" ? v.isNull() : !v.isNull() && v.asBool() == (e.op == "TRUE");
            out.own[i] = Value::boolean(r != e.negated);
            out.at[i] = &out.own[i];
        }
        return;
    }
    case K::Cast: {
        Vec a;
        eval(*e.args[0], b, sel, a);
        prepare(out, b.size, true);
        for (const auto i : sel) {
            out.own[i] = castValue(valueAt(a, i), e.castType, e.safe);
            out.at[i] = &out.own[i];
        }
        return;
    }
    case K::Call:
        // A function with its own evaluator, called on the batch's values where they are;
        // under a collation, or evaluated by a family that chooses by name, row by row.
        if (e.fn && e.fn->call && !(e.collation && searchesUnderCollation(e.op))) return direct(e, b, sel, out);
        return rowByRow(e, b, sel, out);
    default: return rowByRow(e, b, sel, out);
    }
}

const CachedColumn* VectorEval::columnFor(const Expr& e) const {
    if (e.fieldPath.empty() || e.slot < 0 || static_cast<std::size_t>(e.slot) >= tables_.size() || !tables_[e.slot]) return nullptr;
    auto it = columns_.find(&e);
    if (it == columns_.end()) it = columns_.emplace(&e, cachedColumn(*tables_[e.slot], e.fieldPath, run_)).first;
    return it->second.get();
}

void VectorEval::direct(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const {
    std::vector<Vec> args(e.args.size());
    for (std::size_t k = 0; k < e.args.size(); ++k) eval(*e.args[k], b, sel, args[k]);
    prepare(out, b.size, true);
    const FunctionDef& d = *e.fn;
    if (d.batch && d.nullPropagating && args.size() <= kBatchArgs) { // one loop over the rows none of whose arguments is NULL
        const Value* const* columns[kBatchArgs];
        for (std::size_t k = 0; k < args.size(); ++k) columns[k] = args[k].at.data();
        Selection rows;
        rows.reserve(sel.size());
        for (const auto i : sel) {
            bool anyNull = false;
            for (std::size_t k = 0; k < args.size(); ++k) anyNull |= !columns[k][i] || columns[k][i]->isNull();
            if (!anyNull) rows.push_back(i);
        }
        bool done = false;
        try {
            done = d.batch(e, columns, rows, out.own.data());
        } catch (const EvalError&) {
            // row by row below: the failing row's error, or SAFE's NULL, as call gives it
        }
        if (done) {
            for (const auto i : rows)
                if (!out.own[i].isNull()) out.at[i] = &out.own[i];
            return;
        }
    }
    std::vector<const Value*> at(e.args.size());
    for (const auto i : sel) {
        for (std::size_t k = 0; k < at.size(); ++k) at[k] = &valueAt(args[k], i);
        Value v;
        try {
            v = callDirect(*e.fn, e, Args(at.data(), at.size()));
        } catch (const EvalError&) {
            if (!e.safe) throw;
        }
        if (v.isNull()) continue;
        out.own[i] = std::move(v);
        out.at[i] = &out.own[i];
    }
}

void VectorEval::rowByRow(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const {
    prepare(out, b.size, true);
    for (const auto i : sel) {
        const Frame f{b.row(i), nullptr, nullptr, b.windows ? b.windows + i * b.windowStride : nullptr, outer_};
        out.own[i] = rows_.eval(e, f);
        out.at[i] = &out.own[i];
    }
}

void VectorEval::binary(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const {
    Vec l, r;
    eval(*e.args[0], b, sel, l);
    eval(*e.args[1], b, sel, r);
    prepare(out, b.size, true);
    const Cmp cmp = comparison(e.op);
    const Arith arith = arithmetic(e.op);
    const bool intResult = e.type.kind == TypeKind::Int64 && !e.type.array, floatResult = e.type.kind == TypeKind::Float64 && !e.type.array;
    auto number = [](ValueKind k) { return k == ValueKind::Int64 || k == ValueKind::Float64; };
    for (const auto i : sel) {
        const Value &x = valueAt(l, i), &y = valueAt(r, i);
        if (x.isNull() || y.isNull()) continue; // every operator but AND/OR: NULL in, NULL out
        const auto kx = x.kind(), ky = y.kind();
        out.at[i] = &out.own[i];
        if (cmp != Cmp::None && kx == ky && fastCompared(kx)) {
            out.own[i] = Value::boolean(holds(cmp, orderSame(x, y)));
            continue;
        }
        // Arithmetic that cannot go wrong in the common kinds; an overflow, a division by
        // zero or an infinite result takes binaryOp's path, for its error or value.
        if (arith != Arith::None && arith != Arith::Div && intResult && kx == ValueKind::Int64 && ky == ValueKind::Int64) {
            std::int64_t v;
            const bool over = arith == Arith::Add ? __builtin_add_overflow(x.asInt64(), y.asInt64(), &v)
                            : arith == Arith::Sub ? __builtin_sub_overflow(x.asInt64(), y.asInt64(), &v)
                                                  : __builtin_mul_overflow(x.asInt64(), y.asInt64(), &v);
            if (!over) {
                out.own[i] = Value::int64(v);
                continue;
            }
        } else if (arith != Arith::None && floatResult && number(kx) && number(ky)) {
            const double a = kx == ValueKind::Int64 ? static_cast<double>(x.asInt64()) : x.asDouble();
            const double c = ky == ValueKind::Int64 ? static_cast<double>(y.asInt64()) : y.asDouble();
            const double v = arith == Arith::Add ? a + c : arith == Arith::Sub ? a - c : arith == Arith::Mul ? a * c : (c == 0 ? INFINITY : a / c);
            if (!std::isinf(v)) {
                out.own[i] = Value::float64(v);
                continue;
            }
        }
        out.own[i] = binaryOp(e.op, x, y, e.type);
    }
}

bool VectorEval::narrow(const Expr& e, const Batch& b, Selection& sel) const {
    // x LIKE 'pattern', x <op> constant and x BETWEEN constant AND constant, where x is
    // anything: the rows where it is TRUE, without a BOOL value per row. Anything else is
    // eval()'s.
    if (e.windowIndex >= 0 || e.aggIndex >= 0) return false;
    if (e.kind == K::Between) return narrowBetween(e, b, sel);
    const bool like = e.kind == K::Like && e.op.empty() && !e.collation;
    const Cmp cmp = e.kind == K::Binary && !e.collation ? comparison(e.op) : Cmp::None;
    if (!like && cmp == Cmp::None) return false;
    const Expr& rhs = *e.args[1];
    if (!constantArg(rhs)) return false;
    const Value& y = rhs.value;
    const ValueKind ky = y.kind();
    if (like ? ky != ValueKind::String && ky != ValueKind::Bytes && ky != ValueKind::Null : !fastCompared(ky) && ky != ValueKind::Null)
        return false;
    Vec x;
    eval(*e.args[0], b, sel, x);
    std::size_t kept = 0;
    if (ky != ValueKind::Null) { // NULL on the right: NULL for every row, none kept
        const std::optional<LikePattern> pattern = like ? std::optional<LikePattern>(y.asText()) : std::nullopt;
        for (const auto i : sel) {
            const Value& v = valueAt(x, i);
            if (v.isNull()) continue;
            bool keep;
            if (like) keep = pattern->match(v.asText()) != e.negated;
            else if (v.kind() == ky) keep = holds(cmp, orderSame(v, y));
            else keep = isTrue(binaryOp(e.op, v, y, e.type)); // other kinds: binary()'s own path
            if (keep) sel[kept++] = i;
        }
    }
    sel.resize(kept);
    return true;
}

bool VectorEval::narrowBetween(const Expr& e, const Batch& b, Selection& sel) const {
    // Both bounds constants of one kind compared here, and every value of x NULL or of that
    // kind: TRUE where lo <= x <= hi (NOT BETWEEN: outside); anything else is eval()'s.
    if (e.collation || e.args.size() != 3 || !constantArg(*e.args[1]) || !constantArg(*e.args[2])) return false;
    const Value &lo = e.args[1]->value, &hi = e.args[2]->value;
    const ValueKind k = lo.kind();
    if (!fastCompared(k) || hi.kind() != k) return false;
    Vec x;
    eval(*e.args[0], b, sel, x);
    for (const auto i : sel) {
        const Value& v = valueAt(x, i);
        if (!v.isNull() && v.kind() != k) return false; // sel is as it was: eval() decides
    }
    std::size_t kept = 0;
    for (const auto i : sel) {
        const Value& v = valueAt(x, i);
        if (v.isNull()) continue;
        if ((orderSame(v, lo) >= 0 && orderSame(v, hi) <= 0) != e.negated) sel[kept++] = i;
    }
    sel.resize(kept);
    return true;
}

void VectorEval::logical(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const {
    const bool isAnd = e.op == "AND";
    Vec l, r;
    eval(*e.args[0], b, sel, l);
    // The left side decides a row when it is FALSE (AND) or TRUE (OR); the right side is
    // evaluated for the others only, so it raises no error for a row the left side decided.
    Selection rest;
    rest.reserve(sel.size());
    for (const auto i : sel) {
        const Value& x = valueAt(l, i);
        if (!(x.kind() == ValueKind::Bool && x.asBool() != isAnd)) rest.push_back(i);
    }
    if (!rest.empty()) eval(*e.args[1], b, rest, r);
    prepare(out, b.size, true);
    std::size_t k = 0;
    for (const auto i : sel) {
        const Value& x = valueAt(l, i);
        if (k < rest.size() && rest[k] == i) {
            ++k;
            const Value& y = valueAt(r, i);
            out.own[i] = binaryOp(e.op, x, y, e.type);
        } else {
            out.own[i] = Value::boolean(!isAnd);
        }
        out.at[i] = out.own[i].isNull() ? nullptr : &out.own[i];
    }
}

} // namespace quarry::sandbox::sql::plan
