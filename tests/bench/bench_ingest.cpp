// SPDX-License-Identifier: MIT
// Streams an NDJSON file into a sandbox (or any endpoint) with Quarry's BigQueryClient:
// insertAll batches of B rows with insertIds, C requests in flight. Prints one JSON line.
// Usage: bench_ingest BASE_URL FILE.ndjson SCHEMA.json [BATCH=500] [CONCURRENCY=4]
#include "bigquery/BigQueryClient.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

using namespace quarry;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: bench_ingest BASE_URL FILE.ndjson SCHEMA.json [BATCH] [CONCURRENCY]\n";
        return 2;
    }
    const std::size_t batch = argc > 4 ? std::stoul(argv[4]) : 500;
    const int concurrency = argc > 5 ? std::stoi(argv[5]) : 4;
    std::ifstream in(argv[2]);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) lines.push_back(std::move(l));
    std::ifstream sf(argv[3]);
    const Json schema = Json::parse(sf);

    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(argv[1]);
    o.projectId = "bench";
    BigQueryClient client(o);
    client.insertDataset("bench", {{"datasetReference", {{"datasetId", "bench_cpp"}}}});
    client.insertTable("bench", "bench_cpp", {{"tableReference", {{"tableId", "persons"}}}, {"schema", schema}});
    const TableRef table{"bench", "bench_cpp", "persons"};

    // Bodies are built from the input text as it is: no re-serialisation of rows.
    const std::size_t batches = (lines.size() + batch - 1) / batch;
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> failed{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int w = 0; w < concurrency; ++w) {
        workers.emplace_back([&] {
            for (std::size_t b; (b = next++) < batches;) {
                std::string body = "{\"rows\":[";
                for (std::size_t i = b * batch; i < std::min(lines.size(), (b + 1) * batch); ++i) {
                    if (i > b * batch) body += ',';
                    body += "{\"insertId\":\"bench:" + std::to_string(i + 1) + "\",\"json\":" + lines[i] + "}";
                }
                body += "]}";
                if (!client.insertAll(table, body).ok()) ++failed;
            }
        });
    }
    for (auto& t : workers) t.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto rows = client.getTable(table)["numRows"].get<std::string>();
    std::printf("{\"impl\":\"quarry C++ client\",\"rows\":%zu,\"stored\":%s,\"batch\":%zu,\"concurrency\":%d,"
                "\"seconds\":%.3f,\"rows_per_s\":%.0f,\"failed_batches\":%zu}\n",
                lines.size(), rows.c_str(), batch, concurrency, secs, lines.size() / secs, failed.load());
    return failed ? 1 : 0;
}
