// SPDX-License-Identifier: MIT
// RowWriter: CSV (RFC 4180), NDJSON and JSON, streamed page by page, nothing nested lost.
#include "value/FvCodec.h"
#include "value/RowWriter.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace quarry;

namespace {

// Two rows: a name with a comma, quote and newline; an INT64 beyond 2^53; a REPEATED RECORD;
// and NULLs in the second row.
RowPage page() {
    const std::string body = R"({
      "schema": {"fields": [
        {"name": "name", "type": "STRING"},
        {"name": "big", "type": "INTEGER"},
        {"name": "cities", "type": "RECORD", "mode": "REPEATED",
         "fields": [{"name": "place", "type": "STRING"}, {"name": "years", "type": "INTEGER"}]}]},
      "rows": [
        {"f": [{"v": "Jones, \"Mike\"\nJr."}, {"v": "9007199254740993"},
               {"v": [{"v": {"f": [{"v": "Seattle"}, {"v": "5"}]}}, {"v": {"f": [{"v": "Austin"}, {"v": null}]}}]}]},
        {"f": [{"v": null}, {"v": "-1"}, {"v": []}]}
      ],
      "totalRows": "2", "jobComplete": true})";
    FvDecoder d;
    return d.decodeResponse(body);
}

std::string write(RowFormat f, bool twoPages) {
    const RowPage p = page();
    std::ostringstream os;
    RowWriter w(os, f, p.schema);
    if (twoPages) {
        w.write(std::span<const Value>(p.rows).first(1));
        w.write(std::span<const Value>(p.rows).subspan(1));
    } else {
        w.write(p.rows);
    }
    w.finish();
    EXPECT_EQ(w.rowsWritten(), 2u);
    return os.str();
}

} // namespace

TEST(RowWriter, CsvQuotesAsRfc4180AndKeepsNestedColumnsAsJson) {
    const std::string csv = write(RowFormat::Csv, true);
    EXPECT_EQ(csv,
              "name,big,cities\r\n"
              "\"Jones, \"\"Mike\"\"\nJr.\",9007199254740993,"
              "\"[{\"\"place\"\":\"\"Seattle\"\",\"\"years\"\":\"\"5\"\"},{\"\"place\"\":\"\"Austin\"\",\"\"years\"\":null}]\"\r\n"
              ",-1,[]\r\n");
    EXPECT_EQ(write(RowFormat::Csv, false), csv); // page boundaries change nothing
}

TEST(RowWriter, NdJsonAndJsonParseBackExactly) {
    const std::string nd = write(RowFormat::NdJson, true);
    std::istringstream lines(nd);
    std::string line;
    std::vector<nlohmann::json> rows;
    while (std::getline(lines, line)) rows.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["name"], "Jones, \"Mike\"\nJr.");
    EXPECT_EQ(rows[0]["big"], "9007199254740993"); // exact, as a string
    EXPECT_EQ(rows[0]["cities"][1]["place"], "Austin");
    EXPECT_TRUE(rows[0]["cities"][1]["years"].is_null());
    EXPECT_TRUE(rows[1]["name"].is_null());
    EXPECT_EQ(rows[1]["cities"], nlohmann::json::array());

    const auto all = nlohmann::json::parse(write(RowFormat::JsonArray, true));
    ASSERT_TRUE(all.is_array());
    EXPECT_EQ(all, nlohmann::json(rows));
}

TEST(RowWriter, AnEmptyResultIsStillAWellFormedFile) {
    const RowPage p = page();
    for (auto f : {RowFormat::Csv, RowFormat::NdJson, RowFormat::JsonArray}) {
        std::ostringstream os;
        RowWriter w(os, f, p.schema);
        w.finish();
        w.finish(); // once only
        if (f == RowFormat::Csv) {
            EXPECT_EQ(os.str(), "name,big,cities\r\n");
        } else if (f == RowFormat::NdJson) {
            EXPECT_EQ(os.str(), "");
        } else {
            EXPECT_EQ(nlohmann::json::parse(os.str()), nlohmann::json::array());
        }
    }
}

TEST(RowWriter, FormatsByNameAndByExtension) {
    EXPECT_EQ(parseRowFormat("CSV"), RowFormat::Csv);
    EXPECT_EQ(parseRowFormat("jsonl"), RowFormat::NdJson);
    EXPECT_FALSE(parseRowFormat("xlsx"));
    EXPECT_EQ(rowFormatForPath("out/result.ndjson"), RowFormat::NdJson);
    EXPECT_EQ(rowFormatForPath("r.JSON"), RowFormat::JsonArray);
    EXPECT_FALSE(rowFormatForPath("dir.csv/result"));
    EXPECT_FALSE(rowFormatForPath("noext"));
    EXPECT_EQ(rowFormatName(RowFormat::NdJson), "ndjson");
}
