// SPDX-License-Identifier: MIT
#pragma once
// Child processes (the test harness's sandboxes and CLIs; the app uses QProcess), one
// implementation per platform: ProcessPosix.cpp (posix_spawn), ProcessWindows.cpp
// (CreateProcessW).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace quarry::platform {

class ChildProcess {
public:
    struct Options {
        std::vector<std::string> args;        ///< args[0]: the program's path
        std::vector<std::string> environment; ///< "NAME=value" each; empty: the parent's
        bool addToParentEnvironment = false;  ///< `environment` added to (replacing in) the parent's
        bool pipeOutput = false;              ///< standard output read with readLine()
        std::filesystem::path outputFile;     ///< else standard output appended here (empty: the parent's)
        std::filesystem::path errorFile;      ///< standard error appended here (empty: the parent's)
        bool errorToOutput = false;           ///< standard error goes where standard output goes
    };
    /// Starts it; started() false (with lastErrorText(), File.h) when it could not be.
    static ChildProcess start(const Options& options);

    ChildProcess() = default;
    /// A child still running is killed and waited for.
    ~ChildProcess();
    ChildProcess(ChildProcess&& o) noexcept { take(o); }
    ChildProcess& operator=(ChildProcess&& o) noexcept {
        if (this != &o) {
            release();
            take(o);
        }
        return *this;
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    bool started() const { return id_ > 0; }
    std::int64_t id() const { return id_; }
    /// The next line of its standard output (pipeOutput), without the newline; false at its end.
    bool readLine(std::string& line);
    /// The rest of its standard output (pipeOutput), as it is, up to its end.
    std::string readAll();
    /// Asks it to stop: SIGTERM, which the sandbox answers by stopping cleanly. Windows has no
    /// such request for a process without a window: there it ends it as kill() does.
    void terminate();
    /// Interrupts it as Ctrl-C in its terminal would (SIGINT). Windows has no such request for a
    /// process without a console: there it ends it as kill() does.
    void interrupt();
    /// Ends it at once (SIGKILL; TerminateProcess), as a crash or a power cut would.
    void kill();
    /// Waits for it to end, up to `limit` (no limit when nullopt): its exit code; -1 when a
    /// signal ended it; nullopt while it still runs past `limit`.
    std::optional<int> wait(std::optional<std::chrono::milliseconds> limit = std::nullopt);

private:
    void release();
    void take(ChildProcess& o) {
        id_ = std::exchange(o.id_, -1);
        handle_ = std::exchange(o.handle_, -1);
        output_ = std::exchange(o.output_, -1);
        exit_ = std::exchange(o.exit_, std::nullopt);
    }
    std::int64_t id_ = -1;
    std::intptr_t handle_ = -1; ///< Windows: the process HANDLE
    std::intptr_t output_ = -1; ///< the read end of the output pipe
    std::optional<int> exit_;
};

/// Whether the process `id` (a child started otherwise, such as by QProcess) still exists.
bool processExists(std::int64_t id);
/// Ends the process `id` at once (SIGKILL; TerminateProcess); false when it could not.
bool killProcess(std::int64_t id);

} // namespace quarry::platform
