// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace quarry {

/// What a piece of SQL text is, as far as laying it out or finding names needs: no grammar.
enum class SqlTokenKind { Word, Quoted, String, Number, Param, Op, Open, Close, Comma, Semicolon, LineComment, BlockComment };

struct SqlToken {
    SqlTokenKind kind;
    std::string text;       ///< exactly as written (quotes and prefixes included)
    std::size_t offset = 0; ///< where it starts in the text, in bytes
};

/// GoogleSQL (and legacy SQL) text split into tokens: '...', "...", triple quotes, r/b
/// prefixes, `quoted names`, legacy [project:dataset.table], --, # and /* */ comments,
/// @params and ?. Text it cannot split (an unterminated string, comment or quoted name) stops
/// the split: `error` says what, with " at [line:col]", and `errorOffset` where.
struct SqlTokens {
    std::vector<SqlToken> tokens;
    std::string error;
    std::size_t errorOffset = 0;
    bool ok() const { return error.empty(); }
};
SqlTokens tokenizeSql(std::string_view sql);

/// 1-based line and column (in characters, as BigQuery counts them) of a byte offset.
struct SqlPosition {
    int line = 1;
    int col = 1;
};
SqlPosition sqlPosition(std::string_view sql, std::size_t offset);

} // namespace quarry
