// SPDX-License-Identifier: MIT
// Time from a finished query job to its first page of rows decoded into Values, with
// ResultPager (getQueryResults + FvDecoder). Median of REPEATS. Prints one JSON line.
// Usage: bench_first_page BASE_URL PROJECT SQL [PAGE_ROWS=1000] [REPEATS=20]
#include "query/QueryRunner.h"
#include "query/ResultPager.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

using namespace quarry;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_first_page BASE_URL PROJECT SQL [PAGE_ROWS] [REPEATS]\n");
        return 2;
    }
    const int pageRows = argc > 4 ? std::atoi(argv[4]) : 1000;
    const int repeats = argc > 5 ? std::atoi(argv[5]) : 20;
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(argv[1]);
    o.projectId = argv[2];
    BigQueryClient client(o);
    QueryRunner runner(client);
    QueryRequest r;
    r.sql = argv[3];
    r.project = argv[2];
    const auto job = runner.run(r);
    if (!job.ok()) {
        std::fprintf(stderr, "bench_first_page: %s\n", job.error->what());
        return 1;
    }
    std::vector<double> ms;
    std::size_t rows = 0;
    for (int i = 0; i < repeats; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        ResultPager pager(client, job.job, 64u << 20, pageRows);
        const auto page = pager.next();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        rows = page ? page->rows.size() : 0;
    }
    std::sort(ms.begin(), ms.end());
    std::printf("{\"impl\":\"quarry ResultPager\",\"page_rows\":%zu,\"median_ms\":%.2f,\"min_ms\":%.2f}\n", rows,
                ms[ms.size() / 2], ms.front());
    return 0;
}
