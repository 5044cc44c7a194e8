// SPDX-License-Identifier: MIT
// The row evaluator: expressions, and aggregate states fed and finished.
#include "sandbox/sql/EngineImpl.h"

namespace quarry::sandbox::sql {

const Value* PreparedQuery::Impl::pathPtr(const Expr& e, const Frame& f) const {
    const Frame* fr = &f;
    for (int d = 0; d < e.outerDepth && fr; ++d) fr = fr->outer;
    if (!fr || !fr->vars) return nullptr;
    const Value* v = fr->vars[e.slot];
    for (int idx : e.fieldPath) {
        if (!v || v->kind() != ValueKind::Struct) return nullptr;
        v = &(*v)[static_cast<std::size_t>(idx)];
    }
    return v;
}

Value PreparedQuery::Impl::likeQuantified(const Expr& e, const Frame& f) const {
    const bool all = e.op == "ALL";
    Value patterns;
    if (e.inUnnest) {
        patterns = eval(*e.args[1], f);
        if (patterns.isNull() || patterns.size() == 0) return Value::boolean(all);
    }
    const Value x = eval(*e.args[0], f);
    bool sawNull = false;
    const std::size_t n = e.inUnnest ? patterns.size() : e.args.size() - 1;
    for (std::size_t i = 0; i < n; ++i) {
        const Value p = e.inUnnest ? patterns[i] : eval(*e.args[i + 1], f);
        if (x.isNull() || p.isNull()) {
            sawNull = true;
            continue;
        }
        const bool match = e.collation ? e.collation->like(x.asText(), p.asText()) : likeMatch(x.asText(), p.asText());
        if ((match != e.negated) != all) return Value::boolean(!all);
    }
    return sawNull ? Value() : Value::boolean(all);
}

Value PreparedQuery::Impl::eval(const Expr& e, const Frame& f) const {
    using K = Expr::Kind;
    if (e.windowIndex >= 0) {
        if (!f.windows) throw EvalError("internal: analytic function evaluated before its window");
        return f.windows[e.windowIndex];
    }
    if (e.groupIndex >= 0 && f.keys) return (*f.keys)[static_cast<std::size_t>(e.groupIndex)];
    if (e.aggIndex >= 0 && f.aggs) return (*f.aggs)[static_cast<std::size_t>(e.aggIndex)];
    switch (e.kind) {
    case K::Literal:
    case K::Param: return e.value;
    case K::Path: {
        const Value* v = pathPtr(e, f);
        if (!v) return Value();
        // A whole row of an ingestion-time partitioned table, without its hidden partition time.
        if (e.fieldPath.empty() && v->kind() == ValueKind::Struct && e.type.isStruct() && v->size() > e.type.fields.size()) {
            Value row = Value::structOf(e.type.fields.size());
            for (std::size_t i = 0; i < e.type.fields.size(); ++i) row[i] = (*v)[i];
            return row;
        }
        return *v;
    }
    case K::Unary: {
        Value a = eval(*e.args[0], f);
        if (a.isNull()) return {};
        if (e.op == "NOT") return Value::boolean(!a.asBool());
        if (e.op == "~") return Value::int64(~a.asInt64());
        if (a.kind() == ValueKind::Int64) {
            if (a.asInt64() == INT64_MIN) throw EvalError("int64 overflow: -(" + std::to_string(INT64_MIN) + ")");
            return Value::int64(-a.asInt64());
        }
        if (a.kind() == ValueKind::Float64) return Value::float64(-a.asDouble());
        if (a.kind() == ValueKind::Interval) return negateInterval(a);
        std::string t(a.asText());
        t = t.starts_with("-") ? t.substr(1) : "-" + t;
        if (t == "-0") t = "0";
        return Value::text(a.kind(), t);
    }
    case K::Binary: {
        if (e.op == "AND" || e.op == "OR") {
            Value a = eval(*e.args[0], f);
            if (e.op == "AND" && a.kind() == ValueKind::Bool && !a.asBool()) return Value::boolean(false);
            if (e.op == "OR" && a.kind() == ValueKind::Bool && a.asBool()) return Value::boolean(true);
            return binaryOp(e.op, a, eval(*e.args[1], f), e.type);
        }
        return binaryOp(e.op, eval(*e.args[0], f), eval(*e.args[1], f), e.type, e.collation);
    }
    case K::Call: {
        // IF, IFNULL and COALESCE evaluate only the arguments they need, as BigQuery does:
        // IF(x = 0, 0, 1 / x) never divides by zero.
        if (e.op == "IF") return coerce(eval(*e.args[isTrue(eval(*e.args[0], f)) ? 1 : 2], f), e.type);
        if (e.op == "IFNULL" || e.op == "COALESCE") {
            for (const auto& a : e.args)
                if (Value v = eval(*a, f); !v.isNull()) return coerce(v, e.type);
            return {};
        }
        std::vector<Value> args;
        args.reserve(e.args.size());
        for (const auto& a : e.args) args.push_back(eval(*a, f));
        if (e.safe) {
            try {
                return callFunction(e, args);
            } catch (const EvalError&) {
                return {};
            }
        }
        return callFunction(e, args);
    }
    case K::Cast: return castValue(eval(*e.args[0], f), e.castType, e.safe);
    case K::Case: {
        std::size_t i = 0;
        Value operand;
        if (e.hasOperand) operand = eval(*e.args[i++], f);
        const std::size_t whenEnd = e.args.size() - (e.hasElse ? 1 : 0);
        for (; i + 1 < whenEnd; i += 2) {
            bool hit;
            if (e.hasOperand) hit = isTrue(binaryOp("=", operand, eval(*e.args[i], f), SqlType::scalar(TypeKind::Bool), e.collation));
            else hit = isTrue(eval(*e.args[i], f));
            if (hit) return coerce(eval(*e.args[i + 1], f), e.type);
        }
        return e.hasElse ? coerce(eval(*e.args.back(), f), e.type) : Value();
    }
    case K::StructCtor: {
        Value out = Value::structOf(e.args.size());
        for (std::size_t i = 0; i < e.args.size(); ++i) {
            Value v = eval(*e.args[i], f);
            out[i] = e.typed ? castValue(v, e.type.fields[i].second, false) : coerce(v, e.type.fields[i].second);
        }
        return out;
    }
    case K::ArrayCtor: {
        Value out = Value::arrayOf(e.args.size());
        const SqlType el = e.type.element();
        for (std::size_t i = 0; i < e.args.size(); ++i) {
            // A NULL element is allowed inside a query ([1, NULL] IN UNNEST, ARRAY_LENGTH);
            // only writing it out is an error (checkWritable).
            Value v = eval(*e.args[i], f);
            out[i] = v.isNull() ? Value() : e.typed ? castValue(v, el, false) : coerce(v, el);
        }
        return out;
    }
    case K::Subscript: {
        Value arr = eval(*e.args[0], f);
        Value idx = eval(*e.args[1], f);
        if (arr.isNull() || idx.isNull()) return {};
        std::int64_t i = idx.asInt64();
        const bool ordinal = e.op == "ORDINAL" || e.op == "SAFE_ORDINAL";
        if (ordinal) --i;
        if (i < 0 || i >= static_cast<std::int64_t>(arr.size())) {
            if (e.op.starts_with("SAFE")) return {};
            throw EvalError("Array index " + std::to_string(idx.asInt64()) + " is out of bounds (overflow)");
        }
        return arr[static_cast<std::size_t>(i)];
    }
    case K::Field: {
        Value s = eval(*e.args[0], f);
        if (s.isNull()) return {};
        return s[static_cast<std::size_t>(e.fieldPath[0])];
    }
    case K::Subquery: {
        const QueryResult& r = runSubquery(e, f);
        if (e.op == "EXISTS") return Value::boolean(!r.rows.empty());
        if (e.op == "SCALAR") {
            if (r.rows.size() > 1) throw EvalError("Scalar subquery produced more than one element");
            return r.rows.empty() ? Value() : r.rows[0][0];
        }
        Value out = Value::arrayOf(r.rows.size());
        for (std::size_t i = 0; i < r.rows.size(); ++i) out[i] = r.rows[i][0]; // NULLs: see checkWritable
        return out;
    }
    case K::In: {
        Value x = eval(*e.args[0], f);
        if (e.subquery) {
            const QueryResult& r = runSubquery(e, f);
            if (r.rows.empty()) return Value::boolean(e.negated); // IN of nothing is FALSE, even for NULL
            if (x.isNull()) return {};
            bool sawNull = false;
            for (const auto& row : r.rows) {
                if (row[0].isNull()) {
                    sawNull = true;
                    continue;
                }
                const Value eq = binaryOp("=", x, row[0], SqlType::scalar(TypeKind::Bool), e.collation);
                if (eq.isNull()) sawNull = true; // a STRUCT with a NULL field: unknown, not unequal
                else if (eq.asBool()) return Value::boolean(!e.negated);
            }
            return sawNull ? Value() : Value::boolean(e.negated);
        }
        Value inArray;
        if (e.inUnnest) {
            inArray = eval(*e.args[1], f);
            // IN an empty or NULL array is FALSE, even for NULL (as IN of an empty subquery).
            if (inArray.isNull() || inArray.size() == 0) return Value::boolean(e.negated);
        }
        if (x.isNull()) return {};
        bool sawNull = false;
        auto test = [&](const Value& c) {
            if (c.isNull()) {
                sawNull = true;
                return false;
            }
            const Value eq = binaryOp("=", x, c, SqlType::scalar(TypeKind::Bool), e.collation);
            if (eq.isNull()) sawNull = true; // a STRUCT with a NULL field: unknown, not unequal
            return isTrue(eq);
        };
        bool found = false;
        if (e.inUnnest) {
            for (const auto& c : inArray.items())
                if (test(c)) {
                    found = true;
                    break;
                }
        } else {
            for (std::size_t i = 1; i < e.args.size() && !found; ++i) found = test(eval(*e.args[i], f));
        }
        if (found) return Value::boolean(!e.negated);
        if (sawNull) return {};
        return Value::boolean(e.negated);
    }
    case K::Between: {
        Value x = eval(*e.args[0], f), lo = eval(*e.args[1], f), hi = eval(*e.args[2], f);
        Value r = binaryOp("AND", binaryOp(">=", x, lo, SqlType::scalar(TypeKind::Bool), e.collation),
                           binaryOp("<=", x, hi, SqlType::scalar(TypeKind::Bool), e.collation), SqlType::scalar(TypeKind::Bool));
        if (r.isNull() || !e.negated) return r;
        return Value::boolean(!r.asBool());
    }
    case K::Like: {
        if (!e.op.empty()) return likeQuantified(e, f);
        Value s = eval(*e.args[0], f), p = eval(*e.args[1], f);
        if (s.isNull() || p.isNull()) return {};
        const bool match = e.collation ? e.collation->like(s.asText(), p.asText()) : likeMatch(s.asText(), p.asText());
        return Value::boolean(match != e.negated);
    }
    case K::IsNull: {
        Value v = eval(*e.args[0], f);
        if (e.op == "DISTINCT") {
            const Value w = eval(*e.args[1], f);
            const bool same = keyEqual(coerce(v, e.castType), coerce(w, e.castType), e.collation); // NULL is NULL, NaN is NaN
            return Value::boolean(same == e.negated);
        }
        bool r;
        if (e.op == "NULL") r = v.isNull();
        else r = !v.isNull() && v.asBool() == (e.op == "TRUE");
        return Value::boolean(r != e.negated);
    }
    }
    return {};
}

long double PreparedQuery::Impl::statInput(const Value& v, bool& have, Num128& origin) {
    if (v.kind() != ValueKind::Numeric) return toDouble(v);
    const auto n = parseNumeric(v.asText());
    if (!n) return toDouble(v);
    if (!have) {
        origin = *n;
        have = true;
    }
    Num128 d;
    if (__builtin_sub_overflow(*n, origin, &d)) // opposite ends of the range: far apart anyway
        return (static_cast<long double>(*n) - static_cast<long double>(origin)) / kNumericScale;
    return static_cast<long double>(d) / kNumericScale;
}

void PreparedQuery::Impl::add(AggState& s, const Expr& agg, const Value& v, const Value* sep) const {
    const AggFn fn = agg.aggFn;
    if (agg.star) {
        ++s.count;
        return;
    }
    if (fn == AggFn::ApproxCountDistinct) return addMoreAggregate(s, agg, v, sep); // distinct by nature
    if (agg.distinct) {
        if (v.isNull() && fn != AggFn::ArrayAgg) return; // ARRAY_AGG keeps a NULL (once), other aggregates skip it
        if (!s.seen.insert(v, agg.collation)) return;
    }
    if (isMoreAggregate(fn)) return addMoreAggregate(s, agg, v, sep);
    if (fn == AggFn::Count) {
        if (!v.isNull()) ++s.count;
    } else if (fn == AggFn::CountIf) {
        if (isTrue(v)) ++s.count;
    } else if (fn == AggFn::Sum || fn == AggFn::Avg) {
        if (v.isNull()) return;
        s.any = true;
        ++s.count;
        // SUM's accumulator follows the result type, not each value's kind (a UNION of
        // INT64 and FLOAT64 branches may hand over both); AVG's INT64 values are summed
        // apart from its others. INT64 inputs are summed exactly, as ZetaSQL does (128
        // bits): only a total outside INT64 is an overflow, whatever the order of the rows,
        // reported when the group is done (a row HAVING MAX|MIN later discards raises nothing).
        if ((fn == AggFn::Sum && agg.type.kind == TypeKind::Int64) || (fn == AggFn::Avg && v.kind() == ValueKind::Int64)) {
            s.wide += v.asInt64();
        } else if (v.kind() == ValueKind::Interval) { // part by part, checked at the end
            const IntervalParts p = partsOf(v);
            s.nunits += p.months;
            s.idays += p.days;
            s.nsum += p.nanos;
        } else if (v.kind() == ValueKind::Numeric || v.kind() == ValueKind::BigNumeric) {
            const auto x = parseNumeric(v.asText());
            if (!x) throw EvalError("BIGNUMERIC value outside what the sandbox aggregates (NUMERIC range)");
            s.nunits += *x / kNumericScale;
            s.nsum += *x % kNumericScale;
        } else {
            const double x = toDouble(v);
            if (!std::isfinite(x)) s.nonFinite = true;
            s.fsum += static_cast<long double>(x);
        }
    } else if (fn == AggFn::Min || fn == AggFn::Max) {
        if (v.isNull()) return;
        // NaN wins both, as in BigQuery (it sorts first, so MIN finds it by comparing).
        if (s.any && isNaN(s.best)) return;
        if (!s.any || isNaN(v) || (fn == AggFn::Min ? compareValues(v, s.best, agg.collation) < 0 : compareValues(v, s.best, agg.collation) > 0)) s.best = v;
        s.any = true;
    } else if (fn == AggFn::AnyValue) {
        if (!s.any && !v.isNull()) {
            s.best = v;
            s.any = true;
        }
    } else if (fn == AggFn::ArrayAgg) {
        if (v.isNull() && agg.aggMods && agg.aggMods->nulls == AggModifiers::Nulls::Ignore) return;
        s.list.push_back(v); // a NULL element is refused when written out (checkWritable)
    } else if (fn == AggFn::ArrayConcatAgg) {
        if (v.isNull()) return; // NULL arrays add nothing
        for (const auto& item : v.items()) s.list.push_back(item);
        s.any = true;
        ++s.count; // arrays joined (LIMIT counts them)
    } else if (fn == AggFn::StringAgg) {
        if (sep && sep->isNull()) throw EvalError("Illegal NULL separator in STRING_AGG");
        if (v.isNull()) return;
        if (s.any) {
            if (sep) s.text.append(sep->asText());
            else s.text += ",";
        }
        s.text.append(v.asText());
        s.any = true;
        ++s.count; // values joined (LIMIT counts them)
    } else if (fn == AggFn::CovarPop || fn == AggFn::CovarSamp || fn == AggFn::Corr) {
        if (v.isNull() || !sep || sep->isNull()) return; // pairs with a NULL are skipped
        const long double x = statInput(v, s.haveOriginX, s.originX), y = statInput(*sep, s.haveOriginY, s.originY);
        if (!std::isfinite(static_cast<double>(x)) || !std::isfinite(static_cast<double>(y))) s.nonFinite = true;
        ++s.count;
        const long double dx = x - s.meanX, dy = y - s.meanY;
        s.meanX += dx / static_cast<long double>(s.count);
        s.meanY += dy / static_cast<long double>(s.count);
        s.m2X += dx * (x - s.meanX);
        s.m2Y += dy * (y - s.meanY);
        s.coMoment += dx * (y - s.meanY);
    } else if (fn >= AggFn::StddevPop) { // STDDEV and VAR
        if (v.isNull()) return;
        const long double x = statInput(v, s.haveOriginX, s.originX);
        if (!std::isfinite(static_cast<double>(x))) s.nonFinite = true;
        ++s.count;
        const long double d = x - s.meanX;
        s.meanX += d / static_cast<long double>(s.count);
        s.m2X += d * (x - s.meanX);
    } else if (fn == AggFn::LogicalAnd || fn == AggFn::LogicalOr) {
        if (v.isNull()) return;
        if (!s.any) s.logical = v.asBool();
        else s.logical = fn == AggFn::LogicalAnd ? (s.logical && v.asBool()) : (s.logical || v.asBool());
        s.any = true;
    }
}

void PreparedQuery::Impl::releaseHeld(AggState& s, const Expr& agg) const {
    const auto& m = *agg.aggMods;
    auto held = std::move(s.held);
    std::stable_sort(held.begin(), held.end(), [&](const std::vector<Value>& a, const std::vector<Value>& b) {
        for (std::size_t k = 0; k < m.order.size(); ++k) {
            const Value &x = a[2 + k], &y = b[2 + k];
            const bool nullsFirst = m.order[k].nullsFirst.value_or(!m.order[k].desc);
            if (x.isNull() != y.isNull()) return x.isNull() == nullsFirst;
            if (x.isNull()) continue;
            const int c = compareValues(x, y, m.order[k].collation);
            if (c != 0) return m.order[k].desc ? c > 0 : c < 0;
        }
        return false;
    });
    AggState out;
    std::size_t taken = 0;
    for (const auto& h : held) {
        if (m.limit && taken >= static_cast<std::size_t>(*m.limit)) break;
        const std::size_t before = agg.aggFn == AggFn::ArrayAgg ? out.list.size() : static_cast<std::size_t>(out.count);
        add(out, agg, h[0], agg.aggFn == AggFn::StringAgg && agg.args.size() > 1 ? &h[1] : nullptr);
        taken += (agg.aggFn == AggFn::ArrayAgg ? out.list.size() : static_cast<std::size_t>(out.count)) > before;
    }
    s = std::move(out);
}

Value PreparedQuery::Impl::finish(AggState& s, const Expr& agg) const {
    const AggFn fn = agg.aggFn;
    if (agg.aggMods && agg.aggMods->holdsInputs()) releaseHeld(s, agg);
    if (isMoreAggregate(fn)) return finishMoreAggregate(s, agg);
    if (fn == AggFn::Count || fn == AggFn::CountIf) return Value::int64(s.count);
    if ((fn == AggFn::Sum || fn == AggFn::Avg) && agg.type.kind == TypeKind::Interval) {
        if (!s.any) return {};
        if (s.nunits > 120000 || s.nunits < -120000 || s.idays > 3660000 || s.idays < -3660000)
            throw EvalError("Interval value is out of range in " + std::string(fn == AggFn::Sum ? "SUM" : "AVG"));
        const Value sum = intervalValue({static_cast<long long>(s.nunits), static_cast<long long>(s.idays), s.nsum});
        if (fn == AggFn::Sum) return sum;
        return intervalOperation("/", sum, Value::int64(s.count), agg.type);
    }
    if (fn == AggFn::Sum) {
        if (!s.any) return {};
        if (agg.type.kind == TypeKind::Int64) {
            if (s.wide > std::numeric_limits<std::int64_t>::max() || s.wide < std::numeric_limits<std::int64_t>::min())
                throw EvalError("int64 overflow in SUM");
            return Value::int64(static_cast<std::int64_t>(s.wide));
        }
        if (agg.type.kind == TypeKind::Numeric || agg.type.kind == TypeKind::BigNumeric) {
            const Num128 units = s.nunits + s.nsum / kNumericScale, rest = s.nsum % kNumericScale;
            if (units >= kTen29 || units <= -kTen29) throw EvalError("numeric overflow: SUM");
            const Num128 total = units * kNumericScale + rest;
            return agg.type.kind == TypeKind::Numeric ? Value::numeric(formatNumeric(total)) : Value::bigNumeric(formatNumeric(total));
        }
        const double sum = static_cast<double>(s.fsum);
        if (!std::isfinite(sum) && !s.nonFinite) throw EvalError("floating point overflow in SUM");
        return Value::float64(sum);
    }
    if (fn == AggFn::Avg) {
        if (!s.any) return {};
        if (agg.type.kind == TypeKind::Numeric || agg.type.kind == TypeKind::BigNumeric) {
            // (units * 10^9 + rest) / count, exactly, rounded half away from zero at the 9th digit.
            const Num128 count = s.count, units = s.nunits + s.nsum / kNumericScale, rest = s.nsum % kNumericScale;
            const Num128 remainder = (units % count) * kNumericScale + rest; // |units % count| < count: no overflow
            Num128 avg = (units / count) * kNumericScale + remainder / count;
            const Num128 left = remainder % count;
            if (left != 0 && agg.type.kind == TypeKind::BigNumeric)
                throw EvalError("AVG of BIGNUMERIC with more than 9 digits after the decimal point is not supported by the sandbox yet");
            if (2 * (left < 0 ? -left : left) >= count) avg += remainder < 0 ? -1 : 1;
            return agg.type.kind == TypeKind::Numeric ? Value::numeric(formatNumeric(avg)) : Value::bigNumeric(formatNumeric(avg));
        }
        return Value::float64(static_cast<double>((s.fsum + static_cast<long double>(s.wide)) / static_cast<long double>(s.count)));
    }
    if (fn == AggFn::Min || fn == AggFn::Max || fn == AggFn::AnyValue) return s.any ? coerce(s.best, agg.type) : Value();
    if (fn == AggFn::ArrayAgg || fn == AggFn::ArrayConcatAgg) {
        if (fn == AggFn::ArrayConcatAgg && !s.any) return {}; // no rows, or only NULL arrays
        Value out = Value::arrayOf(s.list.size());
        for (std::size_t i = 0; i < s.list.size(); ++i) out[i] = std::move(s.list[i]);
        return out;
    }
    if (fn == AggFn::StringAgg) {
        if (!s.any) return {};
        return agg.type.kind == TypeKind::Bytes ? Value::bytes(s.text) : Value::string(s.text);
    }
    if (fn == AggFn::LogicalAnd || fn == AggFn::LogicalOr) return s.any ? Value::boolean(s.logical) : Value();
    if (fn >= AggFn::StddevPop) {
        // The population forms need one value (or pair), the sample forms two; an infinite or
        // NaN input makes the answer NaN.
        const bool sample = fn == AggFn::StddevSamp || fn == AggFn::VarSamp || fn == AggFn::CovarSamp || fn == AggFn::Corr;
        if (s.count < (sample ? 2 : 1)) return {};
        if (s.nonFinite) return Value::float64(std::nan(""));
        const long double n = static_cast<long double>(s.count) - (sample && fn != AggFn::Corr ? 1 : 0);
        switch (fn) {
        case AggFn::StddevPop:
        case AggFn::StddevSamp: return Value::float64(static_cast<double>(std::sqrt(s.m2X / n)));
        case AggFn::VarPop:
        case AggFn::VarSamp: return Value::float64(static_cast<double>(s.m2X / n));
        case AggFn::CovarPop:
        case AggFn::CovarSamp: return Value::float64(static_cast<double>(s.coMoment / n));
        default: return Value::float64(static_cast<double>(s.coMoment / std::sqrt(s.m2X * s.m2Y))); // CORR; 0/0 is NaN
        }
    }
    return {};
}

} // namespace quarry::sandbox::sql
