// SPDX-License-Identifier: MIT
#include "sandbox/sql/Parser.h"

#include "sandbox/sql/ParserCore.h"

namespace quarry::sandbox::sql {

Select parseQuery(std::string_view sql) {
    auto tokens = lex(sql);
    rejectUnsupported(tokens);
    return detail::Parser(std::move(tokens)).query();
}

ExprPtr parseExpression(std::string_view sql) {
    auto tokens = lex(sql);
    rejectUnsupported(tokens);
    return detail::Parser(std::move(tokens)).wholeExpression();
}

} // namespace quarry::sandbox::sql
