// SPDX-License-Identifier: MIT
#include "crypto/Digest.h"

#include "value/Text.h"

#include <algorithm>
#include <openssl/evp.h>
#include <stdexcept>

namespace quarry::crypto {

struct Sha256::Ctx {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
    if (!ctx_->md || !EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr)) throw std::runtime_error("SHA-256 is not available");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::string_view bytes) {
    if (!bytes.empty()) EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size());
}

std::string Sha256::hex() const {
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const bool ok = copy && EVP_MD_CTX_copy_ex(copy, ctx_->md) && EVP_DigestFinal_ex(copy, md, &len);
    EVP_MD_CTX_free(copy);
    if (!ok) throw std::runtime_error("SHA-256 failed");
    return text::hexEncode({reinterpret_cast<const char*>(md), len});
}

std::string sha256Hex(std::string_view bytes, std::size_t digits) {
    // Called once per uploaded row: the algorithm is fetched once and each thread reuses its
    // context (EVP_Digest fetches and allocates on every call, which cost half the upload's time).
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    struct Ctx {
        EVP_MD_CTX* p = EVP_MD_CTX_new();
        ~Ctx() { EVP_MD_CTX_free(p); }
    };
    thread_local Ctx ctx;
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!md || !ctx.p || !EVP_DigestInit_ex2(ctx.p, md, nullptr) || !EVP_DigestUpdate(ctx.p, bytes.data(), bytes.size()) ||
        !EVP_DigestFinal_ex(ctx.p, out, &len))
        throw std::runtime_error("SHA-256 failed");
    std::string hex = text::hexEncode({reinterpret_cast<const char*>(out), std::min<std::size_t>(len, (digits + 1) / 2)});
    hex.resize(std::min(hex.size(), digits));
    return hex;
}

} // namespace quarry::crypto
