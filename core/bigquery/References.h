// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace quarry {

struct TableRef {
    std::string projectId, datasetId, tableId;

    /// Accepts "dataset.table", "project.dataset.table", "project:dataset.table" and backquoted
    /// forms; fills the project from `defaultProject`. Throws std::invalid_argument with a hint.
    static TableRef parse(std::string_view spec, std::string_view defaultProject);
    /// "project:dataset.table", as BigQuery's messages write it.
    std::string display() const { return projectId + ":" + datasetId + "." + tableId; }
};

struct JobRef {
    std::string projectId, jobId, location;
};

inline TableRef TableRef::parse(std::string_view spec, std::string_view defaultProject) {
    std::string s(spec);
    if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
    TableRef t;
    const auto lastDot = s.rfind('.');
    if (lastDot == std::string::npos || lastDot == 0 || lastDot + 1 == s.size())
        throw std::invalid_argument("'" + std::string(spec) +
                                    "' is not a table: write DATASET.TABLE or PROJECT.DATASET.TABLE");
    t.tableId = s.substr(lastDot + 1);
    std::string head = s.substr(0, lastDot);
    const auto sep = head.find_last_of(".:");
    if (sep == std::string::npos) {
        t.datasetId = head;
        t.projectId = std::string(defaultProject);
    } else {
        t.datasetId = head.substr(sep + 1);
        t.projectId = head.substr(0, sep);
    }
    if (t.projectId.empty())
        throw std::invalid_argument("no project for '" + std::string(spec) + "': give --project or PROJECT.DATASET.TABLE");
    if (t.datasetId.empty()) throw std::invalid_argument("'" + std::string(spec) + "' has an empty dataset name");
    return t;
}

} // namespace quarry
