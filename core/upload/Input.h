// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace quarry {
class CancelToken;
}

namespace quarry::upload {

/// What an upload reads, looked at before anything is read: a regular file can be read
/// twice (checked, then sent), hashed and resumed; a pipe, a terminal or a socket can be read
/// once only.
struct InputKind {
    bool regular = false;
    std::string what; ///< "a regular file", "a pipe", "a terminal or device", "a socket"
    std::uint64_t device = 0, inode = 0;
    unsigned mode = 0600; ///< permission bits of a regular file (the rejects file gets no more)
};

/// `path` "-" is standard input. Throws InputError when it cannot be opened or is a folder.
InputKind inspectInput(const std::string& path);

/// The name a rejects file gets when the user names none: beside a regular file
/// (FILE.rejects.ndjson), else in the current folder (stdin.rejects.ndjson).
std::string defaultRejectsPath(const std::string& input, const InputKind& kind);

/// An input that can be read once only, copied to a private temporary file (0600, under
/// $TMPDIR) so that it can be read twice; the copy is removed when this goes away.
class Spool {
public:
    /// Throws InputError (cannot read, cannot write the copy: the message names $TMPDIR).
    Spool(const std::string& input, const CancelToken* cancel);
    ~Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    const std::string& path() const { return path_; }
    std::uint64_t bytes() const { return bytes_; }
    bool cancelled() const { return cancelled_; }

private:
    std::string path_;
    std::uint64_t bytes_ = 0;
    bool cancelled_ = false;
};

} // namespace quarry::upload
