// SPDX-License-Identifier: MIT
#include "upload/RejectsFile.h"
#include "value/JsonParse.h"

#include "value/Text.h"

#include "platform/File.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace quarry::upload {
namespace {

/// Refuses anything at `p` but nothing, or a rejects file of Quarry's that is not the input.
void checkTarget(const std::string& p, const std::string& shown, const InputKind& input) {
    using Kind = platform::FileInfo::Kind;
    const auto st = platform::fileInfo(p);
    if (!st) throw JournalError("cannot use " + shown + " as the rejects file: " + platform::lastErrorText());
    if (st->kind == Kind::Missing) {
        const auto parent = std::filesystem::path(p).parent_path();
        std::error_code ec;
        if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
            throw JournalError("the folder of the rejects file " + shown + " does not exist; create it or name another --rejects path");
        return;
    }
    if (input.regular && st->device == input.device && st->inode == input.inode)
        throw JournalError(shown + " is the file being uploaded; name another --rejects path");
    if (st->kind == Kind::Folder)
        throw JournalError(shown + " is a folder; --rejects names the file to write rejected rows to, e.g. " + shown +
                           "/rejects.ndjson");
    if (st->kind != Kind::Regular)
        throw JournalError(shown + " is not a regular file (a device, a pipe or a socket); rejected rows go to a file: "
                                   "name one with --rejects");
    if (!RejectsFile::isRejectsFile(p))
        throw JournalError(shown + " exists and is not a rejects file written by Quarry; it is left alone. Name another "
                                   "--rejects path, or move the file away");
}

void syncFolderOf(const std::string& path) {
    auto dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = ".";
    platform::syncFolder(dir);
}

} // namespace

RejectsFile::RejectsFile(std::string path, const InputKind& input) : path_(std::move(path)) {
    if (path_.empty()) throw JournalError("the rejects file has an empty name");
    mode_ = input.regular ? (input.mode & 0666) | 0600 : 0600;
    checkTarget(path_, path_, input);
    checkTarget(partialPath(), partialPath(), input);
}

RejectsFile::~RejectsFile() = default;

bool RejectsFile::isRejectsFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string first;
    if (!std::getline(in, first)) return true; // empty
    const auto j = parseJsonOrDiscard(first);
    return j.is_object() && j.contains("line") && j.contains("ordinal") && j.contains("error");
}

void RejectsFile::open(bool append) {
    using Mode = platform::File::Mode;
    file_ = platform::File::open(partialPath(), append ? Mode::Append : Mode::Truncate, mode_);
    if (!file_.isOpen()) throw JournalError("cannot write the rejects file " + partialPath() + ": " + platform::lastErrorText());
}

void RejectsFile::startFresh() {
    if (!platform::removeFile(partialPath()))
        throw JournalError("cannot remove the old rejects file " + partialPath() + ": " + platform::lastErrorText());
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
        auto f = platform::File::open(tmp, platform::File::Mode::Truncate, mode_);
        const bool ok = f.isOpen() && f.writeAll(kept) && f.syncData() && f.close();
        if (!ok) throw JournalError("cannot rewrite the rejects file " + partialPath() + ": " + platform::lastErrorText());
    }
    if (!platform::replaceFile(tmp, partialPath()))
        throw JournalError("cannot rewrite the rejects file " + partialPath() + ": " + platform::lastErrorText());
    if (!kept.empty()) open(true);
    else platform::removeFile(partialPath());
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
    if (!file_.isOpen()) open(true);
    if (!file_.writeAll(out)) throw JournalError("cannot write the rejects file " + partialPath() + ": " + platform::lastErrorText());
    if (!file_.syncData()) throw JournalError("cannot sync the rejects file " + partialPath() + ": " + platform::lastErrorText());
}

void RejectsFile::commit() {
    std::lock_guard g(mutex_);
    if (!file_.isOpen()) {
        // Nothing rejected: an older rejects file here (checked to be Quarry's) would be taken
        // for this upload's.
        if (std::filesystem::exists(path_) && platform::removeFile(path_)) syncFolderOf(path_);
        return;
    }
    file_.close();
    if (!platform::replaceFile(partialPath(), path_))
        throw JournalError("cannot put the rejects file in place at " + path_ + ": " + platform::lastErrorText() +
                           " (the rejected rows are in " + partialPath() + ")");
    syncFolderOf(path_);
    committed_ = true;
}

} // namespace quarry::upload
