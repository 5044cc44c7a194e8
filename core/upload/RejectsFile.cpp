// SPDX-License-Identifier: MIT
#include "upload/RejectsFile.h"
#include "value/JsonParse.h"

#include "value/Text.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace quarry::upload {
namespace {

/// Refuses anything at `p` but nothing, or a rejects file of Quarry's that is not the input.
void checkTarget(const std::string& p, const std::string& shown, const InputKind& input) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
        if (errno != ENOENT) throw JournalError("cannot use " + shown + " as the rejects file: " + std::strerror(errno));
        const auto parent = std::filesystem::path(p).parent_path();
        std::error_code ec;
        if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
            throw JournalError("the folder of the rejects file " + shown + " does not exist; create it or name another --rejects path");
        return;
    }
    if (input.regular && static_cast<std::uint64_t>(st.st_dev) == input.device &&
        static_cast<std::uint64_t>(st.st_ino) == input.inode)
        throw JournalError(shown + " is the file being uploaded; name another --rejects path");
    if (S_ISDIR(st.st_mode))
        throw JournalError(shown + " is a folder; --rejects names the file to write rejected rows to, e.g. " + shown +
                           "/rejects.ndjson");
    if (!S_ISREG(st.st_mode))
        throw JournalError(shown + " is not a regular file (a device, a pipe or a socket); rejected rows go to a file: "
                                   "name one with --rejects");
    if (!RejectsFile::isRejectsFile(p))
        throw JournalError(shown + " exists and is not a rejects file written by Quarry; it is left alone. Name another "
                                   "--rejects path, or move the file away");
}

void syncFolderOf(const std::string& path) {
    auto dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

RejectsFile::RejectsFile(std::string path, const InputKind& input) : path_(std::move(path)) {
    if (path_.empty()) throw JournalError("the rejects file has an empty name");
    mode_ = input.regular ? (input.mode & 0666) | 0600 : 0600;
    checkTarget(path_, path_, input);
    checkTarget(partialPath(), partialPath(), input);
}

RejectsFile::~RejectsFile() {
    if (fd_ >= 0) ::close(fd_);
}

bool RejectsFile::isRejectsFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string first;
    if (!std::getline(in, first)) return true; // empty
    const auto j = parseJsonOrDiscard(first);
    return j.is_object() && j.contains("line") && j.contains("ordinal") && j.contains("error");
}

void RejectsFile::open(bool append) {
    fd_ = ::open(partialPath().c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), mode_);
    if (fd_ < 0) throw JournalError("cannot write the rejects file " + partialPath() + ": " + std::strerror(errno));
}

void RejectsFile::startFresh() {
    if (::unlink(partialPath().c_str()) != 0 && errno != ENOENT)
        throw JournalError("cannot remove the old rejects file " + partialPath() + ": " + std::strerror(errno));
}

void RejectsFile::keepOnly(const std::vector<OrdinalRange>& finished) {
    std::ifstream in(partialPath(), std::ios::binary);
    if (!in) return; // nothing rejected yet
    auto inFinished = [&](std::uint64_t o) {
        for (const auto& r : finished)
            if (o >= r.first && o < r.end) return true;
        return false;
    };
    std::string kept;
    for (std::string line; std::getline(in, line);) {
        const auto j = parseJsonOrDiscard(line);
        if (!j.is_object() || !j.contains("ordinal") || !j["ordinal"].is_number_unsigned()) continue; // torn
        if (inFinished(j["ordinal"].get<std::uint64_t>())) kept += line + "\n";
    }
    const std::string tmp = partialPath() + ".tmp";
    {
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_);
        bool ok = fd >= 0;
        for (std::size_t done = 0; ok && done < kept.size();) {
            const auto n = ::write(fd, kept.data() + done, kept.size() - done);
            if (n < 0 && errno == EINTR) continue;
            ok = n > 0;
            if (ok) done += static_cast<std::size_t>(n);
        }
        ok = ok && ::fdatasync(fd) == 0;
        if (fd >= 0) ::close(fd);
        if (!ok) throw JournalError("cannot rewrite the rejects file " + partialPath() + ": " + std::strerror(errno));
    }
    if (std::rename(tmp.c_str(), partialPath().c_str()) != 0)
        throw JournalError("cannot rewrite the rejects file " + partialPath() + ": " + std::strerror(errno));
    if (!kept.empty()) open(true);
    else ::unlink(partialPath().c_str());
}

void RejectsFile::write(const std::vector<Reject>& rows) {
    if (rows.empty()) return;
    std::string out;
    for (const auto& r : rows) {
        out += "{\"line\":" + std::to_string(r.line) + ",\"column\":" + std::to_string(r.column) +
               ",\"ordinal\":" + std::to_string(r.ordinal) + ",\"error\":";
        text::appendJsonString(out, text::isValidUtf8(r.error) ? r.error : text::toValidUtf8(r.error));
        out += ",\"text\":";
        if (text::isValidUtf8(r.text)) {
            text::appendJsonString(out, r.text);
        } else {
            text::appendJsonString(out, text::toValidUtf8(r.text));
            out += ",\"text_base64\":\"" + text::base64Encode(r.text) + "\"";
        }
        out += "}\n";
    }
    std::lock_guard g(mutex_);
    if (fd_ < 0) open(true);
    std::size_t done = 0;
    while (done < out.size()) {
        const auto n = ::write(fd_, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw JournalError("cannot write the rejects file " + partialPath() + ": " + std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_) != 0) throw JournalError("cannot sync the rejects file " + partialPath() + ": " + std::strerror(errno));
}

void RejectsFile::commit() {
    std::lock_guard g(mutex_);
    if (fd_ < 0) {
        // Nothing rejected: an older rejects file here (checked to be Quarry's) would be taken
        // for this upload's.
        if (::unlink(path_.c_str()) == 0) syncFolderOf(path_);
        return;
    }
    ::close(fd_);
    fd_ = -1;
    if (std::rename(partialPath().c_str(), path_.c_str()) != 0)
        throw JournalError("cannot put the rejects file in place at " + path_ + ": " + std::strerror(errno) +
                           " (the rejected rows are in " + partialPath() + ")");
    syncFolderOf(path_);
    committed_ = true;
}

} // namespace quarry::upload
