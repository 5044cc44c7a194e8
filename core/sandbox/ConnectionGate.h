// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Limits.h"

#include <httplib.h>
#include <memory>

namespace quarry::sandbox {

/// An httplib server whose connections cost no thread until a whole request has arrived.
///
/// httplib 0.11 gives each connection a pool thread for its whole life, so 32 clients that
/// send a byte a second (slowloris) or keep a connection open stall every other client. Here
/// httplib only accepts: a single poll() loop (the gate) reads each connection's request
/// headers, and its body when small, into memory under deadlines, and only a complete request
/// is handed to a worker. An answer the client does not take at once is left to the gate to
/// send, so a worker never waits on a slow reader. A body too large to hold, or still arriving
/// after clientTimeout, is read by a separate bulk pool at a guaranteed minimum rate, so slow
/// uploads can hold up only other uploads, never the API calls and queries.
class GatedServer : public httplib::Server {
public:
    explicit GatedServer(ConnectionLimits limits = {});
    ~GatedServer() override;
    GatedServer(const GatedServer&) = delete;
    GatedServer& operator=(const GatedServer&) = delete;

    /// After binding: lets the kernel queue this many connections not yet accepted (httplib
    /// 0.11 asks for 5, so a burst of clients waits seconds for SYN retries).
    void widenBacklog(int connections);

    /// After stop() has returned: closes waiting connections and joins the workers (requests
    /// being answered finish first).
    void shutdownConnections();

    /// Stops reading the connection whose request the calling worker answers: it is closed
    /// after the answer, and the rest of an unread body is never parsed as further requests.
    static void stopReadingCurrent();

private:
    bool process_and_close_socket(socket_t sock) override;

    struct Gate;
    std::unique_ptr<Gate> gate_;
};

} // namespace quarry::sandbox
