// SPDX-License-Identifier: MIT
// System.h on Windows (checked here with MinGW-w64, CTest label `portability`).
#include "platform/System.h"

#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

namespace quarry::platform {

bool isTerminal(int stream) {
    const DWORD which = stream == 0 ? STD_INPUT_HANDLE : stream == 1 ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE;
    DWORD mode = 0;
    return GetConsoleMode(GetStdHandle(which), &mode) != 0;
}

void raiseOpenFileLimit() {} // no per-process limit on handles or sockets to raise

void lowerThreadPriority() { SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL); }

void releaseFreedMemory() {}

void stopWhenParentDies() {} // the app stops the sandbox on exit (a job object would do it on a crash too)

} // namespace quarry::platform
