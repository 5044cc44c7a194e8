// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::storageapi::arrow {

/// Rows in Apache Arrow's IPC stream format (encapsulated messages, metadata version V5), as
/// the Storage Read API sends them: a session's `arrow_schema.serialized_schema` is one Schema
/// message, each ReadRows answer's `serialized_record_batch` one RecordBatch message; the two
/// together are a stream any Arrow reader takes. BigQuery's types map as its documentation
/// gives them: INT64 int64; FLOAT64 double; BOOL bool; STRING utf8; BYTES binary; DATE date32;
/// TIME time64[us]; DATETIME timestamp[us]; TIMESTAMP timestamp[us, UTC]; NUMERIC decimal128(38,
/// 9); BIGNUMERIC decimal256(76, 38); GEOGRAPHY and JSON utf8 with their extension names;
/// INTERVAL month_day_nano; RANGE a struct of start and end; STRUCT struct; REPEATED list.
/// The metadata is built and read with FlatBuffers (Debian's libflatbuffers-dev) from the field
/// numbers of Arrow's Schema.fbs and Message.fbs.

/// Arrow data a reader cannot take: which part, and why.
class ArrowError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The Schema message for rows laid out as `schema`.
std::string schemaMessage(const Schema& schema);
/// How a RecordBatch's buffers are compressed (Arrow's BodyCompression, what the Read API's
/// `arrow_serialization_options.buffer_compression` asks for): each buffer is its uncompressed
/// length (8 bytes) and a zstd frame, or -1 and the bytes as they are when that is no smaller.
enum class Compression { None, Zstd };

/// One RecordBatch message holding `rows` (STRUCT values laid out as `schema`). Throws
/// ArrowError for a value Arrow's type cannot hold (an INTERVAL past int64 nanoseconds).
std::string batchMessage(const Schema& schema, std::span<const Value> rows, Compression compression = Compression::None);

/// The fields of a Schema message as BigQuery fields (names, modes, types, as the mapping above
/// gives them back). Throws ArrowError for anything else.
Schema readSchema(std::string_view message);
/// The rows of one RecordBatch message, laid out as `schema` (what readSchema gave for the
/// stream's Schema message). Every offset, length and buffer is checked against the message:
/// damaged or hostile input throws ArrowError, never reads outside it. Buffers compressed with
/// zstd are read (LZ4_FRAME is refused, saying so); none may claim more than 1 GiB. With `arena`, the rows'
/// text and items are made in it (Value::textIn...): they must go before it is reset.
std::vector<Value> readBatch(const Schema& schema, std::string_view message, ValueArena* arena = nullptr);

} // namespace quarry::storageapi::arrow
