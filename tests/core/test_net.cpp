// SPDX-License-Identifier: MIT
// HttpClient and the retry policy against a loopback server that misbehaves on purpose.
#include "ScriptedServer.h"
#include "net/HttpClient.h"
#include "net/Redact.h"
#include "net/RetryPolicy.h"

#include <gtest/gtest.h>
#include <thread>

using namespace quarry;
using quarry::test::ScriptedServer;
using namespace std::chrono_literals;

namespace {

const std::string kRateLimited =
    R"({"error":{"code":403,"message":"Exceeded rate limits: too many api requests per user per method",)"
    R"("errors":[{"message":"Exceeded rate limits","domain":"usageLimits","reason":"rateLimitExceeded"}],"status":"PERMISSION_DENIED"}})";
const std::string kNotFound =
    R"({"error":{"code":404,"message":"Not found: Table p:d.t","errors":[{"message":"Not found: Table p:d.t",)"
    R"("domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}})";

RetryPolicy fastPolicy(int attempts = 5) {
    RetryPolicy p;
    p.maxAttempts = attempts;
    p.initialBackoff = 1ms;
    p.maxBackoff = 5ms;
    p.seed = 42;
    return p;
}

HttpRequest get(const ScriptedServer& s, const std::string& path = "/x") {
    HttpRequest r;
    r.url = s.url() + path;
    return r;
}

} // namespace

TEST(HttpClient, ReusesOneConnectionForSequentialRequests) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::json(200, "{}"); });
    HttpClient http;
    for (int i = 0; i < 5; ++i) EXPECT_EQ(http.send(get(s)).status, 200);
    EXPECT_EQ(s.requestCount(), 5);
    EXPECT_EQ(s.connectionCount(), 1);
}

TEST(HttpClient, SendsBodyMethodAndHeaders) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::json(200, R"({"ok":true})"); });
    HttpClient http;
    HttpRequest r = get(s, "/post");
    r.method = "PATCH";
    r.body = R"({"a":1})";
    r.headers = {{"Content-Type", "application/json"}};
    const auto resp = http.send(r);
    EXPECT_EQ(resp.body, R"({"ok":true})");
    EXPECT_EQ(resp.header("content-type"), "application/json; charset=UTF-8");
    const auto req = s.requests().at(0);
    EXPECT_EQ(req.method, "PATCH");
    EXPECT_EQ(req.body, R"({"a":1})");
    EXPECT_NE(req.header("Accept-Encoding").find("gzip"), std::string::npos);
}

TEST(HttpClient, ConnectionResetIsARetryableTransportError) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::reset(); });
    HttpClient http;
    try {
        http.send(get(s));
        FAIL();
    } catch (const TransportError& e) {
        EXPECT_TRUE(e.kind() == TransportError::Kind::Reset) << e.what();
        EXPECT_TRUE(e.retryable());
    }
}

TEST(HttpClient, TruncatedBodyIsDetected) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::truncate(R"({"rows":[1,2,)"); });
    HttpClient http;
    try {
        http.send(get(s));
        FAIL();
    } catch (const TransportError& e) {
        EXPECT_EQ(e.kind(), TransportError::Kind::Truncated) << e.what();
    }
}

TEST(HttpClient, SlowBodyStopsAtTheTotalTimeout) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::slow(std::string(1000, 'x'), 50ms); });
    HttpClient http;
    HttpRequest r = get(s);
    r.timeout = 300ms;
    try {
        http.send(r);
        FAIL();
    } catch (const TransportError& e) {
        EXPECT_EQ(e.kind(), TransportError::Kind::Timeout) << e.what();
        EXPECT_NE(std::string(e.what()).find("within 300 ms"), std::string::npos) << e.what();
    }
}

TEST(HttpClient, CancelStopsAHangingRequest) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::hang(); });
    HttpClient http;
    CancelToken cancel;
    std::thread t([&] {
        std::this_thread::sleep_for(100ms);
        cancel.cancel();
    });
    try {
        http.send(get(s), &cancel);
        FAIL();
    } catch (const TransportError& e) {
        EXPECT_EQ(e.kind(), TransportError::Kind::Cancelled);
    }
    t.join();
}

TEST(HttpClient, RefusedConnectionIsAConnectError) {
    int port;
    {
        ScriptedServer s([](const auto&, int) { return ScriptedServer::json(200, "{}"); });
        port = s.port();
    }
    HttpClient http;
    HttpRequest r;
    r.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    try {
        http.send(r);
        FAIL();
    } catch (const TransportError& e) {
        EXPECT_EQ(e.kind(), TransportError::Kind::Connect) << e.what();
    }
}

TEST(Retry, RefusedConnectionsGetFewerAttempts) {
    int port;
    {
        ScriptedServer s([](const auto&, int) { return ScriptedServer::json(200, "{}"); });
        port = s.port();
    }
    HttpClient http;
    HttpRequest r;
    r.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    int retries = 0;
    RetryObserver obs{[&](int, const std::string&, auto) { ++retries; }};
    EXPECT_THROW(sendWithRetry(http, r, fastPolicy(8), nullptr, true, &obs), TransportError);
    EXPECT_EQ(retries, 2);
}

TEST(HttpClient, LogsAreRedacted) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::json(200, "{}"); });
    std::vector<std::string> lines;
    HttpOptions o;
    o.log = [&](const std::string& l) { lines.push_back(l); };
    HttpClient http(o);
    HttpRequest r = get(s, "/x?access_token=ya29.secret&maxResults=5");
    r.headers = {{"Authorization", "Bearer ya29.secret"}};
    http.send(r);
    ASSERT_EQ(lines.size(), 2u);
    for (const auto& l : lines) EXPECT_EQ(l.find("secret"), std::string::npos) << l;
    EXPECT_NE(lines[0].find("maxResults=5"), std::string::npos);
    EXPECT_EQ(s.requests()[0].header("Authorization"), "Bearer ya29.secret");
}

TEST(Retry, ServiceUnavailableThenSuccess) {
    ScriptedServer s([](const auto&, int i) {
        return i == 0 ? ScriptedServer::json(503, "<html>unavailable</html>") : ScriptedServer::json(200, "{}");
    });
    HttpClient http;
    int retries = 0;
    RetryObserver obs{[&](int, const std::string& why, auto) {
        ++retries;
        EXPECT_NE(why.find("503"), std::string::npos);
    }};
    const auto r = sendWithRetry(http, get(s), fastPolicy(), nullptr, true, &obs);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(s.requestCount(), 2);
    EXPECT_EQ(retries, 1);
}

TEST(Retry, RateLimitedAs403IsRetriedByReason) {
    ScriptedServer s([](const auto&, int i) {
        return i == 0 ? ScriptedServer::json(403, kRateLimited) : ScriptedServer::json(200, "{}");
    });
    HttpClient http;
    EXPECT_EQ(sendWithRetry(http, get(s), fastPolicy()).status, 200);
    EXPECT_EQ(s.requestCount(), 2);
}

TEST(Retry, AccessDeniedAndNotFoundAreNotRetried) {
    const std::string denied =
        R"({"error":{"code":403,"message":"Access Denied","errors":[{"reason":"accessDenied"}]}})";
    for (const auto& answer : std::vector<std::pair<int, std::string>>{{404, kNotFound}, {403, denied}, {400, "{}"}}) {
        const int status = answer.first; // a named copy: clang 14 cannot capture structured bindings
        const std::string& body = answer.second;
        ScriptedServer s([&](const auto&, int) { return ScriptedServer::json(status, body); });
        HttpClient http;
        EXPECT_EQ(sendWithRetry(http, get(s), fastPolicy()).status, status);
        EXPECT_EQ(s.requestCount(), 1) << status;
    }
}

TEST(Retry, ResetThenSuccess) {
    ScriptedServer s([](const auto&, int i) {
        return i < 2 ? ScriptedServer::reset() : ScriptedServer::json(200, R"({"done":true})");
    });
    HttpClient http;
    EXPECT_EQ(sendWithRetry(http, get(s), fastPolicy()).body, R"({"done":true})");
    EXPECT_EQ(s.requestCount(), 3);
}

TEST(Retry, TruncatedThenSuccess) {
    ScriptedServer s([](const auto&, int i) {
        return i == 0 ? ScriptedServer::truncate("{\"a\":") : ScriptedServer::json(200, "{}");
    });
    HttpClient http;
    EXPECT_EQ(sendWithRetry(http, get(s), fastPolicy()).status, 200);
    EXPECT_EQ(s.requestCount(), 2);
}

TEST(Retry, GivesUpAfterMaxAttemptsWithTheLastResponse) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::json(500, R"({"error":{"code":500}})"); });
    HttpClient http;
    EXPECT_EQ(sendWithRetry(http, get(s), fastPolicy(3)).status, 500);
    EXPECT_EQ(s.requestCount(), 3);
}

TEST(Retry, ResetOnEveryAttemptThrowsTheTransportError) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::reset(); });
    HttpClient http;
    EXPECT_THROW(sendWithRetry(http, get(s), fastPolicy(3)), TransportError);
    EXPECT_EQ(s.requestCount(), 3);
}

TEST(Retry, NonIdempotentRequestsAreNotResentAfterAReset) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::reset(); });
    HttpClient http;
    EXPECT_THROW(sendWithRetry(http, get(s), fastPolicy(), nullptr, false), TransportError);
    EXPECT_EQ(s.requestCount(), 1);
}

TEST(Retry, DeadlineEndsRetrying) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::json(503, "{}"); });
    HttpClient http;
    RetryPolicy p = fastPolicy(1000);
    p.initialBackoff = 20ms;
    p.maxBackoff = 20ms;
    p.deadline = 0ms;
    EXPECT_EQ(sendWithRetry(http, get(s), p).status, 503);
    EXPECT_EQ(s.requestCount(), 1);
}

TEST(Retry, CancelDuringBackoffStopsAtOnce) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::json(503, "{}"); });
    HttpClient http;
    RetryPolicy p = fastPolicy(10);
    p.initialBackoff = 60'000ms;
    p.maxBackoff = 60'000ms;
    p.seed = 7;
    CancelToken cancel;
    std::thread t([&] {
        while (s.requestCount() == 0) std::this_thread::sleep_for(5ms);
        cancel.cancel();
    });
    try {
        sendWithRetry(http, get(s), p, &cancel);
        ADD_FAILURE() << "expected cancellation";
    } catch (const TransportError& e) {
        EXPECT_EQ(e.kind(), TransportError::Kind::Cancelled);
    }
    t.join();
    EXPECT_EQ(s.requestCount(), 1);
}

TEST(Retry, BackoffGrowsAndIsCapped) {
    RetryPolicy p;
    EXPECT_EQ(p.backoffCap(0), 1000ms);
    EXPECT_EQ(p.backoffCap(1), 2000ms);
    EXPECT_EQ(p.backoffCap(5), 32000ms);
    EXPECT_EQ(p.backoffCap(20), 32000ms);
    EXPECT_TRUE(RetryPolicy::retryableResponse(403, "rateLimitExceeded"));
    EXPECT_FALSE(RetryPolicy::retryableResponse(403, "quotaExceeded"));
    EXPECT_TRUE(RetryPolicy::retryableResponse(502, ""));
    EXPECT_TRUE(RetryPolicy::retryableResponse(400, "backendError"));
    EXPECT_FALSE(RetryPolicy::retryableResponse(400, "invalidQuery"));
}

TEST(Redact, RemovesTokensKeysAndJwts) {
    const std::string key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n";
    const auto out = redact::text("token ya29.a0AfB_secret and Bearer abc.def and " + key +
                                  R"( {"refresh_token":"1//0secret","x":1} eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln)");
    EXPECT_EQ(out.find("secret"), std::string::npos) << out;
    EXPECT_EQ(out.find("MIIEvQ"), std::string::npos) << out;
    EXPECT_EQ(out.find("eyJpc3M"), std::string::npos) << out;
    EXPECT_EQ(out.find("abc.def"), std::string::npos) << out;
    EXPECT_NE(out.find("\"x\":1"), std::string::npos) << out;
    EXPECT_EQ(redact::url("https://h/p?key=AIza123&a=1"), "https://h/p?key=REDACTED&a=1");
    EXPECT_EQ(redact::header("authorization", "Bearer x"), "authorization: REDACTED");
}
