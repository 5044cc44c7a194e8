// SPDX-License-Identifier: MIT
// The sandbox's Storage Read API over gRPC, from a real quarry-sandbox process: AVRO rows as
// Apache Avro's own C library (libavro-c) reads them with the session's schema, and hostile or
// mistaken requests answered with BigQuery's status codes while the server goes on serving.
// (Arrow sessions are read by Apache Arrow's JS reader in conformance_read.)
#include "SandboxApiHelpers.h"
#include "storageapi/ArrowIpc.h"
#include "platform/System.h"

#include <avro.h>
#include <google/cloud/bigquery/storage/v1/storage.grpc.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace quarry;
using namespace quarry::test;
namespace v1 = google::cloud::bigquery::storage::v1;

namespace {

const std::string kTable = "projects/p/datasets/d/tables/t";

/// A sandbox with p:d.t of 2,500 rows and a Read API client.
struct World {
    SandboxProcess sandbox;
    std::unique_ptr<v1::BigQueryRead::Stub> stub;
    World() {
        const auto addr = sandbox.grpcAddress();
        EXPECT_FALSE(addr.empty()) << "the sandbox printed no Storage API address";
        stub = v1::BigQueryRead::NewStub(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
        auto c = clientFor(sandbox);
        c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        query(c, R"(CREATE TABLE d.t AS SELECT id, CONCAT('n', CAST(id AS STRING)) AS s, id / 4 AS f, MOD(id, 2) = 0 AS b,
            CAST(id AS NUMERIC) / 8 AS n, DATE_ADD(DATE '1970-01-01', INTERVAL id DAY) AS d, TIMESTAMP_MICROS(id) AS ts,
            DATETIME '2001-02-03 04:05:06.5' AS dt, IF(MOD(id, 3) = 0, NULL, id) AS maybe, [id, -id] AS pair,
            STRUCT(CAST(id AS STRING) AS k, [STRUCT(id AS v)] AS vs) AS rec
            FROM UNNEST(GENERATE_ARRAY(1, 2500)) AS id)");
    }
    grpc::Status session(v1::ReadSession& out, v1::DataFormat format, const std::string& table = kTable, int streams = 1,
                         const std::string& restriction = {},
                         v1::ArrowSerializationOptions::CompressionCodec codec = v1::ArrowSerializationOptions::COMPRESSION_UNSPECIFIED) {
        grpc::ClientContext ctx;
        v1::CreateReadSessionRequest req;
        req.set_parent("projects/p");
        req.mutable_read_session()->set_table(table);
        req.mutable_read_session()->set_data_format(format);
        if (!restriction.empty()) req.mutable_read_session()->mutable_read_options()->set_row_restriction(restriction);
        if (codec) req.mutable_read_session()->mutable_read_options()->mutable_arrow_serialization_options()->set_buffer_compression(codec);
        req.set_max_stream_count(streams);
        req.set_preferred_min_stream_count(streams);
        return stub->CreateReadSession(&ctx, req, &out);
    }
    /// Every answer of a stream from `offset`, and how the call ended.
    grpc::Status read(const std::string& stream, std::int64_t offset, std::vector<v1::ReadRowsResponse>& out) {
        grpc::ClientContext ctx;
        v1::ReadRowsRequest req;
        req.set_read_stream(stream);
        req.set_offset(offset);
        auto reader = stub->ReadRows(&ctx, req);
        v1::ReadRowsResponse r;
        while (reader->Read(&r)) out.push_back(r);
        return reader->Finish();
    }
};

/// A union's value (the branch after null), or null when it holds null.
bool branch(avro_value_t* v, const char* name, avro_value_t* out) {
    avro_value_t u;
    EXPECT_EQ(avro_value_get_by_name(v, name, &u, nullptr), 0) << name;
    EXPECT_EQ(avro_value_get_current_branch(&u, out), 0) << name;
    return avro_value_get_type(out) != AVRO_NULL;
}

} // namespace

TEST(StorageReadGrpc, AvroRowsAreReadByLibavroWithTheSessionsSchema) {
    World w;
    v1::ReadSession s;
    ASSERT_TRUE(w.session(s, v1::AVRO).ok());
    ASSERT_EQ(s.data_format(), v1::AVRO);
    ASSERT_EQ(s.streams_size(), 1);
    avro_schema_t schema = nullptr;
    ASSERT_EQ(avro_schema_from_json_length(s.avro_schema().schema().data(), s.avro_schema().schema().size(), &schema), 0) << avro_strerror();
    avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
    avro_value_t row;
    ASSERT_EQ(avro_generic_value_new(iface, &row), 0);
    std::vector<v1::ReadRowsResponse> answers;
    ASSERT_TRUE(w.read(s.streams(0).name(), 0, answers).ok());
    std::int64_t rows = 0, idSum = 0, nulls = 0;
    for (const auto& a : answers) {
        ASSERT_TRUE(a.has_avro_rows());
        const auto& bytes = a.avro_rows().serialized_binary_rows();
        avro_reader_t r = avro_reader_memory(bytes.data(), static_cast<int64_t>(bytes.size()));
        for (std::int64_t i = 0; i < a.row_count(); ++i, ++rows) {
            ASSERT_EQ(avro_value_read(r, &row), 0) << avro_strerror();
            avro_value_t v;
            ASSERT_TRUE(branch(&row, "id", &v));
            std::int64_t id = 0;
            avro_value_get_long(&v, &id);
            idSum += id;
            const char* text = nullptr;
            size_t size = 0;
            ASSERT_TRUE(branch(&row, "s", &v));
            avro_value_get_string(&v, &text, &size);
            EXPECT_EQ(std::string(text), "n" + std::to_string(id));
            ASSERT_TRUE(branch(&row, "n", &v)); // NUMERIC: big-endian scaled bytes
            const void* raw = nullptr;
            avro_value_get_bytes(&v, &raw, &size);
            ASSERT_EQ(size, 16u);
            std::int64_t scaled = 0;
            for (std::size_t k = 8; k < 16; ++k) scaled = scaled << 8 | static_cast<const unsigned char*>(raw)[k];
            EXPECT_EQ(scaled, id * 125000000); // id / 8 at scale 9
            ASSERT_TRUE(branch(&row, "d", &v));
            std::int32_t days = 0;
            avro_value_get_int(&v, &days);
            EXPECT_EQ(days, id);
            ASSERT_TRUE(branch(&row, "dt", &v));
            avro_value_get_string(&v, &text, &size);
            EXPECT_EQ(std::string(text), "2001-02-03T04:05:06.500000");
            if (!branch(&row, "maybe", &v)) ++nulls;
            avro_value_t pair, rec, vs;
            ASSERT_EQ(avro_value_get_by_name(&row, "pair", &pair, nullptr), 0);
            avro_value_get_size(&pair, &size);
            EXPECT_EQ(size, 2u);
            ASSERT_TRUE(branch(&row, "rec", &rec));
            ASSERT_EQ(avro_value_get_by_name(&rec, "vs", &vs, nullptr), 0);
            avro_value_get_size(&vs, &size);
            EXPECT_EQ(size, 1u);
        }
        avro_reader_free(r);
    }
    EXPECT_EQ(rows, 2500);
    EXPECT_EQ(idSum, 2500LL * 2501 / 2);
    EXPECT_EQ(nulls, 833);
    avro_value_decref(&row);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
}

TEST(StorageReadGrpc, MistakenAndHostileRequestsGetBigQuerysCodesAndTheServerGoesOn) {
    World w;
    v1::ReadSession s;
    EXPECT_EQ(w.session(s, v1::ARROW, "projects/p/datasets/d").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(w.session(s, v1::ARROW, "projects/p/datasets/d/tables/none").error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(w.session(s, v1::ARROW, "projects/p/datasets/d/tables/t$20240101").error_code(), grpc::StatusCode::UNIMPLEMENTED);
    const auto bad = w.session(s, v1::ARROW, kTable, 1, "id >\n  AND s = 'x'");
    EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(bad.error_message().find("row_restriction"), std::string::npos) << bad.error_message();
    EXPECT_NE(bad.error_message().find("[2:3]"), std::string::npos) << bad.error_message();
    ASSERT_TRUE(w.session(s, v1::ARROW, kTable, 3).ok());
    ASSERT_EQ(s.streams_size(), 3);
    std::vector<v1::ReadRowsResponse> out;
    EXPECT_EQ(w.read(s.streams(0).name(), -1, out).error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(w.read(s.streams(0).name(), 1'000'000, out).error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(w.read(s.name() + "/streams/x", 0, out).error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(w.read(std::string(100000, 'x'), 0, out).error_code(), grpc::StatusCode::NOT_FOUND); // its echo cut to fit the trailers
    {
        grpc::ClientContext ctx;
        v1::SplitReadStreamRequest req;
        req.set_name(s.streams(0).name());
        req.set_fraction(1.5);
        v1::SplitReadStreamResponse resp;
        EXPECT_EQ(w.stub->SplitReadStream(&ctx, req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    }
    // Reading the end of a stream from its last row, and every stream: 2,500 rows in all.
    std::int64_t rows = 0;
    for (const auto& st : s.streams()) {
        out.clear();
        ASSERT_TRUE(w.read(st.name(), 0, out).ok());
        for (const auto& a : out) rows += a.row_count();
        EXPECT_DOUBLE_EQ(out.back().stats().progress().at_response_end(), 1.0);
    }
    EXPECT_EQ(rows, 2500);
}

TEST(StorageReadGrpc, WithSignInEveryCallNeedsAToken) {
    const auto keys = std::filesystem::temp_directory_path() / ("quarry-read-keys-" + std::to_string(platform::processId()));
    std::filesystem::create_directories(keys);
    {
        SandboxProcess sandbox({"--auth", "keys:" + keys.string()});
        auto stub = v1::BigQueryRead::NewStub(grpc::CreateChannel(sandbox.grpcAddress(), grpc::InsecureChannelCredentials()));
        for (const std::string token : {"", "Bearer not-a-token"}) {
            grpc::ClientContext a, b, c;
            if (!token.empty())
                for (auto* ctx : {&a, &b, &c}) ctx->AddMetadata("authorization", token);
            v1::CreateReadSessionRequest create;
            create.set_parent("projects/p");
            create.mutable_read_session()->set_table(kTable);
            v1::ReadSession session;
            EXPECT_EQ(stub->CreateReadSession(&a, create, &session).error_code(), grpc::StatusCode::UNAUTHENTICATED) << token;
            v1::ReadRowsRequest read;
            read.set_read_stream("projects/p/locations/US/sessions/s/streams/x");
            auto reader = stub->ReadRows(&b, read);
            v1::ReadRowsResponse r;
            while (reader->Read(&r)) {
            }
            EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED) << token;
            v1::SplitReadStreamRequest split;
            split.set_name(read.read_stream());
            v1::SplitReadStreamResponse parts;
            EXPECT_EQ(stub->SplitReadStream(&c, split, &parts).error_code(), grpc::StatusCode::UNAUTHENTICATED) << token;
        }
    }
    std::filesystem::remove_all(keys);
}

TEST(StorageReadGrpc, ArrowBuffersComeZstdCompressedWhenAskedAndLz4IsRefused) {
    World w;
    auto readAll = [&](v1::ArrowSerializationOptions::CompressionCodec codec, std::size_t& bytes) {
        v1::ReadSession s;
        EXPECT_TRUE(w.session(s, v1::ARROW, kTable, 1, {}, codec).ok());
        const auto schema = storageapi::arrow::readSchema(s.arrow_schema().serialized_schema());
        std::vector<v1::ReadRowsResponse> out;
        EXPECT_TRUE(w.read(s.streams(0).name(), 0, out).ok());
        std::vector<Value> rows;
        bytes = 0;
        for (const auto& a : out) {
            bytes += a.arrow_record_batch().serialized_record_batch().size();
            for (auto& r : storageapi::arrow::readBatch(schema, a.arrow_record_batch().serialized_record_batch())) rows.push_back(std::move(r));
        }
        return rows;
    };
    std::size_t plainBytes = 0, packedBytes = 0;
    const auto plain = readAll(v1::ArrowSerializationOptions::COMPRESSION_UNSPECIFIED, plainBytes);
    const auto packed = readAll(v1::ArrowSerializationOptions::ZSTD, packedBytes);
    ASSERT_EQ(plain.size(), 2500u);
    ASSERT_EQ(packed.size(), plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i) ASSERT_EQ(packed[i], plain[i]) << "row " << i;
    EXPECT_LT(packedBytes, plainBytes / 2);
    v1::ReadSession s;
    const auto lz4 = w.session(s, v1::ARROW, kTable, 1, {}, v1::ArrowSerializationOptions::LZ4_FRAME);
    EXPECT_EQ(lz4.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_NE(lz4.error_message().find("ask for ZSTD"), std::string::npos) << lz4.error_message();
}
