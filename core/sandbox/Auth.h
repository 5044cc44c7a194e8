// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace quarry::sandbox {

/// `--auth keys:DIR`: the sandbox plays Google's OAuth and IAM for service accounts.
/// DIR holds one folder per service account, named by its email, with one trusted key per
/// file: `<key id>.pem`, a certificate or an RSA public key (2048 bits or more).
/// - POST /token verifies a JWT-bearer assertion (signature, kid, iss, aud, iat/exp window and
///   lifetime) and issues short-lived opaque bearer tokens.
/// - API requests need `Authorization: Bearer` with such a token or a self-signed JWT
///   (aud https://bigquery.googleapis.com/ or the sandbox's own base URL, or a scope claim).
/// - keys:upload (IAM's route) adds a certificate to an existing account, for the admin only:
///   the caller must send `Authorization: Bearer <admin token>`, the token the sandbox keeps in
///   DIR/.admin-token (made at first start, 0600). Whoever can read DIR could add keys by hand
///   anyway; nobody else can (a caller that can reach the port but not the folder cannot
///   give itself an account).
/// Answers carry Google's error bodies. Pure logic: the Server wires it to HTTP.
class SandboxAuth {
public:
    struct Options {
        std::filesystem::path dir;
        std::chrono::seconds tokenLifetime{3600};
        std::chrono::seconds allowedSkew{300};
        std::function<std::int64_t()> now; ///< seconds since the epoch; default the system clock
    };
    struct Answer {
        int status = 200;
        nlohmann::json body;
        bool ok() const { return status == 200; }
    };

    explicit SandboxAuth(Options o);
    ~SandboxAuth();
    /// Keys that were skipped at load, with the reason (weak, unreadable, not RSA).
    const std::vector<std::string>& notes() const { return notes_; }

    /// POST /token with a form-encoded body. `selfTokenUrl` is accepted as aud besides Google's.
    Answer token(const std::string& formBody, const std::string& selfTokenUrl);
    /// Checks an API request's Authorization header; `selfBaseUrl` + "/" is accepted as a
    /// self-signed JWT's aud besides `service` (Google's name of the API: BigQuery's, or the
    /// Storage API's for its gRPC calls, as Google checks a JWT is for the service it reaches).
    /// Returns status 200 with {"email": ...} on success, or the 401 to send.
    Answer authorize(const std::string& authorizationHeader, const std::string& selfBaseUrl,
                     std::string_view service = "https://bigquery.googleapis.com/");
    /// IAM keys:upload for `account` with body {"publicKeyData": base64(PEM)}, by the admin
    /// (`authorizationHeader` "Bearer <admin token>"; else 401 or 403 and nothing is stored).
    Answer uploadKey(const std::string& account, const std::string& body, const std::string& authorizationHeader);
    /// Where the admin token is kept: DIR/.admin-token.
    static std::filesystem::path adminTokenPath(const std::filesystem::path& dir);

    struct Key;

private:
    struct Account;
    struct Grant;
    std::int64_t now() const;
    void load();
    /// Verifies a JWT's header, issuer, kid and signature; on failure returns the detail.
    std::string verifySignature(const std::string& jwt, nlohmann::json& claims, std::string& email);
    std::string checkTimes(const nlohmann::json& claims) const;

    Options o_;
    std::string adminToken_;
    std::vector<std::string> notes_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Account>> accounts_;
    std::map<std::string, std::unique_ptr<Grant>> tokens_;
};

} // namespace quarry::sandbox
