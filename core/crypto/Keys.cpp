// SPDX-License-Identifier: MIT
#include "crypto/Keys.h"
#include "value/Civil.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <ctime>

namespace quarry::crypto {
namespace {

using Kind = CryptoError::Kind;

/// The first queued OpenSSL error as text (reason only: never data), and clears the queue.
std::string sslReason() {
    const unsigned long e = ERR_peek_last_error();
    std::string r;
    if (e) {
        const char* reason = ERR_reason_error_string(e);
        r = reason ? reason : "error " + std::to_string(ERR_GET_REASON(e));
    }
    ERR_clear_error();
    return r;
}

[[noreturn]] void fail(Kind k, const std::string& what) {
    const auto reason = sslReason();
    throw CryptoError(k, reason.empty() ? what : what + " (" + reason + ")");
}

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

Bio memIn(std::string_view s) { return Bio(BIO_new_mem_buf(s.data(), static_cast<int>(s.size()))); }
Bio memOut() { return Bio(BIO_new(BIO_s_mem())); }
std::string drain(BIO* b) {
    char* p = nullptr;
    const long n = BIO_get_mem_data(b, &p);
    return std::string(p, static_cast<std::size_t>(n));
}

std::shared_ptr<void> own(EVP_PKEY* k) {
    return std::shared_ptr<void>(k, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}
EVP_PKEY* pk(const std::shared_ptr<void>& p) { return static_cast<EVP_PKEY*>(p.get()); }

void requireRsa(EVP_PKEY* k, const char* what) {
    if (!EVP_PKEY_is_a(k, "RSA"))
        throw CryptoError(Kind::NotRsa, std::string(what) + " is not an RSA key (" + EVP_PKEY_get0_type_name(k) +
                                            "); Google service-account keys are RSA");
}

struct Passphrase {
    std::string_view text;
    bool asked = false;
};

int passphraseCallback(char* buf, int size, int, void* u) {
    auto* p = static_cast<Passphrase*>(u);
    p->asked = true;
    if (p->text.empty() || static_cast<int>(p->text.size()) > size) return -1;
    std::memcpy(buf, p->text.data(), p->text.size());
    return static_cast<int>(p->text.size());
}

std::string derOf(EVP_PKEY* k) {
    unsigned char* out = nullptr;
    const int n = i2d_PUBKEY(k, &out);
    if (n <= 0) fail(Kind::Other, "cannot encode the public key");
    std::string der(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
    OPENSSL_free(out);
    return der;
}

std::string isoTime(const ASN1_TIME* t, std::chrono::system_clock::time_point* tp = nullptr) {
    std::tm tm{};
    if (!ASN1_TIME_to_tm(t, &tm)) return {};
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (tp) {
        const std::int64_t days = civil::daysFromCivil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1), static_cast<unsigned>(tm.tm_mday));
        *tp = std::chrono::system_clock::time_point(std::chrono::seconds(days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec));
    }
    return buf;
}

void loadLegacyProvider() {
    // Loading any provider explicitly turns off the implicit default one: load both, and
    // unload them at exit (LeakSanitizer counts what is left).
    struct Providers {
        OSSL_PROVIDER* legacy = OSSL_PROVIDER_load(nullptr, "legacy");
        OSSL_PROVIDER* fallback = OSSL_PROVIDER_load(nullptr, "default");
        ~Providers() {
            if (legacy) OSSL_PROVIDER_unload(legacy);
            if (fallback) OSSL_PROVIDER_unload(fallback);
        }
    };
    static Providers providers;
}

} // namespace

PrivateKey PrivateKey::generate(int bits) {
    if (bits < kMinRsaBits)
        throw CryptoError(Kind::WeakKey, "an RSA key of " + std::to_string(bits) + " bits is too weak; use 2048 or more");
    if (bits > 16384) throw CryptoError(Kind::BadFormat, "RSA keys above 16384 bits are not supported");
    EVP_PKEY* k = EVP_RSA_gen(static_cast<unsigned>(bits));
    if (!k) fail(Kind::Other, "RSA key generation failed");
    return PrivateKey(own(k));
}

PrivateKey PrivateKey::fromPem(std::string_view pem, std::string_view passphrase) {
    if (pem.find("-----BEGIN") == std::string_view::npos || pem.find("PRIVATE KEY-----") == std::string_view::npos)
        throw CryptoError(Kind::BadFormat, "no PEM private key (expected a '-----BEGIN PRIVATE KEY-----' block)");
    Passphrase p{passphrase};
    auto bio = memIn(pem);
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, passphraseCallback, &p);
    if (!k) {
        const bool encrypted = pem.find("ENCRYPTED") != std::string_view::npos;
        if (encrypted && passphrase.empty()) {
            ERR_clear_error();
            throw CryptoError(Kind::NeedPassphrase, "the private key is encrypted: a passphrase is needed");
        }
        if (encrypted) fail(Kind::WrongPassword, "the passphrase does not decrypt the private key");
        fail(Kind::BadFormat, "the PEM private key cannot be read");
    }
    auto key = own(k);
    requireRsa(k, "the private key");
    if (EVP_PKEY_get_bits(k) < kMinRsaBits)
        throw CryptoError(Kind::WeakKey, "the private key has only " + std::to_string(EVP_PKEY_get_bits(k)) +
                                             " bits; Quarry needs RSA keys of 2048 bits or more");
    return PrivateKey(key);
}

PrivateKey::P12Contents PrivateKey::fromP12(std::string_view der, std::string_view password) {
    auto bio = memIn(der);
    std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(d2i_PKCS12_bio(bio.get(), nullptr), PKCS12_free);
    if (!p12) fail(Kind::BadFormat, "not a PKCS#12 (.p12) file");
    const std::string pass(password);
    if (PKCS12_mac_present(p12.get()) && !PKCS12_verify_mac(p12.get(), pass.c_str(), -1)) {
        ERR_clear_error();
        throw CryptoError(Kind::WrongPassword,
                          "the password does not open this .p12 file (Google's .p12 keys use 'notasecret')");
    }
    EVP_PKEY* k = nullptr;
    X509* cert = nullptr;
    if (!PKCS12_parse(p12.get(), pass.c_str(), &k, &cert, nullptr)) {
        ERR_clear_error();
        loadLegacyProvider(); // RC2-40 and 3DES live in OpenSSL 3's legacy provider
        if (!PKCS12_parse(p12.get(), pass.c_str(), &k, &cert, nullptr))
            fail(Kind::BadFormat, "the .p12 file cannot be decrypted");
    }
    std::unique_ptr<X509, decltype(&X509_free)> c(cert, X509_free);
    if (!k) throw CryptoError(Kind::BadFormat, "the .p12 file holds no private key");
    auto key = own(k);
    requireRsa(k, "the .p12 key");
    if (EVP_PKEY_get_bits(k) < kMinRsaBits)
        throw CryptoError(Kind::WeakKey, "the .p12 key has only " + std::to_string(EVP_PKEY_get_bits(k)) +
                                             " bits; Quarry needs RSA keys of 2048 bits or more");
    P12Contents out{PrivateKey(key), {}};
    if (c) {
        auto o = memOut();
        PEM_write_bio_X509(o.get(), c.get());
        out.certificatePem = drain(o.get());
    }
    return out;
}

int PrivateKey::bits() const { return EVP_PKEY_get_bits(pk(key_)); }

std::string PrivateKey::toPkcs8Pem(std::string_view passphrase) const {
    auto o = memOut();
    const EVP_CIPHER* cipher = passphrase.empty() ? nullptr : EVP_aes_256_cbc();
    std::string pass(passphrase);
    const int ok = PEM_write_bio_PKCS8PrivateKey(o.get(), pk(key_), cipher, pass.empty() ? nullptr : pass.data(),
                                                 static_cast<int>(pass.size()), nullptr, nullptr);
    wipe(pass);
    if (!ok) fail(Kind::Other, "cannot write the private key");
    return drain(o.get());
}

std::string PrivateKey::publicKeyDer() const { return derOf(pk(key_)); }

std::string PrivateKey::publicKeyPem() const {
    auto o = memOut();
    if (!PEM_write_bio_PUBKEY(o.get(), pk(key_))) fail(Kind::Other, "cannot write the public key");
    return drain(o.get());
}

std::string PrivateKey::signSha256(std::string_view data) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pk(key_))) fail(Kind::Other, "cannot sign");
    std::size_t n = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    if (!EVP_DigestSign(ctx.get(), nullptr, &n, in, data.size())) fail(Kind::Other, "cannot sign");
    std::string sig(n, '\0');
    if (!EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n, in, data.size()))
        fail(Kind::Other, "cannot sign");
    sig.resize(n);
    return sig;
}

PublicKey PublicKey::fromPem(std::string_view pem) {
    auto bio = memIn(pem);
    EVP_PKEY* k = nullptr;
    if (isCertificatePem(pem)) {
        std::unique_ptr<X509, decltype(&X509_free)> c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
        if (!c) fail(Kind::BadFormat, "the certificate cannot be read");
        k = X509_get_pubkey(c.get());
    } else if (pem.find("-----BEGIN PUBLIC KEY-----") != std::string_view::npos) {
        k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    } else {
        throw CryptoError(Kind::BadFormat, "expected a PEM certificate or public key");
    }
    if (!k) fail(Kind::BadFormat, "the public key cannot be read");
    auto key = own(k);
    requireRsa(k, "the public key");
    return PublicKey(key);
}

PublicKey PublicKey::of(const PrivateKey& k) {
    EVP_PKEY* p = static_cast<EVP_PKEY*>(k.native());
    EVP_PKEY_up_ref(p);
    return PublicKey(own(p));
}

int PublicKey::bits() const { return EVP_PKEY_get_bits(pk(key_)); }
std::string PublicKey::der() const { return derOf(pk(key_)); }

bool PublicKey::verifySha256(std::string_view data, std::string_view signature) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pk(key_))) {
        ERR_clear_error();
        return false;
    }
    const int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                    reinterpret_cast<const unsigned char*>(data.data()), data.size());
    ERR_clear_error();
    return ok == 1;
}

std::string selfSignedCertificate(const PrivateKey& key, std::string_view commonName, int days) {
    if (days < 1 || days > 36500) throw CryptoError(Kind::BadFormat, "certificate validity must be 1 to 36500 days");
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    auto* k = static_cast<EVP_PKEY*>(key.native());
    X509_set_version(x.get(), 2); // v3
    // A positive random 127-bit serial (RFC 5280 allows up to 20 octets).
    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
    BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get()));
    X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), static_cast<long>(days) * 86400L);
    X509_set_pubkey(x.get(), k);
    X509_NAME* name = X509_get_subject_name(x.get());
    const std::string cn(commonName);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
    // What `openssl req -x509` adds (Google's documented way to make such a certificate).
    for (auto [nid, value] : {std::pair{NID_subject_key_identifier, "hash"},
                              std::pair{NID_authority_key_identifier, "keyid:always"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (!ext) fail(Kind::Other, "cannot build the certificate's extensions");
        X509_add_ext(x.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (!X509_sign(x.get(), k, EVP_sha256())) fail(Kind::Other, "cannot sign the certificate");
    auto o = memOut();
    PEM_write_bio_X509(o.get(), x.get());
    return drain(o.get());
}

bool isCertificatePem(std::string_view text) { return text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos; }

CertificateInfo inspectCertificate(std::string_view pem) {
    auto bio = memIn(pem);
    std::unique_ptr<X509, decltype(&X509_free)> x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    if (!x) fail(Kind::BadFormat, "not a PEM certificate");
    CertificateInfo info;
    char buf[512];
    X509_NAME_oneline(X509_get_subject_name(x.get()), buf, sizeof buf);
    info.subject = buf[0] == '/' ? buf + 1 : buf;
    info.version = static_cast<int>(X509_get_version(x.get())) + 1;
    info.notBefore = isoTime(X509_get0_notBefore(x.get()));
    info.notAfter = isoTime(X509_get0_notAfter(x.get()), &info.notAfterTime);
    unsigned char* der = nullptr;
    const int n = i2d_X509(x.get(), &der);
    if (n > 0) {
        info.fingerprint = fingerprint(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(n)));
        OPENSSL_free(der);
    }
    EVP_PKEY* k = X509_get0_pubkey(x.get());
    if (k) {
        info.publicKeyFingerprint = fingerprint(derOf(k));
        info.bits = EVP_PKEY_get_bits(k);
    }
    ERR_clear_error();
    return info;
}

std::string sha256(std::string_view bytes) {
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<char*>(md), n);
}

std::string digest(const char* algorithm, std::string_view bytes) {
    const EVP_MD* md = EVP_get_digestbyname(algorithm);
    if (!md) throw std::invalid_argument(std::string("unknown digest ") + algorithm);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(bytes.data(), bytes.size(), out, &n, md, nullptr);
    return std::string(reinterpret_cast<char*>(out), n);
}

std::string fingerprint(std::string_view der) {
    static constexpr char hex[] = "0123456789ABCDEF";
    const auto d = sha256(der);
    std::string out;
    for (std::size_t i = 0; i < d.size(); ++i) {
        if (i) out.push_back(':');
        out.push_back(hex[static_cast<unsigned char>(d[i]) >> 4]);
        out.push_back(hex[static_cast<unsigned char>(d[i]) & 15]);
    }
    return out;
}

std::string randomBytes(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        fail(Kind::Other, "the random number generator failed");
    return out;
}

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

} // namespace quarry::crypto
