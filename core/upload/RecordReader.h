// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace quarry::upload {

enum class InputFormat { Auto, Ndjson, JsonArray };

/// One record of an input file: a JSON text to be checked, or a framing error (a line too long,
/// a truncated array element, text after the closing ']', a corrupt gzip stream).
struct Record {
    std::uint64_t ordinal = 0; ///< 0-based position among all records, rejected ones included
    std::uint64_t line = 1;    ///< 1-based line where the record starts
    std::uint64_t column = 1;  ///< 1-based byte column where it starts
    std::string_view text;     ///< the record's JSON text (valid until the next call to next())
    std::string error;         ///< non-empty: the record cannot be read, and why
    /// At least kReadablePadding bytes after `text` may be read (they are the next records),
    /// so a parser that reads ahead can run on the text in place.
    bool readableAfter = false;
    static constexpr std::size_t kReadablePadding = 64;
};

/// The file cannot be opened or read at all.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Streams records out of a local file in constant memory, whatever its size: NDJSON (one
/// object per line; blank lines skipped, CRLF accepted) or one top-level JSON array, detected
/// from the first byte or chosen. gzip input (any number of members) is detected by its magic
/// bytes (zero bytes padding the end, which gzip accepts, are skipped); a UTF-8 byte order mark
/// is skipped, UTF-16 and UTF-32 text and pretty-printed JSON objects are refused with what to
/// do. A record larger than `maxRecordBytes` becomes an
/// error record and the reader moves on to the next one.
class RecordReader {
public:
    struct Options {
        InputFormat format = InputFormat::Auto;
        std::size_t maxRecordBytes = 64u << 20;
        std::size_t chunkBytes = 1u << 20;
        bool hashContent = false; ///< keep a fingerprint of the file's bytes (see contentHash())
        bool identifyContent = false; ///< and their SHA-256 (see contentIdentity())
    };

    /// Throws InputError if the file cannot be opened. "-" reads standard input.
    RecordReader(const std::string& path, Options options);
    ~RecordReader();
    RecordReader(const RecordReader&) = delete;
    RecordReader& operator=(const RecordReader&) = delete;

    /// The next record, or false at the end of the input. Throws InputError on a read error.
    bool next(Record& out);

    /// The format in use (decided on the first call to next() when Auto).
    InputFormat format() const { return format_; }
    bool compressed() const;
    /// Bytes of the file consumed so far (compressed bytes for gzip), and the file's size.
    std::uint64_t fileBytesRead() const;
    std::uint64_t fileSize() const;
    /// With Options::hashContent: the crypto::Fingerprint (XXH3-128, hex) of the file's bytes read
    /// so far (as stored, so of the compressed bytes for gzip); the whole file's once next() has
    /// returned false. The same digits as FileIdentity::fingerprint for the same bytes.
    std::string contentHash() const;
    /// With Options::identifyContent: the identity (FileIdentity::id, from SHA-256) of the
    /// file's bytes read so far, as contentHash() is their fingerprint.
    std::string contentIdentity() const;
    /// Bytes of JSON text consumed so far (after decompression).
    std::uint64_t textBytesRead() const { return consumedBase_ + pos_; }

private:
    struct Source;

    bool fill();                   ///< appends input to buf_; false at end of input
    void compact();                ///< drops consumed bytes before keep_
    bool nextLine(Record& out);
    bool nextElement(Record& out);
    void advanceTo(std::size_t pos); ///< moves pos_ forward, counting lines and columns
    void detectFormat();
    void skipSpace(); ///< past whitespace, refilling as needed

    Options o_;
    std::unique_ptr<Source> src_;
    InputFormat format_;
    std::string buf_;
    std::size_t pos_ = 0;              ///< next unread byte in buf_
    std::uint64_t consumedBase_ = 0;   ///< text bytes dropped from the front of buf_
    std::uint64_t line_ = 1, col_ = 1; ///< position of buf_[pos_]
    std::uint64_t ordinal_ = 0;
    bool eof_ = false;
    bool started_ = false;
    bool arrayOpen_ = false, arrayClosed_ = false, arrayDone_ = false, afterComma_ = false;
    std::string sourceError_;
};

} // namespace quarry::upload
