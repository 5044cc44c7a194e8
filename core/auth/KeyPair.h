// SPDX-License-Identifier: MIT
#pragma once

#include "crypto/Keys.h"

#include <filesystem>
#include <string>

/// Own key pairs: the private key never leaves this machine; only the certificate goes to
/// the admin, who uploads it to the service account and reports the key id back.
namespace quarry::auth {

struct KeyPairOptions {
    int bits = 2048;
    int days = 365;
    std::string passphrase;  ///< empty: the private key is stored unencrypted (mode 0600)
    std::string accountEmail; ///< for the upload command; a placeholder when empty
    std::string commonName = "unused"; ///< keep private information out of the certificate
    bool overwrite = false;
};

struct KeyPairResult {
    std::filesystem::path privateKey;  ///< private_key.pem, PKCS#8, mode 0600
    std::filesystem::path certificate; ///< public_cert.pem, X.509 v3, self-signed
    crypto::CertificateInfo info;
    std::string gcloudCommand; ///< what the admin runs
    std::string restUrl;       ///< or: POST this ...
    std::string restBody;      ///< ... with this body,
    std::filesystem::path restBodyFile; ///< ... which is also in keys-upload.json
};

/// Generates the pair into `dir` (created if missing). Refuses to replace an existing key
/// unless `overwrite`. Throws AuthError (WeakKey below 2048 bits) or std::runtime_error.
KeyPairResult generateKeyPair(const std::filesystem::path& dir, const KeyPairOptions& options);

std::string uploadCommand(const std::string& accountEmail, const std::filesystem::path& certificate);
std::string uploadRestUrl(const std::string& accountEmail);
/// {"publicKeyData": base64 of the PEM certificate text}
std::string uploadRestBody(const std::string& certificatePem);

/// Throws AuthError(WrongFileType) when `certificatePem` holds the public key of another key.
void checkCertificateMatches(const crypto::PrivateKey& key, const std::string& certificatePem,
                             const std::string& certificateName);

/// A service-account key file (the JSON Google issues) for an own key pair, so every tool
/// that reads such files can use it. `privateKeyPem` is stored as given (maybe encrypted).
std::string keyFileJson(const std::string& privateKeyPem, const std::string& accountEmail, const std::string& keyId,
                        const std::string& tokenUri);

/// Writes `content` to `path` with mode 0600 through a temporary file and a rename, so a
/// crash leaves the old file or the new one. Refuses to replace a file unless `overwrite`.
void writePrivateFile(const std::filesystem::path& path, const std::string& content, bool overwrite);

} // namespace quarry::auth
