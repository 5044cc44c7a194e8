// SPDX-License-Identifier: MIT
#pragma once

#include "query/QueryRunner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace quarry {

/// Bytes billed and on-demand cost over a window of days, by day, by user or by query, from
/// BigQuery's own `region-LOCATION.INFORMATION_SCHEMA.JOBS_BY_PROJECT` (or JOBS_BY_USER for
/// someone without bigquery.jobs.listAll), so the same report runs on BigQuery and on the
/// sandbox. Finished query jobs only; a script's own row is left out, since its statements'
/// rows carry its bytes (Google's advice against counting them twice); cache hits bill 0.
struct CostReport {
    enum class By { Day, User, Query };
    struct Options {
        int days = 30;            ///< 1 to 180 (what JOBS keeps)
        By by = By::Day;
        std::string location = "US";
        double pricePerTiB = 6.25; ///< on-demand USD per TiB billed
        bool mine = false;         ///< JOBS_BY_USER instead of JOBS_BY_PROJECT
        int top = 20;              ///< By::Query: the most expensive queries
    };
    struct Row {
        std::string key;  ///< the day (YYYY-MM-DD), the user, or the query text
        std::string user; ///< By::Query: who ran it (the first user of those who did)
        std::int64_t jobs = 0;
        std::uint64_t bytesBilled = 0;
        double costUsd = 0;
    };
    std::vector<Row> rows; ///< days oldest first; users and queries most expensive first
    std::int64_t jobs = 0;
    std::uint64_t bytesBilled = 0;
    double costUsd = 0;

    /// The GoogleSQL the report runs. Throws std::invalid_argument for days out of range.
    static std::string sql(const Options& o);
    /// Runs it in `project` and reads every row. Throws ApiError (the query's own error, e.g.
    /// 403 without the permission JOBS_BY_PROJECT needs) and TransportError.
    static CostReport run(QueryRunner& runner, BigQueryClient& client, const std::string& project, const Options& o,
                          const CancelToken* cancel = nullptr);
};

} // namespace quarry
