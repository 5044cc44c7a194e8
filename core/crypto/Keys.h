// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

/// RSA keys, certificates and fingerprints on OpenSSL 3. Nothing here reads files or
/// prints: callers pass bytes in and get bytes out, and error texts never hold key material.
namespace quarry::crypto {

class CryptoError : public std::runtime_error {
public:
    enum class Kind { BadFormat, NeedPassphrase, WrongPassword, WeakKey, NotRsa, Other };
    CryptoError(Kind k, const std::string& what) : std::runtime_error(what), kind_(k) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

/// Google accepts RSA keys of 2048 bits and more for service accounts; smaller keys are
/// refused when generated, loaded or trusted.
inline constexpr int kMinRsaBits = 2048;

class PrivateKey {
public:
    /// A new RSA key. Throws WeakKey below kMinRsaBits and BadFormat above 16384.
    static PrivateKey generate(int bits);
    /// PKCS#8 ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") PEM.
    /// An encrypted key without a passphrase throws NeedPassphrase, a wrong one WrongPassword.
    static PrivateKey fromPem(std::string_view pem, std::string_view passphrase = {});
    struct P12Contents;
    /// A PKCS#12 file (Google's legacy .p12 keys). Loads OpenSSL's legacy provider when the
    /// file uses RC2/3DES. A wrong password throws WrongPassword.
    static P12Contents fromP12(std::string_view der, std::string_view password);

    int bits() const;
    /// PKCS#8 PEM; with a passphrase, encrypted with AES-256-CBC (PBES2).
    std::string toPkcs8Pem(std::string_view passphrase = {}) const;
    /// SubjectPublicKeyInfo, DER and PEM.
    std::string publicKeyDer() const;
    std::string publicKeyPem() const;
    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWT's RS256).
    std::string signSha256(std::string_view data) const;
    /// The OpenSSL EVP_PKEY*, for the certificate code.
    void* native() const { return key_.get(); }

private:
    explicit PrivateKey(std::shared_ptr<void> k) : key_(std::move(k)) {}
    std::shared_ptr<void> key_;
    friend class PublicKey;
};

struct PrivateKey::P12Contents {
    PrivateKey key;
    std::string certificatePem; ///< empty if the file holds no certificate
};

class PublicKey {
public:
    /// "CERTIFICATE" or "PUBLIC KEY" PEM. Throws BadFormat, NotRsa.
    static PublicKey fromPem(std::string_view pem);
    static PublicKey of(const PrivateKey& k);
    int bits() const;
    std::string der() const; ///< SubjectPublicKeyInfo
    bool verifySha256(std::string_view data, std::string_view signature) const;

private:
    explicit PublicKey(std::shared_ptr<void> k) : key_(std::move(k)) {}
    std::shared_ptr<void> key_;
};

struct CertificateInfo {
    std::string subject;   ///< "CN=..." as one line
    int version = 0;       ///< 3 for X.509 v3
    std::string notBefore; ///< "2026-11-22T10:00:00Z"
    std::string notAfter;
    std::chrono::system_clock::time_point notAfterTime;
    std::string fingerprint;          ///< SHA-256 of the certificate (DER)
    std::string publicKeyFingerprint; ///< SHA-256 of its public key (SPKI DER)
    int bits = 0;
};

/// A self-signed X.509 v3 certificate for `key` (SHA-256, serial random, subject and issuer
/// "CN=<commonName>", valid from now for `days`), as PEM.
std::string selfSignedCertificate(const PrivateKey& key, std::string_view commonName, int days);
/// Reads a PEM certificate. Throws BadFormat.
CertificateInfo inspectCertificate(std::string_view pem);
bool isCertificatePem(std::string_view text);

std::string sha256(std::string_view bytes);
/// Other digests by OpenSSL name ("MD5", "SHA1", "SHA512"), raw bytes.
std::string digest(const char* algorithm, std::string_view bytes);
/// How Quarry shows every fingerprint: SHA-256 as colon-separated upper-case hex, the form
/// `openssl x509 -fingerprint -sha256` prints, so the two can be compared by eye.
std::string fingerprint(std::string_view der);
/// Random bytes from OpenSSL's CSPRNG.
std::string randomBytes(std::size_t n);
/// Overwrites a string's bytes before it is freed (OPENSSL_cleanse).
void wipe(std::string& s);

} // namespace quarry::crypto
