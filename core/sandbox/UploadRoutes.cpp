// SPDX-License-Identifier: MIT
// The upload endpoints of load jobs (/upload/bigquery/v2/projects/P/jobs): multipart and
// resumable, as BigQuery's media upload protocol has them.
#include "sandbox/UploadRoutes.h"
#include "sandbox/ServerRequests.h"

#include "sandbox/ApiFailure.h"
#include "sandbox/Jobs.h"
#include "sandbox/JsonFields.h"
#include "sandbox/Limits.h"
#include "value/JsonParse.h"

#include <fstream>

namespace quarry::sandbox {
using requests::sendJson;

namespace {

constexpr std::size_t kMaxJobBytes = 10u << 20; ///< a job resource starting a session

/// A header holding a byte count, if given; ApiFailure invalid if it is not a number.
std::optional<std::uint64_t> headerNumber(const httplib::Request& req, const char* name) {
    if (!req.has_header(name)) return std::nullopt;
    const std::string v = req.get_header_value(name);
    std::size_t used = 0;
    try {
        const auto n = std::stoull(v, &used);
        if (used == v.size() && !v.empty() && v[0] != '-') return n;
    } catch (const std::exception&) {
    }
    throw ApiFailure("invalid", std::string("Invalid ") + name + " header: " + v);
}

} // namespace

void startUpload(const httplib::Request& req, httplib::Response& res, const BodyReader& body, Uploads& uploads, JobManager& jobs,
                 const std::string& selfUrl, const std::string& user) {
    const std::string project = req.matches[1], type = req.get_param_value("uploadType");
    if (type == "resumable") {
        std::string text;
        bool tooLarge = false;
        const bool whole = body([&](const char* d, std::size_t n) {
            tooLarge = text.size() + n > kMaxJobBytes;
            if (!tooLarge) text.append(d, n);
            return !tooLarge;
        });
        if (tooLarge || !whole) throw ApiFailure("invalid", "The job resource starting a resumable upload could not be read whole.");
        const Json job = text.empty() ? Json::object() : parseJsonOrDiscard(text);
        if (!job.is_object() || !objectField(job, "configuration").contains("load"))
            throw ApiFailure("invalid", "A resumable upload starts a load job: its body must be a Job resource with configuration.load.");
        const std::string id = uploads.begin(project, job, headerNumber(req, "X-Upload-Content-Length"));
        res.status = 200;
        res.set_header("Location", selfUrl + "/upload/bigquery/v2/projects/" + project +
                                       "/jobs?uploadType=resumable&upload_id=" + id);
        res.set_header("X-GUploader-UploadID", id);
        return;
    }
    if (type != "multipart")
        throw ApiFailure("invalid", "uploadType must be multipart or resumable (the sandbox does not take uploadType=" + type + ").");
    struct Removed {
        std::filesystem::path file;
        ~Removed() {
            std::error_code ec;
            std::filesystem::remove(file, ec);
        }
    } spool{uploads.spoolFile()}, data{uploads.spoolFile()};
    {
        std::ofstream out(spool.file, std::ios::binary);
        const bool whole = body([&](const char* d, std::size_t n) { return static_cast<bool>(out.write(d, static_cast<std::streamsize>(n))); });
        out.close();
        if (!whole || !out) throw ApiFailure("invalid", "The upload could not be read whole (the connection ended, or the disk is full).");
    }
    const Json job = uploads.splitMultipart(spool.file, req.get_header_value("Content-Type"), data.file);
    sendJson(res, 200, jobs.insert(project, job, std::exchange(data.file, {}), user));
}

void continueUpload(const httplib::Request& req, httplib::Response& res, const BodyReader& body, Uploads& uploads, JobManager& jobs,
                    const std::string& user) {
    const std::string project = req.matches[1], id = req.get_param_value("upload_id");
    if (id.empty()) throw ApiFailure("invalid", "Required parameter is missing: upload_id", "upload_id");
    const auto range = Uploads::parseRange(req.get_header_value("Content-Range"), headerNumber(req, "Content-Length"));
    const auto s = uploads.put(project, id, range, body, [&](const std::filesystem::path& data) {
        return jobs.insert(project, uploads.find(project, id).job, data, user)["jobReference"]["jobId"].get<std::string>();
    });
    if (!s.jobId.empty()) {
        sendJson(res, 200, jobs.get(project, s.jobId, ""));
        return;
    }
    res.status = 308;
    if (s.received > 0) res.set_header("Range", "bytes=0-" + std::to_string(s.received - 1));
    res.set_content("", "text/plain");
}

} // namespace quarry::sandbox
