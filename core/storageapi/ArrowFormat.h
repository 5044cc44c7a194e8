// SPDX-License-Identifier: MIT
// Private to ArrowWrite.cpp and ArrowRead.cpp: the FlatBuffers field slots and enum values of
// Arrow's Schema.fbs and Message.fbs (format version 1.x, metadata V5), and INTERVAL as
// Arrow's month_day_nano.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quarry::storageapi::arrow::fb {

/// The vtable offset of a table's field number `id` (a union takes two: its type, then it).
constexpr std::uint16_t slot(int id) { return static_cast<std::uint16_t>(4 + 2 * id); }

namespace message { // table Message
constexpr auto version = slot(0), headerType = slot(1), header = slot(2), bodyLength = slot(3);
}
namespace schema { // table Schema
constexpr auto endianness = slot(0), fields = slot(1);
}
namespace field { // table Field
constexpr auto name = slot(0), nullable = slot(1), typeType = slot(2), type = slot(3), dictionary = slot(4),
               children = slot(5), metadata = slot(6);
}
namespace keyValue {
constexpr auto key = slot(0), value = slot(1);
}
namespace batch { // table RecordBatch
constexpr auto length = slot(0), nodes = slot(1), buffers = slot(2), compression = slot(3);
}
namespace bodyCompression { // table BodyCompression
constexpr auto codec = slot(0), method = slot(1);
constexpr std::int8_t kLz4Frame = 0, kZstd = 1; ///< CompressionType
constexpr std::int8_t kBuffer = 0;               ///< BodyCompressionMethod
}

constexpr std::int16_t kMetadataV5 = 4;
enum Header : std::uint8_t { kSchema = 1, kRecordBatch = 3 };
enum Type : std::uint8_t {
    kInt = 2,
    kFloatingPoint = 3,
    kBinary = 4,
    kUtf8 = 5,
    kBool = 6,
    kDecimal = 7,
    kDate = 8,
    kTime = 9,
    kTimestamp = 10,
    kInterval = 11,
    kList = 12,
    kStruct = 13,
};
constexpr std::int16_t kDouble = 2, kDay = 0, kMicrosecond = 2, kMonthDayNano = 2;
constexpr std::string_view kExtensionName = "ARROW:extension:name";
constexpr std::string_view kGeography = "google:sqlType:geography";
constexpr std::string_view kJson = "google:sqlType:json";
constexpr std::string_view kRange = "google:sqlType:range";

/// Arrow's FieldNode and Buffer structs.
struct Node {
    std::int64_t length, nulls;
};
struct Buffer {
    std::int64_t offset, length;
};

/// A month_day_nano value, as little-endian bytes (int32 months, int32 days, int64 nanoseconds).
struct MonthDayNano {
    std::int32_t months = 0, days = 0;
    std::int64_t nanos = 0;
};
/// INTERVAL's canonical text ("Y-M D H:M:S[.F]", signed parts) as month_day_nano; nullopt when
/// it is not that text or its time does not fit int64 nanoseconds.
std::optional<MonthDayNano> parseInterval(std::string_view canonical);
/// The canonical text of a month_day_nano value.
std::string intervalText(const MonthDayNano& v);

} // namespace quarry::storageapi::arrow::fb
