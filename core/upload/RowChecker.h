// SPDX-License-Identifier: MIT
#pragma once

#include "upload/RecordReader.h"
#include "value/JsonRowReader.h"

#include <memory>
#include <string>

namespace simdjson::dom {
class parser;
class element;
} // namespace simdjson::dom

namespace quarry::upload {

/// Where a record went wrong, for the rejects file and messages: `line:column: message`.
struct Rejection {
    std::uint64_t line = 0, column = 0;
    std::string message;
};

/// Parses records (simdjson) and checks them against a table schema with the same rules the
/// server applies (JsonRowReader), so bad rows are rejected locally with their position.
/// Invalid JSON is located (line and column inside the file) by a second, slower parser that
/// runs only on the error path. One RowChecker per thread.
class RowChecker {
public:
    RowChecker(const Schema& schema, bool ignoreUnknownValues);
    ~RowChecker();

    /// True if the record is a valid row; otherwise fills `why`.
    bool check(const Record& r, Rejection& why);
    /// check(), and the row fits in one request (at most `maxText` bytes of JSON).
    bool accept(const Record& r, std::size_t maxText, Rejection& why);

    /// Parses a record's JSON text; on success `doc` is valid until the next call. On failure
    /// fills `why` with the position of the error. Numbers too large for 64 bits are read as
    /// doubles (the text is re-encoded for that record only).
    bool parse(const Record& r, simdjson::dom::element& doc, Rejection& why);

private:
    std::unique_ptr<simdjson::dom::parser> parser_;
    JsonRowReader reader_;
    std::string padded_;
    std::vector<RowIssue> issues_;
};

/// Locates a JSON syntax error in `text` (which starts at line:column of its file).
Rejection locateJsonError(std::string_view text, std::uint64_t line, std::uint64_t column);

/// "a: x; b: y" from a list of row issues.
std::string describeIssues(const std::vector<RowIssue>& issues);

} // namespace quarry::upload
