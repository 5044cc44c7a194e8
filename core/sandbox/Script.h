// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Statements.h"
#include "sandbox/sql/Script.h"

#include <functional>

namespace quarry::sandbox {

/// One statement of a script as it ran, for the child job the job manager makes of it.
struct ScriptEvent {
    const sql::ScriptStep* step = nullptr;
    std::string statementType;     ///< SELECT, INSERT, ..., ASSERT
    std::int64_t startMs = 0, endMs = 0;
    const StatementResult* result = nullptr; ///< null when it failed
    std::string error;             ///< why it failed
};

struct ScriptHooks {
    /// Before a statement runs (not in a dry run): a fresh parse of it, to estimate its bytes.
    std::function<void(sql::Statement)> beforeStatement;
    /// After each statement (and ASSERT), whether it succeeded or failed.
    std::function<void(const ScriptEvent&)> afterStatement;
    /// Turns any one loop may take before the script fails (0: no limit, as in BigQuery, where
    /// only cancelling stops a loop without end). For fuzzing.
    std::size_t maxLoopTurns = 0;
};

/// Runs a script's steps in order with BigQuery's semantics: variables declared at the start
/// of a block live until its END; an error ends the script unless a BEGIN ... EXCEPTION WHEN
/// ERROR handler around it takes it (with @@error.message, @@error.statement_text and
/// @@error.formatted_stack_trace set). A dry run checks every branch once and changes nothing.
class ScriptRunner {
public:
    ScriptRunner(StatementRunner& runner, const sql::Script& script, bool dryRun, ScriptHooks hooks = {});

    /// The result of the last statement that ran. Throws what ended the script.
    StatementResult run();

private:
    enum class Flow { Next, Break, Continue, Return };
    struct Jump {
        Flow flow = Flow::Next;
        std::string label;
    };

    /// `keep`: the variables declared stay after the list (a session's top level).
    Jump steps(const std::vector<sql::ScriptStep>& list, bool keep = false);
    Jump step(const sql::ScriptStep& st, std::vector<std::string>& declared);
    Jump loop(const sql::ScriptStep& st);
    Jump forLoop(const sql::ScriptStep& st);
    Jump block(const sql::ScriptStep& st);
    void statement(const sql::ScriptStep& st);
    /// Runs `work` as a statement of the script, reporting it (afterStatement) whether it
    /// gives a result or throws; rethrows.
    void reported(const sql::ScriptStep& st, std::string statementType, const std::function<const StatementResult&()>& work);
    void declare(const sql::ScriptStep& st, std::vector<std::string>& declared);
    void set(const sql::ScriptStep& st);
    void assertion(const sql::ScriptStep& st);
    void abortSession(const sql::ScriptStep& st);
    void executeImmediate(const sql::ScriptStep& st);
    [[noreturn]] void raise(const sql::ScriptStep& st);
    /// A condition: TRUE, or not (FALSE and NULL).
    bool condition(std::size_t exprStart, const char* what);
    std::pair<Value, sql::SqlType> evaluate(std::size_t exprStart);
    /// `[]`: an array literal with no elements and no type, which fits any array variable.
    bool untypedEmptyArray(std::size_t exprStart) const;
    /// Whether a BREAK / CONTINUE that reached a loop ends this loop's turn (true), and so
    /// where it goes on; `out` is set for one that leaves the loop for further out.
    bool handled(const Jump& j, const sql::ScriptStep& loop, bool& stop, Jump& out) const;
    void checkCancelled() const;
    void countTurn(std::size_t& turns, const sql::ScriptStep& st) const;

    StatementRunner& runner_;
    const sql::Script& script_;
    bool dryRun_;
    ScriptHooks hooks_;
    StatementResult last_;
    std::vector<std::string> errors_; ///< the errors the handlers being run took (RAISE alone re-raises the last)
    const sql::ScriptStep* current_ = nullptr; ///< the step running (@@error.statement_text)
};

} // namespace quarry::sandbox
