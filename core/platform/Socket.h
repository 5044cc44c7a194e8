// SPDX-License-Identifier: MIT
#pragma once
// The socket calls of the sandbox's connection gate (ConnectionGate.cpp), one implementation
// per platform: SocketPosix.cpp (poll, MSG_DONTWAIT, a pipe to wake the loop) and
// SocketWindows.cpp (WSAPoll, non-blocking sockets, a loopback socket pair to wake it).
// The sockets themselves are cpp-httplib's (socket_t): int on POSIX, SOCKET on Windows.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::platform {

#ifdef _WIN32
using SocketHandle = std::uintptr_t;
#else
using SocketHandle = int;
#endif

/// What a call that never waits did: moved `bytes` (> 0), or could not now (WouldBlock), or
/// the peer closed (Closed: receiving only), or the socket failed.
struct SocketIo {
    enum class State { Moved, WouldBlock, Closed, Failed };
    State state = State::Failed;
    std::size_t bytes = 0;
};

/// Readies a socket the gate takes over for sendNow/receiveNow (non-blocking on Windows,
/// where a call cannot ask for it alone).
void prepareSocket(SocketHandle s);
/// Sends what the socket takes now, without waiting and without SIGPIPE.
SocketIo sendNow(SocketHandle s, const char* data, std::size_t n);
/// Receives what has arrived, without waiting.
SocketIo receiveNow(SocketHandle s, char* into, std::size_t n);
/// Shuts both ways and closes.
void closeSocket(SocketHandle s);
/// Shuts the receiving side: the peer's further bytes are refused.
void stopReceiving(SocketHandle s);
/// Shuts both ways without closing (another thread waiting on it wakes up); close it later.
void shutdownSocket(SocketHandle s);
/// Asks the system to queue up to `connections` not yet accepted connections.
void setListenBacklog(SocketHandle listening, int connections);
/// The peer's (or this end's) address as text and its port; false when unknown.
bool socketAddress(SocketHandle s, bool peer, std::string& ip, int& port);

/// One socket to wait on: for reading, or for writing; `ready` set by pollSockets when it is
/// (or when it hung up or failed: the next call says which).
struct PollEntry {
    SocketHandle socket{};
    bool write = false;
    bool ready = false;
};
/// Waits up to `timeoutMs` for any entry to be ready; false on a failure other than a signal.
bool pollSockets(std::vector<PollEntry>& entries, int timeoutMs);

/// No socket: what the calls below return when they fail.
inline constexpr SocketHandle kNoSocket = static_cast<SocketHandle>(-1);

/// Plain TCP on loopback, as a client or a small server does it (the tests' raw clients and
/// scripted servers), waiting as sockets do by default:
/// A socket listening on 127.0.0.1 at a free port, which `port` gets; kNoSocket on failure.
SocketHandle listenOnLoopback(int& port, int backlog = 64);
/// The next connection to `listening` (waits for one); kNoSocket on failure.
SocketHandle acceptConnection(SocketHandle listening);
/// A connection to 127.0.0.1:`port`, its receive buffer `receiveBuffer` bytes when > 0;
/// kNoSocket on failure.
SocketHandle connectToLoopback(int port, int receiveBuffer = 0);
/// Sends all of `data`, waiting as needed (no SIGPIPE); false on failure.
bool sendAll(SocketHandle s, std::string_view data);
/// Receives what comes next, waiting for it: bytes (Moved), Closed or Failed.
SocketIo receive(SocketHandle s, char* into, std::size_t n);
/// Sends and receives that wait longer than `ms` fail instead.
void setTimeouts(SocketHandle s, int ms);
/// Closes with a reset (RST) instead of an orderly end, as a crashed peer would.
void resetAndClose(SocketHandle s);

/// Two connected sockets (a socketpair; on Windows, over loopback TCP), ready for
/// sendNow/receiveNow; false on failure.
bool socketPair(SocketHandle& a, SocketHandle& b);

/// Wakes a thread waiting in pollSockets from another thread: poll its handle() for reading.
class Waker {
public:
    Waker();
    ~Waker();
    Waker(const Waker&) = delete;
    Waker& operator=(const Waker&) = delete;
    SocketHandle handle() const { return read_; }
    void wake();
    /// Takes the wake-ups delivered so far.
    void drain();

private:
    SocketHandle read_{}, write_{};
};

} // namespace quarry::platform
