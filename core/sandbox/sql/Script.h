// SPDX-License-Identifier: MIT
// GoogleSQL scripts: statements with variables and control flow (DECLARE, SET, IF, LOOP,
// WHILE, REPEAT, FOR, BREAK/CONTINUE, BEGIN ... EXCEPTION ... END, RAISE, RETURN, ASSERT).
// The parser checks the whole script once; a step keeps where its statement or expressions
// start in the tokens, and the runner parses them again each time it runs them (a loop runs
// a statement many times, and running binds it).
#pragma once

#include "sandbox/sql/Lexer.h"
#include "sandbox/sql/Statement.h"

#include <optional>
#include <string>
#include <vector>

namespace quarry::sandbox::sql {

struct ScriptStep {
    enum class Kind { Statement, Declare, Set, If, Loop, While, Repeat, For, Break, Continue, Block, Raise, Return, Assert,
                      AbortSession, ExecuteImmediate };
    Kind kind = Kind::Statement;
    Pos pos, endPos;            ///< where the step starts and ends (the child job's stack frame)
    std::size_t begin = 0;      ///< Statement: its first token
    std::string text;           ///< the step as written (without its ';')
    std::vector<std::string> names; ///< Declare / Set / EXECUTE IMMEDIATE ... INTO: the variables; For: the loop variable
    std::vector<std::string> aliases; ///< EXECUTE IMMEDIATE ... USING: each value's AS name (empty: positional)
    std::optional<SqlType> type;    ///< Declare: the type given
    /// Tokens where expressions start: Declare [default], Set [value], If [cond per branch],
    /// While / Repeat [cond], For [query], Raise [message], Assert [cond, message],
    /// ExecuteImmediate [sql, USING values...].
    std::vector<std::size_t> exprs;
    /// If: one body per condition, then the ELSE body when hasElse; loops: [body];
    /// Block: [body, handler when hasHandler].
    std::vector<std::vector<ScriptStep>> bodies;
    bool hasElse = false, hasHandler = false;
    std::string label; ///< a loop's or block's label; Break / Continue: the label named
    /// A script of statements only: what the statement parser gives (Statement steps).
    bool isControl() const { return kind != Kind::Statement; }
};

struct Script {
    std::string text;
    std::vector<Token> tokens;
    std::vector<ScriptStep> steps;
    /// Whether any step is more than a statement (variables or control flow).
    bool control = false;
};

/// Parses a script, checking all of it. Throws SqlError at the offending [line:col].
Script parseProgram(std::string_view sql);

/// The statement a Statement step starts at token `begin`, parsed again.
Statement statementAt(const Script& script, std::size_t begin);
/// The expression (or, for a FOR, the parenthesized query as a subquery expression) at `begin`.
ExprPtr expressionAt(const Script& script, std::size_t begin);

} // namespace quarry::sandbox::sql
