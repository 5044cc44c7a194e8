// SPDX-License-Identifier: MIT
#pragma once

#include "upload/RecordReader.h"
#include "upload/RejectsFile.h"
#include "value/Schema.h"

#include <functional>
#include <vector>

namespace quarry {
class CancelToken;
}

namespace quarry::upload {

struct CheckProgress {
    std::uint64_t records = 0, rejected = 0, fileBytesRead = 0, fileBytes = 0;
};

struct CheckResult {
    std::uint64_t records = 0, rejected = 0;
    bool cancelled = false;
    std::string contentHash; ///< with readerOptions.hashContent: the file's as it was read
    std::string contentIdentity; ///< with readerOptions.identifyContent: likewise
};

/// Checks every record of a file against a schema (and the request size), in parallel: the
/// calling thread reads and cuts the file into blocks of records, one thread per core parses
/// and checks them. Rejects reach `onRejects` in file order (batches in increasing ordinal),
/// `onProgress` is called from the calling thread. Memory stays bounded: a few blocks of
/// about 4 MB each are in flight.
CheckResult checkFile(const std::string& path, RecordReader::Options readerOptions, const Schema& schema,
                      bool ignoreUnknown, std::size_t maxText, const CancelToken* cancel,
                      const std::function<void(const std::vector<Reject>&)>& onRejects,
                      const std::function<void(const CheckProgress&)>& onProgress);

} // namespace quarry::upload
