// SPDX-License-Identifier: MIT
#include "sandbox/Auth.h"

#include "crypto/Base64.h"
#include "platform/File.h"
#include "crypto/Jwt.h"
#include "crypto/Keys.h"
#include "value/JsonParse.h"
#include "value/Text.h"

#include <cctype>
#include <fstream>
#include <openssl/crypto.h>
#include <sstream>

namespace quarry::sandbox {
namespace {

using Json = nlohmann::json;

constexpr const char* kGoogleTokenUri = "https://oauth2.googleapis.com/token";
constexpr const char* kOldGoogleTokenUri = "https://accounts.google.com/o/oauth2/token";
constexpr const char* kTimeframe = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                                   "timeframe. Check your iat and exp values in the JWT claim.";
constexpr const char* kBadSignature = "Invalid JWT Signature.";

std::string percentDecode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) && std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::map<std::string, std::string> parseForm(std::string_view body) {
    std::map<std::string, std::string> form;
    while (!body.empty()) {
        const auto amp = body.find('&');
        const auto part = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        const auto eq = part.find('=');
        form[percentDecode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : percentDecode(part.substr(eq + 1));
    }
    return form;
}

SandboxAuth::Answer oauthError(int status, const std::string& error, const std::string& description) {
    return {status, {{"error", error}, {"error_description", description}}};
}

/// Google's 401 for API calls. `detail` goes into errors[0].message.
SandboxAuth::Answer unauthenticated(bool missing, const std::string& detail) {
    const std::string message =
        std::string(missing ? "Request is missing required authentication credential."
                            : "Request had invalid authentication credentials.") +
        " Expected OAuth 2 access token, login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.";
    Json err = {{"message", detail}, {"domain", "global"}, {"reason", missing ? "required" : "authError"},
                {"location", "Authorization"}, {"locationType", "header"}};
    return {401, {{"error", {{"code", 401}, {"message", message}, {"errors", Json::array({err})}, {"status", "UNAUTHENTICATED"}}}}};
}

bool validKeyId(const std::string& id) {
    return !id.empty() && id.size() <= 128 &&
           id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == std::string::npos;
}

bool validEmail(const std::string& e) {
    return e.find('@') != std::string::npos && e.find('/') == std::string::npos && e.find("..") == std::string::npos &&
           e.size() < 256 && e.front() != '.';
}

} // namespace

struct SandboxAuth::Key {
    crypto::PublicKey publicKey;
    std::int64_t notAfter = 0; ///< seconds since 1970 when a certificate's validity ends; 0: a bare key
    std::string notAfterText;
};

namespace {

/// The key in `pem` (a certificate or a public key), with the certificate's end of validity.
SandboxAuth::Key keyFrom(const std::string& pem) {
    SandboxAuth::Key k{crypto::PublicKey::fromPem(pem), 0, {}};
    if (crypto::isCertificatePem(pem)) {
        const auto info = crypto::inspectCertificate(pem);
        k.notAfter = std::chrono::duration_cast<std::chrono::seconds>(info.notAfterTime.time_since_epoch()).count();
        k.notAfterText = info.notAfter;
    }
    return k;
}

} // namespace
struct SandboxAuth::Account {
    std::map<std::string, Key> keys; // by key id
};
struct SandboxAuth::Grant {
    std::string email;
    std::int64_t expiry = 0;
};

SandboxAuth::SandboxAuth(Options o) : o_(std::move(o)) {
    if (!std::filesystem::is_directory(o_.dir))
        throw std::runtime_error("--auth keys:" + o_.dir.string() + ": no such folder (it holds one folder per "
                                 "service-account email with <key id>.pem certificates)");
    load();
    // The admin token: made once, readable by the folder's owner only.
    const auto path = adminTokenPath(o_.dir);
    if (auto f = platform::File::open(path, platform::File::Mode::CreateNew); f.isOpen()) {
        const std::string token = text::hexEncode(crypto::randomBytes(32)) + "\n";
        const bool ok = f.writeAll(token) && f.sync() && f.close();
        if (!ok) throw std::runtime_error("cannot write the admin token " + path.string());
    }
    std::ifstream in(path);
    std::getline(in, adminToken_);
    if (adminToken_.size() < 32)
        throw std::runtime_error(path.string() + " does not hold an admin token (delete it: a new one is made at start)");
}

std::filesystem::path SandboxAuth::adminTokenPath(const std::filesystem::path& dir) { return dir / ".admin-token"; }

SandboxAuth::~SandboxAuth() = default;

std::int64_t SandboxAuth::now() const {
    if (o_.now) return o_.now();
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void SandboxAuth::load() {
    for (const auto& acc : std::filesystem::directory_iterator(o_.dir)) {
        if (!acc.is_directory()) continue;
        const auto email = acc.path().filename().string();
        auto account = std::make_unique<Account>();
        for (const auto& f : std::filesystem::directory_iterator(acc.path())) {
            if (f.path().extension() != ".pem" && f.path().extension() != ".crt") continue;
            const auto kid = f.path().stem().string();
            if (!validKeyId(kid)) {
                notes_.push_back("not trusting " + f.path().string() + ": a key id (the file name) uses letters, digits, - and _");
                continue;
            }
            std::ifstream in(f.path(), std::ios::binary);
            std::ostringstream s;
            s << in.rdbuf();
            try {
                auto key = keyFrom(s.str());
                const auto& k = key.publicKey;
                if (k.bits() < crypto::kMinRsaBits) {
                    notes_.push_back("not trusting " + f.path().string() + ": an RSA key of " + std::to_string(k.bits()) +
                                     " bits is too weak (2048 or more)");
                    continue;
                }
                account->keys.emplace(kid, std::move(key));
            } catch (const crypto::CryptoError& e) {
                notes_.push_back("not trusting " + f.path().string() + ": " + e.what());
            }
        }
        accounts_[email] = std::move(account);
    }
}

std::string SandboxAuth::verifySignature(const std::string& token, Json& claims, std::string& email) {
    crypto::Jwt jwt;
    try {
        jwt = crypto::decodeJwt(token);
    } catch (const crypto::CryptoError& e) {
        return std::string("Invalid JWT: ") + e.what();
    }
    if (jwt.header.value("alg", "") != "RS256") return "Invalid JWT: the header's alg must be RS256";
    claims = std::move(jwt.claims);
    email = claims.contains("iss") && claims["iss"].is_string() ? claims["iss"].get<std::string>() : "";
    std::lock_guard lock(mutex_);
    const auto acc = accounts_.find(email);
    if (email.empty() || acc == accounts_.end()) return "Invalid grant: account not found";
    const std::string kid = jwt.header.contains("kid") && jwt.header["kid"].is_string() ? jwt.header["kid"].get<std::string>() : "";
    if (!kid.empty()) {
        const auto k = acc->second->keys.find(kid);
        if (k == acc->second->keys.end())
            return std::string(kBadSignature) + " (the sandbox trusts no key '" + kid + "' for " + email + ")";
        if (!k->second.publicKey.verifySha256(jwt.signingInput, jwt.signature))
            return std::string(kBadSignature) + " (the signature does not match key '" + kid + "')";
        if (k->second.notAfter && now() > k->second.notAfter)
            return std::string(kBadSignature) + " (the certificate of key '" + kid + "' expired at " + k->second.notAfterText + ")";
        return {};
    }
    for (const auto& [id, key] : acc->second->keys)
        if (key.publicKey.verifySha256(jwt.signingInput, jwt.signature) && !(key.notAfter && now() > key.notAfter)) return {};
    return std::string(kBadSignature) + " (no key of " + email + " matches the signature)";
}

std::string SandboxAuth::checkTimes(const Json& claims) const {
    if (!claims.contains("iat") || !claims["iat"].is_number_integer() || !claims.contains("exp") ||
        !claims["exp"].is_number_integer())
        return kTimeframe;
    constexpr std::int64_t kMaxSeconds = std::int64_t(1) << 40; // year 36812: no overflow below
    const auto inRange = [](const Json& v) {
        return v.is_number_unsigned() ? v.get<std::uint64_t>() < std::uint64_t(kMaxSeconds)
                                      : v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() < kMaxSeconds;
    };
    if (!inRange(claims["iat"]) || !inRange(claims["exp"])) return std::string(kTimeframe) + " (iat and exp are seconds since 1970)";
    const auto iat = claims["iat"].get<std::int64_t>();
    const auto exp = claims["exp"].get<std::int64_t>();
    const auto t = now();
    if (exp <= iat || exp - iat > 3600) return std::string(kTimeframe) + " (exp - iat must be at most 3600 seconds)";
    if (iat > t + o_.allowedSkew.count()) return std::string(kTimeframe) + " (iat is in the future)";
    if (exp <= t - o_.allowedSkew.count()) return std::string(kTimeframe) + " (the JWT has expired)";
    return {};
}

SandboxAuth::Answer SandboxAuth::token(const std::string& formBody, const std::string& selfTokenUrl) {
    const auto form = parseForm(formBody);
    const auto grant = form.find("grant_type");
    if (grant == form.end()) return oauthError(400, "invalid_request", "Required parameter is missing: grant_type");
    if (grant->second != "urn:ietf:params:oauth:grant-type:jwt-bearer")
        return oauthError(400, "unsupported_grant_type", "Invalid grant_type: " + grant->second);
    const auto assertion = form.find("assertion");
    if (assertion == form.end() || assertion->second.empty())
        return oauthError(400, "invalid_request", "Required parameter is missing: assertion");
    Json claims;
    std::string email;
    if (auto why = verifySignature(assertion->second, claims, email); !why.empty()) return oauthError(400, "invalid_grant", why);
    const std::string aud = claims.contains("aud") && claims["aud"].is_string() ? claims["aud"].get<std::string>() : "";
    if (aud != kGoogleTokenUri && aud != kOldGoogleTokenUri && aud != selfTokenUrl)
        return oauthError(400, "invalid_grant", "Invalid JWT: Failed audience check. The right audience is " +
                                                    std::string(kGoogleTokenUri) + " (or " + selfTokenUrl + ")");
    if (auto why = checkTimes(claims); !why.empty()) return oauthError(400, "invalid_grant", why);
    if (!claims.contains("scope") || !claims["scope"].is_string() || claims["scope"].get<std::string>().empty())
        return oauthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    const auto value = "ya29.sandbox." + crypto::base64url(crypto::randomBytes(24));
    std::lock_guard lock(mutex_);
    const auto t = now();
    std::erase_if(tokens_, [t](const auto& kv) { return kv.second->expiry <= t; });
    auto g = std::make_unique<Grant>();
    g->email = email;
    g->expiry = t + o_.tokenLifetime.count();
    tokens_[value] = std::move(g);
    return {200, {{"access_token", value}, {"expires_in", o_.tokenLifetime.count()}, {"token_type", "Bearer"}}};
}

SandboxAuth::Answer SandboxAuth::authorize(const std::string& header, const std::string& selfBaseUrl, std::string_view service) {
    if (header.empty()) return unauthenticated(true, "Login Required.");
    if (header.size() < 8 || header.compare(0, 7, "Bearer ") != 0)
        return unauthenticated(false, "Invalid Credentials (expected 'Authorization: Bearer TOKEN')");
    const std::string token = header.substr(7);
    {
        std::lock_guard lock(mutex_);
        const auto it = tokens_.find(token);
        if (it != tokens_.end()) {
            if (it->second->expiry <= now()) return unauthenticated(false, "Invalid Credentials (the access token has expired)");
            return {200, {{"email", it->second->email}}};
        }
    }
    if (!crypto::looksLikeJwt(token)) return unauthenticated(false, "Invalid Credentials");
    Json claims;
    std::string email;
    if (auto why = verifySignature(token, claims, email); !why.empty()) return unauthenticated(false, why);
    const std::string sub = claims.contains("sub") && claims["sub"].is_string() ? claims["sub"].get<std::string>() : "";
    if (sub != email) return unauthenticated(false, "Invalid JWT: a self-signed JWT needs sub equal to iss");
    const std::string aud = claims.contains("aud") && claims["aud"].is_string() ? claims["aud"].get<std::string>() : "";
    const bool scoped = claims.contains("scope") && claims["scope"].is_string();
    if (!aud.empty() && scoped) return unauthenticated(false, "Invalid JWT: a self-signed JWT has aud or scope, not both");
    if (!scoped && aud != service && (selfBaseUrl.empty() || aud != selfBaseUrl + "/"))
        return unauthenticated(false, "Invalid JWT: Failed audience check. The right audience is " + std::string(service));
    if (auto why = checkTimes(claims); !why.empty()) return unauthenticated(false, why);
    return {200, {{"email", email}}};
}

SandboxAuth::Answer SandboxAuth::uploadKey(const std::string& account, const std::string& body,
                                           const std::string& authorizationHeader) {
    if (authorizationHeader.empty())
        return {401, {{"error", {{"code", 401},
                                 {"message", "Request is missing required authentication credential. The sandbox's keys:upload "
                                             "is for the admin: send Authorization: Bearer <the token in DIR/.admin-token>."},
                                 {"status", "UNAUTHENTICATED"}}}}};
    const std::string expected = "Bearer " + adminToken_;
    if (authorizationHeader.size() != expected.size() ||
        CRYPTO_memcmp(authorizationHeader.data(), expected.data(), expected.size()) != 0)
        return {403, {{"error", {{"code", 403},
                                 {"message", "Permission 'iam.serviceAccountKeys.create' denied on resource (or it may not "
                                             "exist). The sandbox's keys:upload takes the admin token in DIR/.admin-token."},
                                 {"status", "PERMISSION_DENIED"}}}}};
    const auto notFound = [&] {
        return Answer{404, {{"error", {{"code", 404}, {"message", "Service account projects/-/serviceAccounts/" + account + " does not exist."},
                                       {"status", "NOT_FOUND"}}}}};
    };
    const auto invalid = [](const std::string& m) {
        return Answer{400, {{"error", {{"code", 400}, {"message", m}, {"status", "INVALID_ARGUMENT"}}}}};
    };
    if (!validEmail(account)) return notFound();
    const auto j = parseJsonOrDiscard(body);
    if (!j.is_object() || !j.contains("publicKeyData") || !j["publicKeyData"].is_string())
        return invalid("Request contains an invalid argument: publicKeyData is required.");
    const auto pem = crypto::decodeBase64(j["publicKeyData"].get<std::string>());
    if (!pem || !crypto::isCertificatePem(*pem))
        return invalid("Request contains an invalid argument: publicKeyData must be a base64-encoded PEM X.509 certificate.");
    crypto::CertificateInfo info;
    try {
        info = crypto::inspectCertificate(*pem);
        (void)crypto::PublicKey::fromPem(*pem);
    } catch (const crypto::CryptoError& e) {
        return invalid(std::string("Request contains an invalid argument: ") + e.what());
    }
    if (info.bits < crypto::kMinRsaBits)
        return invalid("Request contains an invalid argument: the key has " + std::to_string(info.bits) +
                       " bits; RSA keys of 2048 bits or more are required.");
    // Google's key ids are 40 hex digits; here they come from the certificate itself.
    const auto der = crypto::decodeBase64([&] {
        std::string b;
        std::istringstream lines(*pem);
        for (std::string l; std::getline(lines, l);)
            if (l.find("-----") == std::string::npos) b += l.substr(0, l.find_last_not_of("\r") + 1);
        return b;
    }());
    const std::string kid = text::hexEncode(crypto::sha256(der.value_or(*pem))).substr(0, 40);
    std::lock_guard lock(mutex_);
    const auto acc = accounts_.find(account);
    if (acc == accounts_.end()) return notFound();
    const auto path = o_.dir / account / (kid + ".pem");
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << *pem;
        if (!out.flush()) return {500, {{"error", {{"code", 500}, {"message", "The sandbox could not store the key."}, {"status", "INTERNAL"}}}}};
    }
    acc->second->keys.insert_or_assign(kid, keyFrom(*pem));
    return {200,
            {{"name", "projects/-/serviceAccounts/" + account + "/keys/" + kid},
             {"validAfterTime", info.notBefore},
             {"validBeforeTime", info.notAfter},
             {"keyAlgorithm", info.bits >= 2048 ? "KEY_ALG_RSA_2048" : "KEY_ALG_RSA_1024"},
             {"keyOrigin", "USER_PROVIDED"},
             {"keyType", "USER_MANAGED"}}};
}

} // namespace quarry::sandbox
