// SPDX-License-Identifier: MIT
// Partition pruning, for bytes processed as BigQuery bills them: a query over a table
// partitioned by a DATE, DATETIME or TIMESTAMP column, or by integer ranges of an INT64 one,
// is charged only for the partitions its WHERE can touch. The model: WHERE's top-level AND parts of the forms `col op constant`
// (=, <, <=, >, >=, either side), `col BETWEEN constant AND constant` and `col IN (constants)`
// narrow the partitions; anything else (OR, functions of the column, a subquery) narrows
// nothing, and a narrowed scan never includes the NULL partition. The rows a query returns
// do not depend on this: WHERE is evaluated on every row as before.
#include "sandbox/sql/Pruning.h"

#include "sandbox/sql/EngineImpl.h"

#include "value/Civil.h"

namespace quarry::sandbox::sql {
namespace {

using Unit = TableData::Partitioning::Unit;
using Partitioning = TableData::Partitioning;
constexpr std::int64_t kNullPartition = std::numeric_limits<std::int64_t>::min();
/// Integer-range partitioning: values below `start` and from `end` on. They are one partition
/// (__UNPARTITIONED__), kept under two keys so that ranges order them with the buckets.
constexpr std::int64_t kBelowRange = kNullPartition + 1, kAboveRange = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMicrosPerHour = 3'600'000'000LL, kMicrosPerDay = 86'400'000'000LL;

/// The partition of a value of the partitioning column (for a range, its bucket's start);
/// nullopt for a value of another kind.
std::optional<std::int64_t> partitionKey(const Value& v, const Partitioning& p) {
    if (v.isNull()) return kNullPartition;
    const Unit unit = p.unit;
    if (unit == Unit::Range) {
        if (v.kind() != ValueKind::Int64) return std::nullopt;
        const std::int64_t i = v.asInt64();
        if (i < p.start) return kBelowRange;
        if (i >= p.end) return kAboveRange;
        // In unsigned arithmetic: i - start fits there whatever their signs (i >= start).
        const std::uint64_t offset = static_cast<std::uint64_t>(i) - static_cast<std::uint64_t>(p.start);
        const std::uint64_t step = static_cast<std::uint64_t>(p.interval);
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(p.start) + offset / step * step);
    }
    std::int64_t days;
    switch (v.kind()) {
    case ValueKind::Date:
        days = v.asInt64();
        if (unit == Unit::Hour) return days * 24;
        break;
    case ValueKind::DateTime:
    case ValueKind::Timestamp:
        if (unit == Unit::Hour) return civil::floorDiv(v.asInt64(), kMicrosPerHour);
        days = civil::floorDiv(v.asInt64(), kMicrosPerDay);
        break;
    default:
        return std::nullopt;
    }
    if (unit == Unit::Day) return days;
    int y;
    unsigned m, d;
    civil::civilFromDays(days, y, m, d);
    return unit == Unit::Year ? y : static_cast<std::int64_t>(y) * 12 + (m - 1);
}

/// The value just before `v` in its type's order (for `col < v`).
Value before(const Value& v) {
    if (v.kind() == ValueKind::Int64) return Value::int64(v.asInt64() == std::numeric_limits<std::int64_t>::min() ? v.asInt64() : v.asInt64() - 1);
    if (v.kind() == ValueKind::Date) return Value::date(static_cast<std::int32_t>(v.asInt64() - 1));
    if (v.kind() == ValueKind::Timestamp) return Value::timestamp(v.asInt64() - 1);
    return Value::dateTime(v.asInt64() - 1);
}
Value after(const Value& v) {
    if (v.kind() == ValueKind::Int64) return Value::int64(v.asInt64() == std::numeric_limits<std::int64_t>::max() ? v.asInt64() : v.asInt64() + 1);
    if (v.kind() == ValueKind::Date) return Value::date(static_cast<std::int32_t>(v.asInt64() + 1));
    if (v.kind() == ValueKind::Timestamp) return Value::timestamp(v.asInt64() + 1);
    return Value::dateTime(v.asInt64() + 1);
}

/// A string constant compared with the partition column, read as the column's type (as the
/// comparison coerces it); nullopt when it is not one.
std::optional<Value> asColumnType(std::string_view text, TypeKind type) {
    if (type == TypeKind::Date) {
        if (const auto d = civil::parseDate(text)) return Value::date(*d);
    } else if (type == TypeKind::DateTime) {
        if (const auto d = civil::parseDateTime(text)) return Value::dateTime(*d);
    } else if (const auto t = civil::parseTimestampText(text)) {
        return Value::timestamp(*t);
    }
    return std::nullopt;
}

/// Whether a bound expression's value is fixed before any row is read.
bool constantTree(const Expr& e) {
    switch (e.kind) {
    case Expr::Kind::Literal:
    case Expr::Kind::Param:
        return true;
    case Expr::Kind::Cast:
    case Expr::Kind::Unary:
    case Expr::Kind::Binary:
        break;
    case Expr::Kind::Call:
        if (!e.fn || e.fn->kind != FunctionKind::Scalar || e.fn->stability == Stability::Volatile || e.window) return false;
        break;
    default:
        return false;
    }
    return std::all_of(e.args.begin(), e.args.end(), [](const auto& a) { return a && constantTree(*a); });
}

} // namespace

void PreparedQuery::Impl::findPartitionRanges() {
    partitionRanges.assign(vars.size(), std::nullopt);
    const std::vector<const Expr*> parts = andParts(sel.where.get());
    // The range variable whose partition column `e` is, or -1.
    const auto columnOf = [&](const Expr& e) -> int {
        if (e.kind != Expr::Kind::Path || e.outerDepth != 0 || e.slot < 0 || e.fieldPath.size() != 1) return -1;
        const auto& v = vars[static_cast<std::size_t>(e.slot)];
        if (!v.table || !v.partitioning || v.partitioning->column != e.fieldPath[0]) return -1;
        return e.slot;
    };
    const auto constant = [&](const Expr& e) -> std::optional<Value> {
        if (!constantTree(e)) return std::nullopt;
        try {
            return eval(e, Frame{});
        } catch (const std::exception&) { // an error the row-by-row WHERE will report
            return std::nullopt;
        }
    };
    for (const Expr* p : parts) {
        int slot = -1;
        std::optional<std::int64_t> lo, hi;
        std::optional<std::set<std::int64_t>> points;
        bool bad = false;
        const auto keyOf = [&](std::optional<Value> v) -> std::optional<std::int64_t> {
            if (!v) return std::nullopt;
            const auto& part = *vars[static_cast<std::size_t>(slot)].partitioning;
            if (v->kind() == ValueKind::String) v = asColumnType(v->asText(), part.type); // '2024-01-05' = day
            if (!v) return std::nullopt;
            auto k = partitionKey(*v, part);
            return k == kNullPartition ? std::nullopt : k;
        };
        if (p->kind == Expr::Kind::Binary && p->args.size() == 2) {
            static const std::map<std::string, std::string> flipped = {{"=", "="}, {"<", ">"}, {"<=", ">="}, {">", "<"}, {">=", "<="}};
            const auto it = flipped.find(p->op);
            if (it == flipped.end()) continue;
            std::string op = p->op;
            const Expr* other = p->args[1].get();
            if ((slot = columnOf(*p->args[0])) < 0) {
                if ((slot = columnOf(*p->args[1])) < 0) continue;
                other = p->args[0].get();
                op = it->second;
            }
            auto c = constant(*other);
            if (c && c->kind() == ValueKind::String) c = asColumnType(c->asText(), vars[static_cast<std::size_t>(slot)].partitioning->type);
            if (!c || c->isNull() || !partitionKey(*c, *vars[static_cast<std::size_t>(slot)].partitioning)) continue;
            if (op == "=" || op == "<=" || op == ">=") {
                const auto k = keyOf(c);
                if (!k) continue;
                if (op != ">=") hi = k;
                if (op != "<=") lo = k;
            } else if (op == "<") {
                hi = keyOf(before(*c));
            } else {
                lo = keyOf(after(*c));
            }
            bad = !lo && !hi;
        } else if (p->kind == Expr::Kind::Between && !p->negated && (slot = columnOf(*p->args[0])) >= 0) {
            lo = keyOf(constant(*p->args[1]));
            hi = keyOf(constant(*p->args[2]));
            bad = !lo || !hi;
        } else if (p->kind == Expr::Kind::In && !p->negated && !p->inUnnest && !p->subquery && (slot = columnOf(*p->args[0])) >= 0) {
            points.emplace();
            for (std::size_t i = 1; i < p->args.size() && !bad; ++i) {
                const auto k = keyOf(constant(*p->args[i]));
                if (k) points->insert(*k);
                else bad = !constant(*p->args[i]) || !constant(*p->args[i])->isNull(); // NULL matches nothing
            }
        } else {
            continue;
        }
        if (slot < 0 || bad) continue;
        auto& r = partitionRanges[static_cast<std::size_t>(slot)];
        if (!r) r.emplace();
        if (lo) r->lo = std::max(r->lo, *lo);
        if (hi) r->hi = std::min(r->hi, *hi);
        if (points) {
            if (r->points) {
                std::set<std::int64_t> both;
                for (const auto k : *points)
                    if (r->points->count(k)) both.insert(k);
                r->points = std::move(both);
            } else {
                r->points = std::move(points);
            }
        }
    }
    for (std::size_t i = 0; i < vars.size(); ++i) {
        const auto& t = vars[i].table;
        const auto& part = vars[i].partitioning;
        if (!t || !part || !part->requireFilter || partitionRanges[i]) continue;
        err("Cannot query over table '" + t->project + "." + t->dataset + "." + t->id + "' without a filter over column(s) '" +
                part->columnName + "' that can be used for partition elimination",
            sel.where ? sel.where->pos : Pos{});
    }
}

std::uint64_t PreparedQuery::Impl::prunedBytes(const Var& v, const PartitionRange& range, const std::set<int>& used, bool whole) {
    const TableData& t = *v.table;
    std::lock_guard lock(t.bytesMutex);
    const auto& fields = t.schema.fields;
    if (t.partitionBytesVersion != t.version || t.partitionBytesSchemaVersion != t.schemaVersion ||
        t.partitionBytesFor != *v.partitioning) {
        std::map<std::int64_t, std::vector<std::uint64_t>> sums;
        const int column = v.partitioning->column;
        for (const auto& row : t.rows) {
            const auto items = row.items();
            if (static_cast<std::size_t>(column) >= items.size()) continue;
            const auto key = partitionKey(items[static_cast<std::size_t>(column)], *v.partitioning).value_or(kNullPartition);
            auto& s = sums[key];
            s.resize(fields.size(), 0);
            for (std::size_t c = 0; c < fields.size() && c < items.size(); ++c) s[c] += logicalBytes(items[c], fields[c]);
        }
        t.bytesByPartition = std::move(sums);
        t.partitionBytesVersion = t.version;
        t.partitionBytesSchemaVersion = t.schemaVersion;
        t.partitionBytesFor = *v.partitioning;
    }
    // Either side of an integer range touched: the one __UNPARTITIONED__ partition is read.
    const bool outside = v.partitioning->unit == Unit::Range && (range.contains(kBelowRange) || range.contains(kAboveRange));
    std::uint64_t total = 0;
    for (const auto& [key, bytes] : t.bytesByPartition) {
        const bool unpartitioned = v.partitioning->unit == Unit::Range && (key == kBelowRange || key == kAboveRange);
        if (key == kNullPartition || (unpartitioned ? !outside : !range.contains(key))) continue;
        for (std::size_t c = 0; c < bytes.size(); ++c)
            if (whole || used.count(static_cast<int>(c))) total += bytes[c];
    }
    return total;
}

namespace {

std::string twoDigits(unsigned v) { return (v < 10 ? "0" : "") + std::to_string(v); }

/// BigQuery's partition id of a key (partitionKey's numbering).
std::string partitionId(std::int64_t key, Unit unit) {
    if (key == kNullPartition) return "__NULL__";
    if (unit == Unit::Range) return key == kBelowRange || key == kAboveRange ? "__UNPARTITIONED__" : std::to_string(key);
    if (unit == Unit::Year) return std::to_string(key);
    if (unit == Unit::Month) {
        const std::int64_t y = civil::floorDiv(key, 12);
        return std::to_string(y) + twoDigits(static_cast<unsigned>(key - y * 12 + 1));
    }
    const std::int64_t days = unit == Unit::Hour ? civil::floorDiv(key, 24) : key;
    int y;
    unsigned m, d;
    civil::civilFromDays(days, y, m, d);
    std::string id = std::to_string(y) + twoDigits(m) + twoDigits(d);
    if (unit == Unit::Hour) id += twoDigits(static_cast<unsigned>(key - days * 24));
    return id;
}

} // namespace

std::optional<std::int64_t> partitionStartMicros(const Value& v, const Partitioning& p) {
    if (v.isNull() || p.unit == Unit::Range) return std::nullopt;
    const auto key = partitionKey(v, p);
    if (!key) return std::nullopt;
    switch (p.unit) {
    case Unit::Hour: return *key * kMicrosPerHour;
    case Unit::Day: return *key * kMicrosPerDay;
    case Unit::Month:
        return static_cast<std::int64_t>(civil::daysFromCivil(static_cast<int>(civil::floorDiv(*key, 12)),
                                                              static_cast<unsigned>(*key - civil::floorDiv(*key, 12) * 12) + 1, 1)) *
               kMicrosPerDay;
    case Unit::Year: return static_cast<std::int64_t>(civil::daysFromCivil(static_cast<int>(*key), 1, 1)) * kMicrosPerDay;
    case Unit::Range: break;
    }
    return std::nullopt;
}

std::vector<PartitionSummary> partitionSummaries(const TableData& t) {
    const auto& fields = t.schema.fields;
    auto rowBytes = [&](const Value& row) {
        std::uint64_t n = 0;
        const auto items = row.items();
        for (std::size_t c = 0; c < fields.size() && c < items.size(); ++c) n += logicalBytes(items[c], fields[c]);
        return n;
    };
    if (!t.partitioning) {
        PartitionSummary all;
        for (const auto& row : t.rows) {
            ++all.rows;
            all.logicalBytes += rowBytes(row);
        }
        return {all};
    }
    const auto& part = *t.partitioning;
    std::map<std::int64_t, PartitionSummary> byKey;
    for (const auto& row : t.rows) {
        const auto items = row.items();
        auto key = static_cast<std::size_t>(part.column) < items.size()
                       ? partitionKey(items[static_cast<std::size_t>(part.column)], part).value_or(kNullPartition)
                       : kNullPartition;
        if (key == kAboveRange && part.unit == Unit::Range) key = kBelowRange; // one __UNPARTITIONED__
        auto& s = byKey[key];
        ++s.rows;
        s.logicalBytes += rowBytes(row);
    }
    std::vector<PartitionSummary> out;
    for (auto& [key, s] : byKey) {
        s.id = partitionId(key, part.unit);
        out.push_back(std::move(s));
    }
    return out;
}

} // namespace quarry::sandbox::sql
