// SPDX-License-Identifier: MIT
#include "Common.h"

#include "quarry/Version.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace quarry::cli {
namespace {

std::string defaultProject() {
    for (const char* name : {"QUARRY_PROJECT", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"})
        if (const char* v = std::getenv(name); v && *v) return v;
    return {};
}

} // namespace

BigQueryClient makeClient(const Globals& g) {
    BigQueryClient::Options o;
    o.endpoint = Endpoint::resolve(g.endpoint, {});
    o.projectId = g.project.empty() ? defaultProject() : g.project;
    o.http.userAgent = std::string("quarry-cli/") + kVersion;
    o.retry.maxAttempts = g.maxRetries + 1;
    o.retry.maxConnectAttempts = std::min(o.retry.maxConnectAttempts, o.retry.maxAttempts);
    if (g.verbose) o.http.log = [](const std::string& line) { std::cerr << line << '\n'; };
    // Credentials arrive with key-based sign-in; until then requests go without a token
    // (the sandbox and emulators accept that).
    return BigQueryClient(std::move(o));
}

std::string requireProject(const BigQueryClient& c) {
    if (c.projectId().empty()) throw UsageError("no project: pass --project NAME or set GOOGLE_CLOUD_PROJECT");
    return c.projectId();
}

std::string str(const Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string humanBytes(std::uint64_t n) {
    static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = static_cast<double>(n);
    int u = 0;
    while (v >= 1000 && u < 5) {
        v /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

} // namespace quarry::cli
