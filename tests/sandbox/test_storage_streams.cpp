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

TEST(WriteStreams, ARestartKeepsCommittedOffsetsAndHeldRows) {
    Fixture f;
    const auto c = f.streams->create(kTable, WriteStreams::Type::Committed);
    const auto p = f.streams->create(kTable, WriteStreams::Type::Pending);
    const auto b = f.streams->create(kTable, WriteStreams::Type::Buffered);
    const auto empty = f.streams->create(kTable, WriteStreams::Type::Pending);
    f.streams->append(c.name, 0, Fixture::rows(0, 2));
    f.streams->append(p.name, 0, Fixture::rows(5, 7));
    f.streams->append(p.name, 2, Fixture::rows(7, 8));
    f.streams->append(b.name, 0, Fixture::rows(20, 24));
    EXPECT_EQ(f.streams->flush(b.name, 1), 1);
    f.open();
    EXPECT_EQ(f.streams->get(c.name).rows, 2);
    EXPECT_EQ(refusal([&] { f.streams->append(c.name, 0, Fixture::rows(0, 2)); }).code, Code::AlreadyExists);
    EXPECT_EQ(f.streams->append(c.name, 2, Fixture::rows(2, 3)), 2);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1, 20, 21, 2}));
    // The acknowledged held rows are all there: the pending stream goes on at its offset and
    // commits them, the buffered one flushes the rest.
    EXPECT_EQ(refusal([&] { f.streams->append(p.name, 2, Fixture::rows(7, 8)); }).code, Code::AlreadyExists);
    EXPECT_EQ(f.streams->append(p.name, 3, Fixture::rows(8, 9)), 3);
    EXPECT_EQ(f.streams->finalize(p.name), 4);
    EXPECT_TRUE(f.streams->batchCommit(kTable, {p.name}).commitMs);
    EXPECT_EQ(f.streams->flush(b.name, 3), 3);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1, 20, 21, 2, 5, 6, 7, 8, 22, 23}));
    EXPECT_EQ(f.streams->append(empty.name, 0, Fixture::rows(30, 31)), 0) << "a stream with nothing held goes on";
    EXPECT_FALSE(fs::exists(f.dir / "streams" / (p.name.substr(p.name.rfind('/') + 1) + ".rows"))) << "a committed stream's file stays";
}

namespace {

std::string idOf(const std::string& stream) { return stream.substr(stream.rfind('/') + 1); }

/// A stream's state and rows files as they are now, to put back later: as if the sandbox had
/// died before it wrote what came after.
struct Saved {
    fs::path dir, keep;
    std::string id;
    Saved(const Fixture& f, const std::string& stream) : dir(f.dir / "streams"), keep(f.dir / "kept"), id(idOf(stream)) {
        fs::remove_all(keep);
        fs::create_directories(keep);
        for (const auto* ext : {".json", ".rows"})
            if (fs::exists(dir / (id + ext))) fs::copy_file(dir / (id + ext), keep / (id + ext));
    }
    void putBack() const {
        for (const auto* ext : {".json", ".rows"}) {
            fs::remove(dir / (id + ext));
            if (fs::exists(keep / (id + ext))) fs::copy_file(keep / (id + ext), dir / (id + ext));
        }
    }
};

} // namespace

TEST(WriteStreams, ACrashBeforeACommitOrFlushWasNotedNeverWritesTheRowsTwice) {
    Fixture f;
    const auto p = f.streams->create(kTable, WriteStreams::Type::Pending);
    const auto b = f.streams->create(kTable, WriteStreams::Type::Buffered);
    f.streams->append(p.name, 0, Fixture::rows(0, 3));
    f.streams->finalize(p.name);
    f.streams->append(b.name, 0, Fixture::rows(10, 13));
    const Saved pendingBefore(f, p.name);
    EXPECT_TRUE(f.streams->batchCommit(kTable, {p.name}).commitMs);
    f.streams.reset();
    pendingBefore.putBack(); // the commit's rows are in the table's log; the stream's files say nothing of it
    f.open();
    const auto again = f.streams->batchCommit(kTable, {p.name});
    ASSERT_EQ(again.errors.size(), 1u);
    EXPECT_EQ(again.errors[0].storage, StorageCode::StreamAlreadyCommitted);
    EXPECT_TRUE(f.streams->get(p.name).commitMs);

    const Saved bufferedBefore(f, b.name);
    EXPECT_EQ(f.streams->flush(b.name, 1), 1);
    f.streams.reset();
    bufferedBefore.putBack();
    f.open();
    EXPECT_EQ(f.streams->get(b.name).flushed, 2);
    EXPECT_EQ(f.streams->flush(b.name, 2), 2);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1, 2, 10, 11, 12}));
}

TEST(WriteStreams, AnAppendThatWasNeverAnsweredIsCutOffAndAMissingFileSaysWhatWasLost) {
    Fixture f;
    const auto p = f.streams->create(kTable, WriteStreams::Type::Pending);
    f.streams->append(p.name, 0, Fixture::rows(0, 2));
    const Saved before(f, p.name);
    f.streams->append(p.name, 2, Fixture::rows(2, 4));
    f.streams.reset();
    // The rows file took the append, the state file never did (and no answer went out).
    fs::copy_file(before.keep / (before.id + ".json"), before.dir / (before.id + ".json"), fs::copy_options::overwrite_existing);
    f.open();
    EXPECT_EQ(f.streams->get(p.name).rows, 2);
    EXPECT_EQ(f.streams->append(p.name, 2, Fixture::rows(5, 6)), 2) << "the client sends it again at its offset";
    f.streams->finalize(p.name);
    EXPECT_TRUE(f.streams->batchCommit(kTable, {p.name}).commitMs);
    EXPECT_EQ(f.table(), (std::vector<std::int64_t>{0, 1, 5}));

    const auto q = f.streams->create(kTable, WriteStreams::Type::Pending);
    f.streams->append(q.name, 0, Fixture::rows(7, 8));
    f.streams.reset();
    fs::remove(f.dir / "streams" / (idOf(q.name) + ".rows"));
    f.open();
    const auto lost = refusal([&] { f.streams->append(q.name, 1, Fixture::rows(8, 9)); });
    EXPECT_EQ(lost.code, Code::FailedPrecondition);
    EXPECT_NE(lost.message.find("restarted"), std::string::npos) << lost.message;
    EXPECT_NE(lost.message.find("missing"), std::string::npos) << lost.message;
    f.streams->finalize(q.name);
    EXPECT_EQ(f.streams->batchCommit(kTable, {q.name}).errors.size(), 1u);
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
