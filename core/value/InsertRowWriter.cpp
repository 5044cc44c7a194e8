// SPDX-License-Identifier: MIT
#include "value/InsertRowWriter.h"

#include "value/Civil.h"
#include "value/FvCodec.h"
#include "value/Numbers.h"
#include "value/Text.h"

#include <cmath>

namespace quarry {
namespace {

void appendScalar(std::string& out, const Value& v, const Field& f) {
    switch (v.kind()) {
    case ValueKind::Float64:
        if (std::isfinite(v.asDouble())) out += numbers::formatDouble(v.asDouble());
        else text::appendJsonString(out, numbers::formatDouble(v.asDouble()));
        return;
    case ValueKind::Bool: out += v.asBool() ? "true" : "false"; return;
    case ValueKind::Timestamp:
        text::appendJsonString(out, civil::formatTimestampRfc3339(v.asInt64()));
        return;
    case ValueKind::Struct: appendInsertRow(out, v, f.fields); return;
    default:
        text::appendJsonString(out, FvEncoder(TimestampEncoding::Iso8601).scalarText(v, f));
    }
}

} // namespace

void appendInsertRow(std::string& out, const Value& row, const std::vector<Field>& fields) {
    out.push_back('{');
    bool first = true;
    const auto items = row.items();
    for (std::size_t i = 0; i < fields.size() && i < items.size(); ++i) {
        const Value& v = items[i];
        const Field& f = fields[i];
        if (v.isNull()) continue;
        if (!first) out.push_back(',');
        first = false;
        text::appendJsonString(out, f.name);
        out.push_back(':');
        if (f.isRepeated()) {
            out.push_back('[');
            bool firstEl = true;
            for (const auto& el : v.items()) {
                if (!firstEl) out.push_back(',');
                firstEl = false;
                appendScalar(out, el, f);
            }
            out.push_back(']');
        } else {
            appendScalar(out, v, f);
        }
    }
    out.push_back('}');
}

void appendInsertAllRow(std::string& out, std::string_view insertId, const Value& row,
                        const std::vector<Field>& fields) {
    out.push_back('{');
    if (!insertId.empty()) {
        out += "\"insertId\":";
        text::appendJsonString(out, insertId);
        out.push_back(',');
    }
    out += "\"json\":";
    appendInsertRow(out, row, fields);
    out.push_back('}');
}

} // namespace quarry
