// SPDX-License-Identifier: MIT
#pragma once
// For the platform layer's Windows sources only: <windows.h> without its min/max macros, and
// the HANDLE kept in an std::intptr_t (File, ChildProcess).
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <cstdint>

namespace quarry::platform::win32 {

inline HANDLE handleOf(std::intptr_t h) { return reinterpret_cast<HANDLE>(h); }

} // namespace quarry::platform::win32
