// SPDX-License-Identifier: MIT
#include "storageapi/ReadSource.h"

#include "storageapi/ArrowIpc.h"
#include "value/Text.h"

#include <google/cloud/bigquery/storage/v1/storage.grpc.pb.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace quarry::storageapi {

namespace v1 = google::cloud::bigquery::storage::v1;

namespace {

/// Connections (and threads) reading streams at once.
constexpr int kMaxReaders = 8;
/// A stream that breaks off is read again from where it was, this many times.
constexpr int kRetries = 3;

/// The pages of one stream, decoded ahead of the reader.
struct StreamQueue {
    std::mutex m;
    std::condition_variable cv;
    struct Chunk {
        std::vector<Value> rows; ///< without Options::format
        std::string text;        ///< with it
        std::uint64_t count = 0;
        std::size_t bytes = 0; ///< what it holds, estimated
    };
    std::deque<Chunk> pages;
    std::size_t bytes = 0;
    bool done = false;
    std::exception_ptr error;
};

} // namespace

struct ReadSource::Impl {
    Options o;
    std::string session;
    std::int64_t total = 0;
    std::vector<std::string> streams;
    std::vector<std::unique_ptr<StreamQueue>> queues;
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::atomic<bool> stop{false};
    std::mutex liveMutex;
    std::vector<grpc::ClientContext*> live; ///< calls in progress, cancelled by the destructor
    std::vector<std::thread> readers;
    std::size_t current = 0;

    void prepare(grpc::ClientContext& c, std::string_view key, std::string_view resource) const {
        prepareCall(c, o.endpoint, key, resource);
    }

    void readStream(std::size_t k, v1::BigQueryRead::Stub& stub) {
        auto& q = *queues[k];
        ValueArena arena; // the rows of one batch at a time, with Options::format
        std::int64_t offset = k == 0 ? o.offset : 0;
        int retries = 0;
        try {
            while (!stop) {
                grpc::ClientContext ctx;
                prepare(ctx, "read_stream", streams[k]);
                {
                    std::lock_guard lock(liveMutex);
                    if (stop) break;
                    live.push_back(&ctx);
                }
                v1::ReadRowsRequest req;
                req.set_read_stream(streams[k]);
                req.set_offset(offset);
                auto reader = stub.ReadRows(&ctx, req);
                v1::ReadRowsResponse resp;
                std::exception_ptr failed;
                while (!failed && reader->Read(&resp)) {
                    if (!resp.has_arrow_record_batch()) continue;
                    const auto& batch = resp.arrow_record_batch().serialized_record_batch();
                    try {
                        StreamQueue::Chunk chunk;
                        chunk.rows = arrow::readBatch(o.schema, batch, o.format ? &arena : nullptr);
                        chunk.count = chunk.rows.size();
                        if (static_cast<std::int64_t>(chunk.count) != resp.row_count())
                            throw ReadApiError("the Read API answered " + std::to_string(resp.row_count()) + " rows but sent " +
                                               std::to_string(chunk.count));
                        offset += static_cast<std::int64_t>(chunk.count);
                        if (o.format) {
                            o.format(chunk.rows, chunk.text);
                            chunk.rows.clear(); // before the arena they live in is reused
                            arena.reset();
                            chunk.bytes = chunk.text.size();
                        } else {
                            chunk.bytes = batch.size() * 2 + chunk.count * 16;
                        }
                        std::unique_lock lock(q.m);
                        q.cv.wait(lock, [&] { return stop || q.bytes < o.bufferBytes || q.pages.empty(); });
                        if (stop) break;
                        q.bytes += chunk.bytes;
                        q.pages.push_back(std::move(chunk));
                        q.cv.notify_all();
                    } catch (...) {
                        failed = std::current_exception();
                        ctx.TryCancel();
                    }
                }
                if (stop) ctx.TryCancel(); // a cancel that came before the call began did not reach it
                const auto status = reader->Finish();
                {
                    std::lock_guard lock(liveMutex);
                    std::erase(live, &ctx);
                }
                if (failed) std::rethrow_exception(failed);
                if (stop || status.ok()) break;
                const auto code = status.error_code();
                if ((code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::INTERNAL) && ++retries <= kRetries) continue;
                throw ReadApiError("the Read API stopped reading " + streams[k] + ": " + status.error_message());
            }
        } catch (const arrow::ArrowError& e) {
            std::lock_guard lock(q.m);
            q.error = std::make_exception_ptr(ReadApiError(std::string("the Read API sent rows Quarry cannot read: ") + e.what()));
        } catch (...) {
            std::lock_guard lock(q.m);
            q.error = std::current_exception();
        }
        std::lock_guard lock(q.m);
        q.done = true;
        q.cv.notify_all();
    }
};

ReadSource::ReadSource(Options o) : d_(std::make_unique<Impl>()) {
    d_->o = std::move(o);
    auto& x = *d_;
    const auto& t = x.o.table;
    const std::string table = "projects/" + t.projectId + "/datasets/" + t.datasetId + "/tables/" + t.tableId;
    auto channel = [&] {
        grpc::ChannelArguments args;
        args.SetMaxReceiveMessageSize(128 << 20);
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1); // a connection of its own
        return openChannel(x.o.endpoint, args);
    };
    x.channels.push_back(channel());
    auto stub = v1::BigQueryRead::NewStub(x.channels[0]);
    grpc::ClientContext c;
    x.prepare(c, "read_session.table", table);
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    v1::CreateReadSessionRequest req;
    req.set_parent("projects/" + t.projectId);
    req.mutable_read_session()->set_table(table);
    req.mutable_read_session()->set_data_format(v1::ARROW);
    // Across a network (TLS: Google's endpoint, or one named by hand) the bytes cost more than
    // zstd's time; on this machine's plain sandbox connection the CPU is what is short.
    if (x.o.endpoint.tls)
        req.mutable_read_session()->mutable_read_options()->mutable_arrow_serialization_options()->set_buffer_compression(
            v1::ArrowSerializationOptions::ZSTD);
    req.set_max_stream_count(x.o.offset > 0 ? 1 : std::max(1, x.o.streams));
    v1::ReadSession s;
    const auto status = stub->CreateReadSession(&c, req, &s);
    if (!status.ok()) throw ReadApiError("cannot open a Read API session on " + t.display() + " (" + x.o.endpoint.display() + "): " + status.error_message());
    Schema arrowSchema;
    try {
        arrowSchema = arrow::readSchema(s.arrow_schema().serialized_schema());
    } catch (const arrow::ArrowError& e) {
        throw ReadApiError(std::string("the Read API's schema cannot be read: ") + e.what());
    }
    if (arrowSchema.fields.size() != x.o.schema.fields.size())
        throw ReadApiError("the Read API's rows have " + std::to_string(arrowSchema.fields.size()) + " columns, the result " +
                           std::to_string(x.o.schema.fields.size()));
    for (std::size_t i = 0; i < arrowSchema.fields.size(); ++i)
        if (!text::iequals(arrowSchema.fields[i].name, x.o.schema.fields[i].name))
            throw ReadApiError("the Read API's column " + std::to_string(i + 1) + " is " + arrowSchema.fields[i].name + ", not " +
                               x.o.schema.fields[i].name);
    x.session = s.name();
    x.total = s.estimated_row_count();
    if (x.o.offset > x.total) throw ReadApiError("the Read API's result has " + std::to_string(x.total) + " rows, none from row " + std::to_string(x.o.offset));
    for (const auto& st : s.streams()) {
        x.streams.push_back(st.name());
        x.queues.push_back(std::make_unique<StreamQueue>());
    }
    const int readers = std::min<int>(kMaxReaders, static_cast<int>(x.streams.size()));
    for (int w = 0; w < readers; ++w) {
        if (w > 0) x.channels.push_back(channel());
        x.readers.emplace_back([&x, w, readers] {
            auto reader = v1::BigQueryRead::NewStub(x.channels[static_cast<std::size_t>(w)]);
            for (std::size_t k = static_cast<std::size_t>(w); k < x.streams.size() && !x.stop; k += static_cast<std::size_t>(readers))
                x.readStream(k, *reader);
        });
    }
}

ReadSource::~ReadSource() {
    d_->stop = true;
    {
        std::lock_guard lock(d_->liveMutex);
        for (auto* c : d_->live) c->TryCancel();
    }
    for (auto& q : d_->queues) {
        std::lock_guard lock(q->m);
        q->cv.notify_all();
    }
    for (auto& t : d_->readers) t.join();
}

namespace {

/// The next chunk in stream order, or nullopt after the last.
std::optional<StreamQueue::Chunk> takeNext(std::vector<std::unique_ptr<StreamQueue>>& queues, std::size_t& current, const CancelToken* cancel) {
    while (current < queues.size()) {
        auto& q = *queues[current];
        std::unique_lock lock(q.m);
        while (q.pages.empty() && !q.done) {
            if (cancel && cancel->isCancelled()) throw TransportError(TransportError::Kind::Cancelled, "read cancelled");
            q.cv.wait_for(lock, std::chrono::milliseconds(100));
        }
        if (!q.pages.empty()) {
            auto chunk = std::move(q.pages.front());
            q.pages.pop_front();
            q.bytes -= chunk.bytes;
            q.cv.notify_all();
            return chunk;
        }
        if (q.error) std::rethrow_exception(q.error);
        ++current;
    }
    return std::nullopt;
}

} // namespace

std::optional<RowPage> ReadSource::next(const CancelToken* cancel) {
    auto chunk = takeNext(d_->queues, d_->current, cancel);
    if (!chunk) return std::nullopt;
    RowPage page;
    page.schema = d_->o.schema;
    page.totalRows = d_->total;
    page.rows = std::move(chunk->rows);
    return page;
}

std::optional<std::pair<std::string, std::uint64_t>> ReadSource::nextText(const CancelToken* cancel) {
    auto chunk = takeNext(d_->queues, d_->current, cancel);
    if (!chunk) return std::nullopt;
    return std::make_pair(std::move(chunk->text), chunk->count);
}

std::int64_t ReadSource::totalRows() const { return d_->total; }
int ReadSource::streamCount() const { return static_cast<int>(d_->streams.size()); }

} // namespace quarry::storageapi
