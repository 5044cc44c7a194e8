// SPDX-License-Identifier: MIT
#include "Common.h"

#include "quarry/Version.h"
#include "value/Text.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace quarry::cli {
namespace {

std::string defaultProject() {
    for (const char* name : {"QUARRY_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"})
        if (const char* v = std::getenv(name); v && *v) return v;
    return {};
}

} // namespace

std::string readPassphraseFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw UsageError("cannot read the passphrase file " + path);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

auth::Credentials credentialsFor(const Globals& g, const Endpoint& endpoint) {
    if (!g.keyFile.empty() && g.adc) throw UsageError("pass --key FILE or --adc, not both");
    auth::KeyFileOptions ko;
    ko.accountEmail = g.keyEmail;
    ko.keyId = g.keyId;
    if (!g.passphraseFile.empty()) ko.passphrase = readPassphraseFile(g.passphraseFile);
    auth::Credentials c;
    if (!g.keyFile.empty()) c = auth::loadKeyFile(g.keyFile, ko);
    else if (g.adc || endpoint.isGoogle()) c = auth::findDefaultCredentials(ko);
    crypto::wipe(ko.passphrase);
    for (const auto& w : c.warnings) std::cerr << "quarry-cli: warning: " << w << '\n';
    return c;
}

BigQueryClient::Options clientOptions(const Globals& g, auth::Credentials* used) {
    BigQueryClient::Options o;
    o.endpoint = Endpoint::resolve(g.endpoint, {});
    o.http.userAgent = std::string("quarry-cli/") + kVersion;
    o.retry.maxAttempts = g.maxRetries + 1;
    o.retry.maxConnectAttempts = std::min(o.retry.maxConnectAttempts, o.retry.maxAttempts);
    if (g.verbose) o.http.log = [](const std::string& line) { std::cerr << line << '\n'; };
    const auto creds = credentialsFor(g, o.endpoint);
    auth::TokenOptions to;
    to.http.userAgent = o.http.userAgent;
    to.http.log = o.http.log;
    to.mode = g.tokenMode == "exchange"      ? auth::TokenOptions::Mode::Exchange
              : g.tokenMode == "self-signed" ? auth::TokenOptions::Mode::SelfSigned
                                             : auth::TokenOptions::Mode::Auto;
    o.tokens = auth::makeTokenSource(creds, to);
    o.projectId = g.project.empty() ? defaultProject() : g.project;
    if (o.projectId.empty()) o.projectId = creds.projectId();
    // google-auth's rule: GOOGLE_CLOUD_QUOTA_PROJECT, else the credentials' quota project.
    if (const char* q = std::getenv("GOOGLE_CLOUD_QUOTA_PROJECT"); q && *q) o.quotaProject = q;
    else if (creds.user) o.quotaProject = creds.user->quotaProjectId;
    if (used) *used = creds;
    return o;
}

BigQueryClient makeClient(const Globals& g) { return BigQueryClient(clientOptions(g)); }

std::string requireProject(const BigQueryClient& c) {
    if (c.projectId().empty()) throw UsageError("no project: pass --project NAME or set GOOGLE_CLOUD_PROJECT");
    return c.projectId();
}

std::string str(const Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string humanBytes(std::uint64_t n) { return text::formatBytes(n); }

} // namespace quarry::cli
