// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"
#include "upload/RecordReader.h"
#include "value/Schema.h"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace quarry::upload {

/// A load job that failed, could not start, or a file that was loaded before.
class LoadError : public std::runtime_error {
public:
    explicit LoadError(const std::string& what, std::vector<std::string> details = {}, bool loadedBefore = false)
        : std::runtime_error(what), details_(std::move(details)), loadedBefore_(loadedBefore) {}
    /// The job's errors[] (bad rows with their lines), beyond the summary in what().
    const std::vector<std::string>& details() const { return details_; }
    /// The file was loaded into the table before (LoadOptions::again loads it once more).
    bool loadedBefore() const { return loadedBefore_; }

private:
    std::vector<std::string> details_;
    bool loadedBefore_;
};

struct LoadOptions {
    std::string file;
    TableRef table;
    /// "CSV" or "NEWLINE_DELIMITED_JSON"; empty: from the file name (.csv, .tsv; else JSON).
    std::string sourceFormat;
    /// For JSON: NDJSON goes up as it is (gzip too); one JSON array is turned into NDJSON on
    /// the way (Auto decides from the first byte).
    InputFormat jsonLayout = InputFormat::Auto;
    std::optional<Schema> schema;
    bool autodetect = false;
    std::string writeDisposition;  ///< WRITE_APPEND (default), WRITE_TRUNCATE, WRITE_EMPTY
    std::string createDisposition; ///< CREATE_IF_NEEDED (default), CREATE_NEVER
    std::vector<std::string> schemaUpdateOptions;
    Json csv = Json::object();     ///< skipLeadingRows, fieldDelimiter, quote, encoding, nullMarker, allowJaggedRows, allowQuotedNewlines
    std::optional<std::int64_t> maxBadRecords;
    bool ignoreUnknown = false;
    Json timePartitioning, clustering; ///< for a table the load creates
    std::size_t chunkBytes = 8u << 20; ///< a multiple of 256 KiB
    std::string journalDir;            ///< empty: Journal::defaultDir()
    bool again = false;   ///< load a file that was loaded into this table before, once more
    bool restart = false; ///< drop an unfinished upload of this file and start over
};

struct LoadProgress {
    const char* phase = "uploading"; ///< "uploading", "loading" (the job runs)
    std::uint64_t bytesSent = 0;
    std::optional<std::uint64_t> totalBytes;
    double seconds = 0;
};

struct LoadSummary {
    Json job;                    ///< the finished job resource
    std::uint64_t bytesSent = 0; ///< by this run
    std::uint64_t resumedAt = 0; ///< bytes an earlier run had sent (0: a fresh upload)
    double seconds = 0;
};

/// Loads a local file into a table with a load job (free, unlike streaming), through the
/// resumable upload protocol. The session URI is kept in a journal beside the streaming
/// uploads' (one small JSON file per file, table and job configuration), so a run killed or
/// cut off mid-upload is continued by running the same command again: the server has every
/// byte acknowledged so far, and the job is made once, when the last byte is in. A file
/// loaded into a table before is refused unless `again`. Bad rows are reported with the line
/// of the file they are on. Memory: one chunk.
class Loader {
public:
    Loader(BigQueryClient& client, LoadOptions options);

    /// Throws LoadError, ApiError, TransportError or InputError; JournalError when the
    /// journal cannot be written.
    LoadSummary run(const CancelToken* cancel = nullptr);

    std::function<void(const LoadProgress&)> onProgress;
    std::function<void(const std::string&)> onNote;

    /// The load job's configuration.load for these options (what the session is started with).
    Json configuration() const;

private:
    BigQueryClient& client_;
    LoadOptions o_;
};

} // namespace quarry::upload
