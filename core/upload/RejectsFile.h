// SPDX-License-Identifier: MIT
#pragma once

#include "upload/Journal.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace quarry::upload {

/// One row that was not uploaded, with where it is and why.
struct Reject {
    std::uint64_t ordinal = 0, line = 0, column = 0;
    std::string error;
    std::string text; ///< the record as it was in the file (may be empty for unreadable ones)
};

/// The rejects file: NDJSON, one object per rejected row:
///   {"line":12,"column":1,"error":"...","text":"<the original record>"}
/// ("text_base64" instead of "text" when the record is not valid UTF-8). Created on the first
/// reject. Writes are flushed and synced before the journal acknowledges their batch, and on
/// resume entries outside the journal's finished ranges are dropped, so the file never lists a
/// row twice.
class RejectsFile {
public:
    explicit RejectsFile(std::string path) : path_(std::move(path)) {}
    ~RejectsFile();
    RejectsFile(const RejectsFile&) = delete;
    RejectsFile& operator=(const RejectsFile&) = delete;

    const std::string& path() const { return path_; }
    /// True once anything was written (in this run or kept from an earlier one).
    bool used() const { return fd_ >= 0; }

    /// Keeps only entries whose ordinal lies in `finished` (resume). Throws JournalError.
    void keepOnly(const std::vector<OrdinalRange>& finished);
    /// Removes a rejects file left by an earlier upload (a fresh start).
    void discardOld();
    /// Appends and syncs. Thread-safe. Throws JournalError.
    void write(const std::vector<Reject>& rows);

private:
    void open(bool append);

    std::string path_;
    int fd_ = -1;
    std::mutex mutex_;
};

} // namespace quarry::upload
