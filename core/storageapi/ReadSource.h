// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"
#include "storageapi/StorageChannel.h"
#include "value/RowPage.h"

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

namespace quarry::storageapi {

/// The Read API refused or failed: what, with gRPC's message.
class ReadApiError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A table's rows through the Storage Read API, in order, as pages: one read session of up to
/// `streams` streams, each read on a thread (and connection) of its own and decoded from Arrow
/// there, handed out stream after stream (the sandbox's streams are consecutive ranges of rows,
/// so the order is the table's). Each stream holds at most about `bufferBytes` of decoded rows
/// ahead of the reader. A stream that breaks off (UNAVAILABLE, INTERNAL) is read again from the
/// row it had reached. Destroying it cancels and joins the threads.
class ReadSource {
public:
    struct Options {
        StorageEndpoint endpoint; ///< where, TLS or plain, and what each call carries
        TableRef table;
        /// The rows' BigQuery schema (the query's): the Arrow data is read as it, and must
        /// have the same columns.
        Schema schema;
        int streams = 4;
        std::size_t bufferBytes = 32u << 20;
        /// The row to start at (rows before it are skipped: a grid that shows them already).
        /// Past 0 the session has one stream, so that rows are numbered as in the table.
        std::int64_t offset = 0;
        /// When set, the reading threads also turn each batch's rows into text with it (an
        /// export's RowFormatter), decoding into an arena of their own, and nextText() gives
        /// the text instead of next() giving rows.
        std::function<void(std::span<const Value> rows, std::string& out)> format;
    };
    /// Opens the session. Throws ReadApiError.
    explicit ReadSource(Options o);
    ~ReadSource();
    ReadSource(const ReadSource&) = delete;
    ReadSource& operator=(const ReadSource&) = delete;

    /// The next rows, or nullopt after the last. Throws ReadApiError, or TransportError
    /// (Cancelled) once `cancel` is set.
    std::optional<RowPage> next(const CancelToken* cancel = nullptr);
    /// With Options::format: the next batch's text and its row count, or nullopt after the
    /// last. Throws as next().
    std::optional<std::pair<std::string, std::uint64_t>> nextText(const CancelToken* cancel = nullptr);
    /// The session's row count.
    std::int64_t totalRows() const;
    /// How many streams the server made.
    int streamCount() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace quarry::storageapi
