// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Store.h"
#include "sandbox/sql/SqlError.h"

#include <string>

namespace quarry::sandbox {

/// Logical views: a table whose `type` is VIEW holds no rows, only `view.query` (GoogleSQL),
/// which is bound again each time a query reads the view (so it always sees its tables as
/// they are).

bool isView(const Table& t);
/// The view's query text (empty for a table that is not a view).
std::string viewQuery(const Table& t);

/// A tables.insert body for a view made ready to store: its GoogleSQL query is checked (it
/// must bind against the tables as they are) and its schema filled from the query's result.
/// Legacy SQL views are refused. Throws ApiFailure.
/// `queryAt`: where the view's query starts in a CREATE VIEW statement, so that an error in it
/// is reported at its place in the statement (as BigQuery does), not in the view's text.
Json viewBody(Store& store, const std::string& project, const std::string& dataset, Json body,
              const sql::Pos* queryAt = nullptr);

/// The schema of a view's query, bound in `project` (tables named with their dataset).
Schema viewSchema(Store& store, const std::string& project, const std::string& query, const sql::Pos* queryAt = nullptr);

} // namespace quarry::sandbox
