// SPDX-License-Identifier: MIT
// Private to the Storage API's services (StorageServer.cpp, ReadService.cpp): sign-in, and
// refusals as gRPC statuses with BigQuery's StorageError in their details.
#pragma once

#include "storageapi/WriteStreams.h"

#include <google/cloud/bigquery/storage/v1/storage.grpc.pb.h>
#include <grpcpp/grpcpp.h>

#include <memory>

namespace quarry::sandbox {
class SandboxAuth;
}

namespace quarry::storageapi {

class ReadSessions;

namespace v1 = google::cloud::bigquery::storage::v1;

/// BigQuery's limit for one AppendRows request.
inline constexpr std::size_t kMaxAppendBytes = 10u << 20;

void fillTimestamp(google::protobuf::Timestamp* ts, std::int64_t ms);
v1::StorageError storageError(const WriteError& e);
/// A refusal as the RPC's status, with BigQuery's StorageError in its details.
grpc::Status toStatus(const WriteError& e);
void fillError(google::rpc::Status* out, const WriteError& e);
/// OK, or UNAUTHENTICATED when sign-in is on (`auth`) and the call's bearer token is not valid.
grpc::Status signIn(grpc::ServerContext* ctx, sandbox::SandboxAuth* auth);

/// Runs `f`, turning WriteError into the call's status.
template <class F> grpc::Status answer(F&& f) {
    try {
        f();
        return grpc::Status::OK;
    } catch (const WriteError& e) {
        return toStatus(e);
    } catch (const std::exception& e) {
        return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
    }
}

/// A table's columns as the Storage API describes them (TableSchema, updated_schema).
void fillFields(google::protobuf::RepeatedPtrField<v1::TableFieldSchema>* out, const std::vector<Field>& fields);

/// One AppendRows connection, answered in order (AppendRows.cpp).
grpc::Status serveAppendRows(WriteStreams& streams, grpc::ServerContext* ctx,
                             grpc::ServerReaderWriter<v1::AppendRowsResponse, v1::AppendRowsRequest>* rw);

/// BigQueryRead over `sessions` (ReadService.cpp).
std::unique_ptr<v1::BigQueryRead::Service> makeReadService(ReadSessions& sessions, sandbox::SandboxAuth* auth);

} // namespace quarry::storageapi
