// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quarry::upload {

/// How a CSV file is framed, as BigQuery's load job configuration says it.
struct CsvOptions {
    char delimiter = ',';
    std::optional<char> quote = '"'; ///< none: quote characters are ordinary text
    bool allowQuotedNewlines = false;
    bool latin1 = false; ///< ISO-8859-1 text, converted to UTF-8 (else the text must be UTF-8)
    std::size_t maxRecordBytes = 100u << 20; ///< BigQuery's largest CSV row
};

/// One row of a CSV file, or why it could not be read.
struct CsvRecord {
    std::uint64_t line = 1;       ///< 1-based line where the row starts
    std::uint64_t byteOffset = 0; ///< where it starts in the (decompressed) text
    std::vector<std::string> fields;
    std::vector<bool> quoted; ///< per field: it was written in quotes ("" is then an empty string, not NULL)
    std::string error;        ///< non-empty: the row cannot be read, and why (the reader goes on at the next line)
};

/// Streams rows out of a CSV file in constant memory (beyond one row): gzip detected by its
/// magic bytes, a UTF-8 byte order mark skipped, CRLF and LF line ends, quotes doubled inside
/// quoted fields, blank lines skipped. A row with a quoted line break (unless allowed), text
/// after a closing quote, an unclosed quote, invalid UTF-8 or more than maxRecordBytes becomes
/// an error record naming the problem; reading goes on at the next line.
class CsvReader {
public:
    /// Throws InputError (RecordReader.h) if the file cannot be opened.
    CsvReader(const std::string& path, CsvOptions options);
    ~CsvReader();
    CsvReader(const CsvReader&) = delete;
    CsvReader& operator=(const CsvReader&) = delete;

    /// The next row, or false at the end. Throws InputError on a read error (a corrupt gzip stream).
    bool next(CsvRecord& out);

private:
    bool fill();        ///< more text into buf_; false at the end
    bool peek(char& c); ///< the next byte without taking it; false at the end
    void skipLine();    ///< past the next line break (after an error)
    void fail(CsvRecord& out, std::string why);
    void finishField(CsvRecord& out, std::string& field, bool quoted);

    struct Source;
    CsvOptions o_;
    std::unique_ptr<Source> src_;
    std::string buf_;
    std::size_t pos_ = 0;
    std::uint64_t consumed_ = 0; ///< bytes of text dropped from the front of buf_
    std::uint64_t line_ = 1;
    bool started_ = false;
};

} // namespace quarry::upload
