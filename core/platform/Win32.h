// SPDX-License-Identifier: MIT
#pragma once
// For the platform layer's Windows sources only: <windows.h> without its min/max macros, and
// the HANDLE kept in an std::intptr_t (File, ChildProcess).
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace quarry::platform::win32 {

inline HANDLE handleOf(std::intptr_t h) { return reinterpret_cast<HANDLE>(h); }

/// `n` UTF-16 units as UTF-8 (the text of a message, an account's name).
inline std::string utf8(const wchar_t* w, int n) {
    if (n <= 0) return {};
    const int bytes = WideCharToMultiByte(CP_UTF8, 0, w, n, nullptr, 0, nullptr, nullptr);
    std::string out(static_cast<std::size_t>(bytes), '\0');
    WideCharToMultiByte(CP_UTF8, 0, w, n, out.data(), bytes, nullptr, nullptr);
    return out;
}

/// A protected access list (AccessWindows.cpp): the current user may do everything, Everyone
/// may read when `othersRead`, nobody else anything, whatever the folder passes down.
class AccessList {
public:
    explicit AccessList(bool othersRead);
    AccessList(const AccessList&) = delete;
    AccessList& operator=(const AccessList&) = delete;
    bool ok() const { return ok_; }
    /// For CreateFileW: a file it makes gets this list.
    SECURITY_ATTRIBUTES* attributes() { return ok_ ? &attributes_ : nullptr; }
    /// Sets it on an open file; false with GetLastError() on failure.
    bool applyTo(HANDLE file) const;

private:
    std::vector<BYTE> user_, everyone_, acl_;
    SECURITY_DESCRIPTOR descriptor_{};
    SECURITY_ATTRIBUTES attributes_{};
    bool ok_ = false;
};

/// Who besides the owner (and the system and administrators, who can read any file) may read
/// `path`, as text; nullopt when nobody, or when it cannot be told.
std::optional<std::string> readersOtherThanOwner(const std::filesystem::path& path);

} // namespace quarry::platform::win32
