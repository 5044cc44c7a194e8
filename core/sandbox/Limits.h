// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>

namespace quarry::sandbox {

/// What a client that sends or reads slowly, or not at all, may hold (docs/SANDBOX.md, Security).
struct ConnectionLimits {
    /// From a request's first byte to the end of its headers; a slower client gets 408 and is
    /// disconnected. Also the grace before a large body or an answer must keep minBytesPerSecond.
    std::chrono::milliseconds clientTimeout{10000};
    /// An idle kept-alive connection is closed after this (advertised in Keep-Alive: timeout=).
    std::chrono::seconds idleKeepAlive{5};
    std::size_t maxHeaderBytes = 64 * 1024;     ///< larger header blocks get 431
    std::size_t prebufferBody = 16u << 20;      ///< bodies up to this size are read whole before a worker is taken
    std::size_t maxBufferedBytes = 256u << 20;  ///< all waiting requests' bytes together
    std::size_t maxPendingAnswers = 512u << 20; ///< answers held for slow readers, together
    std::size_t maxWaiting = 8192;              ///< connections between requests; more are closed at once
    std::size_t minBytesPerSecond = 64 * 1024;  ///< after clientTimeout, a slower body or answer is cut
    int workers = 32;     ///< threads that answer complete requests
    int bulkWorkers = 16; ///< threads that read bodies still arriving (large, or slow)
};

/// What a query may use and what finished jobs may keep (docs/SANDBOX.md, Security).
struct JobLimits {
    std::size_t queryMemory = std::size_t{2} << 30; ///< heap one query may hold at once
    /// Results and configurations of finished jobs together; past it the oldest results, then
    /// the oldest jobs, are dropped.
    std::size_t keptBytes = std::size_t{1} << 30;
    std::chrono::hours resultLifetime{24}; ///< as BigQuery's temporary result tables
    std::size_t keptJobs = 10000;
    std::size_t maxQueryChars = 1024 * 1024; ///< as BigQuery's 1,024K characters
};

} // namespace quarry::sandbox
