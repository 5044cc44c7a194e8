// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace quarry::crypto {

/// SHA-256 over data given in pieces (a file as it is read). Movable, not copyable.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    void update(std::string_view bytes);
    /// The digest so far as lower-case hex (64 digits); the object can go on being updated.
    std::string hex() const;

private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
};

/// A file's identity (upload::FileIdentity::id) from the SHA-256 (hex) of its bytes.
inline std::string identityDigits(const std::string& sha256Hex) { return sha256Hex.substr(0, 32); }

/// The first `digits` hex digits of SHA-256(bytes): a short, stable hash of a small text.
std::string sha256Hex(std::string_view bytes, std::size_t digits = 64);

} // namespace quarry::crypto
