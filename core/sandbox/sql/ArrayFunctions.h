// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

#include <optional>
#include <vector>

namespace quarry::sandbox::sql {

/// ARRAY_IS_DISTINCT, ARRAY_FIRST and ARRAY_LAST. nullopt: not one of these.
std::optional<SqlType> bindArrayFunction(const Expr& call, const std::vector<SqlType>& args);
std::optional<Value> callArrayFunction(const Expr& call, std::vector<Value>& args);

} // namespace quarry::sandbox::sql
