// SPDX-License-Identifier: MIT
#pragma once
// The client's side of a Storage API connection: where it goes, TLS or plain, and what each
// call carries (Google's clients send the same).

#include "bigquery/BigQueryClient.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/channel_arguments.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace quarry::storageapi {

/// Where the Storage API is and what the calls carry.
struct StorageEndpoint {
    std::string address; ///< host:port
    /// TLS with the system's root certificates (Google, an endpoint named by hand); plain only
    /// for a sandbox on this machine that serves it so.
    bool tls = false;
    /// The bearer token each call carries (`authorization` metadata); empty: none.
    std::function<std::string()> token;
    /// Sent as `x-goog-user-project` (the project billed for quota); empty: not sent.
    std::string quotaProject;

    /// `at` with `client`'s Storage API token and quota project; `client` must outlive it.
    static StorageEndpoint of(const StorageApiEndpoint& at, BigQueryClient& client) {
        return {at.address, at.tls, [&client] { return client.storageBearerToken(); }, client.quotaProject()};
    }
    /// The same, keeping `client` alive as long as the endpoint (a reader the GUI lets go later).
    static StorageEndpoint of(const StorageApiEndpoint& at, std::shared_ptr<BigQueryClient> client) {
        const std::string quota = client->quotaProject();
        return {at.address, at.tls, [client = std::move(client)] { return client->storageBearerToken(); }, quota};
    }
    std::string display() const { return tls ? address + " (TLS)" : address; }
};

/// A channel to `e`: TLS (grpc's SslCredentials: the roots it was built with, or the file
/// GRPC_DEFAULT_SSL_ROOTS_FILE_PATH names) or plain.
std::shared_ptr<grpc::Channel> openChannel(const StorageEndpoint& e, const grpc::ChannelArguments& args);

/// The routing header Google's front end sends a call on by (`x-goog-request-params`):
/// "key=value" with the value percent-encoded, as Google's clients write it.
std::string routingHeader(std::string_view key, std::string_view value);

/// A call's metadata: the bearer token, the quota project and the routing header naming the
/// resource the call is about (`routingKey` = `resource`, e.g. "write_stream" = the stream).
void prepareCall(grpc::ClientContext& c, const StorageEndpoint& e, std::string_view routingKey, std::string_view resource);

} // namespace quarry::storageapi
