// SPDX-License-Identifier: MIT
#include "upload/RejectsFile.h"
#include "value/JsonParse.h"

#include "value/Text.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace quarry::upload {

RejectsFile::~RejectsFile() {
    if (fd_ >= 0) ::close(fd_);
}

void RejectsFile::open(bool append) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
    if (fd_ < 0) throw JournalError("cannot write the rejects file " + path_ + ": " + std::strerror(errno));
}

void RejectsFile::discardOld() {
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
        throw JournalError("cannot remove the old rejects file " + path_ + ": " + std::strerror(errno));
}

void RejectsFile::keepOnly(const std::vector<OrdinalRange>& finished) {
    std::ifstream in(path_, std::ios::binary);
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
    const std::string tmp = path_ + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << kept;
        if (!out.flush()) throw JournalError("cannot rewrite the rejects file " + path_);
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0)
        throw JournalError("cannot rewrite the rejects file " + path_ + ": " + std::strerror(errno));
    if (!kept.empty()) open(true);
}

void RejectsFile::write(const std::vector<Reject>& rows) {
    if (rows.empty()) return;
    std::string out;
    for (const auto& r : rows) {
        out += "{\"line\":" + std::to_string(r.line) + ",\"column\":" + std::to_string(r.column) +
               ",\"ordinal\":" + std::to_string(r.ordinal) + ",\"error\":";
        text::appendJsonString(out, text::isValidUtf8(r.error) ? r.error : std::string("(message not UTF-8)"));
        if (text::isValidUtf8(r.text)) {
            out += ",\"text\":";
            text::appendJsonString(out, r.text);
        } else {
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
        if (n <= 0) throw JournalError("cannot write the rejects file " + path_ + ": " + std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_) != 0) throw JournalError("cannot sync the rejects file " + path_ + ": " + std::strerror(errno));
}

} // namespace quarry::upload
