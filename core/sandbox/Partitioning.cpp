// SPDX-License-Identifier: MIT
#include "sandbox/Partitioning.h"

#include "sandbox/ApiFailure.h"
#include "sandbox/JsonFields.h"
#include "sandbox/sql/Pruning.h"
#include "value/Civil.h"

#include <algorithm>

namespace quarry::sandbox {

namespace {

using Unit = sql::TableData::Partitioning::Unit;

/// A range bound as the REST API gives it: an int64 as a string (or a JSON number).
std::optional<std::int64_t> bound(const Json& range, const char* key) {
    if (!range.contains(key)) return std::nullopt;
    const Json& v = range[key];
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (!v.is_string()) return std::nullopt;
    try {
        std::size_t used = 0;
        const long long n = std::stoll(v.get<std::string>(), &used);
        if (used != v.get_ref<const std::string&>().size()) return std::nullopt;
        return n;
    } catch (...) {
        return std::nullopt;
    }
}

/// rangePartitioning {field, range {start, end, interval}}: INT64 buckets, at most 10,000.
void applyRangePartitioning(Table& t, const Json& rp, bool validate) {
    const auto fail = [&](const std::string& why) {
        if (validate) throw ApiFailure("invalid", why, "rangePartitioning");
    };
    if (t.meta.contains("timePartitioning") && !objectField(t.meta, "timePartitioning").empty())
        return fail("A table cannot have both timePartitioning and rangePartitioning");
    const std::string field = stringField(rp, "field");
    const int column = t.schema.indexOf(field);
    if (field.empty() || column < 0) return fail("The field specified for partitioning cannot be found in the schema");
    const Field& f = t.schema.fields[static_cast<std::size_t>(column)];
    if (f.isRepeated() || f.type != TypeKind::Int64)
        return fail("Integer-range partitioning field " + field + " must be of type INTEGER, not " + f.typeDescription());
    const Json range = objectField(rp, "range");
    const auto start = bound(range, "start"), end = bound(range, "end"), interval = bound(range, "interval");
    if (!start || !end || !interval) return fail("rangePartitioning.range needs start, end and interval (integers)");
    if (*interval <= 0) return fail("rangePartitioning.range.interval must be positive");
    if (*start >= *end) return fail("rangePartitioning.range.start must be less than its end");
    const std::uint64_t width = static_cast<std::uint64_t>(*end) - static_cast<std::uint64_t>(*start); // end > start
    const std::uint64_t buckets = (width - 1) / static_cast<std::uint64_t>(*interval) + 1;
    if (buckets > 10000)
        return fail("Too many partitions: the range makes " + std::to_string(buckets) + "; a table has at most 10000");
    sql::TableData::Partitioning p;
    p.unit = Unit::Range;
    p.column = column;
    p.columnName = f.name;
    p.type = TypeKind::Int64;
    p.start = *start;
    p.end = *end;
    p.interval = *interval;
    p.requireFilter = boolField(t.meta, "requirePartitionFilter", false);
    t.partitioning = p;
    if (validate) // INT64 fields are strings in BigQuery's resources, however they were sent
        t.meta["rangePartitioning"]["range"] = {{"start", std::to_string(*start)}, {"end", std::to_string(*end)}, {"interval", std::to_string(*interval)}};
}

} // namespace

void applyPartitioning(Table& t, bool validate) {
    t.partitioning.reset();
    t.clusterColumns.clear();
    if (const auto c = t.meta.find("clustering"); c != t.meta.end() && c->is_object())
        for (const auto& f : c->value("fields", Json::array()))
            if (f.is_string()) {
                const int column = t.schema.indexOf(f.get<std::string>());
                if (column < 0) break; // a field it lacks: the ones after it order nothing
                t.clusterColumns.push_back(column);
            }
    if (const auto rp = objectField(t.meta, "rangePartitioning"); !rp.empty()) return applyRangePartitioning(t, rp, validate);
    const auto tp = objectField(t.meta, "timePartitioning");
    const std::string field = stringField(tp, "field");
    if (tp.empty()) return;
    const auto fail = [&](const std::string& why) {
        if (validate) throw ApiFailure("invalid", why, "timePartitioning");
    };
    const std::string type = stringField(tp, "type").empty() ? "DAY" : stringField(tp, "type");
    sql::TableData::Partitioning p;
    if (type == "DAY") p.unit = Unit::Day;
    else if (type == "HOUR") p.unit = Unit::Hour;
    else if (type == "MONTH") p.unit = Unit::Month;
    else if (type == "YEAR") p.unit = Unit::Year;
    else return fail("Invalid time partitioning type " + type + ": DAY, HOUR, MONTH or YEAR");
    if (field.empty()) { // ingestion time: the hidden field after the schema's columns
        p.ingestion = true;
        p.column = static_cast<int>(t.schema.fields.size());
        p.columnName = sql::TableData::kPartitionTime;
        p.type = TypeKind::Timestamp;
    } else {
        const int column = t.schema.indexOf(field);
        if (column < 0) return fail("The field specified for partitioning cannot be found in the schema");
        const Field& f = t.schema.fields[static_cast<std::size_t>(column)];
        if (f.isRepeated() || (f.type != TypeKind::Date && f.type != TypeKind::DateTime && f.type != TypeKind::Timestamp))
            return fail("Partitioning field " + field + " must be of type DATE, DATETIME or TIMESTAMP, not " + f.typeDescription());
        if (p.unit == Unit::Hour && f.type == TypeKind::Date)
            return fail("HOUR partitioning needs a DATETIME or TIMESTAMP column; " + field + " is a DATE");
        p.column = column;
        p.columnName = f.name;
        p.type = f.type;
    }
    p.requireFilter = boolField(t.meta, "requirePartitionFilter", false) || boolField(tp, "requirePartitionFilter", false);
    if (const auto e = tp.find("expirationMs"); e != tp.end() && !e->is_null()) {
        std::int64_t ms = 0;
        try {
            ms = e->is_string() ? std::stoll(e->get<std::string>()) : e->get<std::int64_t>();
        } catch (const std::exception&) {
            return fail("timePartitioning.expirationMs must be a number of milliseconds");
        }
        if (ms <= 0) return fail("The partition expiration must be positive; leave timePartitioning.expirationMs out for none");
        p.expirationMs = ms;
        if (validate) t.meta["timePartitioning"]["expirationMs"] = std::to_string(ms); // INT64: a string, as BigQuery answers
    }
    t.partitioning = p;
}

Value partitionTimeAt(const sql::TableData::Partitioning& p, std::int64_t whenMs) {
    const auto start = sql::partitionStartMicros(Value::timestamp(whenMs * 1000), p);
    return start ? Value::timestamp(*start) : Value();
}

void fitStoredRow(const Table& t, Value& row, std::int64_t whenMs) {
    const std::size_t n = t.schema.fields.size();
    const bool hidden = t.partitioning && t.partitioning->ingestion;
    const std::size_t stored = n + (hidden ? 1 : 0);
    if (row.size() == stored || row.isNull()) return;
    Value out = Value::structOf(stored);
    for (std::size_t k = 0; k < n && k < row.size(); ++k) out[k] = std::move(row[k]);
    if (hidden) out[n] = partitionTimeAt(*t.partitioning, whenMs);
    row = std::move(out);
}

Json partitionSpec(const Table& t) {
    Json spec = Json::object();
    for (const char* k : {"timePartitioning", "rangePartitioning", "clustering", "requirePartitionFilter"})
        if (t.meta.contains(k)) spec[k] = t.meta[k];
    return spec;
}

std::pair<std::string, std::string> splitDecorator(const std::string& id) {
    const auto at = id.find('$');
    if (at == std::string::npos) return {id, {}};
    if (at + 1 == id.size() || id[at + 1] == '@')
        throw ApiFailure("invalid", "Invalid table ID \"" + id + "\": write a partition after the $ (" + id.substr(0, at) +
                                        "$20240101), or leave the $ out.");
    // A snapshot decorator after the partition (t$20240101@<ms>) belongs to the table.
    if (const auto snapshot = id.find('@', at); snapshot != std::string::npos)
        return {id.substr(0, at) + id.substr(snapshot), id.substr(at + 1, snapshot - at - 1)};
    return {id.substr(0, at), id.substr(at + 1)};
}

std::int64_t partitionOfDecorator(const Table& t, const std::string& decorator) {
    const std::string name = t.project + ":" + t.dataset + "." + t.id + "$" + decorator;
    if (!t.partitioning || t.partitioning->unit == Unit::Range)
        throw ApiFailure("invalid", "Cannot use a partition decorator on " + name +
                                        ": the sandbox knows decorators of tables partitioned by time only.");
    const auto& p = *t.partitioning;
    const std::size_t digits = p.unit == Unit::Hour ? 10 : p.unit == Unit::Day ? 8 : p.unit == Unit::Month ? 6 : 4;
    const bool allDigits = std::all_of(decorator.begin(), decorator.end(), [](char c) { return c >= '0' && c <= '9'; });
    const auto fail = [&] {
        throw ApiFailure("invalid", "Invalid partition decorator " + name + ": write the partition as " +
                                        (digits == 10 ? "YYYYMMDDHH" : digits == 8 ? "YYYYMMDD" : digits == 6 ? "YYYYMM" : "YYYY") +
                                        " for a table partitioned by " + stringField(objectField(t.meta, "timePartitioning"), "type") + ".");
    };
    if (decorator.size() != digits || !allDigits) fail();
    const int year = std::stoi(decorator.substr(0, 4));
    const unsigned month = digits >= 6 ? static_cast<unsigned>(std::stoi(decorator.substr(4, 2))) : 1;
    const unsigned day = digits >= 8 ? static_cast<unsigned>(std::stoi(decorator.substr(6, 2))) : 1;
    const int hour = digits == 10 ? std::stoi(decorator.substr(8, 2)) : 0;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23) fail();
    const std::int32_t days = civil::daysFromCivil(year, month, day);
    int y;
    unsigned m, dd;
    civil::civilFromDays(days, y, m, dd);
    if (m != month || dd != day) fail(); // 20240230
    return (static_cast<std::int64_t>(days) * 24 + hour) * 3'600'000;
}

std::int64_t decoratedPartitionMs(const Table& t, const std::string& decorator, std::int64_t nowMs) {
    const std::string name = t.project + ":" + t.dataset + "." + t.id + "$" + decorator;
    if (t.partitioning && t.partitioning->unit != Unit::Range && !t.partitioning->ingestion)
        throw ApiFailure("invalid", "Streaming to metadata partition of column based partitioning table " + name +
                                        " is disallowed. Stream to the table; each row goes to the partition of its " +
                                        t.partitioning->columnName + ".");
    const std::int64_t startMs = partitionOfDecorator(t, decorator);
    constexpr std::int64_t kDayMs = 86'400'000;
    const std::int64_t today = civil::floorDiv(nowMs, kDayMs) * kDayMs;
    if (startMs < today - 31 * kDayMs || startMs > today + 16 * kDayMs)
        throw ApiFailure("invalid", "The destination table's partition " + name +
                                        " is outside the allowed bounds. You can only stream to partitions within 31 days in the "
                                        "past and 16 days in the future relative to the current date.");
    return startMs;
}

bool inPartition(const Table& t, const Value& row, std::int64_t startMs) {
    const auto& p = *t.partitioning;
    const auto at = static_cast<std::size_t>(p.column);
    if (at >= row.size()) return false;
    const auto start = sql::partitionStartMicros(row[at], p);
    return start && *start == startMs * 1000;
}

void fitStoredRows(const Table& t, std::vector<Value>& rows, std::int64_t whenMs) {
    for (auto& r : rows) fitStoredRow(t, r, whenMs);
}

} // namespace quarry::sandbox
