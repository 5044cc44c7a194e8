// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"

#include <future>
#include <memory>

namespace quarry {

/// Reads a finished query's rows page by page (getQueryResults with pageToken), every page
/// decoded into Values. The page size adapts to the row width (about `targetPageBytes` per
/// page) and the next page is fetched in the background while the caller uses the current one.
class ResultPager {
public:
    ResultPager(BigQueryClient& client, JobRef job, std::size_t targetPageBytes = 4u << 20, int firstPageRows = 1000);
    ~ResultPager();
    ResultPager(const ResultPager&) = delete;
    ResultPager& operator=(const ResultPager&) = delete;

    /// The next page, or nullopt after the last one. Throws ApiError/TransportError.
    std::optional<RowPage> next(const CancelToken* cancel = nullptr);
    /// Starts again at a row (0-based); drops any prefetched page.
    void restartAt(std::uint64_t startIndex);
    std::optional<std::int64_t> totalRows() const { return totalRows_; }
    int pageRows() const { return pageRows_; }

private:
    RowPage fetch(const std::string& token, std::optional<std::uint64_t> start, int rows, const CancelToken* cancel);
    void adapt(const RowPage& page);
    void dropPrefetch();

    BigQueryClient& client_;
    JobRef job_;
    std::size_t targetBytes_;
    int pageRows_;
    std::string token_;
    std::optional<std::uint64_t> start_{0};
    bool done_ = false;
    std::optional<std::int64_t> totalRows_;
    std::unique_ptr<CancelToken> prefetchCancel_;
    std::future<RowPage> prefetch_;
};

} // namespace quarry
