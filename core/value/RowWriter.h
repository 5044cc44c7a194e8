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

/// Rows as text in a format, without the file's header and footer: what RowWriter writes,
/// made apart from it so that threads can format rows ahead of the writer (writeFormatted).
class RowFormatter {
public:
    RowFormatter(RowFormat format, Schema schema);
    /// Appends `rows` as the writer would after `rowsBefore` rows (a JSON array's rows after
    /// the first start with ",\n").
    void append(std::string& out, std::span<const Value> rows, std::uint64_t rowsBefore) const;
    RowFormat format() const { return format_; }
    const Schema& schema() const { return schema_; }

private:
    RowFormat format_;
    Schema schema_;
    Field rowField_;
};

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
    /// Writes `count` rows a RowFormatter of the same format and schema made (any rowsBefore
    /// but 0: the writer mends a JSON array's first separator).
    void writeFormatted(std::string_view text, std::uint64_t count);
    void finish();
    std::uint64_t rowsWritten() const { return rows_; }

private:
    void begin();

    std::ostream& out_;
    RowFormatter formatter_;
    std::string buf_;
    std::uint64_t rows_ = 0;
    bool begun_ = false;
    bool finished_ = false;
};

} // namespace quarry
