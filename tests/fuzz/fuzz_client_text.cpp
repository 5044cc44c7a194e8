// SPDX-License-Identifier: MIT
// libFuzzer: the client's text readers. The first byte picks what the rest is:
// 'R' a jobs watch rule (JobRule), evaluated against a running job when it reads; anything
// else a folder of .sql files for `quarry-cli validate`, split at NUL bytes (at most 8 files):
// tokens, chunks, the names each reads, the order, and an error position mapped back.
// Checked: chunks lie inside their file in order, positions are 1-based, each file is in at
// most one wave and after every file it needs, and a mapped position is inside the chunk's
// lines.
#include "query/JobRule.h"
#include "query/ViewGraph.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>

using namespace quarry;

namespace {

void rule(const std::string& text) {
    try {
        const auto r = JobRule::parse(text);
        const nlohmann::json job = {
            {"configuration", {{"jobType", "QUERY"}, {"query", {{"priority", "INTERACTIVE"}}}}},
            {"status", {{"state", "RUNNING"}}},
            {"statistics", {{"startTime", "1000"}, {"totalSlotMs", "5000"},
                            {"query", {{"timeline", {{{"elapsedMs", "4000"}, {"completedUnits", "3"}, {"pendingUnits", "9"}}}}}}}},
            {"user_email", "a@b.c"}};
        (void)r.evaluate(job, 3'600'000, 100.0);
    } catch (const JobRule::Error& e) {
        if (e.column < 1 || static_cast<std::size_t>(e.column) > text.size() + 1) std::abort();
    }
}

void folder(const std::string& in) {
    std::vector<SqlFile> files;
    std::size_t start = 0;
    while (start <= in.size() && files.size() < 8) {
        const auto end = std::min(in.find('\0', start), in.size());
        files.push_back(parseSqlFile("f" + std::to_string(files.size()) + ".sql", in.substr(start, end - start), "p", "ds"));
        start = end + 1;
    }
    for (const auto& f : files) {
        std::size_t after = 0;
        for (const auto& c : f.chunks) {
            if (c.offset < after || c.offset + c.text.size() > f.text.size()) std::abort();
            if (f.text.compare(c.offset, c.text.size(), c.text) != 0) std::abort();
            if (c.start.line < 1 || c.start.col < 1 || c.afterCreate > c.text.size() || c.queryOffset > c.text.size()) std::abort();
            after = c.offset + c.text.size();
            const auto text = dryRunText(c);
            if (text.size() < c.text.size()) std::abort();
            const int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
            SqlPosition at;
            mapErrorPosition("Unrecognized name: x at [" + std::to_string(lines) + ":" + std::to_string(1 + (text.size() % 7)) + "]", c, at);
            if (at.line < c.start.line || at.line > c.start.line + lines - 1 || at.col < 1) std::abort();
        }
    }
    const auto g = orderSqlFiles(std::move(files));
    std::vector<int> wave(g.files.size(), -1);
    for (std::size_t w = 0; w < g.waves.size(); ++w)
        for (const auto i : g.waves[w]) {
            if (i >= g.files.size() || wave[i] >= 0) std::abort();
            wave[i] = static_cast<int>(w);
        }
    for (std::size_t i = 0; i < g.files.size(); ++i)
        for (const auto n : g.needs[i])
            if (wave[i] >= 0 && !(wave[n] >= 0 && wave[n] < wave[i])) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string in(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] == 'R') rule(in);
    else folder(in);
    return 0;
}
