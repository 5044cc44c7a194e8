// SPDX-License-Identifier: MIT
#include "storageapi/GrpcCommon.h"

#include "sandbox/Auth.h"

namespace quarry::storageapi {

using grpc::Status;
using grpc::StatusCode;

namespace {

/// A message or entity cut to fit gRPC's trailers (8 KB of metadata by default, and the text is
/// percent-encoded there): a refusal that echoes a hostile 100 KB name must still arrive.
std::string clipped(const std::string& s) {
    constexpr std::size_t kMax = 1024;
    if (s.size() <= kMax) return s;
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut; // not inside a UTF-8 sequence
    return s.substr(0, cut) + "...";
}

} // namespace

void fillTimestamp(google::protobuf::Timestamp* ts, std::int64_t ms) {
    ts->set_seconds(ms / 1000);
    ts->set_nanos(static_cast<int>(ms % 1000) * 1000000);
}

v1::StorageError storageError(const WriteError& e) {
    v1::StorageError s;
    s.set_code(static_cast<v1::StorageError_StorageErrorCode>(static_cast<int>(e.storage)));
    s.set_entity(clipped(e.entity));
    s.set_error_message(clipped(e.message));
    return s;
}

Status toStatus(const WriteError& e) {
    google::rpc::Status rich;
    rich.set_code(static_cast<int>(e.code));
    rich.set_message(clipped(e.message));
    if (e.storage != StorageCode::Unspecified) rich.add_details()->PackFrom(storageError(e));
    return Status(static_cast<StatusCode>(e.code), clipped(e.message), rich.SerializeAsString());
}

void fillError(google::rpc::Status* out, const WriteError& e) {
    out->set_code(static_cast<int>(e.code));
    out->set_message(clipped(e.message));
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
