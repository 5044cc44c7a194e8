// SPDX-License-Identifier: MIT
// System.h on Windows (checked here with MinGW-w64, CTest label `portability`).
#include "platform/System.h"

#include "platform/Win32.h"

#include <psapi.h>
#include <stdlib.h>

namespace quarry::platform {

std::int64_t processId() { return static_cast<std::int64_t>(GetCurrentProcessId()); }

void setEnvironment(const std::string& name, const std::optional<std::string>& value) {
    ::_putenv_s(name.c_str(), value ? value->c_str() : ""); // "" removes it
}

std::string wineVersion() {
    const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    const auto get = ntdll ? reinterpret_cast<const char* (*)()>(reinterpret_cast<void*>(GetProcAddress(ntdll, "wine_get_version"))) : nullptr;
    return get ? std::string(get()) : std::string();
}

std::uint64_t peakResidentBytes() {
    PROCESS_MEMORY_COUNTERS pmc{};
    pmc.cb = sizeof pmc;
    if (!GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc)) return 0;
    return pmc.PeakWorkingSetSize;
}

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
