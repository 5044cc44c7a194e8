// SPDX-License-Identifier: MIT
#include "value/Display.h"
#include "value/FvCodec.h"
#include "value/InsertRowWriter.h"
#include "value/Schema.h"

#include <cmath>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace quarry;

namespace {
Field field(std::string name, TypeKind t) {
    Field f;
    f.name = std::move(name);
    f.type = t;
    return f;
}
} // namespace

TEST(Value, IsSixteenBytesAndKeepsShortTextInline) {
    EXPECT_EQ(sizeof(Value), 16u);
    const auto s = Value::string("2024-01-01 ab");
    EXPECT_EQ(s.asText(), "2024-01-01 ab");
    EXPECT_EQ(s.heapBytes(), 0u);
    const auto l = Value::string("a longer string that needs the heap");
    EXPECT_EQ(l.asText(), "a longer string that needs the heap");
    EXPECT_EQ(l.heapBytes(), l.asText().size());
}

TEST(Value, CopiesAreDeepAndMovesLeaveNull) {
    Value arr = Value::arrayOf(2);
    arr[0] = Value::string("first element, long enough for the heap");
    arr[1] = Value::int64(7);
    Value copy = arr;
    copy[0] = Value::string("changed");
    EXPECT_EQ(arr[0].asText(), "first element, long enough for the heap");
    Value moved = std::move(arr);
    EXPECT_TRUE(arr.isNull()); // NOLINT(bugprone-use-after-move): moved-from state is specified
    EXPECT_EQ(moved.size(), 2u);
    EXPECT_NE(copy, moved);
    copy[0] = moved[0];
    EXPECT_EQ(copy, moved);
}

TEST(Value, ValuesMadeInAnArenaBorrowItsMemoryAndTheirCopiesOwnTheirs) {
    const std::string longText(200, 'x'), hugeText(200'000, 'y'); // the huge one: a block of its own
    Value copy, moved;
    {
        ValueArena arena;
        Value row = Value::structIn(arena, 3);
        row[0] = Value::textIn(arena, ValueKind::String, longText);
        row[1] = Value::arrayIn(arena, 2);
        row[1][0] = Value::textIn(arena, ValueKind::Json, hugeText);
        row[1][1] = Value::textIn(arena, ValueKind::String, "short"); // inline: no block
        row[2] = Value::rangeIn(arena, Value::int64(1), Value::null());
        EXPECT_EQ(row[0].asText(), longText);
        EXPECT_EQ(row[1][0].asText(), hugeText);
        EXPECT_EQ(row[2].size(), 2u);
        EXPECT_GE(arena.bytes(), hugeText.size());
        copy = row;
        EXPECT_EQ(copy, row);
        Value inArena = std::move(row); // a move keeps borrowing: it lives no longer than the arena
        EXPECT_EQ(inArena[0].asText(), longText);
        moved = Value(inArena[1]); // a copy of an item owns its blocks
    } // the arena goes: under AddressSanitizer a copy still reading it would fail here
    EXPECT_EQ(copy[0].asText(), longText);
    EXPECT_EQ(copy[1][0].asText(), hugeText);
    EXPECT_EQ(copy[1][1].asText(), "short");
    EXPECT_EQ(moved[0].asText(), hugeText);
    copy[0] = Value::string("changed, and long enough to need a block of its own");
    EXPECT_EQ(copy[0].asText(), "changed, and long enough to need a block of its own");
}

TEST(Value, AnArenaResetServesTheNextValuesFromTheSameBlocks) {
    ValueArena arena;
    for (int round = 0; round < 3; ++round) {
        std::vector<Value> rows;
        for (int i = 0; i < 10'000; ++i) {
            Value r = Value::structIn(arena, 2);
            r[0] = Value::int64(i);
            r[1] = Value::textIn(arena, ValueKind::String, "row number " + std::to_string(i) + " of the group");
            rows.push_back(std::move(r));
        }
        EXPECT_EQ(rows[9'999][1].asText(), "row number 9999 of the group");
        const std::size_t taken = arena.bytes();
        rows.clear();
        arena.reset();
        EXPECT_EQ(arena.bytes(), taken); // kept, not given back and taken again
    }
}

TEST(Value, NaNEqualsNaNSoRoundTripsCompare) {
    EXPECT_EQ(Value::float64(std::nan("")), Value::float64(std::nan("")));
    EXPECT_NE(Value::float64(0.0), Value::int64(0));
    EXPECT_NE(Value(), Value::string(""));
}

TEST(Schema, AcceptsBothSpellingsAndEchoesLegacyNames) {
    const auto s = Schema::parse(R"({"fields":[{"name":"a","type":"INT64"},{"name":"b","type":"STRUCT",
      "mode":"REPEATED","fields":[{"name":"c","type":"BOOL"},{"name":"d","type":"FLOAT64"}]}]})");
    const auto j = s.toJson();
    EXPECT_EQ(j["fields"][0]["type"], "INTEGER");
    EXPECT_EQ(j["fields"][0]["mode"], "NULLABLE");
    EXPECT_EQ(j["fields"][1]["type"], "RECORD");
    EXPECT_EQ(j["fields"][1]["mode"], "REPEATED");
    EXPECT_EQ(j["fields"][1]["fields"][0]["type"], "BOOLEAN");
    EXPECT_EQ(j["fields"][1]["fields"][1]["type"], "FLOAT");
    EXPECT_EQ(Schema::fromJson(j), s);
    EXPECT_EQ(s.leafCount(), 3u);
    EXPECT_EQ(s.indexOf("B"), 1);
}

TEST(Schema, RejectsDuplicateNamesAndBadModes) {
    EXPECT_THROW(Schema::parse(R"({"fields":[{"name":"a","type":"STRING"},{"name":"A","type":"STRING"}]})"), SchemaError);
    EXPECT_THROW(Schema::parse(R"({"fields":[{"name":"a","type":"STRING","mode":"OPTIONAL"}]})"), SchemaError);
    EXPECT_THROW(Schema::parse(R"({"fields":[{"name":"a","type":"RECORD","fields":[
        {"name":"x","type":"STRING"},{"name":"X","type":"STRING"}]}]})"), SchemaError);
    EXPECT_THROW(Schema::parse("{"), SchemaError);
}

TEST(Display, MatchesTheConsole) {
    const Field ts = field("t", TypeKind::Timestamp);
    EXPECT_EQ(displayText(Value::timestamp(1640995200000000), ts), "2022-01-01 00:00:00 UTC");
    EXPECT_EQ(displayText(Value::timestamp(1640995200000001), ts), "2022-01-01 00:00:00.000001 UTC");
    EXPECT_EQ(displayText(Value::timestamp(-1), ts), "1969-12-31 23:59:59.999999 UTC");
    const Field dt = field("d", TypeKind::DateTime);
    EXPECT_EQ(displayText(Value::dateTime(0), dt), "1970-01-01T00:00:00");
    const Field fl = field("f", TypeKind::Float64);
    EXPECT_EQ(displayText(Value::float64(1e-5), fl), "1.0E-5");
    EXPECT_EQ(displayText(Value::float64(3.0), fl), "3.0");
    EXPECT_EQ(displayText(Value::float64(-INFINITY), fl), "-Infinity");
    const Field by = field("b", TypeKind::Bytes);
    EXPECT_EQ(displayText(Value::bytes("hi!"), by), "aGkh");
    EXPECT_EQ(displayText(Value(), by), "null");
    const Field bo = field("b", TypeKind::Bool);
    EXPECT_EQ(displayText(Value::boolean(true), bo), "true");
}

TEST(Display, RecordsAndArraysAsJsonWithNames) {
    const auto s = Schema::parse(R"({"fields":[{"name":"r","type":"RECORD","fields":[
        {"name":"n","type":"INTEGER"},{"name":"tags","type":"STRING","mode":"REPEATED"}]}]})");
    Value r = Value::structOf(2);
    r[0] = Value::int64(5);
    r[1] = Value::arrayOf(2);
    r[1][0] = Value::string("a");
    r[1][1] = Value::string("b\"c");
    EXPECT_EQ(displayCell(r, s.fields[0]), R"({"n":"5","tags":["a","b\"c"]})");
}

TEST(InsertRowWriter, EncodesAsGoogleClientsDo) {
    const auto s = Schema::parse(R"({"fields":[{"name":"i","type":"INTEGER"},{"name":"f","type":"FLOAT"},
      {"name":"nan","type":"FLOAT"},{"name":"b","type":"BOOLEAN"},{"name":"by","type":"BYTES"},
      {"name":"ts","type":"TIMESTAMP"},{"name":"dt","type":"DATETIME"},{"name":"n","type":"NUMERIC"},
      {"name":"skip","type":"STRING"},{"name":"rec","type":"RECORD","mode":"REPEATED","fields":[
        {"name":"x","type":"DATE"}]}]})");
    Value row = Value::structOf(10);
    row[0] = Value::int64(9007199254740993);
    row[1] = Value::float64(0.1);
    row[2] = Value::float64(NAN);
    row[3] = Value::boolean(false);
    row[4] = Value::bytes(std::string("\0\xff", 2));
    row[5] = Value::timestamp(1640995200000001);
    row[6] = Value::dateTime(86400000000LL);
    row[7] = Value::numeric("12345678901234567890123456789.123456789");
    row[9] = Value::arrayOf(1);
    row[9][0] = Value::structOf(1);
    row[9][0][0] = Value::date(1);
    std::string out;
    appendInsertAllRow(out, "file:12", row, s.fields);
    EXPECT_EQ(out, R"({"insertId":"file:12","json":{"i":"9007199254740993","f":0.1,"nan":"NaN","b":false,)"
                   R"("by":"AP8=","ts":"2022-01-01T00:00:00.000001Z","dt":"1970-01-02T00:00:00",)"
                   R"("n":"12345678901234567890123456789.123456789","rec":[{"x":"1970-01-02"}]}})");
    EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(FvEncoder, WritesBigQueryWireForms) {
    const auto s = Schema::parse(R"({"fields":[{"name":"ts","type":"TIMESTAMP"},{"name":"a","type":"INTEGER","mode":"REPEATED"},
      {"name":"r","type":"RECORD","fields":[{"name":"x","type":"FLOAT"}]}]})");
    Value row = Value::structOf(3);
    row[0] = Value::timestamp(1640995200000000);
    row[1] = Value::arrayOf(0);
    std::string out;
    FvEncoder(TimestampEncoding::FloatSeconds).appendRow(out, row, s.fields);
    EXPECT_EQ(out, R"({"f":[{"v":"1.6409952E9"},{"v":[]},{"v":null}]})");
}
