// SPDX-License-Identifier: MIT
#pragma once
// What Quarry asks of the operating system besides files (File.h), one implementation per
// platform: SystemPosix.cpp, SystemWindows.cpp.

#include <cstdint>
#include <optional>
#include <string>

namespace quarry::platform {

/// This process's id (unique names for temporary files, logs).
std::int64_t processId();
/// Sets (or, with nullopt, removes) an environment variable of this process.
void setEnvironment(const std::string& name, const std::optional<std::string>& value);
/// The most memory this process has held resident so far, in bytes (0 where unknown).
std::uint64_t peakResidentBytes();
/// The version of wine when this Windows build runs under it ("8.0"), else empty. Wine keeps
/// no access lists of its own: the checks of them mean something on Windows only.
std::string wineVersion();

/// Standard streams (0, 1, 2): whether it is a terminal (progress bars, prompts).
bool isTerminal(int stream);
/// Raises the process's limit of open files to the most it may have (the sandbox serves many
/// connections); nothing where there is no such limit.
void raiseOpenFileLimit();
/// Lowers the calling thread's scheduling priority (background checkpoints).
void lowerThreadPriority();
/// Hands memory the allocator holds free back to the system (glibc's malloc_trim; nothing
/// where the allocator does it by itself).
void releaseFreedMemory();
/// In a child process just started (before it runs its program): the system stops it when
/// its parent dies (Linux PR_SET_PDEATHSIG). Elsewhere nothing: the parent stops it on exit.
void stopWhenParentDies();

} // namespace quarry::platform
