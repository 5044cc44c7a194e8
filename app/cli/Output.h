// SPDX-License-Identifier: MIT
#pragma once

#include "value/RowPage.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace quarry::cli {

enum class Format { Table, Json, NdJson, Csv };

/// A time given as milliseconds since the epoch (BigQuery's creationTime and the history's
/// start), in this machine's time zone: "2026-12-05 16:22:31" in a table, ISO 8601 with
/// milliseconds and the offset ("2026-12-05T16:22:31.814+01:00") in JSON, NDJSON and CSV.
/// Text that is not a number is returned as it is.
std::string timeText(const std::string& epochMs, Format f);

/// Parses "table", "json", "ndjson", "csv".
bool parseFormat(const std::string& s, Format& out);

/// A plain grid of strings with a header, printed in any Format.
struct Grid {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};
void printGrid(std::ostream& os, const Grid& g, Format f);

/// Rows of a page: table and CSV show each cell as the console does; JSON and NDJSON keep
/// nesting (RECORD as objects, REPEATED as arrays, INT64/NUMERIC as exact strings).
void printRows(std::ostream& os, const RowPage& page, Format f);

/// The schema as an indented tree: "name  TYPE  MODE", sub-fields indented below RECORDs.
void printSchemaTree(std::ostream& os, const Schema& s);

} // namespace quarry::cli
