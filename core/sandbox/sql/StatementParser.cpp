// SPDX-License-Identifier: MIT
// Scripts: queries, DML (INSERT, UPDATE, DELETE, TRUNCATE TABLE, MERGE) and DDL (CREATE/DROP
// TABLE and SCHEMA), separated by semicolons. Expressions and queries are the query parser's.
#include "sandbox/sql/StatementParserCore.h"

#include <cctype>

namespace quarry::sandbox::sql {

using detail::StatementParser;

std::vector<Statement> parseScript(std::string_view sql) {
    auto tokens = lex(sql);
    rejectUnsupported(tokens);
    return StatementParser(std::move(tokens), sql).script();
}

const char* statementType(const Statement& s) {
    switch (s.kind) {
    case Statement::Kind::Query: return "SELECT";
    case Statement::Kind::Insert: return "INSERT";
    case Statement::Kind::Update: return "UPDATE";
    case Statement::Kind::Delete: return "DELETE";
    case Statement::Kind::Truncate: return "TRUNCATE_TABLE";
    case Statement::Kind::Merge: return "MERGE";
    case Statement::Kind::CreateTable:
        return s.snapshot ? "CREATE_SNAPSHOT_TABLE" : s.query ? "CREATE_TABLE_AS_SELECT" : "CREATE_TABLE";
    case Statement::Kind::DropTable: return s.snapshot ? "DROP_SNAPSHOT_TABLE" : "DROP_TABLE";
    case Statement::Kind::CreateSchema: return "CREATE_SCHEMA";
    case Statement::Kind::DropSchema: return "DROP_SCHEMA";
    case Statement::Kind::SetSystemVariable: return "SCRIPT";
    case Statement::Kind::CreateView: return "CREATE_VIEW";
    case Statement::Kind::DropView: return "DROP_VIEW";
    case Statement::Kind::CreateFunction: return "CREATE_FUNCTION";
    case Statement::Kind::DropFunction: return "DROP_FUNCTION";
    }
    return "SELECT";
}

} // namespace quarry::sandbox::sql
