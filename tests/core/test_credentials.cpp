// SPDX-License-Identifier: MIT
// Key files, Application Default Credentials, the shared TokenSource and the token endpoint's
// answers (retries, errors) against a scripted HTTP server.
#include "ScriptedServer.h"
#include "auth/Credentials.h"
#include "auth/KeyPair.h"
#include "auth/TokenSource.h"
#include "crypto/Base64.h"
#include "crypto/Jwt.h"
#include "platform/System.h"

#include <gtest/gtest.h>
#include <chrono>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

using namespace quarry;
using namespace quarry::auth;
using quarry::test::ScriptedServer;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Scratch {
    fs::path dir;
    Scratch() {
        dir = fs::temp_directory_path() / ("quarry-creds-" + std::to_string(quarry::platform::processId()) + "-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir);
    }
    ~Scratch() { fs::remove_all(dir); }
    std::string file(const std::string& name, const std::string& content, int mode = 0600) const {
        const auto p = dir / name;
        std::ofstream(p, std::ios::binary) << content;
        fs::permissions(p, static_cast<fs::perms>(mode));
        return p.string();
    }
};

const crypto::PrivateKey& key() {
    static const crypto::PrivateKey k = crypto::PrivateKey::generate(2048);
    return k;
}

std::string saJson(const std::string& tokenUri = "https://oauth2.googleapis.com/token") {
    return keyFileJson(key().toPkcs8Pem(), "sa@proj-1.iam.gserviceaccount.com", "kid123", tokenUri);
}

/// Sets an environment variable for one scope.
struct Env {
    std::string name;
    std::optional<std::string> old;
    Env(std::string n, const std::string& value) : name(std::move(n)) {
        if (const char* v = std::getenv(name.c_str())) old = v;
        quarry::platform::setEnvironment(name, value);
    }
    ~Env() { quarry::platform::setEnvironment(name, old); }
};

AuthError::Kind kindOf(const std::function<void()>& f, std::string* message = nullptr) {
    try {
        f();
    } catch (const AuthError& e) {
        if (message) *message = e.what();
        return e.kind();
    }
    ADD_FAILURE() << "no AuthError";
    return AuthError::Kind::TokenEndpoint;
}

/// A fake clock that tests move by hand.
struct FakeClock {
    std::shared_ptr<std::atomic<std::int64_t>> secs = std::make_shared<std::atomic<std::int64_t>>(1'800'000'000);
    Clock clock() const {
        auto s = secs;
        return [s] { return SystemTime(std::chrono::seconds(s->load())); };
    }
    void advance(std::int64_t by) { *secs += by; }
};

/// A TokenSource whose fetch counts, waits a little and hands out numbered tokens.
class CountingSource final : public TokenSource {
public:
    CountingSource(Clock c, std::chrono::seconds life) : TokenSource(std::move(c)), life_(life) {}
    std::string method() const override { return "test"; }
    std::atomic<int> calls{0};
    std::atomic<bool> fail{false};

protected:
    AccessToken fetch(const CancelToken*) override {
        const int n = ++calls;
        std::this_thread::sleep_for(20ms); // let other threads pile up behind this refresh
        if (fail) throw AuthError(AuthError::Kind::TokenEndpoint, "endpoint down");
        return {"token-" + std::to_string(n), now() + life_};
    }

private:
    std::chrono::seconds life_;
};

} // namespace

TEST(KeyFiles, ServiceAccountJsonLoadsWithItsFields) {
    Scratch s;
    const auto c = loadKeyFile(s.file("sa.json", saJson()));
    ASSERT_EQ(c.type, Credentials::Type::ServiceAccount);
    EXPECT_EQ(c.serviceAccount->clientEmail, "sa@proj-1.iam.gserviceaccount.com");
    EXPECT_EQ(c.serviceAccount->keyId, "kid123");
    EXPECT_EQ(c.projectId(), "proj-1");
    EXPECT_EQ(c.serviceAccount->key->publicKeyDer(), key().publicKeyDer());
    EXPECT_TRUE(c.warnings.empty());
    EXPECT_NE(c.who().find("sa@proj-1.iam.gserviceaccount.com"), std::string::npos);
}

TEST(KeyFiles, WarnsWhenOthersCanReadTheKey) {
    Scratch s;
    const auto c = loadKeyFile(s.file("sa.json", saJson(), 0644));
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_NE(c.warnings[0].find("mode 0644"), std::string::npos) << c.warnings[0];
    EXPECT_NE(c.warnings[0].find("chmod 600"), std::string::npos);
}

TEST(KeyFiles, EveryWrongFileGetsASpecificMessage) {
    Scratch s;
    std::string m;
    EXPECT_EQ(kindOf([&] { loadKeyFile(s.dir / "missing.json"); }, &m), AuthError::Kind::UnreadableKey);
    EXPECT_NE(m.find("no such file"), std::string::npos) << m;
    EXPECT_EQ(kindOf([&] { loadKeyFile(s.file("schema.json", R"([{"name":"a","type":"STRING"}])")); }, &m),
              AuthError::Kind::WrongFileType);
    EXPECT_NE(m.find("not a JSON object"), std::string::npos) << m;
    EXPECT_EQ(kindOf([&] { loadKeyFile(s.file("other.json", R"({"name":"x"})")); }, &m), AuthError::Kind::WrongFileType);
    EXPECT_NE(m.find("no \"type\""), std::string::npos) << m;
    EXPECT_EQ(kindOf([&] { loadKeyFile(s.file("ext.json", R"({"type":"external_account"})")); }, &m),
              AuthError::Kind::WrongFileType);
    EXPECT_NE(m.find("\"external_account\" are not supported"), std::string::npos) << m;
    EXPECT_EQ(kindOf([&] { loadKeyFile(s.file("text.txt", "hello\n")); }, &m), AuthError::Kind::WrongFileType);
    EXPECT_NE(m.find("text.txt: not a key file"), std::string::npos) << m;
    EXPECT_EQ(kindOf([&] { loadKeyFile(s.file("nokey.json", R"({"type":"service_account","client_email":"a@b"})")); }, &m),
              AuthError::Kind::UnreadableKey);
    EXPECT_NE(m.find("no \"private_key\""), std::string::npos) << m;
    auto broken = nlohmann::json::parse(saJson());
    broken["private_key"] = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
    EXPECT_EQ(kindOf([&] { loadKeyFile(s.file("broken.json", broken.dump())); }, &m), AuthError::Kind::UnreadableKey);
    // A bare PEM key needs its account named.
    EXPECT_EQ(kindOf([&] { loadKeyFile(s.file("k.pem", key().toPkcs8Pem())); }, &m), AuthError::Kind::WrongFileType);
    EXPECT_NE(m.find("--key-email"), std::string::npos) << m;
    KeyFileOptions o;
    o.accountEmail = "me@p2.iam.gserviceaccount.com";
    EXPECT_EQ(loadKeyFile(s.dir / "k.pem", o).projectId(), "p2");
}

TEST(KeyFiles, EncryptedKeysNeedTheRightPassphrase) {
    Scratch s;
    const auto path = s.file("enc.json", keyFileJson(key().toPkcs8Pem("s3cret-pass"), "sa@p.iam.gserviceaccount.com", "k", ""));
    std::string m;
    EXPECT_EQ(kindOf([&] { loadKeyFile(path); }, &m), AuthError::Kind::NeedPassphrase);
    EXPECT_NE(m.find("--passphrase-file"), std::string::npos) << m;
    KeyFileOptions o;
    o.passphrase = "wrong";
    EXPECT_EQ(kindOf([&] { loadKeyFile(path, o); }, &m), AuthError::Kind::WrongPassword);
    EXPECT_EQ(m.find("s3cret"), std::string::npos);
    o.passphrase = "s3cret-pass";
    EXPECT_EQ(loadKeyFile(path, o).serviceAccount->key->publicKeyDer(), key().publicKeyDer());
}

TEST(KeyFiles, P12NeedsItsEmailAndTheRightPassword) {
    Scratch s;
    const auto pem = s.file("k.pem", key().toPkcs8Pem());
    const auto cert = s.file("c.pem", crypto::selfSignedCertificate(key(), "unused", 1));
    const auto p12 = (s.dir / "key.p12").string();
    ASSERT_EQ(std::system(("openssl pkcs12 -export -legacy -inkey " + pem + " -in " + cert +
                           " -passout pass:notasecret -out " + p12).c_str()), 0);
    std::string m;
    EXPECT_EQ(kindOf([&] { loadKeyFile(p12); }, &m), AuthError::Kind::WrongFileType);
    EXPECT_NE(m.find("--key-email"), std::string::npos) << m;
    KeyFileOptions o;
    o.accountEmail = "legacy@p3.iam.gserviceaccount.com";
    const auto c = loadKeyFile(p12, o);
    EXPECT_EQ(c.serviceAccount->clientEmail, "legacy@p3.iam.gserviceaccount.com");
    EXPECT_EQ(c.serviceAccount->key->publicKeyDer(), key().publicKeyDer());
    o.p12Password = "password";
    EXPECT_EQ(kindOf([&] { loadKeyFile(p12, o); }, &m), AuthError::Kind::WrongPassword);
    EXPECT_NE(m.find("notasecret"), std::string::npos) << m;
}

TEST(Adc, FollowsGooglesOrder) {
    Scratch s;
    const auto gcloud = s.dir / "gcloud";
    fs::create_directories(gcloud);
    Env cfg("CLOUDSDK_CONFIG", gcloud.string());
    quarry::platform::setEnvironment("GOOGLE_APPLICATION_CREDENTIALS", std::nullopt);
    EXPECT_EQ(gcloudAdcPath(), gcloud / "application_default_credentials.json");
    std::string m;
    EXPECT_EQ(kindOf([] { findDefaultCredentials(); }, &m), AuthError::Kind::NoCredentials);
    EXPECT_NE(m.find("gcloud auth application-default login"), std::string::npos) << m;

    // gcloud's file: user credentials.
    s.file("gcloud/application_default_credentials.json",
           R"({"type":"authorized_user","client_id":"cid.apps.googleusercontent.com","client_secret":"cs","refresh_token":"rt","quota_project_id":"qp"})");
    auto c = findDefaultCredentials();
    EXPECT_EQ(c.type, Credentials::Type::AuthorizedUser);
    EXPECT_EQ(c.projectId(), "qp");
    EXPECT_NE(c.source.find("gcloud"), std::string::npos);

    // GOOGLE_APPLICATION_CREDENTIALS wins over gcloud's file ...
    Env gac("GOOGLE_APPLICATION_CREDENTIALS", s.file("sa.json", saJson()));
    c = findDefaultCredentials();
    EXPECT_EQ(c.type, Credentials::Type::ServiceAccount);
    EXPECT_NE(c.source.find("GOOGLE_APPLICATION_CREDENTIALS"), std::string::npos);
    // ... and a wrong one is an error, not a silent fall-through.
    Env bad("GOOGLE_APPLICATION_CREDENTIALS", (s.dir / "nope.json").string());
    EXPECT_EQ(kindOf([] { findDefaultCredentials(); }, &m), AuthError::Kind::NoCredentials);
    EXPECT_NE(m.find("nope.json, which does not exist"), std::string::npos) << m;
}

TEST(TokenSource, CachesUntilTheMarginThenRefreshes) {
    FakeClock t;
    CountingSource src(t.clock(), 3600s);
    EXPECT_EQ(src.token(), "token-1");
    t.advance(3600 - 226); // still more than 3 min 45 s left
    EXPECT_EQ(src.token(), "token-1");
    t.advance(2); // inside the margin
    EXPECT_EQ(src.token(), "token-2");
    EXPECT_EQ(src.fetchCount(), 2);
    src.invalidate("token-1"); // an old token: nothing happens
    EXPECT_EQ(src.token(), "token-2");
    src.invalidate("token-2"); // a 401 for the current one
    EXPECT_EQ(src.token(), "token-3");
}

TEST(TokenSource, ShortLivedTokensRefreshAtHalfTheirLife) {
    FakeClock t;
    CountingSource src(t.clock(), 60s);
    EXPECT_EQ(src.token(), "token-1");
    t.advance(29);
    EXPECT_EQ(src.token(), "token-1");
    t.advance(2);
    EXPECT_EQ(src.token(), "token-2");
}

TEST(TokenSource, ManyThreadsShareOneRefreshAndItsError) {
    FakeClock t;
    CountingSource src(t.clock(), 3600s);
    std::vector<std::thread> threads;
    std::vector<std::string> got(32);
    for (int i = 0; i < 32; ++i) threads.emplace_back([&, i] { got[static_cast<std::size_t>(i)] = src.token(); });
    for (auto& th : threads) th.join();
    EXPECT_EQ(src.calls.load(), 1);
    for (const auto& g : got) EXPECT_EQ(g, "token-1");

    t.advance(3600);
    src.fail = true;
    std::atomic<int> errors{0};
    threads.clear();
    for (int i = 0; i < 16; ++i)
        threads.emplace_back([&] {
            try {
                src.token();
            } catch (const AuthError&) {
                ++errors;
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(errors.load(), 16);
    EXPECT_LT(src.calls.load(), 1 + 16) << "every waiting thread started its own refresh";
    src.fail = false;
    EXPECT_NE(src.token(), "token-1");
}

TEST(TokenEndpoint, RetriesGooglesRetryableAnswersThenSucceeds) {
    ScriptedServer server([](const ScriptedServer::Request&, int i) {
        if (i == 0) return ScriptedServer::json(503, R"({"error":"unavailable"})");
        if (i == 1) return ScriptedServer::json(400, R"({"error":"temporarily_unavailable"})");
        return ScriptedServer::json(200, R"({"access_token":"ya29.fresh","expires_in":"3599","token_type":"Bearer"})");
    });
    Credentials c;
    c.type = Credentials::Type::AuthorizedUser;
    AuthorizedUser u;
    u.clientId = "cid";
    u.clientSecret = "secret&=";
    u.refreshToken = "1//rt";
    u.tokenUri = server.url() + "/token";
    c.user = u;
    TokenOptions o;
    o.tokenBackoff = 5ms;
    FakeClock t;
    o.clock = t.clock();
    auto src = makeTokenSource(c, o);
    EXPECT_EQ(src->token(), "ya29.fresh");
    EXPECT_EQ(src->expiry(), t.clock()() + 3599s); // a string expires_in is read too
    ASSERT_EQ(server.requestCount(), 3);
    const auto req = server.requests()[2];
    EXPECT_EQ(req.header("Content-Type"), "application/x-www-form-urlencoded");
    EXPECT_NE(req.body.find("grant_type=refresh_token"), std::string::npos);
    EXPECT_NE(req.body.find("client_secret=secret%26%3D"), std::string::npos) << req.body;
}

TEST(TokenEndpoint, GivesUpAfterThreeAttemptsAndNeverRetriesARefusal) {
    ScriptedServer down([](const ScriptedServer::Request&, int) { return ScriptedServer::json(500, "{}"); });
    Credentials c;
    c.type = Credentials::Type::ServiceAccount;
    ServiceAccount sa;
    sa.clientEmail = "sa@p.iam.gserviceaccount.com";
    sa.key = std::make_shared<crypto::PrivateKey>(key());
    sa.tokenUri = down.url() + "/token";
    c.serviceAccount = sa;
    TokenOptions o;
    o.tokenBackoff = 1ms;
    std::string m;
    EXPECT_EQ(kindOf([&] { makeTokenSource(c, o)->token(); }, &m), AuthError::Kind::TokenEndpoint);
    EXPECT_EQ(down.requestCount(), 3);
    EXPECT_NE(m.find("HTTP 500"), std::string::npos) << m;

    ScriptedServer refuses([](const ScriptedServer::Request&, int) {
        return ScriptedServer::json(400, R"({"error":"invalid_grant","error_description":"Invalid grant: account not found"})");
    });
    c.serviceAccount->tokenUri = refuses.url() + "/token";
    EXPECT_EQ(kindOf([&] { makeTokenSource(c, o)->token(); }, &m), AuthError::Kind::InvalidGrant);
    EXPECT_EQ(refuses.requestCount(), 1);
    EXPECT_NE(m.find("does not exist (deleted?)"), std::string::npos) << m;
    EXPECT_NE(m.find("sa@p.iam.gserviceaccount.com"), std::string::npos) << m;

    // The assertion it sent: Google's 2LO claims, signed with the key.
    const auto body = refuses.requests()[0].body;
    const auto jwt = crypto::decodeJwt(body.substr(body.find("assertion=") + 10));
    EXPECT_EQ(jwt.claims["iss"], "sa@p.iam.gserviceaccount.com");
    EXPECT_EQ(jwt.claims["aud"], "https://oauth2.googleapis.com/token");
    EXPECT_EQ(jwt.claims["scope"], "https://www.googleapis.com/auth/bigquery");
    EXPECT_EQ(jwt.claims["exp"].get<std::int64_t>() - jwt.claims["iat"].get<std::int64_t>(), 3600);
    EXPECT_TRUE(crypto::PublicKey::of(key()).verifySha256(jwt.signingInput, jwt.signature));
}

TEST(TokenEndpoint, AutoModeSignsItsOwnJwtForGoogle) {
    Credentials c;
    c.type = Credentials::Type::ServiceAccount;
    ServiceAccount sa;
    sa.clientEmail = "sa@p.iam.gserviceaccount.com";
    sa.keyId = "abc";
    sa.key = std::make_shared<crypto::PrivateKey>(key());
    c.serviceAccount = sa;
    FakeClock t;
    TokenOptions o;
    o.clock = t.clock();
    auto src = makeTokenSource(c, o); // no network: Google's token_uri means self-signed
    const auto jwt = crypto::decodeJwt(src->token());
    EXPECT_EQ(jwt.header["kid"], "abc");
    EXPECT_EQ(jwt.claims["aud"], "https://bigquery.googleapis.com/");
    EXPECT_EQ(jwt.claims["sub"], jwt.claims["iss"]);
    EXPECT_FALSE(jwt.claims.contains("scope"));
    EXPECT_EQ(jwt.claims["iat"].get<std::int64_t>(), 1'800'000'000);
    EXPECT_EQ(src->method(), "self-signed JWT (aud https://bigquery.googleapis.com/)");

    // The Storage API gets JWTs of its own: Google checks that aud names the service reached.
    auto storage = makeStorageTokenSource(c, o, Endpoint{});
    ASSERT_TRUE(storage);
    EXPECT_EQ(crypto::decodeJwt(storage->token()).claims["aud"], "https://bigquerystorage.googleapis.com/");
    const auto sandbox = Endpoint::fromUrl("http://127.0.0.1:9050");
    EXPECT_EQ(crypto::decodeJwt(makeStorageTokenSource(c, o, sandbox)->token()).claims["aud"], "http://127.0.0.1:9050/");
    // Access tokens from a token endpoint serve every API their scopes allow: no second source.
    o.mode = TokenOptions::Mode::Exchange;
    EXPECT_FALSE(makeStorageTokenSource(c, o, Endpoint{}));
    EXPECT_FALSE(makeStorageTokenSource(Credentials{}, TokenOptions{}, Endpoint{}));
}

TEST(TokenEndpoint, ErrorsCarryAdviceAndNoSecrets) {
    const auto now = SystemTime(std::chrono::seconds(1'800'000'000));
    const auto e1 = tokenEndpointError(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})", "a@b", "u", now);
    EXPECT_EQ(e1.kind(), AuthError::Kind::InvalidGrant);
    EXPECT_NE(std::string(e1.what()).find("create a new key"), std::string::npos) << e1.what();
    const auto e2 = tokenEndpointError(400, R"({"error":"invalid_grant","error_description":"Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."})", "a@b", "u", now);
    EXPECT_NE(std::string(e2.what()).find("Check this computer's clock: it says 2027-01-15"), std::string::npos) << e2.what();
    const auto e3 = tokenEndpointError(401, R"({"error":"invalid_client","error_description":"The OAuth client was not found."})", "a@b", "u", now);
    EXPECT_EQ(e3.kind(), AuthError::Kind::InvalidClient);
    const auto e4 = tokenEndpointError(502, "<html>bad gateway</html>", "a@b", "u", now);
    EXPECT_NE(std::string(e4.what()).find("not JSON"), std::string::npos);
    const auto e5 = tokenEndpointError(400, R"({"error":"invalid_grant","error_description":"bad token eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"})", "a@b", "u", now);
    EXPECT_EQ(std::string(e5.what()).find("eyJ"), std::string::npos) << e5.what();
}

TEST(KeyPairs, GeneratedFilesAreStandardAndPrivate) {
    Scratch s;
    KeyPairOptions o;
    o.accountEmail = "me@p.iam.gserviceaccount.com";
    o.passphrase = "pw";
    const auto r = generateKeyPair(s.dir / "kp", o);
    EXPECT_EQ(fs::status(r.privateKey).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(r.gcloudCommand, "gcloud iam service-accounts keys upload " + r.certificate.string() +
                                   " --iam-account=me@p.iam.gserviceaccount.com");
    EXPECT_EQ(r.restUrl, "https://iam.googleapis.com/v1/projects/-/serviceAccounts/me@p.iam.gserviceaccount.com/keys:upload");
    std::ifstream certIn(r.certificate);
    const std::string cert((std::istreambuf_iterator<char>(certIn)), {});
    EXPECT_EQ(nlohmann::json::parse(r.restBody)["publicKeyData"], crypto::base64(cert));
    EXPECT_EQ(r.info.subject, "CN=unused");
    // Never replaced by accident.
    EXPECT_THROW(generateKeyPair(s.dir / "kp", o), std::runtime_error);
    // A certificate of another key is caught before a key file is made.
    std::string m;
    EXPECT_EQ(kindOf([&] { checkCertificateMatches(key(), cert, "public_cert.pem"); }, &m), AuthError::Kind::WrongFileType);
    EXPECT_NE(m.find("certificate of another key"), std::string::npos) << m;
    o.bits = 1024;
    EXPECT_EQ(kindOf([&] { generateKeyPair(s.dir / "weak", o); }), AuthError::Kind::WeakKey);
}

TEST(EndpointTrust, GoogleIsDecidedByTheParsedHostNotASubstring) {
    for (const char* google : {"https://bigquery.googleapis.com", "https://bigquery.us-east1.rep.googleapis.com",
                               "https://BigQuery.GoogleAPIs.com.", "https://user@bigquery.googleapis.com:443"})
        EXPECT_TRUE(Endpoint::fromUrl(google).isGoogle()) << google;
    for (const char* other : {"https://x/.googleapis.com", "https://evil.example/bigquery.googleapis.com",
                              "https://googleapis.com.evil.example", "https://bigquery.googleapis.com@evil.example",
                              "https://xgoogleapis.com", "http://bigquery.googleapis.com", "http://127.0.0.1:9050"})
        EXPECT_FALSE(Endpoint::fromUrl(other).isGoogle()) << other;
    EXPECT_TRUE(Endpoint::fromUrl("http://127.0.0.1:9050").isLoopback());
    EXPECT_TRUE(Endpoint::fromUrl("http://[::1]:9050").isLoopback());
    EXPECT_EQ(audienceFor(Endpoint::fromUrl("http://127.0.0.1:9050")), "http://127.0.0.1:9050/");
    EXPECT_EQ(audienceFor(Endpoint{}), std::string(kBigQueryAudience));
    EXPECT_EQ(storageAudienceFor(Endpoint{}), std::string(kBigQueryStorageAudience));
    EXPECT_EQ(storageAudienceFor(Endpoint::fromUrl("http://127.0.0.1:9050")), "http://127.0.0.1:9050/");
}

TEST(EndpointTrust, TheStorageApiGoesWithGooglesRestHostOrIsNamedByHand) {
    auto storageOf = [](const char* url) { return StorageApiEndpoint::googleFor(Endpoint::hostOf(url)); };
    EXPECT_EQ(storageOf("https://bigquery.googleapis.com"), "bigquerystorage.googleapis.com:443");
    EXPECT_EQ(storageOf("https://bigquery.us-east1.rep.googleapis.com"), "bigquerystorage.us-east1.rep.googleapis.com:443");
    EXPECT_EQ(storageOf("https://bigquery-myendpoint.p.googleapis.com"), "bigquerystorage-myendpoint.p.googleapis.com:443");
    for (const char* unknown : {"https://example.googleapis.com", "https://bigquery.evil.example", "http://127.0.0.1:9050",
                                "https://bigquery-x.evil.example"})
        EXPECT_EQ(storageOf(unknown), "") << unknown;
    std::string why;
    const auto named = StorageApiEndpoint::parse("bigquerystorage.europe-west3.rep.googleapis.com:443", why);
    EXPECT_TRUE(named.tls);
    EXPECT_EQ(named.address, "bigquerystorage.europe-west3.rep.googleapis.com:443");
    EXPECT_EQ(named.display(), "bigquerystorage.europe-west3.rep.googleapis.com:443 (TLS)");
    for (const char* bad : {"https://bigquerystorage.googleapis.com", "host", "host:", ":443", "host:0", "host:65536",
                            "host:12x", "a/b:443", "user@host:443", "host:443 "}) {
        why.clear();
        EXPECT_TRUE(StorageApiEndpoint::parse(bad, why).empty()) << bad;
        EXPECT_NE(why.find("HOST:PORT"), std::string::npos) << bad;
    }
}

TEST(EndpointTrust, GoogleCredentialsAreNeverSentElsewhereUnlessTrusted) {
    Scratch s;
    const auto google = loadKeyFile(s.file("sa.json", saJson()));
    const auto sandboxKey = loadKeyFile(s.file("own.json", saJson("http://127.0.0.1:9050/token")));
    const auto evilTokenUri = loadKeyFile(s.file("evil.json", saJson("https://evil.example/x.googleapis.com/token")));
    for (const char* url : {"http://127.0.0.1:9050", "https://x/.googleapis.com", "http://bigquery.googleapis.com"}) {
        SCOPED_TRACE(url);
        try {
            checkCredentialsForEndpoint(google, Endpoint::fromUrl(url), false);
            ADD_FAILURE() << "Google credentials allowed to " << url;
        } catch (const AuthError& e) {
            EXPECT_EQ(e.kind(), AuthError::Kind::UntrustedEndpoint);
            EXPECT_NE(std::string(e.what()).find("none is sent"), std::string::npos) << e.what();
            EXPECT_EQ(std::string(e.what()).find("PRIVATE KEY"), std::string::npos); // no secret in the text
        }
        EXPECT_NO_THROW(checkCredentialsForEndpoint(google, Endpoint::fromUrl(url), true)); // said so explicitly
        EXPECT_NO_THROW(checkCredentialsForEndpoint(sandboxKey, Endpoint::fromUrl(url), false));
        EXPECT_NO_THROW(checkCredentialsForEndpoint(Credentials{}, Endpoint::fromUrl(url), false));
    }
    EXPECT_NO_THROW(checkCredentialsForEndpoint(google, Endpoint{}, false));
    // A token_uri that only mentions googleapis.com is not Google's: not Google credentials.
    EXPECT_FALSE(isGoogleCredential(evilTokenUri));
    EXPECT_TRUE(isGoogleCredential(google));
}
