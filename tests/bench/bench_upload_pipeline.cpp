// SPDX-License-Identifier: MIT
// The uploader's client pipeline alone, on one core: read the file (RecordReader), check every
// row against the schema (RowChecker), build insertAll request bodies (BatchBuilder), and drop
// them (a null sink instead of the network). Prints one JSON line with MB/s and peak RSS.
// Usage: bench_upload_pipeline FILE SCHEMA.json [BATCH_ROWS=500]
#include "upload/BatchSender.h"
#include "upload/RecordReader.h"
#include "upload/RowChecker.h"
#include "platform/System.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace quarry;
using namespace quarry::upload;

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_upload_pipeline FILE SCHEMA.json [BATCH_ROWS]\n");
        return 2;
    }
    std::ifstream sf(argv[2]);
    const auto sj = nlohmann::json::parse(sf);
    const Schema schema = Schema::fromJson(sj.is_array() ? nlohmann::json{{"fields", sj}} : sj);
    const std::size_t batchRows = argc > 3 ? std::stoul(argv[3]) : 500;
    const auto t0 = std::chrono::steady_clock::now();
    RecordReader reader(argv[1], {});
    RowChecker checker(schema, false);
    BatchBuilder builder("0123456789abcdef", 0, false, batchRows, 9u << 20);
    Batch b;
    builder.start(b, 0);
    std::uint64_t rows = 0, rejected = 0, batches = 0, bodyBytes = 0;
    Record r;
    Rejection why;
    while (reader.next(r)) {
        if (!checker.check(r, why)) {
            ++rejected;
            continue;
        }
        if (builder.full(b, r.text)) {
            builder.close(b);
            bodyBytes += b.body.size(); // the null sink
            ++batches;
            builder.start(b, r.ordinal);
        }
        builder.add(b, r.ordinal, r.line, r.column, r.text);
        ++rows;
    }
    builder.close(b);
    bodyBytes += b.body.size();
    ++batches;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double mb = static_cast<double>(reader.textBytesRead()) / 1e6;
    std::printf("{\"impl\":\"quarry upload pipeline\",\"rows\":%llu,\"rejected\":%llu,\"batches\":%llu,\"input_mb\":%.1f,"
                "\"request_mb\":%.1f,\"seconds\":%.3f,\"mb_per_s\":%.1f,\"rows_per_s\":%.0f,\"peak_rss_mb\":%.1f}\n",
                static_cast<unsigned long long>(rows), static_cast<unsigned long long>(rejected),
                static_cast<unsigned long long>(batches), mb, static_cast<double>(bodyBytes) / 1e6, secs, mb / secs,
                static_cast<double>(rows) / secs, static_cast<double>(quarry::platform::peakResidentBytes()) / 1048576.0);
    return 0;
}
