// SPDX-License-Identifier: MIT
#pragma once

#include "upload/Input.h"
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
///   {"line":12,"column":1,"ordinal":11,"error":"...","text":"<the original record>"}
/// A record that is not valid UTF-8 has "text" with U+FFFD in place of the bad bytes and
/// "text_base64" with its exact bytes.
///
/// Nothing the user did not ask for is ever overwritten: the path must not be the input, must
/// be (or become) a regular file, and an existing file there must be a rejects file written by
/// Quarry; all this is checked before anything is sent. Rows are written, synced, to
/// PATH.partial (with no more permissions than the input), which commit() renames to PATH at
/// the end; an interrupted upload keeps PATH.partial for its resume. On resume, entries outside
/// the journal's finished ranges are dropped, so the file never lists a row twice.
class RejectsFile {
public:
    /// Throws JournalError saying what is wrong with the path and what to do.
    RejectsFile(std::string path, const InputKind& input);
    ~RejectsFile();
    RejectsFile(const RejectsFile&) = delete;
    RejectsFile& operator=(const RejectsFile&) = delete;

    const std::string& path() const { return path_; }
    std::string partialPath() const { return path_ + ".partial"; }
    /// True once anything was written (in this run or kept from an earlier one).
    bool used() const { return file_.isOpen() || committed_; }

    /// A fresh upload: drops a partial file left by an earlier, abandoned one.
    void startFresh();
    /// Keeps only entries whose ordinal lies in `finished` (resume). Throws JournalError.
    void keepOnly(const std::vector<OrdinalRange>& finished);
    /// Appends and syncs. Thread-safe. Throws JournalError.
    void write(const std::vector<Reject>& rows);
    /// Puts the rejects in place at path(), atomically. With none, an earlier rejects file at
    /// path() (necessarily Quarry's) is removed so that it cannot be taken for this upload's.
    void commit();

    /// Whether the file at `path` is one Quarry wrote (empty, or NDJSON of rejects).
    static bool isRejectsFile(const std::string& path);

private:
    void open(bool append);

    std::string path_;
    unsigned mode_ = 0600;
    platform::File file_;
    bool committed_ = false;
    std::mutex mutex_;
};

} // namespace quarry::upload
