// SPDX-License-Identifier: MIT
#include "value/Civil.h"
#include "value/Numbers.h"
#include "value/Text.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

using namespace quarry;

TEST(Civil, DaysAndDatesAgree) {
    EXPECT_EQ(civil::daysFromCivil(1970, 1, 1), 0);
    EXPECT_EQ(civil::formatDate(civil::daysFromCivil(2024, 2, 29)), "2024-02-29");
    EXPECT_EQ(civil::formatDate(civil::daysFromCivil(1, 1, 1)), "0001-01-01");
    for (int d = -719162; d < 2932897; d += 997) EXPECT_EQ(civil::parseDate(civil::formatDate(d)), d);
    EXPECT_FALSE(civil::parseDate("2023-02-29"));
    EXPECT_FALSE(civil::parseDate("2023-13-01"));
    EXPECT_FALSE(civil::parseDate("0000-01-01"));
    EXPECT_FALSE(civil::parseDate("2023-01-01x"));
}

TEST(Civil, TimesKeepMicroseconds) {
    EXPECT_EQ(civil::parseTime("23:59:59.999999"), 86399999999);
    EXPECT_EQ(civil::parseTime("01:02:03.5"), 3723500000);
    EXPECT_FALSE(civil::parseTime("24:00:00"));
    EXPECT_FALSE(civil::parseTime("12:00:00.1234567"));
    EXPECT_EQ(civil::formatTime(3723500000), "01:02:03.500000");
}

TEST(Civil, TimestampTextWithZones) {
    EXPECT_EQ(civil::parseTimestampText("2022-01-01T00:00:00Z"), 1640995200000000);
    EXPECT_EQ(civil::parseTimestampText("2022-01-01 01:00:00+01:00"), 1640995200000000);
    EXPECT_EQ(civil::parseTimestampText("2022-01-01 00:00:00 UTC"), 1640995200000000);
    EXPECT_EQ(civil::parseTimestampText("2022-01-01"), 1640995200000000);
    EXPECT_FALSE(civil::parseTimestampText("2022-01-01T00:00:00 Mars"));
    EXPECT_EQ(civil::formatTimestampRfc3339(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(Numbers, Int64Strict) {
    EXPECT_EQ(numbers::parseInt64("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(numbers::parseInt64("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
    EXPECT_FALSE(numbers::parseInt64("9223372036854775808"));
    EXPECT_FALSE(numbers::parseInt64(" 1"));
    EXPECT_FALSE(numbers::parseInt64("1.0"));
    EXPECT_FALSE(numbers::parseInt64(""));
    EXPECT_FALSE(numbers::parseInt64("+-1"));
}

TEST(Numbers, DoublesInJavaNotation) {
    EXPECT_EQ(numbers::formatDouble(3.14), "3.14");
    EXPECT_EQ(numbers::formatDouble(1e7), "1.0E7");
    EXPECT_EQ(numbers::formatDouble(9999999.0), "9999999.0");
    EXPECT_EQ(numbers::formatDouble(0.001), "0.001");
    EXPECT_EQ(numbers::formatDouble(0.0001), "1.0E-4");
    EXPECT_EQ(numbers::formatDouble(1.6409952e9), "1.6409952E9");
    EXPECT_EQ(numbers::formatDouble(-1.9954383398377106e10), "-1.9954383398377106E10");
    EXPECT_EQ(numbers::formatDouble(100.0), "100.0");
    for (double d : {0.1, 1.0 / 3, 1e300, -2.5e-300, 123456.789, 6.02214076e23})
        EXPECT_EQ(numbers::parseDouble(numbers::formatDouble(d)), d);
    EXPECT_TRUE(std::isnan(*numbers::parseDouble("NaN")));
    EXPECT_TRUE(std::isnan(*numbers::parseDouble("nan")));
    EXPECT_EQ(numbers::parseDouble("-Infinity"), -INFINITY);
    EXPECT_EQ(numbers::parseDouble("inf"), INFINITY);
    EXPECT_FALSE(numbers::parseDouble("1e999999"));
    EXPECT_FALSE(numbers::parseDouble("--1"));
}

// TIMESTAMPs as float seconds carry every microsecond: a double cannot hold
// 253402300799.999999 (9999-12-31 23:59:59.999999) and printed the year 10000.
TEST(Numbers, TimestampSecondsAreExact) {
    EXPECT_EQ(numbers::microsToSecondsText(253402300799999999), "2.53402300799999999E11");
    EXPECT_EQ(numbers::microsToSecondsText(-62135596800000000), "-6.21355968E10");
    EXPECT_EQ(numbers::microsToSecondsText(1577865600000000), "1.5778656E9");
    EXPECT_EQ(numbers::microsToSecondsText(1500000), "1.5");
    EXPECT_EQ(numbers::microsToSecondsText(1), "1.0E-6");
    EXPECT_EQ(numbers::microsToSecondsText(-1000), "-0.001");
    EXPECT_EQ(numbers::microsToSecondsText(0), "0.0");
    for (std::int64_t us : {std::int64_t{1409592122117000}, std::int64_t{-123456789}, std::int64_t{10000000000000}})
        EXPECT_EQ(numbers::microsToSecondsText(us), numbers::formatDouble(static_cast<double>(us) / 1e6)) << us;
}

TEST(Numbers, DecimalLimits) {
    EXPECT_TRUE(numbers::isNumeric("99999999999999999999999999999.999999999"));
    EXPECT_FALSE(numbers::isNumeric("999999999999999999999999999999"));
    EXPECT_FALSE(numbers::isNumeric("0.0000000001"));
    EXPECT_TRUE(numbers::isNumeric("0.1000000000000"));
    EXPECT_TRUE(numbers::isBigNumeric("12345678901234567890123456789012345678.12345678901234567890123456789012345678"));
    EXPECT_FALSE(numbers::isNumeric("1e5"));
    EXPECT_FALSE(numbers::isNumeric("."));
    EXPECT_FALSE(numbers::isNumeric("-"));
}

TEST(Numbers, SecondsTextIsConvertedExactly) {
    EXPECT_EQ(numbers::secondsTextToMicros("1.6409952E9"), 1640995200000000);
    EXPECT_EQ(numbers::secondsTextToMicros("-1.9954383398377106E10"), -19954383398377106);
    EXPECT_EQ(numbers::secondsTextToMicros("1640995200.123456"), 1640995200123456);
    EXPECT_EQ(numbers::secondsTextToMicros("0.0000005"), 1);  // rounds half away from zero
    EXPECT_EQ(numbers::secondsTextToMicros("-0.0000005"), -1);
    EXPECT_EQ(numbers::secondsTextToMicros("0.0000004"), 0);
    EXPECT_EQ(numbers::secondsTextToMicros("2.534023007999999E11"), 253402300799999900);
    EXPECT_FALSE(numbers::secondsTextToMicros("1e30"));
    EXPECT_FALSE(numbers::secondsTextToMicros("abc"));
    EXPECT_FALSE(numbers::secondsTextToMicros("1.0E"));
}

TEST(Text, Base64RoundTrips) {
    for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", std::string("\0\1\2\xff", 4)})
        EXPECT_EQ(text::base64Decode(text::base64Encode(s)), s);
    EXPECT_EQ(text::base64Encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(text::base64Decode("-_8"), std::string("\xfb\xff", 2));
    EXPECT_FALSE(text::base64Decode("a"));
    EXPECT_FALSE(text::base64Decode("ab$d"));
}

TEST(Text, Utf8Validation) {
    EXPECT_TRUE(text::isValidUtf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
    EXPECT_FALSE(text::isValidUtf8("\xc0\xaf"));         // overlong
    EXPECT_FALSE(text::isValidUtf8("\xed\xa0\x80"));     // surrogate
    EXPECT_FALSE(text::isValidUtf8("\xf4\x90\x80\x80")); // > U+10FFFF
    EXPECT_FALSE(text::isValidUtf8("\xe2\x82"));         // truncated
}

TEST(Text, FormatBytesUsesBinaryUnits) {
    EXPECT_EQ(text::formatBytes(0), "0 B");
    EXPECT_EQ(text::formatBytes(1023), "1023 B");
    EXPECT_EQ(text::formatBytes(1024), "1.0 KB");
    EXPECT_EQ(text::formatBytes(1536), "1.5 KB");
    EXPECT_EQ(text::formatBytes(10ull << 20), "10.0 MB");
    EXPECT_EQ(text::formatBytes(1ull << 40), "1.0 TB");
    EXPECT_EQ(text::formatBytes(~0ull), "16384.0 PB");
}
