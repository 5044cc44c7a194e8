// SPDX-License-Identifier: MIT
// ColumnStore: every value comes back exactly as appended, whatever form its page took
// (typed arrays, text arena, dictionary, Values), and typed pages are much smaller.
#include "value/ColumnStore.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace quarry;

namespace {

Schema allKinds() {
    return Schema::fromJson(nlohmann::json::parse(R"({"fields":[
        {"name":"i","type":"INTEGER"},{"name":"f","type":"FLOAT"},{"name":"b","type":"BOOLEAN"},
        {"name":"s","type":"STRING"},{"name":"by","type":"BYTES"},{"name":"n","type":"NUMERIC"},
        {"name":"d","type":"DATE"},{"name":"t","type":"TIME"},{"name":"dt","type":"DATETIME"},
        {"name":"ts","type":"TIMESTAMP"},{"name":"j","type":"JSON"},{"name":"city","type":"STRING"},
        {"name":"tags","type":"STRING","mode":"REPEATED"},
        {"name":"rec","type":"RECORD","fields":[{"name":"x","type":"INTEGER"}]}]})"));
}

Value makeRow(std::size_t k) {
    static const char* cities[] = {"Oslo", "Lima", "Pune"};
    Value r = Value::structOf(14);
    auto it = r.items();
    const bool nulls = k % 7 == 3;
    it[0] = nulls ? Value() : Value::int64(static_cast<std::int64_t>(k) * -3);
    it[1] = Value::float64(static_cast<double>(k) / 8);
    it[2] = nulls ? Value() : Value::boolean(k % 2 == 0);
    it[3] = Value::string(k % 5 == 0 ? std::string() : "text number " + std::to_string(k) + " \xc3\xa9");
    it[4] = Value::bytes(std::string("\0\xff", 2) + std::to_string(k));
    it[5] = Value::numeric(std::to_string(k) + ".5");
    it[6] = Value::date(static_cast<std::int32_t>(k) - 500);
    it[7] = Value::time(static_cast<std::int64_t>(k) * 1000);
    it[8] = Value::dateTime(static_cast<std::int64_t>(k) * 77);
    it[9] = nulls ? Value() : Value::timestamp(1'700'000'000'000'000 + static_cast<std::int64_t>(k));
    it[10] = Value::json(R"({"k":)" + std::to_string(k) + "}");
    it[11] = nulls ? Value() : Value::string(cities[k % 3]);
    Value tags = Value::arrayOf(k % 3);
    for (std::size_t e = 0; e < k % 3; ++e) tags[e] = Value::string("t" + std::to_string(e));
    it[12] = std::move(tags);
    Value rec = Value::structOf(1);
    rec[0] = Value::int64(static_cast<std::int64_t>(k));
    it[13] = std::move(rec);
    return r;
}

std::vector<Value> page(std::size_t first, std::size_t n) {
    std::vector<Value> out;
    for (std::size_t k = first; k < first + n; ++k) out.push_back(makeRow(k));
    return out;
}

} // namespace

TEST(ColumnStore, EveryValueComesBackAcrossPages) {
    ColumnStore s(allKinds());
    s.append(page(0, 100)); // long enough for the city dictionary
    s.append(page(100, 3)); // too short for one
    s.append({});
    s.append(page(103, 250));
    ASSERT_EQ(s.size(), 353u);
    ASSERT_EQ(s.columnCount(), 14u);
    for (std::size_t k = 0; k < s.size(); ++k) {
        const Value want = makeRow(k);
        ASSERT_EQ(s.row(k), want) << "row " << k;
        for (std::size_t f = 0; f < 14; ++f) {
            Value scratch;
            ASSERT_EQ(s.cell(k, f, scratch), want[f]) << "row " << k << " field " << f;
        }
    }
}

TEST(ColumnStore, OddValuesKeepTheirPageAsValues) {
    ColumnStore s(allKinds());
    std::vector<Value> p = page(0, 10);
    p[4][0] = Value::string("not an int"); // what a lenient decoder could hand over
    p[5] = Value::structOf(2);             // a row shorter than the schema
    s.append(std::move(p));
    Value scratch;
    EXPECT_EQ(s.cell(4, 0, scratch), Value::string("not an int"));
    EXPECT_EQ(s.cell(3, 0, scratch), Value()); // row 3 had a NULL
    EXPECT_EQ(s.cell(6, 0, scratch), Value::int64(-18));
    EXPECT_TRUE(s.cell(5, 13, scratch).isNull());
    EXPECT_TRUE(s.cell(5, 3, scratch).isNull());
}

TEST(ColumnStore, RowCellsAndResetAgree) {
    ColumnStore s(allKinds());
    s.append(page(0, 5));
    const auto r = s.rowCells(2);
    Value scratch;
    EXPECT_EQ(r.size(), 14u);
    EXPECT_EQ(r.at(11, scratch), Value::string("Pune"));
    s.reset(Schema{});
    EXPECT_EQ(s.size(), 0u);
    EXPECT_EQ(s.columnCount(), 0u);
}

TEST(ColumnStore, ScalarColumnsTakeFarLessThanValues) {
    const Schema schema = Schema::fromJson(nlohmann::json::parse(R"({"fields":[
        {"name":"id","type":"INTEGER"},{"name":"city","type":"STRING"},{"name":"day","type":"DATE"}]})"));
    ColumnStore s(schema);
    std::size_t valueBytes = 0;
    for (std::size_t first = 0; first < 20000; first += 5000) {
        std::vector<Value> p;
        for (std::size_t k = first; k < first + 5000; ++k) {
            Value r = Value::structOf(3);
            r[0] = Value::int64(static_cast<std::int64_t>(k));
            r[1] = Value::string(k % 2 ? "Stockholm" : "Los Angeles, California");
            r[2] = Value::date(static_cast<std::int32_t>(k));
            valueBytes += sizeof(Value) + r.heapBytes();
            p.push_back(std::move(r));
        }
        s.append(std::move(p));
    }
    // 8 + 1 (dictionary code) + 4 bytes a row, against 16 per cell plus the row's block.
    EXPECT_LT(s.heapBytes(), 20000u * 14);
    EXPECT_LT(s.heapBytes() * 5, valueBytes);
}
