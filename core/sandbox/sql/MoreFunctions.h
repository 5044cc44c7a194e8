// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/FunctionCatalog.h"

#include <optional>
#include <vector>

namespace quarry::sandbox::sql {

/// Regular expressions (RE2, the engine BigQuery uses), string and array functions:
/// REGEXP_CONTAINS, REGEXP_EXTRACT, REGEXP_EXTRACT_ALL, REGEXP_REPLACE, SPLIT, ARRAY_TO_STRING,
/// ARRAY_CONCAT, ARRAY_REVERSE, GENERATE_ARRAY, SAFE_DIVIDE, DIV, LPAD, RPAD, REPEAT, LEFT,
/// RIGHT, INITCAP. nullopt: not one of these (Functions.cpp goes on).
std::optional<SqlType> bindMoreFunction(const Expr& call, const std::vector<SqlType>& args);
std::optional<Value> callMoreFunction(const Expr& call, std::vector<Value>& args);
/// REGEXP_* with a constant pattern: compiles it once, when the call is bound (a pattern
/// that does not compile is left to fail on the first row, as it did).
void compileConstantPattern(Expr& call);
/// REGEXP_CONTAINS (NULL-propagating, through the catalog).
Value regexpContains(const Expr& call, const Args& args);
/// Its batch form (FunctionDef::batch): a pattern with no operator searched as text.
bool regexpContainsBatch(const Expr& call, const Value* const* const* args, std::span<const std::uint32_t> rows, Value* out);

} // namespace quarry::sandbox::sql
