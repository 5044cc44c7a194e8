// SPDX-License-Identifier: MIT
#pragma once

#include "platform/File.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace quarry {
class BigQueryClient;
class CancelToken;
} // namespace quarry

namespace quarry::upload {

class JournalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// What one read of a file tells of its content. `id`: the first 32 hex digits of SHA-256 over
/// all its bytes (about 1.5 GB/s here), the journal's key and the insertIds' seed, which no one
/// can make another file share. `fingerprint`: XXH3-128 (crypto::Fingerprint, over 10 GB/s) of
/// the same bytes, which the later reads of an upload (RecordReader::contentHash) compare to
/// tell that the file did not change meanwhile, without paying for SHA-256 again.
struct FileIdentity {
    std::string id, fingerprint;
};
FileIdentity identifyFile(const std::string& path);
inline std::string fileIdentity(const std::string& path) { return identifyFile(path).id; }

/// Which server a journal entry is about, for its file name: the same table name on another
/// server (Google, another sandbox) is another upload. A sandbox names its data folder
/// (X-Quarry-Data-Id), so the app's sandbox, which gets a new port at each start, is still the
/// same server; anything else is its URL.
std::string serverKey(BigQueryClient& client, const std::string& project, const CancelToken* cancel);

/// Ranges of record ordinals [first, end) that are finished: their rows acknowledged by the
/// server and their rejects written.
struct OrdinalRange {
    std::uint64_t first = 0, end = 0;
};

/// The upload's checkpoint: a small append-only text file. The header line names the file,
/// table and generation; `send FIRST END` before a batch goes out; each acknowledged batch adds
/// `ack FIRST END INSERTED REJECTED`, written and synced before the batch counts as done;
/// `done` closes a finished upload. A torn last
/// line (a crash mid-write) is ignored on reading.
class Journal {
public:
    struct Header {
        std::string fileId, file, table;
        int generation = 0;
    };

    /// Reads an existing journal; throws JournalError if it is not one.
    static Journal load(const std::string& path);
    /// Creates (replaces) a journal with this header, synced.
    static Journal create(const std::string& path, const Header& h);
    /// A journal kept in memory only, for an input that cannot be resumed (a pipe).
    static Journal inMemory(const Header& h);

    Journal(Journal&&) noexcept;
    ~Journal();

    const Header& header() const { return header_; }
    const std::string& path() const { return path_; }
    bool done() const { return done_; }
    /// Finished ranges, sorted and merged.
    std::vector<OrdinalRange> finished() const;
    std::uint64_t insertedRows() const { return inserted_; }
    std::uint64_t rejectedRows() const { return rejected_; }

    /// Appends and syncs one finished batch. Thread-safe. Throws JournalError.
    void ack(OrdinalRange r, std::uint64_t inserted, std::uint64_t rejected);
    /// Notes (not synced: it is for a killed CLI, whose writes the OS keeps) that a batch is
    /// about to be sent. Thread-safe.
    void sending(OrdinalRange r);
    /// Ranges sent but never acknowledged: rows that may or may not be in the table, sorted.
    std::vector<OrdinalRange> inFlight() const;

    /// Storage Write API uploads: the COMMITTED stream the rows go to (`stream NAME`, synced),
    /// empty for an insertAll upload.
    const std::string& stream() const { return stream_; }
    void setStream(const std::string& name);
    /// Where a batch goes in the stream: `wsend FIRST END OFFSET COUNT`, synced before the
    /// append is sent, so a run that stopped knows the offset of every append it may have
    /// made: sent again at the same offset, one already written is refused (ALREADY_EXISTS)
    /// and counted, never written twice. Thread-safe.
    struct StreamSpan {
        std::int64_t offset = 0, count = 0;
    };
    void sendingAt(OrdinalRange r, StreamSpan span);
    /// The span recorded for a batch of exactly this range, if any.
    std::optional<StreamSpan> spanOf(OrdinalRange r) const;
    /// Where the next new batch starts in the stream: after every span recorded.
    std::int64_t nextOffset() const;
    /// When the journal was last written (its file's modification time).
    std::chrono::system_clock::time_point lastWritten() const;
    void markDone();

    /// Where journals live: $XDG_STATE_HOME/quarry/uploads (~/.local/state/quarry/uploads).
    static std::string defaultDir();
    /// Whether folder `dir` holds a journal whose name ends with `tail` (any file's upload
    /// into one table of one server); false when the folder does not exist.
    static bool anyEndingWith(const std::string& dir, const std::string& tail);

private:
    Journal() = default;
    void append(const std::string& line);

    std::string path_;
    platform::File file_; ///< not open: the journal is in memory only
    Header header_;
    std::vector<OrdinalRange> ranges_;
    std::vector<OrdinalRange> sent_;
    std::string stream_;
    std::map<std::pair<std::uint64_t, std::uint64_t>, StreamSpan> spans_;
    std::uint64_t inserted_ = 0, rejected_ = 0;
    bool done_ = false;
    std::uint64_t written_ = 0, synced_ = 0; ///< ack lines written, and known to be on disk
    mutable std::mutex mutex_;
    std::mutex syncMutex_;
};

} // namespace quarry::upload
