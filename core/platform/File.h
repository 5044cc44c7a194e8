// SPDX-License-Identifier: MIT
#pragma once
// The file operations the rest of Quarry uses, one implementation per platform (issue 26):
// FilePosix.cpp (Linux, macOS) and FileWindows.cpp (Win32 wide APIs, built and checked with
// MinGW-w64 here). No other source includes a POSIX or Win32 header for files.
//
// Calls report failure the way the callers already handled it: a bool or -1, with the reason
// in lastErrorText() (strerror(errno) / FormatMessageW(GetLastError())). Paths are
// std::filesystem::path, so they are UTF-8 on POSIX and wide on Windows.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace quarry::platform {

/// The reason the last call here failed, in this thread, as text ("No such file or directory").
std::string lastErrorText();

/// Whether a file held open keeps its folder from being renamed or removed (Windows), so that
/// an open reader must close before its table's folder moves; on POSIX systems the open file
/// simply lives on.
bool openFilesPinFolders();

/// An open file. Move-only; closes itself.
class File {
public:
    enum class Mode {
        Read,         ///< read only; the file must exist
        Write,        ///< write only; the file must exist
        ReadWrite,    ///< read and write, made when missing
        Append,       ///< every write goes to the end, made when missing
        Truncate,     ///< write only, made when missing, emptied when there
        CreateNew,    ///< write only, fails when the file exists
    };
    File() = default;
    ~File();
    File(File&& o) noexcept;
    File& operator=(File&& o) noexcept;
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    /// Opens `path`; a file it makes gets `permissions` (POSIX mode bits, after the umask).
    /// On Windows a file made with no group or other bits (0600) gets an access list of the
    /// current user alone; any other inherits its folder's. Not inherited by child
    /// processes. isOpen() says whether it worked.
    static File open(const std::filesystem::path& path, Mode mode, unsigned permissions = 0600);
    /// A second handle on the process's standard input.
    static File standardInput();
    /// A new file of a unique name in `dir` starting with `prefix`, readable and writable by
    /// its owner only (mkstemp); `made` is its path.
    static File createTemporary(const std::filesystem::path& dir, const std::string& prefix, std::filesystem::path& made);

    /// A scratch file that others in this process open by `openAs` (a fuzzer's input, handed
    /// to code that reads paths): in memory on Linux (memfd_create, /proc/self/fd/N); a
    /// temporary file elsewhere, removed when closed on Windows and by the caller on macOS.
    static File scratch(const std::string& name, std::filesystem::path& openAs);

    bool isOpen() const;
    /// Up to `n` bytes from the current position: the count read, 0 at the end, -1 on failure.
    std::int64_t read(void* into, std::size_t n);
    /// Up to `n` bytes at `offset`, not moving the position; -1 on failure.
    std::int64_t readAt(void* into, std::size_t n, std::uint64_t offset);
    /// All of `data` at the current position (or the end, for Append); false on failure.
    bool writeAll(std::string_view data);
    /// All of `data` at `offset`; false on failure.
    bool writeAllAt(std::string_view data, std::uint64_t offset);
    /// The file's size, or nullopt on failure.
    std::optional<std::uint64_t> size() const;
    /// Sets the file's permission bits whatever the umask said (fchmod). On Windows the
    /// others' bits decide: none, an access list of the current user alone; read, that and
    /// Everyone reading; more, the inherited list stays.
    bool setPermissions(unsigned permissions);
    bool truncate(std::uint64_t size);
    bool seekToEnd();
    bool seekToStart();
    /// The file's data on the disk (not always its size or times): fdatasync on Linux,
    /// fcntl(F_FULLFSYNC) on macOS (where fsync stops at the drive's cache),
    /// FlushFileBuffers on Windows.
    bool syncData();
    /// The data and everything about the file (fsync; F_FULLFSYNC; FlushFileBuffers).
    bool sync();
    /// Closes it now; false when closing reported a failure (a write the system had not
    /// finished). Closing twice is harmless.
    bool close();

    /// The descriptor or HANDLE, for the platform layer's own use.
    std::intptr_t native() const { return h_; }

private:
    std::intptr_t h_ = -1; // a descriptor, or a HANDLE
};

/// Standard input read from a file until this goes away (dup2 onto descriptor 0; on Windows
/// _dup2 and SetStdHandle too): a test of what reads "-". ok() says whether it took.
class StandardInputFrom {
public:
    explicit StandardInputFrom(const std::filesystem::path& file);
    ~StandardInputFrom();
    StandardInputFrom(const StandardInputFrom&) = delete;
    StandardInputFrom& operator=(const StandardInputFrom&) = delete;
    bool ok() const { return saved_ >= 0; }

private:
    int saved_ = -1;
};

/// What a path is. `device` and `inode` tell whether two paths are one file (the volume
/// serial and file index on Windows); `permissions` are POSIX mode bits (0 on Windows).
struct FileInfo {
    enum class Kind { Missing, Regular, Folder, Pipe, Socket, Device, Other };
    Kind kind = Kind::Missing;
    std::uint64_t size = 0, device = 0, inode = 0;
    unsigned permissions = 0;
};
/// What is at `path` (Kind::Missing when nothing is), or nullopt with lastErrorText() when it
/// cannot be told.
std::optional<FileInfo> fileInfo(const std::filesystem::path& path);
/// The same of an open file (standard input, say).
std::optional<FileInfo> fileInfo(const File& file);

/// Makes a folder's entries (files made, renamed or removed in it) survive a power cut: fsync
/// of the folder on POSIX. Windows has no such call: metadata is journaled by NTFS, and a
/// rename made with MOVEFILE_WRITE_THROUGH is on disk when it returns.
void syncFolder(const std::filesystem::path& dir);
/// Renames `from` over `to` in one step (an existing `to` replaced); false on failure.
bool replaceFile(const std::filesystem::path& from, const std::filesystem::path& to);
/// Makes a named pipe (a FIFO) at `path`, readable and writable by its owner; false where
/// there are none (Windows) or on failure.
bool makeNamedPipe(const std::filesystem::path& path);
/// Removes a file; true when it is gone (also when it was never there).
bool removeFile(const std::filesystem::path& path);

/// Whether a file (a key, a token) can be read by users other than its owner, and how, as
/// text for a message ("mode 0644"; on Windows "readable by Everyone, BUILTIN\\Users", from
/// its access list, the system and administrators not counted); nullopt when only its owner
/// can, or when it cannot be told.
std::optional<std::string> readableByOthers(const std::filesystem::path& path);
/// What a user does to make `path` readable by its owner alone, as advice for a message.
std::string ownerOnlyAdvice(const std::filesystem::path& path);

/// An exclusive lock on a data folder, held until destroyed (flock / LockFileEx on a lock
/// file in it). A second process asking for it is refused at once, never made to wait.
class FolderLock {
public:
    /// The lock on `lockFile` (made when missing), or nullopt with lastErrorText() when
    /// another process holds it (`busy` set) or the file cannot be opened.
    static std::optional<FolderLock> tryLock(const std::filesystem::path& lockFile, bool& busy);
    FolderLock(FolderLock&&) noexcept = default;
    FolderLock& operator=(FolderLock&&) noexcept = default;

private:
    FolderLock() = default;
    File file_;
};

/// The first `size` bytes of an open file, mapped read only into memory (mmap /
/// CreateFileMapping + MapViewOfFile): read in place, paged in by the system as they are
/// touched and dropped by it under pressure, never copied into the heap. The file must not
/// shrink while mapped. Move-only; unmaps itself.
class MappedFile {
public:
    /// The map, or one whose data() is null with lastErrorText(). `size` 0 maps nothing
    /// and succeeds.
    static MappedFile map(const File& file, std::uint64_t size);
    MappedFile() = default;
    ~MappedFile();
    MappedFile(MappedFile&& o) noexcept;
    MappedFile& operator=(MappedFile&& o) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    bool ok() const { return ok_; }
    const char* data() const { return data_; }
    std::uint64_t size() const { return size_; }
    std::string_view view() const { return {data_, static_cast<std::size_t>(size_)}; }

private:
    void release();
    const char* data_ = nullptr;
    std::uint64_t size_ = 0;
    std::intptr_t mapping_ = 0; ///< the file mapping's HANDLE on Windows
    bool ok_ = false;
};

inline MappedFile::~MappedFile() { release(); }
inline MappedFile::MappedFile(MappedFile&& o) noexcept { *this = std::move(o); }
inline MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
    if (this != &o) {
        release();
        data_ = std::exchange(o.data_, nullptr);
        size_ = std::exchange(o.size_, 0);
        mapping_ = std::exchange(o.mapping_, 0);
        ok_ = std::exchange(o.ok_, false);
    }
    return *this;
}

} // namespace quarry::platform
