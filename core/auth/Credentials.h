// SPDX-License-Identifier: MIT
#pragma once

#include "auth/AuthError.h"
#include "crypto/Keys.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::auth {

inline constexpr std::string_view kGoogleTokenUri = "https://oauth2.googleapis.com/token";
inline constexpr std::string_view kBigQueryAudience = "https://bigquery.googleapis.com/";
/// The Storage API's (Write and Read, gRPC): a self-signed JWT names the service it is for.
inline constexpr std::string_view kBigQueryStorageAudience = "https://bigquerystorage.googleapis.com/";
inline constexpr std::string_view kBigQueryScope = "https://www.googleapis.com/auth/bigquery";

struct ServiceAccount {
    std::string clientEmail;
    std::string keyId; ///< private_key_id: the JWT's kid (may be empty for P12 and bare PEM keys)
    std::string tokenUri = std::string(kGoogleTokenUri);
    std::string projectId;
    std::string universeDomain = "googleapis.com";
    std::shared_ptr<const crypto::PrivateKey> key;
};

/// gcloud's `auth application-default login` file: a refresh token of a user.
struct AuthorizedUser {
    std::string clientId;
    std::string clientSecret;
    std::string refreshToken;
    std::string quotaProjectId;
    /// Google always refreshes user tokens at its own endpoint, whatever the file says; a
    /// non-Google token_uri is kept only for emulators and tests.
    std::string tokenUri = std::string(kGoogleTokenUri);
    AuthorizedUser() = default;
    AuthorizedUser(const AuthorizedUser&) = default;
    AuthorizedUser& operator=(const AuthorizedUser&) = default;
    ~AuthorizedUser();
};

struct Credentials {
    enum class Type { None, ServiceAccount, AuthorizedUser };
    Type type = Type::None;
    std::string source; ///< where they came from: "key file sa.json", "GOOGLE_APPLICATION_CREDENTIALS (...)"
    std::optional<ServiceAccount> serviceAccount;
    std::optional<AuthorizedUser> user;
    std::vector<std::string> warnings; ///< e.g. a key file others can read

    /// The project the key belongs to (service accounts) or the quota project (users), or empty.
    std::string projectId() const;
    /// One line for people: "sa@p.iam.gserviceaccount.com (service-account key 1a2b3c…)".
    std::string who() const;
};

struct KeyFileOptions {
    std::string passphrase;                ///< for an encrypted PEM private key
    std::string p12Password = "notasecret"; ///< Google's fixed P12 password
    /// P12 files and bare PEM private keys do not name their service account: these do.
    std::string accountEmail;
    std::string keyId;
    std::string tokenUri; ///< for P12/PEM keys; default Google's
};

/// Reads a service-account JSON key, an authorized_user file, a P12 key or a bare PEM
/// private key (the last two need accountEmail). Throws AuthError naming the file.
Credentials loadKeyFile(const std::filesystem::path& path, const KeyFileOptions& options = {});
/// The same for JSON text already read; `source` names it in messages.
Credentials parseCredentialsJson(std::string_view text, const std::string& source, const KeyFileOptions& options = {});

/// gcloud's ADC file for this OS (CLOUDSDK_CONFIG honoured), whether it exists or not.
std::filesystem::path gcloudAdcPath();
/// Application Default Credentials in Google's order: GOOGLE_APPLICATION_CREDENTIALS, then
/// gcloud's ADC file. Throws AuthError(NoCredentials) naming the places looked at.
Credentials findDefaultCredentials(const KeyFileOptions& options = {});

/// A warning when `path` can be read by group or others (POSIX), else empty.
std::string permissionWarning(const std::filesystem::path& path);

} // namespace quarry::auth
