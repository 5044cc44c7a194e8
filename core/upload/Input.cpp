// SPDX-License-Identifier: MIT
#include "upload/Input.h"

#include "net/CancelToken.h"
#include "upload/RecordReader.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace quarry::upload {
namespace {

std::string describe(mode_t m) {
    if (S_ISREG(m)) return "a regular file";
    if (S_ISFIFO(m)) return "a pipe";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a terminal or device";
    return "not a regular file";
}

} // namespace

InputKind inspectInput(const std::string& path) {
    struct stat st {};
    const int rc = path == "-" ? ::fstat(STDIN_FILENO, &st) : ::stat(path.c_str(), &st);
    if (rc != 0) throw InputError("cannot open " + path + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw InputError(path + " is a folder, not a file");
    InputKind k;
    k.regular = S_ISREG(st.st_mode);
    k.what = describe(st.st_mode);
    k.device = static_cast<std::uint64_t>(st.st_dev);
    k.inode = static_cast<std::uint64_t>(st.st_ino);
    if (k.regular) k.mode = st.st_mode & 0666;
    return k;
}

std::string defaultRejectsPath(const std::string& input, const InputKind& kind) {
    if (kind.regular) return input + ".rejects.ndjson";
    const auto name = std::filesystem::path(input).filename().string();
    return (input == "-" || name.empty() ? std::string("stdin") : name) + ".rejects.ndjson";
}

Spool::Spool(const std::string& input, const CancelToken* cancel) {
    const char* tmp = std::getenv("TMPDIR");
    const std::string dir = tmp && *tmp ? tmp : "/tmp";
    std::string pattern = dir + "/quarry-upload-XXXXXX";
    const int out = ::mkstemp(pattern.data()); // 0600
    if (out < 0)
        throw InputError("cannot make a temporary copy of " + input + " in " + dir + " (" + std::strerror(errno) +
                         "): set TMPDIR to a folder with room, or pass --skip-invalid to check and send in one pass");
    path_ = pattern;
    const int in = input == "-" ? ::dup(STDIN_FILENO) : ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
    auto fail = [&](const std::string& what) {
        const std::string why = std::strerror(errno);
        if (in >= 0) ::close(in);
        ::close(out);
        ::unlink(path_.c_str());
        throw InputError(what + ": " + why);
    };
    if (in < 0) fail("cannot open " + input);
    std::string buf(1u << 20, '\0');
    for (;;) {
        if (cancel && cancel->isCancelled()) {
            cancelled_ = true;
            break;
        }
        const auto n = ::read(in, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("cannot read " + input);
        if (n == 0) break;
        for (std::size_t done = 0; done < static_cast<std::size_t>(n);) {
            const auto w = ::write(out, buf.data() + done, static_cast<std::size_t>(n) - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0)
                fail("cannot make a temporary copy of " + input + " in " + dir +
                     " (set TMPDIR to a folder with room, or pass --skip-invalid to check and send in one pass)");
            done += static_cast<std::size_t>(w);
        }
        bytes_ += static_cast<std::uint64_t>(n);
    }
    ::close(in);
    ::close(out);
}

Spool::~Spool() {
    if (!path_.empty()) ::unlink(path_.c_str());
}

} // namespace quarry::upload
