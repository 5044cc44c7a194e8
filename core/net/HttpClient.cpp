// SPDX-License-Identifier: MIT
#include "net/HttpClient.h"

#include "net/Redact.h"

#include <algorithm>
#include <cctype>
#include <curl/curl.h>
#include <mutex>

namespace quarry {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

struct GlobalInit {
    GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

size_t onBody(char* p, size_t size, size_t n, void* ud) {
    static_cast<std::string*>(ud)->append(p, size * n);
    return size * n;
}

size_t onHeader(char* p, size_t size, size_t n, void* ud) {
    auto* h = static_cast<Headers*>(ud);
    std::string_view line(p, size * n);
    if (line.starts_with("HTTP/")) {
        h->clear(); // a new response (after 100-continue or a redirect): drop earlier headers
        return size * n;
    }
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
            value.remove_suffix(1);
        h->emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * n;
}

int onProgress(void* ud, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancel = static_cast<const CancelToken*>(ud);
    return cancel && cancel->isCancelled() ? 1 : 0;
}

TransportError::Kind kindOf(CURLcode c) {
    using K = TransportError::Kind;
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return K::Connect;
    case CURLE_OPERATION_TIMEDOUT: return K::Timeout;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return K::Reset;
    case CURLE_PARTIAL_FILE: return K::Truncated;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE: return K::Tls;
    case CURLE_ABORTED_BY_CALLBACK: return K::Cancelled;
    default: return K::Other;
    }
}

std::string hostOf(const std::string& url) {
    auto s = url.find("://");
    s = s == std::string::npos ? 0 : s + 3;
    const auto e = url.find_first_of("/?", s);
    return url.substr(s, e == std::string::npos ? std::string::npos : e - s);
}

} // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

struct HttpClient::Impl {
    HttpOptions options;
    CURLSH* share = nullptr;
    std::mutex shareLocks[CURL_LOCK_DATA_LAST];
    std::mutex poolMutex;
    std::vector<CURL*> idle;

    static void lock(CURL*, curl_lock_data d, curl_lock_access, void* ud) {
        static_cast<Impl*>(ud)->shareLocks[d].lock();
    }
    static void unlock(CURL*, curl_lock_data d, void* ud) { static_cast<Impl*>(ud)->shareLocks[d].unlock(); }

    CURL* take() {
        {
            std::lock_guard g(poolMutex);
            if (!idle.empty()) {
                CURL* h = idle.back();
                idle.pop_back();
                return h;
            }
        }
        return curl_easy_init();
    }
    void give(CURL* h) {
        std::lock_guard g(poolMutex);
        if (idle.size() < 16) idle.push_back(h);
        else curl_easy_cleanup(h);
    }
};

HttpClient::HttpClient(HttpOptions options) : d_(std::make_unique<Impl>()) {
    static GlobalInit init;
    d_->options = std::move(options);
    if (d_->options.userAgent.empty()) d_->options.userAgent = "quarry";
    d_->share = curl_share_init();
    curl_share_setopt(d_->share, CURLSHOPT_LOCKFUNC, &Impl::lock);
    curl_share_setopt(d_->share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
    curl_share_setopt(d_->share, CURLSHOPT_USERDATA, d_.get());
    curl_share_setopt(d_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(d_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

HttpClient::~HttpClient() {
    for (CURL* h : d_->idle) curl_easy_cleanup(h);
    curl_share_cleanup(d_->share);
}

const HttpOptions& HttpClient::options() const { return d_->options; }

HttpResponse HttpClient::send(const HttpRequest& req, const CancelToken* cancel) {
    using K = TransportError::Kind;
    if (cancel && cancel->isCancelled()) throw TransportError(K::Cancelled, "request cancelled");
    const auto& o = d_->options;
    CURL* h = d_->take();
    if (!h) throw TransportError(K::Other, "could not create an HTTP handle");
    curl_easy_reset(h);

    HttpResponse resp;
    curl_slist* hdrs = nullptr;
    for (const auto& [k, v] : req.headers) hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH")
        hdrs = curl_slist_append(hdrs, "Expect:"); // no 100-continue round trip

    curl_easy_setopt(h, CURLOPT_SHARE, d_->share);
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, o.userAgent.c_str());
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!o.caBundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.caBundle.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connectTimeout.count()));
    const auto total = req.timeout.count() > 0 ? req.timeout : o.totalTimeout;
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &onBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &onHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp.headers);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, cancel);
    if (req.method == "GET") {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        if (req.method != "DELETE" || !req.body.empty()) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
        }
    }

    const auto safeUrl = redact::url(req.url);
    if (o.log) o.log("-> " + req.method + " " + safeUrl + " (" + std::to_string(req.body.size()) + " bytes)");
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
    double secs = 0;
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &secs);
    curl_slist_free_all(hdrs);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    d_->give(h);

    if (rc != CURLE_OK) {
        const auto kind = kindOf(rc);
        std::string msg = kind == K::Cancelled ? std::string("request cancelled")
                                               : std::string(curl_easy_strerror(rc));
        if (kind != K::Cancelled && errbuf[0]) msg += std::string(": ") + errbuf;
        if (kind == K::Timeout)
            msg = "no complete response from " + hostOf(req.url) + " within " +
                  std::to_string(total.count()) + " ms";
        msg = req.method + " " + safeUrl + ": " + redact::text(msg);
        if (o.log) o.log("<- failed: " + msg);
        throw TransportError(kind, msg);
    }
    if (o.log)
        o.log("<- " + std::to_string(resp.status) + " " + req.method + " " + safeUrl + " (" +
              std::to_string(resp.body.size()) + " bytes, " + std::to_string(static_cast<long>(secs * 1000)) +
              " ms)");
    return resp;
}

} // namespace quarry
