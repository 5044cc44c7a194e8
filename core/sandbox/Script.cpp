// SPDX-License-Identifier: MIT
#include "sandbox/Script.h"

#include "sandbox/sql/MemoryBudget.h"
#include "sandbox/Store.h"
#include "sandbox/sql/Functions.h"
#include "value/Text.h"

#include <cctype>
#include <exception>

namespace quarry::sandbox {

using sql::ScriptStep;
using sql::SqlError;
using sql::SqlType;
using SK = ScriptStep::Kind;

namespace {

/// `v` of type `from` as a value of `to`, as SET and DECLARE ... DEFAULT assign it.
Value assign(const Value& v, const SqlType& from, const SqlType& to, const std::string& name, sql::Pos pos) {
    if (!sql::coercesTo(from, to))
        throw SqlError("Cannot coerce expression of type " + from.name() + " to the type of variable " + name + ": " + to.name(), pos);
    return sql::coerce(v, to);
}

} // namespace

ScriptRunner::ScriptRunner(StatementRunner& runner, const sql::Script& script, bool dryRun, ScriptHooks hooks)
    : runner_(runner), script_(script), dryRun_(dryRun), hooks_(std::move(hooks)) {}

StatementResult ScriptRunner::run() {
    auto& state = runner_.state();
    state.inScript = state.session || script_.control || script_.steps.size() > 1;
    struct Cleanup { // temporary tables last as long as the script (or its session)
        StatementRunner& r;
        ~Cleanup() {
            try {
                if (!r.state().session || r.state().ended) r.dropTemporaryTables();
            } catch (...) { // a disk error: the hidden dataset goes at the next start
            }
        }
    } cleanup{runner_};
    const Jump j = steps(script_.steps, state.session);
    if (j.flow == Flow::Break || j.flow == Flow::Continue) // the parser allows these only inside a loop or block
        throw SqlError("BREAK and CONTINUE belong inside a loop", script_.steps.front().pos);
    return std::move(last_);
}

void ScriptRunner::checkCancelled() const {
    const auto* flag = runner_.scope().cancelled;
    if (flag && flag->load()) throw sql::PreparedQuery::Cancelled{};
}

ScriptRunner::Jump ScriptRunner::steps(const std::vector<ScriptStep>& list, bool keep) {
    std::vector<std::string> declared; // this block's variables, gone at its end (a session's stay)
    auto forget = [&] {
        if (!keep)
            for (const auto& name : declared) runner_.state().variables.erase(name);
    };
    try {
        for (const auto& st : list) {
            checkCancelled();
            const Jump j = step(st, declared);
            if (j.flow != Flow::Next) {
                forget();
                return j;
            }
        }
    } catch (...) {
        forget();
        throw;
    }
    forget();
    return {};
}

ScriptRunner::Jump ScriptRunner::step(const ScriptStep& st, std::vector<std::string>& declared) {
    switch (st.kind) {
    case SK::Statement: statement(st); return {};
    case SK::Declare: declare(st, declared); return {};
    case SK::Set: set(st); return {};
    case SK::If: {
        for (std::size_t i = 0; i < st.exprs.size(); ++i) {
            const bool taken = condition(st.exprs[i], "IF");
            if (dryRun_) { // every branch is checked
                const Jump j = steps(st.bodies[i]);
                if (j.flow == Flow::Return) return j;
                continue;
            }
            if (taken) return steps(st.bodies[i]);
        }
        if (st.hasElse) return steps(st.bodies.back());
        return {};
    }
    case SK::Loop:
    case SK::While:
    case SK::Repeat: return loop(st);
    case SK::For: return forLoop(st);
    case SK::Block: return block(st);
    case SK::Break: return {Flow::Break, st.label};
    case SK::Continue: return {Flow::Continue, st.label};
    case SK::Return: return {Flow::Return, {}};
    case SK::Raise:
        if (!dryRun_) raise(st);
        if (!st.exprs.empty()) (void)evaluate(st.exprs[0]);
        return {};
    case SK::Assert: assertion(st); return {};
    case SK::AbortSession: abortSession(st); return {};
    case SK::ExecuteImmediate: executeImmediate(st); return {};
    }
    return {};
}

bool ScriptRunner::handled(const Jump& j, const ScriptStep& loop, bool& stop, Jump& out) const {
    if (j.flow == Flow::Next) return true;
    if (j.flow == Flow::Return || (!j.label.empty() && !text::iequals(j.label, loop.label))) {
        out = j;
        stop = true;
        return false;
    }
    stop = j.flow == Flow::Break;
    return true;
}

void ScriptRunner::countTurn(std::size_t& turns, const ScriptStep& st) const {
    checkCancelled();
    if (hooks_.maxLoopTurns && ++turns > hooks_.maxLoopTurns)
        throw SqlError("The loop ran more than " + std::to_string(hooks_.maxLoopTurns) + " times", st.pos);
}

ScriptRunner::Jump ScriptRunner::loop(const ScriptStep& st) {
    Jump out;
    std::size_t turns = 0;
    while (true) {
        countTurn(turns, st);
        if (st.kind == SK::While && !condition(st.exprs[0], "WHILE") && !dryRun_) break;
        bool stop = false;
        handled(steps(st.bodies[0]), st, stop, out);
        if (stop || dryRun_) break;
        if (st.kind == SK::Repeat && condition(st.exprs[0], "UNTIL")) break;
    }
    if (dryRun_ && st.kind == SK::Repeat && out.flow == Flow::Next) (void)condition(st.exprs[0], "UNTIL");
    return out;
}

ScriptRunner::Jump ScriptRunner::forLoop(const ScriptStep& st) {
    auto query = sql::statementAt(script_, st.exprs[0]);
    const StatementResult rows = runner_.run(std::move(query), dryRun_);
    const SqlType rowType = SqlType::fromFields(rows.schema.fields);
    const std::string name = text::lower(st.names[0]);
    if (runner_.state().variables.count(name)) throw SqlError("Variable " + st.names[0] + " is already declared", st.pos);
    Jump out;
    struct Forget {
        ScriptRunner& r;
        std::string name;
        ~Forget() { r.runner_.state().variables.erase(name); }
    } forget{*this, name};
    const std::size_t turns = dryRun_ ? 1 : rows.rows.size();
    for (std::size_t i = 0; i < turns; ++i) {
        checkCancelled();
        runner_.state().variables[name] = {rowType, dryRun_ ? Value() : rows.rows[i]};
        bool stop = false;
        handled(steps(st.bodies[0]), st, stop, out);
        if (stop) break;
    }
    return out;
}

ScriptRunner::Jump ScriptRunner::block(const ScriptStep& st) {
    Jump j;
    try {
        j = steps(st.bodies[0]);
    } catch (const sql::QueryMemoryExceeded&) {
        throw;
    } catch (const std::exception& e) {
        if (!st.hasHandler || dryRun_) throw;
        auto& vars = runner_.state().variables;
        const auto str = [](const std::string& s) { return sql::Param{SqlType::scalar(TypeKind::String), Value::string(s)}; };
        // @@error is the handler's: an outer handler's comes back after it, none outside one.
        struct Restore {
            std::map<std::string, sql::Param>& vars;
            std::vector<std::string>& errors;
            std::map<std::string, sql::Param> saved;
            ~Restore() {
                errors.pop_back();
                for (const char* k : {"@@error.message", "@@error.statement_text", "@@error.formatted_stack_trace"}) vars.erase(k);
                for (auto& [k, v] : saved) vars[k] = std::move(v);
            }
        } restore{vars, errors_, {}};
        for (const char* k : {"@@error.message", "@@error.statement_text", "@@error.formatted_stack_trace"})
            if (vars.count(k)) restore.saved[k] = vars[k];
        errors_.push_back(e.what());
        vars["@@error.message"] = str(e.what());
        vars["@@error.statement_text"] = str(current_ ? current_->text : std::string());
        vars["@@error.formatted_stack_trace"] =
            str(current_ ? "At " + std::to_string(current_->pos.line) + ":" + std::to_string(current_->pos.col) : std::string());
        j = steps(st.bodies[1]);
    }
    if (st.hasHandler && dryRun_) j = steps(st.bodies[1]);
    // BREAK label / LEAVE label of this block leaves it.
    if (j.flow == Flow::Break && !j.label.empty() && text::iequals(j.label, st.label)) return {};
    return j;
}

void ScriptRunner::reported(const ScriptStep& st, std::string statementType, const std::function<const StatementResult&()>& work) {
    ScriptEvent ev;
    ev.step = &st;
    ev.statementType = std::move(statementType);
    ev.startMs = Store::nowMs();
    std::exception_ptr failed;
    try {
        ev.result = &work();
    } catch (const std::exception& e) {
        ev.error = e.what();
        failed = std::current_exception();
    }
    ev.endMs = Store::nowMs();
    if (hooks_.afterStatement) hooks_.afterStatement(ev);
    if (failed) std::rethrow_exception(failed);
}

void ScriptRunner::statement(const ScriptStep& st) {
    current_ = &st;
    auto s = sql::statementAt(script_, st.begin);
    const std::string type = sql::statementType(s);
    if (hooks_.beforeStatement && !dryRun_) hooks_.beforeStatement(sql::statementAt(script_, st.begin));
    reported(st, type, [&]() -> const StatementResult& {
        last_ = runner_.run(std::move(s), dryRun_);
        return last_;
    });
}

std::pair<Value, SqlType> ScriptRunner::evaluate(std::size_t exprStart) { return runner_.evaluate(sql::expressionAt(script_, exprStart)); }

bool ScriptRunner::untypedEmptyArray(std::size_t exprStart) const {
    const auto e = sql::expressionAt(script_, exprStart);
    return e->kind == sql::Expr::Kind::ArrayCtor && e->args.empty() && !e->typed;
}

bool ScriptRunner::condition(std::size_t exprStart, const char* what) {
    const auto pos = script_.tokens[exprStart].pos;
    const auto [v, type] = evaluate(exprStart);
    if (!type.unknown && (type.array || type.kind != TypeKind::Bool))
        throw SqlError(std::string(what) + " condition must be BOOL, not " + type.name(), pos);
    return !v.isNull() && v.asBool();
}

void ScriptRunner::declare(const ScriptStep& st, std::vector<std::string>& declared) {
    current_ = &st;
    auto& vars = runner_.state().variables;
    for (const auto& n : st.names)
        if (vars.count(text::lower(n))) throw SqlError("Variable " + n + " is already declared", st.pos);
    SqlType type = st.type.value_or(SqlType::scalar(TypeKind::Int64));
    Value value;
    if (!st.exprs.empty()) {
        auto [v, t] = evaluate(st.exprs[0]);
        if (st.type && untypedEmptyArray(st.exprs[0])) t = *st.type;
        if (!st.type && !t.unknown) type = t;
        value = assign(v, t, type, st.names[0], script_.tokens[st.exprs[0]].pos);
    }
    for (const auto& n : st.names) {
        vars[text::lower(n)] = {type, value};
        declared.push_back(text::lower(n));
    }
}

void ScriptRunner::set(const ScriptStep& st) {
    current_ = &st;
    auto& vars = runner_.state().variables;
    for (const auto& n : st.names)
        if (!vars.count(text::lower(n))) throw SqlError("Undeclared variable: " + n, st.pos);
    const auto pos = script_.tokens[st.exprs[0]].pos;
    auto [v, t] = evaluate(st.exprs[0]);
    if (st.names.size() == 1) {
        auto& var = vars[text::lower(st.names[0])];
        if (untypedEmptyArray(st.exprs[0])) t = var.type;
        var.value = assign(v, t, var.type, st.names[0], pos);
        return;
    }
    if (!t.isStruct() || t.fields.size() != st.names.size())
        throw SqlError("SET of " + std::to_string(st.names.size()) + " variables needs a STRUCT of as many fields, not " + t.name(), pos);
    std::vector<Value> values;
    for (std::size_t i = 0; i < st.names.size(); ++i) {
        auto& var = vars[text::lower(st.names[i])];
        values.push_back(assign(v.isNull() ? Value() : v[i], t.fields[i].second, var.type, st.names[i], pos));
    }
    for (std::size_t i = 0; i < st.names.size(); ++i) vars[text::lower(st.names[i])].value = std::move(values[i]);
}

void ScriptRunner::assertion(const ScriptStep& st) {
    current_ = &st;
    StatementResult none;
    none.statementType = "ASSERT";
    reported(st, "ASSERT", [&]() -> const StatementResult& {
        if (!condition(st.exprs[0], "ASSERT") && !dryRun_) {
            std::string message = "Assertion failed";
            if (st.exprs.size() > 1) {
                const auto [m, t] = evaluate(st.exprs[1]);
                if (!m.isNull()) message = std::string(m.asText());
            }
            throw SqlError(message, st.pos);
        }
        return none;
    });
}

void ScriptRunner::executeImmediate(const ScriptStep& st) {
    current_ = &st;
    const auto at = script_.tokens[st.exprs[0]].pos;
    const auto [text, type] = evaluate(st.exprs[0]);
    if (!type.unknown && (type.array || type.kind != TypeKind::String))
        throw SqlError("EXECUTE IMMEDIATE needs the SQL as a STRING, not " + type.name(), at);
    if (text.isNull()) throw SqlError("EXECUTE IMMEDIATE was given NULL instead of a SQL statement", at);
    std::map<std::string, sql::Param> named;
    std::vector<sql::Param> positional;
    for (std::size_t i = 1; i < st.exprs.size(); ++i) {
        auto [v, t] = evaluate(st.exprs[i]);
        sql::Param p{t.unknown ? SqlType::scalar(TypeKind::Int64) : t, std::move(v)};
        if (st.aliases[i - 1].empty()) positional.push_back(std::move(p));
        else named[text::lower(st.aliases[i - 1])] = std::move(p);
    }
    const sql::Script inner = sql::parseProgram(text.asText());
    if (inner.control || inner.steps.size() != 1)
        throw SqlError("EXECUTE IMMEDIATE runs one SQL statement (a query, DML or DDL), not a script", at);
    auto s = sql::statementAt(inner, inner.steps[0].begin);
    const std::string statementType = sql::statementType(s);
    if (hooks_.beforeStatement && !dryRun_) hooks_.beforeStatement(sql::statementAt(inner, inner.steps[0].begin));
    reported(st, statementType, [&]() -> const StatementResult& {
        last_ = runner_.runWithParameters(std::move(s), dryRun_, std::move(named), std::move(positional));
        return last_;
    });
    if (st.names.empty()) return;
    if (last_.schema.fields.size() != st.names.size())
        throw SqlError("EXECUTE IMMEDIATE ... INTO names " + std::to_string(st.names.size()) + " variables but the query gives " +
                           std::to_string(last_.schema.fields.size()) + " columns",
                       st.pos);
    if (last_.rows.size() > 1) throw SqlError("EXECUTE IMMEDIATE ... INTO: the query returned more than one row", st.pos);
    auto& vars = runner_.state().variables;
    const SqlType rowType = SqlType::fromFields(last_.schema.fields);
    for (std::size_t i = 0; i < st.names.size(); ++i) {
        const auto it = vars.find(text::lower(st.names[i]));
        if (it == vars.end()) throw SqlError("Undeclared variable: " + st.names[i], st.pos);
        const Value v = last_.rows.empty() || dryRun_ ? Value() : last_.rows[0][i];
        it->second.value = assign(v, rowType.fields[i].second, it->second.type, st.names[i], st.pos);
    }
}

void ScriptRunner::abortSession(const ScriptStep& st) {
    auto& state = runner_.state();
    if (!state.session) throw SqlError("BQ.ABORT_SESSION ends a session; this job does not run in one", st.pos);
    if (!st.exprs.empty()) {
        const auto [v, t] = evaluate(st.exprs[0]);
        if (!t.unknown && (t.array || t.kind != TypeKind::String)) throw SqlError("BQ.ABORT_SESSION takes a session id (STRING)", st.pos);
        if (!v.isNull() && v.asText() != runner_.scope().sessionId)
            throw SqlError("BQ.ABORT_SESSION in the sandbox ends the session the job runs in; " + std::string(v.asText()) + " is another", st.pos);
    }
    if (dryRun_) return;
    state.ended = true;
    runner_.dropTemporaryTables();
}

void ScriptRunner::raise(const ScriptStep& st) {
    current_ = &st;
    if (st.exprs.empty()) {
        if (errors_.empty()) throw SqlError("RAISE without USING MESSAGE re-raises an error: it belongs in an exception handler", st.pos);
        throw sql::EvalError(errors_.back());
    }
    const auto pos = script_.tokens[st.exprs[0]].pos;
    const auto [v, t] = evaluate(st.exprs[0]);
    if (!t.unknown && (t.array || t.kind != TypeKind::String)) throw SqlError("RAISE USING MESSAGE needs a STRING, not " + t.name(), pos);
    throw SqlError(v.isNull() ? std::string("NULL") : std::string(v.asText()), st.pos);
}

} // namespace quarry::sandbox
