// SPDX-License-Identifier: MIT
// The uploader's local half: RecordReader, RowChecker and SchemaInference, on the hostile
// corpus in tests/data/hostile/upload (one folder per case: an input file and expect.json)
// and on files made here (sizes and shapes not worth committing).
#include "TestData.h"
#include "upload/Journal.h"
#include "upload/RecordReader.h"
#include "upload/RowChecker.h"
#include "upload/SchemaInference.h"
#include "platform/System.h"
#include "platform/File.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>
#include <nlohmann/json.hpp>
#include <simdjson.h>

using namespace quarry;
using namespace quarry::upload;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Outcome {
    std::uint64_t read = 0, valid = 0;
    std::vector<Rejection> rejects;
    std::vector<std::uint64_t> lines; ///< start line of every record
};

Outcome checkFile(const std::string& path, const Schema& schema, RecordReader::Options o = {}) {
    RecordReader reader(path, o);
    RowChecker checker(schema, false);
    Outcome out;
    Record r;
    Rejection why;
    while (reader.next(r)) {
        ++out.read;
        out.lines.push_back(r.line);
        if (checker.check(r, why)) ++out.valid;
        else out.rejects.push_back(why);
    }
    return out;
}

Schema corpusSchema() {
    return Schema::fromJson(json{{"fields", json::parse(test::readFile(test::dataDir() / "hostile/upload/schema.json"))}});
}

/// A temporary file, removed at the end.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& content, const std::string& suffix = ".ndjson") {
        path = (fs::temp_directory_path() / ("quarry-upload-" + std::to_string(quarry::platform::processId()) + "-" +
                                             std::to_string(counter()++) + suffix))
                   .string();
        std::ofstream(path, std::ios::binary) << content;
    }
    ~TempFile() { fs::remove(path); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

Schema inferred(const std::string& content, std::vector<SchemaConflict>* conflicts = nullptr,
                std::vector<std::string>* notes = nullptr) {
    TempFile f(content);
    RecordReader reader(f.path, {});
    RowChecker parser(Schema(), true);
    SchemaInference inf;
    Record r;
    Rejection why;
    simdjson::dom::element doc;
    while (reader.next(r))
        if (parser.parse(r, doc, why)) inf.add(doc, r.line);
    if (conflicts) *conflicts = inf.conflicts();
    if (notes) *notes = inf.notes();
    return inf.schema();
}

std::string typeOf(const Schema& s, const std::string& name) {
    for (const auto& f : s.fields)
        if (f.name == name) return f.toJson().value("type", "") + (f.isRepeated() ? "*" : "");
    return "missing";
}

} // namespace

class HostileUpload : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileUpload, EveryRecordIsCountedAndEveryRejectSaysWhere) {
    const fs::path dir = test::dataDir() / "hostile/upload" / GetParam();
    const json expect = json::parse(test::readFile(dir / "expect.json"));
    std::string input;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().rfind("input", 0) == 0) input = e.path().string();
    ASSERT_FALSE(input.empty());
    SCOPED_TRACE(GetParam());
    if (expect.contains("input_error")) { // the whole file is refused, with what to do
        try {
            checkFile(input, corpusSchema());
            FAIL() << "expected an InputError";
        } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find(expect["input_error"].get<std::string>()), std::string::npos) << e.what();
        }
        return;
    }
    const Outcome o = checkFile(input, corpusSchema());
    if (expect.contains("read")) {
        EXPECT_EQ(o.read, expect["read"].get<std::uint64_t>());
    }
    if (expect.contains("read_at_least")) {
        EXPECT_GE(o.read, expect["read_at_least"].get<std::uint64_t>());
    }
    if (expect.contains("valid")) {
        EXPECT_EQ(o.valid, expect["valid"].get<std::uint64_t>());
    }
    EXPECT_EQ(o.read, o.valid + o.rejects.size()); // nothing lost
    if (expect.contains("rejects")) {
        ASSERT_EQ(o.rejects.size(), expect["rejects"].size());
        for (std::size_t i = 0; i < o.rejects.size(); ++i) {
            EXPECT_EQ(o.rejects[i].line, expect["rejects"][i][0].get<std::uint64_t>()) << o.rejects[i].message;
            EXPECT_NE(o.rejects[i].message.find(expect["rejects"][i][1].get<std::string>()), std::string::npos)
                << "reject " << i << ": " << o.rejects[i].message;
            EXPECT_GE(o.rejects[i].column, 1u);
        }
    }
    if (expect.contains("lines")) {
        EXPECT_EQ(o.lines, expect["lines"].get<std::vector<std::uint64_t>>());
    }
    if (expect.contains("columns"))
        for (const auto& lc : expect["columns"]) {
            ASSERT_FALSE(o.rejects.empty());
            EXPECT_EQ(o.rejects[0].line, lc[0].get<std::uint64_t>());
            EXPECT_EQ(o.rejects[0].column, lc[1].get<std::uint64_t>()) << o.rejects[0].message;
        }
    if (expect.contains("last_reject_contains")) {
        ASSERT_FALSE(o.rejects.empty());
        EXPECT_NE(o.rejects.back().message.find(expect["last_reject_contains"].get<std::string>()), std::string::npos)
            << o.rejects.back().message;
    }
    if (expect.value("all_rejected", false)) {
        EXPECT_GT(o.read, 0u);
        EXPECT_EQ(o.rejects.size(), o.read);
    }
}

TEST(RowChecker, HundredThousandLevelsOfNestingAreRejectedSayingSo) {
    std::string deep = "{\"name\":\"x\",\"addr\":";
    for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
    deep += "1";
    deep.append(100000, '}');
    deep += "}\n{\"name\":\"y\"}\n";
    TempFile f(deep);
    const Outcome o = checkFile(f.path, corpusSchema());
    EXPECT_EQ(o.read, 2u);
    EXPECT_EQ(o.valid, 1u);
    ASSERT_EQ(o.rejects.size(), 1u);
    EXPECT_NE(o.rejects[0].message.find("levels deep; BigQuery allows 15 levels"), std::string::npos) << o.rejects[0].message;
}

TEST(RecordReader, StandardInputIsReadAsAStreamAndHashed) {
    TempFile f("{\"name\":\"a\"}\n{\"name\":\"b\"}\n");
    // "-" is standard input: put the file there for this process.
    std::optional<platform::StandardInputFrom> in(std::in_place, f.path);
    ASSERT_TRUE(in->ok()) << platform::lastErrorText();
    RecordReader::Options o;
    o.hashContent = true;
    std::uint64_t n = 0;
    std::string hash;
    {
        RecordReader reader("-", o);
        Record r;
        while (reader.next(r)) ++n;
        hash = reader.contentHash();
    }
    in.reset();
    EXPECT_EQ(n, 2u);
    // The same bytes read from the path hash the same.
    RecordReader again(f.path, o);
    Record r;
    while (again.next(r)) {
    }
    EXPECT_EQ(again.contentHash(), hash);
    // ... and as the upload's first read fingerprints them; one byte more changes it.
    EXPECT_EQ(identifyFile(f.path).fingerprint, hash);
    EXPECT_EQ(hash.size(), 32u);
    TempFile other("{\"name\":\"a\"}\n{\"name\":\"c\"}\n");
    EXPECT_NE(identifyFile(other.path).fingerprint, hash);
    EXPECT_NE(identifyFile(other.path).id, identifyFile(f.path).id);
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostileUpload, ::testing::ValuesIn(test::caseFolders("hostile/upload")),
                         [](const auto& testInfo) { return testInfo.param; });

TEST(RecordReader, TenMegabyteLineIsReadWhole) {
    std::string big = "{\"name\":\"" + std::string(10u << 20, 'x') + "\"}";
    TempFile f("{\"name\":\"a\"}\n" + big + "\n{\"name\":\"b\"}\n");
    const Outcome o = checkFile(f.path, corpusSchema());
    EXPECT_EQ(o.read, 3u);
    EXPECT_EQ(o.valid, 3u); // valid JSON; the uploader rejects it as too large for a request
    EXPECT_EQ(o.lines, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(RecordReader, LineLongerThanTheLimitIsRejectedAndReadingGoesOn) {
    std::string big = "{\"name\":\"" + std::string(3u << 20, 'x') + "\"}";
    TempFile f("{\"name\":\"a\"}\n" + big + "\n{\"name\":\"b\"}\n");
    RecordReader::Options opt;
    opt.maxRecordBytes = 1u << 20;
    opt.chunkBytes = 64 * 1024;
    const Outcome o = checkFile(f.path, corpusSchema(), opt);
    EXPECT_EQ(o.read, 3u);
    EXPECT_EQ(o.valid, 2u);
    ASSERT_EQ(o.rejects.size(), 1u);
    EXPECT_EQ(o.rejects[0].line, 2u);
    EXPECT_NE(o.rejects[0].message.find("longer than 1 MB"), std::string::npos) << o.rejects[0].message;
    EXPECT_EQ(o.lines.back(), 3u);
}

TEST(RecordReader, ArrayElementLargerThanTheLimitIsRejectedAndReadingGoesOn) {
    std::string big = "{\"name\":\n\"" + std::string(3u << 20, 'x') + "\"}";
    TempFile f("[{\"name\":\"a\"},\n" + big + ",\n{\"name\":\"b\"}]", ".json");
    RecordReader::Options opt;
    opt.maxRecordBytes = 1u << 20;
    opt.chunkBytes = 64 * 1024;
    const Outcome o = checkFile(f.path, corpusSchema(), opt);
    EXPECT_EQ(o.read, 3u);
    EXPECT_EQ(o.valid, 2u);
    ASSERT_EQ(o.rejects.size(), 1u);
    EXPECT_EQ(o.rejects[0].line, 2u);
    EXPECT_EQ(o.lines.back(), 4u);
}

TEST(RecordReader, SmallChunksGiveTheSameRecordsAndLines) {
    std::string nd, arr = "[";
    for (int i = 0; i < 500; ++i) {
        nd += "{\"name\":\"row " + std::to_string(i) + " \\\"quoted]}\\\"\",\"tags\":[\"a\",\"b\"]}\n";
        if (i) arr += ",\n";
        arr += "{\"name\":\"r" + std::to_string(i) + "\",\n \"addr\":{\"city\":\"c,]\"}}";
    }
    arr += "]";
    TempFile a(nd), b(arr, ".json");
    for (std::size_t chunk : {7u, 64u, 1u << 20}) {
        RecordReader::Options opt;
        opt.chunkBytes = chunk;
        const Outcome x = checkFile(a.path, corpusSchema(), opt);
        EXPECT_EQ(x.valid, 500u) << chunk;
        EXPECT_EQ(x.lines.back(), 500u);
        const Outcome y = checkFile(b.path, corpusSchema(), opt);
        EXPECT_EQ(y.valid, 500u) << chunk;
        EXPECT_EQ(y.lines.back(), 999u);
    }
}

TEST(RecordReader, FormatCanBeChosen) {
    TempFile f("[{\"name\":\"a\"}]\n");
    RecordReader::Options opt;
    opt.format = InputFormat::Ndjson;
    const Outcome o = checkFile(f.path, corpusSchema(), opt);
    ASSERT_EQ(o.rejects.size(), 1u); // a line holding an array is not a row
    EXPECT_NE(o.rejects[0].message.find("not a JSON object"), std::string::npos);
    TempFile g("{\"name\":\"a\"}\n");
    opt.format = InputFormat::JsonArray;
    const Outcome p = checkFile(g.path, corpusSchema(), opt);
    ASSERT_EQ(p.rejects.size(), 1u);
    EXPECT_NE(p.rejects[0].message.find("must start with '['"), std::string::npos);
}

TEST(RecordReader, MissingFileAndFolderAreClearErrors) {
    EXPECT_THROW(RecordReader("/nonexistent/quarry.ndjson", {}), InputError);
    try {
        RecordReader r(fs::temp_directory_path().string(), {});
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("folder"), std::string::npos);
    }
}

TEST(SchemaInference, NestedRepeatedAndWidened) {
    std::vector<std::string> notes;
    const Schema s = inferred(R"({"id":1,"score":2,"tags":["a"],"addr":{"city":"P","geo":{"lat":1}},"kids":[{"n":"a"}]}
{"id":2,"score":2.5,"tags":[],"addr":{"city":"Q","geo":{"lat":1.5,"lon":2}},"kids":[{"n":"b","age":3}],"note":null}
{"id":3,"mixed":1,"day":"2024-01-02","at":"2024-01-02T03:04:05Z","flag":true}
{"mixed":"x","day":"2024-02-03","at":"2024-01-02 03:04:05.123+01:00","empty":{}}
)", nullptr, &notes);
    EXPECT_EQ(typeOf(s, "id"), "INTEGER");
    EXPECT_EQ(typeOf(s, "score"), "FLOAT");
    EXPECT_EQ(typeOf(s, "tags"), "STRING*");
    EXPECT_EQ(typeOf(s, "addr"), "RECORD");
    EXPECT_EQ(typeOf(s, "kids"), "RECORD*");
    EXPECT_EQ(typeOf(s, "note"), "STRING");
    EXPECT_EQ(typeOf(s, "mixed"), "STRING");
    EXPECT_EQ(typeOf(s, "day"), "DATE");
    EXPECT_EQ(typeOf(s, "at"), "TIMESTAMP");
    EXPECT_EQ(typeOf(s, "flag"), "BOOLEAN");
    EXPECT_EQ(typeOf(s, "empty"), "JSON");
    const auto& addr = *std::find_if(s.fields.begin(), s.fields.end(), [](const Field& f) { return f.name == "addr"; });
    ASSERT_EQ(addr.fields.size(), 2u);
    EXPECT_EQ(addr.fields[1].fields.size(), 2u);                  // geo: lat, lon
    EXPECT_EQ(addr.fields[1].fields[0].type, TypeKind::Float64);  // lat: 1 and 1.5
    const auto& kids = *std::find_if(s.fields.begin(), s.fields.end(), [](const Field& f) { return f.name == "kids"; });
    EXPECT_EQ(kids.fields.size(), 2u);
    bool sawWiden = false;
    for (const auto& n : notes) sawWiden |= n.find("score: integers (line 1) and floats (line 2) -> FLOAT") != std::string::npos;
    EXPECT_TRUE(sawWiden);
}

TEST(SchemaInference, ConflictsNameBothSidesWithTheirFirstLines) {
    std::vector<SchemaConflict> c;
    const Schema s = inferred(R"({"a":"x","b":[1],"ok":1}
{"a":{"y":1},"b":2}
{"c":[[1,2]],"bad-name":1,"Ok":2}
)", &c);
    ASSERT_EQ(c.size(), 4u);
    EXPECT_NE(c[0].message.find("a: an object (first on line 2) and a string (first on line 1)"), std::string::npos) << c[0].message;
    EXPECT_NE(c[1].message.find("b: an array (first on line 1) and a single value (first on line 2)"), std::string::npos) << c[1].message;
    EXPECT_NE(c[2].message.find("an array inside an array (line 3)"), std::string::npos) << c[2].message;
    EXPECT_NE(c[3].message.find("'bad-name' (line 3) is not a valid column name"), std::string::npos) << c[3].message;
    ASSERT_EQ(s.fields.size(), 1u); // conflicted fields left out; Ok and ok are one column
    EXPECT_EQ(s.fields[0].name, "ok");
}

TEST(SchemaInference, InferredSchemaAcceptsEveryRecordItCameFrom) {
    const std::string text = R"({"id":1,"v":2,"s":"x","t":[1.5,2],"r":{"q":[{"z":true}]}}
{"id":"7","v":2.5,"s":3,"t":[],"r":{"q":[{"z":false,"w":"x"}]}}
{"v":null,"s":false,"r":null}
)";
    const Schema s = inferred(text);
    TempFile f(text);
    const Outcome o = checkFile(f.path, s);
    EXPECT_EQ(o.valid, 3u) << (o.rejects.empty() ? "" : o.rejects[0].message);
}
