// SPDX-License-Identifier: MIT
#include "upload/Journal.h"
#include "bigquery/BigQueryClient.h"
#include "value/JsonParse.h"

#include "crypto/Digest.h"
#include "crypto/Fingerprint.h"
#include "platform/Folders.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace quarry::upload {
namespace {

constexpr const char* kMagic = "quarry-upload-journal 1 ";

std::string sysError(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + platform::lastErrorText();
}

} // namespace

FileIdentity identifyFile(const std::string& path) {
    auto f = platform::File::open(path, platform::File::Mode::Read);
    if (!f.isOpen()) throw JournalError(sysError("cannot open", path));
    crypto::Sha256 hash;
    crypto::Fingerprint print;
    std::string buf(1u << 20, '\0');
    for (;;) {
        const auto n = f.read(buf.data(), buf.size());
        if (n < 0) throw JournalError(sysError("cannot read", path));
        if (n == 0) break;
        hash.update({buf.data(), static_cast<std::size_t>(n)});
        print.update({buf.data(), static_cast<std::size_t>(n)});
    }
    return {crypto::identityDigits(hash.hex()), print.hex()};
}

std::string Journal::defaultDir() { return (platform::stateFolder() / "uploads").string(); }

bool Journal::anyEndingWith(const std::string& dir, const std::string& tail) {
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) return ec != std::errc::no_such_file_or_directory; // unreadable: say yes, the journal is then looked for by name
    for (const std::filesystem::directory_iterator end; it != end;) {
        const std::string name = it->path().filename().string();
        if (name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0) return true;
        if (it.increment(ec); ec) return true;
    }
    return false;
}

Journal::Journal(Journal&& o) noexcept
    : path_(std::move(o.path_)), file_(std::move(o.file_)), header_(std::move(o.header_)),
      ranges_(std::move(o.ranges_)), sent_(std::move(o.sent_)), stream_(std::move(o.stream_)), spans_(std::move(o.spans_)),
      inserted_(o.inserted_), rejected_(o.rejected_), done_(o.done_) {}

Journal::~Journal() = default;

Journal Journal::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw JournalError(sysError("cannot read the upload journal", path));
    std::string text((std::istreambuf_iterator<char>(in)), {});
    Journal j;
    j.path_ = path;
    std::size_t start = 0;
    bool first = true;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        if (nl == std::string::npos) break; // a torn last line
        const std::string line = text.substr(start, nl - start);
        start = nl + 1;
        if (first) {
            first = false;
            if (line.rfind(kMagic, 0) != 0) throw JournalError(path + " is not a Quarry upload journal");
            const auto h = parseJsonOrDiscard(line.substr(std::strlen(kMagic)));
            if (!h.is_object()) throw JournalError(path + ": the journal header is damaged");
            j.header_.fileId = h.value("fileId", "");
            j.header_.file = h.value("file", "");
            j.header_.table = h.value("table", "");
            j.header_.generation = h.value("generation", 0);
            continue;
        }
        std::istringstream ls(line);
        std::string word;
        ls >> word;
        if (word == "ack") {
            OrdinalRange r;
            std::uint64_t ins = 0, rej = 0;
            if (ls >> r.first >> r.end >> ins >> rej && r.end >= r.first) {
                j.ranges_.push_back(r);
                j.inserted_ += ins;
                j.rejected_ += rej;
            }
        } else if (word == "send") {
            OrdinalRange r;
            if (ls >> r.first >> r.end && r.end >= r.first) j.sent_.push_back(r);
        } else if (word == "stream") {
            ls >> j.stream_;
        } else if (word == "wsend") {
            OrdinalRange r;
            StreamSpan span;
            if (ls >> r.first >> r.end >> span.offset >> span.count && r.end >= r.first && span.offset >= 0 && span.count >= 0) {
                j.sent_.push_back(r);
                j.spans_[{r.first, r.end}] = span;
            }
        } else if (word == "done") {
            j.done_ = true;
        }
    }
    if (first) throw JournalError(path + " is empty: not a Quarry upload journal");
    j.file_ = platform::File::open(path, platform::File::Mode::Write);
    if (!j.file_.isOpen()) throw JournalError(sysError("cannot write the upload journal", path));
    // Cut a torn tail so new lines start clean; new lines go after what is kept.
    if ((start < text.size() && !j.file_.truncate(start)) || !j.file_.seekToEnd())
        throw JournalError(sysError("cannot repair the upload journal", path));
    return j;
}

Journal Journal::create(const std::string& path, const Header& h) {
    std::error_code ec; // a failure shows up as the open() below failing, with its path
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    const std::string tmp = path + ".tmp";
    auto f = platform::File::open(tmp, platform::File::Mode::Truncate);
    if (!f.isOpen()) throw JournalError(sysError("cannot create the upload journal", tmp));
    const nlohmann::json hj = {{"fileId", h.fileId}, {"file", h.file}, {"table", h.table}, {"generation", h.generation}};
    const std::string line = kMagic + hj.dump() + "\n";
    const bool ok = f.writeAll(line) && f.sync() && f.close();
    if (!ok || !platform::replaceFile(tmp, path)) throw JournalError(sysError("cannot write the upload journal", path));
    return load(path);
}

Journal Journal::inMemory(const Header& h) {
    Journal j;
    j.header_ = h;
    return j;
}

void Journal::append(const std::string& line) {
    if (!file_.isOpen()) return; // in memory
    if (!file_.writeAll(line) || !file_.syncData())
        throw JournalError(sysError("cannot write the upload journal", path_));
}

void Journal::ack(OrdinalRange r, std::uint64_t inserted, std::uint64_t rejected) {
    const std::string line = "ack " + std::to_string(r.first) + " " + std::to_string(r.end) + " " +
                             std::to_string(inserted) + " " + std::to_string(rejected) + "\n";
    std::uint64_t mine = 0;
    {
        std::lock_guard g(mutex_);
        if (file_.isOpen() && !file_.writeAll(line)) throw JournalError(sysError("cannot write the upload journal", path_));
        mine = ++written_;
        ranges_.push_back(r);
        inserted_ += inserted;
        rejected_ += rejected;
    }
    // Group commit: one fdatasync covers every line written before it, so the sending threads
    // share syncs instead of queueing for one each. The ack counts once it is on disk.
    if (!file_.isOpen()) return;
    std::lock_guard s(syncMutex_);
    std::uint64_t target = 0;
    {
        std::lock_guard g(mutex_);
        if (synced_ >= mine) return;
        target = written_;
    }
    if (!file_.syncData()) throw JournalError(sysError("cannot sync the upload journal", path_));
    std::lock_guard g(mutex_);
    synced_ = std::max(synced_, target);
}

void Journal::sending(OrdinalRange r) {
    const std::string line = "send " + std::to_string(r.first) + " " + std::to_string(r.end) + "\n";
    std::lock_guard g(mutex_);
    sent_.push_back(r);
    if (file_.isOpen() && !file_.writeAll(line)) throw JournalError(sysError("cannot write the upload journal", path_));
}

std::vector<OrdinalRange> Journal::inFlight() const {
    const auto done = finished();
    std::vector<OrdinalRange> out;
    for (auto r : sent_) {
        // What of r no finished range covers.
        for (const auto& f : done) {
            if (f.end <= r.first || f.first >= r.end) continue;
            if (f.first > r.first) out.push_back({r.first, f.first});
            r.first = std::max(r.first, f.end);
            if (r.first >= r.end) break;
        }
        if (r.first < r.end) out.push_back(r);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

std::chrono::system_clock::time_point Journal::lastWritten() const {
    std::error_code ec;
    const auto t = path_.empty() ? std::filesystem::file_time_type() : std::filesystem::last_write_time(path_, ec);
    if (path_.empty() || ec) return std::chrono::system_clock::now();
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::file_clock::to_sys(t));
}

void Journal::markDone() {
    std::lock_guard g(mutex_);
    append("done\n");
    done_ = true;
}

std::vector<OrdinalRange> Journal::finished() const {
    auto v = ranges_;
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<OrdinalRange> out;
    for (const auto& r : v) {
        if (!out.empty() && r.first <= out.back().end) out.back().end = std::max(out.back().end, r.end);
        else out.push_back(r);
    }
    return out;
}

void Journal::setStream(const std::string& name) {
    std::lock_guard g(mutex_);
    stream_ = name;
    append("stream " + name + "\n");
}

void Journal::sendingAt(OrdinalRange r, StreamSpan span) {
    std::lock_guard g(mutex_);
    sent_.push_back(r);
    spans_[{r.first, r.end}] = span;
    append("wsend " + std::to_string(r.first) + " " + std::to_string(r.end) + " " + std::to_string(span.offset) + " " +
           std::to_string(span.count) + "\n");
}

std::optional<Journal::StreamSpan> Journal::spanOf(OrdinalRange r) const {
    std::lock_guard g(mutex_);
    const auto it = spans_.find({r.first, r.end});
    if (it == spans_.end()) return std::nullopt;
    return it->second;
}

std::int64_t Journal::nextOffset() const {
    std::lock_guard g(mutex_);
    std::int64_t next = 0;
    for (const auto& [_, s] : spans_) next = std::max(next, s.offset + s.count);
    return next;
}

std::string serverKey(BigQueryClient& client, const std::string& project, const CancelToken* cancel) {
    if (const auto id = client.sandboxDataId(project, cancel); !id.empty()) return "sandbox" + id.substr(0, 16);
    return crypto::sha256Hex(client.endpoint().baseUrl, 8);
}

} // namespace quarry::upload
