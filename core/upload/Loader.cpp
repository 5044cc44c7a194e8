// SPDX-License-Identifier: MIT
#include "upload/Loader.h"

#include "crypto/Digest.h"
#include "net/HttpClient.h"
#include "upload/Journal.h"
#include "value/JsonParse.h"

#include <simdjson.h>

#include "platform/File.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

namespace quarry::upload {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kChunkUnit = 256u << 10; ///< chunks are multiples of this (the protocol's rule)
constexpr int kResyncs = 5;                    ///< a chunk's lost answers survived before giving up

// ---- what goes up: the file's bytes, or a JSON array turned into NDJSON ----

struct Source {
    virtual ~Source() = default;
    /// The next bytes, up to n; 0 at the end.
    virtual std::size_t read(char* out, std::size_t n) = 0;
    /// Bytes of the upload, when known before the end.
    virtual std::optional<std::uint64_t> size() const = 0;
    void skip(std::uint64_t n) {
        std::string buf(1u << 20, '\0');
        while (n > 0) {
            const auto got = read(buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(n, buf.size())));
            if (got == 0) throw LoadError("the file is shorter than the part of it already uploaded; was it changed?");
            n -= got;
        }
    }
};

struct FileSource final : Source {
    platform::File file;
    std::uint64_t bytes;
    explicit FileSource(const std::string& path) : file(platform::File::open(path, platform::File::Mode::Read)) {
        if (!file.isOpen()) throw InputError("cannot open " + path + ": " + platform::lastErrorText());
        bytes = file.size().value_or(0);
    }
    std::size_t read(char* out, std::size_t n) override {
        std::size_t got = 0;
        while (got < n) {
            const auto r = file.read(out + got, n - got);
            if (r < 0) throw InputError(std::string("cannot read the file: ") + platform::lastErrorText());
            if (r == 0) break;
            got += static_cast<std::size_t>(r);
        }
        return got;
    }
    std::optional<std::uint64_t> size() const override { return bytes; }
};

/// One JSON array (gzip too) as NDJSON: each element minified onto a line of its own.
struct ArraySource final : Source {
    RecordReader reader;
    std::string pending;
    std::size_t at = 0;
    bool end = false;
    explicit ArraySource(const std::string& path) : reader(path, [] {
        RecordReader::Options o;
        o.format = InputFormat::JsonArray;
        return o;
    }()) {}
    std::size_t read(char* out, std::size_t n) override {
        std::size_t got = 0;
        Record rec;
        while (got < n) {
            if (at == pending.size()) {
                if (end || !reader.next(rec)) {
                    end = true;
                    break;
                }
                pending.resize(rec.text.size() + 1);
                std::size_t len = 0;
                if (rec.error.empty() && simdjson::minify(rec.text.data(), rec.text.size(), pending.data(), len) == simdjson::SUCCESS) {
                    pending.resize(len);
                } else { // unreadable: up as one line, for the job to report with its line
                    pending.assign(rec.error.empty() ? std::string(rec.text) : "{unreadable: " + rec.error + "}");
                    for (auto& c : pending)
                        if (c == '\n' || c == '\r') c = ' ';
                }
                pending.push_back('\n');
                at = 0;
            }
            const std::size_t take = std::min(n - got, pending.size() - at);
            std::memcpy(out + got, pending.data() + at, take);
            got += take;
            at += take;
        }
        return got;
    }
    std::optional<std::uint64_t> size() const override { return std::nullopt; }
};

bool isArrayFile(const LoadOptions& o) {
    if (o.jsonLayout == InputFormat::JsonArray) return true;
    if (o.jsonLayout == InputFormat::Ndjson) return false;
    RecordReader r(o.file, {});
    Record rec;
    r.next(rec);
    return r.format() == InputFormat::JsonArray;
}

std::string formatOf(const LoadOptions& o) {
    if (!o.sourceFormat.empty()) return o.sourceFormat;
    std::string name = o.file;
    if (name.ends_with(".gz")) name.resize(name.size() - 3);
    return name.ends_with(".csv") || name.ends_with(".tsv") ? "CSV" : "NEWLINE_DELIMITED_JSON";
}

// ---- the journal: where an upload stands ----

struct Entry {
    std::string state; ///< "uploading", "submitted", "done"
    std::string session, jobId, finished;
};

Entry readEntry(const fs::path& p) {
    Entry e;
    std::ifstream in(p);
    if (!in) return e;
    const Json j = parseJsonOrDiscard(in);
    if (!j.is_object()) return e; // a torn write: as if there were none (the session expires)
    e.state = j.value("state", std::string());
    e.session = j.value("session", std::string());
    e.jobId = j.value("jobId", std::string());
    e.finished = j.value("finished", std::string());
    return e;
}

void writeEntry(const fs::path& p, const Json& j) {
    fs::create_directories(p.parent_path());
    const fs::path tmp = p.string() + ".tmp";
    {
        auto f = platform::File::open(tmp, platform::File::Mode::Truncate);
        if (!f.isOpen()) throw JournalError("cannot write " + tmp.string() + ": " + platform::lastErrorText());
        const bool ok = f.writeAll(j.dump()) && f.sync() && f.close();
        if (!ok) throw JournalError("cannot write " + tmp.string());
    }
    fs::rename(tmp, p);
}

std::string nowText() {
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
    return buf;
}

/// The job's error messages; for an array sent as NDJSON, "line_number: N" (a record of the
/// converted stream) becomes the line of the file where that element starts.
std::vector<std::string> jobErrors(const Json& job, const std::string& file, bool converted) {
    std::vector<std::string> out;
    const auto& errors = job["status"].value("errors", Json::array());
    for (std::size_t i = 1; i < errors.size(); ++i) out.push_back(errors[i].value("message", std::string()));
    if (!converted || out.empty()) return out;
    static const std::regex lineNo("line_number: ([0-9]+)");
    std::set<std::uint64_t> wanted;
    for (const auto& m : out) {
        std::smatch sm;
        if (std::regex_search(m, sm, lineNo)) wanted.insert(std::stoull(sm[1]));
    }
    std::map<std::uint64_t, std::uint64_t> lines;
    RecordReader::Options ro;
    ro.format = InputFormat::JsonArray;
    RecordReader r(file, ro);
    Record rec;
    while (!wanted.empty() && lines.size() < wanted.size() && r.next(rec))
        if (wanted.count(rec.ordinal + 1)) lines[rec.ordinal + 1] = rec.line;
    for (auto& m : out) {
        std::smatch sm;
        if (std::regex_search(m, sm, lineNo) && lines.count(std::stoull(sm[1])))
            m = sm.prefix().str() + "line_number: " + std::to_string(lines[std::stoull(sm[1])]) + " (element " + sm[1].str() + " of the array)" + sm.suffix().str();
    }
    return out;
}

} // namespace

Loader::Loader(BigQueryClient& client, LoadOptions options) : client_(client), o_(std::move(options)) {
    if (o_.chunkBytes < kChunkUnit) o_.chunkBytes = kChunkUnit;
    o_.chunkBytes -= o_.chunkBytes % kChunkUnit;
    if (o_.journalDir.empty()) o_.journalDir = Journal::defaultDir();
}

Json Loader::configuration() const {
    Json load = {{"destinationTable", {{"projectId", o_.table.projectId}, {"datasetId", o_.table.datasetId}, {"tableId", o_.table.tableId}}},
                 {"sourceFormat", formatOf(o_)}};
    if (o_.schema) load["schema"] = o_.schema->toJson();
    if (o_.autodetect) load["autodetect"] = true;
    if (!o_.writeDisposition.empty()) load["writeDisposition"] = o_.writeDisposition;
    if (!o_.createDisposition.empty()) load["createDisposition"] = o_.createDisposition;
    if (!o_.schemaUpdateOptions.empty()) load["schemaUpdateOptions"] = o_.schemaUpdateOptions;
    if (o_.maxBadRecords) load["maxBadRecords"] = *o_.maxBadRecords;
    if (o_.ignoreUnknown) load["ignoreUnknownValues"] = true;
    if (load["sourceFormat"] == "CSV")
        for (const auto& [k, v] : o_.csv.items()) load[k] = v;
    if (o_.timePartitioning.is_object()) load["timePartitioning"] = o_.timePartitioning;
    if (o_.clustering.is_object()) load["clustering"] = o_.clustering;
    return load;
}

LoadSummary Loader::run(const CancelToken* cancel) {
    const auto started = std::chrono::steady_clock::now();
    const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
    const bool json = formatOf(o_) == "NEWLINE_DELIMITED_JSON";
    const bool converted = json && isArrayFile(o_);
    const Json job = {{"configuration", {{"load", configuration()}}}};
    // One journal entry per file content, server, table and configuration: the same table name
    // in another sandbox or on Google is another table.
    const std::string fileId = fileIdentity(o_.file);
    const std::string server = serverKey(client_, o_.table.projectId, cancel);
    const fs::path entryPath = fs::path(o_.journalDir) / ("load-" + crypto::sha256Hex(fileId + "\n" + server + "\n" + o_.table.display() + "\n" +
                                                                                    job.dump(), 32) + ".json");
    Entry e = readEntry(entryPath);
    const auto note = [&](const std::string& n) {
        if (onNote) onNote(n);
    };
    if (e.state == "done" && !o_.again)
        throw LoadError(o_.file + " was loaded into " + o_.table.display() + " before (" + e.finished + ", job " + e.jobId +
                            "); loading it again would add its rows a second time.",
                        {}, true);
    if (o_.restart || e.state == "done") e = Entry();
    const Json base = {{"file", fs::absolute(o_.file).string()}, {"fileId", fileId}, {"table", o_.table.display()}};
    auto save = [&](const std::string& state, const std::string& session, const std::string& jobId) {
        Json j = base;
        j["state"] = state;
        j["session"] = session;
        j["jobId"] = jobId;
        if (state == "done") j["finished"] = nowText();
        writeEntry(entryPath, j);
    };

    std::unique_ptr<Source> src = converted ? std::unique_ptr<Source>(std::make_unique<ArraySource>(o_.file))
                                            : std::make_unique<FileSource>(o_.file);
    LoadSummary summary;
    BigQueryClient::UploadState state;
    std::string session = e.session;
    if (e.state == "submitted" && !e.jobId.empty()) {
        state.complete = true;
        try {
            state.job = client_.getJob(JobRef{o_.table.projectId, e.jobId, ""}, cancel);
        } catch (const ApiError& err) {
            if (err.httpStatus() != 404) throw;
            throw LoadError("the load job " + e.jobId + " of an earlier run is not found any more, so whether it loaded the file "
                            "is unknown. Look at the table; --restart loads the file again.");
        }
    } else if (!session.empty()) {
        try {
            state = client_.uploadStatus(session, src->size(), cancel);
            summary.resumedAt = state.received;
            note(state.complete ? "the upload was complete already; its load job is " + state.job["jobReference"].value("jobId", std::string())
                                : "continuing the upload from byte " + std::to_string(state.received));
        } catch (const ApiError& err) {
            if (err.httpStatus() != 404) throw;
            note("the earlier upload session is gone (expired); starting again (none of it was loaded)");
            session.clear();
        }
    }
    if (!state.complete && session.empty()) {
        session = client_.startUpload(o_.table.projectId, job, src->size(), cancel);
        save("uploading", session, "");
    }
    // Chunks from where the server stands; each resent from its acknowledged part after a lost answer.
    std::string chunk(o_.chunkBytes, '\0');
    std::uint64_t offset = state.received;
    if (!state.complete && offset > 0) src->skip(offset);
    while (!state.complete) {
        if (cancel && cancel->isCancelled()) throw LoadError("stopped; run the same command again to continue the upload");
        const std::size_t got = src->read(chunk.data(), chunk.size());
        std::optional<std::uint64_t> total = src->size();
        if (got < chunk.size()) total = offset + got; // the end of the upload
        std::size_t sent = 0;
        for (int resync = 0;; ++resync) {
            try {
                state = client_.putUpload(session, std::string_view(chunk.data() + sent, got - sent), offset + sent, total, cancel);
                break;
            } catch (const TransportError& t) {
                if (!t.retryable() || resync == kResyncs) throw;
                // Where does the server stand? Go on from there within this chunk.
                std::this_thread::sleep_for(std::chrono::seconds(1 << resync));
                state = client_.uploadStatus(session, total, cancel);
                if (state.complete) break;
                if (state.received < offset || state.received > offset + got) throw;
                sent = static_cast<std::size_t>(state.received - offset);
            }
        }
        summary.bytesSent += got;
        offset += got;
        if (onProgress) onProgress({"uploading", offset, src->size(), elapsed()});
        if (!state.complete && got < chunk.size())
            throw LoadError("the server did not finish the upload after its last byte (it has " + std::to_string(state.received) + " bytes)");
    }
    std::string jobId = state.job["jobReference"].value("jobId", std::string());
    save("submitted", session, jobId);
    // The load job runs on the server: wait for it.
    Json done = state.job;
    for (int wait = 200; done["status"].value("state", std::string()) != "DONE"; wait = std::min(wait * 2, 2000)) {
        if (cancel && cancel->isCancelled())
            throw LoadError("stopped waiting; the load job " + jobId + " goes on (quarry-cli jobs " + jobId + ")");
        if (onProgress) onProgress({"loading", offset, src->size(), elapsed()});
        std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        done = client_.getJob(JobRef{o_.table.projectId, jobId, state.job["jobReference"].value("location", std::string())}, cancel);
    }
    if (done["status"].contains("errorResult")) {
        std::error_code ec;
        fs::remove(entryPath, ec); // a failed load adds nothing: the same command may run again
        throw LoadError(done["status"]["errorResult"].value("message", std::string("the load job failed")),
                        jobErrors(done, o_.file, converted));
    }
    save("done", session, jobId);
    summary.job = done;
    summary.seconds = elapsed();
    return summary;
}

} // namespace quarry::upload
