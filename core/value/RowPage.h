// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace quarry {

/// Rows of one response page (tabledata.list, jobs.query, jobs.getQueryResults) decoded into
/// Values. Each row is a STRUCT Value whose items follow `schema.fields`.
struct RowPage {
    Schema schema;
    std::vector<Value> rows;
    std::optional<std::int64_t> totalRows;
    std::string pageToken;  ///< empty on the last page
    bool jobComplete = true; ///< false when a long poll ran out before the job finished
    /// Every other top-level member of the response (jobReference, cacheHit, errors, ...).
    nlohmann::json meta = nlohmann::json::object();
    std::size_t bodyBytes = 0; ///< size of the response body the page came from

    /// Bytes this page holds in memory: the row vector plus every value's heap blocks.
    std::size_t memoryBytes() const;
};

} // namespace quarry
