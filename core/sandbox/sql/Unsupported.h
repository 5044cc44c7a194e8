// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Lexer.h"

#include <vector>

namespace quarry::sandbox::sql {

/// Throws SqlError "... is not supported by the sandbox yet" at the position of the first
/// construct BigQuery has and the sandbox does not run (statements other than queries,
/// window functions, QUALIFY, EXISTS, EXTRACT, INTERVAL, SELECT * EXCEPT/REPLACE,
/// INFORMATION_SCHEMA, PIVOT, TABLESAMPLE, and BigQuery functions it lacks), so users read
/// what is missing instead of a syntax error. docs/SANDBOX.md lists them; a test keeps the
/// list true.
void rejectUnsupported(const std::vector<Token>& tokens);

} // namespace quarry::sandbox::sql
