// SPDX-License-Identifier: MIT
#include "storageapi/GrpcCommon.h"

#include "sandbox/Auth.h"

namespace quarry::storageapi {

using grpc::Status;
using grpc::StatusCode;

void fillTimestamp(google::protobuf::Timestamp* ts, std::int64_t ms) {
    ts->set_seconds(ms / 1000);
    ts->set_nanos(static_cast<int>(ms % 1000) * 1000000);
}

v1::StorageError storageError(const WriteError& e) {
    v1::StorageError s;
    s.set_code(static_cast<v1::StorageError_StorageErrorCode>(static_cast<int>(e.storage)));
    s.set_entity(e.entity);
    s.set_error_message(e.message);
    return s;
}

Status toStatus(const WriteError& e) {
    google::rpc::Status rich;
    rich.set_code(static_cast<int>(e.code));
    rich.set_message(e.message);
    if (e.storage != StorageCode::Unspecified) rich.add_details()->PackFrom(storageError(e));
    return Status(static_cast<StatusCode>(e.code), e.message, rich.SerializeAsString());
}

void fillError(google::rpc::Status* out, const WriteError& e) {
    out->set_code(static_cast<int>(e.code));
    out->set_message(e.message);
    if (e.storage != StorageCode::Unspecified) out->add_details()->PackFrom(storageError(e));
}

Status signIn(grpc::ServerContext* ctx, sandbox::SandboxAuth* auth) {
    if (!auth) return Status::OK;
    const auto& md = ctx->client_metadata();
    const auto it = md.find("authorization");
    const std::string header = it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
    const auto a = auth->authorize(header, "https://bigquerystorage.googleapis.com/");
    if (a.ok()) return Status::OK;
    std::string message = "Request had invalid authentication credentials.";
    if (a.body.contains("error") && a.body["error"].contains("message")) message = a.body["error"]["message"].get<std::string>();
    return Status(StatusCode::UNAUTHENTICATED, message);
}

} // namespace quarry::storageapi
