// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace quarry::sandbox {
class Store;
}

namespace quarry::storageapi {

/// gRPC's status codes, as the Write API answers with them (kept free of gRPC's headers).
enum class Code { Ok = 0, InvalidArgument = 3, NotFound = 5, AlreadyExists = 6, FailedPrecondition = 9, OutOfRange = 11, Unimplemented = 12, Internal = 13 };

/// StorageError.StorageErrorCode (storage.proto).
enum class StorageCode {
    Unspecified = 0, TableNotFound = 1, StreamAlreadyCommitted = 2, StreamNotFound = 3, InvalidStreamType = 4,
    InvalidStreamState = 5, StreamFinalized = 6, SchemaMismatchExtraFields = 7, OffsetAlreadyExists = 8, OffsetOutOfRange = 9
};

/// A Write API refusal: the gRPC status, BigQuery's message, and the StorageError code (with the
/// stream it is about) BigQuery attaches.
struct WriteError {
    WriteError(Code c, std::string m, StorageCode s = StorageCode::Unspecified, std::string e = {})
        : code(c), message(std::move(m)), storage(s), entity(std::move(e)) {}
    Code code = Code::Internal;
    std::string message;
    StorageCode storage = StorageCode::Unspecified;
    std::string entity;
};

/// Rows of one AppendRows request that do not fit the table (RowError: index, message). A
/// MakeRows throws it; nothing of the request is written.
struct RowErrors {
    std::vector<std::pair<std::int64_t, std::string>> rows;
};

/// The Storage Write API's streams over the sandbox's Store (BigQuery's semantics, "Storage
/// Write API" docs):
/// - COMMITTED: rows are in the table once the append is answered.
/// - PENDING: rows wait until the stream is finalized and BatchCommitWriteStreams commits it
///   (with the others in the call, all or none).
/// - BUFFERED: rows become visible up to the offset FlushRows names.
/// - `_default` (every table has it): committed at once, no offsets.
/// An append with an offset must start exactly at the stream's end: before it is ALREADY_EXISTS
/// (a retry of rows already written: nothing is written twice), after it OUT_OF_RANGE.
/// Rows reach the table through Store::appendValuesIfSchema, so they are fsynced before the
/// answer, as insertAll's are. Each stream's state is kept in `dir/<id>.json` (rewritten
/// atomically after each change), so a sandbox restarted between two appends of a COMMITTED
/// stream goes on at the right offset; each append also leaves the stream's new end in the
/// table's log with its rows (Table::streamEnds), so a crash between the rows and that file
/// cannot take the offset back (a retry of those rows is ALREADY_EXISTS). Rows of PENDING and
/// BUFFERED streams not yet committed or flushed are held in memory and synced to
/// `dir/<id>.rows` (HeldRowsFile) before the append is answered, so a restart keeps them; a
/// commit's or flush's log record names each stream's end too, so a crash before the stream's
/// file says so cannot commit or flush the same rows twice. Only a rows file that is gone or
/// damaged makes such a stream answer FAILED_PRECONDITION, saying why.
/// Thread-safe; appends to one stream are serialised.
class WriteStreams {
public:
    enum class Type { Committed = 1, Pending = 2, Buffered = 3 };
    struct Info {
        std::string name; ///< projects/P/datasets/D/tables/T/streams/ID
        Type type = Type::Committed;
        std::int64_t createMs = 0;
        std::optional<std::int64_t> commitMs;
        bool finalized = false;
        std::int64_t rows = 0;    ///< rows appended (the next offset)
        std::int64_t flushed = 0; ///< BUFFERED: rows made visible
        Schema schema;            ///< the table's, now
        std::string location;
    };
    /// One AppendRows request's rows as the table's schema of a given version, made by the
    /// caller (ProtoRowDecoder); asked again when the schema changes meanwhile.
    struct Rows {
        std::vector<Value> rows;
        std::uint64_t schemaVersion = 0;
        /// Valid UTF-8 only and no NULL arrays, as ProtoRowDecoder makes rows: not looked for again.
        bool clean = false;
    };
    using MakeRows = std::function<Rows(const Schema& schema, std::uint64_t schemaVersion)>;

    WriteStreams(sandbox::Store& store, std::filesystem::path dir);
    ~WriteStreams();

    /// `parent`: projects/P/datasets/D/tables/T. Throws WriteError.
    Info create(const std::string& parent, Type type);
    Info get(const std::string& name);
    /// The table's current schema and its version, for decoding an append to `name`.
    std::pair<Schema, std::uint64_t> tableSchema(const std::string& name);
    /// Appends at `offset` (none: at the end). Returns the offset the rows start at.
    std::int64_t append(const std::string& name, std::optional<std::int64_t> offset, const MakeRows& make);
    /// Returns the stream's row count. Finalizing twice is harmless.
    std::int64_t finalize(const std::string& name);
    struct CommitResult {
        std::optional<std::int64_t> commitMs; ///< set when every stream was committed
        std::vector<WriteError> errors;       ///< else why not (nothing was committed)
    };
    CommitResult batchCommit(const std::string& parent, const std::vector<std::string>& names);
    /// BUFFERED: makes rows up to and including `offset` visible; returns the offset flushed to.
    std::int64_t flush(const std::string& name, std::int64_t offset);

private:
    struct Stream;
    struct Name {
        std::string project, dataset, table, id;
    };
    static std::optional<Name> parseName(const std::string& name, bool stream);
    std::shared_ptr<Stream> find(const std::string& name);
    void save(const Stream& s) const;
    void load();
    /// Writes `rows` to the stream's table (laid out again while its schema moves), with the
    /// writer's mark `markFor(row count)` in the log.
    void write(const Name& n, const MakeRows& make, const std::function<std::string(std::size_t)>& markFor = {});
    static std::string lostMessage(const Stream& s);
    static void failIfLost(const Stream& s);
    /// A COMMITTED stream's row count checked, once, against what its table's log says it
    /// appended (Table::streamEnds). Under the stream's mutex.
    void reconcile(Stream& s);

    sandbox::Store& store_;
    std::filesystem::path dir_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Stream>> streams_;
};

} // namespace quarry::storageapi
