// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <memory>
#include <span>
#include <stdexcept>
#include <string>

namespace quarry::storageapi::avro {

/// Rows as Apache Avro, as the Storage Read API sends them for data_format AVRO: the session's
/// `avro_schema.schema` is the JSON schema, each ReadRows answer's `serialized_binary_rows`
/// records in Avro's binary encoding back to back. BigQuery's mapping: INT64 long; FLOAT64
/// double; BOOL boolean; STRING string; BYTES bytes; NUMERIC and BIGNUMERIC bytes with logical
/// type decimal (38, 9) and (77, 38); DATE int (date); TIME long (time-micros); TIMESTAMP long
/// (timestamp-micros); DATETIME string (datetime); GEOGRAPHY, JSON and INTERVAL strings with
/// their sqlType; RANGE a record of start and end; STRUCT record; NULLABLE a union with null
/// first; REPEATED array. Written through Debian's libavro-c (libavro-dev), whose generic
/// values check every datum against the schema.

class AvroError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The Avro schema (JSON text) of rows laid out as `schema`: a record named __root__.
std::string schemaJson(const Schema& schema);

/// Encodes rows laid out as one schema; one per thread.
class Encoder {
public:
    explicit Encoder(const Schema& schema); ///< throws AvroError if libavro refuses the schema
    ~Encoder();
    Encoder(const Encoder&) = delete;
    Encoder& operator=(const Encoder&) = delete;
    /// The rows' records back to back. Throws AvroError.
    std::string encode(std::span<const Value> rows);

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace quarry::storageapi::avro
