// SPDX-License-Identifier: MIT
// Row groups and a table's files (issue 20's checkpoints): every kind of value round-trips
// exactly, damage is an error and never a crash, and a Store folds its log into row groups,
// reads them back, keeps insertIds and rewrites a table whole.
#include "sandbox/Segment.h"
#include "sandbox/Store.h"
#include "sandbox/TableFiles.h"
#include "TestData.h"
#include "platform/System.h"

#include <bit>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <gtest/gtest.h>
#include <random>

using namespace quarry;
using namespace quarry::sandbox;
namespace fs = std::filesystem;

namespace {

/// A random value of any kind, nested up to `depth`.
Value randomValue(std::mt19937_64& rnd, int depth) {
    const int kind = static_cast<int>(rnd() % (depth > 0 ? 19 : 16));
    const auto text = [&] {
        std::string s(rnd() % 40, '\0');
        for (auto& c : s) c = static_cast<char>(rnd());
        return s;
    };
    switch (kind) {
    case 0: return Value::null();
    case 1: return Value::int64(static_cast<std::int64_t>(rnd()));
    case 2: return Value::int64(static_cast<std::int64_t>(rnd() % 100) - 50);
    case 3: {
        const double specials[] = {0.0, -0.0, NAN, -NAN, INFINITY, -INFINITY, 1e-310, 3.25};
        return Value::float64(rnd() % 2 ? specials[rnd() % 8] : std::bit_cast<double>(rnd()));
    }
    case 4: return Value::boolean(rnd() % 2);
    case 5: return Value::string(text());
    case 6: return Value::bytes(text());
    case 7: return Value::numeric("-12345678901234567890.123456789");
    case 8: return Value::bigNumeric(text());
    case 9: return Value::date(static_cast<std::int32_t>(rnd() % 3000000) - 1000000);
    case 10: return Value::time(static_cast<std::int64_t>(rnd() % 86400000000ULL));
    case 11: return Value::dateTime(static_cast<std::int64_t>(rnd()) >> 8);
    case 12: return Value::timestamp(INT64_MIN + static_cast<std::int64_t>(rnd() % 3));
    case 13: return Value::geography("POINT(1 2)");
    case 14: return Value::json(R"({"a":[1,2]})");
    case 15: return Value::interval("1-2 3 4:5:6.789");
    case 16: return Value::range(Value::date(1), rnd() % 2 ? Value::null() : Value::date(9));
    case 17: {
        Value s = Value::structOf(rnd() % 4);
        for (auto& item : s.items()) item = randomValue(rnd, depth - 1);
        return s;
    }
    default: {
        Value a = Value::arrayOf(rnd() % 5);
        for (auto& item : a.items()) item = randomValue(rnd, depth - 1);
        return a;
    }
    }
}

std::vector<Value> randomRows(std::mt19937_64& rnd, std::size_t n, std::size_t width) {
    std::vector<Value> rows;
    for (std::size_t i = 0; i < n; ++i) {
        Value r = Value::structOf(width);
        for (auto& item : r.items()) item = randomValue(rnd, 3);
        rows.push_back(std::move(r));
    }
    return rows;
}

/// Compares bit for bit (operator== takes NaN as NaN but would let -0.0 pass for 0.0).
bool same(const Value& a, const Value& b) {
    if (a.kind() != b.kind()) return false;
    if (a.kind() == ValueKind::Float64) return std::bit_cast<std::uint64_t>(a.asDouble()) == std::bit_cast<std::uint64_t>(b.asDouble());
    if (a.isText()) return a.asText() == b.asText();
    if (a.isContainer()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!same(a[i], b[i])) return false;
        return true;
    }
    return a.asInt64() == b.asInt64();
}

Schema schemaOf(const char* json) { return Schema::parse(json); }

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("quarry-segment-" + std::to_string(quarry::platform::processId()) + "-" +
                                                 std::to_string(std::random_device{}()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
};

} // namespace

TEST(Segment, EveryKindOfValueRoundTripsExactly) {
    std::mt19937_64 rnd(42);
    const Schema schema = schemaOf(R"({"fields":[{"name":"a","type":"STRING"}]})");
    for (int round = 0; round < 20; ++round) {
        const auto rows = randomRows(rnd, 1 + rnd() % 300, 1 + rnd() % 6);
        const std::vector<SegmentId> ids = {{123, 4, 5}, {-1, ~0ULL, 0}};
        const auto g = decodeRowGroup(encodeRowGroup(rows, schema, 7 + round, round % 2 == 1, ids));
        EXPECT_EQ(g.nextLog, static_cast<std::uint64_t>(7 + round));
        EXPECT_EQ(g.more, round % 2 == 1);
        EXPECT_EQ(g.schema.toJson(), schema.toJson());
        ASSERT_EQ(g.ids.size(), 2u);
        EXPECT_EQ(g.ids[1].when, -1);
        EXPECT_EQ(g.ids[1].a, ~0ULL);
        ASSERT_EQ(g.rows.size(), rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) ASSERT_TRUE(same(rows[i], g.rows[i])) << "round " << round << " row " << i;
    }
}

TEST(Segment, RowsOfDifferentWidthsAndNoRowsRoundTrip) {
    std::vector<Value> rows;
    rows.push_back(Value::structOf(0));
    Value r = Value::structOf(2);
    r[0] = Value::int64(1);
    rows.push_back(r);
    const auto g = decodeRowGroup(encodeRowGroup(rows, Schema{}, 1, false, {}));
    ASSERT_EQ(g.rows.size(), 2u);
    EXPECT_EQ(g.rows[0].size(), 0u);
    EXPECT_TRUE(same(g.rows[1], r));
    EXPECT_TRUE(decodeRowGroup(encodeRowGroup({}, Schema{}, 3, false, {})).rows.empty());
}

TEST(Segment, CommitTimesRoundTripAndGroupsWithoutThemStillRead) {
    std::mt19937_64 rnd(3);
    const auto rows = randomRows(rnd, 10, 2);
    const std::vector<CommitSpan> spans = {{3, 1'700'000'000'000}, {6, 1'700'000'000'250}, {1, -5}};
    EXPECT_EQ(decodeRowGroup(encodeRowGroup(rows, Schema{}, 1, false, {}, spans)).commits, spans);
    // A group written before groups kept commit times (no trailer) reads with none.
    const auto old = decodeRowGroup(encodeRowGroup(rows, Schema{}, 1, false, {}));
    EXPECT_TRUE(old.commits.empty());
    EXPECT_EQ(old.rows.size(), 10u);
    // Spans that do not cover the rows exactly are damage.
    for (const auto& bad : std::vector<std::vector<CommitSpan>>{{{3, 1}}, {{11, 1}}, {{5, 1}, {0, 2}, {5, 3}}})
        EXPECT_THROW(decodeRowGroup(encodeRowGroup(rows, Schema{}, 1, false, {}, bad)), std::runtime_error);
}

TEST(Segment, DamageIsAnErrorThatSaysSoNeverACrash) {
    std::mt19937_64 rnd(7);
    const auto rows = randomRows(rnd, 50, 4);
    const std::string payload = encodeRowGroup(rows, Schema{}, 1, false, {});
    ASSERT_EQ(decodeRowGroup(payload).rows.size(), 50u);
    // Flipped bytes and cuts of a payload, and bodies of junk.
    int errors = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string bad = payload;
        if (i % 3 == 0) bad.resize(rnd() % bad.size());
        else bad[rnd() % bad.size()] ^= static_cast<char>(1 + rnd() % 255);
        try {
            decodeRowGroup(bad);
        } catch (const std::runtime_error& e) {
            ++errors;
            EXPECT_NE(std::string(e.what()).find("row group"), std::string::npos) << e.what();
        }
    }
    EXPECT_GT(errors, 600); // zstd's checksum-free frames decode some flips into other values
    for (int i = 0; i < 2000; ++i) {
        std::string junk(rnd() % 200, '\0');
        for (auto& c : junk) c = static_cast<char>(rnd());
        try {
            decodeRowGroupBody(junk);
        } catch (const std::runtime_error&) {
        }
    }
    EXPECT_THROW(decodeRowGroup(std::string(1, '\x05') + payload.substr(1)), std::runtime_error); // a newer format
}

namespace {

constexpr const char* kSchema =
    R"({"fields":[{"name":"x","type":"INTEGER"},{"name":"s","type":"STRING"},{"name":"a","type":"INTEGER","mode":"REPEATED"}]})";

struct StoreFixture {
    TempDir dir;
    std::unique_ptr<Store> store;
    void open() {
        store.reset();
        Store::Options o;
        o.root = dir.path;
        store = std::make_unique<Store>(o);
        store->load();
    }
    void createTable() {
        store->insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        store->insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}}, {"schema", Json::parse(kSchema)}});
    }
    fs::path tableDir() const { return dir.path / "p" / "d" / "t"; }
    std::vector<Value> rows() { return store->table("p", "d", "t")->rows; }
    std::vector<InsertRowErrors> insert(int from, int to, const char* idPrefix = nullptr) {
        Json rows = Json::array();
        for (int i = from; i < to; ++i) {
            Json r = {{"json", {{"x", i}, {"s", "row " + std::to_string(i)}, {"a", {i, -i}}}}};
            if (idPrefix) r["insertId"] = std::string(idPrefix) + std::to_string(i);
            rows.push_back(r);
        }
        return store->insertAll("p", "d", "t", {{"rows", rows}});
    }
};

void expectRows(const std::vector<Value>& got, int n) {
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        ASSERT_EQ(got[i][0].asInt64(), i);
        ASSERT_EQ(got[i][1].asText(), "row " + std::to_string(i));
        ASSERT_EQ(got[i][2].size(), 2u);
    }
}

/// Each test starts with a store holding p:d.t (kSchema), no rows.
class TableFiles : public ::testing::Test {
protected:
    void SetUp() override {
        f.open();
        f.createTable();
    }
    StoreFixture f;
};

} // namespace

TEST_F(TableFiles, ACheckpointFoldsTheLogAndARestartReadsTheGroupsThenTheLog) {
    f.insert(0, 1000);
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    EXPECT_FALSE(f.store->checkpoint("p", "d", "t")); // nothing new
    EXPECT_TRUE(fs::exists(f.tableDir() / "rows.qseg"));
    EXPECT_FALSE(fs::exists(f.tableDir() / "rows.qrl")); // generation 0 folded and removed
    EXPECT_EQ(fs::file_size(logFile(f.tableDir(), 1)), 0u);
    f.insert(1000, 1500);
    f.open();
    expectRows(f.rows(), 1500);
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    f.insert(1500, 1600);
    f.open();
    expectRows(f.rows(), 1600);
}

TEST_F(TableFiles, AnOldFormatLogOpensAndIsFoldedAtItsFirstCheckpoint) {
    f.insert(0, 300);
    f.open(); // rows.qrl only, as every sandbox before segments wrote it
    EXPECT_FALSE(fs::exists(f.tableDir() / "rows.qseg"));
    expectRows(f.rows(), 300);
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    f.open();
    expectRows(f.rows(), 300);
}

TEST_F(TableFiles, InsertIdsAreStillRememberedAfterACheckpointAndARestart) {
    f.insert(0, 100, "id");
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    f.open();
    f.insert(0, 100, "id"); // a client's retry of the same rows: all de-duplicated
    expectRows(f.rows(), 100);
    f.insert(100, 200, "id");
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    f.open();
    f.insert(50, 200, "id");
    expectRows(f.rows(), 200);
}

TEST_F(TableFiles, InsertIdsTooManyForOneRecordAreSpreadOverRecordsOfTheirOwnFileAndAllRemembered) {
    // 10M rows streamed within the window once made a checkpoint's ids one 240 MB record,
    // over the 64 MB a record may be, and every checkpoint failed; then, spread over groups,
    // each checkpoint wrote the whole window into the segment file again (2.2 GB of groups
    // for 10M rows). They are a file of their own now, replaced by each checkpoint. Here a
    // record carries 7.
    struct Restore {
        std::size_t was = setIdsPerGroupForTest(7);
        ~Restore() { setIdsPerGroupForTest(was); }
    } restore;
    const auto groups = [&] {
        std::size_t n = 0;
        RowLog(f.tableDir() / "rows.qseg", RowLog::Access::ReadOnly).replay([&](std::string_view, std::uint64_t) { ++n; });
        return n;
    };
    const auto idRecords = [&](std::uint64_t gen) {
        std::size_t n = 0;
        RowLog(f.tableDir() / ("ids." + std::to_string(gen) + ".qid"), RowLog::Access::ReadOnly)
            .replay([&](std::string_view, std::uint64_t) { ++n; });
        return n;
    };
    f.insert(0, 100, "id");
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    EXPECT_EQ(groups(), 1u);       // the rows' group, no ids in it
    EXPECT_EQ(idRecords(1), 15u);  // 100 ids, 7 a record
    f.insert(100, 110, "more");
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    EXPECT_EQ(groups(), 2u);       // the window's ids were not written into the groups again
    EXPECT_EQ(idRecords(2), 16u);  // the window now: 110 ids
    EXPECT_FALSE(fs::exists(f.tableDir() / "ids.1.qid")); // replaced
    f.open();
    f.insert(0, 100, "id"); // a client's retry of the same rows: all de-duplicated
    f.insert(100, 110, "more");
    ASSERT_EQ(f.rows().size(), 110u);
    // A rewrite spreads them the same way.
    auto t = f.store->table("p", "d", "t");
    const std::vector<Value> kept(t->rows.begin(), t->rows.end());
    f.store->replaceRows(*t, t->version, kept);
    t.reset();
    f.open();
    f.insert(0, 100, "id");
    f.insert(100, 110, "more");
    ASSERT_EQ(f.rows().size(), 110u);
    f.insert(110, 120, "id");
    ASSERT_EQ(f.rows().size(), 120u);
}

TEST_F(TableFiles, ARewriteReplacesTheGroupsAndAColumnAddedLaterLaysOldGroupsOut) {
    f.insert(0, 500);
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    auto t = f.store->table("p", "d", "t");
    std::vector<Value> kept(t->rows.begin(), t->rows.begin() + 200);
    f.store->replaceRows(*t, t->version, kept); // as DELETE WHERE x >= 200
    f.open();
    expectRows(f.rows(), 200);
    f.store->patchTable("p", "d", "t", {{"schema", {{"fields", {
        {{"name", "x"}, {"type", "INTEGER"}}, {{"name", "s"}, {"type", "STRING"}}, {{"name", "a"}, {"type", "INTEGER"}, {"mode", "REPEATED"}},
        {{"name", "added"}, {"type", "STRING"}}}}}}});
    f.open();
    const auto rows = f.rows();
    expectRows(rows, 200);
    EXPECT_EQ(rows[0].size(), 4u);
    EXPECT_TRUE(rows[199][3].isNull());
}

TEST_F(TableFiles, ACheckpointThatNeverFinishedIsCutAndTheLogKeepsItsRows) {
    f.insert(0, 100);
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    f.insert(100, 250);
    const auto seg = f.tableDir() / "rows.qseg";
    const auto before = fs::file_size(seg);
    f.store.reset();
    // A later checkpoint's first group (more to come), its last never written: as a crash
    // between the two leaves it. Its rows are still in log 1, which must be replayed.
    {
        std::vector<Value> part;
        for (int i = 100; i < 150; ++i) {
            Value r = Value::structOf(3);
            r[0] = Value::int64(i);
            part.push_back(r);
        }
        RowLog log(seg);
        log.append(encodeRowGroup(part, Schema::parse(kSchema), 2, true, {}));
    }
    f.open();
    expectRows(f.rows(), 250);
    EXPECT_EQ(fs::file_size(seg), before); // cut back
}

TEST_F(TableFiles, TablesUsedLongestAgoGiveTheirMemoryBackAndAreReadAgainWhenUsed) {
    Store::Options o;
    o.root = f.dir.path;
    o.tableMemory = 1; // any table's rows are over it
    f.store.reset();
    f.store = std::make_unique<Store>(o);
    f.store->load();
    f.insert(0, 400, "id");
    std::weak_ptr<Table> watch = f.store->table("p", "d", "t");
    EXPECT_EQ(f.store->releaseMemory(), 0u); // its rows are only in the log yet
    EXPECT_TRUE(f.store->checkpoint("p", "d", "t"));
    {
        const auto inUse = f.store->table("p", "d", "t");
        EXPECT_EQ(f.store->releaseMemory(), 0u); // a statement holding the table keeps it
    }
    EXPECT_EQ(f.store->releaseMemory(), 1u);
    const auto held = watch.lock(); // the same table, still in the catalog
    ASSERT_TRUE(held);
    EXPECT_FALSE(held->rowsLoaded);
    EXPECT_TRUE(held->rows.empty());
    f.insert(0, 400, "id"); // read again: rows and the insertIds the last row group kept
    expectRows(f.rows(), 400);
    EXPECT_TRUE(held->rowsLoaded);
}

// Item 9 of issue 20: a data folder written before row groups (a committed fixture made with
// the JSON row log: an insertAll body record, a DML record, a column added by a patch, a
// view) opens, keeps its insertIds, is folded at a checkpoint, and reads the same after.
TEST(StorageUpgrade, AFolderWrittenBeforeRowGroupsOpensAndIsFolded) {
    TempDir dir;
    fs::copy(quarry::test::dataDir() / "storage" / "rowlog-v1", dir.path, fs::copy_options::recursive);
    auto open = [&] {
        Store::Options o;
        o.root = dir.path;
        // The fixture's insertIds were seen when it was made: a window of a century keeps
        // them in it (with the default 10 minutes, the retry below is rightly stored again).
        o.dedupWindow = std::chrono::hours(24 * 365 * 100);
        auto s = std::make_unique<Store>(o);
        EXPECT_TRUE(s->load().empty());
        return s;
    };
    auto expectKinds = [](const std::vector<Value>& rows) {
        ASSERT_EQ(rows.size(), 4u);
        ASSERT_EQ(rows[0].size(), 14u); // the column added after the first rows
        EXPECT_EQ(rows[0][0].asInt64(), 1);
        EXPECT_EQ(rows[0][2].asText(), "1.25");
        EXPECT_EQ(rows[0][4].asText(), "first, a longer string than fourteen bytes");
        EXPECT_EQ(rows[0][5].asText(), std::string("\x00\x01", 2));
        EXPECT_EQ(rows[0][12].size(), 2u);
        EXPECT_EQ(rows[0][12][0][0].size(), 2u);
        EXPECT_TRUE(rows[0][13].isNull());
        EXPECT_EQ(rows[1][0].asInt64(), INT64_MIN);
        EXPECT_TRUE(std::signbit(rows[1][1].asDouble()));
        EXPECT_EQ(rows[1][4].asText(), "é ü 漢字");
        EXPECT_EQ(rows[2][4].asText(), "from DML");
        EXPECT_EQ(rows[3][13].asText(), "after the patch");
    };
    auto retry = [](Store& s) { // an insertAll the fixture's client sent, sent again
        s.insertAll("fixture", "d", "kinds", Json::parse(R"({"rows":[{"insertId":"a1","json":{"i":"1"}}]})"));
    };
    auto s = open();
    expectKinds(s->table("fixture", "d", "kinds")->rows);
    EXPECT_TRUE(s->table("fixture", "d", "v")->isView());
    retry(*s);
    expectKinds(s->table("fixture", "d", "kinds")->rows); // de-duplicated
    EXPECT_TRUE(s->checkpoint("fixture", "d", "kinds"));
    EXPECT_FALSE(fs::exists(dir.path / "fixture" / "d" / "kinds" / "rows.qrl"));
    s.reset();
    s = open();
    retry(*s);
    expectKinds(s->table("fixture", "d", "kinds")->rows);
}
