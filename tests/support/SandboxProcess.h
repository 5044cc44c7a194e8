// SPDX-License-Identifier: MIT
#pragma once

#include "platform/Process.h"

#include <filesystem>
#include <string>
#include <vector>

// Whether this build runs under AddressSanitizer: GCC says so with __SANITIZE_ADDRESS__,
// clang through __has_feature. Bounds on memory a test measures differ under it.
#if defined(__SANITIZE_ADDRESS__)
#define QUARRY_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QUARRY_TEST_ASAN 1
#endif
#endif
#ifndef QUARRY_TEST_ASAN
#define QUARRY_TEST_ASAN 0
#endif

namespace quarry::test {

/// Runs the real quarry-sandbox executable on 127.0.0.1 with a free port and a data folder,
/// for integration tests. Stops it (SIGTERM) on destruction.
class SandboxProcess {
public:
    /// `data` empty: a fresh temporary folder (removed at the end).
    /// `stderrFile` non-empty: the sandbox's standard error goes there (for log checks).
    explicit SandboxProcess(std::vector<std::string> extraArgs = {}, std::filesystem::path data = {},
                            std::filesystem::path stderrFile = {});
    ~SandboxProcess();
    SandboxProcess(const SandboxProcess&) = delete;
    SandboxProcess& operator=(const SandboxProcess&) = delete;

    const std::string& url() const { return url_; }
    /// host:port of the Storage API (gRPC), read from the sandbox's second line of output the
    /// first time it is asked for; empty when the sandbox serves none.
    std::string grpcAddress();
    const std::filesystem::path& dataDir() const { return data_; }
    /// The process's peak resident memory (VmHWM), in MB; -1 if unknown.
    long peakRssMb() const;
    /// Ends it at once (SIGKILL), as a crash would: nothing is flushed or closed.
    void killHard();
    /// Asks it to stop (SIGTERM) and waits; returns the exit status.
    int stop();

private:
    void launch();
    std::vector<std::string> args_;
    std::filesystem::path data_;
    std::filesystem::path stderrFile_;
    bool ownsData_ = false;
    std::string url_;
    std::string grpc_;
    bool grpcRead_ = false;
    platform::ChildProcess child_;
};

} // namespace quarry::test
