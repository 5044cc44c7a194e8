// SPDX-License-Identifier: MIT
#pragma once

#include "value/RowPage.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace quarry::cli {

enum class Format { Table, Json, NdJson, Csv };

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
