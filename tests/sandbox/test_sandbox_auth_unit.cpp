// SPDX-License-Identifier: MIT
// SandboxAuth in-process, where the clock can be moved: a trusted key whose certificate has
// expired signs nobody in.
#include "crypto/Jwt.h"
#include "crypto/Keys.h"
#include "sandbox/Auth.h"
#include "platform/System.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

using namespace quarry;
namespace fs = std::filesystem;

namespace {

const std::string kRobot = "robot@p.iam.gserviceaccount.com";

/// A fresh keys folder trusting `key`'s certificate as kRobot's key k1.
fs::path trustedKeys(const std::string& name, const crypto::PrivateKey& key) {
    const auto dir = fs::temp_directory_path() / (name + std::to_string(quarry::platform::processId()));
    fs::remove_all(dir);
    fs::create_directories(dir / kRobot);
    std::ofstream(dir / kRobot / "k1.pem") << crypto::selfSignedCertificate(key, "unused", 1);
    return dir;
}

} // namespace

TEST(SandboxAuthUnit, AKeyWhoseCertificateExpiredSignsNobodyIn) {
    const std::string email = kRobot;
    const auto key = crypto::PrivateKey::generate(2048);
    const auto dir = trustedKeys("quarry-auth-unit-", key);
    const std::int64_t today =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto signIn = [&](std::int64_t at) {
        sandbox::SandboxAuth::Options o;
        o.dir = dir;
        o.now = [at] { return at; };
        sandbox::SandboxAuth auth(o);
        const nlohmann::json claims = {{"iss", email}, {"sub", email}, {"aud", "https://bigquery.googleapis.com/"},
                                       {"iat", at}, {"exp", at + 3600}};
        return auth.authorize("Bearer " + crypto::signJwt(claims, key, "k1"), "http://127.0.0.1:1");
    };
    EXPECT_EQ(signIn(today).status, 200);
    const auto later = signIn(today + 3 * 86400);
    EXPECT_EQ(later.status, 401) << later.body.dump();
    EXPECT_NE(later.body.dump().find("expired at"), std::string::npos) << later.body.dump();
    fs::remove_all(dir);
}

TEST(SandboxAuthUnit, ASelfSignedJwtIsGoodOnlyForTheServiceItNames) {
    const std::string email = kRobot;
    const auto key = crypto::PrivateKey::generate(2048);
    const auto dir = trustedKeys("quarry-auth-aud-", key);
    sandbox::SandboxAuth::Options o;
    o.dir = dir;
    sandbox::SandboxAuth auth(o);
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto header = [&](const std::string& aud) {
        const nlohmann::json claims = {{"iss", email}, {"sub", email}, {"aud", aud}, {"iat", now}, {"exp", now + 3600}};
        return "Bearer " + crypto::signJwt(claims, key, "k1");
    };
    const std::string storage = "https://bigquerystorage.googleapis.com/", self = "http://127.0.0.1:1";
    EXPECT_EQ(auth.authorize(header("https://bigquery.googleapis.com/"), self).status, 200);
    EXPECT_EQ(auth.authorize(header(storage), self, storage).status, 200);
    EXPECT_EQ(auth.authorize(header(self + "/"), self, storage).status, 200);
    // BigQuery's JWT at the Storage API, and the Storage API's at BigQuery, are refused.
    const auto rest = auth.authorize(header("https://bigquery.googleapis.com/"), self, storage);
    EXPECT_EQ(rest.status, 401);
    EXPECT_NE(rest.body.dump().find("The right audience is " + storage), std::string::npos) << rest.body.dump();
    EXPECT_EQ(auth.authorize(header(storage), self).status, 401);
    // Before the REST port is known, only the service's own audience is.
    EXPECT_EQ(auth.authorize(header("/"), "", storage).status, 401);
    fs::remove_all(dir);
}
