// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace quarry::crypto {

/// XXH3-128 (Debian's libxxhash, header-only here) over data given in pieces: a fast content
/// fingerprint to tell whether a file read again is the file read before. Not a defence against
/// someone crafting collisions: identities that must resist that use Sha256. Movable.
class Fingerprint {
public:
    Fingerprint();
    ~Fingerprint();
    Fingerprint(Fingerprint&&) noexcept;
    Fingerprint& operator=(Fingerprint&&) noexcept;

    void update(std::string_view bytes);
    /// The fingerprint so far as lower-case hex (32 digits); the object can go on being updated.
    std::string hex() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace quarry::crypto
