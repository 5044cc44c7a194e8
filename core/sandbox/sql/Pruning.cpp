// SPDX-License-Identifier: MIT
// Partition pruning, for bytes processed as BigQuery bills them: a query over a table
// partitioned by a DATE, DATETIME or TIMESTAMP column, or by integer ranges of an INT64 one,
// is charged only for the partitions its WHERE can touch. The model: WHERE's top-level AND parts of the forms `col op constant`
// (=, <, <=, >, >=, either side), `col BETWEEN constant AND constant` and `col IN (constants)`
// narrow the partitions; anything else (OR, functions of the column, a subquery) narrows
// nothing, and a narrowed scan never includes the NULL partition. The rows a query returns
// do not depend on this: WHERE is evaluated on every row as before. Clustered tables: a run
// (not a dry run) bills only the storage blocks the same forms on the first clustering column
// can touch (clusteredBytes).
#include "sandbox/sql/Pruning.h"

#include "sandbox/sql/ColumnTest.h"
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

std::uint64_t clusterBlockBytes = 64ull << 20;

} // namespace

namespace {

/// Whether a constant can be compared with a clustering column's stored values as they are:
/// one of the column's own kind (a string against a DATE, an INT64 against a FLOAT64 would be
/// coerced by the comparison: they narrow nothing here).
bool sameKind(const Value& v, const SqlType& t) {
    if (t.array || t.unknown) return false;
    switch (t.kind) {
    case TypeKind::Int64: return v.kind() == ValueKind::Int64;
    case TypeKind::Numeric: return v.kind() == ValueKind::Numeric;
    case TypeKind::Bool: return v.kind() == ValueKind::Bool;
    case TypeKind::String: return v.kind() == ValueKind::String;
    case TypeKind::Bytes: return v.kind() == ValueKind::Bytes;
    case TypeKind::Date: return v.kind() == ValueKind::Date;
    case TypeKind::DateTime: return v.kind() == ValueKind::DateTime;
    case TypeKind::Timestamp: return v.kind() == ValueKind::Timestamp;
    default: return false;
    }
}

} // namespace

void PreparedQuery::Impl::narrowClusterRange(std::optional<ValueRange>& cur, const std::string& op,
                                             const std::vector<std::optional<Value>>& values, const SqlType& field) {
    const auto usable = [&](const std::optional<Value>& v) { return v && !v->isNull() && sameKind(*v, field); };
    ValueRange r;
    if (op == "in") {
        r.points.emplace();
        for (const auto& v : values) {
            if (v && v->isNull()) continue; // matches nothing
            if (!usable(v)) return;
            r.points->push_back(*v);
        }
    } else if (op == "between") {
        if (!usable(values[0]) || !usable(values[1])) return;
        r.lo = values[0];
        r.hi = values[1];
    } else {
        if (!usable(values[0])) return;
        if (op != ">" && op != ">=") r.hi = values[0]; // < as <=: a block holding the bound is read anyway
        if (op != "<" && op != "<=") r.lo = values[0];
    }
    if (!cur) {
        cur = std::move(r);
        return;
    }
    if (r.lo && (!cur->lo || compareValues(*r.lo, *cur->lo) > 0)) cur->lo = r.lo;
    if (r.hi && (!cur->hi || compareValues(*r.hi, *cur->hi) < 0)) cur->hi = r.hi;
    if (r.points) {
        if (!cur->points) cur->points = std::move(r.points);
        else {
            std::vector<Value> both;
            for (const auto& a : *cur->points)
                if (std::any_of(r.points->begin(), r.points->end(), [&](const Value& b) { return compareValues(a, b) == 0; }))
                    both.push_back(a);
            cur->points = std::move(both);
        }
    }
}


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

void setClusterBlockBytes(std::uint64_t bytes) { clusterBlockBytes = std::max<std::uint64_t>(1, bytes); }

void PreparedQuery::Impl::findPartitionRanges() {
    partitionRanges.assign(vars.size(), std::nullopt);
    clusterRanges.assign(vars.size(), std::nullopt);
    const std::vector<const Expr*> parts = andParts(sel.where.get());
    // The range variable whose partition (or first clustering) column `e` is, or -1. An
    // ingestion-time table's _PARTITIONDATE (a CAST of its hidden time to DATE) and
    // DATE(_PARTITIONTIME) are too:
    // `dateForm` says so, and its constants are read as DATEs.
    bool dateForm = false;
    const auto columnOf = [&](const Expr& c, bool cluster) -> int {
        const bool date = !cluster && c.args.size() == 1 && c.args[0] && c.args[0]->kind == Expr::Kind::Path &&
                          ((c.kind == Expr::Kind::Cast && c.castType.kind == TypeKind::Date && !c.castType.array) ||
                           (c.kind == Expr::Kind::Call && !c.window && text::iequals(c.op, "DATE"))); // DATE(_PARTITIONTIME)
        const Expr& e = date ? *c.args[0] : c;
        if (e.kind != Expr::Kind::Path || e.outerDepth != 0 || e.slot < 0 || e.fieldPath.size() != 1) return -1;
        const auto& v = vars[static_cast<std::size_t>(e.slot)];
        if (!v.table) return -1;
        if (cluster) return v.clusterColumn == e.fieldPath[0] ? e.slot : -1;
        if (!v.partitioning || v.partitioning->column != e.fieldPath[0]) return -1;
        if (date && (!v.partitioning->ingestion || v.partitioning->unit != Unit::Day)) return -1;
        dateForm = date;
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
        if (const auto t = columnTest(*p, [&](const Expr& e) { return columnOf(e, true); }, constant)) {
            const auto& v = vars[static_cast<std::size_t>(t->slot)];
            narrowClusterRange(clusterRanges[static_cast<std::size_t>(t->slot)], t->op, t->values,
                               v.type.fields[static_cast<std::size_t>(v.clusterColumn)].second);
        }
        const auto t = columnTest(*p, [&](const Expr& e) { return columnOf(e, false); }, constant);
        if (!t) continue;
        const int slot = t->slot;
        const auto& part = *vars[static_cast<std::size_t>(slot)].partitioning;
        const TypeKind constantType = dateForm ? TypeKind::Date : part.type;
        std::optional<std::int64_t> lo, hi;
        std::optional<std::set<std::int64_t>> points;
        bool bad = false;
        const auto keyOf = [&](std::optional<Value> v) -> std::optional<std::int64_t> {
            if (!v) return std::nullopt;
            if (v->kind() == ValueKind::String) v = asColumnType(v->asText(), constantType); // '2024-01-05' = day
            if (!v) return std::nullopt;
            auto k = partitionKey(*v, part);
            return k == kNullPartition ? std::nullopt : k;
        };
        if (t->op == "between") {
            lo = keyOf(t->values[0]);
            hi = keyOf(t->values[1]);
            bad = !lo || !hi;
        } else if (t->op == "in") {
            points.emplace();
            for (const auto& c : t->values) {
                if (bad) break;
                const auto k = keyOf(c);
                if (k) points->insert(*k);
                else bad = !c || !c->isNull(); // NULL matches nothing
            }
        } else {
            auto c = t->values[0];
            if (c && c->kind() == ValueKind::String) c = asColumnType(c->asText(), constantType);
            if (!c || c->isNull() || !partitionKey(*c, part)) continue;
            if (t->op == "=" || t->op == "<=" || t->op == ">=") {
                const auto k = keyOf(c);
                if (!k) continue;
                if (t->op != ">=") hi = k;
                if (t->op != "<=") lo = k;
            } else if (t->op == "<") {
                hi = keyOf(before(*c));
            } else {
                lo = keyOf(after(*c));
            }
            bad = !lo && !hi;
        }
        if (bad) continue;
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
        const std::string named = part->ingestion ? "'_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME'" : "'" + part->columnName + "'";
        err("Cannot query over table '" + t->project + "." + t->dataset + "." + t->id + "' without a filter over column(s) " +
                named + " that can be used for partition elimination",
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

std::uint64_t PreparedQuery::Impl::clusteredBytes(const Var& v, const PartitionRange* partitions, const ValueRange& clusters,
                                                  const std::set<int>& used, bool whole) {
    const TableData& t = *v.table;
    std::lock_guard lock(t.bytesMutex);
    const auto& fields = t.schema.fields;
    const auto column = static_cast<std::size_t>(v.clusterColumn);
    if (t.clusterBlocksVersion != t.version || t.clusterBlocksSchemaVersion != t.schemaVersion ||
        t.clusterBlocksFor != v.partitioning || t.clusterBlocksColumn != v.clusterColumn || t.clusterBlocksSize != clusterBlockBytes) {
        // Each partition's rows in clustering order (NULLs first), cut into blocks.
        std::map<std::int64_t, std::vector<const Value*>> byPartition;
        for (const auto& row : t.rows) {
            const auto items = row.items();
            std::int64_t key = 0;
            if (v.partitioning && static_cast<std::size_t>(v.partitioning->column) < items.size())
                key = partitionKey(items[static_cast<std::size_t>(v.partitioning->column)], *v.partitioning).value_or(kNullPartition);
            byPartition[key].push_back(&row);
        }
        const auto cell = [&](const Value* row) -> const Value* {
            const auto items = row->items();
            return column < items.size() ? &items[column] : nullptr;
        };
        std::map<std::int64_t, std::vector<TableData::ClusterBlock>> blocks;
        for (auto& [key, rows] : byPartition) {
            std::stable_sort(rows.begin(), rows.end(), [&](const Value* a, const Value* b) {
                const Value *x = cell(a), *y = cell(b);
                const bool xn = !x || x->isNull(), yn = !y || y->isNull();
                if (xn || yn) return xn && !yn;
                return compareValues(*x, *y) < 0;
            });
            auto& out = blocks[key];
            std::uint64_t size = 0;
            for (const Value* row : rows) {
                if (out.empty() || size >= clusterBlockBytes) {
                    out.emplace_back().bytes.assign(fields.size(), 0);
                    size = 0;
                }
                auto& b = out.back();
                const auto items = row->items();
                for (std::size_t c = 0; c < fields.size() && c < items.size(); ++c) {
                    const auto n = logicalBytes(items[c], fields[c]);
                    b.bytes[c] += n;
                    size += n;
                }
                if (const Value* x = cell(row); x && !x->isNull()) {
                    if (!b.min) b.min = *x; // rows come in order: the first is the least
                    b.max = *x;
                }
            }
        }
        t.clusterBlocks = std::move(blocks);
        t.clusterBlocksVersion = t.version;
        t.clusterBlocksSchemaVersion = t.schemaVersion;
        t.clusterBlocksFor = v.partitioning;
        t.clusterBlocksColumn = v.clusterColumn;
        t.clusterBlocksSize = clusterBlockBytes;
    }
    const auto touches = [&](const TableData::ClusterBlock& b) {
        if (!b.min) return false; // only NULLs: no comparison holds
        if (clusters.lo && compareValues(*b.max, *clusters.lo) < 0) return false;
        if (clusters.hi && compareValues(*b.min, *clusters.hi) > 0) return false;
        if (clusters.points)
            return std::any_of(clusters.points->begin(), clusters.points->end(), [&](const Value& p) {
                return compareValues(p, *b.min) >= 0 && compareValues(p, *b.max) <= 0;
            });
        return true;
    };
    const bool outside = partitions && v.partitioning->unit == Unit::Range &&
                         (partitions->contains(kBelowRange) || partitions->contains(kAboveRange));
    std::uint64_t total = 0;
    for (const auto& [key, list] : t.clusterBlocks) {
        if (partitions) {
            const bool unpartitioned = v.partitioning->unit == Unit::Range && (key == kBelowRange || key == kAboveRange);
            if (key == kNullPartition || (unpartitioned ? !outside : !partitions->contains(key))) continue;
        }
        for (const auto& b : list) {
            if (!touches(b)) continue;
            for (std::size_t c = 0; c < b.bytes.size(); ++c)
                if (whole || used.count(static_cast<int>(c))) total += b.bytes[c];
        }
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
