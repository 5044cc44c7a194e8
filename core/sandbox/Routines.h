// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Store.h"
#include "sandbox/sql/Engine.h"
#include "sandbox/sql/Udf.h"

namespace quarry::sandbox {

/// Checks that a SQL function's body is valid where it is created: it parses and, when every
/// parameter has a type, binds with a typed NULL for each (a templated body is bound at each
/// call, with the call's types). Throws SqlError.
void checkFunctionBody(const sql::QueryContext& ctx, const sql::UdfDef& def);

/// The same for a routines.insert/update body, bound in its dataset; ApiFailure invalid.
void checkRoutineBody(Store& store, const std::string& project, const std::string& dataset, const Json& body);

} // namespace quarry::sandbox
