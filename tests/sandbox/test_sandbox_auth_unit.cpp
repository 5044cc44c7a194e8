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

TEST(SandboxAuthUnit, AKeyWhoseCertificateExpiredSignsNobodyIn) {
    const std::string email = "robot@p.iam.gserviceaccount.com";
    const auto dir = fs::temp_directory_path() / ("quarry-auth-unit-" + std::to_string(quarry::platform::processId()));
    fs::remove_all(dir);
    fs::create_directories(dir / email);
    const auto key = crypto::PrivateKey::generate(2048);
    std::ofstream(dir / email / "k1.pem") << crypto::selfSignedCertificate(key, "unused", 1);
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
