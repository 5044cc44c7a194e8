// SPDX-License-Identifier: MIT
#pragma once

#include "Common.h"
#include "Output.h"

#include <string>
#include <vector>

namespace quarry::cli {

/// ls: datasets, or the tables and views of a dataset (times readable in a table).
int cmdLs(const Globals& g, Format f, const std::string& dataset);
/// show: a table's or view's details (a view's query too) and schema as a tree; with
/// `routine`, a routine's arguments, return type and body. JSON prints the schema's fields
/// (a routine's resource).
int cmdShow(const Globals& g, Format f, const std::string& spec, bool routine);
/// head: the first rows of a table (tabledata.list: free).
int cmdHead(const Globals& g, Format f, const std::string& spec, int n, const std::vector<std::string>& fields);

} // namespace quarry::cli
