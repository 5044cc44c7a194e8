// SPDX-License-Identifier: MIT
// The f/v decoder against fixture folders (tests/data/fv) whose expected values were computed
// by a second implementation, against the hostile corpus (tests/data/hostile/fv), and for
// memory use on a 100k-row nested page.
#include "TestData.h"
#include "value/Display.h"
#include "value/FvCodec.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace quarry;
using quarry::test::caseFolders;
using quarry::test::dataDir;
using quarry::test::readFile;

namespace {

TimestampEncoding encodingOf(const std::string& folder) {
    auto p = dataDir() / "fv" / folder / "encoding";
    if (!std::filesystem::exists(p)) return TimestampEncoding::Auto;
    const auto s = readFile(p);
    if (s.starts_with("int64")) return TimestampEncoding::Int64Micros;
    if (s.starts_with("float")) return TimestampEncoding::FloatSeconds;
    if (s.starts_with("iso")) return TimestampEncoding::Iso8601;
    return TimestampEncoding::Auto;
}

std::string jsonView(const Value& row, const Schema& s) {
    Field f;
    f.type = TypeKind::Struct;
    f.fields = s.fields;
    std::string out;
    appendJsonValue(out, row, f);
    return out;
}

RowPage decodeFolder(const std::filesystem::path& dir, TimestampEncoding enc) {
    const auto body = readFile(dir / "response.json");
    std::optional<Schema> known;
    if (std::filesystem::exists(dir / "schema.json")) known = Schema::parse(readFile(dir / "schema.json"));
    FvDecoder d(enc);
    return d.decodeResponse(body, known ? &*known : nullptr);
}

class FvFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(FvFixture, DecodesToExpectedValues) {
    const auto dir = dataDir() / "fv" / GetParam();
    for (const auto enc : {encodingOf(GetParam()), TimestampEncoding::Auto}) {
        const auto page = decodeFolder(dir, enc);
        std::istringstream expected(readFile(dir / "expected.ndjson"));
        std::string line;
        std::size_t i = 0;
        while (std::getline(expected, line)) {
            if (line.empty()) continue;
            ASSERT_LT(i, page.rows.size()) << "fewer rows than expected";
            const auto got = nlohmann::json::parse(jsonView(page.rows[i], page.schema));
            EXPECT_EQ(got, nlohmann::json::parse(line)) << "row " << i;
            ++i;
        }
        EXPECT_EQ(i, page.rows.size());
        ASSERT_TRUE(page.totalRows.has_value());
        EXPECT_EQ(*page.totalRows, static_cast<std::int64_t>(page.rows.size()));
    }
}

TEST_P(FvFixture, RoundTripsThroughTheEncoder) {
    const auto dir = dataDir() / "fv" / GetParam();
    const auto page = decodeFolder(dir, encodingOf(GetParam()));
    for (const auto enc : {TimestampEncoding::Int64Micros, TimestampEncoding::Iso8601}) {
        std::string body = "{\"schema\":" + page.schema.toJson().dump() + ",\"rows\":[";
        FvEncoder e(enc);
        for (std::size_t i = 0; i < page.rows.size(); ++i) {
            if (i) body += ",";
            e.appendRow(body, page.rows[i], page.schema.fields);
        }
        body += "]}";
        FvDecoder d(enc);
        const auto again = d.decodeResponse(body);
        ASSERT_EQ(again.rows.size(), page.rows.size());
        for (std::size_t i = 0; i < page.rows.size(); ++i) EXPECT_EQ(again.rows[i], page.rows[i]) << "row " << i;
        EXPECT_EQ(again.schema, page.schema);
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FvFixture, ::testing::ValuesIn(caseFolders("fv")),
                         [](const auto& param) { return param.param; });

class FvHostile : public ::testing::TestWithParam<std::string> {};

TEST_P(FvHostile, FailsWithAClearError) {
    const auto dir = dataDir() / "hostile" / "fv" / GetParam();
    const auto expected = readFile(dir / "error.txt");
    try {
        decodeFolder(dir, TimestampEncoding::Auto);
        FAIL() << "decoded without error; expected: " << expected;
    } catch (const DecodeError& e) {
        EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
            << "message: " << e.what() << "\nexpected to contain: " << expected;
    }
}

INSTANTIATE_TEST_SUITE_P(Corpus, FvHostile, ::testing::ValuesIn(caseFolders("hostile/fv")),
                         [](const auto& param) { return param.param; });

// Every prefix of a valid response is either a valid page or a DecodeError: never a crash.
TEST(FvDecoderHostile, EveryTruncationOfAResponseFailsCleanly) {
    const auto body = readFile(dataDir() / "fv" / "nested_float_ts" / "response.json");
    FvDecoder d;
    int errors = 0;
    for (std::size_t n = 0; n < body.size(); n += 7) {
        try {
            d.decodeResponse(std::string_view(body).substr(0, n));
        } catch (const DecodeError&) {
            ++errors;
        }
    }
    EXPECT_GT(errors, 0);
}

// Single-byte corruptions anywhere: errors are DecodeErrors, nothing else escapes.
TEST(FvDecoderHostile, ByteFlipsNeverEscapeAsOtherExceptions) {
    const auto original = readFile(dataDir() / "fv" / "all_types_int64_ts" / "response.json");
    FvDecoder d;
    for (std::size_t i = 0; i < original.size(); i += 3) {
        for (char c : {'"', '{', ']', '9', 'x', '\0'}) {
            std::string body = original;
            body[i] = c;
            try {
                d.decodeResponse(body);
            } catch (const DecodeError&) {
            }
        }
    }
    SUCCEED();
}

std::string syntheticPage(int rows) {
    std::string s = R"({"kind":"bigquery#getQueryResultsResponse","jobComplete":true,"schema":{"fields":[
{"name":"id","type":"INTEGER","mode":"REQUIRED"},{"name":"name","type":"STRING"},
{"name":"ts","type":"TIMESTAMP"},{"name":"score","type":"FLOAT"},
{"name":"tags","type":"STRING","mode":"REPEATED"},
{"name":"children","type":"RECORD","mode":"REPEATED","fields":[{"name":"name","type":"STRING"},
{"name":"age","type":"INTEGER"}]}]},"rows":[)";
    for (int i = 0; i < rows; ++i) {
        if (i) s += ",";
        s += R"({"f":[{"v":")" + std::to_string(i) + R"("},{"v":"person-)" + std::to_string(i) +
             R"("},{"v":"1640995200000000"},{"v":"3.25"},{"v":[{"v":"x"},{"v":"y"}]},{"v":[{"v":{"f":[{"v":"kid"},{"v":"7"}]}},{"v":{"f":[{"v":"kid2"},{"v":"9"}]}}]}]})";
    }
    return s + "]}";
}

TEST(FvDecoderMemory, HundredThousandNestedRowsCostAtMostThreeTimesTheirJson) {
    const auto body = syntheticPage(100'000);
    FvDecoder d(TimestampEncoding::Int64Micros);
    d.decodeResponse(body); // the parser keeps its buffers: count only the page itself
    const auto before = mallinfo2().uordblks;
    auto page = std::make_unique<RowPage>(d.decodeResponse(body));
    const auto after = mallinfo2().uordblks;
    ASSERT_EQ(page->rows.size(), 100'000u);
    if (after <= before) GTEST_SKIP() << "malloc statistics unavailable (sanitizer build)";
    const double ratio = static_cast<double>(after - before) / static_cast<double>(body.size());
    RecordProperty("memory_ratio", std::to_string(ratio));
    std::cout << "decoded page: " << (after - before) << " bytes in memory for " << body.size()
              << " bytes of JSON (" << ratio << "x)\n";
    EXPECT_LE(ratio, 3.0);
}

} // namespace
