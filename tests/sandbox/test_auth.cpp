// SPDX-License-Identifier: MIT
// Key-based sign-in end to end against a started `quarry-sandbox --auth keys:DIR`: own key
// pairs uploaded like an admin would, the token endpoint, self-signed JWTs, expiry and
// refresh, shared refreshes, every rejection with its message, openssl checking the JWTs,
// and no secret in any log or error text.
#include "RunCommand.h"
#include "TestData.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "auth/KeyPair.h"
#include "bigquery/BigQueryClient.h"
#include "crypto/Base64.h"
#include "crypto/Jwt.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

using namespace quarry;
using namespace quarry::auth;
using namespace quarry::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kEmail = "robot@sandbox-proj.iam.gserviceaccount.com";

std::string firstLine(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    return line;
}

/// A key folder with one account, a sandbox trusting it, and a key pair uploaded to it.
struct AuthSandbox {
    ScratchDir dir;
    fs::path keys = fs::path(dir.path) / "keys";
    fs::path log = fs::path(dir.path) / "sandbox.log";
    std::unique_ptr<SandboxProcess> sandbox;
    KeyPairResult pair;
    std::string kid;

    explicit AuthSandbox(std::vector<std::string> args = {}) {
        fs::create_directories(keys / kEmail);
        args.insert(args.begin(), {"--auth", "keys:" + keys.string(), "--log-requests"});
        sandbox = std::make_unique<SandboxProcess>(args, fs::path(), log);
        KeyPairOptions o;
        o.accountEmail = kEmail;
        pair = generateKeyPair(fs::path(dir.path) / "kp", o);
        kid = upload(quarry::test::readFile(pair.certificate));
    }
    const std::string& url() const { return sandbox->url(); }
    /// The request log, complete: the sandbox writes a line after it answers, so stop it first.
    std::string finalLog() {
        sandbox->stop();
        return quarry::test::readFile(log);
    }
    std::string tokenUri() const { return url() + "/token"; }

    /// keys:upload as the admin would (with the admin token); returns the key id.
    std::string upload(const std::string& certPem, const std::string& account = kEmail, long* status = nullptr,
                       std::optional<std::string> authorization = std::nullopt) {
        HttpClient http;
        HttpRequest r;
        r.method = "POST";
        r.url = url() + "/v1/projects/-/serviceAccounts/" + account + "/keys:upload";
        r.body = uploadRestBody(certPem);
        const std::string admin = "Bearer " + firstLine(keys / ".admin-token");
        const std::string header = authorization.value_or(admin);
        if (!header.empty()) r.headers.push_back({"Authorization", header});
        const auto resp = http.send(r);
        if (status) *status = resp.status;
        if (resp.status != 200) return resp.body;
        const auto name = nlohmann::json::parse(resp.body)["name"].get<std::string>();
        return name.substr(name.rfind('/') + 1);
    }

    Credentials credentials(const std::string& keyId, const std::string& email = kEmail) const {
        KeyFileOptions o;
        o.accountEmail = email;
        o.keyId = keyId;
        o.tokenUri = tokenUri();
        return loadKeyFile(pair.privateKey, o);
    }

    BigQueryClient client(std::shared_ptr<TokenSource> tokens) const {
        BigQueryClient::Options o;
        o.endpoint = Endpoint::fromUrl(url());
        o.projectId = "p";
        o.tokens = std::move(tokens);
        o.retry.initialBackoff = 10ms;
        return BigQueryClient(std::move(o));
    }

    static TokenOptions options(TokenOptions::Mode mode) {
        TokenOptions o;
        o.mode = mode;
        o.tokenBackoff = 10ms;
        return o;
    }

    /// POST /token with a hand-made assertion.
    HttpResponse postAssertion(const std::string& jwt) const {
        HttpClient http;
        HttpRequest r;
        r.method = "POST";
        r.url = tokenUri();
        r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        r.body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + jwt;
        return http.send(r);
    }

    std::string signedBy(const nlohmann::json& claims) const {
        const auto k = loadKeyFile(pair.privateKey, [] {
            KeyFileOptions o;
            o.accountEmail = kEmail;
            return o;
        }());
        return crypto::signJwt(claims, *k.serviceAccount->key, kid);
    }
};

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string signInError(const AuthSandbox& s, const Credentials& c, TokenOptions o) {
    try {
        auto client = s.client(makeTokenSource(c, o));
        client.listAllDatasets("p");
    } catch (const AuthError& e) {
        EXPECT_EQ(e.kind(), AuthError::Kind::InvalidGrant) << e.what();
        return e.what();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.httpStatus(), 401) << e.what();
        return e.message();
    }
    ADD_FAILURE() << "signed in although it should not";
    return {};
}

void expectContains(const std::string& text, const std::string& part) {
    EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

} // namespace

TEST(SandboxAuth, OwnKeyPairSignsInThroughTheTokenEndpoint) {
    AuthSandbox s;
    EXPECT_TRUE(std::regex_match(s.kid, std::regex("[0-9a-f]{40}"))) << s.kid;
    EXPECT_TRUE(fs::exists(s.keys / kEmail / (s.kid + ".pem")));
    auto tokens = makeTokenSource(s.credentials(s.kid), AuthSandbox::options(TokenOptions::Mode::Exchange));
    auto client = s.client(tokens);
    makeDataset(client);
    createPersonsTable(client, "t");
    EXPECT_EQ(client.listAllDatasets("p").size(), 1u);
    // Its jobs are the account's (the jobs monitor's user column, JOBS_BY_USER).
    const Json job = client.insertJob("p", {{"configuration", {{"query", {{"query", "SELECT 1"}, {"useLegacySql", false}}}}}});
    EXPECT_EQ(job["user_email"], kEmail);
    EXPECT_EQ(job["principal_subject"], std::string("serviceAccount:") + kEmail);
    EXPECT_EQ(tokens->fetchCount(), 1);
    EXPECT_NE(s.finalLog().find("POST /token 200"), std::string::npos);
}

TEST(SandboxAuth, SelfSignedJwtSignsInWithoutARoundTrip) {
    AuthSandbox s;
    auto tokens = makeTokenSource(s.credentials(s.kid), AuthSandbox::options(TokenOptions::Mode::SelfSigned));
    auto client = s.client(tokens);
    makeDataset(client);
    EXPECT_EQ(client.listAllDatasets("p").size(), 1u);
    // Its audience may be the sandbox itself as the client calls it, but only at its own port:
    // a JWT made for another service on this machine is not accepted here.
    const std::string port = s.url().substr(s.url().rfind(':') + 1);
    auto own = AuthSandbox::options(TokenOptions::Mode::SelfSigned);
    own.audience = s.url() + "/";
    EXPECT_EQ(s.client(makeTokenSource(s.credentials(s.kid), own)).listAllDatasets("p").size(), 1u);
    auto elsewhere = AuthSandbox::options(TokenOptions::Mode::SelfSigned);
    elsewhere.audience = "http://127.0.0.1:" + std::to_string(std::stoi(port) == 1 ? 2 : 1) + "/";
    try {
        s.client(makeTokenSource(s.credentials(s.kid), elsewhere)).listAllDatasets("p");
        ADD_FAILURE() << "a JWT for another port was accepted";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.httpStatus(), 401);
    }
    EXPECT_EQ(s.finalLog().find("/token"), std::string::npos) << "a self-signed JWT needs no token endpoint";
}

TEST(SandboxAuth, ALegacyP12KeySignsInToo) {
    AuthSandbox s;
    const auto p12 = fs::path(s.dir.path) / "key.p12";
    ASSERT_EQ(runCommand("openssl req -x509 -nodes -newkey rsa:2048 -days 2 -subj /CN=unused -keyout " + s.dir.path +
                         "/p12.pem -out " + s.dir.path + "/p12.crt && openssl pkcs12 -export -legacy -inkey " + s.dir.path +
                         "/p12.pem -in " + s.dir.path + "/p12.crt -passout pass:notasecret -out " + p12.string()).code, 0);
    const auto kid = s.upload(quarry::test::readFile(fs::path(s.dir.path) / "p12.crt"));
    KeyFileOptions o;
    o.accountEmail = kEmail;
    o.keyId = kid;
    o.tokenUri = s.tokenUri();
    auto client = s.client(makeTokenSource(loadKeyFile(p12, o), AuthSandbox::options(TokenOptions::Mode::Exchange)));
    EXPECT_NO_THROW(client.listAllDatasets("p"));
}

TEST(SandboxAuth, CallsWithoutOrWithABadTokenGetGoogles401) {
    AuthSandbox s;
    auto anonymous = s.client(nullptr);
    try {
        anonymous.listAllDatasets("p");
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.httpStatus(), 401);
        EXPECT_EQ(e.reason(), "required");
        expectContains(e.message(), "Request is missing required authentication credential");
    }
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(s.url());
    o.accessToken = [] { return std::string("ya29.made-up"); };
    BigQueryClient bad(o);
    try {
        bad.listAllDatasets("p");
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.httpStatus(), 401);
        EXPECT_EQ(e.reason(), "authError");
    }
}

TEST(SandboxAuth, OnlyTheAdminCanUploadKeysSoNobodyCanGiveThemselvesAnAccount) {
    AuthSandbox s;
    // An attacker who reaches the port makes a key pair and tries to have it trusted.
    KeyPairOptions o;
    o.accountEmail = kEmail;
    const auto mine = generateKeyPair(fs::path(s.dir.path) / "attacker", o);
    const auto cert = quarry::test::readFile(mine.certificate);
    const auto countKeys = [&] {
        return std::distance(fs::directory_iterator(s.keys / kEmail), fs::directory_iterator());
    };
    const auto before = countKeys();
    long status = 0;
    auto body = s.upload(cert, kEmail, &status, std::string());
    EXPECT_EQ(status, 401) << body;
    expectContains(body, "DIR/.admin-token");
    body = s.upload(cert, kEmail, &status, std::string("Bearer ") + std::string(64, '0'));
    EXPECT_EQ(status, 403) << body;
    expectContains(body, "PERMISSION_DENIED");
    EXPECT_EQ(countKeys(), before); // nothing was written into the key folder
    // The token file is the owner's alone.
    EXPECT_EQ(fs::status(s.keys / ".admin-token").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    // The admin can.
    s.upload(cert, kEmail, &status);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(countKeys(), before + 1);
}

TEST(SandboxAuth, ExpiredTokensAreRefreshedAfterA401) {
    AuthSandbox s({"--token-lifetime", "1"});
    // The client's clock stands still: it believes its token is fresh; the sandbox's does not.
    const auto frozen = std::chrono::system_clock::now();
    auto o = AuthSandbox::options(TokenOptions::Mode::Exchange);
    o.clock = [frozen] { return frozen; };
    auto tokens = makeTokenSource(s.credentials(s.kid), o);
    auto client = s.client(tokens);
    client.listAllDatasets("p");
    EXPECT_EQ(tokens->fetchCount(), 1);
    std::this_thread::sleep_for(1500ms); // the sandbox's token expires
    EXPECT_NO_THROW(client.listAllDatasets("p"));
    EXPECT_EQ(tokens->fetchCount(), 2);
    EXPECT_NE(s.finalLog().find("datasets 401"), std::string::npos);
}

TEST(SandboxAuth, ManyThreadsShareOneTokenRefresh) {
    AuthSandbox s({"--faults", "token:delay=300ms:1"});
    auto tokens = makeTokenSource(s.credentials(s.kid), AuthSandbox::options(TokenOptions::Mode::Exchange));
    auto client = s.client(tokens);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 12; ++i)
        threads.emplace_back([&] {
            client.listAllDatasets("p");
            ++ok;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 12);
    EXPECT_EQ(tokens->fetchCount(), 1);
}

TEST(SandboxAuth, TokenEndpointFailuresAreRetriedThenReported) {
    AuthSandbox s({"--faults", "token:503:1"});
    try {
        auto client = s.client(makeTokenSource(s.credentials(s.kid), AuthSandbox::options(TokenOptions::Mode::Exchange)));
        client.listAllDatasets("p");
        FAIL();
    } catch (const AuthError& e) {
        EXPECT_EQ(e.kind(), AuthError::Kind::TokenEndpoint);
        expectContains(e.what(), "HTTP 503");
    }
    const auto log = s.finalLog();
    std::size_t n = 0;
    for (auto p = log.find("POST /token 503"); p != std::string::npos; p = log.find("POST /token 503", p + 1)) ++n;
    EXPECT_EQ(n, 3u) << log;
}

TEST(SandboxAuth, EveryRejectionSaysWhatIsWrong) {
    AuthSandbox s;
    const auto exchange = AuthSandbox::options(TokenOptions::Mode::Exchange);

    // Unknown key id.
    auto m = signInError(s, s.credentials("no-such-key"), exchange);
    expectContains(m, "Invalid JWT Signature.");
    expectContains(m, "trusts no key 'no-such-key'");
    expectContains(m, "create a new key");

    // The certificate of another key: the kid names the uploaded key, another key signs.
    ScratchDir other;
    const auto otherPair = generateKeyPair(other.path, {});
    KeyFileOptions ko;
    ko.accountEmail = kEmail;
    ko.keyId = s.kid;
    ko.tokenUri = s.tokenUri();
    m = signInError(s, loadKeyFile(otherPair.privateKey, ko), exchange);
    expectContains(m, "Invalid JWT Signature.");
    expectContains(m, "does not match key '" + s.kid + "'");

    // An account the sandbox does not know.
    m = signInError(s, s.credentials(s.kid, "ghost@sandbox-proj.iam.gserviceaccount.com"), exchange);
    expectContains(m, "account not found");
    expectContains(m, "does not exist (deleted?)");

    // Expired: this computer's clock is two hours behind.
    auto late = exchange;
    late.clock = [] { return std::chrono::system_clock::now() - 2h; };
    m = signInError(s, s.credentials(s.kid), late);
    expectContains(m, "short-lived token (60 minutes)");
    expectContains(m, "(the JWT has expired)");
    expectContains(m, "Check this computer's clock");

    // A lifetime over an hour.
    auto longLived = exchange;
    longLived.jwtLifetime = 7200s;
    m = signInError(s, s.credentials(s.kid), longLived);
    expectContains(m, "exp - iat must be at most 3600 seconds");

    // A self-signed JWT for another audience.
    auto wrongAud = AuthSandbox::options(TokenOptions::Mode::SelfSigned);
    wrongAud.audience = "https://storage.googleapis.com/";
    m = signInError(s, s.credentials(s.kid), wrongAud);
    expectContains(m, "Failed audience check");

    // Hand-made assertions: wrong aud, tampered signature, a JWT that is not one.
    const auto t = nowSeconds();
    nlohmann::json claims = {{"iss", kEmail}, {"scope", "https://www.googleapis.com/auth/bigquery"},
                             {"aud", "https://example.com/token"}, {"iat", t}, {"exp", t + 600}};
    auto r = s.postAssertion(s.signedBy(claims));
    EXPECT_EQ(r.status, 400);
    expectContains(r.body, "invalid_grant");
    expectContains(r.body, "Failed audience check");
    claims["aud"] = "https://oauth2.googleapis.com/token";
    EXPECT_EQ(s.postAssertion(s.signedBy(claims)).status, 200);
    auto tampered = s.signedBy(claims);
    tampered[tampered.rfind('.') + 5] = tampered[tampered.rfind('.') + 5] == 'A' ? 'B' : 'A';
    r = s.postAssertion(tampered);
    EXPECT_EQ(r.status, 400);
    expectContains(r.body, "Invalid JWT Signature.");
    r = s.postAssertion("not-a-jwt");
    EXPECT_EQ(r.status, 400);
    expectContains(r.body, "Invalid JWT: not a JWT");
    claims.erase("scope");
    r = s.postAssertion(s.signedBy(claims));
    expectContains(r.body, "invalid_scope");
}

TEST(SandboxAuth, WeakKeysAreNeitherTrustedNorAccepted) {
    ScratchDir pre;
    const auto keys = fs::path(pre.path) / "keys";
    fs::create_directories(keys / kEmail);
    ASSERT_EQ(runCommand("openssl req -x509 -nodes -newkey rsa:1024 -days 2 -subj /CN=unused -keyout " + pre.path +
                         "/weak.pem -out " + (keys / kEmail / "weak1024.pem").string()).code, 0);
    const auto log = fs::path(pre.path) / "log";
    {
        SandboxProcess sb({"--auth", "keys:" + keys.string()}, {}, log);
        HttpClient http;
        HttpRequest r;
        r.method = "POST";
        r.url = sb.url() + "/v1/projects/-/serviceAccounts/" + kEmail + "/keys:upload";
        r.body = uploadRestBody(quarry::test::readFile(keys / kEmail / "weak1024.pem"));
        r.headers.push_back({"Authorization", "Bearer " + firstLine(keys / ".admin-token")});
        const auto resp = http.send(r);
        EXPECT_EQ(resp.status, 400);
        expectContains(resp.body, "1024 bits; RSA keys of 2048 bits or more are required");
    }
    expectContains(quarry::test::readFile(log), "weak1024.pem: an RSA key of 1024 bits is too weak");
    try {
        KeyFileOptions o;
        o.accountEmail = kEmail;
        loadKeyFile(fs::path(pre.path) / "weak.pem", o);
        FAIL();
    } catch (const AuthError& e) {
        EXPECT_EQ(e.kind(), AuthError::Kind::WeakKey);
        expectContains(e.what(), "only 1024 bits");
    }
}

TEST(SandboxAuth, TheJwtsItAcceptedVerifyWithOpenssl) {
    AuthSandbox s;
    auto tokens = makeTokenSource(s.credentials(s.kid), AuthSandbox::options(TokenOptions::Mode::SelfSigned));
    auto client = s.client(tokens);
    client.listAllDatasets("p"); // the sandbox accepted this very token
    const auto jwt = crypto::decodeJwt(tokens->token());
    EXPECT_EQ(jwt.header["kid"], s.kid);
    const auto dir = fs::path(s.dir.path);
    std::ofstream(dir / "input", std::ios::binary) << jwt.signingInput;
    std::ofstream(dir / "sig", std::ios::binary) << jwt.signature;
    const auto r = runCommand("openssl x509 -noout -pubkey -in " + s.pair.certificate.string() + " > " + (dir / "pub.pem").string() +
                              " && openssl dgst -sha256 -verify " + (dir / "pub.pem").string() + " -signature " +
                              (dir / "sig").string() + " " + (dir / "input").string());
    EXPECT_EQ(r.code, 0) << r.out;
    expectContains(r.out, "Verified OK");
}
