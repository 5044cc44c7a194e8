// SPDX-License-Identifier: MIT
// Resumable media uploads for load jobs: a session started with the job, chunks sent with
// Content-Range, "308 Resume Incomplete" with Range until the last byte is in.
#include "bigquery/BigQueryClient.h"
#include "value/JsonParse.h"

namespace quarry {
namespace {

/// Bytes acknowledged, from a 308's "Range: bytes=0-N" (none: nothing yet).
std::uint64_t receivedFrom(const HttpResponse& r) {
    const std::string range = r.header("Range");
    const auto dash = range.rfind('-');
    if (range.rfind("bytes=", 0) != 0 || dash == std::string::npos) return 0;
    try {
        return std::stoull(range.substr(dash + 1)) + 1;
    } catch (const std::exception&) {
        throw ApiError(r.status, "invalidResponse", "The upload's status named an unreadable range: " + range);
    }
}

} // namespace

BigQueryClient::UploadState BigQueryClient::uploadAnswer(const HttpResponse& r) {
    UploadState s;
    if (r.status == 308) {
        s.received = receivedFrom(r);
        return s;
    }
    if (r.status >= 300) throw ApiError::fromResponse(r);
    s.complete = true;
    s.job = parseJsonOrDiscard(r.body);
    if (s.job.is_discarded() || !s.job.is_object())
        throw ApiError(r.status, "invalidResponse", "The finished upload was answered without its job resource");
    if (s.job.contains("jobReference")) remember(s.job["jobReference"]);
    return s;
}

std::string BigQueryClient::startUpload(const std::string& project, const Json& job, std::optional<std::uint64_t> size,
                                        const CancelToken* c) {
    HttpRequest req;
    req.method = "POST";
    req.url = options_.endpoint.baseUrl + "/upload/bigquery/v2/projects/" + urlEncode(project) + "/jobs?uploadType=resumable";
    req.body = job.dump();
    req.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    req.headers.emplace_back("X-Upload-Content-Type", "application/octet-stream");
    if (size) req.headers.emplace_back("X-Upload-Content-Length", std::to_string(*size));
    // Not retried blindly: a lost answer leaves a session nobody uses, which expires.
    const auto r = send(std::move(req), c, true);
    if (r.status >= 300) throw ApiError::fromResponse(r);
    const std::string uri = r.header("Location");
    if (uri.empty()) throw ApiError(r.status, "invalidResponse", "The server started no upload session (no Location header)");
    // The session URI comes from the server: the bearer token goes only to the endpoint's own host.
    const std::string host = Endpoint::hostOf(uri), ours = Endpoint::hostOf(options_.endpoint.baseUrl);
    const bool sameHost = host == ours || (Endpoint::isGoogleHost(host) && Endpoint::isGoogleHost(ours));
    if (!sameHost || (options_.endpoint.isHttps() && !uri.starts_with("https://")))
        throw ApiError(r.status, "invalidResponse",
                       "The server named an upload address on another host (" + host +
                           "); Quarry sends credentials only to " + ours + ".");
    return uri;
}

BigQueryClient::UploadState BigQueryClient::putUpload(const std::string& uri, std::string_view data, std::uint64_t first,
                                                      std::optional<std::uint64_t> total, const CancelToken* c) {
    HttpRequest req;
    req.method = "PUT";
    req.url = uri;
    req.body.assign(data);
    req.headers.emplace_back("Content-Type", "application/octet-stream");
    const std::string of = total ? std::to_string(*total) : std::string("*");
    if (data.empty()) req.headers.emplace_back("Content-Range", "bytes */" + of);
    else req.headers.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" +
                                                       std::to_string(first + data.size() - 1) + "/" + of);
    return uploadAnswer(send(std::move(req), c, true));
}

BigQueryClient::UploadState BigQueryClient::uploadStatus(const std::string& uri, std::optional<std::uint64_t> total,
                                                         const CancelToken* c) {
    return putUpload(uri, {}, 0, total, c);
}

} // namespace quarry
