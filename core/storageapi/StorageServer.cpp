// SPDX-License-Identifier: MIT
#include "storageapi/StorageServer.h"

#include "sandbox/Auth.h"
#include "sandbox/Store.h"
#include "storageapi/GrpcCommon.h"
#include "storageapi/ReadSessions.h"
#include "storageapi/WriteStreams.h"

#include <stdexcept>

namespace quarry::storageapi {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

namespace {

v1::WriteStream_Type toProto(WriteStreams::Type t) { return static_cast<v1::WriteStream_Type>(static_cast<int>(t)); }

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
    WriteService(WriteStreams& streams, const CallGate& gate) : streams_(streams), gate_(gate) {}

    Status CreateWriteStream(ServerContext* ctx, const v1::CreateWriteStreamRequest* req, v1::WriteStream* out) override {
        if (auto s = gate_.admit(ctx, "parent", req->parent()); !s.ok()) return s;
        return answer([&] {
            auto type = req->write_stream().type();
            if (type == v1::WriteStream::TYPE_UNSPECIFIED) type = v1::WriteStream::COMMITTED;
            if (type != v1::WriteStream::COMMITTED && type != v1::WriteStream::PENDING && type != v1::WriteStream::BUFFERED)
                throw WriteError{Code::InvalidArgument, "Unknown write stream type " + std::to_string(type)};
            fillStream(out, streams_.create(req->parent(), static_cast<WriteStreams::Type>(static_cast<int>(type))), true);
        });
    }

    Status GetWriteStream(ServerContext* ctx, const v1::GetWriteStreamRequest* req, v1::WriteStream* out) override {
        if (auto s = gate_.admit(ctx, "name", req->name()); !s.ok()) return s;
        return answer([&] { fillStream(out, streams_.get(req->name()), req->view() == v1::FULL); });
    }

    Status FinalizeWriteStream(ServerContext* ctx, const v1::FinalizeWriteStreamRequest* req,
                               v1::FinalizeWriteStreamResponse* out) override {
        if (auto s = gate_.admit(ctx, "name", req->name()); !s.ok()) return s;
        return answer([&] { out->set_row_count(streams_.finalize(req->name())); });
    }

    Status BatchCommitWriteStreams(ServerContext* ctx, const v1::BatchCommitWriteStreamsRequest* req,
                                   v1::BatchCommitWriteStreamsResponse* out) override {
        if (auto s = gate_.admit(ctx, "parent", req->parent()); !s.ok()) return s;
        return answer([&] {
            const auto r = streams_.batchCommit(req->parent(), {req->write_streams().begin(), req->write_streams().end()});
            if (r.commitMs) fillTimestamp(out->mutable_commit_time(), *r.commitMs);
            for (const auto& e : r.errors) *out->add_stream_errors() = storageError(e);
        });
    }

    Status FlushRows(ServerContext* ctx, const v1::FlushRowsRequest* req, v1::FlushRowsResponse* out) override {
        if (auto s = gate_.admit(ctx, "write_stream", req->write_stream()); !s.ok()) return s;
        return answer([&] {
            if (!req->has_offset()) throw WriteError{Code::InvalidArgument, "FlushRows needs an offset."};
            out->set_offset(streams_.flush(req->write_stream(), req->offset().value()));
        });
    }

    Status AppendRows(ServerContext* ctx, grpc::ServerReaderWriter<v1::AppendRowsResponse, v1::AppendRowsRequest>* rw) override {
        if (auto s = gate_.signIn(ctx); !s.ok()) return s;
        return serveAppendRows(streams_, gate_, ctx, rw); // routing: when the first request names its stream
    }

private:
    WriteStreams& streams_;
    const CallGate& gate_;
};

struct StorageServer::Impl {
    Options o;
    std::unique_ptr<CallGate> gate;
    std::unique_ptr<WriteStreams> streams;
    std::unique_ptr<WriteService> write;
    std::unique_ptr<ReadSessions> sessions;
    std::unique_ptr<v1::BigQueryRead::Service> read;
    std::unique_ptr<grpc::Server> server;
};

StorageServer::StorageServer(sandbox::Store& store, sandbox::SandboxAuth* auth, sandbox::JobManager* jobs, Options o)
    : d_(std::make_unique<Impl>()) {
    d_->o = std::move(o);
    d_->gate = std::make_unique<CallGate>(auth, d_->o.requireRouting);
    d_->streams = std::make_unique<WriteStreams>(store, d_->o.dataDir / ".write-streams");
    d_->write = std::make_unique<WriteService>(*d_->streams, *d_->gate);
    d_->sessions = std::make_unique<ReadSessions>(store, jobs);
    d_->read = makeReadService(*d_->sessions, *d_->gate);
}

StorageServer::~StorageServer() { stop(); }

int StorageServer::start() {
    grpc::ServerBuilder b;
    int port = 0;
    const std::string host = d_->o.host.find(':') != std::string::npos ? "[" + d_->o.host + "]" : d_->o.host;
    std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
    if (!d_->o.tlsCertPem.empty()) {
        grpc::SslServerCredentialsOptions tls;
        tls.pem_key_cert_pairs.push_back({d_->o.tlsKeyPem, d_->o.tlsCertPem});
        credentials = grpc::SslServerCredentials(tls);
    }
    b.AddListeningPort(host + ":" + std::to_string(d_->o.port), credentials, &port);
    b.RegisterService(d_->write.get());
    b.RegisterService(d_->read.get());
    // Room for a request over BigQuery's 10 MB limit, so it gets BigQuery's answer; past this
    // gRPC itself refuses it (RESOURCE_EXHAUSTED) before anything is read into memory.
    b.SetMaxReceiveMessageSize(static_cast<int>(kMaxAppendBytes + (6u << 20)));
    d_->server = b.BuildAndStart();
    if (!d_->server || port <= 0) {
        if (!d_->o.tlsCertPem.empty())
            throw std::runtime_error("cannot serve the Storage API over TLS on " + host + ":" + std::to_string(d_->o.port) +
                                     ": the port is taken, or the certificate or key was not accepted (--grpc-tls-cert takes a "
                                     "PEM certificate chain, --grpc-tls-key its unencrypted PEM private key)");
        throw std::runtime_error("cannot listen for the Storage API on " + host + ":" + std::to_string(d_->o.port));
    }
    return port;
}

void StorageServer::setRestBaseUrl(std::string url) { d_->gate->setRestBaseUrl(std::move(url)); }

void StorageServer::stop() {
    if (d_->server) {
        d_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
        d_->server->Wait();
        d_->server.reset();
    }
}

} // namespace quarry::storageapi
