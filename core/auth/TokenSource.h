// SPDX-License-Identifier: MIT
#pragma once

#include "auth/Credentials.h"
#include "bigquery/Endpoint.h"
#include "net/CancelToken.h"
#include "net/HttpClient.h"

#include <chrono>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace quarry::auth {

using SystemTime = std::chrono::system_clock::time_point;
/// Injectable clock: tests move time instead of waiting.
using Clock = std::function<SystemTime()>;

struct AccessToken {
    std::string value;
    SystemTime expiry;
};

/// Hands out bearer tokens to every thread of a client. A token is refreshed `refreshMargin`
/// before it expires (Google's libraries use 3 min 45 s); only one refresh runs at a time and
/// the other callers wait for its result, or its error. After a 401, `invalidate` makes the
/// next call refresh unless another thread already did.
class TokenSource {
public:
    explicit TokenSource(Clock clock = {}, std::chrono::seconds refreshMargin = std::chrono::seconds(225));
    virtual ~TokenSource();
    TokenSource(const TokenSource&) = delete;
    TokenSource& operator=(const TokenSource&) = delete;

    std::string token(const CancelToken* cancel = nullptr);
    void invalidate(const std::string& token);
    /// How many times a token was fetched (for tests and `auth test`).
    int fetchCount() const;
    SystemTime expiry() const;
    /// "self-signed JWT", "token exchange at URL", "refresh token at URL".
    virtual std::string method() const = 0;

protected:
    virtual AccessToken fetch(const CancelToken* cancel) = 0;
    SystemTime now() const { return clock_(); }

private:
    Clock clock_;
    std::chrono::seconds margin_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    AccessToken current_;
    SystemTime refreshAt_;
    bool refreshing_ = false;
    int fetches_ = 0;
    std::uint64_t generation_ = 0; ///< finished refreshes, so waiters know theirs is done
    std::exception_ptr lastError_;
};

struct TokenOptions {
    /// Auto: a service account signs its own JWT (no round trip) when its token endpoint is
    /// Google's; with any other token_uri (the sandbox) it exchanges an assertion there.
    enum class Mode { Auto, Exchange, SelfSigned };
    Mode mode = Mode::Auto;
    std::vector<std::string> scopes = {std::string(kBigQueryScope)};
    std::string audience = std::string(kBigQueryAudience); ///< self-signed JWT's aud
    Clock clock;
    std::chrono::seconds refreshMargin{225};
    /// JWT lifetime; Google refuses more than 3600 s. Tests set other values on purpose.
    std::chrono::seconds jwtLifetime{3600};
    HttpOptions http;
    /// Google's token-endpoint retry rules: 3 attempts, backoff 1 s doubling, ±10%.
    int tokenAttempts = 3;
    std::chrono::milliseconds tokenBackoff{1000};
};

/// Google credentials: an authorized user (gcloud's ADC) or a service account whose token
/// endpoint is Google's. A token or self-signed JWT made from them works at Google.
bool isGoogleCredential(const Credentials& c);
/// Throws AuthError (Kind::UntrustedEndpoint) when Google credentials would go to `endpoint`
/// that is not Google's API over HTTPS (whoever runs it could use the token at Google), unless
/// `trusted`: the user said so explicitly. Credentials of the endpoint's own (the sandbox's
/// keys, whose token_uri is the sandbox) and no credentials pass.
void checkCredentialsForEndpoint(const Credentials& c, const Endpoint& endpoint, bool trusted);
/// The self-signed JWT audience for calls to `endpoint`: Google's for Google, else its own base URL.
std::string audienceFor(const Endpoint& endpoint);
/// The same for the Storage API that goes with `endpoint`: Google's Storage API audience for
/// Google, the endpoint's own base URL + "/" otherwise (a sandbox serves both).
std::string storageAudienceFor(const Endpoint& endpoint);

/// A token source for the Storage API beside `bigquery` (the REST API's, made from the same
/// credentials and options): null when the REST API's tokens serve it too (an access token is
/// good for every API its scopes allow), a source of its own when they are self-signed JWTs
/// (each names one service in its aud).
std::shared_ptr<TokenSource> makeStorageTokenSource(const Credentials& c, TokenOptions options, const Endpoint& endpoint);

/// The token source for `c`, or nullptr for Type::None.
std::shared_ptr<TokenSource> makeTokenSource(const Credentials& c, TokenOptions options = {});

/// The claims of a 2LO assertion (aud = Google's token endpoint, as google-auth sends).
nlohmann::json assertionClaims(const ServiceAccount& sa, const std::vector<std::string>& scopes, SystemTime now,
                               std::chrono::seconds lifetime);
/// The claims of a self-signed JWT used directly as a bearer token.
nlohmann::json selfSignedClaims(const ServiceAccount& sa, const std::string& audience, SystemTime now,
                                std::chrono::seconds lifetime);

/// A token endpoint's error answer as an AuthError with advice; `who` names the credentials.
AuthError tokenEndpointError(long status, std::string_view body, const std::string& who, const std::string& uri,
                             SystemTime now);

} // namespace quarry::auth
