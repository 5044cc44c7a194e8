// SPDX-License-Identifier: MIT
#include "upload/RecordReader.h"

#include "crypto/Digest.h"
#include "crypto/Fingerprint.h"

#include "platform/File.h"

#include <optional>
#include <cstring>
#include <zlib.h>

namespace quarry::upload {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string mb(std::size_t n) { return std::to_string(n >> 20) + " MB"; }

} // namespace

/// The raw file, or the text inside its gzip members.
struct RecordReader::Source {
    platform::File file;
    std::uint64_t size = 0, read = 0;
    bool gzip = false, zDone = false, zOpen = false, betweenMembers = false;
    std::optional<crypto::Fingerprint> print; ///< Options::hashContent
    std::optional<crypto::Sha256> sha;        ///< Options::identifyContent
    z_stream z{};
    std::string in; ///< compressed input not yet inflated
    std::string error;

    Source(const std::string& path, bool hashContent, bool identifyContent) {
        if (hashContent) print.emplace();
        if (identifyContent) sha.emplace();
        file = path == "-" ? platform::File::standardInput() : platform::File::open(path, platform::File::Mode::Read);
        if (!file.isOpen()) throw InputError("cannot open " + path + ": " + platform::lastErrorText());
        if (const auto st = platform::fileInfo(file)) {
            if (st->kind == platform::FileInfo::Kind::Folder) throw InputError(path + " is a folder, not a file");
            size = st->size;
        }
        in.resize(2);
        const std::size_t got = rawRead(in.data(), 2);
        in.resize(got);
        gzip = got == 2 && static_cast<unsigned char>(in[0]) == 0x1f && static_cast<unsigned char>(in[1]) == 0x8b;
        if (gzip) {
            if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw InputError("cannot start the gzip decoder");
            zOpen = true;
        }
    }
    ~Source() {
        if (zOpen) inflateEnd(&z);
    }

    std::size_t rawRead(char* dst, std::size_t n) {
        const auto r = file.read(dst, n);
        if (r < 0) throw InputError(std::string("cannot read the file: ") + platform::lastErrorText());
        read += static_cast<std::uint64_t>(r);
        if (print) print->update({dst, static_cast<std::size_t>(r)});
        if (sha) sha->update({dst, static_cast<std::size_t>(r)});
        return static_cast<std::size_t>(r);
    }

    /// Up to n bytes of text; 0 at the end (or after a gzip error, which is left in `error`).
    std::size_t get(char* dst, std::size_t n) {
        if (!gzip) {
            if (!in.empty()) { // the two bytes read to look for the gzip magic
                const std::size_t k = std::min(n, in.size());
                std::memcpy(dst, in.data(), k);
                in.erase(0, k);
                return k;
            }
            return rawRead(dst, n);
        }
        if (zDone) return 0;
        z.next_out = reinterpret_cast<Bytef*>(dst);
        z.avail_out = static_cast<uInt>(n);
        while (z.avail_out == n) {
            if (betweenMembers) {
                // gzip ignores zero bytes padding the end of a file (tape blocks, some writers).
                in.erase(0, std::min(in.size(), in.find_first_not_of('\0')));
                if (!in.empty()) betweenMembers = false;
            }
            if (in.empty()) {
                in.resize(256 * 1024);
                in.resize(rawRead(in.data(), in.size()));
                if (!in.empty()) continue;
                zDone = true;
                // Ended between members is fine; inside one it is a truncated file.
                if (z.total_in != 0 || z.total_out != 0) error = "the gzip stream ends early (truncated file?)";
                break;
            }
            z.next_in = reinterpret_cast<Bytef*>(in.data());
            z.avail_in = static_cast<uInt>(in.size());
            const int rc = inflate(&z, Z_NO_FLUSH);
            in.erase(0, in.size() - z.avail_in);
            if (rc == Z_STREAM_END) {
                inflateReset(&z); // another member may follow
                z.total_in = z.total_out = 0;
                betweenMembers = true;
                continue;
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR) {
                zDone = true;
                error = std::string("the gzip data is corrupt (") + (z.msg ? z.msg : "inflate failed") + ")";
                break;
            }
        }
        return n - z.avail_out;
    }
};

RecordReader::RecordReader(const std::string& path, Options options)
    : o_(options), src_(std::make_unique<Source>(path, options.hashContent, options.identifyContent)), format_(options.format) {}

RecordReader::~RecordReader() = default;

bool RecordReader::compressed() const { return src_->gzip; }
std::uint64_t RecordReader::fileBytesRead() const { return src_->read; }
std::uint64_t RecordReader::fileSize() const { return src_->size; }
std::string RecordReader::contentHash() const { return src_->print ? src_->print->hex() : std::string(); }
std::string RecordReader::contentIdentity() const { return src_->sha ? crypto::identityDigits(src_->sha->hex()) : std::string(); }

void RecordReader::compact() {
    if (pos_ == 0) return;
    buf_.erase(0, pos_);
    consumedBase_ += pos_;
    pos_ = 0;
}

bool RecordReader::fill() {
    if (eof_) return false;
    if (pos_ > buf_.size() / 2) compact();
    const std::size_t old = buf_.size();
    buf_.resize(old + o_.chunkBytes);
    const std::size_t got = src_->get(buf_.data() + old, o_.chunkBytes);
    buf_.resize(old + got);
    if (got == 0) {
        eof_ = true;
        sourceError_ = src_->error;
        return false;
    }
    return true;
}

void RecordReader::advanceTo(std::size_t end) {
    for (std::size_t i = pos_; i < end; ++i) {
        if (buf_[i] == '\n') {
            ++line_;
            col_ = 1;
        } else {
            ++col_;
        }
    }
    pos_ = end;
}

void RecordReader::skipSpace() {
    for (;;) {
        while (pos_ < buf_.size() && isSpace(buf_[pos_])) advanceTo(pos_ + 1);
        if (pos_ < buf_.size() || !fill()) return;
    }
}

void RecordReader::detectFormat() {
    started_ = true;
    while (buf_.size() - pos_ < 3 && fill()) {
    }
    while (buf_.size() - pos_ < 4 && fill()) {
    }
    if (buf_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) pos_ += 3; // BOM: not a column
    const std::string_view head(buf_.data() + pos_, std::min<std::size_t>(4, buf_.size() - pos_));
    const auto wide = [&]() -> const char* {
        if (head.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4) || head.substr(0, 4) == std::string_view("\xFF\xFE\0\0", 4))
            return "UTF-32";
        if (head.substr(0, 2) == "\xFE\xFF" || head.substr(0, 2) == "\xFF\xFE") return "UTF-16";
        // No byte order mark: '{' or '[' with a zero byte beside it.
        if (head.size() >= 2 && ((head[0] == 0 && (head[1] == '{' || head[1] == '[')) ||
                                 ((head[0] == '{' || head[0] == '[') && head[1] == 0)))
            return "UTF-16";
        return nullptr;
    }();
    if (wide)
        throw InputError(std::string("this file is ") + wide + " text; BigQuery reads JSON as UTF-8. Convert it first, e.g. "
                         "iconv -f " + wide + " -t UTF-8 FILE > FILE.utf8.json");
    if (format_ == InputFormat::Ndjson) return;
    skipSpace();
    const bool bracket = pos_ < buf_.size() && buf_[pos_] == '[';
    if (format_ == InputFormat::Auto) format_ = bracket ? InputFormat::JsonArray : InputFormat::Ndjson;
    if (format_ != InputFormat::JsonArray) return;
    if (bracket) {
        advanceTo(pos_ + 1);
        arrayOpen_ = true;
    } else {
        // An empty file has no records; anything else is reported by nextElement.
        arrayDone_ = pos_ >= buf_.size() && sourceError_.empty();
    }
}

bool RecordReader::next(Record& out) {
    if (!started_) detectFormat();
    out.error.clear();
    out.text = {};
    out.readableAfter = false;
    return format_ == InputFormat::JsonArray ? nextElement(out) : nextLine(out);
}

bool RecordReader::nextLine(Record& out) {
    for (;;) {
        std::size_t scanned = pos_;
        std::size_t nl = std::string::npos;
        bool tooLong = false;
        for (;;) {
            const void* p = std::memchr(buf_.data() + scanned, '\n', buf_.size() - scanned);
            if (p) {
                nl = static_cast<std::size_t>(static_cast<const char*>(p) - buf_.data());
                break;
            }
            if (buf_.size() - pos_ > o_.maxRecordBytes) {
                tooLong = true;
                break;
            }
            const std::size_t rel = buf_.size() - pos_;
            if (!fill()) break;
            scanned = pos_ + rel;
        }
        if (tooLong) {
            out.ordinal = ordinal_++;
            out.line = line_;
            out.column = 1;
            out.error = "the line is longer than " + mb(o_.maxRecordBytes) + "; no row can be that large";
            // Skip the rest of the line without keeping it.
            for (;;) {
                const void* p = std::memchr(buf_.data() + pos_, '\n', buf_.size() - pos_);
                if (p) {
                    pos_ = static_cast<std::size_t>(static_cast<const char*>(p) - buf_.data()) + 1;
                    break;
                }
                pos_ = buf_.size();
                compact();
                if (!fill()) break;
            }
            ++line_;
            col_ = 1;
            return true;
        }
        const bool last = nl == std::string::npos;
        const std::size_t end = last ? buf_.size() : nl;
        if (last && pos_ == end) {
            if (!sourceError_.empty()) {
                out.ordinal = ordinal_++;
                out.line = line_;
                out.column = col_;
                out.error = sourceError_;
                sourceError_.clear();
                return true;
            }
            return false;
        }
        std::size_t b = pos_, e = end;
        while (b < e && isSpace(buf_[b])) ++b;
        while (e > b && isSpace(buf_[e - 1])) --e;
        out.line = line_;
        out.column = col_ + (b - pos_);
        pos_ = last ? end : end + 1;
        ++line_;
        col_ = 1;
        if (b == e) continue; // blank line
        if (ordinal_ == 0 && e - b == 1 && buf_[b] == '{')
            throw InputError("line " + std::to_string(out.line) +
                             " is a lone '{': this looks like pretty-printed JSON (one object spread over several lines). "
                             "Use a JSON array, or one object per line (jq -c . FILE > FILE.ndjson writes that)");
        out.ordinal = ordinal_++;
        out.text = std::string_view(buf_.data() + b, e - b);
        out.readableAfter = buf_.size() - e >= Record::kReadablePadding;
        if (last && !sourceError_.empty()) {
            out.error = sourceError_ + "; the last line is incomplete";
            sourceError_.clear();
        }
        return true;
    }
}

bool RecordReader::nextElement(Record& out) {
    if (arrayDone_) return false;
    auto fail = [&](std::string why) {
        out.ordinal = ordinal_++;
        out.line = line_;
        out.column = col_;
        out.error = std::move(why);
        arrayDone_ = true;
        return true;
    };
    if (!arrayOpen_) {
        while (buf_.size() - pos_ < 1 && fill()) {
        }
        if (pos_ >= buf_.size()) return sourceError_.empty() ? false : fail(sourceError_);
        return fail("a JSON array file must start with '['");
    }
    skipSpace(); // before the element (or before ']')
    if (arrayClosed_) {
        if (pos_ >= buf_.size()) {
            arrayDone_ = true;
            return sourceError_.empty() ? false : fail(sourceError_);
        }
        return fail("unexpected text after the JSON array's closing ']'");
    }
    if (pos_ >= buf_.size())
        return fail(sourceError_.empty() ? "the file ends before the JSON array is closed with ']' (truncated?)"
                                         : sourceError_);
    if (buf_[pos_] == ']') {
        if (afterComma_) {
            afterComma_ = false;
            out.ordinal = ordinal_++;
            out.line = line_;
            out.column = col_;
            out.error = "a ',' just before the closing ']'";
            return true;
        }
        advanceTo(pos_ + 1);
        arrayClosed_ = true;
        return nextElement(out);
    }
    // Scan to the ',' or ']' that ends this element, at depth 0 and outside strings.
    const std::uint64_t startLine = line_, startCol = col_;
    std::size_t i = pos_;
    int depth = 0;
    bool inStr = false, esc = false, tooLong = false;
    std::size_t end = std::string::npos;
    for (;;) {
        for (; i < buf_.size(); ++i) {
            const char c = buf_[i];
            if (inStr) {
                if (esc) esc = false;
                else if (c == '\\') esc = true;
                else if (c == '"') inStr = false;
                continue;
            }
            if (c == '"') inStr = true;
            else if (c == '{' || c == '[') ++depth;
            else if (c == '}' || c == ']') {
                if (depth > 0) {
                    --depth;
                } else if (c == ']') {
                    end = i; // the array's own ']'
                    break;
                }
                // A stray '}' at depth 0 stays in the element, whose parse then fails.
            } else if (c == ',' && depth == 0) {
                end = i;
                break;
            }
        }
        if (end != std::string::npos) break;
        if (i - pos_ > o_.maxRecordBytes) {
            tooLong = true; // keep scanning, but stop keeping the text
            advanceTo(i);
            compact();
            i = 0;
        }
        const std::size_t rel = i - pos_;
        if (!fill()) break;
        i = pos_ + rel;
    }
    out.ordinal = ordinal_++;
    out.line = startLine;
    out.column = startCol;
    if (end == std::string::npos) {
        if (depth == 0 && !inStr && !tooLong && sourceError_.empty()) {
            // A whole element and then the end of the file: keep the element; the missing ']'
            // is reported on the next call.
            end = buf_.size();
        } else {
            out.error = sourceError_.empty() ? "the file ends inside this array element (truncated?)" : sourceError_;
            advanceTo(buf_.size());
            arrayDone_ = true;
            return true;
        }
    }
    if (tooLong) out.error = "the array element is larger than " + mb(o_.maxRecordBytes) + "; no row can be that large";
    std::size_t e = end;
    while (e > pos_ && isSpace(buf_[e - 1])) --e;
    if (!tooLong) {
        if (e == pos_) out.error = "an empty array element (two commas in a row?)";
        else out.text = std::string_view(buf_.data() + pos_, e - pos_);
    }
    // The text stays valid until the next call: only move the position here, never refill.
    advanceTo(end);
    afterComma_ = end < buf_.size() && buf_[end] == ',';
    if (afterComma_) advanceTo(end + 1);
    return true;
}

} // namespace quarry::upload
