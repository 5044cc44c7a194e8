// SPDX-License-Identifier: MIT
#include "auth/Credentials.h"

#include "platform/File.h"

#include "value/JsonParse.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace quarry::auth {
namespace {

using K = AuthError::Kind;

std::string readAll(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::error_code ec;
        const bool exists = std::filesystem::exists(p, ec);
        throw AuthError(K::UnreadableKey, p.string() + (exists ? ": cannot be read (check its permissions)"
                                                                : ": no such file"));
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string member(const nlohmann::json& j, const char* name) {
    const auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string required(const nlohmann::json& j, const char* name, const std::string& source) {
    auto v = member(j, name);
    if (v.empty())
        throw AuthError(K::UnreadableKey, source + ": the key file has no \"" + std::string(name) +
                                              "\"; it may be damaged. Download a new key for the service account.");
    return v;
}

AuthError fromCrypto(const crypto::CryptoError& e, const std::string& source) {
    using C = crypto::CryptoError::Kind;
    switch (e.kind()) {
    case C::NeedPassphrase:
        return AuthError(K::NeedPassphrase, source + ": " + e.what() + " (pass it with --passphrase-file)");
    case C::WrongPassword: return AuthError(K::WrongPassword, source + ": " + e.what());
    case C::WeakKey: return AuthError(K::WeakKey, source + ": " + e.what());
    default: return AuthError(K::UnreadableKey, source + ": " + e.what());
    }
}

std::shared_ptr<const crypto::PrivateKey> pemKey(std::string_view pem, const std::string& source,
                                                 const KeyFileOptions& o) {
    try {
        return std::make_shared<const crypto::PrivateKey>(crypto::PrivateKey::fromPem(pem, o.passphrase));
    } catch (const crypto::CryptoError& e) {
        throw fromCrypto(e, source);
    }
}

std::string projectOfEmail(std::string_view email) {
    // sa@PROJECT.iam.gserviceaccount.com
    const auto at = email.find('@');
    const auto suffix = email.find(".iam.gserviceaccount.com");
    if (at == std::string_view::npos || suffix == std::string_view::npos || suffix <= at) return {};
    return std::string(email.substr(at + 1, suffix - at - 1));
}

Credentials bareKey(std::shared_ptr<const crypto::PrivateKey> key, const std::string& source, const KeyFileOptions& o,
                    const char* kind) {
    if (o.accountEmail.empty())
        throw AuthError(K::WrongFileType, source + ": a " + kind +
                                              " does not name its service account; pass the account's email "
                                              "with --key-email");
    Credentials c;
    c.type = Credentials::Type::ServiceAccount;
    c.source = source;
    ServiceAccount sa;
    sa.clientEmail = o.accountEmail;
    sa.keyId = o.keyId;
    if (!o.tokenUri.empty()) sa.tokenUri = o.tokenUri;
    sa.projectId = projectOfEmail(o.accountEmail);
    sa.key = std::move(key);
    c.serviceAccount = std::move(sa);
    return c;
}

} // namespace

AuthorizedUser::~AuthorizedUser() {
    crypto::wipe(clientSecret);
    crypto::wipe(refreshToken);
}

std::string Credentials::projectId() const {
    if (serviceAccount) return serviceAccount->projectId;
    if (user) return user->quotaProjectId;
    return {};
}

std::string Credentials::who() const {
    switch (type) {
    case Type::None: return "no credentials (anonymous, for the sandbox and emulators)";
    case Type::ServiceAccount: {
        std::string s = serviceAccount->clientEmail + " (service-account key";
        if (!serviceAccount->keyId.empty()) s += " " + serviceAccount->keyId.substr(0, 12);
        return s + ")";
    }
    case Type::AuthorizedUser: {
        const auto& id = user->clientId;
        return "user credentials of OAuth client " + (id.size() > 24 ? id.substr(0, 24) + "…" : id);
    }
    }
    return {};
}

std::string permissionWarning(const std::filesystem::path& path) {
    if (const auto how = platform::readableByOthers(path))
        return path.string() + " can be read by other users (" + *how + "): " + platform::ownerOnlyAdvice(path);
    return {};
}

Credentials parseCredentialsJson(std::string_view text, const std::string& source, const KeyFileOptions& o) {
    const auto j = parseJsonOrDiscard(text);
    if (j.is_discarded() || !j.is_object())
        throw AuthError(K::WrongFileType, source + ": not a key file (it is not a JSON object). Expected a "
                                                   "service-account key (.json or .p12) or gcloud's ADC file.");
    const auto type = member(j, "type");
    Credentials c;
    c.source = source;
    if (type == "service_account") {
        c.type = Credentials::Type::ServiceAccount;
        ServiceAccount sa;
        sa.clientEmail = required(j, "client_email", source);
        sa.keyId = member(j, "private_key_id");
        sa.projectId = member(j, "project_id");
        if (auto t = member(j, "token_uri"); !t.empty()) sa.tokenUri = t;
        if (auto u = member(j, "universe_domain"); !u.empty()) sa.universeDomain = u;
        auto pem = required(j, "private_key", source);
        sa.key = pemKey(pem, source, o);
        crypto::wipe(pem);
        c.serviceAccount = std::move(sa);
        return c;
    }
    if (type == "authorized_user") {
        c.type = Credentials::Type::AuthorizedUser;
        AuthorizedUser u;
        u.clientId = required(j, "client_id", source);
        u.clientSecret = required(j, "client_secret", source);
        u.refreshToken = required(j, "refresh_token", source);
        u.quotaProjectId = member(j, "quota_project_id");
        if (auto t = member(j, "token_uri"); !t.empty()) u.tokenUri = t;
        c.user = std::move(u);
        return c;
    }
    if (type.empty())
        throw AuthError(K::WrongFileType, source + ": JSON, but not a Google credentials file (it has no \"type\"). "
                                                   "Expected a service-account key or gcloud's ADC file.");
    throw AuthError(K::WrongFileType,
                    source + ": credentials of type \"" + type +
                        "\" are not supported; use a service-account key, a key pair made with `quarry-cli key "
                        "generate`, or `gcloud auth application-default login`");
}

Credentials loadKeyFile(const std::filesystem::path& path, const KeyFileOptions& o) {
    const std::string source = path.string();
    auto bytes = readAll(path);
    Credentials c;
    const auto first = bytes.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    if (first != std::string::npos && (bytes[first] == '{' || bytes[first] == '[')) {
        c = parseCredentialsJson(bytes, source, o);
    } else if (bytes.find("PRIVATE KEY-----") != std::string::npos) {
        c = bareKey(pemKey(bytes, source, o), source, o, "PEM private key");
    } else if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x30) { // DER SEQUENCE: PKCS#12
        try {
            auto p12 = crypto::PrivateKey::fromP12(bytes, o.p12Password);
            c = bareKey(std::make_shared<const crypto::PrivateKey>(std::move(p12.key)), source, o, ".p12 key");
        } catch (const crypto::CryptoError& e) {
            throw fromCrypto(e, source);
        }
    } else {
        crypto::wipe(bytes);
        throw AuthError(K::WrongFileType, source + ": not a key file. Expected a service-account key (.json or "
                                                   ".p12), a PEM private key or gcloud's ADC file.");
    }
    crypto::wipe(bytes);
    if (auto w = permissionWarning(path); !w.empty()) c.warnings.push_back(w);
    return c;
}

std::filesystem::path gcloudAdcPath() {
    std::filesystem::path dir;
    if (const char* cfg = std::getenv("CLOUDSDK_CONFIG"); cfg && *cfg) {
        dir = cfg;
    } else {
#ifdef _WIN32
        const char* appData = std::getenv("APPDATA");
        dir = appData && *appData ? std::filesystem::path(appData) / "gcloud" : std::filesystem::path("C:\\gcloud");
#else
        const char* home = std::getenv("HOME");
        dir = std::filesystem::path(home ? home : "") / ".config" / "gcloud";
#endif
    }
    return dir / "application_default_credentials.json";
}

Credentials findDefaultCredentials(const KeyFileOptions& o) {
    if (const char* env = std::getenv("GOOGLE_APPLICATION_CREDENTIALS"); env && *env) {
        // Google's libraries fail here rather than fall through: a wrong variable is a mistake.
        std::error_code ec;
        if (!std::filesystem::exists(env, ec))
            throw AuthError(K::NoCredentials, std::string("GOOGLE_APPLICATION_CREDENTIALS names ") + env +
                                                  ", which does not exist");
        auto c = loadKeyFile(env, o);
        c.source = std::string("GOOGLE_APPLICATION_CREDENTIALS (") + env + ")";
        return c;
    }
    const auto adc = gcloudAdcPath();
    std::error_code ec;
    if (std::filesystem::exists(adc, ec)) {
        auto c = loadKeyFile(adc, o);
        c.source = "gcloud's application default credentials (" + adc.string() + ")";
        return c;
    }
    throw AuthError(K::NoCredentials,
                    "no Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS is not set and " + adc.string() +
                        " does not exist. Run `gcloud auth application-default login`, or pass --key FILE.");
}

} // namespace quarry::auth
