// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace quarry::auth {

/// Sign-in failed. The text says which file or endpoint, what was wrong and what to do; it
/// never holds key material or tokens.
class AuthError : public std::runtime_error {
public:
    enum class Kind {
        NoCredentials,  ///< nothing found where ADC looks
        WrongFileType,  ///< not a key file, or a type Quarry cannot use
        UnreadableKey,  ///< missing, unreadable or corrupt key
        NeedPassphrase, ///< an encrypted key and no passphrase
        WrongPassword,  ///< wrong P12 password or PEM passphrase
        WeakKey,        ///< RSA below 2048 bits
        InvalidGrant,   ///< the token endpoint refused the key or refresh token
        InvalidClient,  ///< unknown or disabled OAuth client, scope or delegation refused
        TokenEndpoint,  ///< the token endpoint failed (5xx, bad answer) after retries
        UntrustedEndpoint, ///< Google credentials would go to an endpoint that is not Google's
    };
    AuthError(Kind k, const std::string& what) : std::runtime_error(what), kind_(k) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

} // namespace quarry::auth
