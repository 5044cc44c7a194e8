// SPDX-License-Identifier: MIT
#include "storageapi/StorageChannel.h"

#include <grpcpp/create_channel.h>
#include <grpc/support/log.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>
#include <mutex>

namespace quarry::storageapi {

namespace {

void dropLine(gpr_log_func_args*) {}

} // namespace

std::shared_ptr<grpc::Channel> openChannel(const StorageEndpoint& e, const grpc::ChannelArguments& args) {
    static std::once_flag once;
    std::call_once(once, [] {
        // gRPC's own log lines (a TLS handshake that failed, a connection refused) would land
        // in the user's terminal beside the error that says the same with what to do; kept only
        // when asked for with gRPC's GRPC_VERBOSITY.
        if (!std::getenv("GRPC_VERBOSITY")) gpr_set_log_function(dropLine);
        // Host names resolved as every other program here resolves them (the hosts file, the
        // VPN's DNS: getaddrinfo), not by gRPC's c-ares, which reads resolv.conf alone (and
        // leaves a block behind at exit). Before gRPC starts; a GRPC_DNS_RESOLVER set stays.
#ifdef _WIN32
        if (!std::getenv("GRPC_DNS_RESOLVER")) _putenv_s("GRPC_DNS_RESOLVER", "native");
#else
        setenv("GRPC_DNS_RESOLVER", "native", 0);
#endif
    });
    auto credentials = e.tls ? grpc::SslCredentials(grpc::SslCredentialsOptions{}) : grpc::InsecureChannelCredentials();
    return grpc::CreateCustomChannel(e.address, credentials, args);
}

std::string routingHeader(std::string_view key, std::string_view value) { return std::string(key) + "=" + urlEncode(value); }

void prepareCall(grpc::ClientContext& c, const StorageEndpoint& e, std::string_view routingKey, std::string_view resource) {
    if (e.token)
        if (const auto t = e.token(); !t.empty()) c.AddMetadata("authorization", "Bearer " + t);
    if (!e.quotaProject.empty()) c.AddMetadata("x-goog-user-project", e.quotaProject);
    if (!routingKey.empty()) c.AddMetadata("x-goog-request-params", routingHeader(routingKey, resource));
}

} // namespace quarry::storageapi
