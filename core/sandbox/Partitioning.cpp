// SPDX-License-Identifier: MIT
#include "sandbox/Partitioning.h"

#include "sandbox/ApiFailure.h"
#include "sandbox/JsonFields.h"

namespace quarry::sandbox {

void applyPartitioning(Table& t, bool validate) {
    using Unit = sql::TableData::Partitioning::Unit;
    t.partitioning.reset();
    const auto tp = objectField(t.meta, "timePartitioning");
    const std::string field = stringField(tp, "field");
    if (tp.empty() || field.empty()) return;
    const auto fail = [&](const std::string& why) {
        if (validate) throw ApiFailure("invalid", why, "timePartitioning");
    };
    const int column = t.schema.indexOf(field);
    if (column < 0) return fail("The field specified for partitioning cannot be found in the schema");
    const Field& f = t.schema.fields[static_cast<std::size_t>(column)];
    if (f.isRepeated() || (f.type != TypeKind::Date && f.type != TypeKind::DateTime && f.type != TypeKind::Timestamp))
        return fail("Partitioning field " + field + " must be of type DATE, DATETIME or TIMESTAMP, not " + f.typeDescription());
    const std::string type = stringField(tp, "type").empty() ? "DAY" : stringField(tp, "type");
    sql::TableData::Partitioning p;
    if (type == "DAY") p.unit = Unit::Day;
    else if (type == "HOUR") p.unit = Unit::Hour;
    else if (type == "MONTH") p.unit = Unit::Month;
    else if (type == "YEAR") p.unit = Unit::Year;
    else return fail("Invalid time partitioning type " + type + ": DAY, HOUR, MONTH or YEAR");
    if (p.unit == Unit::Hour && f.type == TypeKind::Date) return fail("HOUR partitioning needs a DATETIME or TIMESTAMP column; " + field + " is a DATE");
    p.column = column;
    p.columnName = f.name;
    p.type = f.type;
    p.requireFilter = boolField(t.meta, "requirePartitionFilter", false) || boolField(tp, "requirePartitionFilter", false);
    t.partitioning = p;
}

} // namespace quarry::sandbox
