// SPDX-License-Identifier: MIT
#pragma once

#include "Common.h"
#include "Output.h"

#include <cstddef>
#include <string>

namespace quarry::cli {

struct UploadArgs {
    std::string file, table, schemaFile, rejects, inputFormat = "auto";
    bool create = false, createDataset = false, autodetect = false, skipInvalid = false, ignoreUnknown = false;
    bool resume = false, again = false, printSchema = false, noProgress = false;
    std::size_t batchRows = 0, batchBytes = 9u << 20; ///< batchRows 0: the API's own (500 insertAll, 50000 Write API)
    std::string api = "auto"; ///< auto, insertall or write
    int concurrency = 4;
    std::string inFlight; ///< "", "resend" or "skip" (UploadOptions::InFlight)
};

/// quarry-cli upload FILE DATASET.TABLE: streams a JSON/NDJSON file with insertAll (see
/// core/upload/Uploader.h). Progress on stderr when it is a terminal; Ctrl-C stops cleanly and
/// leaves the upload resumable. Exit codes: 0 done, 1 failed (or rows invalid in strict mode),
/// 2 usage, 130 interrupted.
int cmdUpload(const Globals& g, Format f, const UploadArgs& a);

} // namespace quarry::cli
