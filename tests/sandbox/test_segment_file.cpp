// SPDX-License-Identifier: MIT
// Tables read in place from their row groups (issue 20): a group's head says its size and its
// columns' billed bytes without decompressing it, a scan decodes only the columns it asks
// for, format 1 groups still read, and a Store hands a large table to queries as groups
// (SegmentFile) only when every row is in complete groups, checking each group's CRC.
#include "sandbox/Segment.h"
#include "sandbox/SegmentFile.h"
#include "sandbox/SegmentStats.h"
#include "sandbox/Store.h"
#include "sandbox/TableFiles.h"
#include "sandbox/sql/Bytes.h"
#include "platform/System.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>
#include <random>
#include <zstd.h>

using namespace quarry;
using namespace quarry::sandbox;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSchema = R"({"fields":[{"name":"x","type":"INTEGER"},{"name":"s","type":"STRING"},)"
                                R"({"name":"a","type":"INTEGER","mode":"REPEATED"},)"
                                R"({"name":"r","type":"RECORD","fields":[{"name":"f","type":"FLOAT"},{"name":"n","type":"NUMERIC"}]}]})";

Value row(int i) {
    Value r = Value::structOf(4);
    r[0] = Value::int64(i);
    r[1] = i % 5 == 0 ? Value::null() : Value::string("row number " + std::to_string(i));
    r[2] = Value::arrayOf(static_cast<std::size_t>(i % 3));
    for (auto& item : r[2].items()) item = Value::int64(i);
    r[3] = Value::structOf(2);
    r[3][0] = Value::float64(i * 0.5);
    r[3][1] = i % 2 ? Value::numeric("1.5") : Value::null();
    return r;
}

std::vector<Value> rows(int from, int to) {
    std::vector<Value> out;
    for (int i = from; i < to; ++i) out.push_back(row(i));
    return out;
}

/// The bytes sql::columnBytes gives for rows of kSchema: what BigQuery would bill.
std::vector<std::uint64_t> billed(const std::vector<Value>& rs) {
    sql::TableData t;
    t.schema = Schema::parse(kSchema);
    t.rows = rs;
    return sql::columnBytes(t);
}

/// A format 1 payload of the same rows: the body without its head, compressed alone.
/// Where a body's head (and the varint of its size before it) ends.
std::size_t headEnd(const std::string& body) {
    std::size_t at = 0;
    std::uint64_t headSize = 0;
    for (int shift = 0;; shift += 7) {
        const auto b = static_cast<std::uint8_t>(body[at++]);
        headSize |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    return at + static_cast<std::size_t>(headSize);
}

std::uint64_t varintAt(const std::string& s, std::size_t& at) {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        const auto b = static_cast<std::uint8_t>(s[at++]);
        v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
}

/// A body as formats 1 to 3 wrote it: its head ends after each column's bytes (format 4
/// added the columns' statistics after them).
std::string bodyWithoutStats(const std::vector<Value>& rs, std::uint64_t nextLog, bool more) {
    const std::string body = encodeRowGroupBody(rs, Schema::parse(kSchema), nextLog, more, {});
    std::size_t at = 0;
    varintAt(body, at); // the head's size
    const std::size_t start = at;
    varintAt(body, at); // rows
    ++at;               // more
    varintAt(body, at); // next log
    at += static_cast<std::size_t>(varintAt(body, at)); // the schema
    for (auto columns = varintAt(body, at); columns > 0; --columns) varintAt(body, at);
    const std::string head = body.substr(start, at - start);
    std::string out;
    for (std::uint64_t v = head.size(); ; v >>= 7) {
        if (v < 0x80) {
            out.push_back(static_cast<char>(v));
            break;
        }
        out.push_back(static_cast<char>(v | 0x80));
    }
    return out + head + body.substr(headEnd(body));
}

std::string formatOne(const std::vector<Value>& rs, std::uint64_t nextLog, bool more) {
    const std::string body = bodyWithoutStats(rs, nextLog, more);
    const std::string old = body.substr(headEnd(body));
    std::string out(1, '\x01');
    const std::uint64_t size = old.size();
    out.append(reinterpret_cast<const char*>(&size), 8);
    std::string packed(ZSTD_compressBound(old.size()), '\0');
    packed.resize(ZSTD_compress(packed.data(), packed.size(), old.data(), old.size(), 1));
    return out + packed;
}

/// The same rows as a format 2 payload (written before columns were compressed one by one).
std::string formatTwo(const std::vector<Value>& rs, std::uint64_t nextLog, bool more) {
    const std::string body = bodyWithoutStats(rs, nextLog, more);
    std::string out(1, '\x02');
    const std::uint64_t size = body.size();
    out.append(reinterpret_cast<const char*>(&size), 8);
    out.append(body, 0, headEnd(body));
    std::string packed(ZSTD_compressBound(body.size()), '\0');
    packed.resize(ZSTD_compress(packed.data(), packed.size(), body.data(), body.size(), 1));
    return out + packed;
}

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("quarry-segfile-" + std::to_string(platform::processId()) + "-" +
                                                 std::to_string(std::random_device{}()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
};

} // namespace

TEST(RowGroupHead, SaysTheSizeAndTheBilledBytesOfEachColumn) {
    const auto rs = rows(0, 500);
    const std::string payload = encodeRowGroup(rs, Schema::parse(kSchema), 9, true, {});
    // A prefix too short for the head asks for more until it has it.
    std::size_t needed = 12;
    std::optional<RowGroupHead> head;
    for (int asked = 0; asked < 3 && !head; ++asked) {
        const std::size_t had = needed;
        head = readRowGroupHead(payload.substr(0, needed), needed);
        if (!head) {
            ASSERT_GT(needed, had);
        }
    }
    ASSERT_TRUE(head);
    EXPECT_EQ(head->rows, 500u);
    EXPECT_TRUE(head->more);
    EXPECT_EQ(head->nextLog, 9u);
    EXPECT_EQ(head->schemaText, Schema::parse(kSchema).toJson().dump());
    EXPECT_EQ(head->columnBytes, billed(rs));
}

TEST(RowGroupHead, SaysEachColumnsNullsBoundsAndMemory) {
    const auto expect = [](const sql::ColumnStats& s, std::uint64_t nulls, std::optional<Value> min, std::optional<Value> max) {
        EXPECT_EQ(s.nulls, nulls);
        EXPECT_EQ(s.min, min);
        EXPECT_EQ(s.max, max);
    };
    auto rs = rows(1, 501);
    rs[7][1] = Value::string(std::string(kStatsTextBytes + 1, 'z')); // too long a bound: none kept
    const std::string payload = encodeRowGroup(rs, Schema::parse(kSchema), 9, false, {});
    std::size_t needed = 0;
    const auto head = readRowGroupHead(payload, needed);
    ASSERT_TRUE(head);
    ASSERT_EQ(head->stats.size(), 4u);
    expect(head->stats[0], 0, Value::int64(1), Value::int64(500));
    expect(head->stats[1], 100, std::nullopt, std::nullopt); // every fifth row is NULL
    rs[7][1] = Value::string("row number 7");
    const auto again = readRowGroupHead(encodeRowGroup(rs, Schema::parse(kSchema), 9, false, {}), needed);
    expect(again->stats[1], 100, Value::string("row number 1"), Value::string("row number 99"));
    expect(head->stats[2], 0, std::nullopt, std::nullopt); // ARRAYs and STRUCTs have no bounds
    expect(head->stats[3], 0, std::nullopt, std::nullopt);
    for (std::size_t c = 0; c < 4; ++c) {
        std::uint64_t memory = 0;
        for (const auto& r : rs) memory += valueMemory(r[c]);
        EXPECT_EQ(again->stats[c].memory, memory) << c;
    }
    EXPECT_EQ(again->stats[0].memory, 0u); // INT64s live in their rows' blocks
    // Rows narrower than the group hold NULL in the columns they lack.
    std::vector<Value> narrow = {Value::structOf(1), rs[0]};
    narrow[0][0] = Value::int64(-3);
    const auto mixed = readRowGroupHead(encodeRowGroup(narrow, Schema::parse(kSchema), 1, false, {}), needed);
    expect(mixed->stats[0], 0, Value::int64(-3), Value::int64(1));
    EXPECT_EQ(mixed->stats[1].nulls, 1u);
}

TEST(RowGroupHead, AFormatThreeGroupStillReadsWithoutStatistics) {
    const auto rs = rows(0, 50);
    std::string payload = packRowGroupBody(bodyWithoutStats(rs, 2, false));
    ASSERT_EQ(payload[0], '\x04');
    payload[0] = '\x03'; // what format 3 wrote: the same parts, a head without statistics
    std::size_t needed = 0;
    const auto head = readRowGroupHead(payload, needed);
    ASSERT_TRUE(head);
    EXPECT_TRUE(head->stats.empty());
    EXPECT_EQ(decodeRowGroup(payload).rows, rs);
    payload[0] = '\x05';
    EXPECT_THROW(readRowGroupHead(payload, needed), std::runtime_error); // from a newer sandbox: said, not guessed
}

TEST(RowGroupHead, AScanDecodesOnlyTheColumnsItAsksFor) {
    const auto rs = rows(0, 300);
    const std::string payload = encodeRowGroup(rs, Schema::parse(kSchema), 1, false, {});
    const std::vector<bool> wanted{false, true, false, true};
    const RowGroup g = decodeRowGroup(payload, &wanted);
    ASSERT_EQ(g.rows.size(), rs.size());
    for (std::size_t i = 0; i < rs.size(); ++i) {
        EXPECT_TRUE(g.rows[i][0].isNull());
        EXPECT_EQ(g.rows[i][1], rs[i][1]);
        EXPECT_TRUE(g.rows[i][2].isNull());
        EXPECT_EQ(g.rows[i][3], rs[i][3]);
    }
}

TEST(RowGroupHead, ARowEndsAtItsLastWantedColumn) {
    const auto rs = rows(0, 20);
    const std::string payload = encodeRowGroup(rs, Schema::parse(kSchema), 1, false, {});
    const std::vector<bool> first{true, false, false};
    for (const auto& r : decodeRowGroup(payload, &first).rows) EXPECT_EQ(r.size(), 1u);
    const std::vector<bool> none(4, false); // COUNT(*): no column at all
    for (const auto& r : decodeRowGroup(payload, &none).rows) EXPECT_EQ(r.size(), 0u);
    for (const auto& r : decodeRowGroup(payload).rows) EXPECT_EQ(r.size(), rs[0].size());
}

TEST(RowGroupHead, AFormatTwoGroupStillReadsWholeOrInPart) {
    const auto rs = rows(0, 120);
    const std::string payload = formatTwo(rs, 6, true);
    std::size_t needed = 0;
    const auto head = readRowGroupHead(payload, needed);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->rows, 120u);
    const RowGroup g = decodeRowGroup(payload);
    EXPECT_EQ(g.rows, rs);
    EXPECT_EQ(g.nextLog, 6u);
    EXPECT_TRUE(g.more);
    const std::vector<bool> second{false, true};
    const RowGroup some = decodeRowGroup(payload, &second);
    for (std::size_t i = 0; i < rs.size(); ++i) EXPECT_EQ(some.rows[i][1], rs[i][1]);
}

TEST(RowGroupHead, EachColumnIsCompressedOnItsOwnAndAScanDecompressesOnlyItsOwn) {
    auto rs = rows(0, 2000);
    for (auto& r : rs) r[1] = Value::string(std::string(300, 'a') + std::to_string(r[0].asInt64())); // a large column
    const std::string payload = encodeRowGroup(rs, Schema::parse(kSchema), 1, false, {});
    // Damage inside the large column's part: a scan that does not read it never sees it.
    std::string damaged = payload;
    damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x55);
    const std::vector<bool> first{true};
    const RowGroup g = decodeRowGroup(damaged, &first);
    ASSERT_EQ(g.rows.size(), rs.size());
    for (std::size_t i = 0; i < rs.size(); ++i) EXPECT_EQ(g.rows[i][0], rs[i][0]);
    EXPECT_THROW(decodeRowGroup(damaged), std::runtime_error);
    EXPECT_EQ(decodeRowGroup(payload).rows, rs);
}

TEST(RowGroupHead, AFormatOneGroupStillReadsAndHasNoHead) {
    const auto rs = rows(0, 50);
    const std::string payload = formatOne(rs, 4, false);
    std::size_t needed = 1;
    EXPECT_FALSE(readRowGroupHead(payload, needed));
    EXPECT_EQ(needed, 0u); // decode it instead
    const RowGroup g = decodeRowGroup(payload);
    EXPECT_EQ(g.rows, rs);
    EXPECT_EQ(g.nextLog, 4u);
}

namespace {

/// A store whose table p:d.t (kSchema) has `n` rows folded into row groups of 100 (a
/// checkpoint each), then the
/// store opened again (nothing of the table read yet).
struct Folded {
    TempDir dir;
    std::unique_ptr<Store> store;
    void open(std::uint64_t scanInPlace = 0) {
        store.reset();
        Store::Options o;
        o.root = dir.path;
        o.scanInPlaceBytes = scanInPlace;
        store = std::make_unique<Store>(o);
        store->load();
    }
    fs::path tableDir() const { return dir.path / "p" / "d" / "t"; }
    /// Queries get the table with its rows in memory, these.
    void expectInMemory(const std::vector<Value>& want) {
        const auto t = store->tableToRead("p", "d", "t");
        std::shared_lock lock(t->mutex);
        EXPECT_EQ(t->groupsToRead(), nullptr);
        EXPECT_EQ(t->rows, want);
    }
    void make(int n) {
        open();
        store->insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        store->insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}}, {"schema", Json::parse(kSchema)}});
        // Rows through DML's path (laid out as the schema), a statement each 100.
        for (int i = 0; i < n; i += 100) {
            store->appendValues(*store->table("p", "d", "t"), rows(i, std::min(n, i + 100)));
            store->checkpoint("p", "d", "t");
        }
        open();
    }
};

} // namespace

TEST(SegmentFile, ALargeTableIsReadInPlaceWithItsSizeAndBytesFromTheHeads) {
    Folded f;
    f.make(1000);
    const auto t = f.store->tableToRead("p", "d", "t");
    const sql::RowGroupSource* groups = nullptr;
    {
        std::shared_lock lock(t->mutex);
        groups = t->groupsToRead();
        ASSERT_NE(groups, nullptr);
        EXPECT_TRUE(t->rows.empty()); // nothing read into memory
    }
    EXPECT_FALSE(t->rowsLoaded.load());
    EXPECT_EQ(groups->rowCount(), 1000u);
    EXPECT_EQ(groups->groups(), 10u);
    EXPECT_EQ(groups->columnBytes(), billed(rows(0, 1000)));
    EXPECT_EQ(f.store->getTable("p", "d", "t")["numRows"], "1000");
    std::vector<Value> all;
    for (std::size_t g = 0; g < groups->groups(); ++g) {
        auto part = groups->read(g, {});
        all.insert(all.end(), part.begin(), part.end());
    }
    EXPECT_EQ(all, rows(0, 1000));
    // A write reads it whole again, and queries then use the rows in memory.
    f.store->appendValues(*f.store->table("p", "d", "t"), rows(1000, 1001));
    f.expectInMemory(rows(0, 1001));
}

TEST(SegmentFile, ATableIsReadInPlaceWhenItsRowsWouldTakeMoreMemoryThanTheLimit) {
    Folded f;
    f.make(300);
    std::uint64_t estimate = 0;
    {
        const auto t = f.store->tableToRead("p", "d", "t");
        std::shared_lock lock(t->mutex);
        const auto* groups = dynamic_cast<const GroupSource*>(t->groupsToRead());
        ASSERT_NE(groups, nullptr);
        estimate = groups->valueBytes();
    }
    // Each row's value and block of four columns, and every block its columns' values own.
    std::uint64_t memory = 300 * (sizeof(Value) * 5 + 16);
    for (const auto& r : rows(0, 300))
        for (const auto& v : r.items()) memory += valueMemory(v);
    EXPECT_EQ(estimate, memory);
    EXPECT_EQ(valueMemory(row(101)[2]), 16 + 2 * sizeof(Value)); // an ARRAY of two INT64s
    EXPECT_EQ(valueMemory(row(101)[1]), 16 + 14u);                // "row number 101"
    EXPECT_EQ(valueMemory(row(11)[1]), 0u);                        // "row number 11" is held inline
    f.open(estimate - 1);
    {
        const auto t = f.store->tableToRead("p", "d", "t");
        std::shared_lock lock(t->mutex);
        EXPECT_NE(t->groupsToRead(), nullptr);
    }
    f.open(estimate); // not more than the limit: held in memory
    f.expectInMemory(rows(0, 300));
}

TEST(SegmentFile, ASmallTableOrOneWithRowsInItsLogIsReadIntoMemory) {
    Folded f;
    f.make(300);
    f.open(std::uint64_t{1} << 30); // larger than the table: held in memory
    f.expectInMemory(rows(0, 300));
    f.open();
    f.store->appendValues(*f.store->table("p", "d", "t"), rows(300, 310)); // in the log, not folded
    f.open();
    std::string why;
    EXPECT_EQ(SegmentFile::open(f.tableDir(), Schema::parse(kSchema), 1, why), nullptr);
    EXPECT_EQ(why, "rows in its log");
    f.expectInMemory(rows(0, 310));
}

TEST(SegmentFile, ADamagedGroupIsAnErrorWhenReadNeverWrongRows) {
    Folded f;
    f.make(1000);
    const fs::path file = f.tableDir() / "rows.qseg";
    const auto size = fs::file_size(file);
    {
        std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
        io.seekp(static_cast<std::streamoff>(size - 40)); // inside the last group's compressed body
        char c = 0;
        io.read(&c, 1);
        io.seekp(static_cast<std::streamoff>(size - 40));
        c = static_cast<char>(c ^ 0x5a);
        io.write(&c, 1);
    }
    std::string why;
    const auto groups = SegmentFile::open(f.tableDir(), Schema::parse(kSchema), 1, why);
    ASSERT_NE(groups, nullptr); // the heads are intact
    EXPECT_NO_THROW(groups->read(0, {}));
    EXPECT_THROW(groups->read(groups->groups() - 1, {}), std::runtime_error);
}

TEST(SegmentFile, ACheckpointCutShortOrATornTailIsLeftToTheWholeRead) {
    Folded f;
    f.make(200);
    const fs::path file = f.tableDir() / "rows.qseg";
    fs::resize_file(file, fs::file_size(file) - 3);
    std::string why;
    EXPECT_EQ(SegmentFile::open(f.tableDir(), Schema::parse(kSchema), 1, why), nullptr);
    EXPECT_EQ(why, "a torn or damaged tail");
}
