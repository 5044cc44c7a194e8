// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <string>

namespace quarry {

/// Text of a value as the BigQuery console shows it: NULL as "null", TIMESTAMP as
/// "2022-01-01 00:00:00 UTC", DATETIME with a 'T', BYTES in base64, FLOAT64 as BigQuery
/// writes doubles ("1.0E-5", "NaN"), RECORD and ARRAY as compact JSON with field names.
std::string displayText(const Value& v, const Field& f);
/// The same for a whole cell, honouring REPEATED (an ARRAY of the field's type).
std::string displayCell(const Value& v, const Field& f);

/// The value as a JSON value (the console's JSON view): INT64, NUMERIC and BIGNUMERIC as
/// strings so they stay exact, FLOAT64 as numbers (non-finite as strings), RECORD as objects.
void appendJsonValue(std::string& out, const Value& v, const Field& f);
void appendJsonCell(std::string& out, const Value& v, const Field& f);

} // namespace quarry
