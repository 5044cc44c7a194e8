// SPDX-License-Identifier: MIT
#include "storageapi/StorageServer.h"

#include "sandbox/Auth.h"
#include "sandbox/Store.h"
#include "storageapi/ArrowIpc.h"
#include "storageapi/ArrowRows.h"
#include "storageapi/GrpcCommon.h"
#include "storageapi/ProtoRows.h"
#include "storageapi/ReadSessions.h"
#include "storageapi/WriteStreams.h"

#include <stdexcept>

namespace quarry::storageapi {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

namespace {

/// BigQuery's limit for one AppendRows request.
constexpr std::size_t kMaxAppendBytes = 10u << 20;

v1::WriteStream_Type toProto(WriteStreams::Type t) { return static_cast<v1::WriteStream_Type>(static_cast<int>(t)); }

v1::TableFieldSchema::Type fieldType(TypeKind k) {
    using T = v1::TableFieldSchema;
    switch (k) {
    case TypeKind::Int64: return T::INT64;
    case TypeKind::Float64: return T::DOUBLE;
    case TypeKind::Numeric: return T::NUMERIC;
    case TypeKind::BigNumeric: return T::BIGNUMERIC;
    case TypeKind::Bool: return T::BOOL;
    case TypeKind::String: return T::STRING;
    case TypeKind::Bytes: return T::BYTES;
    case TypeKind::Date: return T::DATE;
    case TypeKind::Time: return T::TIME;
    case TypeKind::DateTime: return T::DATETIME;
    case TypeKind::Timestamp: return T::TIMESTAMP;
    case TypeKind::Geography: return T::GEOGRAPHY;
    case TypeKind::Json: return T::JSON;
    case TypeKind::Interval: return T::INTERVAL;
    case TypeKind::Range: return T::RANGE;
    case TypeKind::Struct: return T::STRUCT;
    }
    return T::TYPE_UNSPECIFIED;
}

void fillFields(google::protobuf::RepeatedPtrField<v1::TableFieldSchema>* out, const std::vector<Field>& fields) {
    for (const auto& f : fields) {
        auto* p = out->Add();
        p->set_name(f.name);
        p->set_type(fieldType(f.type));
        p->set_mode(f.mode == Mode::Required   ? v1::TableFieldSchema::REQUIRED
                    : f.mode == Mode::Repeated ? v1::TableFieldSchema::REPEATED
                                               : v1::TableFieldSchema::NULLABLE);
        if (!f.description.empty()) p->set_description(f.description);
        if (f.type == TypeKind::Range) p->mutable_range_element_type()->set_type(fieldType(f.rangeElement));
        if (f.type == TypeKind::Struct) fillFields(p->mutable_fields(), f.fields);
    }
}

void fillStream(v1::WriteStream* out, const WriteStreams::Info& i, bool full) {
    out->set_name(i.name);
    out->set_type(toProto(i.type));
    fillTimestamp(out->mutable_create_time(), i.createMs);
    if (i.commitMs) fillTimestamp(out->mutable_commit_time(), *i.commitMs);
    out->set_write_mode(v1::WriteStream::INSERT);
    out->set_location(i.location);
    if (full) fillFields(out->mutable_table_schema()->mutable_fields(), i.schema.fields);
}

} // namespace

class WriteService final : public v1::BigQueryWrite::Service {
public:
    WriteService(WriteStreams& streams, sandbox::SandboxAuth* auth) : streams_(streams), auth_(auth) {}

    Status CreateWriteStream(ServerContext* ctx, const v1::CreateWriteStreamRequest* req, v1::WriteStream* out) override {
        if (auto s = signIn(ctx, auth_); !s.ok()) return s;
        return answer([&] {
            auto type = req->write_stream().type();
            if (type == v1::WriteStream::TYPE_UNSPECIFIED) type = v1::WriteStream::COMMITTED;
            if (type != v1::WriteStream::COMMITTED && type != v1::WriteStream::PENDING && type != v1::WriteStream::BUFFERED)
                throw WriteError{Code::InvalidArgument, "Unknown write stream type " + std::to_string(type)};
            fillStream(out, streams_.create(req->parent(), static_cast<WriteStreams::Type>(static_cast<int>(type))), true);
        });
    }

    Status GetWriteStream(ServerContext* ctx, const v1::GetWriteStreamRequest* req, v1::WriteStream* out) override {
        if (auto s = signIn(ctx, auth_); !s.ok()) return s;
        return answer([&] { fillStream(out, streams_.get(req->name()), req->view() == v1::FULL); });
    }

    Status FinalizeWriteStream(ServerContext* ctx, const v1::FinalizeWriteStreamRequest* req,
                               v1::FinalizeWriteStreamResponse* out) override {
        if (auto s = signIn(ctx, auth_); !s.ok()) return s;
        return answer([&] { out->set_row_count(streams_.finalize(req->name())); });
    }

    Status BatchCommitWriteStreams(ServerContext* ctx, const v1::BatchCommitWriteStreamsRequest* req,
                                   v1::BatchCommitWriteStreamsResponse* out) override {
        if (auto s = signIn(ctx, auth_); !s.ok()) return s;
        return answer([&] {
            const auto r = streams_.batchCommit(req->parent(), {req->write_streams().begin(), req->write_streams().end()});
            if (r.commitMs) fillTimestamp(out->mutable_commit_time(), *r.commitMs);
            for (const auto& e : r.errors) *out->add_stream_errors() = storageError(e);
        });
    }

    Status FlushRows(ServerContext* ctx, const v1::FlushRowsRequest* req, v1::FlushRowsResponse* out) override {
        if (auto s = signIn(ctx, auth_); !s.ok()) return s;
        return answer([&] {
            if (!req->has_offset()) throw WriteError{Code::InvalidArgument, "FlushRows needs an offset."};
            out->set_offset(streams_.flush(req->write_stream(), req->offset().value()));
        });
    }

    Status AppendRows(ServerContext* ctx, grpc::ServerReaderWriter<v1::AppendRowsResponse, v1::AppendRowsRequest>* rw) override {
        if (auto s = signIn(ctx, auth_); !s.ok()) return s;
        Connection c;
        v1::AppendRowsRequest req;
        while (!ctx->IsCancelled() && rw->Read(&req)) {
            v1::AppendRowsResponse resp;
            if (auto s = one(c, req, resp); !s.ok()) return s;
            if (!rw->Write(resp)) break;
        }
        return Status::OK;
    }

private:
    /// One AppendRows connection: its stream and writer schema, named by its first request.
    struct Connection {
        std::string stream;
        std::optional<google::protobuf::DescriptorProto> writer;
        std::unique_ptr<ProtoRowDecoder> decoder;
        std::uint64_t decoderVersion = 0;
        std::optional<std::string> arrowWriter; ///< a serialized Arrow schema, for arrow_rows
        std::unique_ptr<ArrowRowDecoder> arrowDecoder;
        /// The table's schema version at the connection's first append, and its schema since
        /// it changed (answers then carry it as updated_schema, as BigQuery's do).
        std::optional<std::uint64_t> firstVersion;
        std::optional<Schema> updated;
    };

    /// Answers one request of a connection; a status that is not OK ends the connection.
    Status one(Connection& c, const v1::AppendRowsRequest& req, v1::AppendRowsResponse& resp) {
        if (!req.write_stream().empty()) {
            if (!c.stream.empty() && req.write_stream() != c.stream)
                return Status(StatusCode::INVALID_ARGUMENT, "One AppendRows connection writes to one stream: " + c.stream);
            c.stream = req.write_stream();
        }
        if (c.stream.empty()) return Status(StatusCode::INVALID_ARGUMENT, "The first AppendRows request must name write_stream.");
        resp.set_write_stream(c.stream);
        const bool arrowRows = req.has_arrow_rows();
        if (!arrowRows && !req.has_proto_rows())
            return Status(StatusCode::INVALID_ARGUMENT, "The AppendRows request has no rows (proto_rows or arrow_rows).");
        if (arrowRows && req.arrow_rows().has_writer_schema()) {
            c.arrowWriter = req.arrow_rows().writer_schema().serialized_schema();
            c.arrowDecoder.reset();
        }
        if (!arrowRows && req.proto_rows().has_writer_schema()) {
            c.writer = req.proto_rows().writer_schema().proto_descriptor();
            c.decoder.reset();
        }
        if (arrowRows ? !c.arrowWriter : !c.writer)
            return Status(StatusCode::INVALID_ARGUMENT, "The first AppendRows request must carry writer_schema.");
        if (req.ByteSizeLong() > kMaxAppendBytes) {
            fillError(resp.mutable_error(), {Code::InvalidArgument, "AppendRows request too large: " + std::to_string(req.ByteSizeLong()) +
                                                                        " limit " + std::to_string(kMaxAppendBytes)});
            return Status::OK;
        }
        std::optional<std::int64_t> offset;
        if (req.has_offset()) offset = req.offset().value();
        try {
            const auto start = streams_.append(c.stream, offset, [&](const Schema& schema, std::uint64_t version) {
                if (!c.firstVersion) c.firstVersion = version;
                else if (version != *c.firstVersion) c.updated = schema;
                if (arrowRows) return arrowBatch(c, req.arrow_rows().rows().serialized_record_batch(), schema, version);
                if (!c.decoder || c.decoderVersion != version) {
                    c.decoder = std::make_unique<ProtoRowDecoder>(*c.writer, schema);
                    c.decoderVersion = version;
                }
                const auto& rows = req.proto_rows().rows().serialized_rows();
                WriteStreams::Rows out{{}, version, true}; // the decoder checks UTF-8 and makes empty arrays
                out.rows.reserve(static_cast<std::size_t>(rows.size()));
                RowErrors bad;
                std::string why;
                for (int i = 0; i < rows.size(); ++i) {
                    auto v = c.decoder->decode(rows.Get(i), why);
                    if (!v) bad.rows.emplace_back(i, why);
                    else out.rows.push_back(std::move(*v));
                }
                if (!bad.rows.empty()) throw bad;
                return out;
            });
            auto* result = resp.mutable_append_result();
            if (offset) result->mutable_offset()->set_value(start);
            if (c.updated) fillFields(resp.mutable_updated_schema()->mutable_fields(), c.updated->fields);
        } catch (const WriteError& e) {
            fillError(resp.mutable_error(), e);
        } catch (const arrow::ArrowError& e) {
            c.arrowDecoder.reset();
            fillError(resp.mutable_error(), {Code::InvalidArgument, e.what(), StorageCode::Unspecified, c.stream});
        } catch (const SchemaMismatch& e) {
            c.decoder.reset();
            c.arrowDecoder.reset();
            fillError(resp.mutable_error(), {Code::InvalidArgument, e.what(), StorageCode::SchemaMismatchExtraFields, c.stream});
        } catch (const RowErrors& e) {
            for (const auto& [index, message] : e.rows) {
                auto* r = resp.add_row_errors();
                r->set_index(index);
                r->set_code(v1::RowError::FIELDS_ERROR);
                r->set_message(message);
            }
            fillError(resp.mutable_error(), {Code::InvalidArgument, "Errors found while processing rows. Please refer to the row_errors "
                                                                    "field for details. The list may not be complete because of the size "
                                                                    "limitations. Entity: " + c.stream});
        }
        return Status::OK;
    }

    /// arrow_rows' record batch as rows of the table (laid out by schema version `version`).
    static WriteStreams::Rows arrowBatch(Connection& c, const std::string& batch, const Schema& schema, std::uint64_t version) {
        if (!c.arrowDecoder || c.decoderVersion != version) {
            c.arrowDecoder = std::make_unique<ArrowRowDecoder>(*c.arrowWriter, schema);
            c.decoderVersion = version;
        }
        RowErrors bad;
        WriteStreams::Rows out{c.arrowDecoder->decode(batch, bad.rows), version, false};
        if (!bad.rows.empty()) throw bad;
        return out;
    }

    WriteStreams& streams_;
    sandbox::SandboxAuth* auth_;
};

struct StorageServer::Impl {
    Options o;
    sandbox::SandboxAuth* auth = nullptr;
    std::unique_ptr<WriteStreams> streams;
    std::unique_ptr<WriteService> write;
    std::unique_ptr<ReadSessions> sessions;
    std::unique_ptr<v1::BigQueryRead::Service> read;
    std::unique_ptr<grpc::Server> server;
};

StorageServer::StorageServer(sandbox::Store& store, sandbox::SandboxAuth* auth, sandbox::JobManager* jobs, Options o)
    : d_(std::make_unique<Impl>()) {
    d_->o = std::move(o);
    d_->auth = auth;
    d_->streams = std::make_unique<WriteStreams>(store, d_->o.dataDir / ".write-streams");
    d_->write = std::make_unique<WriteService>(*d_->streams, auth);
    d_->sessions = std::make_unique<ReadSessions>(store, jobs);
    d_->read = makeReadService(*d_->sessions, auth);
}

StorageServer::~StorageServer() { stop(); }

int StorageServer::start() {
    grpc::ServerBuilder b;
    int port = 0;
    const std::string host = d_->o.host.find(':') != std::string::npos ? "[" + d_->o.host + "]" : d_->o.host;
    b.AddListeningPort(host + ":" + std::to_string(d_->o.port), grpc::InsecureServerCredentials(), &port);
    b.RegisterService(d_->write.get());
    b.RegisterService(d_->read.get());
    // Room for a request over BigQuery's 10 MB limit, so it gets BigQuery's answer; past this
    // gRPC itself refuses it (RESOURCE_EXHAUSTED) before anything is read into memory.
    b.SetMaxReceiveMessageSize(static_cast<int>(kMaxAppendBytes + (6u << 20)));
    d_->server = b.BuildAndStart();
    if (!d_->server || port <= 0) throw std::runtime_error("cannot listen for the Storage API on " + host + ":" + std::to_string(d_->o.port));
    return port;
}

void StorageServer::stop() {
    if (d_->server) {
        d_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
        d_->server->Wait();
        d_->server.reset();
    }
}

} // namespace quarry::storageapi
