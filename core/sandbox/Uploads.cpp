// SPDX-License-Identifier: MIT
#include "sandbox/Uploads.h"

#include "sandbox/ApiFailure.h"
#include "sandbox/RowLog.h"
#include "value/JsonParse.h"

#include "platform/File.h"

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>

namespace quarry::sandbox {
namespace fs = std::filesystem;
namespace {

constexpr auto kSessionLifetime = std::chrono::hours(24 * 7);

std::string randomId() {
    static std::mutex m;
    static std::mt19937_64 rng{std::random_device{}()};
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::lock_guard g(m);
    std::string id;
    for (int i = 0; i < 32; ++i) id.push_back(alphabet[rng() % 62]);
    return id;
}

bool validId(const std::string& id) {
    return id.size() == 32 && std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c); });
}

std::optional<std::uint64_t> number(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

using platform::File;

void writeAll(File& f, const char* p, std::size_t n, const fs::path& file) {
    if (!f.writeAll({p, n})) throw StorageError("cannot write " + file.string() + ": " + platform::lastErrorText());
}

} // namespace

Uploads::Uploads(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    const auto now = fs::file_time_type::clock::now();
    for (const auto& e : fs::directory_iterator(dir_)) {
        const std::string stem = e.path().stem().string();
        std::error_code ec;
        const auto age = now - fs::last_write_time(e.path(), ec);
        // Spools and loads belong to requests and jobs, which end with the process.
        if (ec || age > kSessionLifetime || e.path().extension() == ".spool" || e.path().extension() == ".load") {
            fs::remove(e.path(), ec);
            continue;
        }
        if (e.path().extension() != ".json" || !validId(stem)) continue;
        try {
            const Json j = Json::parse(readWholeFile(e.path()));
            Session s;
            s.id = stem;
            s.project = j.at("project").get<std::string>();
            s.job = j.at("job");
            s.received = j.at("received").get<std::uint64_t>();
            if (j.contains("total")) s.total = j["total"].get<std::uint64_t>();
            s.jobId = j.value("jobId", std::string());
            sessions_[s.id] = std::move(s);
        } catch (const std::exception&) {
            fs::remove(e.path(), ec); // a session file from a crash mid-write: the session is lost, nothing else
        }
    }
}

void Uploads::save(const Session& s) const {
    Json j = {{"project", s.project}, {"job", s.job}, {"received", s.received}};
    if (s.total) j["total"] = *s.total;
    if (!s.jobId.empty()) j["jobId"] = s.jobId;
    writeFileAtomic(metaPath(s.id), j.dump());
}

std::shared_ptr<std::mutex> Uploads::writeLock(const std::string& id) {
    std::lock_guard g(mutex_);
    auto& m = writing_[id];
    if (!m) m = std::make_shared<std::mutex>();
    return m;
}

Uploads::Range Uploads::parseRange(const std::string& header, std::optional<std::uint64_t> contentLength) {
    Range r;
    if (header.empty()) { // the whole upload in this one request
        if (!contentLength)
            throw ApiFailure("invalid", "A chunk needs a Content-Range header (bytes FIRST-LAST/TOTAL), or a Content-Length when it is the whole upload.");
        r.total = *contentLength;
        r.statusOnly = *r.total == 0; // an empty upload: complete as it starts
        r.last = *r.total == 0 ? 0 : *r.total - 1;
        return r;
    }
    const auto bad = [&] {
        return ApiFailure("invalid", "Invalid Content-Range header \"" + header +
                                         "\": expected \"bytes FIRST-LAST/TOTAL\", \"bytes FIRST-LAST/*\" or \"bytes */TOTAL\".");
    };
    std::string_view h = header;
    if (h.substr(0, 6) != "bytes ") throw bad();
    h.remove_prefix(6);
    const auto slash = h.find('/');
    if (slash == std::string_view::npos) throw bad();
    const std::string_view span = h.substr(0, slash), total = h.substr(slash + 1);
    if (total != "*") {
        r.total = number(total);
        if (!r.total) throw bad();
    }
    if (span == "*") {
        r.statusOnly = true;
        return r;
    }
    const auto dash = span.find('-');
    const auto f = number(span.substr(0, dash)), l = dash == std::string_view::npos ? std::nullopt : number(span.substr(dash + 1));
    if (!f || !l || *l < *f || (r.total && *l >= *r.total)) throw bad();
    r.first = *f;
    r.last = *l;
    if (contentLength && *contentLength != r.last - r.first + 1)
        throw ApiFailure("invalid", "The Content-Range header \"" + header + "\" names " + std::to_string(r.last - r.first + 1) +
                                        " bytes but the request carries " + std::to_string(*contentLength) + ".");
    return r;
}

std::string Uploads::begin(const std::string& project, const Json& job, std::optional<std::uint64_t> declaredSize) {
    Session s;
    s.id = randomId();
    s.project = project;
    s.job = job;
    s.total = declaredSize;
    {
        const auto f = File::open(dataPath(s.id), File::Mode::Truncate);
        if (!f.isOpen()) throw StorageError("cannot create " + dataPath(s.id).string() + ": " + platform::lastErrorText());
    }
    save(s);
    std::lock_guard g(mutex_);
    sessions_[s.id] = s;
    return s.id;
}

Uploads::Session Uploads::find(const std::string& project, const std::string& id) const {
    std::lock_guard g(mutex_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second.project != project)
        throw ApiFailure("notFound", "Not found: upload session " + id +
                                         " (it was never started here, or it ended more than a week ago). Start the upload again.");
    return it->second;
}

void Uploads::remember(const Session& s) {
    save(s);
    std::lock_guard g(mutex_);
    sessions_[s.id] = s;
}

Uploads::Session Uploads::put(const std::string& project, const std::string& id, const Range& range, const BodyReader& read,
                              const OnComplete& complete) {
    const auto lock = writeLock(id);
    std::lock_guard writing(*lock); // one chunk of a session at a time
    Session s = find(project, id);
    if (!s.jobId.empty()) return s; // done already: the caller answers with its job
    if (range.total) {
        if (s.total && *s.total != *range.total)
            throw ApiFailure("invalid", "The upload's size was given as " + std::to_string(*s.total) + " bytes and now as " +
                                            std::to_string(*range.total) + ".");
        if (*range.total < s.received)
            throw ApiFailure("invalid", "The upload's size " + std::to_string(*range.total) + " is less than the " +
                                            std::to_string(s.received) + " bytes already received.");
    }
    if (!range.statusOnly) {
        if (range.first > s.received)
            throw ApiFailure("invalid", "The chunk starts at byte " + std::to_string(range.first) + " but the upload has " +
                                            std::to_string(s.received) +
                                            " bytes; ask where to go on with an empty PUT and Content-Range: bytes */TOTAL.");
        const auto path = dataPath(id);
        auto f = File::open(path, File::Mode::Write);
        if (!f.isOpen()) throw StorageError("cannot open " + path.string() + ": " + platform::lastErrorText());
        // Bytes past the acknowledged ones may be a half-written chunk from before a crash.
        if (!f.truncate(s.received) || !f.seekToEnd())
            throw StorageError("cannot prepare " + path.string() + ": " + platform::lastErrorText());
        std::uint64_t at = range.first; // position in the upload of the next body byte
        std::uint64_t written = s.received;
        const std::uint64_t end = range.last + 1;
        const bool whole = read([&](const char* p, std::size_t n) {
            // Bytes the session already has are skipped (a chunk sent again); none past `end`.
            const std::uint64_t from = std::max(at, written), to = std::min(at + n, end);
            if (to > from) {
                writeAll(f, p + (from - at), static_cast<std::size_t>(to - from), path);
                written = to;
            }
            at += n;
            return true;
        });
        // What arrived is kept (synced before it is acknowledged), even from a cut chunk.
        if (!f.syncData()) throw StorageError("cannot sync " + path.string() + ": " + platform::lastErrorText());
        s.received = written;
        if (range.total) s.total = range.total;
        remember(s);
        if (!whole) throw ApiFailure("invalid", "The chunk ended early; " + std::to_string(s.received) + " bytes of the upload are kept.");
        if (at != end)
            throw ApiFailure("invalid", "The chunk carried " + std::to_string(at - range.first) + " bytes; its Content-Range names " +
                                            std::to_string(end - range.first) + ".");
    } else if (range.total && !s.total) {
        s.total = range.total;
        remember(s);
    }
    if (!s.total || s.received != *s.total) return s;
    // Complete: the data goes to a job of its own.
    const fs::path taken = dir_ / (id + ".load");
    renameDurably(dataPath(id), taken);
    try {
        s.jobId = complete(taken);
    } catch (...) {
        std::error_code ec;
        fs::remove(taken, ec);
        fs::remove(metaPath(id), ec);
        std::lock_guard g(mutex_);
        sessions_.erase(id);
        throw;
    }
    remember(s);
    return s;
}

fs::path Uploads::spoolFile() { return dir_ / (randomId() + ".spool"); }

Json Uploads::splitMultipart(const fs::path& spooled, const std::string& contentType, const fs::path& dataOut) const {
    const auto bad = [](const std::string& why) {
        return ApiFailure("invalid", "The multipart upload could not be read: " + why +
                                         ". Send Content-Type: multipart/related; boundary=B with a JSON part and a data part.");
    };
    const auto b = contentType.find("boundary=");
    if (contentType.rfind("multipart/related", 0) != 0 || b == std::string::npos) throw bad("no multipart/related boundary");
    std::string boundary = contentType.substr(b + 9);
    if (const auto semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
    if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
    if (boundary.empty() || boundary.size() > 200) throw bad("an empty or overlong boundary");
    const std::string delim = "--" + boundary;
    std::ifstream in(spooled, std::ios::binary);
    const std::uint64_t size = fs::file_size(spooled);
    std::string head(static_cast<std::size_t>(std::min<std::uint64_t>(size, 16u << 20)), '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    // Part bodies start after a blank line (CRLF or LF endings) and end before "\r\n--B" or "\n--B".
    const auto bodyStart = [&](std::size_t from) -> std::size_t {
        const auto crlf = head.find("\r\n\r\n", from), lf = head.find("\n\n", from);
        if (crlf == std::string::npos && lf == std::string::npos) throw bad("a part has no blank line after its headers");
        return crlf != std::string::npos && (lf == std::string::npos || crlf < lf) ? crlf + 4 : lf + 2;
    };
    const auto first = head.find(delim);
    if (first == std::string::npos) throw bad("the boundary never appears");
    const std::size_t jsonStart = bodyStart(first + delim.size());
    auto jsonEnd = head.find("\n" + delim, jsonStart);
    if (jsonEnd == std::string::npos) throw bad("the JSON part does not end within 16 MB");
    const std::size_t second = jsonEnd + 1 + delim.size();
    const std::string jsonText = head.substr(jsonStart, jsonEnd - jsonStart - (jsonEnd > jsonStart && head[jsonEnd - 1] == '\r'));
    auto job = parseJsonOrDiscard(jsonText);
    if (job.is_discarded() || !job.is_object()) throw bad("its first part is not a JSON object");
    const std::size_t dataStart = bodyStart(second);
    // The closing delimiter is within the last few bytes.
    const std::uint64_t tailFrom = size > 4096 ? size - 4096 : 0;
    std::string tail(static_cast<std::size_t>(size - tailFrom), '\0');
    in.clear();
    in.seekg(static_cast<std::streamoff>(tailFrom));
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    const auto close = tail.rfind("\n" + delim + "--");
    if (close == std::string::npos) throw bad("the closing boundary is missing (was the body cut short?)");
    std::uint64_t dataEnd = tailFrom + close;
    if (dataEnd > 0 && close > 0 && tail[close - 1] == '\r') --dataEnd;
    if (dataEnd < dataStart) dataEnd = dataStart;
    // The data part to a file of its own.
    auto out = File::open(dataOut, File::Mode::Truncate);
    if (!out.isOpen()) throw StorageError("cannot create " + dataOut.string() + ": " + platform::lastErrorText());
    in.clear();
    in.seekg(static_cast<std::streamoff>(dataStart));
    std::string buf(1u << 20, '\0');
    for (std::uint64_t left = dataEnd - dataStart; left > 0;) {
        in.read(buf.data(), static_cast<std::streamsize>(std::min<std::uint64_t>(left, buf.size())));
        const auto got = static_cast<std::size_t>(in.gcount());
        if (got == 0) throw StorageError("cannot read " + spooled.string());
        writeAll(out, buf.data(), got, dataOut);
        left -= got;
    }
    return job;
}

} // namespace quarry::sandbox
