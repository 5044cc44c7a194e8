// SPDX-License-Identifier: MIT
// Decodes a getQueryResults page file into Values, several times, and prints the median
// rows/s and MB/s as one JSON line. Usage: bench_decode PAGE.json [REPEATS]
#include "value/FvCodec.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_decode PAGE.json [REPEATS]\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) {
        std::cerr << "bench_decode: cannot read " << argv[1] << "\n";
        return 2;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string body = ss.str();
    const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 7;
    quarry::FvDecoder decoder(quarry::TimestampEncoding::Auto);
    std::vector<double> secs;
    std::size_t rows = 0, memory = 0;
    for (int i = 0; i < repeats; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto page = decoder.decodeResponse(body);
        const auto t1 = std::chrono::steady_clock::now();
        rows = page.rows.size();
        memory = page.memoryBytes();
        secs.push_back(std::chrono::duration<double>(t1 - t0).count());
    }
    std::sort(secs.begin(), secs.end());
    const double med = secs[secs.size() / 2];
    std::printf("{\"impl\":\"quarry\",\"rows\":%zu,\"bytes\":%zu,\"seconds\":%.4f,\"rows_per_s\":%.0f,"
                "\"mb_per_s\":%.1f,\"value_bytes\":%zu}\n",
                rows, body.size(), med, rows / med, body.size() / med / 1e6, memory);
    return 0;
}
