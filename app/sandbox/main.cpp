// SPDX-License-Identifier: MIT
// quarry-sandbox: a local BigQuery-compatible REST server.
#include "quarry/Version.h"
#include "platform/Folders.h"
#include "platform/System.h"
#include "sandbox/RowLog.h"
#include "sandbox/Server.h"
#include "sandbox/sql/ColumnCache.h"
#include "sandbox/sql/Pruning.h"
#include "sandbox/sql/plan/Executor.h"
#ifdef QUARRY_HAS_STORAGE_API
#include "storageapi/StorageServer.h"
#endif

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace {

std::filesystem::path defaultDataDir() { return quarry::platform::dataFolder() / "sandbox"; }

volatile std::sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"quarry-sandbox: a local BigQuery-compatible REST server"};
    app.set_version_flag("--version", std::string("quarry-sandbox ") + quarry::kVersion);
    quarry::sandbox::Server::Options o;
    std::string data;
    std::string project = "sandbox";
    bool anyHost = false;
    long long dedupSeconds = 600;
    app.add_option("--host", o.host, "address to listen on (default 127.0.0.1)");
    app.add_flag("--allow-remote", anyHost, "allow --host other than loopback (no authentication!)");
    app.add_option("--port", o.port, "port; 0 picks a free one and prints it")->check(CLI::Range(0, 65535));
    int grpcPort = 0;
#ifdef QUARRY_HAS_STORAGE_API
    app.add_option("--grpc-port", grpcPort,
                   "port of the BigQuery Storage API (gRPC); 0 picks a free one and prints it, -1 serves none")
        ->check(CLI::Range(-1, 65535));
    std::string grpcCert, grpcKey;
    bool requireRouting = false;
    app.add_option("--grpc-tls-cert", grpcCert, "PEM certificate chain: serve the Storage API over TLS (with --grpc-tls-key)")
        ->check(CLI::ExistingFile);
    app.add_option("--grpc-tls-key", grpcKey, "PEM private key of --grpc-tls-cert")->check(CLI::ExistingFile);
    app.add_flag("--require-routing-header", requireRouting,
                 "refuse Storage API calls without the x-goog-request-params routing header Google's clients send "
                 "(to test a client)");
#endif
    app.add_option("--data", data, "data folder (default: the user's app-data folder)");
    app.add_option("--project", project, "the project clients are expected to use (informational)");
    app.add_option("--faults", o.faults, "fault injection, e.g. 'insertAll:503:0.05,job:delay=2s:1'");
    app.add_option("--seed", o.seed, "seed for fault injection");
    app.add_option("--dedup-window", dedupSeconds, "seconds an insertId is remembered (default 600)")->check(CLI::PositiveNumber);
    double checkpointMb = 64;
    double checkpointIdleSeconds = 5;
    app.add_option("--checkpoint-mb", checkpointMb,
                   "fold a table's log into compressed row groups once it is this large (default 64; 0: never in the "
                   "background)")
        ->check(CLI::Range(0.0, 1048576.0));
    app.add_option("--checkpoint-idle", checkpointIdleSeconds,
                   "... or once it has had no writes for this many seconds (default 5)")
        ->check(CLI::Range(0.1, 86400.0));
    long long tableMemoryMb = 4096;
    app.add_option("--table-memory", tableMemoryMb,
                   "MB of table rows to hold in memory; past it, the tables used longest ago are let go and read "
                   "again from disk when next used (default 4096; 0: no limit)")
        ->check(CLI::Range(0LL, 1LL << 30));
    long long scanInPlaceMb = 512;
    app.add_option("--scan-in-place-mb", scanInPlaceMb,
                   "queries read a table whose rows would take more than this many MB of memory (estimated from its "
                   "row groups) in place, a group at a time and only the columns they use, instead of holding its rows "
                   "(default 512; 0: every table whose rows are all in row groups)")
        ->check(CLI::Range(0LL, 1LL << 30));
    long long timeTravelMb = 1024;
    app.add_option("--time-travel-mb", timeTravelMb,
                   "MB of disk each table's past versions (time travel) may take; past it, its oldest versions are "
                   "removed before their window ends (default 1024; 0: no limit)")
        ->check(CLI::Range(0LL, 1LL << 30));
    app.add_option("--time-travel-versions", o.timeTravelVersions,
                   "past versions each table keeps at most; past it, its oldest are removed before their window "
                   "ends (default 1000)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
    app.add_option("--workers", o.workers, "job worker threads")->check(CLI::Range(1, 64));
    app.add_option("--user", o.user,
                   "the account jobs are made by without sign-in (default sandbox@quarry.local); a request may "
                   "name another in an X-Quarry-User header. With --auth, the token's account.");
    app.add_option("--auth", o.auth,
                   "none (default) or keys:DIR: trust the service-account keys in DIR/<email>/<key id>.pem, "
                   "serve a token endpoint at /token, and require a bearer token on every API call");
    long long tokenSeconds = 3600;
    app.add_option("--token-lifetime", tokenSeconds, "seconds an issued access token lives (default 3600)")
        ->check(CLI::Range(1, 86400));
    double clientSeconds = 10;
    app.add_option("--client-timeout", clientSeconds,
                   "seconds a client may take to send a request's headers, and after which a body or answer must "
                   "move at 64 KB/s (default 10)")
        ->check(CLI::Range(0.1, 3600.0));
    std::size_t queryMemoryMb = 2048, keptResultsMb = 1024;
    app.add_option("--query-memory", queryMemoryMb, "MB of memory one query may hold at once (default 2048)")
        ->check(CLI::Range(16, 1 << 22));
    app.add_option("--kept-results", keptResultsMb,
                   "MB of finished jobs' results and configurations kept; the oldest are dropped first (default 1024)")
        ->check(CLI::Range(1, 1 << 22));
    quarry::sandbox::sql::plan::SplitSettings split;
    app.add_option("--query-threads", split.threads,
                   "threads one query may split a large aggregating scan over (default: the machine's cores, at most 8; 1 never splits)")
        ->check(CLI::Range(1, 64));
    app.add_option("--split-rows", split.minRows, "rows a table needs before a query splits its scan (default 32768; tests use 1)")
        ->check(CLI::Range(1, 1 << 30));
    quarry::sandbox::sql::ColumnCacheSettings columns;
    std::size_t columnCacheMb = columns.limitBytes >> 20;
    app.add_option("--column-cache-mb", columnCacheMb,
                   "MB of columns copied out of tables held in memory, so that queries read them as one run of memory; "
                   "the least recently used are dropped first (default 512; 0: none)")
        ->check(CLI::Range(0, 1 << 22));
    app.add_option("--column-cache-rows", columns.minRows, "rows a table needs before its columns are cached (default 32768; tests use 1)")
        ->check(CLI::Range(1, 1 << 30));
    double clusterBlockMb = 64;
    app.add_option("--cluster-block-mb", clusterBlockMb,
                   "MB of a clustered table's storage blocks: a query's run bills only the blocks its filter on the first "
                   "clustering column can touch (default 64; a dry run is the upper bound, as BigQuery's)")
        ->check(CLI::Range(0.0001, 1048576.0));
    bool logRequests = false;
    app.add_flag("--log-requests", logRequests, "print one line per request to stderr (method, path, status)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    const bool loopback = o.host == "127.0.0.1" || o.host == "localhost" || o.host == "::1";
    const bool open = o.auth.empty() || o.auth == "none";
    if (!loopback && !anyHost) {
        std::cerr << "quarry-sandbox: refusing to listen on " << o.host << ": "
                  << (open ? "the sandbox runs without authentication" : "the sandbox serves plain HTTP")
                  << ". Pass --allow-remote if you mean it.\n";
        return 2;
    }
    if (!loopback && open) std::cerr << "quarry-sandbox: WARNING: listening on " << o.host << " without authentication\n";
    // Every client connection is a descriptor: take all the system allows (often 1,024 by default).
    quarry::platform::raiseOpenFileLimit();
    o.dataDir = data.empty() ? defaultDataDir() : std::filesystem::path(data);
    o.dedupWindow = std::chrono::seconds(dedupSeconds);
    o.checkpointBytes = static_cast<std::uint64_t>(checkpointMb * 1048576.0);
    o.checkpointIdle = std::chrono::milliseconds(static_cast<long long>(checkpointIdleSeconds * 1000));
    o.tableMemory = static_cast<std::uint64_t>(tableMemoryMb) << 20;
    o.scanInPlaceBytes = static_cast<std::uint64_t>(scanInPlaceMb) << 20;
    o.timeTravelBytes = static_cast<std::uint64_t>(timeTravelMb) << 20;
    o.tokenLifetime = std::chrono::seconds(tokenSeconds);
    o.jobs.queryMemory = queryMemoryMb << 20;
    o.jobs.keptBytes = keptResultsMb << 20;
    quarry::sandbox::sql::plan::setSplitSettings(split);
    columns.limitBytes = columnCacheMb << 20;
    quarry::sandbox::sql::setColumnCacheSettings(columns);
    quarry::sandbox::sql::setClusterBlockBytes(static_cast<std::uint64_t>(clusterBlockMb * 1024 * 1024));
    o.connections.clientTimeout = std::chrono::milliseconds(static_cast<long long>(clientSeconds * 1000));
    if (logRequests) o.log = [](const std::string& line) { std::cerr << "quarry-sandbox: " << line << std::endl; };
    try {
        quarry::sandbox::Server server(o);
        for (const auto& note : server.loadNotes()) std::cerr << "quarry-sandbox: " << note << "\n";
#ifdef QUARRY_HAS_STORAGE_API
        // The Storage API first, so the REST answers can say where it is from the first one.
        std::unique_ptr<quarry::storageapi::StorageServer> storage;
        int grpcBound = 0;
        const std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
        if (grpcPort >= 0) {
            quarry::storageapi::StorageServer::Options so;
            so.host = o.host;
            so.port = grpcPort;
            so.dataDir = o.dataDir;
            if (grpcCert.empty() != grpcKey.empty()) throw std::runtime_error("--grpc-tls-cert and --grpc-tls-key go together");
            if (!grpcCert.empty()) {
                so.tlsCertPem = quarry::sandbox::readWholeFile(grpcCert);
                so.tlsKeyPem = quarry::sandbox::readWholeFile(grpcKey);
            }
            so.requireRouting = requireRouting;
            storage = std::make_unique<quarry::storageapi::StorageServer>(server.store(), server.auth(), &server.jobs(), so);
            grpcBound = storage->start();
            server.advertiseStorageApi((grpcCert.empty() ? "" : "tls:") + host + ":" + std::to_string(grpcBound));
        }
#else
        const std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
#endif
        const int port = server.start();
#ifdef QUARRY_HAS_STORAGE_API
        if (storage) storage->setRestBaseUrl("http://" + host + ":" + std::to_string(port));
#endif
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
        std::cout << "listening on http://" << host << ":" << port << std::endl;
#ifdef QUARRY_HAS_STORAGE_API
        if (storage) std::cout << "storage API (gRPC" << (grpcCert.empty() ? "" : ", TLS") << ") on " << host << ":" << grpcBound << std::endl;
#endif
        std::cerr << "quarry-sandbox: project '" << project << "', data in " << o.dataDir.string() << "\n";
        while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
#ifdef QUARRY_HAS_STORAGE_API
        if (storage) storage->stop();
#endif
        server.stop();
        std::cerr << "quarry-sandbox: stopped\n";
    } catch (const std::exception& e) {
        std::cerr << "quarry-sandbox: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
