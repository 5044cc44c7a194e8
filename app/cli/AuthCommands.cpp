// SPDX-License-Identifier: MIT
#include "AuthCommands.h"
#include "value/Civil.h"

#include "auth/KeyPair.h"
#include "value/JsonParse.h"
#include "value/Text.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

namespace quarry::cli {
namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void row(const char* label, const std::string& value) {
    std::printf("%-13s %s\n", label, value.c_str());
}

std::string utc(std::chrono::system_clock::time_point t) {
    return civil::formatTimestampDisplay(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() *
                                         civil::kMicrosPerSecond);
}

void printCertificate(const crypto::CertificateInfo& info) {
    row("public key", "SHA-256 " + info.publicKeyFingerprint + " (RSA " + std::to_string(info.bits) + ")");
    row("certificate", "SHA-256 " + info.fingerprint);
    row("subject", info.subject + ", X.509 v" + std::to_string(info.version));
    row("valid", info.notBefore + " to " + info.notAfter);
}

} // namespace

int cmdKeyGenerate(const KeyGenerateArgs& a) {
    auth::KeyPairOptions o;
    o.bits = a.bits;
    o.days = a.days;
    o.accountEmail = a.email;
    o.overwrite = a.force;
    if (!a.passphraseFile.empty()) o.passphrase = readPassphraseFile(a.passphraseFile);
    const auto r = auth::generateKeyPair(a.out, o);
    crypto::wipe(o.passphrase);
    row("private key", r.privateKey.string() + " (PKCS#8" + (a.passphraseFile.empty() ? "" : ", encrypted") +
                           ", mode 0600: keep it on this machine)");
    row("certificate", r.certificate.string() + " (give this to your admin)");
    printCertificate(r.info);
    std::cout << "\nYour admin uploads the certificate to the service account:\n  " << r.gcloudCommand
              << "\nor with the REST API (the body is in " << r.restBodyFile.string() << "):\n"
              << "  curl -H \"Authorization: Bearer $(gcloud auth print-access-token)\" -H 'Content-Type: application/json' \\\n"
              << "    --data @" << r.restBodyFile.string() << " " << r.restUrl
              << "\n\nWith the key id the admin reports, make the key file Quarry (and Google's tools) sign in with:\n"
              << "  quarry-cli key make-file --private-key " << r.privateKey.string() << " --email "
              << (a.email.empty() ? "SERVICE_ACCOUNT_EMAIL" : a.email) << " --key-id KEY_ID\n";
    return 0;
}

int cmdKeyFingerprint(const Globals& g, const std::string& file) {
    auto bytes = readFile(file);
    const auto first = bytes.find_first_not_of(" \t\r\n");
    const bool isPublic = crypto::isCertificatePem(bytes) || bytes.find("-----BEGIN PUBLIC KEY-----") != std::string::npos ||
                          (bytes.find("\"publicKeyData\"") != std::string::npos && bytes.find("PRIVATE KEY") == std::string::npos);
    const bool holdsSecret = !isPublic;
    if (crypto::isCertificatePem(bytes)) {
        printCertificate(crypto::inspectCertificate(bytes));
    } else if (bytes.find("-----BEGIN PUBLIC KEY-----") != std::string::npos) {
        const auto k = crypto::PublicKey::fromPem(bytes);
        row("public key", "SHA-256 " + crypto::fingerprint(k.der()) + " (RSA " + std::to_string(k.bits()) + ")");
    } else if (const auto upload = parseJsonOrDiscard(bytes); upload.is_object() && upload.contains("publicKeyData")) {
        // The body of IAM's keys:upload (key generate writes it): a base64 certificate.
        const auto pem = upload["publicKeyData"].is_string()
                             ? text::base64Decode(upload["publicKeyData"].get<std::string>())
                             : std::optional<std::string>();
        if (!pem || !crypto::isCertificatePem(*pem))
            throw UsageError(file + ": publicKeyData is not a base64 PEM certificate (as `key generate` writes it)");
        printCertificate(crypto::inspectCertificate(*pem));
    } else if (first != std::string::npos && bytes[first] == '{') {
        auth::KeyFileOptions ko;
        if (!g.passphraseFile.empty()) ko.passphrase = readPassphraseFile(g.passphraseFile);
        const auto c = auth::parseCredentialsJson(bytes, file, ko);
        crypto::wipe(ko.passphrase);
        if (!c.serviceAccount) throw UsageError(file + " holds user credentials, which have no key to fingerprint");
        row("account", c.serviceAccount->clientEmail);
        row("key id", c.serviceAccount->keyId.empty() ? "(none)" : c.serviceAccount->keyId);
        row("public key", "SHA-256 " + crypto::fingerprint(c.serviceAccount->key->publicKeyDer()) + " (RSA " +
                              std::to_string(c.serviceAccount->key->bits()) + ")");
    } else if (bytes.find("PRIVATE KEY-----") != std::string::npos) {
        std::string pass = g.passphraseFile.empty() ? std::string() : readPassphraseFile(g.passphraseFile);
        try {
            const auto k = crypto::PrivateKey::fromPem(bytes, pass);
            row("public key", "SHA-256 " + crypto::fingerprint(k.publicKeyDer()) + " (RSA " + std::to_string(k.bits()) + ")");
        } catch (const crypto::CryptoError& e) {
            crypto::wipe(pass);
            crypto::wipe(bytes);
            throw auth::AuthError(auth::AuthError::Kind::UnreadableKey, file + ": " + e.what());
        }
        crypto::wipe(pass);
    } else {
        try {
            const auto p12 = crypto::PrivateKey::fromP12(bytes, "notasecret");
            row("public key", "SHA-256 " + crypto::fingerprint(p12.key.publicKeyDer()) + " (RSA " +
                                  std::to_string(p12.key.bits()) + ")");
            if (!p12.certificatePem.empty()) row("certificate", "SHA-256 " + crypto::inspectCertificate(p12.certificatePem).fingerprint);
        } catch (const crypto::CryptoError& e) {
            crypto::wipe(bytes);
            if (e.kind() == crypto::CryptoError::Kind::BadFormat)
                throw UsageError(file + ": not a certificate, public or private key, key file or .p12 file");
            throw auth::AuthError(auth::AuthError::Kind::UnreadableKey, file + ": " + e.what());
        }
    }
    crypto::wipe(bytes);
    if (holdsSecret)
        if (const auto w = auth::permissionWarning(file); !w.empty()) std::cerr << "quarry-cli: warning: " << w << '\n';
    return 0;
}

int cmdKeyMakeFile(const Globals& g, const KeyFileArgs& a) {
    auto pem = readFile(a.privateKey);
    std::string pass = g.passphraseFile.empty() ? std::string() : readPassphraseFile(g.passphraseFile);
    const auto key = [&] {
        try {
            return crypto::PrivateKey::fromPem(pem, pass);
        } catch (const crypto::CryptoError& e) {
            crypto::wipe(pem);
            crypto::wipe(pass);
            throw auth::AuthError(auth::AuthError::Kind::UnreadableKey, a.privateKey + ": " + e.what());
        }
    }();
    crypto::wipe(pass);
    std::string cert = a.certificate;
    if (cert.empty()) {
        const auto beside = std::filesystem::path(a.privateKey).parent_path() / "public_cert.pem";
        if (std::filesystem::exists(beside)) cert = beside.string();
    }
    if (!cert.empty()) auth::checkCertificateMatches(key, readFile(cert), cert);
    const std::string out = a.out.empty()
                                ? (std::filesystem::path(a.privateKey).parent_path() / ("key-" + a.keyId + ".json")).string()
                                : a.out;
    auth::writePrivateFile(out, auth::keyFileJson(pem, a.email, a.keyId, a.tokenUri), a.force);
    crypto::wipe(pem);
    row("key file", out + " (mode 0600)");
    row("account", a.email);
    row("key id", a.keyId);
    row("public key", "SHA-256 " + crypto::fingerprint(key.publicKeyDer()));
    if (!cert.empty()) row("certificate", cert + " matches the private key");
    std::cout << "\nSign in with: quarry-cli --key " << out << " auth test\n";
    return 0;
}

int cmdAuthTest(const Globals& g) {
    auth::Credentials creds;
    auto o = clientOptions(g, &creds);
    row("credentials", creds.who() + (creds.source.empty() ? "" : ", from " + creds.source));
    row("endpoint", o.endpoint.baseUrl);
    if (o.tokens) {
        row("method", o.tokens->method());
        (void)o.tokens->token();
        row("token", "ok, valid until " + utc(o.tokens->expiry()));
    }
    BigQueryClient client(std::move(o));
    const auto project = requireProject(client);
    const auto start = std::chrono::steady_clock::now();
    const auto datasets = client.listAllDatasets(project);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    row("project", project);
    row("datasets", std::to_string(datasets.size()) + " (datasets.list answered in " + std::to_string(ms.count()) + " ms)");
    std::cout << "signed in: ok\n";
    return 0;
}

} // namespace quarry::cli
