// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace google::protobuf {
class DescriptorProto;
}

namespace quarry::storageapi {

/// A writer schema BigQuery refuses for the table (INVALID_ARGUMENT): not self-contained, a
/// field the table does not have, or a proto type that cannot hold its column's type.
class SchemaMismatch : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Decodes the Storage Write API's ProtoRows into rows laid out as a table's schema, with the
/// conversions BigQuery documents for each column type ("Supported protocol buffer data
/// types"): integers for INT64; double/float for FLOAT64; bool or an integer for BOOL; string or
/// enum names for STRING; bytes or string for BYTES; decimal text, integers, doubles or the
/// little-endian two's complement bytes of the scaled value for NUMERIC/BIGNUMERIC; days
/// (int32/int64) or text for DATE; text or CivilTimeEncoder's packed int64 for TIME and
/// DATETIME; microseconds since the epoch, text or google.protobuf.Timestamp for TIMESTAMP;
/// nested messages for STRUCT, a message of `start` and `end` for RANGE, repeated fields for
/// REPEATED; the google.protobuf wrapper types for scalars. Field names match
/// case-insensitively. An unset field is NULL (an empty array when repeated); a REQUIRED one is
/// a row error. The descriptor is read as proto2, so every singular field has presence.
class ProtoRowDecoder {
public:
    /// Throws SchemaMismatch with BigQuery's kind of message.
    ProtoRowDecoder(const google::protobuf::DescriptorProto& writer, const Schema& table);
    ~ProtoRowDecoder();
    ProtoRowDecoder(const ProtoRowDecoder&) = delete;
    ProtoRowDecoder& operator=(const ProtoRowDecoder&) = delete;

    /// One serialized row as a STRUCT laid out as the table's schema; nullopt with `error` set
    /// (the field path and what is wrong) when it does not parse or convert.
    std::optional<Value> decode(std::string_view bytes, std::string& error) const;

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace quarry::storageapi
