// SPDX-License-Identifier: MIT
// File.h on Windows: wide-character Win32 calls (paths are std::filesystem::path, whose
// native form there is UTF-16). Built and checked here with MinGW-w64 (CTest label
// `portability`); run by the Windows CI workflow.
#include "platform/File.h"

#include <fcntl.h>
#include <io.h>

#include "platform/Win32.h"

#include <algorithm>
#include <cwchar>
#include <string>

namespace quarry::platform {
namespace {

using win32::handleOf;
using win32::utf8;
constexpr std::intptr_t kNone = -1; // INVALID_HANDLE_VALUE

FileInfo infoOf(const BY_HANDLE_FILE_INFORMATION& fi, DWORD type) {
    FileInfo i;
    if (type == FILE_TYPE_PIPE) i.kind = FileInfo::Kind::Pipe;
    else if (type == FILE_TYPE_CHAR) i.kind = FileInfo::Kind::Device;
    else if (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) i.kind = FileInfo::Kind::Folder;
    else i.kind = FileInfo::Kind::Regular;
    i.size = (static_cast<std::uint64_t>(fi.nFileSizeHigh) << 32) | fi.nFileSizeLow;
    i.device = fi.dwVolumeSerialNumber;
    i.inode = (static_cast<std::uint64_t>(fi.nFileIndexHigh) << 32) | fi.nFileIndexLow;
    return i;
}

std::optional<FileInfo> infoOfHandle(HANDLE h) {
    const DWORD type = GetFileType(h);
    BY_HANDLE_FILE_INFORMATION fi{};
    if (type != FILE_TYPE_DISK) {
        FileInfo i;
        i.kind = type == FILE_TYPE_PIPE ? FileInfo::Kind::Pipe : type == FILE_TYPE_CHAR ? FileInfo::Kind::Device : FileInfo::Kind::Other;
        return i;
    }
    if (!GetFileInformationByHandle(h, &fi)) return std::nullopt;
    return infoOf(fi, type);
}

OVERLAPPED at(std::uint64_t offset) {
    OVERLAPPED o{};
    o.Offset = static_cast<DWORD>(offset & 0xFFFFFFFFu);
    o.OffsetHigh = static_cast<DWORD>(offset >> 32);
    return o;
}

} // namespace

bool openFilesPinFolders() { return true; }

std::string lastErrorText() {
    const DWORD code = GetLastError();
    wchar_t* text = nullptr;
    const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                   nullptr, code, 0, reinterpret_cast<LPWSTR>(&text), 0, nullptr);
    std::string out = n ? utf8(text, static_cast<int>(n)) : "error " + std::to_string(code);
    if (text) LocalFree(text);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == '.')) out.pop_back();
    return out;
}

File::~File() { close(); }

File::File(File&& o) noexcept : h_(o.h_) { o.h_ = kNone; }

File& File::operator=(File&& o) noexcept {
    if (this != &o) {
        close();
        h_ = o.h_;
        o.h_ = kNone;
    }
    return *this;
}

File File::open(const std::filesystem::path& path, Mode mode, unsigned permissions) {
    DWORD access = GENERIC_READ, disposition = OPEN_EXISTING;
    switch (mode) {
    case Mode::Read: break;
    case Mode::Write: access = GENERIC_WRITE; break;
    case Mode::ReadWrite: access = GENERIC_READ | GENERIC_WRITE; disposition = OPEN_ALWAYS; break;
    case Mode::Append: access = FILE_APPEND_DATA | SYNCHRONIZE; disposition = OPEN_ALWAYS; break;
    case Mode::Truncate: access = GENERIC_WRITE; disposition = CREATE_ALWAYS; break;
    case Mode::CreateNew: access = GENERIC_WRITE; disposition = CREATE_NEW; break;
    }
    // Shared for delete too, so that a file can be renamed over or removed while open, as on
    // POSIX (a log being replaced while a reader holds it).
    // Owner only (a key, a token): a file made here gets an access list of the user's alone;
    // otherwise it inherits its folder's, as a POSIX file gets the umask's bits. Only modes
    // that can make a file build one.
    std::optional<win32::AccessList> ownerOnly;
    if (disposition != OPEN_EXISTING && !(permissions & 077)) ownerOnly.emplace(false);
    const HANDLE h = CreateFileW(path.c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                 ownerOnly ? ownerOnly->attributes() : nullptr, disposition, FILE_ATTRIBUTE_NORMAL, nullptr);
    File f;
    f.h_ = reinterpret_cast<std::intptr_t>(h);
    return f;
}

File File::standardInput() {
    File f;
    HANDLE dup = INVALID_HANDLE_VALUE;
    if (DuplicateHandle(GetCurrentProcess(), GetStdHandle(STD_INPUT_HANDLE), GetCurrentProcess(), &dup, 0, FALSE,
                        DUPLICATE_SAME_ACCESS))
        f.h_ = reinterpret_cast<std::intptr_t>(dup);
    return f;
}

File File::createTemporary(const std::filesystem::path& dir, const std::string& prefix, std::filesystem::path& made) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        wchar_t name[32];
        swprintf(name, 32, L"%08lx%08lx", static_cast<unsigned long>(GetTickCount()), static_cast<unsigned long>(GetCurrentProcessId() + attempt * 7919u));
        const auto path = dir / (prefix + std::filesystem::path(name).string());
        File f = open(path, Mode::CreateNew);
        if (f.isOpen()) {
            made = path;
            return f;
        }
        if (GetLastError() != ERROR_FILE_EXISTS) break;
    }
    return File{};
}

File File::scratch(const std::string& name, std::filesystem::path& openAs) {
    wchar_t dir[MAX_PATH + 1];
    const DWORD n = GetTempPathW(MAX_PATH + 1, dir);
    File f;
    for (int attempt = 0; n && attempt < 100; ++attempt) {
        const auto path = std::filesystem::path(std::wstring(dir, n)) /
                          (name + "-" + std::to_string(GetCurrentProcessId()) + "-" + std::to_string(GetTickCount64() + attempt));
        const HANDLE h = CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                     nullptr, CREATE_NEW, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr);
        if (h != INVALID_HANDLE_VALUE) {
            f.h_ = reinterpret_cast<std::intptr_t>(h);
            openAs = path;
            break;
        }
        if (GetLastError() != ERROR_FILE_EXISTS) break;
    }
    return f;
}

bool File::isOpen() const { return h_ != kNone && h_ != 0; }

std::int64_t File::read(void* into, std::size_t n) {
    DWORD got = 0;
    const DWORD want = static_cast<DWORD>(std::min<std::size_t>(n, 1u << 30));
    if (!ReadFile(handleOf(h_), into, want, &got, nullptr)) return GetLastError() == ERROR_BROKEN_PIPE ? 0 : -1;
    return got;
}

std::int64_t File::readAt(void* into, std::size_t n, std::uint64_t offset) {
    DWORD got = 0;
    OVERLAPPED o = at(offset);
    const DWORD want = static_cast<DWORD>(std::min<std::size_t>(n, 1u << 30));
    if (!ReadFile(handleOf(h_), into, want, &got, &o)) return GetLastError() == ERROR_HANDLE_EOF ? 0 : -1;
    return got;
}

bool File::writeAll(std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        DWORD wrote = 0;
        const DWORD want = static_cast<DWORD>(std::min<std::size_t>(data.size() - done, 1u << 30));
        if (!WriteFile(handleOf(h_), data.data() + done, want, &wrote, nullptr) || wrote == 0) return false;
        done += wrote;
    }
    return true;
}

bool File::writeAllAt(std::string_view data, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < data.size()) {
        DWORD wrote = 0;
        OVERLAPPED o = at(offset + done);
        const DWORD want = static_cast<DWORD>(std::min<std::size_t>(data.size() - done, 1u << 30));
        if (!WriteFile(handleOf(h_), data.data() + done, want, &wrote, &o) || wrote == 0) return false;
        done += wrote;
    }
    return true;
}

std::optional<std::uint64_t> File::size() const {
    LARGE_INTEGER s{};
    if (!GetFileSizeEx(handleOf(h_), &s)) return std::nullopt;
    return static_cast<std::uint64_t>(s.QuadPart);
}

bool File::setPermissions(unsigned permissions) {
    // Others' bits decide (group has no counterpart): none, owner only; read, owner and
    // Everyone reading; more, the inherited list is kept.
    if (permissions & 03) return true;
    return win32::AccessList((permissions & 04) != 0).applyTo(handleOf(h_));
}

bool File::truncate(std::uint64_t size) {
    FILE_END_OF_FILE_INFO eof{};
    eof.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
    return SetFileInformationByHandle(handleOf(h_), FileEndOfFileInfo, &eof, sizeof eof) != 0;
}

bool File::seekToEnd() {
    LARGE_INTEGER zero{};
    return SetFilePointerEx(handleOf(h_), zero, nullptr, FILE_END) != 0;
}

bool File::seekToStart() {
    LARGE_INTEGER zero{};
    return SetFilePointerEx(handleOf(h_), zero, nullptr, FILE_BEGIN) != 0;
}

bool File::syncData() { return FlushFileBuffers(handleOf(h_)) != 0; }

bool File::sync() { return FlushFileBuffers(handleOf(h_)) != 0; }

bool File::close() {
    if (!isOpen()) return true;
    const HANDLE h = handleOf(h_);
    h_ = kNone;
    return CloseHandle(h) != 0;
}

StandardInputFrom::StandardInputFrom(const std::filesystem::path& file) {
    const int fd = ::_wopen(file.c_str(), _O_RDONLY | _O_BINARY);
    if (fd < 0) return;
    saved_ = ::_dup(0);
    if (saved_ >= 0 && ::_dup2(fd, 0) != 0) {
        ::_close(saved_);
        saved_ = -1;
    }
    ::_close(fd);
    if (saved_ >= 0) SetStdHandle(STD_INPUT_HANDLE, reinterpret_cast<HANDLE>(::_get_osfhandle(0)));
}

StandardInputFrom::~StandardInputFrom() {
    if (saved_ < 0) return;
    ::_dup2(saved_, 0);
    ::_close(saved_);
    SetStdHandle(STD_INPUT_HANDLE, reinterpret_cast<HANDLE>(::_get_osfhandle(0)));
}

std::optional<FileInfo> fileInfo(const std::filesystem::path& path) {
    const HANDLE h = CreateFileW(path.c_str(), FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                 nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr); // folders too
    if (h == INVALID_HANDLE_VALUE) {
        const DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) return FileInfo{};
        return std::nullopt;
    }
    auto out = infoOfHandle(h);
    CloseHandle(h);
    return out;
}

std::optional<FileInfo> fileInfo(const File& file) { return infoOfHandle(handleOf(file.native())); }

void syncFolder(const std::filesystem::path&) {}

bool replaceFile(const std::filesystem::path& from, const std::filesystem::path& to) {
    return MoveFileExW(from.c_str(), to.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) != 0;
}

bool makeNamedPipe(const std::filesystem::path&) {
    SetLastError(ERROR_NOT_SUPPORTED); // Windows' named pipes live in \\.\pipe\, not among files
    return false;
}

bool removeFile(const std::filesystem::path& path) {
    if (DeleteFileW(path.c_str())) return true;
    const DWORD e = GetLastError();
    return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND;
}

std::optional<std::string> readableByOthers(const std::filesystem::path& path) { return win32::readersOtherThanOwner(path); }

std::string ownerOnlyAdvice(const std::filesystem::path& path) {
    return "remove the others from its Properties > Security, or run icacls \"" + path.string() +
           "\" /inheritance:r /grant:r \"%USERNAME%:F\"";
}

std::optional<FolderLock> FolderLock::tryLock(const std::filesystem::path& lockFile, bool& busy) {
    busy = false;
    FolderLock lock;
    lock.file_ = File::open(lockFile, File::Mode::ReadWrite);
    if (!lock.file_.isOpen()) return std::nullopt;
    OVERLAPPED o{};
    if (!LockFileEx(handleOf(lock.file_.native()), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &o)) {
        const DWORD e = GetLastError();
        busy = e == ERROR_LOCK_VIOLATION;
        lock.file_.close();
        SetLastError(e);
        return std::nullopt;
    }
    return lock;
}

MappedFile MappedFile::map(const File& file, std::uint64_t size) {
    MappedFile m;
    if (size == 0) {
        m.ok_ = true;
        return m;
    }
    const HANDLE mapping = CreateFileMappingW(handleOf(file.native()), nullptr, PAGE_READONLY, static_cast<DWORD>(size >> 32),
                                              static_cast<DWORD>(size & 0xFFFFFFFFu), nullptr);
    if (!mapping) return m;
    const void* at = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, static_cast<SIZE_T>(size));
    if (!at) {
        CloseHandle(mapping);
        return m;
    }
    m.data_ = static_cast<const char*>(at);
    m.size_ = size;
    m.mapping_ = reinterpret_cast<std::intptr_t>(mapping);
    m.ok_ = true;
    return m;
}

void MappedFile::release() {
    if (data_) UnmapViewOfFile(data_);
    if (mapping_) CloseHandle(handleOf(mapping_));
    data_ = nullptr;
    mapping_ = 0;
    size_ = 0;
    ok_ = false;
}

} // namespace quarry::platform
