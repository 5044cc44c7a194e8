// SPDX-License-Identifier: MIT
#include "bigquery/BigQueryClient.h"
#include "crypto/Keys.h"
#include "value/JsonParse.h"

#include "value/FvCodec.h"

#include <algorithm>
#include <cctype>
#include <random>

namespace quarry {
namespace {

std::string enc(const std::string& s) { return urlEncode(s); }

void addParam(std::string& q, std::string_view name, const std::string& value) {
    if (!q.empty()) q.push_back('&');
    q.append(name);
    q.push_back('=');
    q += urlEncode(value);
}

std::string datasetPath(const std::string& p, const std::string& d) {
    return "/projects/" + enc(p) + "/datasets/" + enc(d);
}

std::string tablePath(const TableRef& t) {
    return datasetPath(t.projectId, t.datasetId) + "/tables/" + enc(t.tableId);
}

// Fills what BigQuery must always be told explicitly in a query request or job config.
void completeQueryConfig(Json& q) {
    if (!q.contains("useLegacySql")) q["useLegacySql"] = false;
}

} // namespace

BigQueryClient::BigQueryClient(Options options) : options_(std::move(options)), http_(options_.http) {}

std::string BigQueryClient::sandboxHeader(const std::string& project, const std::string& name, const CancelToken* c) {
    if (!endpoint().isLoopback()) return {};
    try {
        return call("GET", "/projects/" + urlEncode(project) + "/datasets", "maxResults=0", {}, c).header(name);
    } catch (const std::exception&) {
        return {}; // not a sandbox that says
    }
}

std::string BigQueryClient::sandboxDataId(const std::string& project, const CancelToken* c) {
    const auto id = sandboxHeader(project, "X-Quarry-Data-Id", c);
    if (id.size() == 32 && std::all_of(id.begin(), id.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); }))
        return id;
    return {};
}

std::string BigQueryClient::bearerToken(const CancelToken* c) {
    if (options_.tokens) return options_.tokens->token(c);
    if (options_.accessToken) return options_.accessToken();
    return {};
}

std::string BigQueryClient::storageBearerToken(const CancelToken* c) {
    if (options_.storageTokens) return options_.storageTokens->token(c);
    return bearerToken(c);
}

StorageApiEndpoint BigQueryClient::sandboxStorageApi(const std::string& project, const CancelToken* c) {
    std::string a = sandboxHeader(project, "X-Quarry-Storage-Api", c);
    const bool tls = a.starts_with("tls:");
    if (tls) a.erase(0, 4);
    std::string why;
    auto at = StorageApiEndpoint::parse(a, why);
    // Only a loopback address: a sandbox cannot send this client's rows elsewhere.
    const auto host = at.address.substr(0, at.address.rfind(':'));
    if (at.empty() || (host != "127.0.0.1" && host != "localhost" && host != "[::1]")) return {};
    at.tls = tls;
    return at;
}

StorageApiEndpoint BigQueryClient::storageApi(const std::string& project, const CancelToken* c) {
    if (!options_.storageEndpoint.empty()) return options_.storageEndpoint;
    if (endpoint().isGoogle()) return {StorageApiEndpoint::googleFor(Endpoint::hostOf(endpoint().baseUrl)), true};
    return sandboxStorageApi(project, c);
}

HttpResponse BigQueryClient::call(const std::string& method, const std::string& path, const std::string& query,
                                  const std::string& body, const CancelToken* c, bool idempotent,
                                  const RetryObserver* observer) {
    HttpRequest req;
    req.method = method;
    req.url = options_.endpoint.apiRoot() + path;
    std::string q = query;
    if (!q.empty()) q += "&";
    q += "prettyPrint=false";
    req.url += "?" + q;
    req.body = body;
    if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT")
        req.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    auto resp = send(std::move(req), c, idempotent, observer);
    if (resp.status >= 300) throw ApiError::fromResponse(resp);
    return resp;
}

HttpResponse BigQueryClient::send(HttpRequest req, const CancelToken* c, bool idempotent, const RetryObserver* observer) {
    if (!options_.quotaProject.empty()) req.headers.emplace_back("X-Goog-User-Project", options_.quotaProject);
    std::string token;
    if (options_.tokens) token = options_.tokens->token(c);
    else if (options_.accessToken) token = options_.accessToken();
    if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
    auto resp = sendWithRetry(http_, req, options_.retry, c, idempotent, observer);
    if (resp.status == 401 && options_.tokens) {
        // Revoked or expired early (clock skew): one more try with a fresh token.
        options_.tokens->invalidate(token);
        crypto::wipe(token);
        token = options_.tokens->token(c);
        std::erase_if(req.headers, [](const auto& h) { return h.first == "Authorization"; });
        req.headers.emplace_back("Authorization", "Bearer " + token);
        resp = sendWithRetry(http_, req, options_.retry, c, idempotent, observer);
    }
    crypto::wipe(token);
    for (auto& h : req.headers)
        if (h.first == "Authorization") crypto::wipe(h.second);
    return resp;
}

Json BigQueryClient::callJson(const std::string& method, const std::string& path, const std::string& query,
                              const Json* body, const CancelToken* c, bool idempotent) {
    const auto resp = call(method, path, query, body ? body->dump() : std::string(), c, idempotent);
    if (resp.body.empty()) return Json::object();
    auto j = parseJsonOrDiscard(resp.body);
    if (j.is_discarded())
        throw ApiError(resp.status, "invalidResponse",
                       method + " " + path + " answered HTTP " + std::to_string(resp.status) +
                           " with a body that is not JSON (" + std::to_string(resp.body.size()) + " bytes)");
    return j;
}

void BigQueryClient::remember(const Json& ref) {
    if (!ref.is_object() || !ref.contains("jobId") || !ref.contains("location")) return;
    if (!ref["jobId"].is_string() || !ref["location"].is_string()) return;
    std::lock_guard g(mutex_);
    jobLocations_[ref["jobId"].get<std::string>()] = ref["location"].get<std::string>();
}

std::string BigQueryClient::knownLocation(const std::string& jobId) const {
    std::lock_guard g(mutex_);
    const auto it = jobLocations_.find(jobId);
    return it == jobLocations_.end() ? std::string() : it->second;
}

std::string BigQueryClient::locationFor(const JobRef& j) const {
    return j.location.empty() ? knownLocation(j.jobId) : j.location;
}

// ---- datasets ----

Json BigQueryClient::listDatasets(const std::string& p, const std::string& pageToken, std::optional<int> max,
                                  const CancelToken* c) {
    std::string q;
    if (!pageToken.empty()) addParam(q, "pageToken", pageToken);
    if (max) addParam(q, "maxResults", std::to_string(*max));
    return callJson("GET", "/projects/" + enc(p) + "/datasets", q, nullptr, c);
}

std::vector<Json> BigQueryClient::listAllDatasets(const std::string& p, const CancelToken* c) {
    std::vector<Json> all;
    std::string token;
    do {
        auto page = listDatasets(p, token, {}, c);
        if (page.contains("datasets") && page["datasets"].is_array())
            for (auto& d : page["datasets"]) all.push_back(std::move(d));
        token = page.value("nextPageToken", std::string());
    } while (!token.empty());
    return all;
}

Json BigQueryClient::getDataset(const std::string& p, const std::string& d, const CancelToken* c) {
    return callJson("GET", datasetPath(p, d), {}, nullptr, c);
}

Json BigQueryClient::insertDataset(const std::string& p, const Json& dataset, const CancelToken* c) {
    // Not idempotent: after a lost answer a retry would meet its own dataset as a 409, so it
    // is retried only when the request cannot have reached the server.
    return callJson("POST", "/projects/" + enc(p) + "/datasets", {}, &dataset, c, false);
}

Json BigQueryClient::patchDataset(const std::string& p, const std::string& d, const Json& patch,
                                  const CancelToken* c) {
    return callJson("PATCH", datasetPath(p, d), {}, &patch, c);
}

void BigQueryClient::deleteDataset(const std::string& p, const std::string& d, bool deleteContents,
                                   const CancelToken* c) {
    call("DELETE", datasetPath(p, d), deleteContents ? "deleteContents=true" : "", {}, c);
}

// ---- tables ----

Json BigQueryClient::listTables(const std::string& p, const std::string& d, const std::string& pageToken,
                                std::optional<int> max, const CancelToken* c) {
    std::string q;
    if (!pageToken.empty()) addParam(q, "pageToken", pageToken);
    if (max) addParam(q, "maxResults", std::to_string(*max));
    return callJson("GET", datasetPath(p, d) + "/tables", q, nullptr, c);
}

std::vector<Json> BigQueryClient::listAllTables(const std::string& p, const std::string& d, const CancelToken* c) {
    std::vector<Json> all;
    std::string token;
    do {
        auto page = listTables(p, d, token, {}, c);
        if (page.contains("tables") && page["tables"].is_array())
            for (auto& t : page["tables"]) all.push_back(std::move(t));
        token = page.value("nextPageToken", std::string());
    } while (!token.empty());
    return all;
}

Json BigQueryClient::getTable(const TableRef& t, const CancelToken* c) {
    return callJson("GET", tablePath(t), {}, nullptr, c);
}

Json BigQueryClient::insertTable(const std::string& p, const std::string& d, const Json& table,
                                 const CancelToken* c) {
    return callJson("POST", datasetPath(p, d) + "/tables", {}, &table, c, false); // as insertDataset
}

Json BigQueryClient::patchTable(const TableRef& t, const Json& patch, const CancelToken* c) {
    return callJson("PATCH", tablePath(t), {}, &patch, c);
}

void BigQueryClient::deleteTable(const TableRef& t, const CancelToken* c) { call("DELETE", tablePath(t), {}, {}, c); }

// ---- tabledata ----

RowPage BigQueryClient::listRows(const TableRef& t, const ListRowsOptions& o, const Schema* knownSchema,
                                 const CancelToken* c) {
    Schema schema;
    if (!knownSchema) {
        const auto table = getTable(t, c);
        schema = Schema::fromJson(table.value("schema", Json::object()));
        knownSchema = &schema;
    }
    const Schema projected = projectSchema(*knownSchema, o.selectedFields);
    std::string q = "formatOptions.useInt64Timestamp=true";
    if (o.maxResults) addParam(q, "maxResults", std::to_string(*o.maxResults));
    if (!o.pageToken.empty()) addParam(q, "pageToken", o.pageToken);
    if (o.startIndex) addParam(q, "startIndex", std::to_string(*o.startIndex));
    if (!o.selectedFields.empty()) {
        std::string sel;
        for (const auto& f : o.selectedFields) sel += (sel.empty() ? "" : ",") + f;
        addParam(q, "selectedFields", sel);
    }
    const auto resp = call("GET", tablePath(t) + "/data", q, {}, c);
    FvDecoder decoder(TimestampEncoding::Int64Micros);
    try {
        return decoder.decodeResponse(resp.body, &projected);
    } catch (const DecodeError& e) {
        throw ApiError(resp.status, "invalidResponse", std::string("tabledata.list of ") + t.display() + ": " + e.what());
    }
}

InsertAllResult BigQueryClient::insertAll(const TableRef& t, const std::string& body, const CancelToken* c,
                                          const RetryObserver* observer) {
    const auto resp = call("POST", tablePath(t) + "/insertAll", {}, body, c, true, observer);
    const auto j = parseJsonOrDiscard(resp.body);
    if (!j.is_object()) throw ApiError(resp.status, "invalidResponse", "insertAll answered with a body that is not JSON");
    InsertAllResult r;
    if (auto it = j.find("insertErrors"); it != j.end() && it->is_array()) {
        for (const auto& e : *it) {
            InsertAllResult::RowError re;
            re.index = e.value("index", 0);
            if (auto errs = e.find("errors"); errs != e.end() && errs->is_array())
                for (const auto& x : *errs)
                    re.errors.push_back({x.value("reason", std::string()), x.value("message", std::string()),
                                         x.value("location", std::string())});
            r.rowErrors.push_back(std::move(re));
        }
    }
    return r;
}

// ---- jobs ----

std::string BigQueryClient::newJobId() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id = "quarry_";
    for (int i = 0; i < 26; ++i) id.push_back(alphabet[rng() % 36]);
    return id;
}

Json BigQueryClient::insertJob(const std::string& p, Json job, const CancelToken* c) {
    if (job.contains("configuration") && job["configuration"].contains("query"))
        completeQueryConfig(job["configuration"]["query"]);
    // A job id chosen here makes the insert safe to retry (a second attempt meets the first
    // job instead of starting the query again), as Google's clients do.
    if (!job.contains("jobReference") || !job["jobReference"].is_object()) job["jobReference"] = Json::object();
    if (!job["jobReference"].contains("jobId")) job["jobReference"]["jobId"] = newJobId();
    const bool clientId = true;
    try {
        auto r = callJson("POST", "/projects/" + enc(p) + "/jobs", {}, &job, c);
        remember(r.value("jobReference", Json::object()));
        return r;
    } catch (const ApiError& e) {
        // A retried insert whose first attempt went through: the job exists. Fetch it.
        if (e.httpStatus() == 409 && clientId) {
            JobRef ref{p, job["jobReference"]["jobId"].get<std::string>(),
                       job["jobReference"].value("location", std::string())};
            return getJob(ref, c);
        }
        throw;
    }
}

Json BigQueryClient::getJob(const JobRef& j, const CancelToken* c) {
    std::string q;
    if (const auto loc = locationFor(j); !loc.empty()) addParam(q, "location", loc);
    auto r = callJson("GET", "/projects/" + enc(j.projectId) + "/jobs/" + enc(j.jobId), q, nullptr, c);
    remember(r.value("jobReference", Json::object()));
    return r;
}

Json BigQueryClient::cancelJob(const JobRef& j, const CancelToken* c) {
    std::string q;
    if (const auto loc = locationFor(j); !loc.empty()) addParam(q, "location", loc);
    return callJson("POST", "/projects/" + enc(j.projectId) + "/jobs/" + enc(j.jobId) + "/cancel", q, nullptr, c);
}

Json BigQueryClient::listJobs(const std::string& p, const std::string& pageToken,
                              const std::vector<std::string>& stateFilter, std::optional<int> max,
                              const CancelToken* c) {
    return listJobs(p, JobListOptions{pageToken, stateFilter, max, false}, c);
}

Json BigQueryClient::listJobs(const std::string& p, const JobListOptions& o, const CancelToken* c) {
    std::string q = "projection=full";
    if (o.allUsers) addParam(q, "allUsers", "true");
    if (!o.pageToken.empty()) addParam(q, "pageToken", o.pageToken);
    if (o.maxResults) addParam(q, "maxResults", std::to_string(*o.maxResults));
    for (const auto& s : o.stateFilter) addParam(q, "stateFilter", s);
    return callJson("GET", "/projects/" + enc(p) + "/jobs", q, nullptr, c);
}

RowPage BigQueryClient::getQueryResults(const JobRef& j, const QueryResultsOptions& o, const CancelToken* c) {
    std::string q = "formatOptions.useInt64Timestamp=true";
    if (const auto loc = locationFor(j); !loc.empty()) addParam(q, "location", loc);
    if (o.timeoutMs) addParam(q, "timeoutMs", std::to_string(*o.timeoutMs));
    if (o.maxResults) addParam(q, "maxResults", std::to_string(*o.maxResults));
    if (!o.pageToken.empty()) addParam(q, "pageToken", o.pageToken);
    if (o.startIndex) addParam(q, "startIndex", std::to_string(*o.startIndex));
    const auto resp = call("GET", "/projects/" + enc(j.projectId) + "/queries/" + enc(j.jobId), q, {}, c);
    FvDecoder decoder(TimestampEncoding::Int64Micros);
    try {
        auto page = decoder.decodeResponse(resp.body);
        remember(page.meta.value("jobReference", Json::object()));
        return page;
    } catch (const DecodeError& e) {
        throw ApiError(resp.status, "invalidResponse", "getQueryResults of " + j.jobId + ": " + e.what());
    }
}

RowPage BigQueryClient::query(const std::string& p, Json request, const CancelToken* c) {
    completeQueryConfig(request);
    if (!request.contains("formatOptions")) request["formatOptions"] = {{"useInt64Timestamp", true}};
    const bool int64Ts = request["formatOptions"].value("useInt64Timestamp", false);
    const auto resp = call("POST", "/projects/" + enc(p) + "/queries", {}, request.dump(), c,
                           request.contains("requestId"));
    FvDecoder decoder(int64Ts ? TimestampEncoding::Int64Micros : TimestampEncoding::FloatSeconds);
    try {
        auto page = decoder.decodeResponse(resp.body);
        remember(page.meta.value("jobReference", Json::object()));
        return page;
    } catch (const DecodeError& e) {
        throw ApiError(resp.status, "invalidResponse", std::string("jobs.query: ") + e.what());
    }
}

} // namespace quarry
