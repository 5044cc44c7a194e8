// SPDX-License-Identifier: MIT
#pragma once
// The rows a PENDING or BUFFERED write stream holds before they reach the table, on disk: an
// append is acknowledged only once its rows are synced here, as BigQuery keeps a pending
// stream's rows until its commit, so a restart loses none of them.

#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace quarry::sandbox {
class RowLog;
}

namespace quarry::storageapi {

/// One stream's held rows: `<stream id>.rows`, a RowLog of one record per append, each a row
/// group (Segment.h) of that append's rows with the schema that laid them out. It holds every
/// row the stream took since it was made; for a BUFFERED stream the first `flushed` are in the
/// table already.
class HeldRowsFile {
public:
    explicit HeldRowsFile(std::filesystem::path file);
    ~HeldRowsFile();
    HeldRowsFile(const HeldRowsFile&) = delete;
    HeldRowsFile& operator=(const HeldRowsFile&) = delete;

    /// Appends one request's rows, laid out as `schema`, durably (fdatasync). Throws
    /// sandbox::StorageError.
    void append(const std::vector<Value>& rows, const Schema& schema);

    struct Loaded {
        std::vector<Value> rows; ///< rows [skip, count) of the stream, laid out as `schema`
        Schema schema;
        std::string lost; ///< why they cannot be had (empty when they can)
    };
    /// Reads the rows a stream whose state file says it took `count` rows holds from row
    /// `skip` on. Rows past `count` (an append whose state was never saved, so never
    /// answered) are cut off the file. A file missing rows, or damaged, says so in `lost`.
    Loaded load(std::int64_t count, std::int64_t skip);

    /// The file's size, and cutting it back to a size it had (an append whose stream state
    /// could not be saved, so never answered).
    std::uint64_t size();
    void cutTo(std::uint64_t size);

    /// Removes the file (the rows reached the table).
    void remove();

private:
    std::filesystem::path file_;
    std::unique_ptr<sandbox::RowLog> log_;
    sandbox::RowLog& log();
};

} // namespace quarry::storageapi
