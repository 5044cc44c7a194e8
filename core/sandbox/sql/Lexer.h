// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/SqlError.h"

#include <string>
#include <string_view>
#include <vector>

namespace quarry::sandbox::sql {

enum class Tok { Ident, QuotedIdent, String, Bytes, Int, Float, Param, SystemVariable, Question, Op, End };

struct Token {
    Tok kind = Tok::End;
    std::string text; ///< identifier/op text, or the decoded literal for strings and bytes
    Pos pos;
    std::size_t offset = 0; ///< where it starts in the text, in bytes
    bool is(std::string_view op) const { return kind == Tok::Op && text == op; }
    /// Case-insensitive keyword test (unquoted identifiers only).
    bool kw(std::string_view word) const;
};

/// Splits GoogleSQL text into tokens with positions. Handles '...', "...", triple quotes,
/// r/b prefixes with escapes, `quoted.identifiers`, --, # and /* */ comments, @params and ?.
/// Throws SqlError with the position of the offending character.
std::vector<Token> lex(std::string_view sql);

} // namespace quarry::sandbox::sql
