// SPDX-License-Identifier: MIT
#pragma once

#include "platform/Process.h"

#include <string>

namespace quarry::test {

struct CommandResult {
    int code = -1;   ///< exit status, -1 if it did not exit normally
    std::string out; ///< standard output and standard error together
};

/// Runs a command line through the POSIX shell (sh -c) and collects its output and exit status.
inline CommandResult runCommand(const std::string& commandLine) {
    CommandResult r;
    platform::ChildProcess::Options o;
    o.args = {"/bin/sh", "-c", commandLine};
    o.pipeOutput = true;
    o.errorToOutput = true;
    auto child = platform::ChildProcess::start(o);
    if (!child.started()) return r;
    r.out = child.readAll();
    r.code = child.wait().value_or(-1);
    return r;
}

} // namespace quarry::test
