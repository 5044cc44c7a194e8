// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Store.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quarry::sandbox {

/// `dataset.INFORMATION_SCHEMA.view` or `project.dataset.INFORMATION_SCHEMA.view` in a FROM
/// path: the dataset's project (empty: the caller's default) and dataset, and the view name
/// in upper case. nullopt when the path is not one.
struct InformationSchemaRef {
    std::string project, dataset, view;
};
std::optional<InformationSchemaRef> informationSchemaRef(const std::vector<std::string>& path);

/// A snapshot of a dataset's INFORMATION_SCHEMA view as a table, built when the query is bound:
/// TABLES (one row per table, with its CREATE TABLE ddl), COLUMNS (one row per top-level
/// column) or COLUMN_FIELD_PATHS (one row per field at any depth, "a.b.c"). Throws ApiFailure
/// notFound for a missing dataset or an unknown view.
std::shared_ptr<Table> informationSchema(const Store& store, const std::string& project, const std::string& dataset,
                                         const std::string& view);

} // namespace quarry::sandbox
