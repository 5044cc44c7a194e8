// SPDX-License-Identifier: MIT
#include "sandbox/ConnectionGate.h"
#include "value/Text.h"

#include "platform/Socket.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace quarry::sandbox {
namespace {

using Clock = std::chrono::steady_clock;
using platform::SocketIo;
using Io = SocketIo::State;

/// A connection between requests: the bytes read from it that no request has used yet.
struct Conn {
    socket_t fd = INVALID_SOCKET;
    std::string buf;      ///< read, not yet used by a request
    std::string out;      ///< an answer the client has not taken yet (sent by the gate)
    std::size_t outOff = 0;
    bool closeAfterOut = false;
    Clock::time_point deadline;
    bool started = false; ///< a byte of the next request has arrived
    Clock::time_point firstByte; ///< ... at this time
    std::size_t scanned = 0; ///< body bytes searched for a chunked body's end
    std::size_t served = 0;
};

/// httplib's accept loop hands each connection over at once: nothing waits in a queue.
class InlineQueue : public httplib::TaskQueue {
public:
    void enqueue(std::function<void()> fn) override { fn(); }
    void shutdown() override {}
};

using text::lower;

enum class Ready {
    No,             ///< the headers are still arriving
    BodyArriving,   ///< the headers are here, a body the gate holds is still arriving
    Whole,          ///< the request is in memory: a worker answers it without waiting on the client
    Streaming,      ///< the headers are here; the body is read by a bulk worker as it comes
    HeaderTooLarge,
};

std::size_t headersEnd(const Conn& c) {
    const auto end = c.buf.find("\r\n\r\n");
    return end == std::string::npos ? end : end + 4;
}

/// How far the request at the start of `c.buf` has arrived.
Ready assess(Conn& c, const ConnectionLimits& l, bool memoryTight) {
    const auto end = headersEnd(c);
    if (end == std::string::npos)
        return c.buf.size() > l.maxHeaderBytes ? Ready::HeaderTooLarge : Ready::No;
    if (end > l.maxHeaderBytes) return Ready::HeaderTooLarge;
    const std::string head = lower(c.buf.substr(0, end - 2));
    auto header = [&](const std::string& name) -> std::string {
        const auto at = head.find("\r\n" + name + ":");
        if (at == std::string::npos) return {};
        const auto from = at + name.size() + 3;
        std::string v = head.substr(from, head.find("\r\n", from) - from);
        v.erase(0, v.find_first_not_of(" \t"));
        v.erase(v.find_last_not_of(" \t") + 1);
        return v;
    };
    const std::string_view body = std::string_view(c.buf).substr(end);
    const bool chunked = header("transfer-encoding").find("chunked") != std::string::npos;
    const std::string length = header("content-length");
    bool whole = false;
    std::size_t expected = 0;
    if (chunked) {
        // Searched from where the last look ended, so that a long body is scanned once.
        whole = body.starts_with("0\r\n\r\n") || body.find("\r\n0\r\n\r\n", c.scanned) != std::string_view::npos;
        c.scanned = body.size() < 7 ? 0 : body.size() - 7;
        expected = l.prebufferBody;
    } else if (length.empty()) {
        return Ready::Whole;
    } else {
        for (char ch : length) {
            if (ch < '0' || ch > '9' || expected > l.prebufferBody) return Ready::Streaming; // httplib answers it
            expected = expected * 10 + static_cast<std::size_t>(ch - '0');
        }
        whole = body.size() >= expected;
    }
    if (whole) return Ready::Whole;
    if (memoryTight || expected > l.prebufferBody || body.size() >= l.prebufferBody || header("expect") == "100-continue")
        return Ready::Streaming;
    return Ready::BodyArriving;
}

void closeConn(socket_t fd) { platform::closeSocket(fd); }

/// Best effort: a short answer on a connection about to be closed.
void sayAndClose(socket_t fd, const char* statusLine) {
    const std::string msg = std::string("HTTP/1.1 ") + statusLine + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    platform::sendNow(fd, msg.data(), msg.size());
    closeConn(fd);
}

/// Waits until `fd` can be read (or written), or has hung up; false once `until` passed.
bool waitFor(socket_t fd, bool write, Clock::time_point until) {
    std::vector<platform::PollEntry> one{{fd, write, false}};
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
        if (left <= 0) return false;
        if (!platform::pollSockets(one, static_cast<int>(std::min<long long>(left, 1000)))) return false;
        if (one[0].ready) return true;
    }
}
constexpr bool kRead = false, kWrite = true;

enum class Sent { All, WouldBlock, Failed };

/// Sends what `c` holds for its reader, as far as the socket takes it now; `pending` (all
/// connections' held bytes) goes down by what left. Returns how far it got.
Sent sendHeld(Conn& c, std::atomic<std::size_t>& pending) {
    while (c.outOff < c.out.size()) {
        const auto r = platform::sendNow(c.fd, c.out.data() + c.outOff, c.out.size() - c.outOff);
        if (r.state != Io::Moved) return r.state == Io::WouldBlock ? Sent::WouldBlock : Sent::Failed;
        c.outOff += r.bytes;
        pending -= r.bytes;
    }
    c.out.clear();
    c.outOff = 0;
    return Sent::All;
}

/// One request's stream for httplib: first the bytes the gate read, then the socket, with the
/// body and the answer each held to ConnectionLimits' minimum rate.
class GateStream : public httplib::Stream {
public:
    GateStream(Conn& c, const ConnectionLimits& l, std::atomic<std::size_t>& pending, std::chrono::seconds ioTimeout)
        : c_(c), l_(l), pending_(pending), ioTimeout_(ioTimeout), readStart_(c.started ? c.firstByte : Clock::now()) {}

    bool is_readable() const override { return off_ < c_.buf.size() || waitFor(c_.fd, kRead, readDeadline()); }
    bool is_writable() const override { return !c_.out.empty() || waitFor(c_.fd, kWrite, writeDeadline()); }

    ssize_t read(char* ptr, size_t size) override {
        if (off_ == c_.buf.size() && !fill()) return readShut_ ? 0 : -1;
        const std::size_t n = std::min(size, c_.buf.size() - off_);
        std::memcpy(ptr, c_.buf.data() + off_, n);
        off_ += n;
        return static_cast<ssize_t>(n);
    }

    /// Sends what the socket takes now; the rest is kept for the gate to send (up to
    /// maxPendingAnswers for all connections; past that, waits at the minimum rate).
    ssize_t write(const char* ptr, size_t size) override {
        if (!writing_) {
            writing_ = true;
            writeStart_ = Clock::now();
        }
        std::size_t done = 0;
        while (done < size) {
            if (!c_.out.empty()) {
                if (pending_ + (size - done) <= l_.maxPendingAnswers) {
                    pending_ += size - done;
                    c_.out.append(ptr + done, size - done);
                    return static_cast<ssize_t>(size);
                }
                if (!flushPending()) return -1; // past the cap: this answer waits for its reader
                continue;
            }
            const auto r = platform::sendNow(c_.fd, ptr + done, size - done);
            if (r.state == Io::Moved) {
                done += r.bytes;
                written_ += r.bytes;
            } else if (r.state == Io::WouldBlock) {
                if (pending_ + (size - done) <= l_.maxPendingAnswers) {
                    pending_ += size - done;
                    c_.out.assign(ptr + done, size - done);
                    return static_cast<ssize_t>(size);
                }
                if (!waitFor(c_.fd, kWrite, writeDeadline())) return -1;
            } else {
                return -1;
            }
        }
        return static_cast<ssize_t>(done);
    }

    /// Sends what this answer has kept so far, waiting for the reader at the minimum rate.
    bool flushPending() {
        const std::size_t held = c_.out.size() - c_.outOff;
        for (;;) {
            const Sent r = sendHeld(c_, pending_);
            if (r == Sent::All) break;
            if (r == Sent::Failed || !waitFor(c_.fd, kWrite, writeDeadline())) return false;
        }
        written_ += held;
        return true;
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override { platform::socketAddress(c_.fd, true, ip, port); }
    void get_local_ip_and_port(std::string& ip, int& port) const override { platform::socketAddress(c_.fd, false, ip, port); }
    socket_t socket() const override { return c_.fd; }

    void stopReading() {
        readShut_ = true;
        platform::stopReceiving(c_.fd);
    }
    bool readingStopped() const { return readShut_; }
    /// Drops the bytes this request used; what is left belongs to the next one.
    void consume() { c_.buf.erase(0, off_); }

private:
    Clock::time_point rateDeadline(Clock::time_point start, std::size_t bytes) const {
        const auto perByte = std::chrono::duration<double>(1.0 / static_cast<double>(l_.minBytesPerSecond));
        return start + l_.clientTimeout + std::chrono::duration_cast<Clock::duration>(perByte * static_cast<double>(bytes));
    }
    Clock::time_point readDeadline() const {
        return std::min(rateDeadline(readStart_, read_), Clock::now() + ioTimeout_);
    }
    Clock::time_point writeDeadline() const {
        return std::min(rateDeadline(writing_ ? writeStart_ : Clock::now(), written_), Clock::now() + ioTimeout_);
    }

    /// Reads more from the socket into the buffer; false at its end, on error or too slowly.
    bool fill() {
        if (readShut_) return false;
        c_.buf.erase(0, off_);
        off_ = 0;
        char chunk[64 * 1024];
        for (;;) {
            const auto r = platform::receiveNow(c_.fd, chunk, sizeof chunk);
            if (r.state == Io::Moved) {
                c_.buf.append(chunk, r.bytes);
                read_ += r.bytes;
                return true;
            }
            if (r.state != Io::WouldBlock) return false;
            if (!waitFor(c_.fd, kRead, readDeadline())) return false;
        }
    }

    Conn& c_;
    const ConnectionLimits& l_;
    std::atomic<std::size_t>& pending_;
    std::chrono::seconds ioTimeout_;
    std::size_t off_ = 0;
    std::size_t read_ = 0;
    std::size_t written_ = 0;
    Clock::time_point readStart_;
    Clock::time_point writeStart_;
    bool writing_ = false;
    bool readShut_ = false;
};

thread_local GateStream* t_current = nullptr;

} // namespace

struct GatedServer::Gate {
    GatedServer& server;
    ConnectionLimits limits;
    httplib::ThreadPool pool; ///< answers requests that are wholly in memory
    httplib::ThreadPool bulk; ///< answers requests whose body is still arriving
    std::mutex mutex;
    std::vector<std::unique_ptr<Conn>> incoming; // guarded by mutex
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> bufferedBytes{0}; ///< requests' bytes held by waiting connections
    std::atomic<std::size_t> pendingOut{0};    ///< answers' bytes not yet taken by their clients
    platform::Waker waker;
    std::thread thread;

    Gate(GatedServer& s, ConnectionLimits l)
        : server(s), limits(l), pool(static_cast<std::size_t>(std::max(1, l.workers))),
          bulk(static_cast<std::size_t>(std::max(1, l.bulkWorkers))) {
        thread = std::thread([this] { loop(); });
    }

    void admit(std::unique_ptr<Conn> c) {
        {
            std::lock_guard lock(mutex);
            if (!stopping) incoming.push_back(std::move(c));
        }
        if (c) forget(*c);
        else waker.wake();
    }

    void forget(Conn& c) {
        pendingOut -= c.out.size() - c.outOff;
        closeConn(c.fd);
    }

    void dispatch(std::unique_ptr<Conn> c, httplib::ThreadPool& to) {
        to.enqueue([this, raw = c.release()] { serve(std::unique_ptr<Conn>(raw)); });
    }

    void serve(std::unique_ptr<Conn> c) {
        GateStream s(*c, limits, pendingOut, std::chrono::seconds(server.read_timeout_sec_));
        const bool closeAfter = stopping || ++c->served >= server.keep_alive_max_count_;
        bool closed = false;
        bool ok = false;
        t_current = &s;
        try {
            ok = server.process_request(s, closeAfter, closed, nullptr);
        } catch (const std::exception&) {
        }
        t_current = nullptr;
        s.consume();
        c->started = false;
        c->scanned = 0;
        if (!ok) {
            forget(*c);
            return;
        }
        c->closeAfterOut = closed || closeAfter || s.readingStopped();
        if (!c->out.empty()) {
            // The gate sends the rest; the client must take it at the minimum rate.
            c->deadline = Clock::now() + limits.clientTimeout +
                          std::chrono::milliseconds(1000 * c->out.size() / std::max<std::size_t>(1, limits.minBytesPerSecond));
        } else if (c->closeAfterOut) {
            forget(*c);
            return;
        } else {
            rearm(*c);
        }
        admit(std::move(c));
    }

    /// After an answer: waiting for the next request.
    void rearm(Conn& c) const {
        c.started = !c.buf.empty();
        c.firstByte = Clock::now();
        c.deadline = Clock::now() + (c.started ? limits.clientTimeout : limits.idleKeepAlive + std::chrono::seconds(1));
    }

    /// Reads what `c` has sent; false when it has closed or failed.
    bool readSome(Conn& c) {
        char chunk[64 * 1024];
        while (c.buf.size() <= limits.maxHeaderBytes + limits.prebufferBody) {
            const auto r = platform::receiveNow(c.fd, chunk, sizeof chunk);
            if (r.state == Io::Moved) {
                if (!c.started) {
                    c.started = true;
                    c.firstByte = Clock::now();
                    c.deadline = c.firstByte + limits.clientTimeout;
                }
                c.buf.append(chunk, r.bytes);
                bufferedBytes += r.bytes;
                continue;
            }
            return r.state == Io::WouldBlock;
        }
        return true;
    }

    enum class Next { Wait, Dispatched, Closed };

    /// One connection's turn in the loop; `ready`: poll said it can go on (or hung up).
    Next step(std::unique_ptr<Conn>& c, bool ready, Clock::time_point now) {
        if (!c->out.empty()) {
            if (ready && sendHeld(*c, pendingOut) == Sent::Failed) return forget(*c), Next::Closed;
            if (!c->out.empty()) return now >= c->deadline ? (forget(*c), Next::Closed) : Next::Wait;
            if (c->closeAfterOut) return forget(*c), Next::Closed;
            rearm(*c);
            ready = true; // a next request may be waiting already
        }
        if (ready && !readSome(*c)) {
            bufferedBytes -= c->buf.size();
            return forget(*c), Next::Closed;
        }
        const Ready arrived = assess(*c, limits, bufferedBytes > limits.maxBufferedBytes);
        if (arrived == Ready::Whole || arrived == Ready::Streaming) {
            bufferedBytes -= c->buf.size();
            dispatch(std::move(c), arrived == Ready::Whole ? pool : bulk);
            return Next::Dispatched;
        }
        if (arrived == Ready::BodyArriving) {
            // The body must keep the minimum rate from clientTimeout after the first byte on
            // (as a bulk worker's reading does, however long the request waited for one).
            const auto bodyBytes = c->buf.size() - headersEnd(*c);
            c->deadline = c->firstByte + limits.clientTimeout +
                          std::chrono::milliseconds(1000 * bodyBytes / std::max<std::size_t>(1, limits.minBytesPerSecond));
        }
        if (arrived == Ready::HeaderTooLarge || now >= c->deadline) {
            bufferedBytes -= c->buf.size();
            if (c->started) sayAndClose(c->fd, arrived == Ready::HeaderTooLarge ? "431 Request Header Fields Too Large" : "408 Request Timeout");
            else closeConn(c->fd);
            return Next::Closed;
        }
        return Next::Wait;
    }

    void loop() {
        std::vector<std::unique_ptr<Conn>> waiting;
        std::vector<platform::PollEntry> fds;
        while (!stopping) {
            {
                std::lock_guard lock(mutex);
                for (auto& c : incoming) {
                    bufferedBytes += c->buf.size();
                    if (waiting.size() >= limits.maxWaiting) {
                        bufferedBytes -= c->buf.size();
                        forget(*c);
                    } else {
                        waiting.push_back(std::move(c));
                    }
                }
                incoming.clear();
            }
            fds.assign(1, platform::PollEntry{waker.handle(), false, false});
            for (const auto& c : waiting) fds.push_back(platform::PollEntry{c->fd, !c->out.empty(), false});
            // Connections handed back with a next request already read are looked at at once.
            if (!platform::pollSockets(fds, 200)) break;
            waker.drain();
            const auto now = Clock::now();
            for (std::size_t i = 0; i < waiting.size(); ++i)
                if (step(waiting[i], fds[i + 1].ready, now) != Next::Wait) waiting[i].reset();
            std::erase_if(waiting, [](const auto& c) { return !c; });
        }
        for (auto& c : waiting) forget(*c);
    }

    void shutdown() {
        {
            std::lock_guard lock(mutex);
            if (stopping.exchange(true)) return;
        }
        waker.wake();
        if (thread.joinable()) thread.join();
        pool.shutdown();
        bulk.shutdown();
        {
            std::lock_guard lock(mutex);
            for (auto& c : incoming) forget(*c);
            incoming.clear();
        }
    }
};

GatedServer::GatedServer(ConnectionLimits limits) : gate_(std::make_unique<Gate>(*this, limits)) {
    new_task_queue = [] { return new InlineQueue; };
    set_keep_alive_timeout(limits.idleKeepAlive.count());
}

GatedServer::~GatedServer() { shutdownConnections(); }

void GatedServer::widenBacklog(int connections) {
    if (svr_sock_ != INVALID_SOCKET) platform::setListenBacklog(svr_sock_, connections);
}

void GatedServer::shutdownConnections() { gate_->shutdown(); }

void GatedServer::stopReadingCurrent() {
    if (t_current) t_current->stopReading();
}

bool GatedServer::process_and_close_socket(socket_t sock) {
    auto c = std::make_unique<Conn>();
    c->fd = sock;
    platform::prepareSocket(sock);
    c->deadline = Clock::now() + gate_->limits.clientTimeout;
    gate_->admit(std::move(c));
    return true;
}

} // namespace quarry::sandbox
