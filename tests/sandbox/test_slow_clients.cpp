// SPDX-License-Identifier: MIT
// Clients that send or read slowly, or not at all, hold no worker: a real quarry-sandbox with
// a thousand such connections open still answers everybody else, cuts the slow ones off after
// --client-timeout, and keeps pipelined and oversized requests in order.
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"
#include "platform/Socket.h"
#include "platform/System.h"

#include <chrono>
#include <gtest/gtest.h>
#include <thread>

using namespace quarry;
using quarry::test::SandboxProcess;
using namespace std::chrono_literals;

namespace {

int portOf(const SandboxProcess& s) { return std::stoi(s.url().substr(s.url().rfind(':') + 1)); }

using platform::SocketHandle;
using platform::kNoSocket;

/// A connected socket, or kNoSocket; `receiveBuffer` > 0 makes it take an answer slowly.
SocketHandle connectTo(int port, int receiveBuffer = 0) { return platform::connectToLoopback(port, receiveBuffer); }

bool sendAll(SocketHandle fd, const std::string& s) { return platform::sendAll(fd, s); }

/// What the server sends until it closes the connection, or until `limit` passes.
std::string readUntilClosed(SocketHandle fd, std::chrono::milliseconds limit) {
    std::string got;
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return got + "<still open>";
        std::vector<platform::PollEntry> p{{fd, false, false}};
        if (!platform::pollSockets(p, static_cast<int>(left.count())) || !p[0].ready) continue;
        char buf[4096];
        const auto r = platform::receive(fd, buf, sizeof buf);
        if (r.state != platform::SocketIo::State::Moved) return got;
        got.append(buf, r.bytes);
    }
}

/// One GET on a fresh connection; the whole answer, or empty if none came within `limit`.
std::string getOnce(int port, const std::string& path, std::chrono::milliseconds limit) {
    const auto fd = connectTo(port);
    if (fd == kNoSocket) return {};
    sendAll(fd, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    std::string got = readUntilClosed(fd, limit);
    platform::closeSocket(fd);
    return got.ends_with("<still open>") ? std::string() : got;
}

void raiseDescriptorLimit() { platform::raiseOpenFileLimit(); }

const std::string kList = "/bigquery/v2/projects/p/datasets";

} // namespace

// 32 connections that sent a byte now and then, or nothing, blocked every API call for 60 s
// (httplib gives each connection a worker for its whole life). A thousand of them, of four
// kinds, now hold no worker: other clients are answered at once, and every slow connection is
// closed by the server once --client-timeout has passed.
TEST(SlowClients, AThousandSlowConnectionsDoNotStallOtherClients) {
    raiseDescriptorLimit();
    SandboxProcess s({"--client-timeout", "3"});
    const int port = portOf(s);
    std::vector<SocketHandle> slow;
    for (int i = 0; i < 1000; ++i) {
        const auto fd = connectTo(port);
        ASSERT_NE(fd, kNoSocket) << "connection " << i;
        switch (i % 4) {
        case 0: // headers that never end
            sendAll(fd, "GET " + kList + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            break;
        case 1: // a small body that never ends
            sendAll(fd, "POST " + kList + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Content-Length: 100\r\n\r\n{");
            break;
        case 2: // a body larger than the sandbox holds, that never ends
            sendAll(fd, "POST " + kList + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Content-Length: 60000000\r\n\r\n{");
            break;
        default: // nothing at all
            break;
        }
        slow.push_back(fd);
    }
    auto worst = 0ms;
    for (int round = 0; round < 20; ++round) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::string answer = getOnce(port, kList, 5000ms);
        worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0));
        ASSERT_TRUE(answer.starts_with("HTTP/1.1 200")) << "round " << round << ": '" << answer.substr(0, 200) << "'";
        for (std::size_t i = static_cast<std::size_t>(round); i < slow.size(); i += 20) sendAll(slow[i], "x");
        std::this_thread::sleep_for(50ms);
    }
    std::cout << "slowest answer among 20, with 1,000 slow connections open: " << worst.count() << " ms\n";
    int closedByServer = 0;
    for (std::size_t i = 0; i < slow.size(); ++i) {
        const std::string got = readUntilClosed(slow[i], 30000ms);
        if (!got.ends_with("<still open>")) ++closedByServer;
        if (i % 4 == 0) {
            EXPECT_TRUE(got.starts_with("HTTP/1.1 408")) << i << ": " << got.substr(0, 100);
        }
        platform::closeSocket(slow[i]);
    }
    EXPECT_EQ(closedByServer, 1000);
    EXPECT_TRUE(getOnce(port, kList, 5000ms).starts_with("HTTP/1.1 200"));
}

// A client that asks for a large answer and never reads it held a worker until the 60 s write
// timeout; more of them than workers stalled the sandbox. The gate now keeps what the socket
// does not take and sends it as the client reads.
TEST(SlowClients, ReadersThatNeverReadHoldNoWorker) {
    SandboxProcess s({"--client-timeout", "3"});
    const int port = portOf(s);
    auto c = BigQueryClient(quarry::test::clientOptions(s));
    quarry::test::makeDataset(c);
    // 8 MB answers, more than the socket buffers hold, but cheap to make: a few long rows.
    c.query("p", {{"query", "CREATE TABLE d.big AS SELECT x, REPEAT('y', 2000000) AS s FROM UNNEST(GENERATE_ARRAY(1, 4)) AS x"},
                  {"useLegacySql", false}});
    const std::string page = "/bigquery/v2/projects/p/datasets/d/tables/big/data";
    std::vector<SocketHandle> idle;
    for (int i = 0; i < 48; ++i) { // more than the 32 workers
        const auto fd = connectTo(port, 16 * 1024);
        ASSERT_NE(fd, kNoSocket);
        ASSERT_TRUE(sendAll(fd, "GET " + page + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        idle.push_back(fd);
    }
    std::this_thread::sleep_for(500ms);
    // Answered while the readers still hold their answers unread. A held worker would keep it
    // waiting for the 60 s write timeout; 30 s leaves room for a slow (sanitized) build to
    // make the 48 answers queued ahead of it.
    for (int round = 0; round < 5; ++round)
        EXPECT_TRUE(getOnce(port, kList, 30000ms).starts_with("HTTP/1.1 200")) << round;
    // The answers are all there for a client that does read, in full.
    const std::string whole = readUntilClosed(idle.front(), 20000ms);
    EXPECT_TRUE(whole.starts_with("HTTP/1.1 200")) << whole.substr(0, 100);
    EXPECT_GT(whole.size(), 4u * 2000000u);
    EXPECT_NE(whole.find("\"totalRows\":\"4\""), std::string::npos);
    for (const auto fd : idle) platform::closeSocket(fd);
}

// Requests sent back to back on one connection (pipelining) are answered in order, and the
// connection stays usable; a header block over 64 KB is refused with 431 instead of waiting.
TEST(SlowClients, PipelinedRequestsAreAnsweredInOrderAndHugeHeadersRefused) {
    SandboxProcess s;
    const int port = portOf(s);
    const auto fd = connectTo(port);
    ASSERT_NE(fd, kNoSocket);
    ASSERT_TRUE(sendAll(fd, "GET " + kList + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                            "GET /bigquery/v2/projects/p/datasets/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                            "GET " + kList + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
    const std::string got = readUntilClosed(fd, 5000ms);
    platform::closeSocket(fd);
    const auto first = got.find("HTTP/1.1 200");
    const auto second = got.find("HTTP/1.1 404");
    const auto third = got.find("HTTP/1.1 200", first + 1);
    EXPECT_EQ(first, 0u) << got;
    EXPECT_NE(second, std::string::npos) << got;
    EXPECT_NE(third, std::string::npos) << got;
    EXPECT_LT(second, third);

    const auto big = connectTo(port);
    ASSERT_NE(big, kNoSocket);
    ASSERT_TRUE(sendAll(big, "GET " + kList + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + std::string(70000, 'a')));
    const std::string refused = readUntilClosed(big, 5000ms);
    platform::closeSocket(big);
    EXPECT_TRUE(refused.starts_with("HTTP/1.1 431")) << refused.substr(0, 100);
    EXPECT_TRUE(getOnce(port, kList, 5000ms).starts_with("HTTP/1.1 200"));
}
