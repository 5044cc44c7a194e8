// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace quarry {

/// Formats a whole result is written in, a page at a time.
enum class RowFormat { Csv, NdJson, JsonArray };

/// "csv", "ndjson" (or "jsonl"), "json".
std::optional<RowFormat> parseRowFormat(std::string_view name);
/// The format a file name asks for by its extension (.csv, .ndjson, .jsonl, .json), if any.
std::optional<RowFormat> rowFormatForPath(std::string_view path);
std::string_view rowFormatName(RowFormat f);

/// Streams rows to an ostream without holding more than the rows it is given.
/// - CSV (RFC 4180, CRLF): a header of the top-level column names; scalars as the console shows
///   them; NULL as an empty field; RECORD and REPEATED columns as compact JSON in one field, so
///   nothing nested is lost.
/// - NDJSON: one JSON object per line (INT64/NUMERIC as exact strings, as BigQuery writes them).
/// - JSON: one array of those objects.
/// Call finish() once after the last rows; without it a JSON file is left unterminated.
class RowWriter {
public:
    RowWriter(std::ostream& out, RowFormat format, Schema schema);
    void write(std::span<const Value> rows);
    void finish();
    std::uint64_t rowsWritten() const { return rows_; }

private:
    void begin();

    std::ostream& out_;
    RowFormat format_;
    Schema schema_;
    Field rowField_;
    std::string buf_;
    std::uint64_t rows_ = 0;
    bool begun_ = false;
    bool finished_ = false;
};

} // namespace quarry
