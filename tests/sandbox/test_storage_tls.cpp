// SPDX-License-Identifier: MIT
// quarry-cli's uploads and exports through the Storage API the way they reach Google's: over
// TLS, with Google's routing header on every call. The sandbox serves gRPC with the test
// certificate in tests/data/tls and refuses calls without the header (--require-routing-header);
// the CLI trusts the test authority through gRPC's GRPC_DEFAULT_SSL_ROOTS_FILE_PATH. Without
// that trust the handshake fails: --api write and --api read say so and write nothing, and the
// default path carries the rows by insertAll and getQueryResults instead.
#include "RunCommand.h"
#include "TestData.h"
#include "UploadFixture.h"
#include "storageapi/StorageChannel.h"

#include <google/cloud/bigquery/storage/v1/storage.grpc.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace quarry;
using namespace quarry::test;
namespace v1 = google::cloud::bigquery::storage::v1;
namespace fs = std::filesystem;

namespace {

fs::path tlsFile(const char* name) { return dataDir() / "tls" / name; }

struct TlsEnv : UploadEnv {
    TlsEnv()
        : UploadEnv({"--grpc-tls-cert", tlsFile("server.pem").string(), "--grpc-tls-key", tlsFile("server.key").string(),
                     "--require-routing-header"}) {}

    /// quarry-cli against the sandbox; `trusted`: with the test authority as gRPC's roots.
    CommandResult cli(const std::string& args, bool trusted = true) {
        std::string env = "XDG_STATE_HOME=" + dir.path + "/state ";
        if (trusted) env += "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=" + tlsFile("ca.pem").string() + " ";
        else env += "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=/dev/null/none "; // gRPC's own roots then
        return runCommand(env + QUARRY_CLI + " --endpoint " + sandbox.url() + " --project p " + args + " 2>&1");
    }
    /// Uploads `f` into a new persons table p:d.<table>.
    CommandResult upload(const UploadFile& f, const std::string& table, const std::string& api, bool trusted = true) {
        createPersonsTable(client, table);
        return cli("--format json upload " + f.path + " d." + table + " --no-progress --api " + api, trusted);
    }
};

} // namespace

TEST(StorageTls, UploadsAndExportsGoOverTlsWithGooglesRoutingHeader) {
    TlsEnv env;
    if (env.sandbox.grpcAddress().empty()) GTEST_SKIP() << "this sandbox serves no Storage API";
    const auto file = writePersons(env.dir.path + "/people.ndjson", 20000);
    const auto up = env.upload(file, "t", "auto");
    ASSERT_EQ(up.code, 0) << up.out;
    EXPECT_NE(up.out.find("through the Storage Write API (" + env.sandbox.grpcAddress() + " (TLS))"), std::string::npos) << up.out;
    EXPECT_NE(up.out.find("\"api\": \"write\""), std::string::npos) << up.out;
    expectTableMatches(env.client, "t", file.sums);

    const std::string sql = "\"SELECT * FROM d.t ORDER BY fullName\"";
    const auto read = env.cli("query --no-history -o " + env.dir.path + "/read.ndjson --api read " + sql);
    ASSERT_EQ(read.code, 0) << read.out;
    EXPECT_NE(read.out.find("through the Storage Read API (" + env.sandbox.grpcAddress() + " (TLS)"), std::string::npos) << read.out;
    const auto pages = env.cli("query --no-history -o " + env.dir.path + "/pages.ndjson --api rest " + sql);
    ASSERT_EQ(pages.code, 0) << pages.out;
    const auto a = readFile(env.dir.path + "/read.ndjson"), b = readFile(env.dir.path + "/pages.ndjson");
    EXPECT_GT(a.size(), 1000000u);
    EXPECT_TRUE(a == b) << "the exports differ (" << a.size() << " and " << b.size() << " bytes)";

    // The endpoint named by hand (a regional or private one) is reached the same way.
    const auto port = env.sandbox.grpcAddress().substr(env.sandbox.grpcAddress().rfind(':') + 1);
    const auto named = env.cli("--storage-endpoint localhost:" + port + " query --no-history -o " + env.dir.path +
                               "/named.ndjson --api read " + sql);
    ASSERT_EQ(named.code, 0) << named.out;
    EXPECT_NE(named.out.find("(localhost:" + port + " (TLS)"), std::string::npos) << named.out;
    EXPECT_TRUE(readFile(env.dir.path + "/named.ndjson") == a);
    const auto bad = env.cli("--storage-endpoint https://x/ query -o " + env.dir.path + "/x.ndjson \"SELECT 1\"");
    EXPECT_EQ(bad.code, 2) << bad.out;
    EXPECT_NE(bad.out.find("HOST:PORT"), std::string::npos) << bad.out;
}

TEST(StorageTls, AnUntrustedCertificateWritesNothingOrFallsBackByDefault) {
    TlsEnv env;
    if (env.sandbox.grpcAddress().empty()) GTEST_SKIP() << "this sandbox serves no Storage API";
    const auto file = writePersons(env.dir.path + "/people.ndjson", 3000);
    const auto refused = env.upload(file, "w", "write", false);
    EXPECT_NE(refused.code, 0) << refused.out;
    EXPECT_NE(refused.out.find("cannot open a Storage Write API stream"), std::string::npos) << refused.out;
    EXPECT_NE(refused.out.find("certificate verify failed"), std::string::npos) << refused.out;
    EXPECT_EQ(refused.out.find("ssl_transport_security"), std::string::npos) << "gRPC's own log reached the user: " << refused.out;
    EXPECT_EQ(countRows(env.client, "w"), 0);

    const auto fallback = env.upload(file, "a", "auto", false);
    ASSERT_EQ(fallback.code, 0) << fallback.out;
    EXPECT_NE(fallback.out.find("sent with insertAll"), std::string::npos) << fallback.out;
    EXPECT_NE(fallback.out.find("\"api\": \"insertall\""), std::string::npos) << fallback.out;
    EXPECT_NE(fallback.out.find("\"requests\": 6,"), std::string::npos) << "insertAll's 500 rows a request, not the Write API's 50,000: "
                                                                      << fallback.out;
    expectTableMatches(env.client, "a", file.sums);

    const std::string sql = " \"SELECT x FROM UNNEST(GENERATE_ARRAY(1, 20000)) AS x\"";
    const auto out = env.dir.path + "/never.ndjson";
    const auto read = env.cli("query --no-history -o " + out + " --api read" + sql, false);
    EXPECT_NE(read.code, 0) << read.out;
    EXPECT_NE(read.out.find("cannot open a Read API session"), std::string::npos) << read.out;
    EXPECT_FALSE(fs::exists(out));
    const auto pages = env.cli("query --no-history -o " + out + " --api auto" + sql, false);
    ASSERT_EQ(pages.code, 0) << pages.out;
    EXPECT_NE(pages.out.find("through getQueryResults instead"), std::string::npos) << pages.out;
    EXPECT_NE(pages.out.find("Wrote 20000 rows"), std::string::npos) << pages.out;
}

namespace {

std::unique_ptr<v1::BigQueryWrite::Stub> tlsStub(const std::string& address) {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = readFile(tlsFile("ca.pem"));
    return v1::BigQueryWrite::NewStub(grpc::CreateChannel(address, grpc::SslCredentials(o)));
}

grpc::Status createStream(v1::BigQueryWrite::Stub& stub, const std::string& parent, const std::string* header, std::string* name = nullptr) {
    grpc::ClientContext ctx;
    if (header) ctx.AddMetadata("x-goog-request-params", *header);
    v1::CreateWriteStreamRequest req;
    req.set_parent(parent);
    v1::WriteStream out;
    const auto s = stub.CreateWriteStream(&ctx, req, &out);
    if (name) *name = out.name();
    return s;
}

} // namespace

TEST(StorageTls, TheRoutingHeaderMustNameTheResourceTheCallIsFor) {
    TlsEnv env;
    if (env.sandbox.grpcAddress().empty()) GTEST_SKIP() << "this sandbox serves no Storage API";
    createPersonsTable(env.client, "t");
    createPersonsTable(env.client, "other");
    auto stub = tlsStub(env.sandbox.grpcAddress());
    const std::string table = "projects/p/datasets/d/tables/t";
    const auto missing = createStream(*stub, table, nullptr);
    EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(missing.error_message().find("Missing routing header"), std::string::npos) << missing.error_message();
    const std::string elsewhere = storageapi::routingHeader("parent", "projects/p/datasets/d/tables/other");
    const auto wrong = createStream(*stub, table, &elsewhere);
    EXPECT_EQ(wrong.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(wrong.error_message().find("tables/other"), std::string::npos) << wrong.error_message();
    // Percent-encoded as Google's unary calls send it, or as it is (the Node managed writer's).
    const std::string encoded = storageapi::routingHeader("parent", table), plain = "parent=" + table;
    std::string stream;
    EXPECT_TRUE(createStream(*stub, table, &encoded, &stream).ok());
    EXPECT_TRUE(createStream(*stub, table, &plain).ok());
    EXPECT_EQ(encoded, "parent=projects%2Fp%2Fdatasets%2Fd%2Ftables%2Ft");

    // An AppendRows connection's header names the stream its first request writes.
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-goog-request-params", storageapi::routingHeader("write_stream", table + "/streams/someone-else"));
    auto rw = stub->AppendRows(&ctx);
    v1::AppendRowsRequest req;
    req.set_write_stream(stream);
    rw->Write(req);
    rw->WritesDone();
    v1::AppendRowsResponse resp;
    while (rw->Read(&resp)) {
    }
    const auto s = rw->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_NE(s.error_message().find("someone-else"), std::string::npos) << s.error_message();
}
