// SPDX-License-Identifier: MIT
#include "query/History.h"

#include <fstream>
#include <gtest/gtest.h>
#include <random>

using namespace quarry;

TEST(History, AppendsLoadsAndSkipsTornLines) {
    std::random_device rd;
    const auto file = std::filesystem::temp_directory_path() / ("quarry-history-" + std::to_string(rd())) / "h.ndjson";
    History h(file);
    HistoryEntry a;
    a.sql = "SELECT 1\nFROM t";
    a.project = "p";
    a.jobId = "j1";
    a.location = "EU";
    a.state = "FAILED";
    a.startMs = 1;
    a.endMs = 2;
    a.bytesProcessed = 9007199254740993ULL;
    a.slotMs = 42;
    a.errorReason = "invalidQuery";
    a.errorMessage = "Unrecognized name: x at [2:3]";
    a.errorLine = 2;
    a.errorColumn = 3;
    h.append(a);
    {
        std::ofstream torn(file, std::ios::app);
        torn << "{\"sql\":\"SELECT tor"; // a crash mid-append
    }
    HistoryEntry b = a;
    b.jobId = "j2";
    b.state = "DONE";
    b.errorReason.clear();
    {
        std::ofstream fix(file, std::ios::app);
        fix << "\n";
    }
    h.append(b);
    const auto all = h.load();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].sql, a.sql);
    EXPECT_EQ(all[0].bytesProcessed, 9007199254740993ULL);
    EXPECT_EQ(all[0].slotMs, 42u);
    EXPECT_EQ(all[0].errorColumn, 3);
    EXPECT_EQ(all[1].jobId, "j2");
    EXPECT_TRUE(all[1].errorReason.empty());
    std::filesystem::remove_all(file.parent_path());
}
