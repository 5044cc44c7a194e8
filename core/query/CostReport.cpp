// SPDX-License-Identifier: MIT
#include "query/CostReport.h"

#include "query/ResultPager.h"

#include <algorithm>
#include <stdexcept>

namespace quarry {

std::string CostReport::sql(const Options& o) {
    if (o.days < 1 || o.days > 180) throw std::invalid_argument("the window must be 1 to 180 days (what INFORMATION_SCHEMA.JOBS keeps)");
    if (o.top < 1 || o.top > 10000) throw std::invalid_argument("top must be 1 to 10000");
    std::string region = "region-";
    for (const char c : o.location) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') throw std::invalid_argument("'" + o.location + "' is not a location");
        region += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::string key, extra, order, limit;
    switch (o.by) {
    case By::Day:
        key = "FORMAT_DATE('%Y-%m-%d', DATE(creation_time))";
        order = "key";
        break;
    case By::User:
        key = "user_email";
        order = "billed DESC, key";
        break;
    case By::Query:
        key = "query";
        extra = ", MIN(user_email) AS user";
        order = "billed DESC, key";
        limit = "\nLIMIT " + std::to_string(o.top);
        break;
    }
    return "SELECT " + key + " AS key" + extra + ", COUNT(*) AS jobs, SUM(IFNULL(total_bytes_billed, 0)) AS billed\n"
           "FROM `" + region + "`.INFORMATION_SCHEMA." + (o.mine ? "JOBS_BY_USER" : "JOBS_BY_PROJECT") + "\n"
           "WHERE creation_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL " + std::to_string(o.days) + " DAY)\n"
           "  AND job_type = 'QUERY' AND state = 'DONE' AND IFNULL(statement_type, '') != 'SCRIPT'\n"
           "GROUP BY key\n"
           "ORDER BY " + order + limit;
}

CostReport CostReport::run(QueryRunner& runner, BigQueryClient& client, const std::string& project, const Options& o,
                           const CancelToken* cancel) {
    QueryRequest r;
    r.sql = sql(o);
    r.project = project;
    r.location = o.location;
    r.legacySql = false;
    r.useQueryCache = false;
    const auto out = runner.run(r, {}, cancel);
    if (out.error) throw *out.error;
    CostReport report;
    ResultPager pager(client, out.job);
    const bool byQuery = o.by == By::Query;
    while (auto page = pager.next(cancel)) {
        for (const Value& row : page->rows) {
            Row x;
            std::size_t i = 0;
            x.key = std::string(row[i++].asText());
            if (byQuery) x.user = std::string(row[i++].asText());
            x.jobs = row[i++].asInt64();
            const Value& billed = row[i];
            x.bytesBilled = billed.isNull() ? 0 : static_cast<std::uint64_t>(std::max<std::int64_t>(0, billed.asInt64()));
            x.costUsd = static_cast<double>(x.bytesBilled) / static_cast<double>(1ULL << 40) * o.pricePerTiB;
            report.jobs += x.jobs;
            report.bytesBilled += x.bytesBilled;
            report.rows.push_back(std::move(x));
        }
    }
    report.costUsd = static_cast<double>(report.bytesBilled) / static_cast<double>(1ULL << 40) * o.pricePerTiB;
    return report;
}

} // namespace quarry
