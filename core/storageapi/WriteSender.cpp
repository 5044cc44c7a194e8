// SPDX-License-Identifier: MIT
#include "storageapi/WriteSender.h"

#include "storageapi/ProtoEncoder.h"
#include "upload/Journal.h"
#include "upload/RejectsFile.h"
#include "value/JsonRowReader.h"

#include <google/cloud/bigquery/storage/v1/storage.grpc.pb.h>
#include <grpcpp/grpcpp.h>
#include <simdjson.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace quarry::storageapi {

namespace v1 = google::cloud::bigquery::storage::v1;
using upload::UploadError;

namespace {

struct Pending {
    upload::OrdinalRange range;
    std::vector<upload::Reject> rejects;
    std::vector<std::uint64_t> lines; ///< each appended row's line in the file
    std::int64_t offset = 0, count = 0;
    bool resend = false; ///< sent by an earlier run too (its offset from the journal)
};

/// A call's context: a deadline (none for the AppendRows connection), the bearer token, the
/// quota project and the routing header naming `resource`.
void prepare(grpc::ClientContext& c, const StorageEndpoint& e, bool deadline, std::string_view key, std::string_view resource) {
    if (deadline) c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    prepareCall(c, e, key, resource);
}

std::string parentOf(const TableRef& t) {
    return "projects/" + t.projectId + "/datasets/" + t.datasetId + "/tables/" + t.tableId;
}

} // namespace

struct WriteSender::Prepared {
    Pending pending;
    v1::AppendRowsRequest request;
};

struct WriteSender::Impl {
    Impl(upload::UploadOptions::SinkParts& p) : parts(p), schema(p.schema), encoder(p.schema), reader(schema) {}

    upload::UploadOptions::SinkParts parts;
    Schema schema;
    ProtoEncoder encoder;
    JsonRowReader reader;
    std::size_t depth = 4;
    std::string stream;
    StorageEndpoint endpoint;
    v1::ProtoSchema writer;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<v1::BigQueryWrite::Stub> stub;
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReaderWriter<v1::AppendRowsRequest, v1::AppendRowsResponse>> rw;
    bool first = true;
    std::int64_t next = 0; ///< the offset the next new batch starts at

    mutable std::mutex mutex;
    std::condition_variable cv;
    std::deque<Pending> pending;
    std::atomic<bool> failedFlag{false};
    std::exception_ptr error;
    std::thread answers;

    /// Batches pushed, waiting for the encoding thread (records to protobuf, then sent):
    /// reading the file and encoding what was read go on at once.
    mutable std::mutex queueMutex;
    std::condition_variable queueCv;
    std::deque<std::pair<std::uint64_t, upload::Batch>> queue; ///< with the order each was pushed in
    std::uint64_t pushed = 0, turn = 0; ///< the next to push, and the next to go out
    int encoding = 0;
    bool closing = false;
    std::atomic<bool> aborting{false};
    std::vector<std::thread> encodeThreads;

    void fail(const std::string& why) {
        {
            std::lock_guard lock(mutex);
            if (!error) error = std::make_exception_ptr(UploadError(why));
            failedFlag = true;
            cv.notify_all();
        }
        std::lock_guard lock(queueMutex);
        queueCv.notify_all();
    }

    void done(Pending& p) {
        parts.rejects.write(p.rejects);
        parts.journal.ack(p.range, static_cast<std::uint64_t>(p.count), p.rejects.size());
        parts.counters.inserted += static_cast<std::uint64_t>(p.count);
        parts.counters.rejected += p.rejects.size();
    }

    /// Reads the answers, in the order the requests went.
    void readAnswers() {
        v1::AppendRowsResponse resp;
        while (rw->Read(&resp)) {
            Pending p;
            {
                std::lock_guard lock(mutex);
                if (pending.empty()) continue;
                p = std::move(pending.front());
                pending.pop_front();
            }
            cv.notify_all();
            const bool already = resp.has_error() && resp.error().code() == grpc::StatusCode::ALREADY_EXISTS;
            if (!resp.has_error() || (already && p.resend)) {
                if (p.resend) parts.counters.retried += static_cast<std::uint64_t>(p.count);
                try {
                    done(p);
                } catch (const std::exception& e) {
                    fail(e.what());
                    ctx.TryCancel();
                    return;
                }
                continue;
            }
            std::string why = "the Storage Write API refused rows of records " + std::to_string(p.range.first + 1) + "-" +
                              std::to_string(p.range.end) + ": " + resp.error().message();
            if (resp.row_errors_size() > 0) {
                const auto& e = resp.row_errors(0);
                const auto i = static_cast<std::size_t>(e.index());
                why += " (line " + (i < p.lines.size() ? std::to_string(p.lines[i]) : std::string("?")) + ": " + e.message() + ")";
            }
            fail(why);
            ctx.TryCancel();
            return;
        }
        std::lock_guard lock(mutex);
        if (!pending.empty() && !failedFlag && !aborting) { // (a cancel cuts the connection on purpose)
            failedFlag = true;
            error = std::make_exception_ptr(UploadError("the connection to the Storage Write API was lost with " +
                                                        std::to_string(pending.size()) + " appends unanswered"));
        }
        cv.notify_all();
    }
};

WriteSender::WriteSender(const StorageEndpoint& endpoint, const TableRef& table, upload::UploadOptions::SinkParts& parts,
                         std::size_t depth)
    : d_(std::make_unique<Impl>(parts)) {
    if (const auto why = ProtoEncoder::unsupported(parts.schema)) throw UploadError("the Storage Write API cannot carry this table's rows: " + *why);
    d_->depth = std::max<std::size_t>(1, depth);
    d_->endpoint = endpoint;
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(32 << 20);
    d_->channel = openChannel(endpoint, args);
    d_->stub = v1::BigQueryWrite::NewStub(d_->channel);
    *d_->writer.mutable_proto_descriptor() = d_->encoder.writerSchema();
    d_->stream = parts.journal.stream();
    if (d_->stream.empty()) {
        grpc::ClientContext c;
        prepare(c, endpoint, true, "parent", parentOf(table));
        v1::CreateWriteStreamRequest req;
        req.set_parent(parentOf(table));
        req.mutable_write_stream()->set_type(v1::WriteStream::COMMITTED);
        v1::WriteStream out;
        const auto s = d_->stub->CreateWriteStream(&c, req, &out);
        if (!s.ok()) throw UploadError("cannot open a Storage Write API stream on " + table.display() + " (" + endpoint.display() + "): " + s.error_message());
        d_->stream = out.name();
        parts.journal.setStream(d_->stream);
    } else {
        grpc::ClientContext c;
        prepare(c, endpoint, true, "name", d_->stream);
        v1::GetWriteStreamRequest req;
        req.set_name(d_->stream);
        v1::WriteStream out;
        const auto s = d_->stub->GetWriteStream(&c, req, &out);
        if (!s.ok()) throw UploadError("the Storage Write API stream this upload wrote to (" + d_->stream + ") cannot be used: " + s.error_message());
    }
    d_->next = parts.journal.nextOffset();
    prepare(d_->ctx, endpoint, false, "write_stream", d_->stream);
    d_->rw = d_->stub->AppendRows(&d_->ctx);
    d_->answers = std::thread([this] { d_->readAnswers(); });
    for (int i = 0; i < kEncoders; ++i) d_->encodeThreads.emplace_back([this] { encodeLoop(); });
}

WriteSender::~WriteSender() {
    if (d_->answers.joinable() || !d_->encodeThreads.empty()) abort();
}

bool WriteSender::push(upload::Batch b) {
    std::unique_lock lock(d_->queueMutex);
    d_->queueCv.wait(lock, [&] { return d_->failedFlag || d_->queue.size() < 2 * kEncoders; });
    if (d_->failedFlag) return false;
    d_->queue.emplace_back(d_->pushed++, std::move(b));
    d_->queueCv.notify_all();
    return true;
}

void WriteSender::encodeLoop() {
    simdjson::dom::parser json; // one per thread
    for (;;) {
        std::uint64_t seq = 0;
        upload::Batch b;
        {
            std::unique_lock lock(d_->queueMutex);
            d_->queueCv.wait(lock, [&] { return d_->failedFlag || d_->aborting || d_->closing || !d_->queue.empty(); });
            if (d_->failedFlag || d_->aborting || d_->queue.empty()) return; // failed, aborted, or closing with nothing left
            seq = d_->queue.front().first;
            b = std::move(d_->queue.front().second);
            d_->queue.pop_front();
            ++d_->encoding;
        }
        Prepared prep = encode(std::move(b), json);
        bool ok = false;
        {
            // In the order pushed: offsets, journal lines and the stream's requests follow the file.
            std::unique_lock lock(d_->queueMutex);
            d_->queueCv.wait(lock, [&] { return d_->failedFlag || d_->aborting || d_->turn == seq; });
            if (d_->turn == seq && !d_->failedFlag && !d_->aborting) {
                lock.unlock();
                ok = dispatch(std::move(prep));
                lock.lock();
            }
            ++d_->turn;
            --d_->encoding;
        }
        d_->queueCv.notify_all();
        if (!ok) {
            std::lock_guard lock(d_->queueMutex);
            d_->queueCv.notify_all();
            return;
        }
    }
}

WriteSender::Prepared WriteSender::encode(upload::Batch b, simdjson::dom::parser& json) const {
    Prepared out;
    Pending& p = out.pending;
    p.range = b.range;
    p.rejects = std::move(b.rejects);
    auto* rows = out.request.mutable_proto_rows()->mutable_rows()->mutable_serialized_rows();
    std::vector<RowIssue> issues;
    rows->Reserve(static_cast<int>(b.rows.size()));
    std::string* row = nullptr; // kept for the next record when a record is rejected
    for (const auto& r : b.rows) {
        const std::string_view text(b.body.data() + r.textBegin, r.textEnd - r.textBegin);
        issues.clear();
        if (!row) row = rows->Add();
        auto doc = json.parse(text.data(), text.size(), true);
        if (doc.error()) issues.push_back({"", simdjson::error_message(doc.error())});
        else d_->reader.encodeDom(doc.value(), *row, issues); // straight to protobuf: no values
        if (!issues.empty()) { // the local check let it through: say why here too, in the rejects file
            p.rejects.push_back({r.ordinal, r.line, r.column, issues[0].location.empty() ? issues[0].message : issues[0].location + ": " + issues[0].message, std::string(text)});
            continue;
        }
        row = nullptr;
        p.lines.push_back(r.line);
    }
    if (row) rows->RemoveLast();
    p.count = rows->size();
    return out;
}

bool WriteSender::dispatch(Prepared prep) {
    if (d_->failedFlag) return false;
    Pending& p = prep.pending;
    v1::AppendRowsRequest& req = prep.request;
    if (p.count == 0) { // nothing to append: only rejects
        try {
            d_->done(p);
        } catch (const std::exception& e) {
            d_->fail(e.what());
            return false;
        }
        return true;
    }
    if (const auto span = d_->parts.journal.spanOf(p.range); span && span->count == p.count) {
        p.offset = span->offset;
        p.resend = true;
    } else if (span) {
        // Sent before as another number of rows (the table's schema changed since?): whether
        // those landed cannot be told by offsets any more, so nothing is guessed.
        d_->fail("records " + std::to_string(p.range.first + 1) + "-" + std::to_string(p.range.end) + " were sent at offset " +
                 std::to_string(span->offset) + " as " + std::to_string(span->count) + " rows and now make " +
                 std::to_string(p.count) + " (did the table's schema change?); check the table, then upload the rest with --api insertall or start again with --again");
        return false;
    } else {
        p.offset = d_->next;
        d_->next += p.count;
        d_->parts.journal.sendingAt(p.range, {p.offset, p.count});
    }
    if (d_->first) {
        req.set_write_stream(d_->stream);
        d_->first = false;
    }
    *req.mutable_proto_rows()->mutable_writer_schema() = d_->writer;
    req.mutable_offset()->set_value(p.offset);
    {
        std::unique_lock lock(d_->mutex);
        d_->cv.wait(lock, [&] { return d_->failedFlag || d_->aborting || d_->pending.size() < d_->depth; });
        if (d_->failedFlag || d_->aborting) return false;
        d_->pending.push_back(std::move(p));
    }
    ++d_->parts.counters.requests;
    d_->parts.counters.bytesSent += req.ByteSizeLong();
    if (!d_->rw->Write(req)) {
        d_->fail("the connection to the Storage Write API was lost");
        return false;
    }
    return true;
}

void WriteSender::stopEncoder(bool drain) {
    {
        std::unique_lock lock(d_->queueMutex);
        d_->closing = true;
        if (!drain) d_->queue.clear();
        d_->queueCv.notify_all();
    }
    for (auto& t : d_->encodeThreads)
        if (t.joinable()) t.join();
    d_->encodeThreads.clear();
}

void WriteSender::finish() {
    stopEncoder(true);
    {
        std::unique_lock lock(d_->mutex);
        d_->cv.wait(lock, [&] { return d_->failedFlag || d_->pending.empty(); });
    }
    d_->rw->WritesDone();
    if (d_->failedFlag) d_->ctx.TryCancel();
    if (d_->answers.joinable()) d_->answers.join();
    const auto s = d_->rw->Finish();
    if (!s.ok() && !d_->failedFlag) d_->fail("the Storage Write API connection ended: " + s.error_message());
    if (d_->failedFlag) return;
    // Every row is in: the stream takes no more.
    grpc::ClientContext c;
    prepare(c, d_->endpoint, true, "name", d_->stream);
    v1::FinalizeWriteStreamRequest req;
    req.set_name(d_->stream);
    v1::FinalizeWriteStreamResponse out;
    d_->stub->FinalizeWriteStream(&c, req, &out); // best effort: the rows are committed either way
}

void WriteSender::abort() {
    d_->aborting = true;
    d_->ctx.TryCancel();
    {
        std::lock_guard lock(d_->mutex);
        d_->pending.clear();
        d_->cv.notify_all();
    }
    stopEncoder(false);
    if (d_->answers.joinable()) d_->answers.join();
    d_->rw->Finish();
}

bool WriteSender::failed() const { return d_->failedFlag; }

std::exception_ptr WriteSender::error() const {
    std::lock_guard lock(d_->mutex);
    return d_->error;
}

bool WriteSender::idle() const {
    {
        std::lock_guard lock(d_->queueMutex);
        if (!d_->queue.empty() || d_->encoding > 0) return false;
    }
    std::lock_guard lock(d_->mutex);
    return d_->pending.empty();
}

std::function<std::unique_ptr<upload::BatchSink>(upload::UploadOptions::SinkParts&)> WriteSender::factory(StorageEndpoint endpoint,
                                                                                                           TableRef table,
                                                                                                           bool required) {
    return [endpoint = std::move(endpoint), table = std::move(table), required](upload::UploadOptions::SinkParts& parts) {
        if (!required && ProtoEncoder::unsupported(parts.schema)) return std::unique_ptr<upload::BatchSink>();
        const bool begun = !parts.journal.stream().empty();
        try {
            return std::unique_ptr<upload::BatchSink>(std::make_unique<WriteSender>(endpoint, table, parts, 8));
        } catch (const UploadError& e) {
            // Chosen by default and nothing sent through it yet: insertAll carries the rows
            // instead (an account without the Write API's permission, a network that blocks
            // gRPC). An upload begun through it goes on only through it.
            if (required || begun) throw;
            parts.whyNot = e.what();
            return std::unique_ptr<upload::BatchSink>();
        }
    };
}

} // namespace quarry::storageapi
