// SPDX-License-Identifier: MIT
#include "Common.h"

#include "quarry/Version.h"
#include "value/JsonParse.h"
#include "value/Text.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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
    auth::checkCredentialsForEndpoint(c, endpoint, g.allowCredentialsToEndpoint);
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
    to.audience = auth::audienceFor(o.endpoint); // a self-signed JWT is good only where it is sent
    to.http.userAgent = o.http.userAgent;
    to.http.log = o.http.log;
    to.mode = g.tokenMode == "exchange"      ? auth::TokenOptions::Mode::Exchange
              : g.tokenMode == "self-signed" ? auth::TokenOptions::Mode::SelfSigned
                                             : auth::TokenOptions::Mode::Auto;
    o.tokens = auth::makeTokenSource(creds, to);
    o.storageTokens = auth::makeStorageTokenSource(creds, to, o.endpoint);
    if (!g.storageEndpoint.empty()) {
        std::string why;
        o.storageEndpoint = StorageApiEndpoint::parse(g.storageEndpoint, why);
        if (o.storageEndpoint.empty()) throw UsageError(why);
    }
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

std::int64_t parseByteSize(const std::string& text, const std::string& option) {
    auto bad = [&] {
        return UsageError(option + ": '" + text +
                          "' is not a size: write a number of bytes, or a number with a unit: 500MB, 1.5GB, 2TiB "
                          "(KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB powers of 1024)");
    };
    std::size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == 0) throw bad();
    double n = 0;
    try {
        std::size_t used = 0;
        n = std::stod(text.substr(0, i), &used);
        if (used != i) throw bad();
    } catch (const std::logic_error&) {
        throw bad();
    }
    std::string unit = text.substr(i);
    unit.erase(0, std::min(unit.size(), unit.find_first_not_of(' ')));
    for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static const std::pair<const char*, double> units[] = {
        {"", 1},        {"B", 1},          {"KB", 1e3},           {"MB", 1e6},           {"GB", 1e9},
        {"TB", 1e12},   {"PB", 1e15},      {"KIB", 1024.0},       {"MIB", 1048576.0},    {"GIB", 1073741824.0},
        {"TIB", 1099511627776.0}, {"PIB", 1125899906842624.0}};
    for (const auto& [name, factor] : units) {
        if (unit != name) continue;
        const double bytes = std::floor(n * factor);
        if (!(bytes >= 1)) throw UsageError(option + ": '" + text + "' is less than one byte");
        if (bytes > 9.2e18) throw UsageError(option + ": '" + text + "' is more than BigQuery can count (about 9.2 EB)");
        return static_cast<std::int64_t>(bytes);
    }
    throw bad();
}

JobRef parseJobRef(const std::string& text, const std::string& defaultProject, const std::string& location) {
    JobRef j{defaultProject, text, location};
    // Job ids are letters, digits, '_' and '-': a '.' or ':' separates the other parts.
    const auto dot = text.rfind('.');
    const auto colon = text.rfind(':');
    if (dot == std::string::npos && colon == std::string::npos) return j;
    const bool byDot = dot != std::string::npos && (colon == std::string::npos || dot > colon);
    const auto sep = byDot ? dot : colon;
    j.jobId = text.substr(sep + 1);
    const std::string head = text.substr(0, sep);
    if (byDot) {
        const auto c = head.rfind(':');
        j.location = c == std::string::npos ? head : head.substr(c + 1);
        if (c != std::string::npos) j.projectId = head.substr(0, c);
        if (!location.empty() && location != j.location)
            throw UsageError("the job " + text + " is in " + j.location + ", not in --location " + location);
    } else {
        j.projectId = head;
    }
    if (j.jobId.empty() || j.projectId.empty())
        throw UsageError("'" + text + "' is not a job: write JOB_ID, LOCATION.JOB_ID or PROJECT:LOCATION.JOB_ID");
    return j;
}

std::string jobRefText(const JobRef& j) {
    return j.projectId + ":" + (j.location.empty() ? std::string() : j.location + ".") + j.jobId;
}

namespace {
std::atomic<int> gSignal{0};
extern "C" void onInterrupt(int sig) { gSignal = sig; }
} // namespace

InterruptWatch::InterruptWatch(CancelToken& token) {
    gSignal = 0;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    thread_ = std::thread([this, &token] {
        while (!done_) {
            if (gSignal) token.cancel();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
}

InterruptWatch::~InterruptWatch() {
    done_ = true;
    thread_.join();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

bool InterruptWatch::interrupted() { return gSignal != 0; }
int InterruptWatch::signal() { return gSignal; }

Schema readSchemaArgument(const std::string& spec) {
    if (std::filesystem::is_regular_file(spec)) {
        std::ifstream in(spec);
        if (!in) throw UsageError("cannot read the schema file " + spec);
        const auto j = parseJsonOrDiscard(in);
        if (j.is_discarded()) throw UsageError(spec + " is not valid JSON (expected a BigQuery schema: [{\"name\":...,\"type\":...}])");
        try {
            Schema s = j.is_array()                               ? Schema::fromJson(Json{{"fields", j}})
                       : j.is_object() && j.contains("schema") ? Schema::fromJson(j["schema"])
                                                                : Schema::fromJson(j);
            checkNoReservedNames(s.fields);
            return s;
        } catch (const SchemaError& e) {
            throw UsageError(spec + ": " + e.what());
        }
    }
    // Inline: name:TYPE,name:TYPE (bq's short form; TYPE defaults to STRING, no nesting).
    if (spec.find_first_of("{[/") != std::string::npos || spec.ends_with(".json"))
        throw UsageError("the schema file " + spec + " does not exist");
    Json fields = Json::array();
    std::size_t start = 0;
    for (int column = 1; start <= spec.size(); ++column) {
        const auto comma = std::min(spec.find(',', start), spec.size());
        const std::string item = spec.substr(start, comma - start);
        const auto colon = item.find(':');
        const std::string name = item.substr(0, colon), type = colon == std::string::npos ? "STRING" : item.substr(colon + 1);
        if (name.empty() || type.empty())
            throw UsageError("schema \"" + spec + "\", column " + std::to_string(column) + ": expected name:TYPE");
        fields.push_back({{"name", name}, {"type", type}});
        start = comma + 1;
    }
    try {
        Schema s = Schema::fromJson(Json{{"fields", fields}});
        checkNoReservedNames(s.fields);
        return s;
    } catch (const SchemaError& e) {
        throw UsageError("schema \"" + spec + "\": " + e.what());
    }
}

Json timePartitioningOf(const std::string& field, const std::string& type, std::int64_t expirationSeconds) {
    if (field.empty() && type.empty() && expirationSeconds <= 0) return nullptr;
    Json p = {{"type", type.empty() ? "DAY" : type}};
    if (!field.empty()) p["field"] = field;
    if (expirationSeconds > 0) p["expirationMs"] = std::to_string(expirationSeconds * 1000);
    return p;
}

Json rangePartitioningOf(const std::string& spec) {
    if (spec.empty()) return nullptr;
    std::vector<std::string> parts;
    for (std::size_t s = 0; s <= spec.size();) {
        const auto c = std::min(spec.find(',', s), spec.size());
        parts.push_back(spec.substr(s, c - s));
        s = c + 1;
    }
    const auto integer = [](const std::string& t) {
        std::size_t used = 0;
        try {
            (void)std::stoll(t, &used);
        } catch (...) {
            return false;
        }
        return used == t.size();
    };
    if (parts.size() != 4 || parts[0].empty() || !integer(parts[1]) || !integer(parts[2]) || !integer(parts[3]))
        throw UsageError("--range_partitioning takes FIELD,START,END,INTERVAL with integer bounds, e.g. id,0,1000,10; not '" + spec + "'");
    return {{"field", parts[0]}, {"range", {{"start", parts[1]}, {"end", parts[2]}, {"interval", parts[3]}}}};
}

Json clusteringOf(const std::string& list) {
    if (list.empty()) return nullptr;
    Json fields = Json::array();
    for (std::size_t s = 0; s <= list.size();) {
        const auto c = std::min(list.find(',', s), list.size());
        fields.push_back(list.substr(s, c - s));
        s = c + 1;
    }
    return {{"fields", fields}};
}

} // namespace quarry::cli
