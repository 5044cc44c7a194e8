// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"
#include "value/RowWriter.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>

namespace quarry {

struct ExportProgress {
    std::uint64_t rows = 0;
    std::optional<std::int64_t> totalRows;
    std::uint64_t bytes = 0; ///< written to the file so far
};

struct ExportOptions {
    RowFormat format = RowFormat::Csv;
    const CancelToken* cancel = nullptr;
    /// Called after each page, on the exporting thread.
    std::function<void(const ExportProgress&)> progress;
    std::size_t targetPageBytes = 4u << 20;
};

/// Writes every row of a finished query job to `dest`, page by page (getQueryResults through
/// ResultPager), holding one page in memory at a time. The rows go to a temporary file beside
/// `dest` that is renamed over it only when the last page is written: a failed or cancelled
/// export leaves `dest` as it was and no partial file behind. Throws ApiError/TransportError
/// (the API), std::runtime_error naming the file (the disk), or TransportError(Cancelled).
ExportProgress exportResult(BigQueryClient& client, const JobRef& job, const std::filesystem::path& dest,
                            const ExportOptions& options);
/// The same for pages from any source in order (`next` gives nullopt after the last; `total`
/// the row count, for progress): the Storage Read API's (storageapi::ReadSource).
ExportProgress exportFrom(const std::function<std::optional<RowPage>()>& next, const std::function<std::optional<std::int64_t>()>& total,
                          const std::filesystem::path& dest, const ExportOptions& options);
/// The same for rows made into text ahead of the writer (a RowFormatter of options.format and
/// `schema`, on other threads): `next` gives each batch's text and row count.
ExportProgress exportFormatted(const Schema& schema, const std::function<std::optional<std::pair<std::string, std::uint64_t>>()>& next,
                               const std::function<std::optional<std::int64_t>()>& total, const std::filesystem::path& dest,
                               const ExportOptions& options);
/// The same for a result held whole in memory: a query answered without a job (short query
/// mode), which has no pages to read again.
ExportProgress exportRows(const RowPage& rows, const std::filesystem::path& dest, const ExportOptions& options);

} // namespace quarry
