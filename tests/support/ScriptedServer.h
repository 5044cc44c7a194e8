// SPDX-License-Identifier: MIT
#pragma once

#include "platform/Socket.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace quarry::test {

/// A loopback HTTP/1.1 server for client tests that answers each request with a scripted
/// action, including ones no well-behaved server would take: resets, truncated bodies,
/// slow bodies, silence. Keep-alive is honoured so connection reuse can be counted.
class ScriptedServer {
public:
    struct Request {
        std::string method, target, body;
        std::vector<std::pair<std::string, std::string>> headers;
        std::string header(const std::string& name) const;
    };
    struct Action {
        enum class Kind { Respond, Reset, Truncate, SlowBody, Hang } kind = Kind::Respond;
        int status = 200;
        std::string body;
        std::vector<std::pair<std::string, std::string>> headers;
        std::chrono::milliseconds delay{0}; ///< SlowBody: between bytes
    };
    using Handler = std::function<Action(const Request&, int index)>;

    explicit ScriptedServer(Handler handler);
    ~ScriptedServer();

    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::vector<Request> requests() const;
    int requestCount() const;
    int connectionCount() const { return connections_.load(); }

    static Action json(int status, std::string body);
    static Action ofKind(Action::Kind k) {
        Action a;
        a.kind = k;
        return a;
    }
    static Action reset() { return ofKind(Action::Kind::Reset); }
    static Action truncate(std::string body) {
        Action a = ofKind(Action::Kind::Truncate);
        a.body = std::move(body);
        return a;
    }
    static Action slow(std::string body, std::chrono::milliseconds perByte) {
        Action a = ofKind(Action::Kind::SlowBody);
        a.body = std::move(body);
        a.delay = perByte;
        return a;
    }
    static Action hang() { return ofKind(Action::Kind::Hang); }

private:
    void acceptLoop();
    void serve(platform::SocketHandle fd);

    Handler handler_;
    platform::SocketHandle listenFd_ = platform::kNoSocket;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::vector<Request> requests_;
    std::vector<platform::SocketHandle> openFds_;
    std::thread acceptThread_;
    std::vector<std::thread> workers_;
};

} // namespace quarry::test
