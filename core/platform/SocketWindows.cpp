// SPDX-License-Identifier: MIT
// Socket.h on Windows (Winsock 2; checked here with MinGW-w64, CTest label `portability`).
// Winsock cannot ask one send or recv not to wait, so the gate's sockets are made
// non-blocking when it takes them; WSAPoll waits on sockets only, so the waker is a pair of
// connected loopback sockets.
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>

#include "platform/Socket.h"

#include <algorithm>
#include <stdexcept>

namespace quarry::platform {
namespace {

SOCKET sock(SocketHandle s) { return static_cast<SOCKET>(s); }

SocketIo result(int n, bool receiving) {
    if (n > 0) return {SocketIo::State::Moved, static_cast<std::size_t>(n)};
    if (n == 0) return {receiving ? SocketIo::State::Closed : SocketIo::State::Failed, 0};
    return {WSAGetLastError() == WSAEWOULDBLOCK ? SocketIo::State::WouldBlock : SocketIo::State::Failed, 0};
}

int chunk(std::size_t n) { return static_cast<int>(std::min<std::size_t>(n, 1u << 30)); }

} // namespace

void prepareSocket(SocketHandle s) {
    u_long on = 1;
    ::ioctlsocket(sock(s), FIONBIO, &on);
}

SocketIo sendNow(SocketHandle s, const char* data, std::size_t n) { return result(::send(sock(s), data, chunk(n), 0), false); }

SocketIo receiveNow(SocketHandle s, char* into, std::size_t n) { return result(::recv(sock(s), into, chunk(n), 0), true); }

void closeSocket(SocketHandle s) {
    ::shutdown(sock(s), SD_BOTH);
    ::closesocket(sock(s));
}

void stopReceiving(SocketHandle s) { ::shutdown(sock(s), SD_RECEIVE); }

void shutdownSocket(SocketHandle s) { ::shutdown(sock(s), SD_BOTH); }

void setListenBacklog(SocketHandle listening, int connections) { ::listen(sock(listening), connections); }

bool socketAddress(SocketHandle s, bool peer, std::string& ip, int& port) {
    sockaddr_storage a{};
    int len = sizeof a;
    port = -1;
    if ((peer ? ::getpeername(sock(s), reinterpret_cast<sockaddr*>(&a), &len) : ::getsockname(sock(s), reinterpret_cast<sockaddr*>(&a), &len)) != 0)
        return false;
    char host[INET6_ADDRSTRLEN] = {};
    if (a.ss_family == AF_INET) {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
        ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        port = ntohs(v4->sin_port);
    } else if (a.ss_family == AF_INET6) {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
        ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
        port = ntohs(v6->sin6_port);
    }
    ip = host;
    return true;
}

bool pollSockets(std::vector<PollEntry>& entries, int timeoutMs) {
    std::vector<WSAPOLLFD> fds;
    fds.reserve(entries.size());
    for (const auto& e : entries) fds.push_back(WSAPOLLFD{sock(e.socket), static_cast<SHORT>(e.write ? POLLOUT : POLLRDNORM), 0});
    const int r = ::WSAPoll(fds.data(), static_cast<ULONG>(fds.size()), timeoutMs);
    for (std::size_t i = 0; i < entries.size(); ++i)
        entries[i].ready = r > 0 && (fds[i].revents & (fds[i].events | POLLHUP | POLLERR)) != 0;
    return r >= 0;
}

namespace {
bool startSockets() {
    static const bool started = [] {
        WSADATA d;
        return ::WSAStartup(MAKEWORD(2, 2), &d) == 0; // counted: httplib's own start is not undone
    }();
    return started;
}
} // namespace

SocketHandle listenOnLoopback(int& port, int backlog) {
    if (!startSockets()) return kNoSocket;
    const SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) return kNoSocket;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int len = sizeof a;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, backlog) != 0 ||
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::closesocket(s);
        return kNoSocket;
    }
    port = ntohs(a.sin_port);
    return static_cast<SocketHandle>(s);
}

SocketHandle acceptConnection(SocketHandle listening) {
    const SOCKET s = ::accept(sock(listening), nullptr, nullptr);
    return s == INVALID_SOCKET ? kNoSocket : static_cast<SocketHandle>(s);
}

SocketHandle connectToLoopback(int port, int receiveBuffer) {
    if (!startSockets()) return kNoSocket;
    const SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) return kNoSocket;
    if (receiveBuffer > 0)
        ::setsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&receiveBuffer), sizeof receiveBuffer);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<u_short>(port));
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::closesocket(s);
        return kNoSocket;
    }
    return static_cast<SocketHandle>(s);
}

bool sendAll(SocketHandle s, std::string_view data) {
    while (!data.empty()) {
        const int n = ::send(sock(s), data.data(), chunk(data.size()), 0);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

SocketIo receive(SocketHandle s, char* into, std::size_t n) {
    const int r = ::recv(sock(s), into, chunk(n), 0);
    if (r > 0) return {SocketIo::State::Moved, static_cast<std::size_t>(r)};
    return {r == 0 ? SocketIo::State::Closed : SocketIo::State::Failed, 0};
}

void setTimeouts(SocketHandle s, int ms) {
    const DWORD t = static_cast<DWORD>(ms);
    ::setsockopt(sock(s), SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&t), sizeof t);
    ::setsockopt(sock(s), SOL_SOCKET, SO_SNDTIMEO, reinterpret_cast<const char*>(&t), sizeof t);
}

void resetAndClose(SocketHandle s) {
    linger l{1, 0};
    ::setsockopt(sock(s), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&l), sizeof l);
    ::closesocket(sock(s));
}

bool socketPair(SocketHandle& a, SocketHandle& b) {
    if (!startSockets()) return false;
    // A listening socket on loopback, a client connected to it, and the accepted end.
    const SOCKET listener = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int len = sizeof at;
    SOCKET client = INVALID_SOCKET, accepted = INVALID_SOCKET;
    if (listener != INVALID_SOCKET && ::bind(listener, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0 &&
        ::listen(listener, 1) == 0 && ::getsockname(listener, reinterpret_cast<sockaddr*>(&at), &len) == 0) {
        client = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (client != INVALID_SOCKET && ::connect(client, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0)
            accepted = ::accept(listener, nullptr, nullptr);
    }
    if (listener != INVALID_SOCKET) ::closesocket(listener);
    if (accepted == INVALID_SOCKET) {
        if (client != INVALID_SOCKET) ::closesocket(client);
        return false;
    }
    a = static_cast<SocketHandle>(accepted);
    b = static_cast<SocketHandle>(client);
    prepareSocket(a);
    prepareSocket(b);
    return true;
}

Waker::Waker() {
    if (!socketPair(read_, write_)) throw std::runtime_error("cannot create a socket pair to wake the connection gate");
}

Waker::~Waker() {
    ::closesocket(sock(read_));
    ::closesocket(sock(write_));
}

void Waker::wake() { ::send(sock(write_), "x", 1, 0); }

void Waker::drain() {
    char sink[256];
    while (::recv(sock(read_), sink, sizeof sink, 0) > 0) {
    }
}

} // namespace quarry::platform
