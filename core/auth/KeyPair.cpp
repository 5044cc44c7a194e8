// SPDX-License-Identifier: MIT
#include "auth/KeyPair.h"

#include "auth/AuthError.h"
#include "auth/Credentials.h"
#include "crypto/Base64.h"
#include "crypto/Keys.h"
#include "value/Text.h"

#include "platform/File.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace quarry::auth {
namespace {

std::string shellQuote(const std::string& s) {
    if (s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%_+=:,./-") == std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

void writeFile(const std::filesystem::path& path, const std::string& content, bool overwrite, int mode) {
    std::error_code ec;
    if (!overwrite && std::filesystem::exists(path, ec))
        throw std::runtime_error(path.string() + " exists already; pass --force to replace it");
    const auto tmp = path.string() + ".tmp-" + text::hexEncode(crypto::randomBytes(6)); // no other writer's
    auto f = platform::File::open(tmp, platform::File::Mode::CreateNew, static_cast<unsigned>(mode));
    if (!f.isOpen()) throw std::runtime_error("cannot create " + tmp + ": " + platform::lastErrorText());
    f.setPermissions(static_cast<unsigned>(mode)); // whatever the umask says
    if (!f.writeAll(content) || !f.sync() || !f.close() || !platform::replaceFile(tmp, path)) {
        const std::string why = platform::lastErrorText();
        f.close();
        platform::removeFile(tmp);
        throw std::runtime_error("cannot write " + path.string() + ": " + why);
    }
}

} // namespace

void writePrivateFile(const std::filesystem::path& path, const std::string& content, bool overwrite) {
    writeFile(path, content, overwrite, 0600);
}

std::string uploadCommand(const std::string& email, const std::filesystem::path& certificate) {
    return "gcloud iam service-accounts keys upload " + shellQuote(certificate.string()) +
           " --iam-account=" + shellQuote(email.empty() ? "SERVICE_ACCOUNT_EMAIL" : email);
}

std::string uploadRestUrl(const std::string& email) {
    return "https://iam.googleapis.com/v1/projects/-/serviceAccounts/" + (email.empty() ? "SERVICE_ACCOUNT_EMAIL" : email) +
           "/keys:upload";
}

std::string uploadRestBody(const std::string& certificatePem) {
    return nlohmann::json{{"publicKeyData", crypto::base64(certificatePem)}}.dump();
}

KeyPairResult generateKeyPair(const std::filesystem::path& dir, const KeyPairOptions& o) {
    crypto::PrivateKey key = [&] {
        try {
            return crypto::PrivateKey::generate(o.bits);
        } catch (const crypto::CryptoError& e) {
            throw AuthError(e.kind() == crypto::CryptoError::Kind::WeakKey ? AuthError::Kind::WeakKey
                                                                           : AuthError::Kind::UnreadableKey,
                            e.what());
        }
    }();
    std::filesystem::create_directories(dir);
    KeyPairResult r;
    r.privateKey = dir / "private_key.pem";
    r.certificate = dir / "public_cert.pem";
    std::error_code ec;
    if (!o.overwrite && (std::filesystem::exists(r.privateKey, ec) || std::filesystem::exists(r.certificate, ec)))
        throw std::runtime_error("a key pair exists already in " + dir.string() + "; pass --force to replace it");
    const auto cert = crypto::selfSignedCertificate(key, o.commonName, o.days);
    auto pem = key.toPkcs8Pem(o.passphrase);
    writePrivateFile(r.privateKey, pem, o.overwrite);
    crypto::wipe(pem);
    writeFile(r.certificate, cert, o.overwrite, 0644);
    r.info = crypto::inspectCertificate(cert);
    r.gcloudCommand = uploadCommand(o.accountEmail, r.certificate);
    r.restUrl = uploadRestUrl(o.accountEmail);
    r.restBody = uploadRestBody(cert);
    r.restBodyFile = dir / "keys-upload.json";
    writeFile(r.restBodyFile, r.restBody + "\n", true, 0644);
    return r;
}

void checkCertificateMatches(const crypto::PrivateKey& key, const std::string& certificatePem, const std::string& name) {
    crypto::CertificateInfo info;
    try {
        info = crypto::inspectCertificate(certificatePem);
    } catch (const crypto::CryptoError& e) {
        throw AuthError(AuthError::Kind::WrongFileType, name + ": " + e.what());
    }
    const auto mine = crypto::fingerprint(key.publicKeyDer());
    if (info.publicKeyFingerprint != mine)
        throw AuthError(AuthError::Kind::WrongFileType,
                        name + " is the certificate of another key: its public key is " + info.publicKeyFingerprint +
                            ", the private key's is " + mine);
}

std::string keyFileJson(const std::string& privateKeyPem, const std::string& email, const std::string& keyId,
                        const std::string& tokenUri) {
    std::string project;
    if (const auto at = email.find('@'), dot = email.find(".iam.gserviceaccount.com");
        at != std::string::npos && dot != std::string::npos && dot > at)
        project = email.substr(at + 1, dot - at - 1);
    nlohmann::json j = {{"type", "service_account"},
                        {"project_id", project},
                        {"private_key_id", keyId},
                        {"private_key", privateKeyPem},
                        {"client_email", email},
                        {"token_uri", tokenUri.empty() ? std::string(kGoogleTokenUri) : tokenUri},
                        {"universe_domain", "googleapis.com"}};
    return j.dump(2) + "\n";
}

} // namespace quarry::auth
