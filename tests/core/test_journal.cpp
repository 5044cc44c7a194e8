// SPDX-License-Identifier: MIT
// The upload journal's Storage Write API lines: the stream, and each append's offset, read back
// after a stop (a torn last line ignored) so a resumed upload sends every batch at its offset.
#include "upload/Journal.h"
#include "upload/RecordReader.h"
#include "platform/System.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

using namespace quarry::upload;
namespace fs = std::filesystem;

namespace {
struct Scratch {
    fs::path dir = fs::temp_directory_path() /
                   ("quarry-journal-" + std::to_string(quarry::platform::processId()) + "-" + std::to_string(std::random_device{}()));
    Scratch() { fs::create_directories(dir); }
    ~Scratch() { fs::remove_all(dir); }
};
} // namespace

TEST(Journal, KeepsTheStreamAndEachAppendsOffsetAcrossAStop) {
    Scratch s;
    const auto path = (s.dir / "j").string();
    {
        auto j = Journal::create(path, {"id", "f.ndjson", "p:d.t", 1});
        EXPECT_TRUE(j.stream().empty());
        EXPECT_EQ(j.nextOffset(), 0);
        j.setStream("projects/p/datasets/d/tables/t/streams/abc");
        j.sendingAt({0, 10}, {0, 9}); // one of the ten records was rejected locally
        j.ack({0, 10}, 9, 1);
        j.sendingAt({10, 20}, {9, 10});
        j.sendingAt({20, 30}, {19, 10});
    }
    { // a line torn by the stop
        std::ofstream(path, std::ios::app) << "wsend 30 40 29";
    }
    auto j = Journal::load(path);
    EXPECT_EQ(j.stream(), "projects/p/datasets/d/tables/t/streams/abc");
    EXPECT_EQ(j.nextOffset(), 29);
    ASSERT_EQ(j.inFlight().size(), 2u);
    EXPECT_EQ(j.inFlight()[0].first, 10u);
    ASSERT_TRUE(j.spanOf({20, 30}));
    EXPECT_EQ(j.spanOf({20, 30})->offset, 19);
    EXPECT_EQ(j.spanOf({20, 30})->count, 10);
    EXPECT_FALSE(j.spanOf({30, 40})) << "the torn line is not a span";
    EXPECT_FALSE(j.spanOf({10, 25})) << "a span is found by its exact range only";
    EXPECT_EQ(j.insertedRows(), 9u);
}

// A new upload skips its own read for the identity only when no journal names its table on
// its server: anyEndingWith must find every such journal, whatever file it is of.
TEST(Journal, AnyEndingWithFindsAJournalOfTheTableWhateverItsFile) {
    Scratch s;
    const std::string tail = "-sandboxab12-p.d.t.journal";
    EXPECT_FALSE(Journal::anyEndingWith((s.dir / "missing").string(), tail));
    EXPECT_FALSE(Journal::anyEndingWith(s.dir.string(), tail));
    std::ofstream(s.dir / ("0123-sandboxab12-p.d.other.journal")) << "x";
    std::ofstream(s.dir / ("0123-sandboxab12-p.d.t.journal.tmp")) << "x";
    std::ofstream(s.dir / ("0123-google-p.d.t.journal")) << "x";
    EXPECT_FALSE(Journal::anyEndingWith(s.dir.string(), tail));
    std::ofstream(s.dir / ("4567-sandboxab12-p.d.t.journal")) << "x";
    EXPECT_TRUE(Journal::anyEndingWith(s.dir.string(), tail));
}

// The identity a check's read gives (RecordReader::contentIdentity) is the one identifyFile
// gives: a journal named by one is found by the other when the upload resumes.
TEST(Journal, TheCheckReadAndTheIdentityReadNameTheFileAlike) {
    Scratch s;
    const auto path = (s.dir / "rows.ndjson").string();
    {
        std::ofstream out(path, std::ios::binary);
        for (int i = 0; i < 50000; ++i) out << "{\"n\":" << i << ",\"s\":\"" << std::string(static_cast<std::size_t>(i % 97), 'x') << "\"}\n";
    }
    RecordReader::Options o;
    o.hashContent = true;
    o.identifyContent = true;
    o.chunkBytes = 4096;
    RecordReader reader(path, o);
    Record r;
    while (reader.next(r)) {
    }
    const auto ident = identifyFile(path);
    EXPECT_EQ(reader.contentIdentity(), ident.id);
    EXPECT_EQ(reader.contentHash(), ident.fingerprint);
    EXPECT_EQ(ident.id.size(), 32u);
}
