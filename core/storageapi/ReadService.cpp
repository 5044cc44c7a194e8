// SPDX-License-Identifier: MIT
// BigQueryRead over ReadSessions: CreateReadSession, ReadRows (Arrow record batches or Avro
// rows, about a megabyte each, with progress) and SplitReadStream.
#include "storageapi/ArrowIpc.h"
#include "storageapi/AvroRows.h"
#include "storageapi/GrpcCommon.h"
#include "storageapi/ReadSessions.h"

#include <algorithm>
#include <optional>

namespace quarry::storageapi {

namespace {

using grpc::ServerContext;
using grpc::Status;

/// What one ReadRows answer aims to carry: well under gRPC's default 4 MB receive limit.
constexpr std::size_t kTargetBatchBytes = 1u << 20;
constexpr std::size_t kMaxBatchRows = 100000;

std::int64_t timestampMs(const google::protobuf::Timestamp& t) { return t.seconds() * 1000 + t.nanos() / 1000000; }

class ReadService final : public v1::BigQueryRead::Service {
public:
    ReadService(ReadSessions& sessions, const CallGate& gate) : sessions_(sessions), gate_(gate) {}

    Status CreateReadSession(ServerContext* ctx, const v1::CreateReadSessionRequest* req, v1::ReadSession* out) override {
        if (auto s = gate_.admit(ctx, "read_session.table", req->read_session().table()); !s.ok()) return s;
        return answer([&] {
            const auto& want = req->read_session();
            ReadSessions::Request r;
            r.avro = want.data_format() == v1::AVRO;
            switch (want.read_options().arrow_serialization_options().buffer_compression()) {
            case v1::ArrowSerializationOptions::ZSTD: r.zstd = true; break;
            case v1::ArrowSerializationOptions::LZ4_FRAME:
                throw WriteError{Code::Unimplemented, std::string("LZ4_FRAME buffer compression is not supported by the sandbox's Read API "
                                                                  "yet: ask for ZSTD.")};
            default: break;
            }
            r.parent = req->parent();
            r.table = want.table();
            r.selectedFields.assign(want.read_options().selected_fields().begin(), want.read_options().selected_fields().end());
            r.rowRestriction = want.read_options().row_restriction();
            if (want.read_options().has_sample_percentage())
                throw WriteError{Code::Unimplemented, std::string("sample_percentage is not supported by the sandbox's Read API yet.")};
            if (want.has_table_modifiers() && want.table_modifiers().has_snapshot_time())
                r.snapshotMs = timestampMs(want.table_modifiers().snapshot_time());
            r.maxStreams = req->max_stream_count();
            r.preferredMinStreams = req->preferred_min_stream_count();
            if (r.maxStreams < 0 || r.preferredMinStreams < 0) throw WriteError{Code::InvalidArgument, std::string("Stream counts cannot be negative.")};
            const auto s = sessions_.create(r);
            out->set_name(s->name);
            fillTimestamp(out->mutable_expire_time(), s->expireMs);
            out->set_data_format(s->avro ? v1::AVRO : v1::ARROW);
            if (s->avro) out->mutable_avro_schema()->set_schema(avro::schemaJson(s->schema));
            else out->mutable_arrow_schema()->set_serialized_schema(arrow::schemaMessage(s->schema));
            out->set_table(s->table);
            fillTimestamp(out->mutable_table_modifiers()->mutable_snapshot_time(), s->snapshotMs);
            *out->mutable_read_options() = want.read_options();
            for (const auto& st : s->streams) out->add_streams()->set_name(st.name);
            out->set_estimated_total_bytes_scanned(static_cast<std::int64_t>(s->bytesScanned));
            out->set_estimated_row_count(static_cast<std::int64_t>(s->rows->size()));
        });
    }

    Status ReadRows(ServerContext* ctx, const v1::ReadRowsRequest* req, grpc::ServerWriter<v1::ReadRowsResponse>* w) override {
        if (auto s = gate_.admit(ctx, "read_stream", req->read_stream()); !s.ok()) return s;
        std::shared_ptr<const ReadSessions::Session> session;
        ReadSessions::Stream st;
        if (auto s = answer([&] { std::tie(session, st) = sessions_.stream(req->read_stream()); }); !s.ok()) return s;
        const std::size_t total = st.end - st.begin;
        if (req->offset() < 0 || static_cast<std::uint64_t>(req->offset()) > total)
            return toStatus({Code::OutOfRange, "Offset " + std::to_string(req->offset()) + " is past the end of stream " + st.name +
                                                   " (" + std::to_string(total) + " rows)"});
        std::size_t at = st.begin + static_cast<std::size_t>(req->offset());
        std::size_t rows = 1000;
        bool first = true;
        std::optional<avro::Encoder> avroRows;
        while (at < st.end) {
            if (ctx->IsCancelled()) return Status(grpc::StatusCode::CANCELLED, "The client cancelled the read.");
            const std::size_t n = std::min(rows, st.end - at);
            const auto slice = std::span(*session->rows).subspan(at, n);
            v1::ReadRowsResponse resp;
            std::size_t bytes = 0;
            try {
                if (session->avro) {
                    if (!avroRows) avroRows.emplace(session->schema);
                    auto* out = resp.mutable_avro_rows();
                    out->set_serialized_binary_rows(avroRows->encode(slice));
                    bytes = out->serialized_binary_rows().size();
                } else {
                    auto* batch = resp.mutable_arrow_record_batch();
                    batch->set_serialized_record_batch(
                        arrow::batchMessage(session->schema, slice, session->zstd ? arrow::Compression::Zstd : arrow::Compression::None));
                    bytes = batch->serialized_record_batch().size();
                }
            } catch (const std::exception& e) {
                return Status(grpc::StatusCode::INTERNAL, e.what());
            }
            resp.set_row_count(static_cast<std::int64_t>(n));
            auto* progress = resp.mutable_stats()->mutable_progress();
            progress->set_at_response_start(static_cast<double>(at - st.begin) / static_cast<double>(total));
            progress->set_at_response_end(static_cast<double>(at + n - st.begin) / static_cast<double>(total));
            resp.set_uncompressed_byte_size(static_cast<std::int64_t>(bytes));
            if (first && session->avro) resp.mutable_avro_schema()->set_schema(avro::schemaJson(session->schema));
            else if (first) resp.mutable_arrow_schema()->set_serialized_schema(arrow::schemaMessage(session->schema));
            first = false;
            if (!w->Write(resp)) break;
            at += n;
            // The next batch sized from this one's bytes per row.
            rows = std::clamp<std::size_t>(kTargetBatchBytes * n / std::max<std::size_t>(bytes, 1), 1, kMaxBatchRows);
        }
        return Status::OK;
    }

    Status SplitReadStream(ServerContext* ctx, const v1::SplitReadStreamRequest* req, v1::SplitReadStreamResponse* out) override {
        if (auto s = gate_.admit(ctx, "name", req->name()); !s.ok()) return s;
        return answer([&] {
            if (const auto parts = sessions_.split(req->name(), req->fraction())) {
                out->mutable_primary_stream()->set_name(parts->first.name);
                out->mutable_remainder_stream()->set_name(parts->second.name);
            }
        });
    }

private:
    ReadSessions& sessions_;
    const CallGate& gate_;
};

} // namespace

std::unique_ptr<v1::BigQueryRead::Service> makeReadService(ReadSessions& sessions, const CallGate& gate) {
    return std::make_unique<ReadService>(sessions, gate);
}

} // namespace quarry::storageapi
