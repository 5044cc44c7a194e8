// SPDX-License-Identifier: MIT
// The sandbox's Storage Write API over gRPC (proto_rows and arrow_rows), from a real quarry-sandbox process: hostile and
// mistaken requests get BigQuery's status codes (in the AppendRows answer where BigQuery puts
// them there), never a crash, and the server goes on serving.
#include "SandboxApiHelpers.h"
#include "storageapi/ArrowIpc.h"
#include "platform/System.h"

#include <google/cloud/bigquery/storage/v1/storage.grpc.pb.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

using namespace quarry;
using namespace quarry::test;
namespace v1 = google::cloud::bigquery::storage::v1;
namespace pb = google::protobuf;
using FDP = pb::FieldDescriptorProto;

namespace {

const std::string kTable = "projects/p/datasets/d/tables/t";

/// A sandbox with table p:d.t (name STRING REQUIRED, n INT64) and a Write API client.
struct World {
    SandboxProcess sandbox;
    std::unique_ptr<v1::BigQueryWrite::Stub> stub;
    explicit World(std::vector<std::string> args = {}, std::filesystem::path data = {}) : sandbox(std::move(args), std::move(data)) {
        const auto addr = sandbox.grpcAddress();
        EXPECT_FALSE(addr.empty()) << "the sandbox printed no Storage API address";
        grpc::ChannelArguments ca;
        ca.SetMaxSendMessageSize(200 << 20);
        stub = v1::BigQueryWrite::NewStub(grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), ca));
    }
    void makeTable() {
        auto c = clientFor(sandbox);
        c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        c.insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}},
                                 {"schema", {{"fields", {{{"name", "name"}, {"type", "STRING"}, {"mode", "REQUIRED"}}, {{"name", "n"}, {"type", "INT64"}}}}}}});
    }
    std::string create(v1::WriteStream::Type type) {
        grpc::ClientContext ctx;
        v1::CreateWriteStreamRequest req;
        req.set_parent(kTable);
        req.mutable_write_stream()->set_type(type);
        v1::WriteStream out;
        const auto s = stub->CreateWriteStream(&ctx, req, &out);
        EXPECT_TRUE(s.ok()) << s.error_message();
        return out.name();
    }
    /// FinalizeWriteStream: the stream's row count, or -1 when refused.
    std::int64_t finalize(const std::string& stream) {
        grpc::ClientContext ctx;
        v1::FinalizeWriteStreamRequest req;
        req.set_name(stream);
        v1::FinalizeWriteStreamResponse out;
        return stub->FinalizeWriteStream(&ctx, req, &out).ok() ? out.row_count() : -1;
    }
    long count() {
        auto c = clientFor(sandbox);
        return std::stol(query(c, "SELECT COUNT(*) AS c FROM d.t")[0]["c"].get<std::string>());
    }
};

pb::DescriptorProto writer(bool extra = false) {
    pb::DescriptorProto m;
    m.set_name("Row");
    auto add = [&](const char* name, int n, FDP::Type t) {
        auto* f = m.add_field();
        f->set_name(name);
        f->set_number(n);
        f->set_type(t);
        f->set_label(FDP::LABEL_OPTIONAL);
    };
    add("name", 1, FDP::TYPE_STRING);
    add("n", 2, FDP::TYPE_INT64);
    if (extra) add("surprise", 3, FDP::TYPE_INT64);
    return m;
}

/// A row of the writer schema above, encoded by hand: field 1 (string), field 2 (varint).
std::string row(const std::string& name, int n) {
    std::string out = "\x0a" + std::string(1, static_cast<char>(name.size())) + name;
    out += "\x10" + std::string(1, static_cast<char>(n));
    return out;
}

v1::AppendRowsRequest request(const std::string& stream, std::vector<std::string> rows, std::optional<std::int64_t> offset = {},
                              bool extra = false) {
    v1::AppendRowsRequest r;
    r.set_write_stream(stream);
    *r.mutable_proto_rows()->mutable_writer_schema()->mutable_proto_descriptor() = writer(extra);
    for (auto& x : rows) r.mutable_proto_rows()->mutable_rows()->add_serialized_rows(std::move(x));
    if (offset) r.mutable_offset()->set_value(*offset);
    return r;
}

/// Sends requests on one AppendRows connection; returns the answers and the call's status.
std::pair<std::vector<v1::AppendRowsResponse>, grpc::Status> append(World& w, const std::vector<v1::AppendRowsRequest>& reqs) {
    grpc::ClientContext ctx;
    auto rw = w.stub->AppendRows(&ctx);
    std::vector<v1::AppendRowsResponse> out;
    for (const auto& r : reqs) {
        if (!rw->Write(r)) break;
        v1::AppendRowsResponse resp;
        if (!rw->Read(&resp)) break;
        out.push_back(resp);
    }
    rw->WritesDone();
    v1::AppendRowsResponse extraResp;
    while (rw->Read(&extraResp)) out.push_back(extraResp);
    return {out, rw->Finish()};
}

v1::StorageError storageErrorOf(const google::rpc::Status& s) {
    v1::StorageError e;
    for (const auto& d : s.details())
        if (d.UnpackTo(&e)) return e;
    return e;
}

} // namespace

TEST(StorageGrpc, MalformedRowsAreRowErrorsAndNothingOfTheRequestIsWritten) {
    World w;
    w.makeTable();
    const auto [resp, status] = append(w, {request(kTable + "/streams/_default", {row("ok", 1), "\x0a\x7f\x01", row("x", 2)})});
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_EQ(resp[0].error().code(), grpc::StatusCode::INVALID_ARGUMENT);
    ASSERT_EQ(resp[0].row_errors_size(), 1);
    EXPECT_EQ(resp[0].row_errors(0).index(), 1);
    EXPECT_EQ(resp[0].row_errors(0).code(), v1::RowError::FIELDS_ERROR);
    EXPECT_EQ(w.count(), 0);
}

TEST(StorageGrpc, AWriterSchemaWithFieldsTheTableLacksIsRefused) {
    World w;
    w.makeTable();
    const auto [resp, status] = append(w, {request(kTable + "/streams/_default", {row("a", 1)}, std::nullopt, true)});
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_EQ(resp[0].error().code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(resp[0].error().message().find("surprise"), std::string::npos) << resp[0].error().message();
    EXPECT_EQ(storageErrorOf(resp[0].error()).code(), v1::StorageError::SCHEMA_MISMATCH_EXTRA_FIELDS);
    EXPECT_EQ(w.count(), 0);
}

TEST(StorageGrpc, OffsetsFromThePastAndTheFutureAreRefusedOnAConnectionThatGoesOn) {
    World w;
    w.makeTable();
    const auto stream = w.create(v1::WriteStream::COMMITTED);
    const auto [resp, status] = append(w, {request(stream, {row("a", 1), row("b", 2)}, 0), request(stream, {row("z", 9)}, 7),
                                           request(stream, {row("a", 1)}, 0), request(stream, {row("c", 3)}, 2)});
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(resp.size(), 4u);
    EXPECT_EQ(resp[0].append_result().offset().value(), 0);
    EXPECT_EQ(resp[1].error().code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(storageErrorOf(resp[1].error()).code(), v1::StorageError::OFFSET_OUT_OF_RANGE);
    EXPECT_EQ(resp[2].error().code(), grpc::StatusCode::ALREADY_EXISTS);
    EXPECT_EQ(storageErrorOf(resp[2].error()).code(), v1::StorageError::OFFSET_ALREADY_EXISTS);
    EXPECT_EQ(resp[3].append_result().offset().value(), 2);
    EXPECT_EQ(w.count(), 3);
}

TEST(StorageGrpc, AStreamFinalizedTwiceSaysItsRowCountAndTakesNoMore) {
    World w;
    w.makeTable();
    const auto stream = w.create(v1::WriteStream::PENDING);
    ASSERT_TRUE(append(w, {request(stream, {row("a", 1)}, 0)}).second.ok());
    for (int i = 0; i < 2; ++i) EXPECT_EQ(w.finalize(stream), 1);
    const auto [resp, status] = append(w, {request(stream, {row("b", 2)}, 1)});
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_EQ(storageErrorOf(resp[0].error()).code(), v1::StorageError::STREAM_FINALIZED);
}

TEST(StorageGrpc, OversizedAndIncompleteRequestsAreRefusedAndTheServerGoesOn) {
    World w;
    w.makeTable();
    // Over BigQuery's 10 MB: its answer in the response.
    const auto [big, bigStatus] = append(w, {request(kTable + "/streams/_default", {std::string(11 << 20, 'x')})});
    ASSERT_EQ(big.size(), 1u);
    EXPECT_EQ(big[0].error().code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(big[0].error().message().find("too large"), std::string::npos);
    // 100 MB: refused before it is read.
    const auto [huge, hugeStatus] = append(w, {request(kTable + "/streams/_default", {std::string(100 << 20, 'x')})});
    EXPECT_TRUE(huge.empty());
    EXPECT_EQ(hugeStatus.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << hugeStatus.error_message();
    // No stream named, and no writer schema: the call ends with INVALID_ARGUMENT.
    auto nameless = request("", {row("a", 1)});
    EXPECT_EQ(append(w, {nameless}).second.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    auto schemaless = request(kTable + "/streams/_default", {row("a", 1)});
    schemaless.mutable_proto_rows()->clear_writer_schema();
    EXPECT_EQ(append(w, {schemaless}).second.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    // Streams and tables that do not exist.
    const auto [gone, goneStatus] = append(w, {request(kTable + "/streams/nope", {row("a", 1)})});
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].error().code(), grpc::StatusCode::NOT_FOUND);
    grpc::ClientContext ctx;
    v1::CreateWriteStreamRequest req;
    req.set_parent("projects/p/datasets/d/tables/missing");
    v1::WriteStream out;
    EXPECT_EQ(w.stub->CreateWriteStream(&ctx, req, &out).error_code(), grpc::StatusCode::NOT_FOUND);
    // Still serving.
    EXPECT_FALSE(w.create(v1::WriteStream::COMMITTED).empty());
    EXPECT_EQ(w.count(), 0);
}

TEST(StorageGrpc, WithSignInOnEveryCallNeedsAToken) {
    const auto keys = std::filesystem::temp_directory_path() / ("quarry-grpc-keys-" + std::to_string(platform::processId()));
    std::filesystem::create_directories(keys);
    {
        World w(std::vector<std::string>{"--auth", "keys:" + keys.string()});
        grpc::ClientContext ctx;
        v1::CreateWriteStreamRequest req;
        req.set_parent(kTable);
        v1::WriteStream out;
        EXPECT_EQ(w.stub->CreateWriteStream(&ctx, req, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
        grpc::ClientContext forged;
        forged.AddMetadata("authorization", "Bearer not-a-token");
        EXPECT_EQ(w.stub->CreateWriteStream(&forged, req, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
        EXPECT_EQ(append(w, {request(kTable + "/streams/_default", {row("a", 1)})}).second.error_code(),
                  grpc::StatusCode::UNAUTHENTICATED);
    }
    std::filesystem::remove_all(keys);
}

namespace {

/// An AppendRows request of arrow_rows: `rows` laid out as `writerSchema`, which goes along.
v1::AppendRowsRequest arrowRequest(const std::string& stream, const Schema& writerSchema, const std::vector<Value>& rows) {
    v1::AppendRowsRequest r;
    r.set_write_stream(stream);
    r.mutable_arrow_rows()->mutable_writer_schema()->set_serialized_schema(storageapi::arrow::schemaMessage(writerSchema));
    r.mutable_arrow_rows()->mutable_rows()->set_serialized_record_batch(storageapi::arrow::batchMessage(writerSchema, rows));
    return r;
}

Value arrowRow(std::optional<std::string> name, std::int64_t n) {
    Value v = Value::structOf(2);
    if (name) v[0] = Value::string(*name);
    v[1] = Value::int64(n);
    return v;
}

} // namespace

TEST(StorageGrpc, ArrowRowsAreAppendedCheckedAndRefusedAsProtoRowsAre) {
    World w;
    w.makeTable();
    const std::string stream = kTable + "/streams/_default";
    // The writer's fields by name, in any order and case; n then NAME.
    Schema writer = Schema::parse(R"([{"name":"n","type":"INT64"},{"name":"NAME","type":"STRING"}])");
    std::vector<Value> rows;
    for (int i = 0; i < 3; ++i) {
        Value v = Value::structOf(2);
        v[0] = Value::int64(i);
        v[1] = Value::string("a" + std::to_string(i));
        rows.push_back(std::move(v));
    }
    auto [ok, okStatus] = append(w, {arrowRequest(stream, writer, rows)});
    ASSERT_TRUE(okStatus.ok()) << okStatus.error_message();
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_FALSE(ok[0].has_error()) << ok[0].error().message();
    EXPECT_EQ(w.count(), 3);
    auto c = clientFor(w.sandbox);
    EXPECT_EQ(query(c, "SELECT name FROM d.t WHERE n = 2")[0]["name"], "a2");
    // A REQUIRED field left NULL: a row error, nothing of the request written.
    Schema both = Schema::parse(R"([{"name":"name","type":"STRING"},{"name":"n","type":"INT64"}])");
    const auto [bad, badStatus] = append(w, {arrowRequest(stream, both, {arrowRow("x", 1), arrowRow(std::nullopt, 2)})});
    ASSERT_EQ(bad.size(), 1u);
    ASSERT_EQ(bad[0].row_errors_size(), 1);
    EXPECT_EQ(bad[0].row_errors(0).index(), 1);
    EXPECT_NE(bad[0].row_errors(0).message().find("name"), std::string::npos);
    // A field the table lacks, or of another type: the writer schema is refused.
    for (const char* json : {R"([{"name":"name","type":"STRING"},{"name":"surprise","type":"INT64"}])",
                             R"([{"name":"name","type":"STRING"},{"name":"n","type":"STRING"}])"}) {
        const Schema odd = Schema::parse(json);
        std::vector<Value> one{Value::structOf(2)};
        one[0][0] = Value::string("y");
        const auto [mismatch, st] = append(w, {arrowRequest(stream, odd, one)});
        ASSERT_EQ(mismatch.size(), 1u) << json;
        EXPECT_EQ(mismatch[0].error().code(), grpc::StatusCode::INVALID_ARGUMENT) << json;
        EXPECT_EQ(storageErrorOf(mismatch[0].error()).code(), v1::StorageError::SCHEMA_MISMATCH_EXTRA_FIELDS) << json;
    }
    // A damaged batch: INVALID_ARGUMENT in the answer, and the connection's next request is served.
    auto damaged = arrowRequest(stream, both, {arrowRow("z", 9)});
    damaged.mutable_arrow_rows()->mutable_rows()->set_serialized_record_batch("\xff\xff\xff\xff garbage");
    auto next = arrowRequest(stream, both, {arrowRow("z", 9)});
    next.mutable_arrow_rows()->clear_writer_schema();
    const auto [answers, st] = append(w, {damaged, next});
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers[0].error().code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(answers[0].error().message().find("Arrow data"), std::string::npos) << answers[0].error().message();
    EXPECT_FALSE(answers[1].has_error()) << answers[1].error().message();
    EXPECT_EQ(w.count(), 4);
}

// A column added while a connection appends: the next answer carries the table's new schema
// (updated_schema), as BigQuery's do, and the writer's rows still go in (the new column NULL).
TEST(StorageGrpc, AnAnswerAfterTheTableGainedAColumnCarriesItsNewSchema) {
    World w;
    w.makeTable();
    const std::string stream = kTable + "/streams/_default";
    grpc::ClientContext ctx;
    auto rw = w.stub->AppendRows(&ctx);
    v1::AppendRowsResponse resp;
    ASSERT_TRUE(rw->Write(request(stream, {row("a", 1)})));
    ASSERT_TRUE(rw->Read(&resp));
    EXPECT_FALSE(resp.has_error()) << resp.error().message();
    EXPECT_FALSE(resp.has_updated_schema());
    auto c = clientFor(w.sandbox);
    c.patchTable(TableRef{"p", "d", "t"}, {{"schema", {{"fields", {{{"name", "name"}, {"type", "STRING"}, {"mode", "REQUIRED"}},
                                                                  {{"name", "n"}, {"type", "INT64"}},
                                                                  {{"name", "added"}, {"type", "STRING"}}}}}}});
    auto next = request(stream, {row("b", 2)});
    next.mutable_proto_rows()->clear_writer_schema();
    ASSERT_TRUE(rw->Write(next));
    ASSERT_TRUE(rw->Read(&resp));
    EXPECT_FALSE(resp.has_error()) << resp.error().message();
    ASSERT_TRUE(resp.has_updated_schema());
    ASSERT_EQ(resp.updated_schema().fields_size(), 3);
    EXPECT_EQ(resp.updated_schema().fields(2).name(), "added");
    rw->WritesDone();
    EXPECT_TRUE(rw->Finish().ok());
    EXPECT_EQ(w.count(), 2);
}

TEST(StorageGrpc, AcknowledgedPendingRowsOutliveAKilledSandbox) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-grpc-pending-" + std::to_string(platform::processId()));
    std::filesystem::remove_all(data);
    std::string stream;
    {
        World w({}, data);
        w.makeTable();
        stream = w.create(v1::WriteStream::PENDING);
        const auto [resp, status] = append(w, {request(stream, {row("a", 1), row("b", 2)}, 0), request(stream, {row("c", 3)}, 2)});
        ASSERT_TRUE(status.ok()) << status.error_message();
        ASSERT_EQ(resp.size(), 2u);
        EXPECT_FALSE(resp[1].has_error());
        w.sandbox.killHard(); // nothing flushed or closed: what was answered must be on disk
    }
    {
        World w({}, data);
        EXPECT_EQ(w.count(), 0) << "pending rows are not in the table before their commit";
        const auto [resp, status] = append(w, {request(stream, {row("d", 4)}, 3)});
        ASSERT_TRUE(status.ok()) << status.error_message();
        ASSERT_EQ(resp.size(), 1u);
        EXPECT_FALSE(resp[0].has_error()) << resp[0].error().message();
        EXPECT_EQ(w.finalize(stream), 4);
        grpc::ClientContext cc;
        v1::BatchCommitWriteStreamsRequest commit;
        commit.set_parent(kTable);
        commit.add_write_streams(stream);
        v1::BatchCommitWriteStreamsResponse out;
        ASSERT_TRUE(w.stub->BatchCommitWriteStreams(&cc, commit, &out).ok());
        EXPECT_TRUE(out.has_commit_time());
        EXPECT_EQ(out.stream_errors_size(), 0);
        EXPECT_EQ(w.count(), 4);
    }
    std::filesystem::remove_all(data);
}
