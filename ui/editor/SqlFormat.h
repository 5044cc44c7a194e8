// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace quarry {

struct FormatResult {
    bool ok = false;
    std::string text;  ///< the formatted SQL when ok
    std::string error; ///< why not, with [line:col], when not ok
};

/// Lays out GoogleSQL (and legacy SQL) for reading: keywords in upper case, each clause
/// (SELECT, FROM, JOIN, WHERE, GROUP BY, HAVING, QUALIFY, WINDOW, ORDER BY, LIMIT, set
/// operators) on its own line, one select item per line, subqueries indented. Only white
/// space and the case of keywords change: tokens, strings, quoted names and comments are kept
/// exactly, so the query means the same. Text it cannot split into tokens (an unterminated
/// string or comment) is refused with the position, never half-formatted.
FormatResult formatSql(std::string_view sql);

/// GoogleSQL's reserved keywords (upper case): the only words formatSql changes the case of,
/// since none of them can be an unquoted name.
bool isReservedKeyword(std::string_view upperWord);

} // namespace quarry
