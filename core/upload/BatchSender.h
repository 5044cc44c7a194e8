// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"
#include "net/CancelToken.h"
#include "upload/Journal.h"
#include "upload/RejectsFile.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace quarry::upload {

/// A run of consecutive records: the insertAll body built from their text as it is, and the
/// rows that did not pass the local check.
struct Batch {
    struct Row {
        std::uint64_t ordinal, line, column;
        std::size_t rowBegin, rowEnd;   ///< {"insertId":...,"json":...} inside body
        std::size_t textBegin, textEnd; ///< the record's own text inside body
    };
    OrdinalRange range;
    std::string body; ///< complete request when closed
    std::vector<Row> rows;
    std::vector<Reject> rejects;
    bool empty() const { return range.end == range.first; }
};

/// BigQuery's limit on one insertAll request ("10 MB"); a row larger than --batch-bytes still
/// goes, alone in its request, while it fits this.
inline constexpr std::size_t kMaxRequestBytes = 10'000'000;

/// Builds batches within row and byte limits. Each row's insertId is derived from the input's
/// identity (a hash of its whole content, or a random one for a pipe), the upload's generation,
/// the record's position and a hash of the record's own bytes: retries and resumes of the same
/// upload reuse it, and nothing else can: two different files, or two different rows, never
/// share an id, so BigQuery's de-duplication can only ever drop a true re-send.
class BatchBuilder {
public:
    BatchBuilder(std::string inputId, int generation, bool ignoreUnknown, std::size_t maxRows, std::size_t maxBytes);
    /// Batches for a sink that reads only each record's text (the Storage Write API, whose
    /// offsets do what insertIds do): no insertIds are made, the body is the texts one after
    /// another.
    void textsOnly() { textsOnly_ = true; }

    /// Bytes one row adds to a body beyond its text: `,{"insertId":"<id>","json":` and `}`.
    static constexpr std::size_t kRowOverhead = 160;
    std::size_t rowCost(std::string_view text) const { return text.size() + kRowOverhead; }
    /// Largest row text a request can carry (alone in it).
    std::size_t maxRowText() const { return kMaxRequestBytes - prefix_.size() - kRowOverhead - 2; }
    /// True if the row does not fit the current batch (close it first). A row too large for
    /// --batch-bytes makes a batch of its own.
    bool full(const Batch& b, std::string_view text) const;
    /// The insertId of a record.
    std::string insertId(std::uint64_t ordinal, std::string_view text) const;
    void start(Batch& b, std::uint64_t firstOrdinal) const;
    void add(Batch& b, std::uint64_t ordinal, std::uint64_t line, std::uint64_t column, std::string_view text) const;
    void close(Batch& b) const { b.body += "]}"; }
    /// A request with only some rows of a batch (re-sends and splits).
    std::string bodyFor(const Batch& b, const std::vector<std::size_t>& rows) const;

private:
    std::string inputId_;
    int generation_;
    bool textsOnly_ = false;
    std::string prefix_;
    std::size_t maxRows_, maxBytes_;
};

/// Totals shared by the sending threads.
struct SendCounters {
    std::atomic<std::uint64_t> inserted{0}, rejected{0}, retried{0}, requests{0}, bytesSent{0};
};

/// Where closed batches go: insertAll (BatchSender) or the Storage Write API
/// (storageapi::WriteSender). Each acknowledges a batch in the journal once its rows are in.
class BatchSink {
public:
    virtual ~BatchSink() = default;
    /// Blocks while too much is in flight. Returns false once sending has stopped.
    virtual bool push(Batch b) = 0;
    /// Waits for every batch pushed, then stops.
    virtual void finish() = 0;
    /// Stops at once: what is queued is dropped, what is in flight cancelled.
    virtual void abort() = 0;
    virtual bool failed() const = 0;
    /// The first error that stopped sending, or null.
    virtual std::exception_ptr error() const = 0;
    virtual bool idle() const = 0;
};

/// Worker threads taking closed batches from a bounded queue and sending them: retries (inside
/// the client), 413/"payload too large" split in halves, stopped rows re-sent, invalid rows
/// rejected; then the batch's rejects are written and the journal acknowledges it. The first
/// error that is not about single rows stops everything and is kept for the caller.
class BatchSender final : public BatchSink {
public:
    BatchSender(BigQueryClient& client, TableRef table, const BatchBuilder& builder, Journal& journal,
                RejectsFile& rejects, SendCounters& counters, int threads, std::size_t queueDepth);
    ~BatchSender() override;

    bool push(Batch b) override;
    void finish() override;
    void abort() override;
    bool failed() const override { return failed_.load(); }
    std::exception_ptr error() const override;
    bool idle() const override;

private:
    void work();
    void send(Batch& b);
    /// Sends `rows` of `b`; appends rows that must be re-sent to `again`.
    void sendRows(Batch& b, std::vector<std::size_t> rows, std::vector<Reject>& rejects, std::uint64_t& inserted);

    BigQueryClient& client_;
    TableRef table_;
    const BatchBuilder& builder_;
    Journal& journal_;
    RejectsFile& rejectsFile_;
    SendCounters& counters_;
    std::size_t depth_;
    CancelToken stop_;
    RetryObserver observer_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Batch> queue_;
    int busy_ = 0;
    bool closing_ = false;
    std::atomic<bool> failed_{false};
    std::exception_ptr error_;
    std::vector<std::thread> threads_;
};

} // namespace quarry::upload
