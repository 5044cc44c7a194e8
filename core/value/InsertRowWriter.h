// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <string>

namespace quarry {

/// Writes a STRUCT row as the `json` object of a tabledata.insertAll row, encoded the way
/// Google's clients send them: INT64 and NUMERIC as strings (exact), FLOAT64 as a number
/// ("NaN"/"Infinity" as strings), BOOL as true/false, BYTES in base64, TIMESTAMP in RFC 3339
/// with a 'Z', DATETIME without a zone, JSON as its text, RECORD as an object, REPEATED as an array.
/// NULL fields are left out.
void appendInsertRow(std::string& out, const Value& row, const std::vector<Field>& fields);

/// Appends one insertAll row: {"insertId":"...","json":{...}} (insertId left out when empty).
void appendInsertAllRow(std::string& out, std::string_view insertId, const Value& row,
                        const std::vector<Field>& fields);

} // namespace quarry
