// SPDX-License-Identifier: MIT
#include "upload/Input.h"

#include "net/CancelToken.h"
#include "upload/RecordReader.h"

#include "platform/File.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace quarry::upload {
namespace {

using Kind = platform::FileInfo::Kind;

std::string describe(Kind k) {
    switch (k) {
    case Kind::Regular: return "a regular file";
    case Kind::Pipe: return "a pipe";
    case Kind::Socket: return "a socket";
    case Kind::Device: return "a terminal or device";
    default: return "not a regular file";
    }
}

} // namespace

InputKind inspectInput(const std::string& path) {
    const auto st = path == "-" ? platform::fileInfo(platform::File::standardInput()) : platform::fileInfo(path);
    if (!st || st->kind == Kind::Missing) throw InputError("cannot open " + path + ": " + platform::lastErrorText());
    if (st->kind == Kind::Folder) throw InputError(path + " is a folder, not a file");
    InputKind k;
    k.regular = st->kind == Kind::Regular;
    k.what = describe(st->kind);
    k.device = st->device;
    k.inode = st->inode;
    if (k.regular) k.mode = st->permissions & 0666;
    return k;
}

std::string defaultRejectsPath(const std::string& input, const InputKind& kind) {
    if (kind.regular) return input + ".rejects.ndjson";
    const auto name = std::filesystem::path(input).filename().string();
    return (input == "-" || name.empty() ? std::string("stdin") : name) + ".rejects.ndjson";
}

Spool::Spool(const std::string& input, const CancelToken* cancel) {
    const char* tmp = std::getenv("TMPDIR");
    std::error_code ec;
    const std::string dir = tmp && *tmp ? std::string(tmp) : std::filesystem::temp_directory_path(ec).string();
    std::filesystem::path made;
    auto out = platform::File::createTemporary(dir, "quarry-upload-", made); // 0600
    if (!out.isOpen())
        throw InputError("cannot make a temporary copy of " + input + " in " + dir + " (" + platform::lastErrorText() +
                         "): set TMPDIR to a folder with room, or pass --skip-invalid to check and send in one pass");
    path_ = made.string();
    auto in = input == "-" ? platform::File::standardInput() : platform::File::open(input, platform::File::Mode::Read);
    auto fail = [&](const std::string& what) {
        const std::string why = platform::lastErrorText();
        in.close();
        out.close();
        platform::removeFile(path_);
        throw InputError(what + ": " + why);
    };
    if (!in.isOpen()) fail("cannot open " + input);
    std::string buf(1u << 20, '\0');
    for (;;) {
        if (cancel && cancel->isCancelled()) {
            cancelled_ = true;
            break;
        }
        const auto n = in.read(buf.data(), buf.size());
        if (n < 0) fail("cannot read " + input);
        if (n == 0) break;
        if (!out.writeAll({buf.data(), static_cast<std::size_t>(n)}))
            fail("cannot make a temporary copy of " + input + " in " + dir +
                 " (set TMPDIR to a folder with room, or pass --skip-invalid to check and send in one pass)");
        bytes_ += static_cast<std::uint64_t>(n);
    }
}

Spool::~Spool() {
    if (!path_.empty()) platform::removeFile(path_);
}

} // namespace quarry::upload
