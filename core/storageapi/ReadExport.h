// SPDX-License-Identifier: MIT
#pragma once

#include "query/ResultExport.h"

#include <functional>
#include <string>

namespace quarry::storageapi {

/// How an export reads a finished query's rows.
enum class ExportApi {
    Auto, ///< the Storage Read API for kReadApiMinRows rows or more where the endpoint serves it, else Rest
    Rest, ///< getQueryResults pages
    Read, ///< the Storage Read API, or an error saying why it cannot be used
};
/// Below this many rows Auto stays on getQueryResults: one page or a few, no session to open.
constexpr std::int64_t kReadApiMinRows = 10000;

/// Writes every row of a finished query job to `dest` (as exportResult does: through a
/// temporary file renamed over it at the end). With the Read API the rows come from the job's
/// result table (configuration.query.destinationTable) through ReadSource, and the file is the
/// same bytes getQueryResults' pages would make. `note` hears which way was taken. Throws what
/// exportResult throws, ReadApiError, and std::runtime_error for Read when it cannot be used.
ExportProgress exportJob(BigQueryClient& client, const JobRef& job, const std::filesystem::path& dest, const ExportOptions& options,
                         ExportApi api = ExportApi::Auto, const std::function<void(const std::string&)>& note = {});

} // namespace quarry::storageapi
