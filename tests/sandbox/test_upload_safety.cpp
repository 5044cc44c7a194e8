// SPDX-License-Identifier: MIT
// quarry-cli upload with hostile paths, pipes and look-alike files, run as a user would run it
// against a real sandbox: nothing the user did not ask for is overwritten, a pipe uploads every
// row, different data never shares insertIds, reserved names are refused, a row up to
// BigQuery's 10 MB limit lands, and the smaller promises of the CLI (units, encodings, help).
#include "RunCommand.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "platform/File.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>

using namespace quarry;
using namespace quarry::test;
namespace fs = std::filesystem;

namespace {

/// quarry-cli against the sandbox, run in `dir` with its own state (journals) folder.
CommandResult cli(const UploadEnv& env, const std::string& args, const std::string& state = "state") {
    return runCommand("cd " + env.dir.path + " && XDG_STATE_HOME=" + env.dir.path + "/" + state + " XDG_DATA_HOME=" +
                      env.dir.path + "/data " + QUARRY_CLI + " --endpoint " + env.sandbox.url() + " --project p " + args);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void spit(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

/// Rows of 33 bytes each, `{"id":    42,"v":"aaaaaaaaaa..."}`, with `v` made of `fill` in
/// rows [from, to) and of 'a' elsewhere.
std::string fixedRows(int n, char fill, int from = 0, int to = 0) {
    std::string out;
    char line[64];
    for (int i = 0; i < n; ++i) {
        const char c = i >= from && i < to ? fill : 'a';
        std::snprintf(line, sizeof line, "{\"id\":%6d,\"v\":\"%s\"}\n", i, std::string(12, c).c_str());
        out += line;
    }
    return out;
}

void createIdTable(BigQueryClient& c, const std::string& table) {
    c.insertTable("p", "d", {{"tableReference", {{"tableId", table}}},
                             {"schema", {{"fields", {{{"name", "id"}, {"type", "INTEGER"}}, {{"name", "v"}, {"type", "STRING"}}}}}}});
}

} // namespace

TEST(UploadSafety, RejectsPathsThatAreTheInputADeviceAFifoAFolderOrSomeoneElsesFileAreRefusedUntouched) {
    UploadEnv env;
    createIdTable(env.client, "t");
    const std::string in = env.dir.path + "/in.ndjson";
    spit(in, fixedRows(10, 'a') + "{\"id\":\"x\"}\n");
    const std::string before = slurp(in);
    spit(env.dir.path + "/notes.txt", "my notes\n");
    if (!platform::makeNamedPipe(env.dir.path + "/fifo")) GTEST_SKIP() << "no named pipes here: " << platform::lastErrorText();
    fs::create_directory(env.dir.path + "/folder");

    const std::pair<const char*, const char*> cases[] = {
        {"in.ndjson", "is the file being uploaded"},
        {"notes.txt", "is not a rejects file written by Quarry"},
        {"/dev/null", "is not a regular file"},
        {"fifo", "is not a regular file"},
        {"folder", "is a folder"},
        {"no/such/folder/r.ndjson", "does not exist"},
    };
    for (const auto& [path, message] : cases) {
        SCOPED_TRACE(path);
        for (const char* mode : {"", " --skip-invalid"}) {
            const auto r = cli(env, std::string("upload in.ndjson d.t --rejects ") + path + mode);
            EXPECT_EQ(r.code, 1) << r.out;
            EXPECT_NE(r.out.find(message), std::string::npos) << r.out;
        }
    }
    EXPECT_EQ(slurp(in), before);
    EXPECT_EQ(slurp(env.dir.path + "/notes.txt"), "my notes\n");
    EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
    EXPECT_TRUE(std::filesystem::is_fifo(env.dir.path + "/fifo"));
    EXPECT_EQ(countRows(env.client, "t"), 0); // nothing was sent
}

TEST(UploadSafety, RejectsFileIsWrittenWholeWithTheInputsPermissionsAndAStaleOneGoesWhenNothingIsRejected) {
    UploadEnv env;
    createIdTable(env.client, "t");
    const std::string in = env.dir.path + "/in.ndjson";
    spit(in, fixedRows(10, 'a') + "{\"id\":\"x\"}\n");
    std::filesystem::permissions(in, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto r = cli(env, "upload in.ndjson d.t");
    EXPECT_EQ(r.code, 1) << r.out;
    const std::string rejects = in + ".rejects.ndjson";
    ASSERT_TRUE(std::filesystem::exists(rejects)) << r.out;
    EXPECT_EQ(std::filesystem::status(rejects).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_FALSE(fs::exists(rejects + ".partial"));
    EXPECT_NE(slurp(rejects).find("\"line\":11"), std::string::npos);

    spit(in, fixedRows(10, 'a')); // fixed
    r = cli(env, "upload in.ndjson d.t");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_FALSE(fs::exists(rejects)); // it described the old file, not this upload
    EXPECT_EQ(countRows(env.client, "t"), 10);
}

TEST(UploadSafety, EqualSizedFilesWithEqualEndsBothLandThroughSeparateJournals) {
    UploadEnv env;
    createIdTable(env.client, "t");
    // 20,000 rows of 33 bytes: the first and last 64 KiB are the same, rows 5,000-15,000 differ.
    const std::string a = env.dir.path + "/a.ndjson", b = env.dir.path + "/b.ndjson";
    spit(a, fixedRows(20000, 'a'));
    spit(b, fixedRows(20000, 'b', 5000, 15000));
    ASSERT_EQ(fs::file_size(a), fs::file_size(b));
    ASSERT_EQ(slurp(a).substr(0, 65536), slurp(b).substr(0, 65536));
    ASSERT_EQ(slurp(a).substr(fs::file_size(a) - 65536), slurp(b).substr(fs::file_size(b) - 65536));
    auto r = cli(env, "upload a.ndjson d.t", "runner1");
    ASSERT_EQ(r.code, 0) << r.out;
    r = cli(env, "upload b.ndjson d.t", "runner2");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("inserted        20,000"), std::string::npos) << r.out;
    const auto n = queryRow(env.client, "SELECT COUNT(*) AS n, COUNTIF(STARTS_WITH(v, 'b')) AS b FROM d.t");
    EXPECT_EQ(n.at("n"), 40000);
    EXPECT_EQ(n.at("b"), 10000);
}

TEST(UploadSafety, AFileChangedSinceItsInterruptedUploadIsNotResumed) {
    UploadEnv env;
    createIdTable(env.client, "t");
    const std::string a = env.dir.path + "/a.ndjson";
    spit(a, fixedRows(20000, 'a'));
    auto r = cli(env, "upload a.ndjson d.t");
    ASSERT_EQ(r.code, 0) << r.out;
    // The file changes in the middle, same size: its journal is not taken for it.
    spit(a, fixedRows(20000, 'c', 5000, 15000));
    r = cli(env, "upload a.ndjson d.t --resume");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("no interrupted upload"), std::string::npos) << r.out;
    r = cli(env, "upload a.ndjson d.t");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(countRows(env.client, "t"), 40000);
}

TEST(UploadSafety, HundredThousandRowsThroughAPipeAllLandStrictAndSkippingInvalid) {
    UploadEnv env;
    const std::string f = env.dir.path + "/rows.ndjson";
    spit(f, fixedRows(100000, 'a'));
    // Strict, into a new table inferred from the stream: read once into a private copy.
    auto r = cli(env, "upload /dev/stdin d.strict --create --autodetect --no-progress < rows.ndjson");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("inserted        100,000"), std::string::npos) << r.out;
    EXPECT_EQ(countRows(env.client, "strict"), 100000);

    // --skip-invalid into an existing table: one pass, through a real pipe, with bad rows.
    createIdTable(env.client, "skip");
    r = cli(env, "upload - d.skip --skip-invalid --no-progress < /dev/null");
    EXPECT_EQ(r.code, 0) << r.out; // an empty stream is zero rows, not an error
    r = runCommand("cd " + env.dir.path + " && (cat rows.ndjson; echo '{\"id\":\"bad\"}') | XDG_STATE_HOME=" +
                   env.dir.path + "/state " + QUARRY_CLI + " --endpoint " + env.sandbox.url() +
                   " --project p upload /dev/stdin d.skip --skip-invalid --no-progress");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("inserted        100,000"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("rejected        1"), std::string::npos) << r.out;
    EXPECT_EQ(countRows(env.client, "skip"), 100000);
    EXPECT_NE(slurp(env.dir.path + "/stdin.rejects.ndjson").find("\"line\":100001"), std::string::npos);

    // The same stream again is another upload (nothing of a pipe is de-duplicated away)...
    r = runCommand("cd " + env.dir.path + " && head -n 1000 rows.ndjson | " + QUARRY_CLI + " --endpoint " +
                   env.sandbox.url() + " --project p upload - d.skip --skip-invalid --no-progress");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(countRows(env.client, "skip"), 101000);
    // ...and cannot be resumed, which says why.
    r = runCommand("echo '{}' | " + std::string(QUARRY_CLI) + " --endpoint " + env.sandbox.url() +
                   " --project p upload - d.skip --resume");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("--resume needs a file that can be read again"), std::string::npos) << r.out;
}

TEST(UploadSafety, ReservedFieldNamesAreRefusedEverywhereWithBigQuerysMessage) {
    UploadEnv env;
    spit(env.dir.path + "/r.ndjson", "{\"id\":1,\"_PARTITIONTIME\":\"2026-01-01\"}\n");
    auto r = cli(env, "upload r.ndjson d.r --create --autodetect");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("Invalid field name \"_PARTITIONTIME\". Field names are not allowed to start with"),
              std::string::npos)
        << r.out;
    spit(env.dir.path + "/schema.json", R"([{"name":"id","type":"INTEGER"},{"name":"rec","type":"RECORD","fields":[{"name":"_table_suffix","type":"STRING"}]}])");
    r = cli(env, "upload r.ndjson d.r --create --schema schema.json");
    EXPECT_EQ(r.code, 2) << r.out; // the schema file is refused as it is read
    EXPECT_NE(r.out.find("Invalid field name \"_table_suffix\""), std::string::npos) << r.out;
    try {
        env.client.insertTable("p", "d", {{"tableReference", {{"tableId", "r"}}},
                                          {"schema", {{"fields", {{{"name", "_FILE_NAME"}, {"type", "STRING"}}}}}}});
        ADD_FAILURE() << "tables.insert accepted _FILE_NAME";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.httpStatus(), 400);
        EXPECT_NE(e.message().find("Invalid field name \"_FILE_NAME\""), std::string::npos) << e.message();
    }
    r = cli(env, "query 'CREATE TABLE d.r (id INT64, _PARTITIONDATE DATE)'");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("Invalid field name \"_PARTITIONDATE\""), std::string::npos) << r.out;
    r = cli(env, "query 'CREATE TABLE d.r AS SELECT 1 AS _ROW_TIMESTAMP_X'");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("Invalid field name"), std::string::npos) << r.out;
    EXPECT_FALSE(tableExists(env.client, "r")); // nothing was made
}

TEST(UploadSafety, ANineAndAHalfMegabyteRowLandsAloneAndAnElevenMegabyteRowSaysToUseALoadJob) {
    UploadEnv env;
    createIdTable(env.client, "big");
    const std::string nine(9'500'000, 'x'), eleven(11'000'000, 'y');
    spit(env.dir.path + "/big.ndjson", "{\"id\":1,\"v\":\"" + nine + "\"}\n{\"id\":2,\"v\":\"small\"}\n{\"id\":3,\"v\":\"" +
                                           eleven + "\"}\n");
    auto r = cli(env, "upload big.ndjson d.big --skip-invalid --no-progress");
    ASSERT_EQ(r.code, 0) << r.out.substr(0, 2000);
    EXPECT_NE(r.out.find("inserted        2"), std::string::npos) << r.out.substr(0, 2000);
    EXPECT_NE(r.out.find("rejected        1"), std::string::npos) << r.out.substr(0, 2000);
    const auto lens = queryRow(env.client, "SELECT MAX(LENGTH(v)) AS longest, COUNT(*) AS n FROM d.big");
    EXPECT_EQ(lens.at("longest"), 9'500'000);
    EXPECT_EQ(lens.at("n"), 2);
    const std::string rejects = slurp(env.dir.path + "/big.ndjson.rejects.ndjson");
    EXPECT_NE(rejects.find("\"line\":3"), std::string::npos);
    EXPECT_NE(rejects.find("load job"), std::string::npos) << rejects.substr(0, 400);
}

TEST(UploadSafety, ClearWordsForWhatCannotBeUploaded) {
    UploadEnv env;
    createIdTable(env.client, "t");
    // Pretty-printed JSON.
    spit(env.dir.path + "/pretty.json", "{\n  \"id\": 1\n}\n{\n  \"id\": 2\n}\n");
    auto r = cli(env, "upload pretty.json d.t");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("pretty-printed JSON"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("one object per line"), std::string::npos) << r.out;
    // UTF-16.
    runCommand("cd " + env.dir.path + " && printf '{\"id\":1}\\n' | iconv -t UTF-16 > wide.ndjson");
    r = cli(env, "upload wide.ndjson d.t");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("UTF-16"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("iconv"), std::string::npos) << r.out;
    // --create without a schema says what it needs, and creates nothing.
    spit(env.dir.path + "/ok.ndjson", "{\"id\":1}\n");
    r = cli(env, "upload ok.ndjson d.fresh --create");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("--create needs its schema: pass --autodetect"), std::string::npos) << r.out;
    EXPECT_FALSE(tableExists(env.client, "fresh"));
    // A zero-padded gzip file (gzip itself accepts it) uploads.
    runCommand("cd " + env.dir.path + " && gzip -c ok.ndjson > pad.ndjson.gz && head -c 4096 /dev/zero >> pad.ndjson.gz");
    r = cli(env, "upload pad.ndjson.gz d.t");
    EXPECT_EQ(r.code, 0) << r.out;
    // Invalid UTF-8: the rejects line has readable text and the exact bytes.
    spit(env.dir.path + "/latin1.ndjson", "{\"id\":2,\"v\":\"caf\xE9\"}\n");
    r = cli(env, "upload latin1.ndjson d.t --skip-invalid");
    EXPECT_EQ(r.code, 0) << r.out;
    const auto line = Json::parse(slurp(env.dir.path + "/latin1.ndjson.rejects.ndjson"));
    EXPECT_EQ(line.value("text", ""), "{\"id\":2,\"v\":\"caf\xEF\xBF\xBD\"}");
    EXPECT_EQ(line.value("text_base64", ""), "eyJpZCI6MiwidiI6ImNhZukifQ==");
    // Help shows the defaults.
    r = runCommand(std::string(QUARRY_CLI) + " upload --help");
    EXPECT_NE(r.out.find("default 500 for insertAll, 50000 for the Write API"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--api"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--concurrency INT:INT in [1 - 64]=4"), std::string::npos) << r.out;
}

TEST(UploadSafety, KeyFingerprintReadsTheKeysUploadFileKeyGenerateWrote) {
    ScratchDir dir;
    auto r = runCommand(std::string(QUARRY_CLI) + " key generate --out " + dir.path +
                        "/k --email robot@p.iam.gserviceaccount.com");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto fromUpload = runCommand(std::string(QUARRY_CLI) + " key fingerprint " + dir.path + "/k/keys-upload.json");
    EXPECT_EQ(fromUpload.code, 0) << fromUpload.out;
    const auto fromCert = runCommand(std::string(QUARRY_CLI) + " key fingerprint " + dir.path + "/k/public_cert.pem");
    EXPECT_EQ(fromUpload.out, fromCert.out);
    EXPECT_NE(fromUpload.out.find("SHA-256"), std::string::npos) << fromUpload.out;
}

// A resume long after the stop (past BigQuery's one-minute de-duplication window) cannot know
// whether the batches then in flight landed: it says so instead of claiming "nothing is sent
// twice", and goes on only as told. The sandbox's data folder names the server, so the app's
// sandbox on a new port finds the same journal.
TEST(UploadSafety, ResumeLongAfterAStopAsksAboutRowsInFlightAndFindsTheSandboxOnAnyPort) {
    UploadEnv env({"--faults", "insertAll:delay=3s:1"});
    createIdTable(env.client, "t");
    spit(env.dir.path + "/a.ndjson", fixedRows(2000, 'a'));
    const std::string state = env.dir.path + "/state";
    // Killed while its first batches are in flight.
    auto r = runCommand("cd " + env.dir.path + " && (XDG_STATE_HOME=" + state + " timeout -s KILL 1.5 " + QUARRY_CLI +
                        " --endpoint " + env.sandbox.url() + " --project p upload a.ndjson d.t --api insertall --batch-rows 100 --no-progress; true)");
    fs::path journal;
    for (const auto& e : fs::recursive_directory_iterator(state))
        if (e.path().extension() == ".journal") journal = e.path();
    ASSERT_FALSE(journal.empty()) << r.out;
    EXPECT_NE(journal.filename().string().find("-sandbox"), std::string::npos) << journal; // named by its data, not port
    ASSERT_NE(slurp(journal.string()).find("\nsend "), std::string::npos);
    // As if it stopped ten minutes ago.
    const auto old = fs::last_write_time(journal) - std::chrono::minutes(10);
    fs::last_write_time(journal, old);
    std::this_thread::sleep_for(std::chrono::seconds(4)); // the delayed inserts land meanwhile
    r = cli(env, "upload a.ndjson d.t --api insertall --batch-rows 100 --resume");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("were being sent when the upload stopped 10 min"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--in-flight resend"), std::string::npos) << r.out;
    fs::last_write_time(journal, old);
    r = cli(env, "upload a.ndjson d.t --api insertall --batch-rows 100 --resume --in-flight skip");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("counted as inserted as asked"), std::string::npos) << r.out;
    EXPECT_EQ(countRows(env.client, "t"), 2000); // those in flight had landed: exactly once
}
