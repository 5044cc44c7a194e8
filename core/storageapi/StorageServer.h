// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace quarry::sandbox {
class Store;
class SandboxAuth;
class JobManager;
} // namespace quarry::sandbox

namespace quarry::storageapi {

/// The BigQuery Storage API (google.cloud.bigquery.storage.v1) over gRPC on a port of its own,
/// serving the sandbox's Store: BigQueryWrite (WriteStreams, ProtoRowDecoder) and BigQueryRead
/// (ReadSessions, rows as Arrow: ArrowIpc.h). Plain HTTP/2 like the REST port, or TLS with a
/// certificate given (as Google's endpoint: clients are tested over TLS against it); with
/// sign-in on (`auth`), every call needs a bearer token in its `authorization` metadata valid
/// for the Storage API.
class StorageServer {
public:
    struct Options {
        std::string host = "127.0.0.1";
        int port = 0; ///< 0: any free port
        std::filesystem::path dataDir;
        /// PEM certificate chain and private key: TLS instead of plain HTTP/2 when set.
        std::string tlsCertPem, tlsKeyPem;
        /// Refuse calls without the routing header Google's clients send (CallGate).
        bool requireRouting = false;
    };
    /// `auth` may be null (no sign-in), `jobs` too (no query results to read); all must outlive
    /// the server.
    StorageServer(sandbox::Store& store, sandbox::SandboxAuth* auth, sandbox::JobManager* jobs, Options o);
    ~StorageServer();
    StorageServer(const StorageServer&) = delete;
    StorageServer& operator=(const StorageServer&) = delete;

    /// Binds and serves; returns the port. Throws std::runtime_error if it cannot bind.
    int start();
    /// The REST API's base URL once it listens: a self-signed JWT for this sandbox names it.
    void setRestBaseUrl(std::string url);
    /// Ends calls in progress (cancelled) and stops serving.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace quarry::storageapi
