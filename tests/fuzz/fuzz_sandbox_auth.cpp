// SPDX-License-Identifier: MIT
// Fuzzes the sandbox's sign-in checks, which read untrusted bearer tokens, token requests and
// key uploads. The first byte picks the entry point; mode 3 signs the input as JWT claims with
// a trusted key, so the checks behind the signature (aud, iat/exp, scope) see any JSON.
#include "crypto/Base64.h"
#include "crypto/Jwt.h"
#include "crypto/Keys.h"
#include "sandbox/Auth.h"
#include "platform/System.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

const char* kEmail = "fuzz@p.iam.gserviceaccount.com";

struct World {
    quarry::crypto::PrivateKey key = quarry::crypto::PrivateKey::generate(2048);
    std::filesystem::path dir;
    std::unique_ptr<quarry::sandbox::SandboxAuth> auth;
    World() {
        dir = std::filesystem::temp_directory_path() / ("quarry-fuzz-auth-" + std::to_string(quarry::platform::processId()));
        std::filesystem::create_directories(dir / kEmail);
        std::ofstream(dir / kEmail / "k1.pem") << quarry::crypto::selfSignedCertificate(key, "unused", 36500); // valid at the fixed now below
        quarry::sandbox::SandboxAuth::Options o;
        o.dir = dir;
        o.now = [] { return std::int64_t(1'800'000'000); };
        auth = std::make_unique<quarry::sandbox::SandboxAuth>(o);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World w;
    if (size == 0) return 0;
    const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 5) {
    case 0: w.auth->authorize("Bearer " + rest, "http://127.0.0.1:1"); break;
    case 1: w.auth->token(rest, "http://127.0.0.1:1/token"); break;
    case 2:
        w.auth->token("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + rest,
                      "http://127.0.0.1:1/token");
        break;
    case 3: {
        // Claims of any shape behind a valid signature.
        const std::string header = quarry::crypto::base64url(R"({"alg":"RS256","typ":"JWT","kid":"k1"})");
        std::string jwt = header + "." + quarry::crypto::base64url(rest);
        jwt += "." + quarry::crypto::base64url(w.key.signSha256(jwt));
        w.auth->authorize("Bearer " + jwt, "http://127.0.0.1:1");
        w.auth->token("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + jwt,
                      "http://127.0.0.1:1/token");
        break;
    }
    default: {
        static const std::string admin = [] {
            std::ifstream in(quarry::sandbox::SandboxAuth::adminTokenPath(w.dir));
            std::string t;
            std::getline(in, t);
            return "Bearer " + t;
        }();
        w.auth->uploadKey("nobody@p.iam.gserviceaccount.com", rest, admin);
        w.auth->uploadKey("nobody@p.iam.gserviceaccount.com", rest, "Bearer " + rest);
        break;
    }
    }
    return 0;
}
