// SPDX-License-Identifier: MIT
#pragma once

#include "Common.h"
#include "Output.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace quarry::cli {

struct LoadArgs {
    std::string file, table, schema, sourceFormat, inputFormat = "auto";
    bool autodetect = false, replace = false, writeEmpty = false, createNever = false;
    bool ignoreUnknown = false, allowJagged = false, allowQuotedNewlines = false;
    std::int64_t skipLeadingRows = -1, maxBadRecords = -1;
    std::string delimiter, quote, encoding, nullMarker;
    bool quoteGiven = false;
    std::vector<std::string> schemaUpdate;
    std::string partitionField, partitionType, clusteringFields;
    int chunkMb = 8;
    bool again = false, restart = false, noProgress = false;
};

/// Adds `load` and its options (bq's spellings too: --skip_leading_rows, --max_bad_records, ...).
CLI::App* addLoadCommand(CLI::App& app, LoadArgs& a);

/// quarry-cli load FILE DATASET.TABLE [SCHEMA]: a free load job through the resumable upload
/// protocol (core/upload/Loader.h). Running the same command again continues an upload that
/// was cut off. Exit codes: 0 loaded, 1 failed (bad rows listed with their lines), 2 usage,
/// 130 interrupted (the upload can continue).
int cmdLoad(const Globals& g, Format f, const LoadArgs& a);

} // namespace quarry::cli
