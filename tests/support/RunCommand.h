// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace quarry::test {

struct CommandResult {
    int code = -1;   ///< exit status, -1 if it did not exit normally
    std::string out; ///< standard output and standard error together
};

/// Runs a shell command line and collects its output and exit status.
inline CommandResult runCommand(const std::string& commandLine) {
    CommandResult r;
    FILE* p = ::popen((commandLine + " 2>&1").c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

} // namespace quarry::test
