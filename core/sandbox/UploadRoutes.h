// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Uploads.h"

#include <httplib.h>

namespace quarry::sandbox {

class JobManager;

/// POST .../upload/bigquery/v2/projects/P/jobs: uploadType=resumable starts a session for a
/// load job (answered with its URI in Location); uploadType=multipart takes the job and the
/// data in one multipart/related body and starts the job. Throws ApiFailure. `user`: who
/// asks, the job's user_email (for continueUpload too).
void startUpload(const httplib::Request& req, httplib::Response& res, const BodyReader& body, Uploads& uploads, JobManager& jobs,
                 const std::string& selfUrl, const std::string& user);
/// PUT ...?upload_id=ID: a chunk (Content-Range bytes F-L/T), or a status query (bytes */T).
/// Answers 308 with Range until the last byte is in, then the job it made.
void continueUpload(const httplib::Request& req, httplib::Response& res, const BodyReader& body, Uploads& uploads, JobManager& jobs,
                    const std::string& user);

} // namespace quarry::sandbox
