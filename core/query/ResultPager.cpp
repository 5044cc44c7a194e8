// SPDX-License-Identifier: MIT
#include "query/ResultPager.h"

#include <algorithm>

namespace quarry {

ResultPager::ResultPager(BigQueryClient& client, JobRef job, std::size_t targetPageBytes, int firstPageRows)
    : client_(client), job_(std::move(job)), targetBytes_(targetPageBytes), pageRows_(std::max(1, firstPageRows)) {}

ResultPager::~ResultPager() { dropPrefetch(); }

void ResultPager::dropPrefetch() {
    if (prefetch_.valid()) {
        prefetchCancel_->cancel();
        try {
            prefetch_.get();
        } catch (...) {
        }
    }
    prefetchCancel_.reset();
}

RowPage ResultPager::fetch(const std::string& token, std::optional<std::uint64_t> start, int rows, const CancelToken* cancel) {
    QueryResultsOptions o;
    o.maxResults = rows;
    o.timeoutMs = 10'000;
    if (!token.empty()) o.pageToken = token;
    else if (start) o.startIndex = *start;
    return client_.getQueryResults(job_, o, cancel);
}

void ResultPager::adapt(const RowPage& page) {
    if (page.rows.empty() || page.bodyBytes == 0) return;
    const double perRow = static_cast<double>(page.bodyBytes) / static_cast<double>(page.rows.size());
    pageRows_ = static_cast<int>(std::clamp(static_cast<double>(targetBytes_) / perRow, 100.0, 100000.0));
}

std::optional<RowPage> ResultPager::next(const CancelToken* cancel) {
    if (done_) return std::nullopt;
    RowPage page;
    if (prefetch_.valid()) {
        page = prefetch_.get();
        prefetchCancel_.reset();
    } else {
        page = fetch(token_, start_, pageRows_, cancel);
    }
    if (!page.jobComplete) throw ApiError(0, "notReady", "the job " + job_.jobId + " has not finished yet");
    if (page.totalRows) totalRows_ = page.totalRows;
    adapt(page);
    token_ = page.pageToken;
    start_.reset();
    if (token_.empty()) {
        done_ = true;
    } else {
        prefetchCancel_ = std::make_unique<CancelToken>();
        prefetch_ = std::async(std::launch::async, [this, token = token_, rows = pageRows_, c = prefetchCancel_.get()] {
            return fetch(token, std::nullopt, rows, c);
        });
    }
    return page;
}

void ResultPager::restartAt(std::uint64_t startIndex) {
    dropPrefetch();
    token_.clear();
    start_ = startIndex;
    done_ = false;
}

} // namespace quarry
