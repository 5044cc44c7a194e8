// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace quarry::sandbox {

using Json = nlohmann::json;

/// Streams a request body: calls the receiver with each piece; false if the body could not be
/// read whole (the client went away).
using BodyReader = std::function<bool(const std::function<bool(const char*, std::size_t)>&)>;

/// Media uploads for load jobs, with BigQuery's upload protocol. A resumable session keeps
/// its job and the bytes acknowledged so far in the data folder (`.uploads/<id>.json` and
/// `<id>.data`, the data fsynced before each chunk is acknowledged), so an upload cut by a
/// lost connection, a killed client or a restarted sandbox goes on from the last byte
/// acknowledged. A finished session remembers its job, so a client that lost the last answer
/// and asks again learns the job it made. Sessions live a week, as BigQuery's do.
class Uploads {
public:
    explicit Uploads(std::filesystem::path dir);

    struct Session {
        std::string id, project;
        Json job;                          ///< the jobs.insert body sent when the session began
        std::uint64_t received = 0;        ///< bytes acknowledged
        std::optional<std::uint64_t> total; ///< the upload's size, once a chunk or the start said it
        std::string jobId;                 ///< set once the upload is complete and its job made
    };
    /// Content-Range of a chunk: "bytes F-L/T", "bytes F-L/*", or "bytes */T" (status only).
    struct Range {
        bool statusOnly = false;
        std::uint64_t first = 0, last = 0;
        std::optional<std::uint64_t> total;
    };
    /// ApiFailure invalid for a malformed header. Empty: the whole upload in this request.
    static Range parseRange(const std::string& header, std::optional<std::uint64_t> contentLength);

    /// Starts a session for a jobs.insert body; returns its id.
    std::string begin(const std::string& project, const Json& job, std::optional<std::uint64_t> declaredSize);
    /// The session, or ApiFailure notFound.
    Session find(const std::string& project, const std::string& id) const;
    /// Called once when an upload is complete, with its data file (which it takes over);
    /// returns the id of the job it made.
    using OnComplete = std::function<std::string(const std::filesystem::path& data)>;
    /// Writes a chunk (bytes already acknowledged are skipped: a resent chunk; a chunk that
    /// starts after them is refused with what the session has). When the last byte is in,
    /// `complete` makes the job (if it throws, the session ends: the upload must start again).
    /// Returns the session after it; `jobId` is set once its job exists.
    Session put(const std::string& project, const std::string& id, const Range& range, const BodyReader& read,
                const OnComplete& complete);

    /// A fresh spool file for a one-request (multipart) upload.
    std::filesystem::path spoolFile();
    /// Reads a multipart/related body (a JSON part, then the data) out of `spooled` into a
    /// file of its own; returns the JSON part. ApiFailure invalid for a malformed body.
    Json splitMultipart(const std::filesystem::path& spooled, const std::string& contentType,
                        const std::filesystem::path& dataOut) const;

private:
    void save(const Session& s) const;
    void remember(const Session& s);
    std::filesystem::path dataPath(const std::string& id) const { return dir_ / (id + ".data"); }
    std::filesystem::path metaPath(const std::string& id) const { return dir_ / (id + ".json"); }
    std::shared_ptr<std::mutex> writeLock(const std::string& id);

    std::filesystem::path dir_;
    mutable std::mutex mutex_;
    std::map<std::string, Session> sessions_;
    std::map<std::string, std::shared_ptr<std::mutex>> writing_;
};

} // namespace quarry::sandbox
