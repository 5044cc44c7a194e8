// SPDX-License-Identifier: MIT
#pragma once

#include "Common.h"
#include "Output.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace quarry::cli {

/// bq's verbs for datasets, tables and views: mk, rm, cp, update.
struct TableVerbs {
    CLI::App *mk = nullptr, *rm = nullptr, *cp = nullptr, *update = nullptr;
    // mk
    std::string mkTarget, mkSchema, mkView, location, description, partitionField, partitionType, clusteringFields;
    std::int64_t partitionExpiration = 0; ///< seconds
    std::string rangePartitioning; ///< --range_partitioning FIELD,START,END,INTERVAL
    bool mkDataset = false, mkTable = false, legacySql = false;
    std::int64_t expiration = -1, defaultTableExpiration = -1; ///< seconds
    // rm
    std::string rmTarget;
    bool rmDataset = false, rmTable = false, recursive = false, force = false;
    // cp
    std::vector<std::string> cpArgs;
    bool append = false, replace = false;
    bool snapshot = false, clone = false, restore = false; ///< the copy job's operationType
    // update
    std::string updateTarget, updateSchema;
    std::vector<std::string> setLabels, clearLabels;
    bool descriptionGiven = false;
};

void addTableVerbs(CLI::App& app, TableVerbs& v);
/// Runs the verb that was given; -1 when none of them was.
int runTableVerbs(const Globals& g, Format f, const TableVerbs& v);

} // namespace quarry::cli
