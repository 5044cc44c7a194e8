// SPDX-License-Identifier: MIT
#pragma once

#include "storageapi/WriteStreams.h"
#include "value/Schema.h"
#include "value/Value.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace quarry::sandbox {
class Store;
class JobManager;
}

namespace quarry::storageapi {

/// The Storage Read API's sessions over the sandbox's Store (BigQuery's semantics, "Storage
/// Read API" docs):
/// - A session reads one table (not a view) as of one moment: its `snapshotMs` if given (time
///   travel, within the table's window), else when it was made. Later writes are not seen.
/// - Selected fields ("a", "rec.b") cut the rows down, in the table's field order; the row
///   restriction is a GoogleSQL condition on the table's columns, as in a WHERE clause.
/// - The rows are split into at most `maxStreams` streams (0: the sandbox chooses) of
///   consecutive rows; an empty result has no streams. Streams may be split again
///   (SplitReadStream): the two parts are the stream's rows, back to back, and the stream
///   itself still reads them all.
/// - A query job's result reads from its anonymous destination table (no time travel there:
///   it never changes).
/// - A session lives 6 hours, in memory: a sandbox restarted meanwhile no longer knows it.
/// At most `maxSessions` are kept, holding at most `maxBytes` of rows of their own (a query
/// job's rows read whole are the job's, not counted); past either the oldest go first, and
/// their streams answer NOT_FOUND saying so.
class ReadSessions {
public:
    struct Request {
        std::string parent; ///< projects/P
        std::string table;  ///< projects/P/datasets/D/tables/T
        std::vector<std::string> selectedFields;
        std::string rowRestriction;
        std::optional<std::int64_t> snapshotMs;
        int maxStreams = 0;
        int preferredMinStreams = 0;
        bool avro = false; ///< data_format AVRO (else ARROW)
        bool zstd = false; ///< ARROW with its buffers compressed (buffer_compression ZSTD)
    };
    struct Stream {
        std::string name;
        std::size_t begin = 0, end = 0; ///< rows [begin, end) of the session's
    };
    struct Session {
        std::string name, table;
        Schema schema; ///< of the rows, after selected fields
        std::shared_ptr<const std::vector<Value>> rows; ///< a query job's own, when it reads them whole
        std::vector<Stream> streams; ///< as made; splits add more (stream())
        std::int64_t createMs = 0, expireMs = 0, snapshotMs = 0;
        std::uint64_t bytesScanned = 0;
        bool avro = false;
        bool zstd = false;
        std::uint64_t heldBytes = 0; ///< memory of rows it holds alone (estimated)
        std::uint64_t order = 0;     ///< when it was made among the others (the oldest go first)
    };

    /// `jobs` (may be null): query results, read from their anonymous tables
    /// (JobManager::anonymousTable) as BigQuery's clients read a query's destination.
    ReadSessions(sandbox::Store& store, sandbox::JobManager* jobs, std::size_t maxSessions = 64,
                 std::uint64_t maxBytes = 1ull << 30);

    /// Reads the table and makes the session. Throws WriteError: NOT_FOUND for a missing table,
    /// INVALID_ARGUMENT for a view, an unknown field, a bad row restriction or snapshot time.
    std::shared_ptr<const Session> create(const Request& r);
    /// A stream and its session. NOT_FOUND for a name it does not know, FAILED_PRECONDITION for
    /// an expired session.
    std::pair<std::shared_ptr<const Session>, Stream> stream(const std::string& name);
    /// Splits a stream at `fraction` (0 < fraction < 1; 0 means one half) of its rows: the
    /// primary part and the remainder, or nothing when it has fewer than two rows.
    std::optional<std::pair<Stream, Stream>> split(const std::string& name, double fraction);

private:
    /// Under mutex_: forgets the sessions whose time is up.
    void expire(std::int64_t now);
    /// Under mutex_: forgets a session and its streams.
    void drop(std::shared_ptr<Session> s); // by value: it outlives its entry

    sandbox::Store& store_;
    sandbox::JobManager* jobs_;
    std::size_t maxSessions_;
    std::uint64_t maxBytes_;
    std::uint64_t heldBytes_ = 0; ///< over sessions_
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Session>> sessions_; ///< by name
    std::map<std::string, std::pair<std::shared_ptr<Session>, Stream>> streams_; ///< by name
    std::uint64_t next_ = 0;
};

} // namespace quarry::storageapi
