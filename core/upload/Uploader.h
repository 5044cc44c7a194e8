// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"
#include "upload/RecordReader.h"
#include "upload/SchemaInference.h"

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace quarry {
class CancelToken;
}

namespace quarry::upload {

class BatchSink;
class Journal;
class RejectsFile;
struct SendCounters;

/// The upload cannot start or cannot go on; the message says why and what to do.
class UploadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct UploadOptions {
    std::string file;
    TableRef table;
    InputFormat format = InputFormat::Auto;
    bool create = false;              ///< create the table if it does not exist
    bool autodetect = false;          ///< infer the schema from the whole file
    std::optional<Schema> schema;     ///< the schema to create the table with
    bool skipInvalid = false;         ///< upload the valid rows even if some are invalid
    bool ignoreUnknown = false;       ///< drop fields the table does not have
    std::string rejectsFile;          ///< empty: FILE.rejects.ndjson (stdin.rejects.ndjson for a pipe)
    std::size_t batchRows = 500;      ///< at most 50,000 (BigQuery's cap)
    std::size_t batchBytes = 9u << 20; ///< at most 10 MB (BigQuery's request cap)
    int concurrency = 4;
    bool resume = false;              ///< continue an interrupted upload of this file
    bool resumeIfInterrupted = false; ///< resume when a journal says so, else start (the GUI)
    bool again = false;               ///< upload a file whose upload already finished once more
    /// On resume, batches that were sent but never acknowledged may or may not be in the table.
    /// Within BigQuery's de-duplication window (about a minute) they are re-sent with the same
    /// insertIds; later, Ask stops with an explanation, Resend sends them again (those that
    /// had landed are then there twice), Skip counts them as inserted (those that had not are
    /// then missing).
    enum class InFlight { Ask, Resend, Skip } inFlight = InFlight::Ask;
    std::string journalDir;           ///< empty: Journal::defaultDir()
    /// Sends batches another way than insertAll (the Storage Write API: storageapi::WriteSender),
    /// when set: called once per run with the table's schema; it returns null, saying why in
    /// `whyNot`, when it cannot carry that table's rows or cannot be reached before anything
    /// was sent through it (then insertAll does). Its journal lines say so, and a resumed
    /// upload must be sent the same way.
    struct SinkParts {
        const Schema& schema;
        Journal& journal;
        RejectsFile& rejects;
        SendCounters& counters;
        std::string whyNot = {};
    };
    std::function<std::unique_ptr<BatchSink>(SinkParts&)> makeSink;
    /// Rows per batch when makeSink's sink carries them (50,000 for the Write API); 0:
    /// batchRows. insertAll keeps batchRows when the sink cannot be had.
    std::size_t sinkBatchRows = 0;
    std::size_t maxRecordBytes = 16u << 20;
};

struct UploadProgress {
    const char* phase = "";           ///< "reading schema", "checking rows", "uploading"
    std::uint64_t rowsRead = 0, rowsInserted = 0, rowsRejected = 0, rowsRetried = 0;
    std::uint64_t fileBytesRead = 0, fileBytes = 0;
    double seconds = 0;
};

struct UploadSummary {
    std::uint64_t rowsRead = 0;     ///< records read in this run (rejected ones included)
    std::uint64_t inserted = 0, rejected = 0;
    std::uint64_t retried = 0;      ///< rows sent again (retried requests, stopped rows, splits)
    std::uint64_t requests = 0, bytesSent = 0;
    std::uint64_t earlierInserted = 0, earlierRejected = 0; ///< from the journal, on resume
    double seconds = 0;
    bool cancelled = false, resumed = false, createdTable = false;
    /// The rows went through UploadOptions::makeSink's sink (the Storage Write API), not insertAll.
    bool throughSink = false;
    Schema schema;
    std::vector<std::string> notes;
    std::string rejectsFile; ///< empty when nothing was rejected (FILE.partial when cancelled)
    std::string journalFile;
};

/// Streams a local JSON/NDJSON file (or a pipe: "-", /dev/stdin) into a table with
/// tabledata.insertAll: schema from the table, a schema file or inference over the whole file;
/// rows checked locally first; batches within BigQuery's limits built from the input text as it
/// is; several requests in flight; insertIds derived from the file's whole content, the
/// generation, the record's position and its own bytes (BatchBuilder), so retries and resumes
/// never duplicate and different data is never de-duplicated; stopped rows re-sent, invalid ones
/// rejected, oversized batches split; every row ends up inserted or in the rejects file with its
/// line; a journal makes the upload of a regular file resumable after a crash, a kill or a
/// cancel. A pipe is read once; when it must be read twice (strict check, --autodetect) it is
/// copied to a temporary file first. It cannot be resumed.
class Uploader {
public:
    Uploader(BigQueryClient& client, UploadOptions options);

    /// Called from the calling thread about five times a second, and once at the end.
    std::function<void(const UploadProgress&)> onProgress;
    /// Things the user should know (schema decisions, a resumed upload).
    std::function<void(const std::string&)> onNote;

    /// Runs the upload to its end, or until cancelled (then summary.cancelled is set and the
    /// journal allows --resume). Throws UploadError.
    UploadSummary run(const CancelToken* cancel = nullptr);

    /// The inference pass alone: the schema of the whole file, its conflicts and notes.
    struct Inferred {
        Schema schema;
        std::vector<SchemaConflict> conflicts;
        std::vector<std::string> notes;
        std::uint64_t records = 0, unreadable = 0;
    };
    static Inferred inferSchema(const std::string& file, InputFormat format, const CancelToken* cancel = nullptr,
                                const std::function<void(const UploadProgress&)>& progress = {});

private:
    struct Run;
    BigQueryClient& client_;
    UploadOptions o_;
};

} // namespace quarry::upload
