// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

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
/// objects for RECORD, arrays (or null) for REPEATED. Field names match case-insensitively.
class JsonRowReader {
public:
    explicit JsonRowReader(const Schema& schema, bool ignoreUnknownValues = false)
        : schema_(schema), ignoreUnknown_(ignoreUnknownValues) {}

    /// Returns the row; on failure returns Null and fills `issues` (never empty then).
    Value read(const nlohmann::json& row, std::vector<RowIssue>& issues) const;

    /// One scalar (or RECORD) of the field's type, ignoring the field's mode.
    Value readValue(const nlohmann::json& v, const Field& f, const std::string& path,
                    std::vector<RowIssue>& issues) const;

private:
    Value readRecord(const nlohmann::json& obj, const std::vector<Field>& fields, const std::string& path,
                     std::vector<RowIssue>& issues) const;
    Value readCell(const nlohmann::json& v, const Field& f, const std::string& path,
                   std::vector<RowIssue>& issues) const;

    const Schema& schema_;
    bool ignoreUnknown_;
};

} // namespace quarry
