// SPDX-License-Identifier: MIT
#include "value/Display.h"

#include "value/Civil.h"
#include "value/FvCodec.h"
#include "value/Numbers.h"
#include "value/Text.h"

#include <array>
#include <charconv>
#include <cmath>

namespace quarry {

std::string displayText(const Value& v, const Field& f) {
    switch (v.kind()) {
    case ValueKind::Null: return "null";
    case ValueKind::Timestamp: return civil::formatTimestampDisplay(v.asInt64());
    case ValueKind::Struct:
    case ValueKind::Array: {
        std::string out;
        appendJsonValue(out, v, f);
        return out;
    }
    case ValueKind::Range: {
        Field el = f;
        el.type = f.rangeElement;
        auto side = [&](const Value& x) { return x.isNull() ? std::string("UNBOUNDED") : displayText(x, el); };
        return "[" + side(v[0]) + ", " + side(v[1]) + ")";
    }
    default: return FvEncoder(TimestampEncoding::Int64Micros).scalarText(v, f);
    }
}

std::string displayCell(const Value& v, const Field& f) {
    if (!f.isRepeated()) return displayText(v, f);
    std::string out;
    appendJsonCell(out, v, f);
    return out;
}

void appendJsonValue(std::string& out, const Value& v, const Field& f) {
    switch (v.kind()) {
    case ValueKind::Null: out += "null"; return;
    case ValueKind::Bool: out += v.asBool() ? "true" : "false"; return;
    case ValueKind::Float64:
        if (std::isfinite(v.asDouble())) out += numbers::formatDouble(v.asDouble());
        else text::appendJsonString(out, numbers::formatDouble(v.asDouble()));
        return;
    case ValueKind::Int64: { // as displayText writes it, without the temporary strings
        std::array<char, 24> buf{};
        const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v.asInt64());
        out.push_back('"');
        out.append(buf.data(), r.ptr);
        out.push_back('"');
        return;
    }
    case ValueKind::String:
    case ValueKind::Numeric:
    case ValueKind::BigNumeric:
    case ValueKind::Geography:
    case ValueKind::Json:
    case ValueKind::Interval: text::appendJsonString(out, v.asText()); return;
    case ValueKind::Struct: {
        out.push_back('{');
        const auto items = v.items();
        for (std::size_t i = 0; i < f.fields.size() && i < items.size(); ++i) {
            if (i) out.push_back(',');
            text::appendJsonString(out, f.fields[i].name);
            out.push_back(':');
            appendJsonCell(out, items[i], f.fields[i]);
        }
        out.push_back('}');
        return;
    }
    case ValueKind::Array: {
        Field el = f;
        el.mode = Mode::Nullable;
        appendJsonCell(out, v, el);
        return;
    }
    default: text::appendJsonString(out, displayText(v, f));
    }
}

void appendJsonCell(std::string& out, const Value& v, const Field& f) {
    if (!f.isRepeated() || v.kind() != ValueKind::Array) {
        if (f.isRepeated() && v.isNull()) {
            out += "[]";
            return;
        }
        appendJsonValue(out, v, f);
        return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& el : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        appendJsonValue(out, el, f);
    }
    out.push_back(']');
}

} // namespace quarry
