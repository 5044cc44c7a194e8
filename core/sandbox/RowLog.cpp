// SPDX-License-Identifier: MIT
#include "sandbox/RowLog.h"
#include "sandbox/RowLogFrame.h"

#include "platform/File.h"

#include <cstring>
#include <optional>
#include <fstream>
#include <sstream>
#include <vector>
#include <zlib.h>

namespace quarry::sandbox {
namespace {

constexpr char kMagic[4] = {'Q', 'R', 'L', '1'};
using rowlog::kHeader;
using rowlog::kMaxRecord;

void putU32(char* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
std::uint32_t getU32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
}
std::uint32_t crc(std::string_view s) {
    return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}
std::string sysError(const std::string& what, const std::filesystem::path& p) {
    return what + " " + p.string() + ": " + platform::lastErrorText();
}
void syncDir(const std::filesystem::path& dir) { platform::syncFolder(dir); }

/// create_directories, and each new folder's entry synced in its parent, so that a folder
/// made before an acknowledged write is still there after a power cut.
void createDirectoriesDurably(const std::filesystem::path& dir) {
    if (dir.empty() || std::filesystem::exists(dir)) return;
    createDirectoriesDurably(dir.parent_path());
    std::error_code ec;
    if (!std::filesystem::create_directory(dir, ec) && ec) throw StorageError("cannot create " + dir.string() + ": " + ec.message());
    syncDir(dir.parent_path().empty() ? std::filesystem::path(".") : dir.parent_path());
}

} // namespace

RowLog::RowLog(std::filesystem::path file, Access access) : file_(std::move(file)), readOnly_(access == Access::ReadOnly) {
    if (readOnly_) {
        fh_ = platform::File::open(file_, platform::File::Mode::Read);
        if (!fh_.isOpen()) throw StorageError(sysError("cannot open", file_));
        size_ = synced_ = fh_.size().value_or(0);
        return;
    }
    createDirectoriesDurably(file_.parent_path());
    const bool existed = std::filesystem::exists(file_);
    fh_ = platform::File::open(file_, platform::File::Mode::ReadWrite);
    if (!fh_.isOpen()) throw StorageError(sysError("cannot open", file_));
    if (!existed) syncDir(file_.parent_path());
    size_ = fh_.size().value_or(0);
    synced_ = size_;
}

RowLog::~RowLog() = default;

void RowLog::checkWritable() const {
    if (readOnly_) throw StorageError(file_.string() + " is a past version's and is only read");
}

std::uint64_t RowLog::replay(const std::function<void(std::string_view, std::uint64_t)>& onRecord) {
    std::lock_guard g(mutex_);
    std::string data(size_, '\0');
    std::size_t got = 0;
    while (got < data.size()) {
        const auto n = fh_.readAt(data.data() + got, data.size() - got, got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    data.resize(got);
    // The intact record at `at`, if there is one.
    auto recordAt = [&](std::size_t at) -> std::optional<std::string_view> {
        if (at + kHeader > data.size() || std::memcmp(data.data() + at, kMagic, 4) != 0) return std::nullopt;
        const auto len = getU32(data.data() + at + 4);
        const auto sum = getU32(data.data() + at + 8);
        if (len > kMaxRecord || at + kHeader + len > data.size()) return std::nullopt;
        const std::string_view payload(data.data() + at + kHeader, len);
        if (crc(payload) != sum) return std::nullopt;
        return payload;
    };
    std::size_t pos = 0;
    while (const auto payload = recordAt(pos)) {
        onRecord(*payload, pos);
        pos += kHeader + payload->size();
    }
    // Only the last record can be torn by a crash. A bad record with intact ones after it is
    // damage (a flipped byte, a bad sector): cutting there would silently drop acknowledged
    // rows, so nothing is cut and the caller sets the table aside.
    for (std::size_t at = pos + 1; at + kHeader <= data.size(); ++at) {
        const void* hit = std::memchr(data.data() + at, kMagic[0], data.size() - at);
        if (!hit) break;
        at = static_cast<std::size_t>(static_cast<const char*>(hit) - data.data());
        if (recordAt(at))
            throw StorageError(file_.string() + " is damaged at byte " + std::to_string(pos) +
                               ", and intact records follow from byte " + std::to_string(at) +
                               ": not a torn tail, so nothing was cut");
    }
    const std::uint64_t dropped = data.size() - pos;
    if (dropped && !readOnly_) {
        if (!fh_.truncate(pos) || !fh_.syncData()) throw StorageError(sysError("cannot cut the torn tail of", file_));
        size_ = pos;
        synced_ = pos;
    }
    return dropped;
}

namespace rowlog {

bool readExactly(platform::File& f, char* into, std::size_t n, std::uint64_t offset) {
    std::size_t got = 0;
    while (got < n) {
        const auto r = f.readAt(into + got, n - got, offset + got);
        if (r <= 0) return false;
        got += static_cast<std::size_t>(r);
    }
    return true;
}

std::optional<Frame> frameAt(platform::File& f, std::uint64_t at, std::uint64_t size) {
    char header[kHeader];
    if (size < at || size - at < kHeader || !readExactly(f, header, kHeader, at) || std::memcmp(header, kMagic, 4) != 0)
        return std::nullopt;
    const Frame frame{at + kHeader, getU32(header + 4), getU32(header + 8)};
    if (frame.length > kMaxRecord || size - frame.offset < frame.length) return std::nullopt;
    return frame;
}

void readPayload(platform::File& f, const Frame& frame, char* into, const std::string& file) {
    if (!readExactly(f, into, frame.length, frame.offset)) throw StorageError(sysError("cannot read", file));
    if (crc(std::string_view(into, frame.length)) != frame.crc)
        throw StorageError("a record of " + file + " at byte " + std::to_string(frame.offset - kHeader) +
                           " is damaged (its checksum does not match)");
}

} // namespace rowlog

namespace {
std::function<bool()>& syncFault() {
    static std::function<bool()> f;
    return f;
}
} // namespace

void RowLog::setSyncFault(std::function<bool()> fault) { syncFault() = std::move(fault); }

std::string RowLog::failure() const {
    std::lock_guard g(mutex_);
    return failure_;
}

std::uint64_t RowLog::write(std::string_view payload) {
    checkWritable();
    if (payload.size() > kMaxRecord) throw StorageError("record too large for " + file_.string());
    std::string rec(kHeader + payload.size(), '\0');
    std::memcpy(rec.data(), kMagic, 4);
    putU32(rec.data() + 4, static_cast<std::uint32_t>(payload.size()));
    putU32(rec.data() + 8, crc(payload));
    std::memcpy(rec.data() + kHeader, payload.data(), payload.size());
    std::lock_guard g(mutex_);
    if (!failure_.empty()) throw StorageError(failure_);
    if (!fh_.writeAllAt(rec, size_)) {
        const std::string err = sysError("cannot write", file_);
        if (!fh_.truncate(size_)) { /* the CRC guards the tail */ }
        throw StorageError(err);
    }
    size_ += rec.size();
    return size_;
}

void RowLog::syncTo(std::uint64_t end) {
    std::lock_guard s(syncMutex_); // one sync at a time; the ones waiting often find their work done
    std::uint64_t target = 0;
    {
        std::lock_guard g(mutex_);
        if (!failure_.empty()) throw StorageError(failure_);
        if (synced_ >= end) return;
        target = size_;
    }
    const bool injected = syncFault() && syncFault()();
    if (injected || !fh_.syncData()) {
        const std::string why = injected ? "cannot sync " + file_.string() + ": Input/output error (injected)" : sysError("cannot sync", file_);
        std::lock_guard g(mutex_);
        failure_ = why + " (nothing more is written to it: what reached the disk is unknown until it is read again)";
        throw StorageError(why);
    }
    std::lock_guard g(mutex_);
    synced_ = std::max(synced_, target);
}

void RowLog::append(std::string_view payload) {
    const std::uint64_t end = write(payload);
    syncTo(end);
}

void RowLog::truncateTo(std::uint64_t offset) {
    std::lock_guard g(mutex_);
    if (offset >= size_ || readOnly_) return;
    if (!fh_.truncate(offset) || !fh_.syncData()) throw StorageError(sysError("cannot truncate", file_));
    size_ = offset;
    synced_ = std::min(synced_, offset);
}

void RowLog::clear() {
    checkWritable();
    std::lock_guard g(mutex_);
    if (!fh_.truncate(0) || !fh_.syncData()) throw StorageError(sysError("cannot truncate", file_));
    size_ = 0;
    synced_ = 0;
}

void writeFileAtomic(const std::filesystem::path& file, std::string_view content) {
    createDirectoriesDurably(file.parent_path());
    const auto tmp = file.string() + ".tmp";
    auto out = platform::File::open(tmp, platform::File::Mode::Truncate);
    if (!out.isOpen()) throw StorageError(sysError("cannot create", tmp));
    if (!out.writeAll(content)) throw StorageError(sysError("cannot write", tmp));
    if (!out.sync()) throw StorageError(sysError("cannot sync", tmp));
    if (!out.close()) throw StorageError(sysError("cannot close", tmp));
    if (!platform::replaceFile(tmp, file)) throw StorageError(sysError("cannot rename onto", file));
    syncDir(file.parent_path());
}

void syncFolder(const std::filesystem::path& dir) { syncDir(dir); }

void renameDurably(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (!platform::replaceFile(from, to)) throw StorageError(sysError("cannot rename onto", to));
    syncDir(to.parent_path());
}

std::string readWholeFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw StorageError("cannot read " + file.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace quarry::sandbox
