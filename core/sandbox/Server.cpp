// SPDX-License-Identifier: MIT
#include "sandbox/Routines.h"
#include "sandbox/Views.h"
#include "sandbox/JsonFields.h"
#include "value/JsonParse.h"
#include "sandbox/Server.h"
#include "sandbox/ServerRequests.h"
#include "sandbox/Snapshots.h"
#include "sandbox/Partitioning.h"

#include "sandbox/Auth.h"
#include "value/Text.h"
#include "sandbox/ConnectionGate.h"
#include "sandbox/Faults.h"
#include "sandbox/Jobs.h"
#include "sandbox/Store.h"
#include "sandbox/UploadRoutes.h"
#include "sandbox/Uploads.h"
#include "value/FvCodec.h"

#include <httplib.h>
#include <fstream>
#include <limits>
#include <optional>
#include <thread>

namespace quarry::sandbox {
using namespace requests;
namespace {

constexpr std::size_t kMaxRequestBytes = 10 * 1024 * 1024;
const std::string P = R"((?:/bigquery/v2)?/projects/([^/]+))";


std::string etag(const std::string& s) { return "\"" + std::to_string(std::hash<std::string>{}(s)) + "\""; }

/// The host part of a Host header ("127.0.0.1:9050", "[::1]:9050") or an Origin
/// ("http://localhost:3000"), lower-case, without brackets.
std::string hostPart(std::string v) {
    if (const auto scheme = v.find("://"); scheme != std::string::npos) v.erase(0, scheme + 3);
    v = v.substr(0, v.find('/'));
    if (!v.empty() && v.front() == '[') v = v.substr(1, v.find(']') - 1);
    else v = v.substr(0, v.find(':'));
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
}

bool loopbackName(const std::string& h) { return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0; }

/// Why a request that a web page could have made is refused, or nothing. A page on another
/// origin must not drive the sandbox (CSRF: browsers send its Origin), nor reach it under a
/// name of its own that resolves to 127.0.0.1 (DNS rebinding: the Host is that name).
std::optional<std::string> browserRisk(const httplib::Request& req, bool loopbackOnly, const std::string& target) {
    if (loopbackOnly && req.has_header("Host") && !loopbackName(hostPart(req.get_header_value("Host"))))
        return "The sandbox answers only to 127.0.0.1, localhost or [::1] (the Host header was " +
               req.get_header_value("Host") + ").";
    if (req.has_header("Origin") && !loopbackName(hostPart(req.get_header_value("Origin"))))
        return "The sandbox does not answer web pages of other origins (" + req.get_header_value("Origin") + ").";
    if (!req.body.empty() && target != "token" && target != "keys.upload") {
        std::string type = req.get_header_value("Content-Type");
        for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (type.rfind("application/json", 0) != 0)
            return "Request bodies must be JSON, sent with Content-Type: application/json (this one was '" +
                   req.get_header_value("Content-Type") + "').";
    }
    return std::nullopt;
}

/// The largest request body read, however it is framed (Content-Length or chunked).
constexpr std::size_t kMaxBodyBytes = 64u << 20;

/// Deeper request bodies are refused before anything reads them (a JSON column's value may
/// nest 500 levels inside an insertAll body's own few).
constexpr int kMaxRequestJsonDepth = 520;

Json parseBody(const httplib::Request& req) {
    if (req.body.empty()) return Json::object();
    auto j = parseJsonOrDiscard(req.body);
    if (j.is_discarded()) throw ApiFailure("invalid", "Invalid JSON payload received. The request body is not valid JSON.");
    return j;
}



/// The account of the request this thread is handling (set by Impl::guard).
thread_local std::string tCaller;

bool plausibleEmail(const std::string& s) {
    const auto at = s.find('@');
    if (s.size() > 254 || at == std::string::npos || at == 0 || at + 1 == s.size() || s.find('@', at + 1) != std::string::npos) return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > 32 && c < 127 && c != '"' && c != '\\'; });
}

} // namespace

struct Server::Impl {
    explicit Impl(Options opts) : o(std::move(opts)), http(o.connections) {}

    Options o;
    std::unique_ptr<Store> store;
    std::unique_ptr<Faults> faults;
    std::unique_ptr<SandboxAuth> auth;
    std::unique_ptr<JobManager> jobs;
    std::unique_ptr<Uploads> uploads;
    GatedServer http;
    std::thread thread;
    int port = 0;
    std::vector<std::string> notes;

    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

    /// Wraps a handler: requests a web page could have made refused, sign-in, JSON depth,
    /// fault injection, then ApiFailure/JSON errors to BigQuery's envelope.
    Handler guard(std::string target, Handler h) {
        return [this, target, h](const httplib::Request& req, httplib::Response& res) {
            if (const auto why = browserRisk(req, loopbackName(o.host), target)) {
                sendError(res, "accessDenied", *why);
                return;
            }
            tCaller.clear();
            if (auth && target != "token" && target != "keys.upload") {
                const auto a = auth->authorize(req.get_header_value("Authorization"), selfUrl(req));
                if (!a.ok()) {
                    res.set_header("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
                    sendJson(res, a.status, a.body);
                    return;
                }
                tCaller = a.body.value("email", std::string());
            } else if (!auth && req.has_header("X-Quarry-User")) {
                // Without sign-in anyone may do anything, so a caller may say who it is
                // (tests and scripts that play several users); with --auth only the token counts.
                tCaller = req.get_header_value("X-Quarry-User");
                if (!plausibleEmail(tCaller)) {
                    sendError(res, "invalid", "X-Quarry-User must be an email address (user@domain), at most 254 characters.");
                    return;
                }
            }
            if (tCaller.empty()) tCaller = o.user;
            // BigQuery's limit for every API request (insertAll included).
            if (req.body.size() > kMaxRequestBytes) {
                sendError(res, "invalid", "Request payload size exceeds the limit: " + std::to_string(kMaxRequestBytes) + " bytes.");
                return;
            }
            // Request JSON that nests without bound would make any recursive step (printing a
            // description back, an error that quotes a value) overflow the stack: refuse it.
            if (jsonNestingDepth(req.body) > kMaxRequestJsonDepth) {
                sendError(res, "invalid",
                          "The request's JSON nests objects and arrays more than " + std::to_string(kMaxRequestJsonDepth) +
                              " levels deep; the sandbox accepts no more (a JSON column holds at most 500).");
                return;
            }
            const auto d = faults->decide(target);
            if (d.delay.count()) std::this_thread::sleep_for(d.delay);
            if (d.reset) {
                // The request is carried out and then the answer is lost: the hard case for a
                // client, which cannot know whether its write happened (insertIds must cover it).
                try {
                    h(req, res);
                } catch (const std::exception&) {
                }
                res = httplib::Response();
                res.set_content_provider(
                    1024, "application/json", [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
                return;
            }
            if (d.status) {
                if (d.status == 413) {
                    res.status = 413;
                    res.set_content("<html><body>Your client issued a request that was too large.</body></html>", "text/html");
                    return;
                }
                const std::string reason = d.status == 403 || d.status == 429 ? "rateLimitExceeded"
                                          : d.status >= 500 ? (d.status == 502 ? "badGateway" : "backendError")
                                                            : "invalid";
                sendError(res, reason, "Injected fault (sandbox --faults): HTTP " + std::to_string(d.status));
                if (d.status == 429) res.status = 429;
                if (d.status >= 500) res.status = d.status;
                return;
            }
            try {
                h(req, res);
            } catch (const ApiFailure& e) {
                sendError(res, e.reason(), e.what(), e.location());
            } catch (const StorageError& e) {
                sendError(res, "backendError", std::string("The sandbox could not write its data: ") + e.what());
            } catch (const nlohmann::json::exception& e) {
                sendError(res, "invalid", std::string("Invalid request: ") + e.what());
            } catch (const std::exception& e) {
                sendError(res, "internalError", std::string("The sandbox failed: ") + e.what());
            }
        };
    }

    void route(const char* method, const std::string& pattern, std::string target, Handler h) {
        auto g = guard(std::move(target), std::move(h));
        const std::string m = method;
        if (m == "GET") {
            http.Get(pattern, g);
            return;
        }
        // Bodies are read here, up to kMaxBodyBytes whatever their framing: httplib checks
        // its limit against a Content-Length only, and would take a chunked body of any size.
        auto bounded = [g](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
            std::string body;
            bool tooLarge = false;
            const bool complete = read([&](const char* data, std::size_t n) {
                if (body.size() + n > kMaxBodyBytes) {
                    tooLarge = true;
                    return false;
                }
                body.append(data, n);
                return true;
            });
            if (tooLarge || !complete) {
                res.set_header("Connection", "close"); // the rest of the body is never read
                GatedServer::stopReadingCurrent();
                sendJson(res, tooLarge ? 413 : 400,
                         {{"error", {{"code", tooLarge ? 413 : 400},
                                     {"message", tooLarge ? "Request payload size exceeds the limit: " + std::to_string(kMaxBodyBytes) + " bytes."
                                                          : std::string("The request body could not be read.")},
                                     {"status", tooLarge ? "OUT_OF_RANGE" : "INVALID_ARGUMENT"}}}});
                return;
            }
            httplib::Request withBody = req;
            withBody.body = std::move(body);
            g(withBody, res);
        };
        if (m == "POST") http.Post(pattern, bounded);
        else if (m == "PATCH") http.Patch(pattern, bounded);
        else if (m == "PUT") http.Put(pattern, bounded);
        else if (m == "DELETE") http.Delete(pattern, bounded);
    }

    using StreamHandler = std::function<void(const httplib::Request&, httplib::Response&, const BodyReader&)>;

    /// A route whose body is streamed to the handler (uploads of any size), behind the same guard.
    void streamRoute(const char* method, const std::string& pattern, std::string target, StreamHandler h) {
        auto handler = [this, target, h](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
            bool readBody = false;
            const BodyReader body = [&](const std::function<bool(const char*, std::size_t)>& receive) {
                readBody = true;
                return read([&](const char* d, std::size_t n) { return receive(d, n); });
            };
            guard(target, [&](const httplib::Request& r, httplib::Response& s) { h(r, s, body); })(req, res);
            if (!readBody) { // refused before its body was read: the rest is never parsed as requests
                res.set_header("Connection", "close");
                GatedServer::stopReadingCurrent();
            }
        };
        if (std::string(method) == "POST") http.Post(pattern, handler);
        else http.Put(pattern, handler);
    }

    /// getQueryResults, or jobs.query's answer (`optional`: its jobCreationMode was
    /// JOB_CREATION_OPTIONAL, so a query answered whole gets no job: a queryId instead, and
    /// the job's own statistics in the answer; else jobCreationReason says why there is one).
    void writeQueryResults(httplib::Response& res, Job& job, const httplib::Request& req, const char* kind,
                           std::optional<int> maxRows, bool optional = false) {
        if (job.state != "DONE") {
            const Json jobResource = jobs->resource(job);
            Json pending = {{"kind", kind}, {"etag", etag(job.id + "pending")}, {"jobReference", jobResource["jobReference"]},
                            {"jobComplete", false}};
            if (optional && jobResource.contains("jobCreationReason")) pending["jobCreationReason"] = jobResource["jobCreationReason"];
            sendJson(res, 200, pending);
            return;
        }
        if (!job.errorResult.is_null()) {
            if (optional) jobs->settleOptional(job, true);
            sendError(res, job.errorResult.value("reason", std::string("internalError")),
                      job.errorResult.value("message", std::string()), job.errorResult.value("location", std::string()));
            return;
        }
        // (Not `held ? *held : std::vector<Value>()`: that conditional copies every row.)
        static const std::vector<Value> kNoRows;
        const auto held = jobs->results(job);
        const std::vector<Value>& rows = held ? *held : kNoRows;
        const std::size_t start = startFrom(req);
        std::string page;
        const std::size_t next = appendRowsPage(page, rows, start, maxRows, job.schema, nullptr, tsEncoding(req));
        const bool more = next < rows.size() && !(maxRows && *maxRows == 0);
        const bool noJob = optional && jobs->settleOptional(job, !more && start == 0);
        const Json jobResource = jobs->resource(job); // as settled: its jobCreationReason is final
        std::string ref = jobResource["jobReference"].dump();
        std::string extra;
        if (noJob) {
            const Json stats = jobResource["statistics"];
            ref.clear(); // no jobReference at all (Google's clients take one as a job to follow)
            extra = ",\"queryId\":" + Json(job.id).dump() + ",\"location\":" + Json(job.location).dump() +
                    ",\"totalBytesBilled\":\"" + std::to_string(job.bytesBilled) + "\"" +
                    ",\"totalSlotMs\":" + Json(stats.value("totalSlotMs", std::string("0"))).dump();
            for (const char* k : {"creationTime", "startTime", "endTime"})
                if (stats.contains(k)) extra += ",\"" + std::string(k) + "\":" + stats[k].dump();
        } else if (optional && jobResource.contains("jobCreationReason")) {
            extra = ",\"jobCreationReason\":" + jobResource["jobCreationReason"].dump();
        }
        std::string out = "{\"kind\":\"" + std::string(kind) + "\",\"etag\":" + Json(etag(job.id + "done")).dump() +
                          (ref.empty() ? std::string() : ",\"jobReference\":" + ref) + ",\"jobComplete\":true" + extra +
                          ",\"schema\":" + job.schema.toJson().dump() + ",\"totalBytesProcessed\":\"" +
                          std::to_string(job.bytesProcessed) + "\",\"cacheHit\":" + (job.cacheHit ? "true" : "false");
        if (!job.sessionId.empty()) out += ",\"sessionInfo\":{\"sessionId\":" + Json(job.sessionId).dump() + "}";
        if (job.numDmlAffectedRows) {
            out += ",\"numDmlAffectedRows\":\"" + std::to_string(*job.numDmlAffectedRows) + "\"";
            if (std::string(kind) == "bigquery#queryResponse") out += ",\"dmlStats\":" + job.dmlStats.dump();
        }
        out += ",\"totalRows\":\"" + std::to_string(rows.size()) + "\"";
        out += page;
        if (more) out += ",\"pageToken\":\"" + std::to_string(next) + "\"";
        out += "}";
        res.status = 200;
        res.set_content(out, "application/json; charset=UTF-8");
    }

    /// The sandbox's own base URL, as a JWT audience: the loopback name the client used, but
    /// always this server's port (a JWT made for another service on this machine is not for
    /// it); on another interface (--allow-remote) the address it serves on.
    std::string selfUrl(const httplib::Request& req) const {
        const std::string named = hostPart(req.get_header_value("Host"));
        const std::string host = loopbackName(o.host) && loopbackName(named) ? named : o.host;
        return "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
    }

    /// Media uploads for load jobs: multipart (the job and the data in one request) and
    /// resumable (a session, then chunks with Content-Range; 308 and Range until complete).
    void uploadRoutes() {
        const std::string U = R"(/upload/bigquery/v2/projects/([^/]+)/jobs)";
        streamRoute("POST", U, "jobs.upload", [this](const httplib::Request& req, httplib::Response& res, const BodyReader& body) {
            startUpload(req, res, body, *uploads, *jobs, selfUrl(req), tCaller);
        });
        streamRoute("PUT", U, "jobs.upload", [this](const httplib::Request& req, httplib::Response& res, const BodyReader& body) {
            continueUpload(req, res, body, *uploads, *jobs, tCaller);
        });
    }

    void authRoutes() {
        // Google's token endpoint and IAM's keys:upload, for --auth keys:DIR.
        route("POST", "/token", "token", [this](const auto& req, auto& res) {
            if (!auth) {
                sendJson(res, 400, {{"error", "invalid_request"},
                                    {"error_description", "The sandbox runs without authentication (start it with --auth keys:DIR)."}});
                return;
            }
            const auto a = auth->token(req.body, selfUrl(req) + "/token");
            sendJson(res, a.status, a.body);
        });
        route("POST", R"(/v1/projects/([^/]+)/serviceAccounts/([^/]+)/keys:upload)", "keys.upload",
              [this](const auto& req, auto& res) {
                  if (!auth) {
                      sendError(res, "notFound", "The sandbox runs without authentication (start it with --auth keys:DIR).");
                      return;
                  }
                  const auto a = auth->uploadKey(req.matches[2], req.body, req.get_header_value("Authorization"));
                  sendJson(res, a.status, a.body);
              });
    }

    void routes() {
        authRoutes();
        // ---- datasets ----
        route("GET", P + "/datasets", "datasets.list", [this](const auto& req, auto& res) {
            const auto all = store->listDatasets(req.matches[1], req.get_param_value("all") == "true");
            const std::size_t start = startFrom(req);
            const std::size_t max = static_cast<std::size_t>(intParam(req, "maxResults").value_or(1000));
            Json out = {{"kind", "bigquery#datasetList"}};
            Json list = Json::array();
            for (std::size_t i = start; i < all.size() && list.size() < max; ++i) list.push_back(all[i]);
            if (!list.empty()) out["datasets"] = list;
            if (start + list.size() < all.size()) out["nextPageToken"] = std::to_string(start + list.size());
            out["etag"] = etag(out.dump());
            sendJson(res, 200, out);
        });
        route("POST", P + "/datasets", "datasets.insert",
              [this](const auto& req, auto& res) { sendJson(res, 200, store->insertDataset(req.matches[1], parseBody(req))); });
        route("GET", P + "/datasets/([^/]+)", "datasets.get",
              [this](const auto& req, auto& res) { sendJson(res, 200, store->getDataset(req.matches[1], req.matches[2])); });
        for (const char* m : {"PATCH", "PUT"})
            route(m, P + "/datasets/([^/]+)", "datasets.patch", [this](const auto& req, auto& res) {
                sendJson(res, 200, store->patchDataset(req.matches[1], req.matches[2], parseBody(req)));
            });
        route("DELETE", P + "/datasets/([^/]+)", "datasets.delete", [this](const auto& req, auto& res) {
            const bool contents = req.has_param("deleteContents") && req.get_param_value("deleteContents") == "true";
            store->deleteDataset(req.matches[1], req.matches[2], contents);
            res.status = 204;
        });

        // ---- tables ----
        route("GET", P + "/datasets/([^/]+)/tables", "tables.list", [this](const auto& req, auto& res) {
            const auto all = store->listTables(req.matches[1], req.matches[2]);
            const std::size_t start = startFrom(req);
            const std::size_t max = static_cast<std::size_t>(intParam(req, "maxResults").value_or(1000));
            Json out = {{"kind", "bigquery#tableList"}, {"totalItems", all.size()}};
            Json list = Json::array();
            for (std::size_t i = start; i < all.size() && list.size() < max; ++i) list.push_back(all[i]);
            if (!list.empty()) out["tables"] = list;
            if (start + list.size() < all.size()) out["nextPageToken"] = std::to_string(start + list.size());
            out["etag"] = etag(out.dump());
            sendJson(res, 200, out);
        });
        route("POST", P + "/datasets/([^/]+)/tables", "tables.insert", [this](const auto& req, auto& res) {
            Json body = parseBody(req);
            if (body.is_object() && body.contains("view")) body = viewBody(*store, req.matches[1], req.matches[2], std::move(body));
            sendJson(res, 200, store->insertTable(req.matches[1], req.matches[2], body));
        });
        route("GET", P + "/datasets/([^/]+)/tables/([^/]+)", "tables.get", [this](const auto& req, auto& res) {
            if (const auto a = jobs->anonymousTable(req.matches[1], req.matches[2], req.matches[3])) { // a query's result
                const std::string p = req.matches[1], d = req.matches[2], t = req.matches[3];
                sendJson(res, 200, {{"kind", "bigquery#table"}, {"id", p + ":" + d + "." + t}, {"type", "TABLE"},
                                    {"tableReference", {{"projectId", p}, {"datasetId", d}, {"tableId", t}}},
                                    {"schema", a->schema.toJson()}, {"numRows", std::to_string(a->rows->size())},
                                    {"creationTime", std::to_string(a->madeMs)}, {"expirationTime", std::to_string(a->madeMs + 24 * 3600 * 1000)}});
                return;
            }
            sendJson(res, 200, store->getTable(req.matches[1], req.matches[2], req.matches[3]));
        });
        for (const char* m : {"PATCH", "PUT"})
            route(m, P + "/datasets/([^/]+)/tables/([^/]+)", "tables.patch", [this](const auto& req, auto& res) {
                sendJson(res, 200, store->patchTable(req.matches[1], req.matches[2], req.matches[3], parseBody(req)));
            });
        route("DELETE", P + "/datasets/([^/]+)/tables/([^/]+)", "tables.delete", [this](const auto& req, auto& res) {
            store->deleteTable(req.matches[1], req.matches[2], req.matches[3]);
            res.status = 204;
        });

        // ---- routines (SQL functions) ----
        route("GET", P + "/datasets/([^/]+)/routines", "routines.list", [this](const auto& req, auto& res) {
            const auto all = store->listRoutines(req.matches[1], req.matches[2]);
            const std::size_t start = startFrom(req);
            const std::size_t max = static_cast<std::size_t>(intParam(req, "maxResults").value_or(1000));
            Json out = Json::object();
            Json list = Json::array();
            for (std::size_t i = start; i < all.size() && list.size() < max; ++i) list.push_back(all[i]);
            if (!list.empty()) out["routines"] = list;
            if (start + list.size() < all.size()) out["nextPageToken"] = std::to_string(start + list.size());
            sendJson(res, 200, out);
        });
        route("POST", P + "/datasets/([^/]+)/routines", "routines.insert", [this](const auto& req, auto& res) {
            const Json body = parseBody(req);
            checkRoutineBody(*store, req.matches[1], req.matches[2], body);
            sendJson(res, 200, store->insertRoutine(req.matches[1], req.matches[2], body));
        });
        route("GET", P + "/datasets/([^/]+)/routines/([^/]+)", "routines.get", [this](const auto& req, auto& res) {
            sendJson(res, 200, store->getRoutine(req.matches[1], req.matches[2], req.matches[3]));
        });
        route("PUT", P + "/datasets/([^/]+)/routines/([^/]+)", "routines.update", [this](const auto& req, auto& res) {
            const Json body = parseBody(req);
            checkRoutineBody(*store, req.matches[1], req.matches[2], body);
            sendJson(res, 200, store->updateRoutine(req.matches[1], req.matches[2], req.matches[3], body));
        });
        route("DELETE", P + "/datasets/([^/]+)/routines/([^/]+)", "routines.delete", [this](const auto& req, auto& res) {
            store->deleteRoutine(req.matches[1], req.matches[2], req.matches[3]);
            res.status = 204;
        });

        // ---- tabledata ----
        route("POST", P + "/datasets/([^/]+)/tables/([^/]+)/insertAll", "insertAll", [this](const auto& req, auto& res) {
            if (isView(*store->table(req.matches[1], req.matches[2], splitDecorator(req.matches[3]).first)))
                throw ApiFailure("invalid", "Cannot add rows to a table of type VIEW: " + std::string(req.matches[3]));
            const auto errors = store->insertAllText(req.matches[1], req.matches[2], req.matches[3], req.body);
            Json out = {{"kind", "bigquery#tableDataInsertAllResponse"}};
            if (!errors.empty()) {
                Json list = Json::array();
                for (const auto& e : errors) list.push_back({{"index", e.index}, {"errors", e.errors}});
                out["insertErrors"] = list;
            }
            sendJson(res, 200, out);
        });
        route("GET", P + "/datasets/([^/]+)/tables/([^/]+)/data", "tabledata.list", [this](const auto& req, auto& res) {
            if (const auto a = jobs->anonymousTable(req.matches[1], req.matches[2], req.matches[3])) { // a query's result
                const auto projected = selectedFieldsOf(req, a->schema);
                const std::size_t start = startFrom(req);
                const auto max = intParam(req, "maxResults");
                std::string out = "{\"kind\":\"bigquery#tableDataList\",\"etag\":" + Json(etag(req.matches[3])).dump() +
                                  ",\"totalRows\":\"" + std::to_string(a->rows->size()) + "\"";
                const std::size_t next = appendRowsPage(out, *a->rows, start, max, a->schema, projected ? &*projected : nullptr, tsEncoding(req));
                if (next < a->rows->size() && !(max && *max == 0)) out += ",\"pageToken\":\"" + std::to_string(next) + "\"";
                out += "}";
                res.status = 200;
                res.set_content(out, "application/json; charset=UTF-8");
                return;
            }
            // A snapshot decorator (t@1700000000000, t@-3600000; bq head 't@...') lists the
            // table as it was then.
            const auto [id, decorator] = splitDecorator(req.matches[3]);
            // A large table is listed from its row groups, only those the page needs.
            const auto t = decorator.empty() && id.find('@') == std::string::npos
                               ? store->tableToRead(req.matches[1], req.matches[2], id)
                               : store->tableOrVersion(req.matches[1], req.matches[2], id).first;
            if (isView(*t)) throw ApiFailure("invalid", "Cannot list a table of type VIEW.");
            std::shared_lock lock(t->mutex);
            const std::size_t start = startFrom(req);
            const auto max = intParam(req, "maxResults");
            // A partition decorator (t$20240101, bq head 't$20240101') lists that partition's rows;
            // a table read in row groups, the rows of the groups the page needs.
            std::vector<Value> read;
            std::size_t first = 0, total = 0; // read[0] is row `first` of `total`
            if (!decorator.empty()) {
                const auto startMs = partitionOfDecorator(*t, decorator);
                for (const auto& r : t->rows)
                    if (inPartition(*t, r, startMs)) read.push_back(r);
                total = read.size();
            } else if (const auto* groups = t->groupsToRead()) {
                total = static_cast<std::size_t>(groups->rowCount());
                first = readPageGroups(*groups, start, max ? static_cast<std::size_t>(std::max(*max, 0)) : kGroupPageRows, read);
            } else {
                total = t->rows.size();
            }
            const std::vector<Value>& rows = decorator.empty() && !t->groupsToRead() ? t->rows : read;
            const std::optional<Schema> projected = selectedFieldsOf(req, t->schema);
            std::string out = "{\"kind\":\"bigquery#tableDataList\",\"etag\":" +
                              Json(etag(t->id + std::to_string(t->version))).dump() + ",\"totalRows\":\"" +
                              std::to_string(total) + "\"";
            const std::size_t next =
                first + appendRowsPage(out, rows, start - std::min(start, first), max, t->schema, projected ? &*projected : nullptr, tsEncoding(req));
            if (next < total && !(max && *max == 0)) out += ",\"pageToken\":\"" + std::to_string(next) + "\"";
            out += "}";
            res.status = 200;
            res.set_content(out, "application/json; charset=UTF-8");
        });

        uploadRoutes();

        // ---- jobs ----
        route("POST", P + "/jobs", "jobs.insert",
              [this](const auto& req, auto& res) { sendJson(res, 200, jobs->insert(req.matches[1], parseBody(req), {}, tCaller)); });
        route("GET", P + "/jobs", "jobs.list", [this](const auto& req, auto& res) {
            JobManager::ListFilter f;
            const auto n = req.get_param_value_count("stateFilter");
            for (std::size_t i = 0; i < n; ++i) f.states.push_back(req.get_param_value("stateFilter", i));
            f.parentJobId = req.get_param_value("parentJobId");
            f.user = tCaller;
            f.allUsers = boolParam(req, "allUsers");
            const std::string projection = text::lower(req.get_param_value("projection"));
            if (!projection.empty() && projection != "full" && projection != "minimal")
                throw ApiFailure("invalid", "Invalid value for projection: " + req.get_param_value("projection") + " (full or minimal).", "projection");
            f.full = projection == "full";
            f.minCreationTime = msParam(req, "minCreationTime");
            f.maxCreationTime = msParam(req, "maxCreationTime");
            const auto all = jobs->list(req.matches[1], f);
            const std::size_t start = startFrom(req);
            const std::size_t max = static_cast<std::size_t>(intParam(req, "maxResults").value_or(1000));
            Json list = Json::array();
            for (std::size_t i = start; i < all.size() && list.size() < max; ++i) list.push_back(all[i]);
            Json out = {{"kind", "bigquery#jobList"}, {"jobs", list}};
            if (start + list.size() < all.size()) out["nextPageToken"] = std::to_string(start + list.size());
            out["etag"] = etag(out.dump());
            sendJson(res, 200, out);
        });
        route("GET", P + "/jobs/([^/]+)", "jobs.get", [this](const auto& req, auto& res) {
            sendJson(res, 200, jobs->get(req.matches[1], req.matches[2], req.get_param_value("location")));
        });
        route("POST", P + "/jobs/([^/]+)/cancel", "jobs.cancel", [this](const auto& req, auto& res) {
            sendJson(res, 200, jobs->cancel(req.matches[1], req.matches[2], req.get_param_value("location")));
        });
        route("POST", P + "/queries", "query", [this](const auto& req, auto& res) {
            const Json body = parseBody(req);
            auto job = jobs->query(req.matches[1], body, tCaller);
            if (job->id.empty()) { // dry run
                if (!job->errorResult.is_null()) {
                    sendError(res, job->errorResult.value("reason", std::string("invalid")),
                              job->errorResult.value("message", std::string()), job->errorResult.value("location", std::string()));
                    return;
                }
                sendJson(res, 200, {{"kind", "bigquery#queryResponse"},
                                    {"jobReference", {{"projectId", job->project}, {"location", job->location}}},
                                    {"jobComplete", true}, {"schema", job->schema.toJson()},
                                    {"totalBytesProcessed", std::to_string(job->bytesProcessed)}, {"cacheHit", false}});
                return;
            }
            std::optional<int> maxRows;
            if (body.contains("maxResults") && body["maxResults"].is_number_integer()) maxRows = body["maxResults"].get<int>();
            httplib::Request fake = req;
            fake.params.clear();
            const auto fmt = objectField(body, "formatOptions");
            if (boolField(fmt, "useInt64Timestamp", false)) fake.params.emplace("formatOptions.useInt64Timestamp", "true");
            if (fmt.contains("timestampOutputFormat"))
                fake.params.emplace("formatOptions.timestampOutputFormat", fmt["timestampOutputFormat"].get<std::string>());
            writeQueryResults(res, *job, fake, "bigquery#queryResponse", maxRows, body.contains("jobCreationMode") && body["jobCreationMode"] == "JOB_CREATION_OPTIONAL");
        });
        route("GET", P + "/queries/([^/]+)", "getQueryResults", [this](const auto& req, auto& res) {
            const int timeout = intParam(req, "timeoutMs").value_or(10000);
            auto job = jobs->wait(req.matches[1], req.matches[2], req.get_param_value("location"), std::chrono::milliseconds(timeout));
            writeQueryResults(res, *job, req, "bigquery#getQueryResultsResponse", intParam(req, "maxResults"));
        });
        http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
            if (res.status == 404 && res.body.empty())
                sendError(res, "notFound", "Not found: the sandbox has no route for " + req.method + " " + req.path);
        });
    }
};

Server::Server(Options o) : d_(std::make_unique<Impl>(std::move(o))) {
    d_->faults = d_->o.faults.empty() ? std::make_unique<Faults>() : std::make_unique<Faults>(d_->o.faults, d_->o.seed);
    if (d_->faults->names("sync"))
        RowLog::setSyncFault([f = d_->faults.get()] { return f->decide("sync").ioError; });
    Store::Options so;
    so.root = d_->o.dataDir;
    so.dedupWindow = d_->o.dedupWindow;
    so.checkpointBytes = d_->o.checkpointBytes;
    so.checkpointIdle = d_->o.checkpointIdle;
    so.tableMemory = d_->o.tableMemory;
    so.scanInPlaceBytes = d_->o.scanInPlaceBytes;
    so.timeTravelBytes = d_->o.timeTravelBytes;
    so.timeTravelVersions = d_->o.timeTravelVersions;
    d_->store = std::make_unique<Store>(so);
    d_->notes = d_->store->load();
    if (!d_->o.auth.empty() && d_->o.auth != "none") {
        if (!d_->o.auth.starts_with("keys:") || d_->o.auth.size() == 5)
            throw std::runtime_error("--auth must be 'none' or 'keys:DIR', not '" + d_->o.auth + "'");
        SandboxAuth::Options ao;
        ao.dir = d_->o.auth.substr(5);
        ao.tokenLifetime = d_->o.tokenLifetime;
        d_->auth = std::make_unique<SandboxAuth>(ao);
        for (const auto& n : d_->auth->notes()) d_->notes.push_back(n);
    }
    d_->jobs = std::make_unique<JobManager>(*d_->store, *d_->faults, d_->o.workers, d_->o.jobs);
    d_->jobs->setDefaultUser(d_->o.user);
    d_->uploads = std::make_unique<Uploads>(std::filesystem::path(d_->o.dataDir) / ".uploads");
    if (d_->o.log)
        d_->http.set_logger([log = d_->o.log](const httplib::Request& req, const httplib::Response& res) {
            log(req.method + " " + req.path + " " + std::to_string(res.status) + " (" + std::to_string(res.body.size()) + " bytes)");
        });
    d_->http.set_default_headers({{"X-Quarry-Data-Id", d_->store->dataId()}});
    // Uploads stream bodies of any size to disk; every other body is held to kMaxBodyBytes,
    // by the routes themselves and, before anything is read, by its Content-Length here.
    d_->http.set_payload_max_length(std::numeric_limits<std::size_t>::max());
    d_->http.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
        if (req.path.starts_with("/upload/")) return httplib::Server::HandlerResponse::Unhandled;
        const bool chunked = req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
        const std::uint64_t length = req.has_header("Content-Length") ? std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) : 0;
        const bool bodiless = req.method == "GET" || req.method == "HEAD";
        if (length > kMaxBodyBytes || (bodiless && (length > 0 || chunked))) {
            res.set_header("Connection", "close");
            GatedServer::stopReadingCurrent();
            sendJson(res, 413, {{"error", {{"code", 413}, {"message", "Request payload size exceeds the limit: " + std::to_string(kMaxBodyBytes) + " bytes."},
                                           {"status", "OUT_OF_RANGE"}}}});
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    d_->http.set_tcp_nodelay(true); // headers and body go out at once: no Nagle/delayed-ACK stalls
    d_->http.set_keep_alive_max_count(1000);
    // One read or write waits at most this long; ConnectionLimits sets the overall pace.
    d_->http.set_read_timeout(30, 0);
    d_->http.set_write_timeout(30, 0);
    d_->routes();
}

Server::~Server() {
    stop();
    if (d_->faults->names("sync")) RowLog::setSyncFault(nullptr);
}

int Server::start() {
    if (d_->o.port == 0) d_->port = d_->http.bind_to_any_port(d_->o.host);
    else d_->port = d_->http.bind_to_port(d_->o.host, d_->o.port) ? d_->o.port : -1;
    if (d_->port <= 0) throw std::runtime_error("cannot listen on " + d_->o.host + ":" + std::to_string(d_->o.port));
    d_->http.widenBacklog(SOMAXCONN);
    d_->thread = std::thread([this] { d_->http.listen_after_bind(); });
    for (int i = 0; i < 5000 && !d_->http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!d_->http.is_running()) throw std::runtime_error("the HTTP server did not start");
    return d_->port;
}

void Server::stop() {
    if (d_->thread.joinable()) {
        d_->http.stop();
        d_->thread.join();
        d_->http.shutdownConnections();
    }
}

int Server::port() const { return d_->port; }
const std::vector<std::string>& Server::loadNotes() const { return d_->notes; }
Store& Server::store() { return *d_->store; }
SandboxAuth* Server::auth() { return d_->auth.get(); }
JobManager& Server::jobs() { return *d_->jobs; }
void Server::advertiseStorageApi(const std::string& address) {
    d_->http.set_default_headers({{"X-Quarry-Data-Id", d_->store->dataId()}, {"X-Quarry-Storage-Api", address}});
}

} // namespace quarry::sandbox
