// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"
#include "query/QueryRunner.h"

#include <QString>
#include <memory>
#include <optional>

namespace quarry {

/// One open connection: the client, the query runner over it, and its settings. Shared by
/// the workers that use it, so it outlives any call in flight.
struct Session {
    QString label;      ///< "Local sandbox", or the connection's name
    QString url;        ///< the API endpoint
    std::string project;
    std::shared_ptr<BigQueryClient> client;
    std::shared_ptr<QueryRunner> runner;
    std::optional<std::int64_t> byteCap; ///< maximumBytesBilled for every query, if set
    std::string location;               ///< where jobs run when the query does not say

    /// A session on a sandbox (no credentials, project "sandbox").
    static std::shared_ptr<Session> sandbox(const QString& url);
};

/// "1.5 KB", "12.0 MB": binary units as BigQuery's console writes them.
QString formatBytes(std::uint64_t bytes);

} // namespace quarry
