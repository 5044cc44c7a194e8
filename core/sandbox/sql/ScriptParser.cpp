// SPDX-License-Identifier: MIT
// Scripts with variables and control flow, on top of the statement parser.
#include "sandbox/sql/Script.h"
#include "sandbox/sql/StatementParserCore.h"

#include <initializer_list>

namespace quarry::sandbox::sql {
namespace {

using detail::describe;
using SK = ScriptStep::Kind;

class ScriptParser : public detail::StatementParser {
public:
    ScriptParser(std::vector<Token> toks, std::string_view sql) : StatementParser(std::move(toks), sql) {}

    std::vector<ScriptStep> program() {
        auto out = steps(true);
        if (peek().kind != Tok::End) fail("Unexpected " + describe(peek()));
        return out;
    }

    Statement statementHere() { return statement(); }
    ExprPtr expressionHere() { return expr(); }
    bool control = false;

private:
    /// The loops (true) and blocks around the step being read, by label ("" for none).
    std::vector<std::pair<std::string, bool>> enclosing_;

    std::vector<ScriptStep> body(const ScriptStep& st, bool isLoop) {
        enclosing_.emplace_back(st.label, isLoop);
        auto out = steps(false);
        enclosing_.pop_back();
        return out;
    }

    void checkJump(const ScriptStep& st, const char* word) {
        for (auto it = enclosing_.rbegin(); it != enclosing_.rend(); ++it) {
            if (st.label.empty() && it->second) return;
            if (!st.label.empty() && text::iequals(st.label, it->first)) {
                if (st.kind == ScriptStep::Kind::Continue && !it->second)
                    throw SqlError(std::string(word) + " " + st.label + " names a block; it must name a loop", st.pos);
                return;
            }
        }
        if (st.label.empty()) throw SqlError(std::string(word) + " is allowed only inside a loop", st.pos);
        throw SqlError(std::string(word) + " " + st.label + ": no loop or block around it has that label", st.pos);
    }

    /// Keywords that end a block's list of statements.
    bool atBlockEnd() const {
        for (const char* k : {"END", "ELSE", "ELSEIF", "UNTIL", "EXCEPTION"})
            if (peek().kw(k)) return true;
        return false;
    }

    std::vector<ScriptStep> steps(bool top) {
        std::vector<ScriptStep> out;
        bool declaring = true;
        while (true) {
            while (acceptOp(";")) {
            }
            if (peek().kind == Tok::End || (!top && atBlockEnd())) break;
            ScriptStep st = step(declaring);
            declaring = declaring && st.kind == SK::Declare;
            out.push_back(std::move(st));
            if (acceptOp(";")) continue;
            if (peek().kind == Tok::End && top) break;
            fail(top ? "Expected end of input but got " + describe(peek()) : "Expected \";\" but got " + describe(peek()));
        }
        return out;
    }

    std::size_t expressionStart() {
        const std::size_t at = tokenIndex();
        (void)expr();
        return at;
    }

    /// END LOOP [label], END WHILE [label], ...
    void endOf(const char* word, const ScriptStep& st) {
        expectKw("END");
        expectKw(word);
        endLabel(st);
    }

    void endLabel(const ScriptStep& st) {
        if (st.label.empty() || !aliasAhead()) return;
        const Token& t = next();
        if (!text::iequals(t.text, st.label)) throw SqlError("The label at the end, " + t.text + ", is not the block's label " + st.label, t.pos);
    }

    ScriptStep step(bool declaring) {
        DepthGuard nesting(*this); // blocks inside blocks: as deep as expressions may go
        ScriptStep st;
        st.pos = peek().pos;
        const std::size_t startOffset = peek().offset;
        const bool labelled = (peek().kind == Tok::Ident || peek().kind == Tok::QuotedIdent) && peek(1).is(":");
        if (labelled) {
            st.label = next().text;
            next();
            if (!(peek().kw("LOOP") || peek().kw("WHILE") || peek().kw("REPEAT") || peek().kw("FOR") || peek().kw("BEGIN")))
                fail("A label belongs before LOOP, WHILE, REPEAT, FOR or BEGIN, not " + describe(peek()));
        }
        if (acceptKw("DECLARE")) {
            if (!declaring)
                throw SqlError("Variable declarations are allowed only at the start of a block or script", st.pos);
            st.kind = SK::Declare;
            do st.names.push_back(identifier("variable name"));
            while (acceptOp(","));
            if (!peek().kw("DEFAULT") && !peek().is(";") && peek().kind != Tok::End) st.type = typeName();
            if (acceptKw("DEFAULT")) st.exprs.push_back(expressionStart());
            if (!st.type && st.exprs.empty()) fail("DECLARE needs a type or a DEFAULT value, got " + describe(peek()));
        } else if (peek().kw("SET") && peek(1).kind != Tok::SystemVariable) {
            next();
            st.kind = SK::Set;
            if (acceptOp("(")) {
                do st.names.push_back(identifier("variable name"));
                while (acceptOp(","));
                expectOp(")");
            } else {
                st.names.push_back(identifier("variable name"));
            }
            expectOp("=");
            st.exprs.push_back(expressionStart());
        } else if (acceptKw("IF")) {
            st.kind = SK::If;
            do {
                st.exprs.push_back(expressionStart());
                expectKw("THEN");
                st.bodies.push_back(steps(false));
            } while (acceptKw("ELSEIF"));
            if (acceptKw("ELSE")) {
                st.hasElse = true;
                st.bodies.push_back(steps(false));
            }
            expectKw("END");
            expectKw("IF");
        } else if (acceptKw("LOOP")) {
            st.kind = SK::Loop;
            st.bodies.push_back(body(st, true));
            endOf("LOOP", st);
        } else if (acceptKw("WHILE")) {
            st.kind = SK::While;
            st.exprs.push_back(expressionStart());
            expectKw("DO");
            st.bodies.push_back(body(st, true));
            endOf("WHILE", st);
        } else if (acceptKw("REPEAT")) {
            st.kind = SK::Repeat;
            st.bodies.push_back(body(st, true));
            expectKw("UNTIL");
            st.exprs.push_back(expressionStart());
            endOf("REPEAT", st);
        } else if (acceptKw("FOR")) {
            st.kind = SK::For;
            st.names.push_back(identifier("loop variable name"));
            expectKw("IN");
            expectOp("(");
            if (!queryAhead()) fail("Expected a query but got " + describe(peek()));
            st.exprs.push_back(tokenIndex());
            (void)withSelect();
            expectOp(")");
            expectKw("DO");
            st.bodies.push_back(body(st, true));
            endOf("FOR", st);
        } else if (peek().kw("BREAK") || peek().kw("LEAVE") || peek().kw("CONTINUE") || peek().kw("ITERATE")) {
            st.kind = peek().kw("BREAK") || peek().kw("LEAVE") ? SK::Break : SK::Continue;
            const std::string word = text::upper(next().text);
            if (aliasAhead()) st.label = next().text;
            checkJump(st, word.c_str());
        } else if (peek().kw("BEGIN")) {
            if (peek(1).kw("TRANSACTION") || peek(1).is(";") || peek(1).kind == Tok::End)
                unsupported("BEGIN TRANSACTION (multi-statement transactions)", peek().pos);
            next();
            st.kind = SK::Block;
            st.bodies.push_back(body(st, false));
            if (acceptKw("EXCEPTION")) {
                expectKw("WHEN");
                expectKw("ERROR");
                expectKw("THEN");
                st.hasHandler = true;
                st.bodies.push_back(steps(false));
            }
            expectKw("END");
            endLabel(st);
        } else if (acceptKw("RAISE")) {
            st.kind = SK::Raise;
            if (acceptKw("USING")) {
                expectKw("MESSAGE");
                expectOp("=");
                st.exprs.push_back(expressionStart());
            }
        } else if (acceptKw("RETURN")) {
            st.kind = SK::Return;
        } else if (acceptKw("ASSERT")) {
            st.kind = SK::Assert;
            st.exprs.push_back(expressionStart());
            if (acceptKw("AS")) st.exprs.push_back(expressionStart());
        } else if (peek().kw("COMMIT") || peek().kw("ROLLBACK")) {
            unsupported("BEGIN TRANSACTION (multi-statement transactions)", peek().pos);
        } else if (peek().kw("EXECUTE") && peek(1).kw("IMMEDIATE")) {
            next();
            next();
            st.kind = SK::ExecuteImmediate;
            st.exprs.push_back(expressionStart());
            if (acceptKw("INTO")) {
                do st.names.push_back(identifier("variable name"));
                while (acceptOp(","));
            }
            if (acceptKw("USING")) {
                do {
                    st.exprs.push_back(expressionStart());
                    st.aliases.push_back(acceptKw("AS") ? identifier("parameter name") : std::string());
                } while (acceptOp(","));
                const bool named = !st.aliases.front().empty();
                for (const auto& a : st.aliases)
                    if (a.empty() == named) throw SqlError("EXECUTE IMMEDIATE ... USING takes all values named (AS name) or none", st.pos);
            }
        } else if (peek().kw("CALL") && peek(1).kw("BQ") && peek(2).is(".") && peek(3).kw("ABORT_SESSION")) {
            next(); // CALL BQ.ABORT_SESSION([session id]): ends the session the job runs in
            next();
            next();
            next();
            st.kind = SK::AbortSession;
            expectOp("(");
            if (!peek().is(")")) st.exprs.push_back(expressionStart());
            expectOp(")");
        } else if (peek().kw("CALL")) {
            unsupported("Procedures (CALL)", peek().pos);
        } else {
            st.kind = SK::Statement;
            st.begin = tokenIndex();
            (void)statement();
        }
        if (st.kind != SK::Statement) control = true;
        st.endPos = previous().pos;
        st.text = std::string(sql_.substr(startOffset, peek().offset - startOffset));
        while (!st.text.empty() && std::isspace(static_cast<unsigned char>(st.text.back()))) st.text.pop_back();
        return st;
    }
};

} // namespace

Script parseProgram(std::string_view sql) {
    Script s;
    s.text = std::string(sql);
    s.tokens = lex(s.text);
    rejectUnsupported(s.tokens);
    ScriptParser p(s.tokens, s.text);
    s.steps = p.program();
    if (s.steps.empty()) throw SqlError("Syntax error: Expected a statement but got end of input", Pos{});
    s.control = p.control;
    return s;
}

Statement statementAt(const Script& script, std::size_t begin) {
    ScriptParser p(script.tokens, script.text);
    p.seek(begin);
    return p.statementHere();
}

ExprPtr expressionAt(const Script& script, std::size_t begin) {
    ScriptParser p(script.tokens, script.text);
    p.seek(begin);
    return p.expressionHere();
}

} // namespace quarry::sandbox::sql
