// SPDX-License-Identifier: MIT
// The Storage Write API's streams (WriteStreams) over a real Store in a scratch folder: offsets,
// the stream types' visibility rules, commits all or nothing, schema changes between appends,
// and what a restart keeps.
#include "sandbox/Store.h"
#include "storageapi/WriteStreams.h"
#include "platform/System.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

using namespace quarry;
using namespace quarry::storageapi;
using sandbox::Store;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

const std::string kTable = "projects/p/datasets/d/tables/t";

struct Fixture {
    fs::path dir = fs::temp_directory_path() /
                   ("quarry-streams-" + std::to_string(platform::processId()) + "-" + std::to_string(std::random_device{}()));
    std::unique_ptr<Store> store;
    std::unique_ptr<WriteStreams> streams;
    Fixture() {
        open();
        store->insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        store->insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}}, {"schema", {{"fields", {{{"name", "n"}, {"type", "INT64"}}}}}}});
    }
    ~Fixture() {
        streams.reset();
        store.reset();
        fs::remove_all(dir);
    }
    void open() {
        streams.reset();
        store.reset();
        Store::Options o;
        o.root = dir / "data";
        store = std::make_unique<Store>(o);
        store->load();
        streams = std::make_unique<WriteStreams>(*store, dir / "streams");
    }
    /// Rows n = from .. to-1, laid out as whatever the schema is (n first).
    static WriteStreams::MakeRows rows(int from, int to) {
        return [=](const Schema& s, std::uint64_t version) {
            WriteStreams::Rows r{{}, version};
            for (int i = from; i < to; ++i) {
                Value row = Value::structOf(s.fields.size());
                row[0] = Value::int64(i);
                r.rows.push_back(std::move(row));
            }
            return r;
        };
    }
    std::vector<std::int64_t> table() {
        const auto t = store->table("p", "d", "t");
        std::shared_lock lock(t->mutex);
        std::vector<std::int64_t> out;
        for (const auto& r : t->rows) out.push_back(r[0].asInt64());
        return out;
    }
};

WriteError refusal(const std::function<void()>& f) {
    try {
        f();
    } catch (const WriteError& e) {
        return e;
    }
    ADD_FAILURE() << "not refused";
    return {Code::Ok, ""};
}

} // namespace

TEST(WriteStreams, OffsetsMakeARetryHarmless) {
    Fixture f;
    const auto s = f.streams->create(kTable, WriteStreams::Type::Committed);
    EXPECT_EQ(f.streams->append(s.name, 0, Fixture::rows(0, 3)), 0);
    const auto again = refusal([&] { f.streams->append(s.name, 0, Fixture::rows(0, 3)); });
    EXPECT_EQ(again.code, Code::AlreadyExists);
    EXPECT_EQ(again.storage, StorageCode::OffsetAlreadyExists);
    const auto ahead = refusal([&] { f.streams->append(s.name, 9, Fixture::rows(9, 10)); });
    EXPECT_EQ(ahead.code, Code::OutOfRange);
    EXPECT_EQ(f.streams->append(s.name, 3, Fixture::rows(3, 5)), 3);
    EXPECT_EQ(f.streams->append(s.name, std::nullopt, Fixture::rows(5, 6)), 5);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(f.streams->finalize(s.name), 6);
    EXPECT_EQ(f.streams->finalize(s.name), 6) << "finalizing twice is harmless";
    EXPECT_EQ(refusal([&] { f.streams->append(s.name, 6, Fixture::rows(6, 7)); }).storage, StorageCode::StreamFinalized);
}

TEST(WriteStreams, TheDefaultStreamTakesNoOffsetsAndIsNeverFinalized) {
    Fixture f;
    const std::string def = kTable + "/streams/_default";
    f.streams->append(def, std::nullopt, Fixture::rows(0, 2));
    EXPECT_EQ(f.table().size(), 2u);
    EXPECT_EQ(refusal([&] { f.streams->append(def, 2, Fixture::rows(2, 3)); }).code, Code::InvalidArgument);
    EXPECT_EQ(refusal([&] { f.streams->finalize(def); }).code, Code::InvalidArgument);
    EXPECT_EQ(refusal([&] { f.streams->get(kTable + "/streams/nope"); }).code, Code::NotFound);
    EXPECT_EQ(refusal([&] { f.streams->get("projects/p/datasets/d/tables/gone/streams/_default"); }).code, Code::NotFound);
    EXPECT_EQ(refusal([&] { f.streams->create("projects/p/tables/t", WriteStreams::Type::Committed); }).code, Code::InvalidArgument);
}

TEST(WriteStreams, PendingStreamsCommitTogetherOrNotAtAll) {
    Fixture f;
    const auto a = f.streams->create(kTable, WriteStreams::Type::Pending);
    const auto b = f.streams->create(kTable, WriteStreams::Type::Pending);
    f.streams->append(a.name, 0, Fixture::rows(0, 2));
    f.streams->append(b.name, 0, Fixture::rows(10, 11));
    EXPECT_TRUE(f.table().empty());
    f.streams->finalize(a.name);
    auto r = f.streams->batchCommit(kTable, {a.name, b.name}); // b is not finalized: neither commits
    EXPECT_FALSE(r.commitMs);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].entity, b.name);
    EXPECT_TRUE(f.table().empty());
    f.streams->finalize(b.name);
    r = f.streams->batchCommit(kTable, {a.name, b.name});
    EXPECT_TRUE(r.commitMs);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1, 10}));
    r = f.streams->batchCommit(kTable, {a.name});
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].storage, StorageCode::StreamAlreadyCommitted);
    EXPECT_TRUE(f.streams->get(a.name).commitMs);
}

TEST(WriteStreams, BufferedRowsAppearUpToTheFlushedOffset) {
    Fixture f;
    const auto s = f.streams->create(kTable, WriteStreams::Type::Buffered);
    f.streams->append(s.name, 0, Fixture::rows(0, 4));
    EXPECT_TRUE(f.table().empty());
    EXPECT_EQ(f.streams->flush(s.name, 1), 1);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1}));
    EXPECT_EQ(f.streams->flush(s.name, 0), 1) << "flushing again below changes nothing";
    EXPECT_EQ(refusal([&] { f.streams->flush(s.name, 4); }).code, Code::OutOfRange);
    EXPECT_EQ(f.streams->flush(s.name, 3), 3);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1, 2, 3}));
    const auto committed = f.streams->create(kTable, WriteStreams::Type::Committed);
    EXPECT_EQ(refusal([&] { f.streams->flush(committed.name, 0); }).storage, StorageCode::InvalidStreamType);
}

TEST(WriteStreams, HeldRowsFollowASchemaThatGrowsBeforeTheirCommit) {
    Fixture f;
    const auto s = f.streams->create(kTable, WriteStreams::Type::Pending);
    f.streams->append(s.name, 0, Fixture::rows(0, 1));
    f.store->patchTable("p", "d", "t", {{"schema", {{"fields", {{{"name", "n"}, {"type", "INT64"}}, {{"name", "extra"}, {"type", "STRING"}}}}}}});
    f.streams->append(s.name, 1, Fixture::rows(1, 2));
    f.streams->finalize(s.name);
    EXPECT_TRUE(f.streams->batchCommit(kTable, {s.name}).commitMs);
    const auto t = f.store->table("p", "d", "t");
    std::shared_lock lock(t->mutex);
    ASSERT_EQ(t->rows.size(), 2u);
    for (const auto& r : t->rows) {
        ASSERT_EQ(r.size(), 2u);
        EXPECT_TRUE(r[1].isNull());
    }
}

TEST(WriteStreams, ARestartKeepsCommittedOffsetsAndSaysWhatItLost) {
    Fixture f;
    const auto c = f.streams->create(kTable, WriteStreams::Type::Committed);
    const auto p = f.streams->create(kTable, WriteStreams::Type::Pending);
    const auto empty = f.streams->create(kTable, WriteStreams::Type::Pending);
    f.streams->append(c.name, 0, Fixture::rows(0, 2));
    f.streams->append(p.name, 0, Fixture::rows(5, 6));
    f.open();
    EXPECT_EQ(f.streams->get(c.name).rows, 2);
    EXPECT_EQ(refusal([&] { f.streams->append(c.name, 0, Fixture::rows(0, 2)); }).code, Code::AlreadyExists);
    EXPECT_EQ(f.streams->append(c.name, 2, Fixture::rows(2, 3)), 2);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1, 2}));
    const auto lost = refusal([&] { f.streams->append(p.name, 1, Fixture::rows(6, 7)); });
    EXPECT_EQ(lost.code, Code::FailedPrecondition);
    EXPECT_NE(lost.message.find("restarted"), std::string::npos);
    EXPECT_EQ(f.streams->append(empty.name, 0, Fixture::rows(7, 8)), 0) << "a stream with nothing held goes on";
}

TEST(WriteStreams, ACrashBeforeTheStreamsFileWasRewrittenCannotMakeItsOffsetsGoBack) {
    Fixture f;
    const auto c = f.streams->create(kTable, WriteStreams::Type::Committed);
    f.streams->append(c.name, 0, Fixture::rows(0, 2));
    const auto file = f.dir / "streams" / (c.name.substr(c.name.rfind('/') + 1) + ".json");
    ASSERT_TRUE(fs::exists(file));
    const auto before = f.dir / "before.json";
    fs::copy_file(file, before);
    f.streams->append(c.name, 2, Fixture::rows(2, 3));
    // As if the sandbox died after the rows were logged but before the stream's file was
    // rewritten: the file says 2 rows, the table's log says the stream ends at 3.
    f.streams.reset();
    fs::copy_file(before, file, fs::copy_options::overwrite_existing);
    f.open();
    const auto again = refusal([&] { f.streams->append(c.name, 2, Fixture::rows(2, 3)); });
    EXPECT_EQ(again.code, Code::AlreadyExists) << again.message;
    EXPECT_EQ(f.streams->append(c.name, 3, Fixture::rows(3, 4)), 3);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1, 2, 3}));
    EXPECT_EQ(f.streams->finalize(c.name), 4);
}

TEST(WriteStreams, DamagedStateFilesAreLeftAloneAndTheSandboxStarts) {
    Fixture f;
    const auto c = f.streams->create(kTable, WriteStreams::Type::Committed);
    f.streams.reset();
    const auto dir = f.dir / "streams";
    const std::string id = c.name.substr(c.name.rfind('/') + 1);
    for (const std::string& text : {std::string(R"({"name":")") + c.name + R"(","rows":"many"})",
                                    std::string(R"({"name":")") + c.name + R"(","type":9})",
                                    std::string(R"({"name":")") + c.name + R"(","rows":-4})", std::string("{\"name\":[1]}"),
                                    std::string("not json")}) {
        std::ofstream(dir / (id + ".json"), std::ios::trunc) << text;
        f.open(); // no throw
        EXPECT_EQ(refusal([&] { f.streams->get(c.name); }).code, Code::NotFound) << text;
    }
}
