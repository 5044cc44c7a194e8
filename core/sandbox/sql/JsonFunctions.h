// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

#include <optional>
#include <vector>

namespace quarry::sandbox::sql {

/// JSON functions over STRING or JSON input with JSONPath ($, .key, ."key", [n], ['key']):
/// JSON_VALUE, JSON_QUERY, JSON_EXTRACT, JSON_EXTRACT_SCALAR, JSON_QUERY_ARRAY,
/// JSON_EXTRACT_ARRAY, JSON_VALUE_ARRAY, JSON_EXTRACT_STRING_ARRAY, and TO_JSON_STRING,
/// TO_JSON, PARSE_JSON. nullopt: not one of these.
std::optional<SqlType> bindJsonFunction(const Expr& call, const std::vector<SqlType>& args);
std::optional<Value> callJsonFunction(const Expr& call, std::vector<Value>& args);

} // namespace quarry::sandbox::sql
