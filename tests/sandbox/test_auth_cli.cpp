// SPDX-License-Identifier: MIT
// quarry-cli's key and auth commands against `quarry-sandbox --auth keys:DIR`, with request
// logging on everywhere, and a search of every output, log and state file for secrets.
#include "RunCommand.h"
#include "TestData.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "auth/KeyPair.h"
#include "crypto/Keys.h"
#include "net/HttpClient.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

using namespace quarry;
using namespace quarry::test;
namespace fs = std::filesystem;

namespace {

const std::string kEmail = "cli-bot@sandbox-proj.iam.gserviceaccount.com";
const std::string kPassphrase = "pp-Quarry-7781-secret";

struct CliEnv {
    ScratchDir dir;
    fs::path root = dir.path;
    fs::path home = root / "home";
    fs::path log = root / "sandbox.log";
    std::unique_ptr<SandboxProcess> sandbox;
    std::string everything; ///< all CLI output, for the secrets search

    CliEnv() {
        fs::create_directories(root / "keys" / kEmail);
        fs::create_directories(home);
        sandbox = std::make_unique<SandboxProcess>(
            std::vector<std::string>{"--auth", "keys:" + (root / "keys").string(), "--log-requests"}, fs::path(), log);
        std::ofstream(root / "pass.txt") << kPassphrase << "\n";
    }

    CommandResult cli(const std::string& args) {
        const std::string env = "env -u GOOGLE_APPLICATION_CREDENTIALS HOME=" + home.string() +
                                " XDG_STATE_HOME=" + (home / "state").string() + " XDG_CONFIG_HOME=" +
                                (home / "config").string() + " CLOUDSDK_CONFIG=" + (home / "gcloud").string() + " ";
        auto r = runCommand(env + QUARRY_CLI + " " + args);
        everything += r.out;
        return r;
    }
    std::string endpoint() const { return "--endpoint " + sandbox->url() + " --project p"; }

    std::string upload(const fs::path& cert) {
        HttpClient http;
        HttpRequest r;
        r.method = "POST";
        r.url = sandbox->url() + "/v1/projects/-/serviceAccounts/" + kEmail + "/keys:upload";
        r.body = auth::uploadRestBody(quarry::test::readFile(cert));
        std::ifstream admin(root / "keys" / ".admin-token");
        std::string token;
        std::getline(admin, token);
        r.headers.push_back({"Authorization", "Bearer " + token});
        const auto name = nlohmann::json::parse(http.send(r).body)["name"].get<std::string>();
        return name.substr(name.rfind('/') + 1);
    }
};

std::string field(const std::string& out, const std::string& label) {
    std::smatch m;
    if (std::regex_search(out, m, std::regex(label + " +SHA-256 ([0-9A-F:]{95})"))) return m[1];
    return {};
}

} // namespace

TEST(AuthCli, OwnKeyPairFromGenerateToSignInWithoutLeakingASecret) {
    CliEnv e;
    const auto kp = e.root / "kp";
    const std::string pass = "--passphrase-file " + (e.root / "pass.txt").string();

    auto r = e.cli("key generate --out " + kp.string() + " --email " + kEmail + " --encrypt-with " + (e.root / "pass.txt").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("gcloud iam service-accounts keys upload " + (kp / "public_cert.pem").string() +
                         " --iam-account=" + kEmail), std::string::npos) << r.out;
    EXPECT_NE(quarry::test::readFile(kp / "private_key.pem").find("ENCRYPTED PRIVATE KEY"), std::string::npos);
    const auto certFp = field(r.out, "certificate");
    const auto keyFp = field(r.out, "public key");
    ASSERT_FALSE(certFp.empty()) << r.out;
    const auto ossl = runCommand("openssl x509 -noout -fingerprint -sha256 -in " + (kp / "public_cert.pem").string());
    EXPECT_NE(ossl.out.find(certFp), std::string::npos) << ossl.out;
    EXPECT_EQ(e.cli("key generate --out " + kp.string()).code, 1) << "an existing key pair was replaced";

    const auto kid = e.upload(kp / "public_cert.pem");
    const auto keyFile = (kp / ("key-" + kid + ".json")).string();
    r = e.cli(pass + " key make-file --private-key " + (kp / "private_key.pem").string() + " --email " + kEmail +
              " --key-id " + kid + " --token-uri " + e.sandbox->url() + "/token");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("matches the private key"), std::string::npos) << r.out;

    // Fingerprints are the same whichever file they come from.
    r = e.cli(pass + " key fingerprint " + keyFile);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(field(r.out, "public key"), keyFp);
    r = e.cli("key fingerprint " + (kp / "public_cert.pem").string());
    EXPECT_EQ(field(r.out, "public key"), keyFp);
    EXPECT_EQ(field(r.out, "certificate"), certFp);

    for (const std::string mode : {"exchange", "self-signed"}) {
        r = e.cli("-v " + e.endpoint() + " --key " + keyFile + " " + pass + " --token-mode " + mode + " auth test");
        EXPECT_EQ(r.code, 0) << r.out;
        EXPECT_NE(r.out.find("signed in: ok"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find(kEmail), std::string::npos) << r.out;
    }
    // The Storage API's calls sign in too, with either mode's tokens: a self-signed JWT made
    // for them names this sandbox (Google's would name bigquerystorage.googleapis.com).
    {
        std::ofstream rows(e.root / "rows.ndjson");
        for (int i = 1; i <= 50; ++i) rows << "{\"n\": " << i << "}\n";
    }
    std::ofstream(e.root / "n.json") << R"([{"name":"n","type":"INTEGER"}])";
    for (const std::string mode : {"exchange", "self-signed"}) {
        const std::string table = mode == "exchange" ? "d.by_exchange" : "d.by_jwt";
        const std::string as = e.endpoint() + " --key " + keyFile + " " + pass + " --token-mode " + mode;
        r = e.cli(as + " upload --api write --create --create-dataset --no-progress --schema " + (e.root / "n.json").string() + " " +
                  (e.root / "rows.ndjson").string() + " " + table);
        EXPECT_EQ(r.code, 0) << r.out;
        EXPECT_NE(r.out.find("through the Storage Write API"), std::string::npos) << r.out;
        const auto out = e.root / (mode + ".ndjson");
        r = e.cli(as + " query --no-history --api read -o " + out.string() + " 'SELECT SUM(n) AS s FROM " + table + "'");
        EXPECT_EQ(r.code, 0) << r.out;
        EXPECT_NE(r.out.find("through the Storage Read API"), std::string::npos) << r.out;
        EXPECT_EQ(quarry::test::readFile(out), "{\"s\":\"1275\"}\n");
    }
    r = e.cli("-v " + e.endpoint() + " --key " + keyFile + " " + pass + " query 'SELECT 17 AS n'");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("17"), std::string::npos) << r.out;

    // Failures, each with its reason.
    std::ofstream(e.root / "wrong.txt") << "not the passphrase\n";
    r = e.cli(e.endpoint() + " --key " + keyFile + " --passphrase-file " + (e.root / "wrong.txt").string() + " auth test");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("the passphrase does not decrypt the private key"), std::string::npos) << r.out;
    r = e.cli(e.endpoint() + " --key " + keyFile + " auth test");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("a passphrase is needed"), std::string::npos) << r.out;
    r = e.cli(pass + " key make-file --private-key " + (kp / "private_key.pem").string() + " --email " + kEmail +
              " --key-id bogus --token-uri " + e.sandbox->url() + "/token --out " + (e.root / "bogus.json").string());
    ASSERT_EQ(r.code, 0) << r.out;
    r = e.cli("-v " + e.endpoint() + " --key " + (e.root / "bogus.json").string() + " " + pass + " --token-mode exchange auth test");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("sign-in: sign-in as " + kEmail + " failed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("trusts no key 'bogus'"), std::string::npos) << r.out;
    const auto other = e.root / "other";
    ASSERT_EQ(e.cli("key generate --out " + other.string()).code, 0);
    r = e.cli(pass + " key make-file --private-key " + (kp / "private_key.pem").string() + " --email " + kEmail +
              " --key-id " + kid + " --certificate " + (other / "public_cert.pem").string() + " --out " +
              (e.root / "mismatch.json").string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("is the certificate of another key"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(e.root / "mismatch.json"));
    r = e.cli(e.endpoint() + " ls");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("pass --key FILE or --adc"), std::string::npos) << r.out;
    std::ofstream(e.root / "table.json") << R"({"kind":"bigquery#table"})";
    r = e.cli(e.endpoint() + " --key " + (e.root / "table.json").string() + " auth test");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("not a Google credentials file"), std::string::npos) << r.out;

    // The secrets search: outputs, the sandbox's request log, every file the CLI wrote.
    e.sandbox->stop(); // it logs a request after answering it: the log is complete once it has stopped
    std::string haystack = e.everything + quarry::test::readFile(e.log);
    for (const auto& f : fs::recursive_directory_iterator(e.home))
        if (f.is_regular_file()) haystack += quarry::test::readFile(f.path());
    EXPECT_NE(quarry::test::readFile(e.log).find("POST /token 200"), std::string::npos) << "the log check saw no sign-in";
    const auto key = crypto::PrivateKey::fromPem(quarry::test::readFile(kp / "private_key.pem"), kPassphrase);
    std::vector<std::string> secrets = {kPassphrase, "ya29.", "eyJ", "PRIVATE KEY-----"};
    for (const auto& pem : {key.toPkcs8Pem(), quarry::test::readFile(kp / "private_key.pem")}) {
        std::istringstream lines(pem);
        for (std::string l; std::getline(lines, l);)
            if (l.size() >= 40 && l.find("-----") == std::string::npos) secrets.push_back(l.substr(0, 40));
    }
    ASSERT_GT(secrets.size(), 20u);
    for (const auto& secret : secrets) EXPECT_EQ(haystack.find(secret), std::string::npos) << "leaked: " << secret;
}
