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
/// A column of a view's schema.
inline Field viewColumn(const char* name, TypeKind type) {
    Field f;
    f.name = name;
    f.type = type;
    return f;
}

std::optional<InformationSchemaRef> informationSchemaRef(const std::vector<std::string>& path);

/// A snapshot of a dataset's INFORMATION_SCHEMA view as a table, built when the query is bound:
/// TABLES (one row per table, with its CREATE TABLE ddl), COLUMNS (one row per top-level
/// column) or COLUMN_FIELD_PATHS (one row per field at any depth, "a.b.c"). Throws ApiFailure
/// notFound for a missing dataset or an unknown view.
std::shared_ptr<Table> informationSchema(const Store& store, const std::string& project, const std::string& dataset,
                                         const std::string& view);

/// `region-us.INFORMATION_SCHEMA.JOBS`, `JOBS_BY_USER`, `JOBS_BY_PROJECT`: the job history of
/// the region (every job the sandbox still keeps, a script's child jobs too; the sandbox has
/// one user, so the three hold the same rows). `jobs` are job resources as jobs.get gives them.
bool isJobsView(const std::string& dataset, const std::string& view);
std::shared_ptr<Table> jobsView(const std::string& project, const std::string& region, const std::string& view,
                                const std::vector<Json>& jobs);

} // namespace quarry::sandbox
