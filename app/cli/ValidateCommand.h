// SPDX-License-Identifier: MIT
#pragma once

#include "Common.h"
#include "Output.h"

#include <string>

namespace quarry::cli {

/// quarry-cli validate DIR: dry-runs every .sql file of a folder in dependency order (ViewGraph)
/// and reports each error at file:line:col and the bytes each would process. Against a Quarry
/// sandbox the views, tables and routines the files define are made there as they pass (so the
/// files reading them can be checked): views and routines replaced, tables made empty if missing.
/// Against BigQuery nothing is made: only dry runs.
struct ValidateArgs {
    std::string dir;
    std::string dataset;   ///< default dataset for names without one
    std::string location;  ///< empty: the server's default
    int parallel = 8;      ///< files checked at once within a wave
    bool noCreate = false; ///< on a sandbox too, only dry runs
};
int cmdValidate(const Globals& g, Format f, const ValidateArgs& a);

} // namespace quarry::cli
