// SPDX-License-Identifier: MIT
#pragma once
// Starting a command as a child process the test can kill, and waiting for it with a limit.

#include "platform/Process.h"

#include <chrono>
#include <string>
#include <vector>

namespace quarry::test {

/// Starts args[0] with its arguments, XDG_STATE_HOME=`state` (its journals), standard output
/// and error appended to `log`. started() is false when it could not be.
inline platform::ChildProcess spawnCli(std::vector<std::string> args, const std::string& state, const std::string& log) {
    platform::ChildProcess::Options o;
    o.args = std::move(args);
    o.environment = {"XDG_STATE_HOME=" + state, "PATH=/usr/bin:/bin"};
    o.outputFile = log;
    o.errorToOutput = true;
    return platform::ChildProcess::start(o);
}

/// Waits up to `limit` for `child` to end; kills it past that. Returns its exit status (-1
/// if killed or not exited); `stillRunning` says whether it had to be killed.
inline int waitFor(platform::ChildProcess& child, std::chrono::milliseconds limit, bool* stillRunning = nullptr) {
    auto code = child.wait(limit);
    if (stillRunning) *stillRunning = !code.has_value();
    if (!code) {
        child.kill();
        child.wait();
        return -1;
    }
    return *code;
}

} // namespace quarry::test
