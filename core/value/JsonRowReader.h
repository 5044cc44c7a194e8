// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace simdjson::dom {
class element;
}

namespace quarry {

/// One reason a JSON row does not fit its schema. `location` is the field path ("a.b[2].c").
struct RowIssue {
    std::string location;
    std::string message;
};

/// Reads an insertAll-style JSON row (an object keyed by field name) into a STRUCT Value,
/// accepting what BigQuery's streaming API accepts: numbers or numeric strings for INTEGER,
/// FLOAT and NUMERIC, true/false or "true"/"false" for BOOLEAN, base64 for BYTES, RFC 3339,
/// "YYYY-MM-DD HH:MM:SS[.f] [zone]" or epoch seconds for TIMESTAMP, any JSON for a JSON column,
/// objects for RECORD, arrays (or null) for REPEATED. Field names match case-insensitively; a
/// field given twice in one object is an issue. The same rules run on nlohmann documents (the
/// sandbox) and simdjson documents (the uploader's validation), so a row the uploader accepts
/// is a row the sandbox accepts.
class JsonRowReader {
public:
    explicit JsonRowReader(const Schema& schema, bool ignoreUnknownValues = false)
        : schema_(schema), ignoreUnknown_(ignoreUnknownValues) {}

    /// Returns the row; on failure returns Null and fills `issues` (never empty then).
    Value read(const nlohmann::json& row, std::vector<RowIssue>& issues) const;
    Value readDom(const simdjson::dom::element& row, std::vector<RowIssue>& issues) const;
    /// The same checks without making Values (the uploader's validation). True if valid.
    bool checkDom(const simdjson::dom::element& row, std::vector<RowIssue>& issues) const;
    /// The same checks, the row appended to `out` in protobuf's wire format as it is read
    /// (wire::message's layout, the Storage Write API's rows) with no Value tree in between.
    /// True if valid; if not, `out` is as it was and `issues` says why.
    bool encodeDom(const simdjson::dom::element& row, std::string& out, std::vector<RowIssue>& issues) const;

    const Schema& schema() const { return schema_; }
    bool ignoresUnknownValues() const { return ignoreUnknown_; }

private:
    const Schema& schema_;
    bool ignoreUnknown_;
};

} // namespace quarry
