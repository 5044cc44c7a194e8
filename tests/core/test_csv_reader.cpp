// SPDX-License-Identifier: MIT
// CsvReader on hostile CSV: ragged rows, quotes across lines, doubled quotes, data after a
// closing quote, a byte order mark, invalid UTF-8, Latin-1, CRLF, gzip, and a 100 MB line.
// Each bad row is an error naming its line; reading goes on with the next one.
#include "upload/CsvReader.h"
#include "upload/RecordReader.h"
#include "platform/System.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <zlib.h>

using namespace quarry::upload;
namespace fs = std::filesystem;

namespace {

struct Temp {
    fs::path path = fs::temp_directory_path() / ("quarry-csv-" + std::to_string(quarry::platform::processId()) + "-" + std::to_string(counter++));
    static inline int counter = 0;
    explicit Temp(const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
    ~Temp() { fs::remove(path); }
};

std::vector<CsvRecord> readAll(const std::string& text, CsvOptions o = {}) {
    Temp t(text);
    CsvReader r(t.path.string(), o);
    std::vector<CsvRecord> out;
    for (CsvRecord rec; r.next(rec);) out.push_back(rec);
    return out;
}

} // namespace

TEST(CsvReader, FieldsQuotesAndLineNumbers) {
    const auto rows = readAll("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\n\n3,,\"\"\nlast,row,no newline");
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"x, y", "say \"hi\"", ""}));
    EXPECT_EQ(rows[1].line, 2u);
    EXPECT_EQ(rows[2].line, 4u); // the blank line 3 is no row
    EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"3", "", ""}));
    EXPECT_FALSE(rows[2].quoted[1]); // empty: NULL to the loader
    EXPECT_TRUE(rows[2].quoted[2]);  // "": an empty string
    EXPECT_EQ(rows[3].fields.back(), "no newline");
}

TEST(CsvReader, QuotedLineBreaksOnlyWhenAllowed) {
    const std::string text = "1,\"two\nlines\"\n2,plain\n";
    auto rows = readAll(text);
    ASSERT_GE(rows.size(), 1u);
    EXPECT_NE(rows[0].error.find("allowQuotedNewlines"), std::string::npos) << rows[0].error;
    EXPECT_EQ(rows[0].line, 1u);
    CsvOptions o;
    o.allowQuotedNewlines = true;
    rows = readAll(text, o);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields[1], "two\nlines");
    EXPECT_EQ(rows[1].line, 3u); // lines inside quotes count
    rows = readAll("1,\"never closed\n2,x\n", o);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_NE(rows[0].error.find("never closed"), std::string::npos) << rows[0].error;
}

TEST(CsvReader, DataAfterAClosingQuoteIsAnErrorAndReadingGoesOn) {
    const auto rows = readAll("\"a\"b,c\nok,row\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_NE(rows[0].error.find("Data between close double quote"), std::string::npos) << rows[0].error;
    EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"ok", "row"}));
    EXPECT_EQ(rows[1].line, 2u);
}

TEST(CsvReader, ByteOrderMarkInvalidUtf8AndLatin1) {
    auto rows = readAll("\xEF\xBB\xBFname\nJos\xE9\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields[0], "name"); // no BOM in the first name
    EXPECT_NE(rows[1].error.find("line 2, field 1 is not valid UTF-8"), std::string::npos) << rows[1].error;
    EXPECT_NE(rows[1].error.find("ISO-8859-1"), std::string::npos);
    CsvOptions o;
    o.latin1 = true;
    rows = readAll("Jos\xE9\n", o);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].fields[0], "Jos\xC3\xA9");
}

TEST(CsvReader, DelimiterAndNoQuoting) {
    CsvOptions o;
    o.delimiter = '\t';
    o.quote.reset();
    const auto rows = readAll("a\t\"b\tc\n", o);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a", "\"b", "c"}));
}

TEST(CsvReader, GzipIsReadThrough) {
    Temp t("");
    gzFile g = gzopen(t.path.c_str(), "wb");
    const std::string text = "a,b\n1,2\n";
    gzwrite(g, text.data(), static_cast<unsigned>(text.size()));
    gzclose(g);
    CsvReader r(t.path.string(), {});
    CsvRecord rec;
    ASSERT_TRUE(r.next(rec));
    ASSERT_TRUE(r.next(rec));
    EXPECT_EQ(rec.fields, (std::vector<std::string>{"1", "2"}));
    EXPECT_FALSE(r.next(rec));
}

// BigQuery's largest CSV row is 100 MB: a longer line is one error, and the next line is read.
TEST(CsvReader, ALineOverTheRowLimitIsAnErrorAndTheNextLineIsRead) {
    std::string text(101u << 20, 'x');
    text += "\nshort,row\n";
    const auto rows = readAll(text);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_NE(rows[0].error.find("larger than the maximum allowed size of 100 MB"), std::string::npos) << rows[0].error;
    EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"short", "row"}));
    EXPECT_EQ(rows[1].line, 2u);
}

TEST(CsvReader, AMissingFileIsAnInputError) {
    EXPECT_THROW(CsvReader("/nonexistent/x.csv", {}), InputError);
}
