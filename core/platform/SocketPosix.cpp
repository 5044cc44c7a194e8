// SPDX-License-Identifier: MIT
// Socket.h on Linux and macOS.
#include "platform/Socket.h"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

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
