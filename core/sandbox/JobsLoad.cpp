// SPDX-License-Identifier: MIT
// The job manager's load and copy jobs: run on its workers like queries, with their errors
// and statistics in the job's resource.
#include "sandbox/Jobs.h"
#include "sandbox/JsonFields.h"
#include "sandbox/LoadJob.h"
#include "sandbox/sql/Engine.h"
#include "upload/RecordReader.h"

namespace quarry::sandbox {

void JobManager::runTransfer(Job& job) {
    struct RemoveUpload { // the uploaded file is the job's: gone when it ends, however it ends
        std::filesystem::path file;
        ~RemoveUpload() {
            std::error_code ec;
            if (!file.empty()) std::filesystem::remove(file, ec);
        }
    } upload{job.upload};
    try {
        if (boolField(job.configuration, "dryRun", false)) {
            finish(job, nullptr);
            return;
        }
        if (job.configuration.contains("load")) {
            auto r = runLoad(store_, job.project, objectField(job.configuration, "load"), job.upload, job.cancelRequested);
            std::lock_guard g(mutex_);
            job.transferStats = std::move(r.statistics);
            job.errors = std::move(r.errors);
        } else {
            auto stats = runCopy(store_, job.project, objectField(job.configuration, "copy"));
            std::lock_guard g(mutex_);
            job.transferStats = std::move(stats);
        }
        finish(job, nullptr);
    } catch (const sql::PreparedQuery::Cancelled&) {
        finish(job, errorProto("stopped", "Job execution was cancelled: User requested cancellation"));
    } catch (const JobErrors& e) {
        {
            std::lock_guard g(mutex_);
            job.errors = e.errors();
        }
        finish(job, errorProto(e.reason(), e.what(), e.location()));
    } catch (const ApiFailure& e) {
        finish(job, errorProto(e.reason(), e.what(), e.location()));
    } catch (const upload::InputError& e) {
        finish(job, errorProto("invalid", std::string("Error while reading data, error message: ") + e.what()));
    } catch (const StorageError& e) {
        finish(job, errorProto("backendError", std::string("The sandbox could not write its data: ") + e.what()));
    } catch (const std::exception& e) {
        finish(job, errorProto("internalError", std::string("The sandbox failed to run this job: ") + e.what()));
    }
}

} // namespace quarry::sandbox
