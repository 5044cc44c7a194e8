// SPDX-License-Identifier: MIT
// File.h on Linux and macOS.
#include "platform/File.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace quarry::platform {
namespace {

int fdOf(std::intptr_t h) { return static_cast<int>(h); }

int flagsOf(File::Mode m) {
    switch (m) {
    case File::Mode::Read: return O_RDONLY;
    case File::Mode::Write: return O_WRONLY;
    case File::Mode::ReadWrite: return O_RDWR | O_CREAT;
    case File::Mode::Append: return O_WRONLY | O_CREAT | O_APPEND;
    case File::Mode::Truncate: return O_WRONLY | O_CREAT | O_TRUNC;
    case File::Mode::CreateNew: return O_WRONLY | O_CREAT | O_EXCL;
    }
    return O_RDONLY;
}

FileInfo infoOf(const struct stat& st) {
    FileInfo i;
    const auto m = st.st_mode;
    i.kind = S_ISREG(m)    ? FileInfo::Kind::Regular
             : S_ISDIR(m)  ? FileInfo::Kind::Folder
             : S_ISFIFO(m) ? FileInfo::Kind::Pipe
             : S_ISSOCK(m) ? FileInfo::Kind::Socket
             : (S_ISCHR(m) || S_ISBLK(m)) ? FileInfo::Kind::Device
                                          : FileInfo::Kind::Other;
    i.size = static_cast<std::uint64_t>(st.st_size);
    i.device = static_cast<std::uint64_t>(st.st_dev);
    i.inode = static_cast<std::uint64_t>(st.st_ino);
    i.permissions = static_cast<unsigned>(st.st_mode & 07777);
    return i;
}

/// Calls `write(from, bytes, done)` until all of `data` is written; false on failure (errno).
template <class Write>
bool writeEach(std::string_view data, Write write) {
    std::size_t done = 0;
    while (done < data.size()) {
        const auto n = write(data.data() + done, data.size() - done, done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

std::string lastErrorText() { return std::strerror(errno); }

bool openFilesPinFolders() { return false; }

File::~File() { close(); }

File::File(File&& o) noexcept : h_(o.h_) { o.h_ = -1; }

File& File::operator=(File&& o) noexcept {
    if (this != &o) {
        close();
        h_ = o.h_;
        o.h_ = -1;
    }
    return *this;
}

File File::open(const std::filesystem::path& path, Mode mode, unsigned permissions) {
    File f;
    f.h_ = ::open(path.c_str(), flagsOf(mode) | O_CLOEXEC, static_cast<mode_t>(permissions));
    return f;
}

File File::standardInput() {
    File f;
    f.h_ = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
    return f;
}

File File::createTemporary(const std::filesystem::path& dir, const std::string& prefix, std::filesystem::path& made) {
    std::string pattern = (dir / (prefix + "XXXXXX")).string();
    File f;
    f.h_ = ::mkostemp(pattern.data(), O_CLOEXEC); // 0600
    if (f.h_ >= 0) made = pattern;
    return f;
}

File File::scratch(const std::string& name, std::filesystem::path& openAs) {
#if defined(__linux__)
    File f;
    f.h_ = ::memfd_create(name.c_str(), MFD_CLOEXEC);
    if (f.h_ >= 0) openAs = "/proc/self/fd/" + std::to_string(f.h_);
    return f;
#else
    return createTemporary(std::filesystem::temp_directory_path(), name + "-", openAs);
#endif
}

bool File::isOpen() const { return h_ >= 0; }

std::int64_t File::read(void* into, std::size_t n) {
    for (;;) {
        const auto r = ::read(fdOf(h_), into, n);
        if (r >= 0 || errno != EINTR) return r;
    }
}

std::int64_t File::readAt(void* into, std::size_t n, std::uint64_t offset) {
    for (;;) {
        const auto r = ::pread(fdOf(h_), into, n, static_cast<off_t>(offset));
        if (r >= 0 || errno != EINTR) return r;
    }
}

bool File::writeAll(std::string_view data) {
    return writeEach(data, [&](const char* p, std::size_t n, std::size_t) { return ::write(fdOf(h_), p, n); });
}

bool File::writeAllAt(std::string_view data, std::uint64_t offset) {
    return writeEach(data, [&](const char* p, std::size_t n, std::size_t done) {
        return ::pwrite(fdOf(h_), p, n, static_cast<off_t>(offset + done));
    });
}

std::optional<std::uint64_t> File::size() const {
    struct stat st {};
    if (::fstat(fdOf(h_), &st) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(st.st_size);
}

bool File::setPermissions(unsigned permissions) { return ::fchmod(fdOf(h_), static_cast<mode_t>(permissions)) == 0; }

bool File::truncate(std::uint64_t size) { return ::ftruncate(fdOf(h_), static_cast<off_t>(size)) == 0; }

bool File::seekToEnd() { return ::lseek(fdOf(h_), 0, SEEK_END) >= 0; }

bool File::seekToStart() { return ::lseek(fdOf(h_), 0, SEEK_SET) >= 0; }

bool File::syncData() {
#if defined(__APPLE__)
    return ::fcntl(fdOf(h_), F_FULLFSYNC) == 0 || ::fsync(fdOf(h_)) == 0; // F_FULLFSYNC is refused on some file systems
#else
    return ::fdatasync(fdOf(h_)) == 0;
#endif
}

bool File::sync() {
#if defined(__APPLE__)
    return ::fcntl(fdOf(h_), F_FULLFSYNC) == 0 || ::fsync(fdOf(h_)) == 0;
#else
    return ::fsync(fdOf(h_)) == 0;
#endif
}

bool File::close() {
    if (h_ < 0) return true;
    const int fd = fdOf(h_);
    h_ = -1;
    return ::close(fd) == 0;
}

StandardInputFrom::StandardInputFrom(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    saved_ = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
    if (saved_ >= 0 && ::dup2(fd, STDIN_FILENO) < 0) {
        ::close(saved_);
        saved_ = -1;
    }
    ::close(fd);
}

StandardInputFrom::~StandardInputFrom() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
}

std::optional<FileInfo> fileInfo(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return infoOf(st);
    if (errno == ENOENT) return FileInfo{};
    return std::nullopt;
}

std::optional<FileInfo> fileInfo(const File& file) {
    struct stat st {};
    if (::fstat(fdOf(file.native()), &st) != 0) return std::nullopt;
    return infoOf(st);
}

void syncFolder(const std::filesystem::path& dir) {
    const int d = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
        ::fsync(d);
        ::close(d);
    }
}

bool replaceFile(const std::filesystem::path& from, const std::filesystem::path& to) {
    return ::rename(from.c_str(), to.c_str()) == 0;
}

bool makeNamedPipe(const std::filesystem::path& path) { return ::mkfifo(path.c_str(), 0600) == 0; }

bool removeFile(const std::filesystem::path& path) { return ::unlink(path.c_str()) == 0 || errno == ENOENT; }

std::optional<std::string> readableByOthers(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !(st.st_mode & (S_IRWXG | S_IRWXO))) return std::nullopt;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("mode ") + mode;
}

std::string ownerOnlyAdvice(const std::filesystem::path&) { return "run chmod 600 on it"; }

std::optional<FolderLock> FolderLock::tryLock(const std::filesystem::path& lockFile, bool& busy) {
    busy = false;
    FolderLock lock;
    lock.file_ = File::open(lockFile, File::Mode::ReadWrite);
    if (!lock.file_.isOpen()) return std::nullopt;
    if (::flock(fdOf(lock.file_.native()), LOCK_EX | LOCK_NB) != 0) {
        busy = errno == EWOULDBLOCK;
        const int saved = errno;
        lock.file_.close();
        errno = saved;
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
    void* at = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ, MAP_SHARED, fdOf(file.native()), 0);
    if (at == MAP_FAILED) return m;
    m.data_ = static_cast<const char*>(at);
    m.size_ = size;
    m.ok_ = true;
    return m;
}

void MappedFile::release() {
    if (data_) ::munmap(const_cast<char*>(data_), static_cast<std::size_t>(size_));
    data_ = nullptr;
    size_ = 0;
    ok_ = false;
}

} // namespace quarry::platform
