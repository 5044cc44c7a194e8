// SPDX-License-Identifier: MIT
// Socket.h on Linux and macOS.
#include "platform/Socket.h"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef SOCK_CLOEXEC
#define SOCK_CLOEXEC_IF_ANY SOCK_CLOEXEC
#else
#define SOCK_CLOEXEC_IF_ANY 0
#endif

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 // macOS: SO_NOSIGPIPE instead, set by prepareSocket
#endif

namespace quarry::platform {
namespace {

SocketIo result(ssize_t n, bool receiving) {
    if (n > 0) return {SocketIo::State::Moved, static_cast<std::size_t>(n)};
    if (n == 0) return {receiving ? SocketIo::State::Closed : SocketIo::State::Failed, 0};
    return {errno == EAGAIN || errno == EWOULDBLOCK ? SocketIo::State::WouldBlock : SocketIo::State::Failed, 0};
}

} // namespace

void prepareSocket([[maybe_unused]] SocketHandle s) {
#ifdef SO_NOSIGPIPE
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

SocketIo sendNow(SocketHandle s, const char* data, std::size_t n) {
    for (;;) {
        const auto r = ::send(s, data, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR) continue;
        return result(r, false);
    }
}

SocketIo receiveNow(SocketHandle s, char* into, std::size_t n) {
    for (;;) {
        const auto r = ::recv(s, into, n, MSG_DONTWAIT);
        if (r < 0 && errno == EINTR) continue;
        return result(r, true);
    }
}

void closeSocket(SocketHandle s) {
    ::shutdown(s, SHUT_RDWR);
    ::close(s);
}

void stopReceiving(SocketHandle s) { ::shutdown(s, SHUT_RD); }

void shutdownSocket(SocketHandle s) { ::shutdown(s, SHUT_RDWR); }

void setListenBacklog(SocketHandle listening, int connections) { ::listen(listening, connections); }

bool socketAddress(SocketHandle s, bool peer, std::string& ip, int& port) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    port = -1;
    if ((peer ? ::getpeername(s, reinterpret_cast<sockaddr*>(&a), &len) : ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len)) != 0)
        return false;
    char host[INET6_ADDRSTRLEN] = {};
    if (a.ss_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
        ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        port = ntohs(v4->sin_port);
    } else if (a.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
        ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
        port = ntohs(v6->sin6_port);
    }
    ip = host;
    return true;
}

bool pollSockets(std::vector<PollEntry>& entries, int timeoutMs) {
    std::vector<pollfd> fds;
    fds.reserve(entries.size());
    for (const auto& e : entries) fds.push_back(pollfd{e.socket, static_cast<short>(e.write ? POLLOUT : POLLIN), 0});
    const int r = ::poll(fds.data(), fds.size(), timeoutMs);
    for (std::size_t i = 0; i < entries.size(); ++i)
        entries[i].ready = r > 0 && (fds[i].revents & (fds[i].events | POLLHUP | POLLERR)) != 0;
    return r >= 0 || errno == EINTR;
}

SocketHandle listenOnLoopback(int& port, int backlog) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC_IF_ANY, 0);
    if (s < 0) return kNoSocket;
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, backlog) != 0 ||
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(s);
        return kNoSocket;
    }
    port = ntohs(a.sin_port);
    return s;
}

SocketHandle acceptConnection(SocketHandle listening) {
    for (;;) {
        const int s = ::accept(listening, nullptr, nullptr);
        if (s >= 0 || errno != EINTR) return s >= 0 ? s : kNoSocket;
    }
}

SocketHandle connectToLoopback(int port, int receiveBuffer) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC_IF_ANY, 0);
    if (s < 0) return kNoSocket;
    if (receiveBuffer > 0) ::setsockopt(s, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    prepareSocket(s);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(s);
        return kNoSocket;
    }
    return s;
}

bool sendAll(SocketHandle s, std::string_view data) {
    while (!data.empty()) {
        const auto n = ::send(s, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

SocketIo receive(SocketHandle s, char* into, std::size_t n) {
    for (;;) {
        const auto r = ::recv(s, into, n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r > 0) return {SocketIo::State::Moved, static_cast<std::size_t>(r)};
        return {r == 0 ? SocketIo::State::Closed : SocketIo::State::Failed, 0};
    }
}

void setTimeouts(SocketHandle s, int ms) {
    timeval tv{ms / 1000, static_cast<suseconds_t>((ms % 1000) * 1000)};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void resetAndClose(SocketHandle s) {
    linger l{1, 0};
    ::setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(s);
}

bool socketPair(SocketHandle& a, SocketHandle& b) {
    int p[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, p) != 0) return false;
    for (const int fd : p) {
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        prepareSocket(fd);
    }
    a = p[0];
    b = p[1];
    return true;
}

Waker::Waker() {
    int p[2];
#if defined(__linux__)
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("cannot create a pipe to wake the connection gate");
#else
    if (::pipe(p) != 0) throw std::runtime_error("cannot create a pipe to wake the connection gate");
    for (const int fd : p) {
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
#endif
    read_ = p[0];
    write_ = p[1];
}

Waker::~Waker() {
    ::close(read_);
    ::close(write_);
}

void Waker::wake() { [[maybe_unused]] const auto n = ::write(write_, "x", 1); }

void Waker::drain() {
    char sink[256];
    while (::read(read_, sink, sizeof sink) > 0) {
    }
}

} // namespace quarry::platform
