// SPDX-License-Identifier: MIT
// System.h on Linux and macOS.
#include "platform/System.h"

#include <csignal>
#include <cstdlib>
#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__)
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

namespace quarry::platform {

std::int64_t processId() { return ::getpid(); }

void setEnvironment(const std::string& name, const std::optional<std::string>& value) {
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
}

std::string wineVersion() { return {}; }

std::uint64_t peakResidentBytes() {
    rusage ru{};
    if (::getrusage(RUSAGE_SELF, &ru) != 0) return 0;
#if defined(__APPLE__)
    return static_cast<std::uint64_t>(ru.ru_maxrss); // bytes on macOS
#else
    return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024; // KB on Linux
#endif
}

bool isTerminal(int stream) { return ::isatty(stream) == 1; }

void raiseOpenFileLimit() {
    if (rlimit nofile{}; ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &nofile);
    }
}

void lowerThreadPriority() {
#if defined(__linux__)
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10); // this thread only, on Linux
#endif
}

void releaseFreedMemory() {
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
}

void stopWhenParentDies() {
#if defined(__linux__)
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
}

} // namespace quarry::platform
