// SPDX-License-Identifier: MIT
#pragma once

#include "value/RowPage.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace quarry {

/// How TIMESTAMP cells are written on the wire.
enum class TimestampEncoding {
    Auto,         ///< per cell: ISO text if it has ':', float seconds if it has '.'/'E', else micros
    FloatSeconds, ///< the default: "1.6409952E9"
    Int64Micros,  ///< formatOptions.useInt64Timestamp=true: "1640995200000000"
    Iso8601,      ///< timestampOutputFormat=ISO8601_STRING
};

/// A response that does not match BigQuery's row format or its schema. The message says where:
/// "rows[3].orders[1].qty: 'x' is not an INTEGER".
class DecodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Decodes BigQuery's f/v row format into Values. Holds a reusable parser: one per thread.
class FvDecoder {
public:
    explicit FvDecoder(TimestampEncoding ts = TimestampEncoding::Auto);
    ~FvDecoder();
    FvDecoder(const FvDecoder&) = delete;
    FvDecoder& operator=(const FvDecoder&) = delete;

    /// Decodes a whole response body. Uses the body's schema, or `knownSchema` when the body
    /// has none (tabledata.list). Throws DecodeError.
    RowPage decodeResponse(std::string_view body, const Schema* knownSchema = nullptr);

    /// Decodes one scalar cell text of the given field's type (no f/v wrapping).
    Value decodeScalar(std::string_view text, const Field& field) const;

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

/// Writes Values in the f/v row format, as BigQuery's responses carry them.
class FvEncoder {
public:
    explicit FvEncoder(TimestampEncoding ts = TimestampEncoding::FloatSeconds) : ts_(ts) {}
    /// Appends {"f":[...]} for a STRUCT row following `fields`.
    void appendRow(std::string& out, const Value& row, const std::vector<Field>& fields) const;
    /// Appends a cell's "v" payload (not wrapped in {"v":...}).
    void appendCellValue(std::string& out, const Value& v, const Field& f) const;
    /// The wire text of a scalar (what goes between the quotes).
    std::string scalarText(const Value& v, const Field& f) const;

private:
    void appendSingle(std::string& out, const Value& v, const Field& f) const;
    TimestampEncoding ts_;
};

} // namespace quarry
