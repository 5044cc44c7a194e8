// SPDX-License-Identifier: MIT
// System.h on Linux and macOS.
#include "platform/System.h"

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__)
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

namespace quarry::platform {

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
