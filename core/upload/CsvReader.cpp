// SPDX-License-Identifier: MIT
#include "upload/CsvReader.h"

#include "upload/RecordReader.h"
#include "value/Text.h"

#include <cerrno>
#include <cstring>
#include <zlib.h>

namespace quarry::upload {

/// The file through zlib's gz reader: plain files pass through, gzip (any number of
/// members) is inflated.
struct CsvReader::Source {
    gzFile f = nullptr;
    explicit Source(const std::string& path) {
        f = gzopen(path.c_str(), "rb");
        if (!f) throw InputError("cannot open " + path + ": " + std::strerror(errno));
        gzbuffer(f, 1u << 20);
    }
    ~Source() {
        if (f) gzclose(f);
    }
    std::size_t read(char* into, std::size_t n) {
        const int got = gzread(f, into, static_cast<unsigned>(n));
        if (got < 0) {
            int code = 0;
            const char* why = gzerror(f, &code);
            throw InputError(std::string("the file could not be read: ") + (why ? why : "read failed"));
        }
        return static_cast<std::size_t>(got);
    }
};

CsvReader::CsvReader(const std::string& path, CsvOptions options) : o_(options), src_(std::make_unique<Source>(path)) {}
CsvReader::~CsvReader() = default;

bool CsvReader::fill() {
    if (pos_ > 0) {
        consumed_ += pos_;
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    const std::size_t before = buf_.size();
    buf_.resize(before + (1u << 20));
    const std::size_t got = src_->read(buf_.data() + before, 1u << 20);
    buf_.resize(before + got);
    return got > 0;
}

bool CsvReader::peek(char& c) {
    if (pos_ == buf_.size() && !fill()) return false;
    c = buf_[pos_];
    return true;
}

void CsvReader::skipLine() {
    char c;
    while (peek(c)) {
        ++pos_;
        if (c == '\n') {
            ++line_;
            return;
        }
    }
}

void CsvReader::fail(CsvRecord& out, std::string why) {
    out.error = std::move(why);
    out.fields.clear();
    out.quoted.clear();
}

namespace {
std::string latin1ToUtf8(const std::string& s) {
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (const unsigned char c : s) {
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}
} // namespace

void CsvReader::finishField(CsvRecord& out, std::string& field, bool quoted) {
    if (o_.latin1) field = latin1ToUtf8(field);
    out.fields.push_back(std::move(field));
    out.quoted.push_back(quoted);
    field.clear();
}

bool CsvReader::next(CsvRecord& out) {
    out = CsvRecord();
    if (!started_) {
        started_ = true;
        char c;
        if (peek(c) && buf_.size() - pos_ < 3) fill();
        if (buf_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) pos_ += 3;
    }
    // Blank lines are not rows.
    for (char c; peek(c) && (c == '\n' || c == '\r');) {
        ++pos_;
        if (c == '\n') ++line_;
    }
    char c;
    if (!peek(c)) return false;
    out.line = line_;
    out.byteOffset = consumed_ + pos_;
    std::string field;
    bool inQuotes = false, quotedField = false, afterQuote = false;
    std::size_t bytes = 0;
    const auto tooLong = [&] {
        fail(out, "Row starting at line " + std::to_string(out.line) + " is larger than the maximum allowed size of " +
                      std::to_string(o_.maxRecordBytes >> 20) + " MB.");
        skipLine();
        return true;
    };
    while (true) {
        if (!peek(c)) { // end of the file ends the row
            if (inQuotes) {
                fail(out, "Error detected while parsing row starting at position: " + std::to_string(out.byteOffset) +
                              ". Error: Missing close double quote (\") character (the quote opened on line " +
                              std::to_string(out.line) + " is never closed).");
                return true;
            }
            finishField(out, field, quotedField);
            break;
        }
        ++pos_;
        if (++bytes > o_.maxRecordBytes) return tooLong();
        if (inQuotes) {
            if (o_.quote && c == *o_.quote) {
                char n;
                if (peek(n) && n == *o_.quote) {
                    ++pos_;
                    field.push_back(c);
                } else {
                    inQuotes = false;
                    afterQuote = true;
                }
            } else {
                if (c == '\n') {
                    if (!o_.allowQuotedNewlines) {
                        fail(out, "Error detected while parsing row starting at position: " + std::to_string(out.byteOffset) +
                                      ". Error: Missing close double quote (\") character. A quoted field runs past the end "
                                      "of line " + std::to_string(line_) +
                                      "; if fields hold line breaks, set allowQuotedNewlines (bq load --allow_quoted_newlines).");
                        ++line_;
                        return true;
                    }
                    ++line_;
                }
                field.push_back(c);
            }
            continue;
        }
        if (c == o_.delimiter) {
            finishField(out, field, quotedField);
            quotedField = afterQuote = false;
            continue;
        }
        if (c == '\n' || c == '\r') {
            if (c == '\r') {
                char n;
                if (peek(n) && n == '\n') ++pos_;
            }
            ++line_;
            finishField(out, field, quotedField);
            break;
        }
        if (afterQuote) {
            fail(out, "Error detected while parsing row starting at position: " + std::to_string(out.byteOffset) +
                          ". Error: Data between close double quote (\") and field separator (line " + std::to_string(line_) +
                          ", field " + std::to_string(out.fields.size() + 1) + ").");
            skipLine();
            return true;
        }
        if (o_.quote && c == *o_.quote && field.empty() && !quotedField) {
            inQuotes = quotedField = true;
            continue;
        }
        field.push_back(c);
    }
    if (!o_.latin1)
        for (std::size_t i = 0; i < out.fields.size(); ++i)
            if (!text::isValidUtf8(out.fields[i])) {
                const auto line = out.line;
                fail(out, "Error while reading data: line " + std::to_string(line) + ", field " + std::to_string(i + 1) +
                              " is not valid UTF-8. If the file is Latin-1, load it with encoding ISO-8859-1 "
                              "(bq load --encoding=ISO-8859-1).");
                return true;
            }
    return true;
}

} // namespace quarry::upload
