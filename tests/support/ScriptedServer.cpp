// SPDX-License-Identifier: MIT
#include "ScriptedServer.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace quarry::test {
namespace {

using platform::sendAll;

/// Whether `fd` has something to read (or hung up) within 100 ms.
bool readable(platform::SocketHandle fd) {
    std::vector<platform::PollEntry> p{{fd, false, false}};
    return platform::pollSockets(p, 100) && p[0].ready;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string reasonPhrase(int s) {
    switch (s) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

std::string head(const ScriptedServer::Action& a, std::size_t contentLength) {
    std::string h = "HTTP/1.1 " + std::to_string(a.status) + " " + reasonPhrase(a.status) + "\r\n";
    bool hasType = false;
    for (const auto& [k, v] : a.headers) {
        h += k + ": " + v + "\r\n";
        hasType = hasType || lower(k) == "content-type";
    }
    if (!hasType) h += "Content-Type: application/json; charset=UTF-8\r\n";
    h += "Content-Length: " + std::to_string(contentLength) + "\r\n\r\n";
    return h;
}

} // namespace

std::string ScriptedServer::Request::header(const std::string& name) const {
    for (const auto& [k, v] : headers)
        if (lower(k) == lower(name)) return v;
    return {};
}

ScriptedServer::Action ScriptedServer::json(int status, std::string body) {
    Action a;
    a.status = status;
    a.body = std::move(body);
    return a;
}

ScriptedServer::ScriptedServer(Handler handler) : handler_(std::move(handler)) {
    listenFd_ = platform::listenOnLoopback(port_);
    if (listenFd_ == platform::kNoSocket) throw std::runtime_error("ScriptedServer: cannot listen on 127.0.0.1");
    acceptThread_ = std::thread([this] { acceptLoop(); });
}

ScriptedServer::~ScriptedServer() {
    stopping_ = true;
    platform::closeSocket(listenFd_);
    {
        std::lock_guard g(mutex_);
        for (const auto fd : openFds_) platform::shutdownSocket(fd);
    }
    if (acceptThread_.joinable()) acceptThread_.join();
    for (auto& t : workers_)
        if (t.joinable()) t.join();
}

std::vector<ScriptedServer::Request> ScriptedServer::requests() const {
    std::lock_guard g(mutex_);
    return requests_;
}

int ScriptedServer::requestCount() const {
    std::lock_guard g(mutex_);
    return static_cast<int>(requests_.size());
}

void ScriptedServer::acceptLoop() {
    while (!stopping_) {
        if (!readable(listenFd_)) continue;
        const auto fd = platform::acceptConnection(listenFd_);
        if (fd == platform::kNoSocket) continue;
        ++connections_;
        std::lock_guard g(mutex_);
        openFds_.push_back(fd);
        workers_.emplace_back([this, fd] { serve(fd); });
    }
}

void ScriptedServer::serve(platform::SocketHandle fd) {
    std::string buf;
    char chunk[65536];
    bool reset = false;
    auto readMore = [&]() -> bool {
        while (!stopping_) {
            if (!readable(fd)) continue;
            const auto r = platform::receive(fd, chunk, sizeof chunk);
            if (r.state != platform::SocketIo::State::Moved) return false;
            const auto n = r.bytes;
            buf.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
        return false;
    };
    while (!stopping_) {
        std::size_t end;
        while ((end = buf.find("\r\n\r\n")) == std::string::npos)
            if (!readMore()) goto done;
        {
            Request req;
            const std::string headText = buf.substr(0, end);
            std::size_t pos = headText.find("\r\n");
            const std::string first = headText.substr(0, pos);
            const auto sp1 = first.find(' '), sp2 = first.rfind(' ');
            req.method = first.substr(0, sp1);
            req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
            std::size_t contentLength = 0;
            while (pos != std::string::npos && pos < headText.size()) {
                const auto next = headText.find("\r\n", pos + 2);
                const auto line = headText.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
                const auto colon = line.find(':');
                if (colon != std::string::npos) {
                    std::string v = line.substr(colon + 1);
                    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
                    req.headers.emplace_back(line.substr(0, colon), v);
                    if (lower(line.substr(0, colon)) == "content-length") contentLength = std::stoul(v);
                }
                pos = next;
            }
            buf.erase(0, end + 4);
            while (buf.size() < contentLength)
                if (!readMore()) goto done;
            req.body = buf.substr(0, contentLength);
            buf.erase(0, contentLength);
            int index;
            {
                std::lock_guard g(mutex_);
                index = static_cast<int>(requests_.size());
                requests_.push_back(req);
            }
            const Action a = handler_(req, index);
            switch (a.kind) {
            case Action::Kind::Respond:
                if (!sendAll(fd, head(a, a.body.size()) + a.body)) goto done;
                break;
            case Action::Kind::Reset: {
                reset = true;
                goto done;
            }
            case Action::Kind::Truncate:
                sendAll(fd, head(a, a.body.size() * 2) + a.body);
                goto done;
            case Action::Kind::SlowBody:
                if (!sendAll(fd, head(a, a.body.size()))) goto done;
                for (char c : a.body) {
                    if (stopping_ || !sendAll(fd, std::string_view(&c, 1))) goto done;
                    std::this_thread::sleep_for(a.delay);
                }
                break;
            case Action::Kind::Hang:
                while (!stopping_) {
                    if (readable(fd) && platform::receive(fd, chunk, sizeof chunk).state != platform::SocketIo::State::Moved) break;
                }
                goto done;
            }
        }
    }
done:
    std::lock_guard g(mutex_);
    openFds_.erase(std::remove(openFds_.begin(), openFds_.end(), fd), openFds_.end());
    if (reset) platform::resetAndClose(fd); // as a crashed server would
    else platform::closeSocket(fd);
}

} // namespace quarry::test
