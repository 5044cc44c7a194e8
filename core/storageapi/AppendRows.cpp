// SPDX-License-Identifier: MIT
// BigQueryWrite.AppendRows: one connection's requests, answered in order. The thread gRPC gives
// the call reads each request and decodes its rows as the table's schema now lays them out;
// another appends them (the log record, its fsync, the table) and writes the answer. Decoding
// a request thus overlaps appending the one before it: on one connection that halves the
// sandbox's critical path, which was the whole of its CPU on one thread.
#include "storageapi/ArrowIpc.h"
#include "storageapi/ArrowRows.h"
#include "storageapi/GrpcCommon.h"
#include "storageapi/ProtoRows.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace quarry::storageapi {

using grpc::Status;
using grpc::StatusCode;

namespace {

/// Requests decoded ahead of the one being appended.
constexpr std::size_t kAhead = 2;

using Rw = grpc::ServerReaderWriter<v1::AppendRowsResponse, v1::AppendRowsRequest>;

/// One request on its way: read and decoded by the reading thread, appended and answered by
/// the appending one.
struct Item {
    v1::AppendRowsRequest req;
    Status end = Status::OK;          ///< not OK: the connection ends here with this status
    std::string stream;
    std::optional<WriteError> refused; ///< answered without appending (too large)
    /// The writer schema in force for this request (proto or Arrow), for decoding again when
    /// the table's schema moved since the rows were decoded.
    std::shared_ptr<const google::protobuf::DescriptorProto> writer;
    std::shared_ptr<const std::string> arrowWriter;
    /// The rows decoded ahead for table schema version `version`, or why they could not be.
    std::optional<WriteStreams::Rows> rows;
    std::exception_ptr failure;
    std::uint64_t version = 0;
};

/// The decoders of one side: made for a writer schema and a table schema version.
struct Decoders {
    /// The writer schemas they were made for are held, so that a new one is never taken for
    /// an old one at the same address.
    std::unique_ptr<ProtoRowDecoder> proto;
    std::shared_ptr<const google::protobuf::DescriptorProto> protoWriter;
    std::unique_ptr<ArrowRowDecoder> arrow;
    std::shared_ptr<const std::string> arrowWriter;
    std::uint64_t version = 0;

    void reset() {
        proto.reset();
        arrow.reset();
    }

    /// The request's rows as the table's schema of `version` lays them out. Throws RowErrors,
    /// SchemaMismatch or arrow::ArrowError.
    WriteStreams::Rows decode(const Item& it, const Schema& schema, std::uint64_t v) {
        if (it.req.has_arrow_rows()) {
            if (!arrow || arrowWriter != it.arrowWriter || version != v) {
                arrow.reset();
                arrow = std::make_unique<ArrowRowDecoder>(*it.arrowWriter, schema);
                arrowWriter = it.arrowWriter;
                version = v;
            }
            RowErrors bad;
            WriteStreams::Rows out{arrow->decode(it.req.arrow_rows().rows().serialized_record_batch(), bad.rows), v, false};
            if (!bad.rows.empty()) throw bad;
            return out;
        }
        if (!proto || protoWriter != it.writer || version != v) {
            proto.reset();
            proto = std::make_unique<ProtoRowDecoder>(*it.writer, schema);
            protoWriter = it.writer;
            version = v;
        }
        const auto& rows = it.req.proto_rows().rows().serialized_rows();
        WriteStreams::Rows out{{}, v, true}; // the decoder checks UTF-8 and makes empty arrays
        out.rows.reserve(static_cast<std::size_t>(rows.size()));
        RowErrors bad;
        std::string why;
        for (int i = 0; i < rows.size(); ++i) {
            auto row = proto->decode(rows.Get(i), why);
            if (!row) bad.rows.emplace_back(i, why);
            else out.rows.push_back(std::move(*row));
        }
        if (!bad.rows.empty()) throw bad;
        return out;
    }
};

class Connection {
public:
    Connection(WriteStreams& streams, const CallGate& gate, grpc::ServerContext* ctx, Rw* rw)
        : streams_(streams), gate_(gate), ctx_(ctx), rw_(rw) {}

    Status run() {
        std::thread appender([this] { appendLoop(); });
        Status end = Status::OK;
        try {
            for (;;) {
                dropSpent();
                Item it;
                if (ctx_->IsCancelled() || stopped() || !rw_->Read(&it.req)) break;
                read(it);
                const bool last = !it.end.ok();
                if (last) end = it.end;
                if (!push(std::move(it)) || last) break;
            }
        } catch (const std::exception& e) { // (out of memory): the appends before it are answered
            end = Status(StatusCode::INTERNAL, e.what());
        }
        {
            std::lock_guard lock(m_);
            closing_ = true;
        }
        cv_.notify_all();
        appender.join();
        return end;
    }

private:
    /// The reading side: what the request names, then its rows decoded ahead.
    void read(Item& it) {
        const auto& req = it.req;
        if (!req.write_stream().empty()) {
            if (!stream_.empty() && req.write_stream() != stream_) {
                it.end = Status(StatusCode::INVALID_ARGUMENT, "One AppendRows connection writes to one stream: " + stream_);
                return;
            }
            if (stream_.empty()) // the connection's routing header names the stream it writes
                if (auto s = gate_.routing(ctx_, "write_stream", req.write_stream()); !s.ok()) {
                    it.end = s;
                    return;
                }
            stream_ = req.write_stream();
        }
        if (stream_.empty()) {
            it.end = Status(StatusCode::INVALID_ARGUMENT, "The first AppendRows request must name write_stream.");
            return;
        }
        it.stream = stream_;
        const bool arrowRows = req.has_arrow_rows();
        if (!arrowRows && !req.has_proto_rows()) {
            it.end = Status(StatusCode::INVALID_ARGUMENT, "The AppendRows request has no rows (proto_rows or arrow_rows).");
            return;
        }
        if (arrowRows && req.arrow_rows().has_writer_schema())
            arrowWriter_ = std::make_shared<const std::string>(req.arrow_rows().writer_schema().serialized_schema());
        if (!arrowRows && req.proto_rows().has_writer_schema())
            writer_ = std::make_shared<const google::protobuf::DescriptorProto>(req.proto_rows().writer_schema().proto_descriptor());
        if (arrowRows ? !arrowWriter_ : !writer_) {
            it.end = Status(StatusCode::INVALID_ARGUMENT, "The first AppendRows request must carry writer_schema.");
            return;
        }
        it.writer = writer_;
        it.arrowWriter = arrowWriter_;
        if (const auto size = req.ByteSizeLong(); size > kMaxAppendBytes) {
            it.refused = WriteError{Code::InvalidArgument, "AppendRows request too large: " + std::to_string(size) + " limit " +
                                                               std::to_string(kMaxAppendBytes)};
            return;
        }
        // The table's schema as last seen: asking the table each time would wait for the append
        // before this one (its lock is held through the log's fsync). The appending side says
        // when the version it meets moved, and the rows are then decoded again there.
        const auto seen = seenVersion_.load(); // 0: no append answered yet
        if (!table_ || (seen != 0 && seen != table_->second)) {
            try {
                table_ = streams_.tableSchema(stream_);
            } catch (...) { // (a WriteError: no such stream or table)
                return; // the appending side meets the same refusal in order
            }
        }
        it.version = table_->second;
        try {
            it.rows = ahead_.decode(it, table_->first, table_->second);
        } catch (...) {
            ahead_.reset();
            it.failure = std::current_exception();
        }
    }

    bool push(Item it) {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return stopped_ || queue_.size() < kAhead; });
        if (stopped_) return false;
        queue_.push_back(std::move(it));
        cv_.notify_all();
        return true;
    }

    /// Frees the requests answered so far on this thread, which made them: freed on the
    /// appending one, their 30,000 row strings each took the lock of this thread's malloc arena
    /// while it was making the next request's rows, and the two threads spent most of their
    /// waits on that lock.
    void dropSpent() {
        std::deque<Item> spent;
        {
            std::lock_guard lock(m_);
            spent.swap(spent_);
        }
    }

    bool stopped() {
        std::lock_guard lock(m_);
        return stopped_;
    }

    /// The appending side: each request in order, then its answer.
    void appendLoop() {
        for (;;) {
            Item it;
            {
                std::unique_lock lock(m_);
                cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
                if (queue_.empty()) return;
                it = std::move(queue_.front());
                queue_.pop_front();
            }
            cv_.notify_all();
            if (!it.end.ok()) return;
            v1::AppendRowsResponse resp;
            answer(it, resp);
            const bool written = rw_->Write(resp);
            {
                std::lock_guard lock(m_);
                spent_.push_back(std::move(it));
            }
            if (!written) {
                std::lock_guard lock(m_);
                stopped_ = true;
                cv_.notify_all();
                return;
            }
        }
    }

    void answer(Item& it, v1::AppendRowsResponse& resp) {
        resp.set_write_stream(it.stream);
        if (it.refused) {
            fillError(resp.mutable_error(), *it.refused);
            return;
        }
        std::optional<std::int64_t> offset;
        if (it.req.has_offset()) offset = it.req.offset().value();
        try {
            const auto start = streams_.append(it.stream, offset, [&](const Schema& schema, std::uint64_t version) {
                seenVersion_ = version;
                if (!firstVersion_) firstVersion_ = version;
                else if (version != *firstVersion_) updated_ = schema;
                if (version == it.version) {
                    if (it.failure) std::rethrow_exception(std::exchange(it.failure, nullptr));
                    if (it.rows) return *std::exchange(it.rows, std::nullopt);
                }
                return late_.decode(it, schema, version); // the schema moved since (or asked again)
            });
            auto* result = resp.mutable_append_result();
            if (offset) result->mutable_offset()->set_value(start);
            if (updated_) fillFields(resp.mutable_updated_schema()->mutable_fields(), updated_->fields);
        } catch (const WriteError& e) {
            fillError(resp.mutable_error(), e);
        } catch (const arrow::ArrowError& e) {
            late_.reset();
            fillError(resp.mutable_error(), {Code::InvalidArgument, e.what(), StorageCode::Unspecified, it.stream});
        } catch (const SchemaMismatch& e) {
            late_.reset();
            fillError(resp.mutable_error(), {Code::InvalidArgument, e.what(), StorageCode::SchemaMismatchExtraFields, it.stream});
        } catch (const std::exception& e) { // a failing disk, memory: this request is not written
            fillError(resp.mutable_error(), {Code::Internal, e.what(), StorageCode::Unspecified, it.stream});
        } catch (const RowErrors& e) {
            for (const auto& [index, message] : e.rows) {
                auto* r = resp.add_row_errors();
                r->set_index(index);
                r->set_code(v1::RowError::FIELDS_ERROR);
                r->set_message(message);
            }
            fillError(resp.mutable_error(), {Code::InvalidArgument, "Errors found while processing rows. Please refer to the row_errors "
                                                                    "field for details. The list may not be complete because of the size "
                                                                    "limitations. Entity: " + it.stream});
        }
    }

    WriteStreams& streams_;
    const CallGate& gate_;
    grpc::ServerContext* ctx_;
    Rw* rw_;

    // The reading side's.
    std::string stream_;
    std::shared_ptr<const google::protobuf::DescriptorProto> writer_;
    std::shared_ptr<const std::string> arrowWriter_;
    Decoders ahead_;
    std::optional<std::pair<Schema, std::uint64_t>> table_;

    // The appending side's. The table's schema version at the connection's first append, and
    // its schema since it changed (answers then carry it as updated_schema, as BigQuery's do).
    Decoders late_;
    std::optional<std::uint64_t> firstVersion_;
    std::optional<Schema> updated_;
    std::atomic<std::uint64_t> seenVersion_{0}; ///< the table's schema version at the last append

    std::mutex m_;
    std::condition_variable cv_;
    std::deque<Item> queue_;
    std::deque<Item> spent_; ///< answered: freed by the reading side (dropSpent)
    bool closing_ = false, stopped_ = false;
};

} // namespace

Status serveAppendRows(WriteStreams& streams, const CallGate& gate, grpc::ServerContext* ctx, Rw* rw) {
    return Connection(streams, gate, ctx, rw).run();
}

} // namespace quarry::storageapi
