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
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr)) throw std::runtime_error("SHA-256 failed");
    std::string out = text::hexEncode({reinterpret_cast<const char*>(md), std::min<std::size_t>(len, (digits + 1) / 2)});
    out.resize(std::min(out.size(), digits));
    return out;
}

} // namespace quarry::crypto
