// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

#include <string_view>

namespace quarry::sandbox::sql {

/// Parses one GoogleSQL query (SELECT ... with FROM/WHERE/GROUP BY/HAVING/ORDER BY/LIMIT).
/// Throws SqlError "Syntax error: ... at [l:c]" naming the offending token.
Select parseQuery(std::string_view sql);

/// Parses one expression (a SQL function's body), with positions within `sql`.
ExprPtr parseExpression(std::string_view sql);

} // namespace quarry::sandbox::sql
