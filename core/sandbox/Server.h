// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Limits.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace quarry::sandbox {

/// The sandbox: BigQuery's REST v2 API on a local port, over the Store and JobManager.
/// Serves both /bigquery/v2/projects/... and /projects/....
class Server {
public:
    struct Options {
        std::string host = "127.0.0.1";
        int port = 0; ///< 0 = any free port
        std::filesystem::path dataDir;
        std::string faults;      ///< Faults spec
        std::uint64_t seed = 0;  ///< fault RNG seed
        std::chrono::milliseconds dedupWindow{10 * 60 * 1000};
        /// A table's log is folded into compressed row groups at this size or after
        /// `checkpointIdle` without writes (Store::Options); 0 turns background checkpoints off.
        std::uint64_t checkpointBytes = 64u << 20;
        std::chrono::milliseconds checkpointIdle{5000};
        /// Memory for tables' rows before those used longest ago are let go (Store::Options).
        std::uint64_t tableMemory = 4096ull << 20;
        std::uint64_t scanInPlaceBytes = 512ull << 20; ///< Store::Options::scanInPlaceBytes
        std::uint64_t timeTravelBytes = 1024ull << 20; ///< Store::Options::timeTravelBytes
        std::size_t timeTravelVersions = 1000;          ///< Store::Options::timeTravelVersions
        int workers = 2;
        /// Who makes jobs without sign-in, unless a request says (X-Quarry-User); with --auth
        /// the token's account does.
        std::string user = "sandbox@quarry.local";
        /// Empty or "none": open, as on loopback by default. "keys:DIR": see SandboxAuth.
        std::string auth;
        std::chrono::seconds tokenLifetime{3600};
        /// One line per request (method, path without query, status) to this callback.
        std::function<void(const std::string&)> log;
        ConnectionLimits connections;
        JobLimits jobs;
    };

    /// Loads the data folder. Throws std::runtime_error (bad fault spec, unreadable data).
    explicit Server(Options o);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and serves on a background thread; returns the port. Throws if it cannot bind.
    int start();
    /// Stops serving and waits for the server thread.
    void stop();
    int port() const;
    /// Notes from loading (torn tails cut, keys not trusted).
    const std::vector<std::string>& loadNotes() const;
    /// The data and sign-in, for another front end on them (the Storage API's gRPC server).
    /// auth() is null without sign-in.
    class Store& store();
    class SandboxAuth* auth();
    class JobManager& jobs();
    /// Tells clients (X-Quarry-Storage-Api on every answer) where the Storage API is served,
    /// "host:port", or "tls:host:port" when it is served over TLS. Before start().
    void advertiseStorageApi(const std::string& address);

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace quarry::sandbox
