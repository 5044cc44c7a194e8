// SPDX-License-Identifier: MIT
// The Storage Read API's sessions (ReadSessions) over a real Store in a scratch folder: what a
// session reads (selected fields, a restriction, its moment), how its rows are split into
// streams and split again, and the sessions it forgets to keep within its memory.
#include "sandbox/Store.h"
#include "storageapi/ReadSessions.h"
#include "platform/System.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

using namespace quarry;
using namespace quarry::storageapi;
using sandbox::Store;
namespace fs = std::filesystem;

namespace {

const std::string kTable = "projects/p/datasets/d/tables/t";

struct Fixture {
    fs::path dir = fs::temp_directory_path() /
                   ("quarry-reads-" + std::to_string(platform::processId()) + "-" + std::to_string(std::random_device{}()));
    std::unique_ptr<Store> store;
    explicit Fixture(int rows = 1000) {
        Store::Options o;
        o.root = dir / "data";
        store = std::make_unique<Store>(o);
        store->load();
        store->insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        store->insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}},
                                      {"schema", {{"fields", {{{"name", "n"}, {"type", "INT64"}}, {{"name", "s"}, {"type", "STRING"}},
                                                              {{"name", "r"}, {"type", "RECORD"}, {"fields", {{{"name", "a"}, {"type", "INT64"}}, {{"name", "b"}, {"type", "INT64"}}}}}}}}}});
        add(0, rows);
    }
    ~Fixture() {
        store.reset();
        fs::remove_all(dir);
    }
    void add(int from, int to) {
        auto t = store->table("p", "d", "t");
        std::vector<Value> rows;
        for (int i = from; i < to; ++i) {
            Value row = Value::structOf(3);
            row[0] = Value::int64(i);
            row[1] = Value::string("s" + std::to_string(i));
            row[2] = Value::structOf(2);
            row[2][0] = Value::int64(i);
            row[2][1] = Value::int64(-i);
            rows.push_back(std::move(row));
        }
        store->appendValues(*t, std::move(rows));
    }
    static ReadSessions::Request request(int maxStreams = 0) {
        ReadSessions::Request r;
        r.parent = "projects/p";
        r.table = kTable;
        r.maxStreams = maxStreams;
        return r;
    }
};

WriteError refusal(const std::function<void()>& f) {
    try {
        f();
    } catch (const WriteError& e) {
        return e;
    }
    ADD_FAILURE() << "expected a refusal";
    return {Code::Ok, ""};
}

} // namespace

TEST(ReadSessions, SelectedFieldsInTheTablesOrderAndARestriction) {
    Fixture f;
    ReadSessions sessions(*f.store, nullptr);
    auto r = Fixture::request();
    r.selectedFields = {"r.b", "n"};
    r.rowRestriction = "n >= 990 OR s = 's3'";
    const auto s = sessions.create(r);
    ASSERT_EQ(s->schema.fields.size(), 2u);
    EXPECT_EQ(s->schema.fields[0].name, "n");
    EXPECT_EQ(s->schema.fields[1].name, "r");
    ASSERT_EQ(s->schema.fields[1].fields.size(), 1u);
    EXPECT_EQ(s->schema.fields[1].fields[0].name, "b");
    ASSERT_EQ(s->rows->size(), 11u);
    for (const auto& row : *s->rows) EXPECT_EQ(row[1][0].asInt64(), -row[0].asInt64()); // r.b is -n
    const auto bad = refusal([&] {
        auto q = Fixture::request();
        q.rowRestriction = "n = 1 AND\nnope = 2";
        sessions.create(q);
    });
    EXPECT_EQ(bad.code, Code::InvalidArgument);
    EXPECT_NE(bad.message.find("[2:1]"), std::string::npos) << bad.message;
    EXPECT_EQ(refusal([&] {
                  auto q = Fixture::request();
                  q.selectedFields = {"r.zzz"};
                  sessions.create(q);
              }).code,
              Code::InvalidArgument);
}

TEST(ReadSessions, StreamsAreConsecutiveRowsAndSplitsAreTheirTwoHalves) {
    Fixture f(1000);
    ReadSessions sessions(*f.store, nullptr);
    auto r = Fixture::request(4);
    r.preferredMinStreams = 4;
    const auto s = sessions.create(r);
    ASSERT_EQ(s->streams.size(), 4u);
    std::size_t at = 0;
    for (const auto& st : s->streams) {
        EXPECT_EQ(st.begin, at);
        at = st.end;
    }
    EXPECT_EQ(at, 1000u);
    const auto parts = sessions.split(s->streams[1].name, 0.2);
    ASSERT_TRUE(parts);
    EXPECT_EQ(parts->first.begin, s->streams[1].begin);
    EXPECT_EQ(parts->first.end, s->streams[1].begin + 50);
    EXPECT_EQ(parts->second.begin, parts->first.end);
    EXPECT_EQ(parts->second.end, s->streams[1].end);
    EXPECT_EQ(sessions.stream(parts->second.name).second.end, s->streams[1].end); // readable by name
    // A one-row part cannot be split again; a fraction of 1 is refused.
    auto tiny = Fixture::request();
    tiny.rowRestriction = "n = 7";
    const auto one = sessions.create(tiny);
    EXPECT_FALSE(sessions.split(one->streams[0].name, 0.5));
    EXPECT_EQ(refusal([&] { sessions.split(one->streams[0].name, 1.0); }).code, Code::InvalidArgument);
    tiny.rowRestriction = "n < 0";
    EXPECT_TRUE(sessions.create(tiny)->streams.empty());
}

TEST(ReadSessions, ASessionReadsItsMomentAndSnapshotTimeReadsThePast) {
    Fixture f(100);
    ReadSessions sessions(*f.store, nullptr);
    const auto before = Store::nowMs();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    f.add(100, 150);
    const auto now = sessions.create(Fixture::request());
    f.add(150, 160);
    EXPECT_EQ(now->rows->size(), 150u);
    auto past = Fixture::request();
    past.snapshotMs = before;
    EXPECT_EQ(sessions.create(past)->rows->size(), 100u);
    past.snapshotMs = Store::nowMs() + 3600 * 1000;
    EXPECT_EQ(refusal([&] { sessions.create(past); }).code, Code::InvalidArgument);
}

TEST(ReadSessions, OldSessionsGoToKeepWithinTheirMemoryAndTheirStreamsSaySo) {
    Fixture f(1000);
    // 1,000 rows of 4 leaves: about 64 KB a session; room for two.
    ReadSessions sessions(*f.store, nullptr, 64, 150 * 1000);
    const auto a = sessions.create(Fixture::request());
    const auto b = sessions.create(Fixture::request());
    EXPECT_NO_THROW(sessions.stream(a->streams[0].name));
    const auto c = sessions.create(Fixture::request());
    const auto gone = refusal([&] { sessions.stream(a->streams[0].name); });
    EXPECT_EQ(gone.code, Code::NotFound);
    EXPECT_NE(gone.message.find("need the room"), std::string::npos) << gone.message;
    EXPECT_NO_THROW(sessions.stream(b->streams[0].name));
    EXPECT_NO_THROW(sessions.stream(c->streams[0].name));
    // By count as well.
    ReadSessions two(*f.store, nullptr, 2);
    const auto x = two.create(Fixture::request());
    two.create(Fixture::request());
    two.create(Fixture::request());
    EXPECT_EQ(refusal([&] { two.stream(x->streams[0].name); }).code, Code::NotFound);
}

TEST(ReadSessions, MissingTablesViewsAndBadPathsAreRefused) {
    Fixture f(10);
    ReadSessions sessions(*f.store, nullptr);
    auto r = Fixture::request();
    r.table = "projects/p/datasets/d/tables/none";
    EXPECT_EQ(refusal([&] { sessions.create(r); }).code, Code::NotFound);
    r.table = "projects/p/datasets/d";
    EXPECT_EQ(refusal([&] { sessions.create(r); }).code, Code::InvalidArgument);
    r.table = "projects/p/datasets/d/tables/t@-1000";
    EXPECT_EQ(refusal([&] { sessions.create(r); }).code, Code::Unimplemented);
    f.store->insertTable("p", "d", {{"tableReference", {{"tableId", "v"}}}, {"view", {{"query", "SELECT 1 AS x"}}}});
    r.table = "projects/p/datasets/d/tables/v";
    EXPECT_EQ(refusal([&] { sessions.create(r); }).code, Code::InvalidArgument);
    EXPECT_EQ(refusal([&] { sessions.stream("projects/p/locations/US/sessions/x/streams/y"); }).code, Code::NotFound);
}
