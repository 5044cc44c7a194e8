// SPDX-License-Identifier: MIT
// Rows as Arrow IPC messages (the Storage Read API's format) and back: every BigQuery type,
// NULLs, nesting and repetition survive the round trip; a damaged or hostile message is an
// ArrowError, never a crash or a read outside it. (Apache Arrow's own JS reader reads the same
// messages in the conformance_read scenario.)
#include "storageapi/ArrowIpc.h"
#include "storageapi/ScaledDecimal.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>

using namespace quarry;
namespace arrow = quarry::storageapi::arrow;

namespace {

Schema everyType() {
    return Schema::fromJson(nlohmann::json::parse(R"([
        {"name":"i","type":"INT64","mode":"REQUIRED"},{"name":"f","type":"FLOAT64"},{"name":"b","type":"BOOL"},{"name":"s","type":"STRING"},
        {"name":"y","type":"BYTES"},{"name":"n","type":"NUMERIC"},{"name":"bn","type":"BIGNUMERIC"},{"name":"d","type":"DATE"},
        {"name":"t","type":"TIME"},{"name":"dt","type":"DATETIME"},{"name":"ts","type":"TIMESTAMP"},{"name":"g","type":"GEOGRAPHY"},
        {"name":"j","type":"JSON"},{"name":"iv","type":"INTERVAL"},{"name":"tags","type":"STRING","mode":"REPEATED"},
        {"name":"kids","type":"RECORD","mode":"REPEATED","fields":[{"name":"name","type":"STRING"},
            {"name":"toys","type":"RECORD","mode":"REPEATED","fields":[{"name":"k","type":"INT64"}]}]},
        {"name":"addr","type":"RECORD","fields":[{"name":"city","type":"STRING"},{"name":"zip","type":"INT64"}]},
        {"name":"span","type":"RANGE","rangeElementType":{"type":"DATE"}}])"));
}

Value row(std::int64_t i, bool nulls) {
    Value r = Value::structOf(18);
    r[0] = Value::int64(i);
    if (!nulls) {
        r[1] = Value::float64(i * 0.5);
        r[2] = Value::boolean(i % 2);
        r[3] = Value::string("name " + std::to_string(i) + " — ünï");
        r[4] = Value::bytes(std::string("\0\xff", 2));
        r[5] = Value::numeric(i % 2 ? "-12345678901234567890123456789.123456789" : "0.5");
        r[6] = Value::bigNumeric("-578960446186580977117854925043439539266.34992332820282019728792003956564819967");
        r[7] = Value::date(-719162 + static_cast<std::int32_t>(i));
        r[8] = Value::time(86399999999 - i);
        r[9] = Value::dateTime(253402300799999999 - i);
        r[10] = Value::timestamp(-62135596800000000 + i);
        r[11] = Value::geography("POINT(1 2)");
        r[12] = Value::json(R"({"a":[1,null]})");
        r[13] = Value::interval(i % 2 ? "-10000-0 -3660000 -2562047:47:16.854775807" : "1-2 3 4:5:6.5");
        r[16] = Value::structOf(2);
        r[16][0] = Value::string("Oslo");
        r[17] = Value::range(Value::date(1), Value::null());
    }
    Value tags = Value::arrayOf(nulls ? 0 : 2);
    if (!nulls) {
        tags[0] = Value::string("a");
        tags[1] = Value::string("");
    }
    r[14] = std::move(tags);
    Value kids = Value::arrayOf(nulls ? 0 : 2);
    for (std::size_t k = 0; k < kids.size(); ++k) {
        Value kid = Value::structOf(2);
        kid[0] = k ? Value::null() : Value::string("Ann");
        Value toys = Value::arrayOf(k);
        for (std::size_t t = 0; t < k; ++t) {
            toys[t] = Value::structOf(1);
            toys[t][0] = Value::int64(static_cast<std::int64_t>(t));
        }
        kid[1] = std::move(toys);
        kids[k] = std::move(kid);
    }
    r[15] = std::move(kids);
    return r;
}

std::vector<Value> rows(int n) {
    std::vector<Value> out;
    for (int i = 0; i < n; ++i) out.push_back(row(i, i % 3 == 2));
    return out;
}

/// Every byte of `msg` flipped in turn: refused or read, never outside the message (ASan
/// would see it).
void flipEveryByte(const Schema& s, const std::string& msg) {
    for (std::size_t i = 0; i < msg.size(); ++i) {
        std::string bad = msg;
        bad[i] = static_cast<char>(bad[i] ^ 0x5A);
        try {
            (void)arrow::readBatch(s, bad);
        } catch (const arrow::ArrowError&) {
        }
    }
}

} // namespace

TEST(StorageArrow, EveryTypeRoundTrips) {
    const Schema s = everyType();
    const Schema back = arrow::readSchema(arrow::schemaMessage(s));
    ASSERT_EQ(back.fields.size(), s.fields.size());
    for (std::size_t i = 0; i < s.fields.size(); ++i) {
        EXPECT_EQ(back.fields[i].name, s.fields[i].name);
        EXPECT_EQ(back.fields[i].type, s.fields[i].type) << s.fields[i].name;
        EXPECT_EQ(back.fields[i].mode, s.fields[i].mode) << s.fields[i].name;
    }
    EXPECT_EQ(back.fields[17].rangeElement, TypeKind::Date);
    EXPECT_EQ(back.fields[15].fields[1].fields[0].type, TypeKind::Int64);
    const auto in = rows(50);
    const auto out = arrow::readBatch(s, arrow::batchMessage(s, in));
    ASSERT_EQ(out.size(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], in[i]) << "row " << i;
}

TEST(StorageArrow, NoRowsAndMessageLayout) {
    const Schema s = everyType();
    const auto msg = arrow::batchMessage(s, {});
    EXPECT_TRUE(arrow::readBatch(s, msg).empty());
    // Encapsulated: continuation marker, then a metadata length that keeps the body 8-aligned.
    std::uint32_t marker = 0;
    std::int32_t len = 0;
    std::memcpy(&marker, msg.data(), 4);
    std::memcpy(&len, msg.data() + 4, 4);
    EXPECT_EQ(marker, 0xFFFFFFFFu);
    EXPECT_EQ((8 + len) % 8, 0);
}

TEST(StorageArrow, ScaledDecimals) {
    using storageapi::scaledBytes;
    using storageapi::scaledBytesText;
    for (const char* d : {"0", "1", "-1", "0.000000001", "-0.5", "99999999999999999999999999999.999999999",
                          "-99999999999999999999999999999.999999999"})
        EXPECT_EQ(scaledBytesText(*scaledBytes(d, 9, 16), 9), std::string(d)) << d;
    EXPECT_FALSE(scaledBytes("1.0000000001", 9, 16)); // more fraction digits than the scale
    EXPECT_FALSE(scaledBytes("1e5", 9, 16));
    EXPECT_FALSE(scaledBytes("-", 9, 16));
    EXPECT_FALSE(scaledBytes("170141183460469231731687303716", 9, 16)); // past 2^127 / 10^9
}

TEST(StorageArrow, DamagedMessagesAreRefused) {
    const Schema s = everyType();
    const auto msg = arrow::batchMessage(s, rows(7));
    // Every cut: refused, or (a cut inside the trailing padding) read whole.
    for (std::size_t n = 0; n < msg.size(); ++n) {
        try {
            const auto out = arrow::readBatch(s, msg.substr(0, n));
            EXPECT_EQ(out.size(), 7u);
        } catch (const arrow::ArrowError& e) {
            EXPECT_NE(std::string(e.what()).find("Arrow data"), std::string::npos);
        }
    }
    flipEveryByte(s, msg);
    EXPECT_THROW(arrow::readBatch(s, arrow::schemaMessage(s)), arrow::ArrowError); // not a RecordBatch
    EXPECT_THROW(arrow::readSchema(msg), arrow::ArrowError);
    Schema fewer = s;
    fewer.fields.pop_back();
    EXPECT_THROW(arrow::readBatch(fewer, msg), arrow::ArrowError); // more columns than the schema
}

TEST(StorageArrow, ZstdCompressedBatchesRoundTripAndDamageIsRefused) {
    const Schema s = everyType();
    const auto in = rows(400);
    const auto plain = arrow::batchMessage(s, in);
    const auto packed = arrow::batchMessage(s, in, arrow::Compression::Zstd);
    EXPECT_LT(packed.size(), plain.size() / 2) << "repetitive rows should pack";
    const auto out = arrow::readBatch(s, packed);
    ASSERT_EQ(out.size(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], in[i]) << "row " << i;
    EXPECT_TRUE(arrow::readBatch(s, arrow::batchMessage(s, {}, arrow::Compression::Zstd)).empty());
    // A few rows: buffers zstd cannot shrink go as they are (length -1), and read back.
    const auto few = rows(1);
    EXPECT_EQ(arrow::readBatch(s, arrow::batchMessage(s, few, arrow::Compression::Zstd))[0], few[0]);

    const auto small = arrow::batchMessage(s, rows(7), arrow::Compression::Zstd);
    for (std::size_t n = 0; n < small.size(); ++n) {
        try {
            EXPECT_EQ(arrow::readBatch(s, small.substr(0, n)).size(), 7u);
        } catch (const arrow::ArrowError&) {
        }
    }
    flipEveryByte(s, small);
    // A buffer that claims to unpack to 2^40 bytes, or to a size its frame does not hold.
    Schema one;
    one.fields.emplace_back();
    one.fields[0].name = "n";
    one.fields[0].type = TypeKind::Int64;
    std::vector<Value> ints;
    for (int i = 0; i < 1000; ++i) {
        Value r = Value::structOf(1);
        r[0] = Value::int64(i % 3);
        ints.push_back(std::move(r));
    }
    const auto msg = arrow::batchMessage(one, ints, arrow::Compression::Zstd);
    const std::int64_t want = 8000;
    const auto at = msg.find(std::string(reinterpret_cast<const char*>(&want), 8));
    ASSERT_NE(at, std::string::npos) << "the values buffer's length prefix";
    for (const std::int64_t lie : {std::int64_t{1} << 40, std::int64_t{7999}, std::int64_t{8001}, std::int64_t{-2}}) {
        std::string bad = msg;
        std::memcpy(bad.data() + at, &lie, 8);
        EXPECT_THROW(arrow::readBatch(one, bad), arrow::ArrowError) << lie;
    }
}

TEST(StorageArrow, HostileOffsetsAndLengths) {
    Schema s = Schema::fromJson(nlohmann::json::parse(R"([{"name":"s","type":"STRING"}])"));
    std::vector<Value> in(3);
    for (int i = 0; i < 3; ++i) {
        in[static_cast<std::size_t>(i)] = Value::structOf(1);
        in[static_cast<std::size_t>(i)][0] = Value::string(std::string(static_cast<std::size_t>(i + 1), 'x'));
    }
    const auto msg = arrow::batchMessage(s, in);
    std::int32_t len = 0;
    std::memcpy(&len, msg.data() + 4, 4);
    const std::size_t body = 8 + static_cast<std::size_t>(len);
    // The body is [validity (none)] [offsets 0,1,3,6] [data]: make the offsets go down, then run past the data.
    std::string down = msg;
    const std::int32_t two = 2, zero = 0, big = 1 << 30;
    std::memcpy(&down[body + 4], &two, 4); // offsets 0, 2, 0, 6
    std::memcpy(&down[body + 8], &zero, 4);
    EXPECT_THROW(arrow::readBatch(s, down), arrow::ArrowError);
    std::string past = msg;
    std::memcpy(&past[body + 12], &big, 4);
    EXPECT_THROW(arrow::readBatch(s, past), arrow::ArrowError);
    // Text that is not UTF-8 in a STRING column.
    std::vector<Value> latin(1);
    latin[0] = Value::structOf(1);
    latin[0][0] = Value::bytes("\xff");
    Schema asBytes = s;
    asBytes.fields[0].type = TypeKind::Bytes;
    EXPECT_THROW(arrow::readBatch(s, arrow::batchMessage(asBytes, latin)), arrow::ArrowError);
    // Valid UTF-8 as a whole, but one character cut between two values.
    std::vector<Value> halves(2);
    for (std::size_t i = 0; i < 2; ++i) {
        halves[i] = Value::structOf(1);
        halves[i][0] = Value::bytes(i ? "\xa9" : "\xc3");
    }
    EXPECT_THROW(arrow::readBatch(s, arrow::batchMessage(asBytes, halves)), arrow::ArrowError);
    // A metadata length past the message, and no continuation marker.
    std::string longMeta = msg;
    const std::int32_t huge = 0x7FFFFFF0;
    std::memcpy(&longMeta[4], &huge, 4);
    EXPECT_THROW(arrow::readBatch(s, longMeta), arrow::ArrowError);
    EXPECT_THROW(arrow::readBatch(s, msg.substr(4)), arrow::ArrowError);
}
