// SPDX-License-Identifier: MIT
// Keys, certificates, fingerprints and JWTs, checked against the openssl command-line tool
// so the formats are right, not only self-consistent.
#include "RunCommand.h"
#include "TestData.h"
#include "crypto/Base64.h"
#include "crypto/Jwt.h"
#include "crypto/Keys.h"
#include "platform/System.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace quarry::crypto;
using quarry::test::runCommand;
namespace fs = std::filesystem;

namespace {

struct Scratch {
    fs::path dir;
    Scratch() {
        dir = fs::temp_directory_path() / ("quarry-crypto-" + std::to_string(quarry::platform::processId()) + "-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir);
    }
    ~Scratch() { fs::remove_all(dir); }
    std::string file(const std::string& name, const std::string& content) const {
        const auto p = dir / name;
        std::ofstream(p, std::ios::binary) << content;
        return p.string();
    }
    std::string path(const std::string& name) const { return (dir / name).string(); }
};

/// One key for the whole suite: RSA generation takes a while.
const PrivateKey& key() {
    static const PrivateKey k = PrivateKey::generate(2048);
    return k;
}

std::string upperColonHex(std::string s) {
    // "SHA2-256(stdin)= ab:cd:..." -> "AB:CD:..."
    s = s.substr(s.find("= ") + 2);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

} // namespace

TEST(Base64, RoundTripsBothAlphabetsAndRejectsJunk) {
    std::mt19937 rng(7);
    for (int n = 0; n < 70; ++n) {
        std::string bytes(static_cast<std::size_t>(n), '\0');
        for (auto& b : bytes) b = static_cast<char>(rng());
        EXPECT_EQ(decodeBase64(base64(bytes)), bytes);
        EXPECT_EQ(decodeBase64(base64url(bytes)), bytes);
        EXPECT_EQ(base64url(bytes).find('='), std::string::npos);
    }
    EXPECT_EQ(base64("any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw==");
    EXPECT_FALSE(decodeBase64("a b="));
    EXPECT_FALSE(decodeBase64("abcde"));
    EXPECT_FALSE(decodeBase64("ab*d"));
}

TEST(Keys, RefusesWeakKeysEverywhere) {
    try {
        PrivateKey::generate(1024);
        FAIL() << "a 1024-bit key was generated";
    } catch (const CryptoError& e) {
        EXPECT_EQ(e.kind(), CryptoError::Kind::WeakKey);
        EXPECT_NE(std::string(e.what()).find("2048"), std::string::npos) << e.what();
    }
    Scratch s;
    ASSERT_EQ(runCommand("openssl genrsa -out " + s.path("weak.pem") + " 1024").code, 0);
    try {
        PrivateKey::fromPem(quarry::test::readFile(s.path("weak.pem")));
        FAIL() << "a 1024-bit key was loaded";
    } catch (const CryptoError& e) {
        EXPECT_EQ(e.kind(), CryptoError::Kind::WeakKey);
        EXPECT_NE(std::string(e.what()).find("1024 bits"), std::string::npos) << e.what();
    }
}

TEST(Keys, Pkcs8RoundTripPlainAndEncrypted) {
    const auto plain = key().toPkcs8Pem();
    EXPECT_NE(plain.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    EXPECT_EQ(PrivateKey::fromPem(plain).publicKeyDer(), key().publicKeyDer());

    const auto enc = key().toPkcs8Pem("correct horse");
    EXPECT_NE(enc.find("-----BEGIN ENCRYPTED PRIVATE KEY-----"), std::string::npos);
    EXPECT_EQ(PrivateKey::fromPem(enc, "correct horse").publicKeyDer(), key().publicKeyDer());
    try {
        PrivateKey::fromPem(enc);
        FAIL();
    } catch (const CryptoError& e) {
        EXPECT_EQ(e.kind(), CryptoError::Kind::NeedPassphrase);
    }
    try {
        PrivateKey::fromPem(enc, "wrong horse");
        FAIL();
    } catch (const CryptoError& e) {
        EXPECT_EQ(e.kind(), CryptoError::Kind::WrongPassword);
        EXPECT_EQ(std::string(e.what()).find("horse"), std::string::npos) << "a passphrase in an error: " << e.what();
    }
    // openssl reads both files: the format is standard PKCS#8.
    Scratch s;
    EXPECT_EQ(runCommand("openssl pkey -noout -in " + s.file("p.pem", plain)).code, 0);
    EXPECT_EQ(runCommand("openssl pkey -noout -passin pass:'correct horse' -in " + s.file("e.pem", enc)).code, 0);
    // PKCS#1 ("RSA PRIVATE KEY") from openssl loads too.
    ASSERT_EQ(runCommand("openssl genrsa -traditional -out " + s.path("rsa.pem") + " 2048").code, 0);
    EXPECT_NE(quarry::test::readFile(s.path("rsa.pem")).find("BEGIN RSA PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(PrivateKey::fromPem(quarry::test::readFile(s.path("rsa.pem"))).bits(), 2048);
}

TEST(Keys, GarbageGivesBadFormatNotACrash) {
    for (const std::string& junk : std::vector<std::string>{"", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                                   "-----BEGIN PRIVATE KEY-----\n", std::string(5000, '-')}) {
        try {
            PrivateKey::fromPem(junk);
            FAIL() << junk;
        } catch (const CryptoError& e) {
            EXPECT_EQ(e.kind(), CryptoError::Kind::BadFormat) << e.what();
        }
        EXPECT_THROW(PublicKey::fromPem(junk), CryptoError);
        EXPECT_THROW(inspectCertificate(junk), CryptoError);
        EXPECT_THROW(PrivateKey::fromP12(junk, "notasecret"), CryptoError);
    }
}

TEST(Certificates, SelfSignedV3ThatOpensslReadsWithTheSameFingerprints) {
    Scratch s;
    const auto pem = selfSignedCertificate(key(), "unused", 30);
    const auto cert = s.file("cert.pem", pem);
    const auto info = inspectCertificate(pem);
    EXPECT_EQ(info.version, 3);
    EXPECT_EQ(info.subject, "CN=unused");
    EXPECT_EQ(info.bits, 2048);
    EXPECT_EQ(info.publicKeyFingerprint, fingerprint(key().publicKeyDer()));

    const auto text = runCommand("openssl x509 -noout -text -in " + cert);
    ASSERT_EQ(text.code, 0) << text.out;
    EXPECT_NE(text.out.find("Version: 3 (0x2)"), std::string::npos);
    EXPECT_NE(text.out.find("sha256WithRSAEncryption"), std::string::npos);
    EXPECT_NE(text.out.find("Subject: CN = unused"), std::string::npos);
    // Self-signed: it verifies against itself.
    const auto verify = runCommand("openssl verify -CAfile " + cert + " " + cert);
    EXPECT_EQ(verify.code, 0) << verify.out;

    const auto fp = runCommand("openssl x509 -noout -fingerprint -sha256 -in " + cert);
    ASSERT_EQ(fp.code, 0);
    EXPECT_NE(fp.out.find("=" + info.fingerprint), std::string::npos) << fp.out << " vs " << info.fingerprint;
    const auto keyFp = runCommand("openssl x509 -noout -pubkey -in " + cert +
                                  " | openssl pkey -pubin -outform DER | openssl dgst -sha256 -c");
    ASSERT_EQ(keyFp.code, 0);
    EXPECT_EQ(upperColonHex(keyFp.out), info.publicKeyFingerprint);
    EXPECT_EQ(PublicKey::fromPem(pem).der(), key().publicKeyDer());
}

TEST(Jwt, SignedTokensVerifyWithOpensslAgainstTheCertificate) {
    Scratch s;
    const auto cert = s.file("cert.pem", selfSignedCertificate(key(), "unused", 1));
    const nlohmann::json claims = {{"iss", "sa@p.iam.gserviceaccount.com"}, {"aud", "https://bigquery.googleapis.com/"},
                                   {"iat", 1700000000}, {"exp", 1700003600}};
    const auto token = signJwt(claims, key(), "kid-1");
    const auto jwt = decodeJwt(token);
    EXPECT_EQ(jwt.header, (nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "kid-1"}}));
    EXPECT_EQ(jwt.claims, claims);
    EXPECT_TRUE(PublicKey::fromPem(quarry::test::readFile(cert)).verifySha256(jwt.signingInput, jwt.signature));

    s.file("input", jwt.signingInput);
    s.file("sig", jwt.signature);
    ASSERT_EQ(runCommand("openssl x509 -noout -pubkey -in " + cert + " > " + s.path("pub.pem")).code, 0);
    const auto ok = runCommand("openssl dgst -sha256 -verify " + s.path("pub.pem") + " -signature " + s.path("sig") +
                               " " + s.path("input"));
    EXPECT_EQ(ok.code, 0) << ok.out;
    EXPECT_NE(ok.out.find("Verified OK"), std::string::npos) << ok.out;

    // One changed byte anywhere and neither openssl nor Quarry accepts it.
    auto tampered = jwt.signingInput;
    tampered[tampered.size() / 2] ^= 1;
    s.file("input", tampered);
    EXPECT_NE(runCommand("openssl dgst -sha256 -verify " + s.path("pub.pem") + " -signature " + s.path("sig") + " " +
                         s.path("input")).code, 0);
    EXPECT_FALSE(PublicKey::of(key()).verifySha256(tampered, jwt.signature));
}

TEST(Jwt, DecodeSaysWhichPartIsBroken) {
    const auto check = [](const std::string& t, const std::string& expected) {
        try {
            decodeJwt(t);
            FAIL() << t;
        } catch (const CryptoError& e) {
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
        }
    };
    check("abc", "three");
    check("a.b.c.d", "three");
    check("!!.e30.AA", "header is not base64url");
    check(base64url("[1]") + ".e30.AA", "header is not a JSON object");
    check("e30." + base64url("nul") + ".AA", "claims is not a JSON object");
    check("e30.e30.A*", "signature is not base64url");
    EXPECT_FALSE(looksLikeJwt("ya29.a.b"));
    EXPECT_TRUE(looksLikeJwt("e30.e30.AA"));
}

TEST(P12, LoadsModernAndLegacyFilesAndRefusesAWrongPassword) {
    Scratch s;
    const auto keyPem = s.file("k.pem", key().toPkcs8Pem());
    const auto cert = s.file("c.pem", selfSignedCertificate(key(), "unused", 1));
    // Google's .p12 keys use "notasecret"; older files use RC2-40, which needs OpenSSL 3's
    // legacy provider.
    ASSERT_EQ(runCommand("openssl pkcs12 -export -inkey " + keyPem + " -in " + cert + " -passout pass:notasecret -out " +
                         s.path("modern.p12")).code, 0);
    ASSERT_EQ(runCommand("openssl pkcs12 -export -legacy -inkey " + keyPem + " -in " + cert +
                         " -passout pass:notasecret -out " + s.path("legacy.p12")).code, 0);
    for (const char* name : {"modern.p12", "legacy.p12"}) {
        const auto p12 = PrivateKey::fromP12(quarry::test::readFile(s.path(name)), "notasecret");
        EXPECT_EQ(p12.key.publicKeyDer(), key().publicKeyDer()) << name;
        EXPECT_EQ(inspectCertificate(p12.certificatePem).publicKeyFingerprint, fingerprint(key().publicKeyDer())) << name;
        try {
            PrivateKey::fromP12(quarry::test::readFile(s.path(name)), "notsecret");
            FAIL() << name;
        } catch (const CryptoError& e) {
            EXPECT_EQ(e.kind(), CryptoError::Kind::WrongPassword) << name;
            EXPECT_NE(std::string(e.what()).find("password"), std::string::npos);
        }
    }
}
