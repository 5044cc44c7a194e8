// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <optional>
#include <string>

namespace google::protobuf {
class DescriptorProto;
}

namespace quarry::storageapi {

/// The client side of ProtoRows: a writer schema made from a table's schema, and rows (as the
/// table's schema lays them out) written in protobuf's wire format for it, with no message
/// objects in between. Column types map to the proto types ProtoRowDecoder and BigQuery read:
/// INT64 int64, FLOAT64 double, BOOL bool, BYTES bytes, DATE int32 days, TIMESTAMP int64
/// microseconds, TIME and DATETIME CivilTimeEncoder's packed int64, RANGE a message of start and
/// end, STRUCT a nested message, REPEATED repeated fields, every other type its text.
class ProtoEncoder {
public:
    explicit ProtoEncoder(Schema schema);
    /// Whether every column name can be a proto field name (letters, digits, _); if not, the
    /// Write API cannot carry this table's rows (yet) and the reason says which column.
    static std::optional<std::string> unsupported(const Schema& schema);
    /// The self-contained writer schema (message "Row", nested types inside it).
    google::protobuf::DescriptorProto writerSchema() const;
    /// Appends one row's message bytes to `out`.
    void encode(const Value& row, std::string& out) const;

private:
    Schema schema_;
};

} // namespace quarry::storageapi
