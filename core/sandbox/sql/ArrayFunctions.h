// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/FunctionCatalog.h"

#include <optional>
#include <vector>

namespace quarry::sandbox::sql {

/// ARRAY_IS_DISTINCT, ARRAY_FIRST, ARRAY_LAST, and the types of ARRAY_MIN and ARRAY_MAX.
/// nullopt: not one of these.
std::optional<SqlType> bindArrayFunction(const Expr& call, const std::vector<SqlType>& args);
std::optional<Value> callArrayFunction(const Expr& call, std::vector<Value>& args);
/// ARRAY_MIN and ARRAY_MAX (NULL-propagating, through the catalog).
Value arrayMinMax(const Expr& call, const Args& args);

} // namespace quarry::sandbox::sql
