// SPDX-License-Identifier: MIT
#pragma once

#include "Common.h"

#include <string>

namespace quarry::cli {

struct KeyGenerateArgs {
    std::string out = ".";
    int bits = 2048;
    int days = 365;
    std::string email;
    std::string passphraseFile; ///< encrypt the private key with the passphrase in this file
    bool force = false;
};

struct KeyFileArgs {
    std::string privateKey;  ///< private_key.pem from `key generate`
    std::string certificate; ///< default: public_cert.pem beside the private key, if present
    std::string email, keyId, tokenUri, out;
    bool force = false;
};

/// key generate: an RSA key pair, a self-signed certificate, and what the admin must run.
int cmdKeyGenerate(const KeyGenerateArgs& a);
/// key fingerprint FILE: SHA-256 fingerprints of a certificate, public or private key, JSON
/// or P12 key file, the same way everywhere.
int cmdKeyFingerprint(const Globals& g, const std::string& file);
/// key make-file: a service-account key file for an own key pair once the key id is known.
int cmdKeyMakeFile(const Globals& g, const KeyFileArgs& a);
/// auth test: signs in, calls datasets.list, and reports who and how.
int cmdAuthTest(const Globals& g);

} // namespace quarry::cli
