// SPDX-License-Identifier: MIT
// libFuzzer: arbitrary bytes as a tabledata.insertAll body, validated against a nested schema
// (the sandbox's row validator) and, when accepted, encoded back and decoded again.
#include "value/FvCodec.h"
#include "value/InsertRowWriter.h"
#include "value/JsonParse.h"
#include "value/JsonRowReader.h"

#include <nlohmann/json.hpp>

using namespace quarry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Schema schema = Schema::parse(R"({"fields":[{"name":"i","type":"INTEGER","mode":"REQUIRED"},
      {"name":"f","type":"FLOAT"},{"name":"n","type":"NUMERIC"},{"name":"b","type":"BOOLEAN"},{"name":"by","type":"BYTES"},
      {"name":"ts","type":"TIMESTAMP"},{"name":"d","type":"DATE"},{"name":"t","type":"TIME"},{"name":"dt","type":"DATETIME"},
      {"name":"j","type":"JSON"},{"name":"rg","type":"RANGE","rangeElementType":{"type":"DATE"}},
      {"name":"r","type":"RECORD","mode":"REPEATED","fields":[{"name":"s","type":"STRING"},
        {"name":"deep","type":"RECORD","fields":[{"name":"x","type":"INTEGER","mode":"REPEATED"}]}]}]})");
    const auto body = parseJsonOrDiscard(std::string_view(reinterpret_cast<const char*>(data), size));
    if (body.is_discarded()) return 0;
    const auto rows = body.is_object() && body.contains("rows") && body["rows"].is_array() ? body["rows"] : nlohmann::json::array({body});
    JsonRowReader reader(schema, false);
    for (const auto& r : rows) {
        std::vector<RowIssue> issues;
        const Value v = reader.read(r.is_object() && r.contains("json") ? r["json"] : r, issues);
        if (!issues.empty()) continue;
        // Round trip: insert row JSON -> Value again, and f/v -> Value again.
        std::string out;
        appendInsertRow(out, v, schema.fields);
        std::vector<RowIssue> again;
        const Value v2 = reader.read(nlohmann::json::parse(out), again);
        if (!again.empty() || !(v2 == v)) __builtin_trap();
        std::string fv = "{\"rows\":[";
        FvEncoder(TimestampEncoding::Int64Micros).appendRow(fv, v, schema.fields);
        fv += "]}";
        FvDecoder dec(TimestampEncoding::Int64Micros);
        const auto page = dec.decodeResponse(fv, &schema);
        if (page.rows.size() != 1 || !(page.rows[0] == v)) __builtin_trap();
    }
    return 0;
}
