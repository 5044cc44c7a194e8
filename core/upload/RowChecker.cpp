// SPDX-License-Identifier: MIT
#include "upload/RowChecker.h"
#include "value/JsonParse.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace quarry::upload {

Rejection locateJsonError(std::string_view text, std::uint64_t line, std::uint64_t column) {
    Rejection r{line, column, "invalid JSON"};
    try {
        const auto parsed = nlohmann::json::parse(text);
        (void)parsed;
        r.message = "invalid JSON (a number or string the fast parser refused)";
    } catch (const nlohmann::json::parse_error& e) {
        std::string what = e.what();
        // e.byte is 1-based: the last byte the parser read. Point at the start of the token
        // it choked on ("last read: '<token>'") rather than its end.
        std::size_t at = e.byte == 0 ? 0 : std::min<std::size_t>(e.byte - 1, text.size());
        if (const auto lr = what.find("last read: '"); lr != std::string::npos) {
            const auto end = what.find("'", lr + 12);
            const std::size_t token = end == std::string::npos ? 0 : end - (lr + 12);
            if (token > 1 && token - 1 <= at) at -= token - 1;
        } else if (what.find("string literal") != std::string::npos && at > 0 && at < text.size() && text[at] == '"') {
            if (const auto open = text.rfind('"', at - 1); open != std::string_view::npos) at = open;
        }
        for (std::size_t i = 0; i < at; ++i) {
            if (text[i] == '\n') {
                ++r.line;
                r.column = 1;
            } else {
                ++r.column;
            }
        }
        // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
        if (const auto p = what.find(": "); p != std::string::npos && what.compare(0, 1, "[") == 0)
            what = what.substr(p + 2);
        r.message = "invalid JSON: " + what;
    } catch (const nlohmann::json::exception&) {
        r.message = "invalid JSON: a number too large to read";
    }
    return r;
}

std::string describeIssues(const std::vector<RowIssue>& issues) {
    std::string out;
    for (const auto& i : issues) {
        if (!out.empty()) out += "; ";
        out += i.message;
    }
    return out;
}

RowChecker::RowChecker(const Schema& schema, bool ignoreUnknownValues)
    : parser_(std::make_unique<simdjson::dom::parser>()), reader_(schema, ignoreUnknownValues) {}

RowChecker::~RowChecker() = default;

bool RowChecker::parse(const Record& r, simdjson::dom::element& doc, Rejection& why) {
    if (!r.error.empty()) {
        why = {r.line, r.column, r.error};
        return false;
    }
    static_assert(simdjson::SIMDJSON_PADDING <= Record::kReadablePadding);
    simdjson::error_code err;
    if (r.readableAfter) {
        err = parser_->parse(r.text.data(), r.text.size(), false).get(doc); // in place
    } else {
        padded_.assign(r.text);
        padded_.append(simdjson::SIMDJSON_PADDING, '\0');
        err = parser_->parse(padded_.data(), r.text.size(), false).get(doc);
    }
    if (err == simdjson::NUMBER_ERROR) {
        // Integers beyond 64 bits: read them as doubles, as BigQuery's JSON parser does.
        auto j = parseJsonOrDiscard(r.text);
        if (!j.is_discarded()) {
            padded_ = j.dump();
            const std::size_t n = padded_.size();
            padded_.append(simdjson::SIMDJSON_PADDING, '\0');
            err = parser_->parse(padded_.data(), n, false).get(doc);
        }
    }
    if (err == simdjson::DEPTH_ERROR) {
        why = {r.line, r.column,
               "the record nests objects and arrays more than " + std::to_string(parser_->max_depth()) +
                   " levels deep; BigQuery allows 15 levels of nested RECORD"};
        return false;
    }
    if (err) {
        why = locateJsonError(r.text, r.line, r.column);
        return false;
    }
    return true;
}

bool RowChecker::check(const Record& r, Rejection& why) {
    simdjson::dom::element doc;
    if (!parse(r, doc, why)) return false;
    issues_.clear();
    if (reader_.checkDom(doc, issues_)) return true;
    why = {r.line, r.column, describeIssues(issues_)};
    return false;
}

bool RowChecker::accept(const Record& r, std::size_t maxText, Rejection& why) {
    if (!check(r, why)) return false;
    if (r.text.size() <= maxText) return true;
    why = {r.line, r.column,
           "the row is " + std::to_string(r.text.size()) + " bytes, more than a streaming insert can carry (" +
               std::to_string(maxText) +
               " bytes: BigQuery's 10 MB request limit less the request's own framing). Load the file with a load "
               "job instead (bq load), whose rows may be up to 100 MB"};
    return false;
}

} // namespace quarry::upload
