// SPDX-License-Identifier: MIT
#include "crypto/Fingerprint.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdio>
#include <stdexcept>

namespace quarry::crypto {

struct Fingerprint::State {
    XXH3_state_t s;
};

Fingerprint::Fingerprint() : state_(std::make_unique<State>()) {
    if (XXH3_128bits_reset(&state_->s) != XXH_OK) throw std::runtime_error("XXH3 cannot start");
}
Fingerprint::~Fingerprint() = default;
Fingerprint::Fingerprint(Fingerprint&&) noexcept = default;
Fingerprint& Fingerprint::operator=(Fingerprint&&) noexcept = default;

void Fingerprint::update(std::string_view bytes) {
    if (!bytes.empty()) XXH3_128bits_update(&state_->s, bytes.data(), bytes.size());
}

std::string Fingerprint::hex() const {
    const XXH128_hash_t h = XXH3_128bits_digest(&state_->s);
    char out[33];
    std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                  static_cast<unsigned long long>(h.low64));
    return out;
}

} // namespace quarry::crypto
