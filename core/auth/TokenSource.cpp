// SPDX-License-Identifier: MIT
#include "auth/TokenSource.h"
#include "value/Civil.h"

#include "bigquery/Endpoint.h"
#include "crypto/Jwt.h"
#include "net/Redact.h"
#include "value/JsonParse.h"

#include <random>
#include <thread>

namespace quarry::auth {
namespace {

using namespace std::chrono;
using K = AuthError::Kind;

std::int64_t seconds(SystemTime t) { return duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }

std::string utc(SystemTime t) { return civil::formatTimestampDisplay(seconds(t) * civil::kMicrosPerSecond); }

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
}

bool isGoogleTokenUri(std::string_view uri) {
    const auto host = Endpoint::hostOf(uri);
    return uri.starts_with("https://") && (Endpoint::isGoogleHost(host) || host == "accounts.google.com");
}

/// Posts a form to a token endpoint under Google's retry rules and reads the token.
class TokenEndpoint {
public:
    TokenEndpoint(const TokenOptions& o, std::string uri, std::string who)
        : http_(o.http), uri_(std::move(uri)), who_(std::move(who)), attempts_(o.tokenAttempts), backoff_(o.tokenBackoff) {}

    AccessToken post(std::string body, SystemTime now, const CancelToken* cancel) {
        HttpRequest req;
        req.method = "POST";
        req.url = uri_;
        req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        req.body = std::move(body);
        std::mt19937_64 rng(std::random_device{}());
        for (int attempt = 1;; ++attempt) {
            std::string why;
            try {
                const auto resp = http_.send(req, cancel);
                if (resp.status == 200) {
                    crypto::wipe(req.body);
                    return parse(resp, now);
                }
                if (attempt >= attempts_ || !retryable(resp)) {
                    crypto::wipe(req.body);
                    throw tokenEndpointError(resp.status, resp.body, who_, uri_, now);
                }
            } catch (const TransportError& e) {
                if (!e.retryable() || attempt >= attempts_) {
                    crypto::wipe(req.body);
                    if (e.kind() == TransportError::Kind::Cancelled) throw;
                    throw AuthError(K::TokenEndpoint, "sign-in as " + who_ + " failed: the token endpoint " + uri_ +
                                                          " did not answer (" + e.what() + ")");
                }
            }
            // 1 s, 2 s, 4 s ... with ±10% (google-auth's _exponential_backoff).
            std::uniform_real_distribution<double> jitter(0.9, 1.1);
            const auto wait = milliseconds(static_cast<std::int64_t>(backoff_.count() * (1 << (attempt - 1)) * jitter(rng)));
            if (cancel ? !cancel->waitFor(wait) : (std::this_thread::sleep_for(wait), false))
                throw TransportError(TransportError::Kind::Cancelled, "sign-in cancelled");
        }
    }

private:
    static bool retryable(const HttpResponse& r) {
        if (r.status == 500 || r.status == 503 || r.status == 408 || r.status == 429) return true;
        const auto j = parseJsonOrDiscard(r.body);
        if (!j.is_object()) return false;
        for (const char* k : {"error", "error_description"}) {
            const auto it = j.find(k);
            if (it != j.end() && it->is_string()) {
                const auto v = it->get<std::string>();
                if (v == "internal_failure" || v == "server_error" || v == "temporarily_unavailable") return true;
            }
        }
        return false;
    }

    AccessToken parse(const HttpResponse& r, SystemTime now) const {
        auto j = parseJsonOrDiscard(r.body);
        AccessToken t;
        if (j.is_object() && j.contains("access_token") && j["access_token"].is_string())
            t.value = j["access_token"].get<std::string>();
        if (t.value.empty())
            throw AuthError(K::TokenEndpoint, "sign-in as " + who_ + " failed: " + uri_ + " answered 200 without an access_token");
        std::int64_t life = 3600;
        if (const auto it = j.find("expires_in"); it != j.end()) {
            if (it->is_number_integer()) life = it->get<std::int64_t>();
            else if (it->is_string()) life = std::strtoll(it->get<std::string>().c_str(), nullptr, 10); // sometimes a string
        }
        if (j.contains("access_token")) crypto::wipe(j["access_token"].get_ref<std::string&>());
        t.expiry = now + std::chrono::seconds(std::max<std::int64_t>(life, 1));
        return t;
    }

    HttpClient http_;
    std::string uri_, who_;
    int attempts_;
    milliseconds backoff_;
};

class JwtExchange final : public TokenSource {
public:
    JwtExchange(ServiceAccount sa, const TokenOptions& o)
        : TokenSource(o.clock, o.refreshMargin), sa_(std::move(sa)), o_(o), endpoint_(o, sa_.tokenUri, sa_.clientEmail) {}
    std::string method() const override { return "token exchange at " + sa_.tokenUri; }

protected:
    AccessToken fetch(const CancelToken* c) override {
        const auto t = now();
        auto jwt = crypto::signJwt(assertionClaims(sa_, o_.scopes, t, o_.jwtLifetime), *sa_.key, sa_.keyId);
        auto body = "grant_type=" + urlEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") + "&assertion=" + jwt;
        crypto::wipe(jwt);
        return endpoint_.post(std::move(body), t, c);
    }

private:
    ServiceAccount sa_;
    TokenOptions o_;
    TokenEndpoint endpoint_;
};

class SelfSignedJwt final : public TokenSource {
public:
    SelfSignedJwt(ServiceAccount sa, const TokenOptions& o) : TokenSource(o.clock, o.refreshMargin), sa_(std::move(sa)), o_(o) {}
    std::string method() const override { return "self-signed JWT (aud " + o_.audience + ")"; }

protected:
    AccessToken fetch(const CancelToken*) override {
        const auto t = now();
        return {crypto::signJwt(selfSignedClaims(sa_, o_.audience, t, o_.jwtLifetime), *sa_.key, sa_.keyId),
                t + o_.jwtLifetime};
    }

private:
    ServiceAccount sa_;
    TokenOptions o_;
};

class RefreshGrant final : public TokenSource {
public:
    RefreshGrant(AuthorizedUser u, const TokenOptions& o, std::string who)
        : TokenSource(o.clock, o.refreshMargin), u_(std::move(u)), endpoint_(o, u_.tokenUri, std::move(who)) {}
    std::string method() const override { return "refresh token at " + u_.tokenUri; }

protected:
    AccessToken fetch(const CancelToken* c) override {
        const std::string body = "grant_type=refresh_token&client_id=" + urlEncode(u_.clientId) +
                                 "&client_secret=" + urlEncode(u_.clientSecret) + "&refresh_token=" + urlEncode(u_.refreshToken);
        return endpoint_.post(body, now(), c);
    }

private:
    AuthorizedUser u_;
    TokenEndpoint endpoint_;
};

} // namespace

TokenSource::TokenSource(Clock clock, std::chrono::seconds margin)
    : clock_(clock ? std::move(clock) : Clock([] { return system_clock::now(); })), margin_(margin) {}
TokenSource::~TokenSource() { crypto::wipe(current_.value); }

std::string TokenSource::token(const CancelToken* cancel) {
    std::unique_lock lock(mutex_);
    while (true) {
        if (!current_.value.empty() && now() < refreshAt_) return current_.value;
        if (!refreshing_) break;
        const auto gen = generation_;
        cv_.wait(lock, [&] { return generation_ != gen; });
        // Waiters share the outcome of the refresh they waited for.
        if (!current_.value.empty()) return current_.value;
        if (lastError_) std::rethrow_exception(lastError_);
    }
    refreshing_ = true;
    ++fetches_;
    lock.unlock();
    AccessToken fresh;
    std::exception_ptr error;
    try {
        fresh = fetch(cancel);
    } catch (...) {
        error = std::current_exception();
    }
    lock.lock();
    refreshing_ = false;
    ++generation_;
    crypto::wipe(current_.value);
    lastError_ = error;
    if (!error) {
        current_ = std::move(fresh);
        // A token shorter-lived than twice the margin is refreshed at half its life.
        const auto life = current_.expiry - now();
        refreshAt_ = current_.expiry - std::max<SystemTime::duration>(std::min<SystemTime::duration>(margin_, life / 2), {});
    }
    cv_.notify_all();
    if (error) std::rethrow_exception(error);
    return current_.value;
}

void TokenSource::invalidate(const std::string& token) {
    std::lock_guard lock(mutex_);
    if (current_.value == token) crypto::wipe(current_.value);
}

int TokenSource::fetchCount() const {
    std::lock_guard lock(mutex_);
    return fetches_;
}

SystemTime TokenSource::expiry() const {
    std::lock_guard lock(mutex_);
    return current_.expiry;
}

nlohmann::json assertionClaims(const ServiceAccount& sa, const std::vector<std::string>& scopes, SystemTime now,
                               std::chrono::seconds lifetime) {
    const auto iat = seconds(now);
    return {{"iss", sa.clientEmail}, {"scope", joined(scopes)}, {"aud", std::string(kGoogleTokenUri)},
            {"iat", iat}, {"exp", iat + lifetime.count()}};
}

nlohmann::json selfSignedClaims(const ServiceAccount& sa, const std::string& audience, SystemTime now,
                                std::chrono::seconds lifetime) {
    const auto iat = seconds(now);
    return {{"iss", sa.clientEmail}, {"sub", sa.clientEmail}, {"aud", audience}, {"iat", iat},
            {"exp", iat + lifetime.count()}};
}

AuthError tokenEndpointError(long status, std::string_view body, const std::string& who, const std::string& uri,
                             SystemTime now) {
    const auto j = parseJsonOrDiscard(body);
    std::string error, description;
    if (j.is_object()) {
        if (j.contains("error") && j["error"].is_string()) error = j["error"].get<std::string>();
        if (j.contains("error_description") && j["error_description"].is_string())
            description = j["error_description"].get<std::string>();
    }
    const std::string head = "sign-in as " + who + " failed: " + uri + " answered HTTP " + std::to_string(status);
    const std::string said = error.empty() ? std::string() : " (" + error + (description.empty() ? "" : ": " + redact::text(description)) + ")";
    if (error == "invalid_grant") {
        std::string advice;
        if (description.find("Signature") != std::string::npos)
            advice = "The key is not (or no longer) registered for this service account, or its key id "
                     "(private_key_id) belongs to another key. Check the account's keys, or create a new key.";
        else if (description.find("iat") != std::string::npos || description.find("timeframe") != std::string::npos ||
                 (description.find("expired") != std::string::npos && description.find("revoked") == std::string::npos))
            advice = "Check this computer's clock: it says " + utc(now) + ".";
        else if (description.find("account not found") != std::string::npos)
            advice = "The service account does not exist (deleted?) in the key's project.";
        else if (description.find("revoked") != std::string::npos)
            advice = "Sign in again with `gcloud auth application-default login`.";
        else
            advice = "The key or refresh token was refused.";
        return AuthError(K::InvalidGrant, head + said + ". " + advice);
    }
    if (error == "invalid_client" || error == "disabled_client" || error == "unauthorized_client" || error == "invalid_scope")
        return AuthError(K::InvalidClient, head + said + ". The OAuth client or its scopes were refused.");
    if (error.empty() && !body.empty() && !j.is_object())
        return AuthError(K::TokenEndpoint, head + " with a body that is not JSON; is " + uri + " a token endpoint?");
    return AuthError(K::TokenEndpoint, head + said + ".");
}

bool isGoogleCredential(const Credentials& c) {
    if (c.type == Credentials::Type::AuthorizedUser) return true;
    return c.type == Credentials::Type::ServiceAccount && c.serviceAccount && isGoogleTokenUri(c.serviceAccount->tokenUri);
}

void checkCredentialsForEndpoint(const Credentials& c, const Endpoint& endpoint, bool trusted) {
    if (trusted || endpoint.isGoogle() || !isGoogleCredential(c)) return;
    const std::string why = endpoint.isHttps() ? " is not Google's API" : " is not Google's API, and plain HTTP besides";
    throw AuthError(AuthError::Kind::UntrustedEndpoint,
                    c.who() + " (from " + c.source + ") are Google credentials, and " + endpoint.baseUrl + why +
                        ": a token sent there could be used at Google by whoever runs it, so none is sent. Use a key "
                        "made for that endpoint (the sandbox's own keys), no key, or, if you trust it with your Google "
                        "identity, say so explicitly (quarry-cli: --allow-credentials-to-endpoint).");
}

std::string audienceFor(const Endpoint& endpoint) {
    return endpoint.isGoogle() ? std::string(kBigQueryAudience) : endpoint.baseUrl + "/";
}

std::string storageAudienceFor(const Endpoint& endpoint) {
    return endpoint.isGoogle() ? std::string(kBigQueryStorageAudience) : endpoint.baseUrl + "/";
}

namespace {

bool selfSignedFor(const ServiceAccount& sa, const TokenOptions& o) {
    // A non-default universe always uses self-signed JWT (it has no token endpoint).
    if (o.mode == TokenOptions::Mode::Auto) return isGoogleTokenUri(sa.tokenUri) || sa.universeDomain != "googleapis.com";
    return o.mode == TokenOptions::Mode::SelfSigned;
}

} // namespace

std::shared_ptr<TokenSource> makeStorageTokenSource(const Credentials& c, TokenOptions o, const Endpoint& endpoint) {
    if (c.type != Credentials::Type::ServiceAccount || !selfSignedFor(*c.serviceAccount, o)) return nullptr;
    o.audience = storageAudienceFor(endpoint);
    return std::make_shared<SelfSignedJwt>(*c.serviceAccount, o);
}

std::shared_ptr<TokenSource> makeTokenSource(const Credentials& c, TokenOptions o) {
    switch (c.type) {
    case Credentials::Type::None: return nullptr;
    case Credentials::Type::ServiceAccount: {
        const auto& sa = *c.serviceAccount;
        if (selfSignedFor(sa, o)) return std::make_shared<SelfSignedJwt>(sa, o);
        return std::make_shared<JwtExchange>(sa, o);
    }
    case Credentials::Type::AuthorizedUser: return std::make_shared<RefreshGrant>(*c.user, o, c.who());
    }
    return nullptr;
}

} // namespace quarry::auth
