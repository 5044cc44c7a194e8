// SPDX-License-Identifier: MIT
#include "platform/Folders.h"

#include <cstdlib>

namespace quarry::platform {
namespace {

const char* env(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

} // namespace

std::filesystem::path dataFolder() {
#if defined(_WIN32)
    if (const char* a = env("LOCALAPPDATA")) return std::filesystem::path(a) / "Quarry";
#elif defined(__APPLE__)
    if (const char* h = env("HOME")) return std::filesystem::path(h) / "Library" / "Application Support" / "Quarry";
#else
    if (const char* x = env("XDG_DATA_HOME")) return std::filesystem::path(x) / "quarry";
    if (const char* h = env("HOME")) return std::filesystem::path(h) / ".local" / "share" / "quarry";
#endif
    std::error_code ec;
    return std::filesystem::current_path(ec) / "quarry-data";
}

std::filesystem::path stateFolder() {
#if !defined(_WIN32) && !defined(__APPLE__)
    if (const char* x = env("XDG_STATE_HOME")) return std::filesystem::path(x) / "quarry";
    if (const char* h = env("HOME")) return std::filesystem::path(h) / ".local" / "state" / "quarry";
#endif
    return dataFolder();
}

} // namespace quarry::platform
