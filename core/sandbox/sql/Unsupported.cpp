// SPDX-License-Identifier: MIT
#include "sandbox/sql/Unsupported.h"

#include "value/Text.h"

#include <algorithm>
#include <iterator>
#include <cctype>
#include <string>

namespace quarry::sandbox::sql {
namespace {

using text::upper;

// Statements the sandbox does not run (queries, DML, DDL of tables, schemas, views and
// functions, and scripts it does; the script parser refuses the rest inside blocks).
constexpr std::string_view kStatements[] = {"ALTER", "EXPORT", "LOAD", "GRANT", "REVOKE", "UNDROP"};

// BigQuery functions the sandbox does not have yet (functions it has are in Functions.cpp).
constexpr std::string_view kMissingFunctions[] = {
    "FORMAT",
    "NET.HOST", "NORMALIZE",
    "REGEXP_INSTR"};

[[noreturn]] void fail(const std::string& what, Pos pos) { throw SqlError(what + " is not supported by the sandbox yet", pos); }

} // namespace

void rejectUnsupported(const std::vector<Token>& t) {
    if (t.empty()) return;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].kind != Tok::Ident || (i > 0 && !t[i - 1].is(";"))) continue;
        const std::string first = upper(t[i].text);
        if (std::find(std::begin(kStatements), std::end(kStatements), first) != std::end(kStatements))
            throw SqlError(first + " statements are not supported by the sandbox yet: it runs queries (SELECT, WITH), DML (INSERT, "
                                   "UPDATE, DELETE, MERGE, TRUNCATE TABLE), CREATE/DROP of tables, schemas, views and functions, "
                                   "and scripts",
                           t[i].pos);
    }
    for (std::size_t i = 0; i < t.size(); ++i) {
        const Token& k = t[i];
        const bool afterDot = i > 0 && t[i - 1].is(".");
        if (k.kind == Tok::Ident && !afterDot) {
            const std::string u = upper(k.text);
            if (u == "TABLESAMPLE") fail("TABLESAMPLE", k.pos);
        }
    }
    // Then functions.
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        const Token& k = t[i];
        if (k.kind != Tok::Ident || !t[i + 1].is("(") || (i > 0 && t[i - 1].is("."))) continue;
        const std::string u = upper(k.text);
        if (std::find(std::begin(kMissingFunctions), std::end(kMissingFunctions), u) != std::end(kMissingFunctions))
            fail("The function " + u, k.pos);
    }
}

} // namespace quarry::sandbox::sql
