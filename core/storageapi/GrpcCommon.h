// SPDX-License-Identifier: MIT
// Private to the Storage API's services (StorageServer.cpp, ReadService.cpp): sign-in, and
// refusals as gRPC statuses with BigQuery's StorageError in their details.
#pragma once

#include "storageapi/WriteStreams.h"

#include <google/cloud/bigquery/storage/v1/storage.grpc.pb.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

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
/// The value `key` has in a routing header (`x-goog-request-params`: "k=v&k2=v2", each part
/// percent-decoded, '+' a space), or nullopt when it names none. Any bytes may come in.
std::optional<std::string> routingValue(std::string_view header, std::string_view key);

/// What every call is checked for before it is served: its bearer token (with sign-in on) and
/// its routing header (`x-goog-request-params`, by which Google's front end sends a call to the
/// resource's region: Google's clients always send it).
class CallGate {
public:
    /// `auth` may be null (no sign-in). `requireRouting`: a call without the routing header is
    /// refused (tests of clients); without it, only a header naming another resource is.
    CallGate(sandbox::SandboxAuth* auth, bool requireRouting) : auth_(auth), requireRouting_(requireRouting) {}
    /// The REST API's base URL ("http://127.0.0.1:PORT"): a self-signed JWT made for this
    /// sandbox names it as its aud, besides Google's Storage API audience.
    void setRestBaseUrl(std::string url);
    /// OK, or UNAUTHENTICATED when sign-in is on and the call's bearer token is not valid here.
    grpc::Status signIn(grpc::ServerContext* ctx) const;
    /// OK, or INVALID_ARGUMENT when the routing header names another `key` than `resource`
    /// (or none, with requireRouting).
    grpc::Status routing(grpc::ServerContext* ctx, std::string_view key, std::string_view resource) const;
    /// Both.
    grpc::Status admit(grpc::ServerContext* ctx, std::string_view key, std::string_view resource) const {
        if (auto s = signIn(ctx); !s.ok()) return s;
        return routing(ctx, key, resource);
    }

private:
    sandbox::SandboxAuth* auth_;
    bool requireRouting_;
    mutable std::mutex m_;
    std::string restBase_;
};

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
grpc::Status serveAppendRows(WriteStreams& streams, const CallGate& gate, grpc::ServerContext* ctx,
                             grpc::ServerReaderWriter<v1::AppendRowsResponse, v1::AppendRowsRequest>* rw);

/// BigQueryRead over `sessions` (ReadService.cpp).
std::unique_ptr<v1::BigQueryRead::Service> makeReadService(ReadSessions& sessions, const CallGate& gate);

} // namespace quarry::storageapi
