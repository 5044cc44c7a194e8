// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace quarry {

/// What the completer knows of the connection; answers may be partial (not loaded yet).
struct Catalog {
    std::function<std::vector<std::string>()> datasets;
    std::function<std::vector<std::string>(const std::string& dataset)> tables;
    /// The schema of "dataset.table", or nullopt when it is not known (yet).
    std::function<std::optional<Schema>(const std::string& dataset, const std::string& table)> schema;
};

struct CompletionItem {
    std::string text;   ///< what to insert
    std::string detail; ///< "STRING", "RECORD REPEATED", "table", "alias of UNNEST(children)"
};

struct Completions {
    std::size_t replaceFrom = 0; ///< byte offset where the typed prefix starts
    std::string prefix;
    std::vector<CompletionItem> items;
    /// Tables the query names whose schemas the catalog did not have: load them, then ask again.
    std::vector<std::pair<std::string, std::string>> missing;
};

/// Completes identifiers at a cursor in GoogleSQL text: after `x.` the fields of what `x` is
/// (a table alias, an UNNEST alias, a RECORD column, a dataset), nested paths at any depth
/// (`c.address.`), aliases introduced by FROM and UNNEST, columns of the tables in the query,
/// datasets, tables and keywords otherwise. A heuristic scan, not the parser: it must work on
/// the half-written queries people complete.
Completions complete(const std::string& sql, std::size_t cursor, const Catalog& catalog);

} // namespace quarry
