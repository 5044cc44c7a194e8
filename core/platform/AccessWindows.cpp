// SPDX-License-Identifier: MIT
// Who may read a file, on Windows: access lists (DACLs) in place of POSIX mode bits. A file
// made "owner only" (permissions without group or other bits: keys, tokens) gets a protected
// DACL that lets the current user do everything and nobody else anything, whatever its
// folder would have passed down; "others may read" (0004) adds read for Everyone. Other
// permissions leave the inherited DACL as it is, as the umask does on POSIX.
#include "platform/File.h"

#include "platform/Win32.h"

#include <aclapi.h>
#include <sddl.h>

#include <vector>

namespace quarry::platform::win32 {
namespace {

std::vector<BYTE> askCurrentUserSid() {
    HANDLE token = nullptr;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return {};
    DWORD size = 0;
    GetTokenInformation(token, TokenUser, nullptr, 0, &size);
    std::vector<BYTE> buf(size);
    std::vector<BYTE> sid;
    if (size && GetTokenInformation(token, TokenUser, buf.data(), size, &size)) {
        const PSID user = reinterpret_cast<TOKEN_USER*>(buf.data())->User.Sid;
        sid.resize(GetLengthSid(user));
        CopySid(static_cast<DWORD>(sid.size()), sid.data(), user);
    }
    CloseHandle(token);
    return sid;
}

/// The account this process runs as; asked once (files made owner-only use it every time).
const std::vector<BYTE>& currentUserSid() {
    static const std::vector<BYTE> sid = askCurrentUserSid();
    return sid;
}

std::vector<BYTE> wellKnownSid(WELL_KNOWN_SID_TYPE type) {
    DWORD size = SECURITY_MAX_SID_SIZE;
    std::vector<BYTE> sid(size);
    if (!CreateWellKnownSid(type, nullptr, sid.data(), &size)) return {};
    sid.resize(size);
    return sid;
}

std::string nameOf(PSID sid) {
    wchar_t name[256], domain[256];
    DWORD n = 256, d = 256;
    SID_NAME_USE use;
    std::wstring w;
    if (LookupAccountSidW(nullptr, sid, name, &n, domain, &d, &use)) {
        w = d && domain[0] ? std::wstring(domain) + L"\\" + name : std::wstring(name);
    } else if (wchar_t* text = nullptr; ConvertSidToStringSidW(sid, &text)) {
        w = text;
        LocalFree(text);
    } else {
        return "another account";
    }
    return utf8(w.data(), static_cast<int>(w.size()));
}

} // namespace

AccessList::AccessList(bool othersRead) {
    user_ = currentUserSid();
    if (user_.empty()) return;
    if (othersRead) everyone_ = wellKnownSid(WinWorldSid);
    DWORD size = sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) + GetLengthSid(user_.data());
    if (!everyone_.empty()) size += sizeof(ACCESS_ALLOWED_ACE) + GetLengthSid(everyone_.data());
    acl_.resize(size);
    PACL acl = reinterpret_cast<PACL>(acl_.data());
    ok_ = InitializeAcl(acl, size, ACL_REVISION) && AddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, user_.data()) &&
          (everyone_.empty() || AddAccessAllowedAce(acl, ACL_REVISION, FILE_GENERIC_READ, everyone_.data())) &&
          InitializeSecurityDescriptor(&descriptor_, SECURITY_DESCRIPTOR_REVISION) &&
          SetSecurityDescriptorDacl(&descriptor_, TRUE, acl, FALSE) &&
          SetSecurityDescriptorControl(&descriptor_, SE_DACL_PROTECTED, SE_DACL_PROTECTED);
    attributes_.nLength = sizeof attributes_;
    attributes_.lpSecurityDescriptor = &descriptor_;
    attributes_.bInheritHandle = FALSE;
}

bool AccessList::applyTo(HANDLE file) const {
    if (!ok_) return false;
    // A handle of its own that may change the DACL (the caller's may not have asked to).
    const HANDLE h = ReOpenFile(file, WRITE_DAC | READ_CONTROL, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0);
    if (h == INVALID_HANDLE_VALUE) return false;
    const DWORD e = SetSecurityInfo(h, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
                                    nullptr, reinterpret_cast<PACL>(const_cast<BYTE*>(acl_.data())), nullptr);
    CloseHandle(h);
    if (e != ERROR_SUCCESS) SetLastError(e);
    return e == ERROR_SUCCESS;
}

std::optional<std::string> readersOtherThanOwner(const std::filesystem::path& path) {
    PACL dacl = nullptr;
    PSECURITY_DESCRIPTOR sd = nullptr;
    if (GetNamedSecurityInfoW(path.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl, nullptr, &sd) !=
        ERROR_SUCCESS)
        return std::nullopt; // cannot be told
    std::optional<std::string> out;
    if (!dacl) {
        out = "no access list: anyone can read it";
    } else {
        const auto& user = currentUserSid();
        // The system and administrators can read every file anyway; they are no warning.
        const auto system = wellKnownSid(WinLocalSystemSid), admins = wellKnownSid(WinBuiltinAdministratorsSid);
        const auto is = [](PSID sid, const std::vector<BYTE>& other) { return !other.empty() && EqualSid(sid, const_cast<BYTE*>(other.data())); };
        std::string who;
        for (DWORD i = 0; i < dacl->AceCount; ++i) {
            ACE_HEADER* ace = nullptr;
            if (!GetAce(dacl, i, reinterpret_cast<void**>(&ace)) || ace->AceType != ACCESS_ALLOWED_ACE_TYPE || (ace->AceFlags & INHERIT_ONLY_ACE))
                continue;
            const auto* allowed = reinterpret_cast<ACCESS_ALLOWED_ACE*>(ace);
            if (!(allowed->Mask & (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL))) continue;
            const PSID sid = const_cast<DWORD*>(&allowed->SidStart);
            if (is(sid, user) || is(sid, system) || is(sid, admins)) continue;
            who += (who.empty() ? "" : ", ") + nameOf(sid);
        }
        if (!who.empty()) out = "readable by " + who;
    }
    LocalFree(sd);
    return out;
}

} // namespace quarry::platform::win32
