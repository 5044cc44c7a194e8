// SPDX-License-Identifier: MIT
// The statement parser behind parseScript and the script parser (internal: include only from
// the parser's own .cpp files). Statements: queries, DML (INSERT, UPDATE, DELETE, TRUNCATE
// TABLE, MERGE) and DDL (CREATE/DROP TABLE, SCHEMA, VIEW, FUNCTION), SET @@system_variable.
#pragma once

#include "sandbox/sql/ParserCore.h"
#include "sandbox/sql/Statement.h"

#include <cctype>

namespace quarry::sandbox::sql::detail {

class StatementParser : public Parser {
public:
    StatementParser(std::vector<Token> toks, std::string_view sql) : Parser(std::move(toks)), sql_(sql) {}

    std::vector<Statement> script() {
        std::vector<Statement> out;
        while (true) {
            while (acceptOp(";")) {
            }
            if (peek().kind == Tok::End) break;
            out.push_back(statement());
            if (peek().kind != Tok::End && !peek().is(";"))
                fail("Expected end of input but got " + describe(peek()));
        }
        if (out.empty()) fail("Expected a statement but got end of input");
        return out;
    }

protected:
    using K = Statement::Kind;
    std::string_view sql_; ///< the script's text (CREATE VIEW keeps its query's)

    Statement statement() {
        Statement s;
        s.pos = peek().pos;
        if (peek().kw("SELECT") || peek().kw("WITH") || peek().is("(")) {
            s.query = std::make_shared<Select>(withSelect());
        } else if (acceptKw("INSERT")) {
            insert(s);
        } else if (acceptKw("UPDATE")) {
            update(s);
        } else if (acceptKw("DELETE")) {
            s.kind = K::Delete;
            acceptKw("FROM");
            target(s, true);
            if (!acceptKw("WHERE")) throw SqlError("DELETE must have a WHERE clause (write WHERE TRUE to delete every row)", peek().pos);
            s.where = expr();
        } else if (acceptKw("TRUNCATE")) {
            s.kind = K::Truncate;
            expectKw("TABLE");
            target(s, false);
        } else if (acceptKw("MERGE")) {
            merge(s);
        } else if (acceptKw("CREATE")) {
            create(s);
        } else if (acceptKw("DROP")) {
            drop(s);
        } else if (peek().kw("SET") && peek(1).kind == Tok::SystemVariable) { // SET @@time_zone = 'x'
            next();
            s.kind = K::SetSystemVariable;
            s.targetPos = peek().pos;
            s.target = {next().text};
            expectOp("=");
            s.value = expr();
        } else {
            fail("Expected a statement (SELECT, WITH, INSERT, UPDATE, DELETE, MERGE, CREATE, DROP) but got " +
                 describe(peek()));
        }
        return s;
    }

    void target(Statement& s, bool alias) {
        s.targetPos = peek().pos;
        s.target = tablePath();
        if (!alias) return;
        if (acceptKw("AS")) s.alias = identifier("alias");
        else if (aliasAhead()) s.alias = next().text;
    }

    bool queryAhead() const { return peek().kw("SELECT") || peek().kw("WITH") || (peek().is("(") && (peek(1).kw("SELECT") || peek(1).kw("WITH"))); }

    std::vector<std::string> columnList() {
        std::vector<std::string> cols;
        expectOp("(");
        do cols.push_back(identifier("column name"));
        while (acceptOp(","));
        expectOp(")");
        return cols;
    }

    /// `(expr | DEFAULT, ...)`: one VALUES row.
    std::vector<ExprPtr> valuesRow() {
        std::vector<ExprPtr> row;
        expectOp("(");
        do {
            if (acceptKw("DEFAULT")) row.emplace_back();
            else row.push_back(expr());
        } while (acceptOp(","));
        expectOp(")");
        return row;
    }

    void insert(Statement& s) {
        s.kind = K::Insert;
        acceptKw("INTO");
        target(s, false);
        if (peek().is("(") && !queryAhead()) s.columns = columnList();
        if (acceptKw("VALUES")) {
            do s.values.push_back(valuesRow());
            while (acceptOp(","));
        } else if (queryAhead()) {
            s.query = std::make_shared<Select>(withSelect());
        } else {
            fail("Expected keyword VALUES or a query but got " + describe(peek()));
        }
    }

    std::vector<SetClause> sets() {
        std::vector<SetClause> out;
        do {
            SetClause c;
            c.pos = peek().pos;
            c.path.push_back(identifier("column name"));
            while (acceptOp(".")) c.path.push_back(identifier("field name"));
            expectOp("=");
            if (!acceptKw("DEFAULT")) c.value = expr();
            out.push_back(std::move(c));
        } while (acceptOp(","));
        return out;
    }

    void update(Statement& s) {
        s.kind = K::Update;
        target(s, true);
        expectKw("SET");
        s.sets = sets();
        if (acceptKw("FROM")) {
            Select holder;
            from(holder);
            s.from = std::move(holder.from);
        }
        if (!acceptKw("WHERE")) throw SqlError("UPDATE must have a WHERE clause (write WHERE TRUE to update every row)", peek().pos);
        s.where = expr();
    }

    void merge(Statement& s) {
        s.kind = K::Merge;
        acceptKw("INTO");
        target(s, true);
        expectKw("USING");
        s.source = fromItem();
        expectKw("ON");
        s.on = expr();
        if (!peek().kw("WHEN")) fail("Expected keyword WHEN but got " + describe(peek()));
        while (peek().kw("WHEN")) s.clauses.push_back(mergeClause());
    }

    MergeClause mergeClause() {
        using W = MergeClause::When;
        using A = MergeClause::Action;
        MergeClause c;
        c.pos = peek().pos;
        expectKw("WHEN");
        if (acceptKw("NOT")) {
            expectKw("MATCHED");
            c.when = W::NotMatchedByTarget;
            if (acceptKw("BY")) {
                if (acceptKw("SOURCE")) c.when = W::NotMatchedBySource;
                else if (!acceptKw("TARGET")) fail("Expected keyword TARGET or SOURCE but got " + describe(peek()));
            }
        } else {
            expectKw("MATCHED");
        }
        if (acceptKw("AND")) c.condition = expr();
        expectKw("THEN");
        const Pos actionPos = peek().pos;
        if (acceptKw("UPDATE")) {
            expectKw("SET");
            c.action = A::Update;
            c.sets = sets();
        } else if (acceptKw("DELETE")) {
            c.action = A::Delete;
        } else if (acceptKw("INSERT")) {
            c.action = A::Insert;
            if (acceptKw("ROW")) {
                c.action = A::InsertRow;
            } else {
                if (peek().is("(")) c.columns = columnList();
                expectKw("VALUES");
                c.values = valuesRow();
            }
        } else {
            fail("Expected keyword UPDATE, DELETE or INSERT but got " + describe(peek()));
        }
        const bool insert = c.action == A::Insert || c.action == A::InsertRow;
        if (insert != (c.when == W::NotMatchedByTarget))
            throw SqlError(insert ? "INSERT is only allowed in WHEN NOT MATCHED [BY TARGET] clauses"
                                  : "UPDATE and DELETE are not allowed in WHEN NOT MATCHED [BY TARGET] clauses",
                           actionPos);
        return c;
    }

    [[noreturn]] void unsupported(const std::string& what, Pos pos) {
        throw SqlError(what + " is not supported by the sandbox yet", pos);
    }

    void create(Statement& s) {
        if (acceptKw("OR")) {
            expectKw("REPLACE");
            s.orReplace = true;
        }
        if ((peek().kw("TEMP") || peek().kw("TEMPORARY")) && peek(1).kw("FUNCTION")) {
            next();
            next();
            createFunction(s, true);
            return;
        }
        if ((peek().kw("TEMP") || peek().kw("TEMPORARY")) && peek(1).kw("TABLE")) {
            next();
            s.temp = true;
        } else if (peek().kw("TEMP") || peek().kw("TEMPORARY")) {
            unsupported("CREATE TEMP " + upper(peek(1).text), peek().pos);
        }
        if (acceptKw("FUNCTION")) {
            createFunction(s, false);
            return;
        }
        if (peek().kw("AGGREGATE") || (peek().kw("TABLE") && peek(1).kw("FUNCTION")) || peek().kw("PROCEDURE"))
            unsupported("CREATE " + upper(peek().text) + (peek().kw("TABLE") ? " FUNCTION" : ""), peek().pos);
        if (acceptKw("SCHEMA")) {
            s.kind = K::CreateSchema;
            if (s.orReplace) unsupported("CREATE OR REPLACE SCHEMA", s.pos);
            ifNotExists(s);
            target(s, false);
            if (peek().kw("OPTIONS")) unsupported("CREATE SCHEMA ... OPTIONS", peek().pos);
            return;
        }
        if (acceptKw("VIEW")) {
            createView(s);
            return;
        }
        if (peek().kw("SNAPSHOT") && peek(1).kw("TABLE")) {
            if (s.orReplace) fail("CREATE OR REPLACE SNAPSHOT TABLE is not valid: drop the snapshot first (DROP SNAPSHOT TABLE)");
            if (s.temp) fail("A snapshot cannot be a temporary table");
            next();
            s.snapshot = true;
        }
        if (!acceptKw("TABLE")) unsupported("CREATE " + upper(peek().text), peek().pos);
        s.kind = K::CreateTable;
        ifNotExists(s);
        if (s.ifNotExists && s.orReplace) throw SqlError("CREATE OR REPLACE and IF NOT EXISTS cannot both be given", s.pos);
        target(s, false);
        if (s.snapshot && !peek().kw("CLONE")) fail("Expected keyword CLONE but got " + describe(peek()));
        if (acceptKw("CLONE")) {
            // CREATE [SNAPSHOT] TABLE t CLONE source [FOR SYSTEM_TIME AS OF time] [OPTIONS (...)]
            s.clone = true;
            s.cloneOf.pos = peek().pos;
            s.cloneOf.tablePath = tablePath();
            systemTime(s.cloneOf);
            if (acceptKw("OPTIONS")) tableOptions(s);
            return;
        }
        if (peek().is("(") && !queryAhead()) {
            next();
            do {
                ColumnDef c;
                c.pos = peek().pos;
                c.name = identifier("column name");
                c.type = typeName();
                if (acceptKw("NOT")) {
                    expectKw("NULL");
                    c.notNull = true;
                }
                if (peek().kw("OPTIONS") || peek().kw("DEFAULT")) unsupported("Column " + upper(peek().text), peek().pos);
                s.schema.push_back(std::move(c));
            } while (acceptOp(","));
            expectOp(")");
        }
        if (peek().kw("DEFAULT")) unsupported("CREATE TABLE ... DEFAULT", peek().pos);
        if (acceptKw("PARTITION")) {
            expectKw("BY");
            partitionBy(s);
        }
        if (acceptKw("CLUSTER")) {
            expectKw("BY");
            const Pos at = peek().pos;
            do s.clusterBy.push_back(identifier("column name"));
            while (acceptOp(","));
            if (s.clusterBy.size() > 4)
                throw SqlError("Too many clustering columns: " + std::to_string(s.clusterBy.size()) +
                                   ", only up to 4 clustering columns are allowed",
                               at);
        }
        if (acceptKw("OPTIONS")) tableOptions(s);
        for (const char* clause : {"PARTITION", "CLUSTER", "OPTIONS", "LIKE", "COPY", "CLONE", "DEFAULT"})
            if (peek().kw(clause)) unsupported(std::string("CREATE TABLE ... ") + clause, peek().pos);
        if (acceptKw("AS")) {
            if (!queryAhead()) fail("Expected a query but got " + describe(peek()));
            s.query = std::make_shared<Select>(withSelect());
        } else if (s.schema.empty()) {
            fail("Expected a column list or AS query but got " + describe(peek()));
        }
    }

    /// PARTITION BY col | DATE(col) | DATE_TRUNC(col, unit) | DATETIME_TRUNC(...) | TIMESTAMP_TRUNC(...)
    /// | RANGE_BUCKET(col, GENERATE_ARRAY(start, end[, interval])).
    void partitionBy(Statement& s) {
        const Pos at = peek().pos;
        const ExprPtr e = expr();
        const auto column = [&](const Expr& c) -> std::string {
            if (c.kind != Expr::Kind::Path || c.path.size() != 1) fail("PARTITION BY expects a column, DATE(column) or a *_TRUNC(column, unit)");
            return c.path[0]; // _PARTITIONDATE / _PARTITIONTIME: ingestion time (checkPartitionBy)
        };
        s.partitionUnit = "DAY";
        if (e->kind == Expr::Kind::Path) {
            s.partitionField = column(*e);
        } else if (e->kind == Expr::Kind::Call && e->op == "DATE" && e->args.size() == 1) {
            s.partitionField = column(*e->args[0]);
            s.partitionFn = e->op;
        } else if (e->kind == Expr::Kind::Call && e->args.size() == 2 &&
                   (e->op == "DATE_TRUNC" || e->op == "DATETIME_TRUNC" || e->op == "TIMESTAMP_TRUNC")) {
            s.partitionField = column(*e->args[0]);
            s.partitionFn = e->op;
            const Expr& unit = *e->args[1];
            s.partitionUnit = unit.kind == Expr::Kind::Path && unit.path.size() == 1 ? upper(unit.path[0])
                              : unit.kind == Expr::Kind::Literal && unit.value.kind() == ValueKind::String ? upper(std::string(unit.value.asText()))
                                                                                                            : std::string();
            if (s.partitionUnit != "DAY" && s.partitionUnit != "HOUR" && s.partitionUnit != "MONTH" && s.partitionUnit != "YEAR")
                throw SqlError("PARTITION BY " + e->op + " takes DAY, HOUR, MONTH or YEAR", unit.pos);
        } else if (e->kind == Expr::Kind::Call && e->op == "RANGE_BUCKET") {
            // RANGE_BUCKET(col, GENERATE_ARRAY(start, end[, interval])), integer literals.
            const Expr* gen = e->args.size() == 2 ? e->args[1].get() : nullptr;
            if (!gen || gen->kind != Expr::Kind::Call || gen->op != "GENERATE_ARRAY" || gen->args.size() < 2 || gen->args.size() > 3)
                throw SqlError("PARTITION BY RANGE_BUCKET takes a column and GENERATE_ARRAY(start, end[, interval])", at);
            std::int64_t bounds[3] = {0, 0, 1};
            for (std::size_t i = 0; i < gen->args.size(); ++i) {
                const Expr& b = *gen->args[i];
                if (b.kind != Expr::Kind::Literal || b.value.kind() != ValueKind::Int64)
                    throw SqlError("GENERATE_ARRAY in PARTITION BY RANGE_BUCKET takes integer literals", b.pos);
                bounds[i] = b.value.asInt64();
            }
            s.partitionField = column(*e->args[0]);
            s.partitionFn = e->op;
            s.rangeStart = bounds[0];
            s.rangeEnd = bounds[1];
            s.rangeInterval = bounds[2];
        } else {
            throw SqlError("PARTITION BY expects a column, DATE(column) or a *_TRUNC(column, unit)", at);
        }
    }

    /// OPTIONS (name = literal, ...) of CREATE TABLE.
    void tableOptions(Statement& s) {
        expectOp("(");
        do {
            const Pos at = peek().pos;
            std::string name = identifier("option name");
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            expectOp("=");
            const ExprPtr v = expr();
            const bool text = name == "description" || name == "friendly_name";
            if (!text && name != "require_partition_filter" && name != "partition_expiration_days")
                unsupported("Table option " + name, at);
            if (v->kind != Expr::Kind::Literal) throw SqlError("The value of option " + name + " must be a literal", v->pos);
            const auto k = v->value.kind();
            const bool fits = text ? (k == ValueKind::String || k == ValueKind::Null)
                              : name == "require_partition_filter" ? (k == ValueKind::Bool || k == ValueKind::Null)
                                                                   : (k == ValueKind::Int64 || k == ValueKind::Float64 || k == ValueKind::Null);
            if (!fits) throw SqlError("The value of option " + name + " has the wrong type", v->pos);
            s.tableOptions.emplace_back(name, v->value);
        } while (acceptOp(","));
        expectOp(")");
    }

    void ifNotExists(Statement& s) {
        if (acceptKw("IF")) {
            expectKw("NOT");
            expectKw("EXISTS");
            s.ifNotExists = true;
        }
    }

    /// CREATE [OR REPLACE] VIEW [IF NOT EXISTS] d.v AS query, after VIEW: the query is kept
    /// as written (a view is its text, bound each time it is read).
    void createView(Statement& s) {
        s.kind = K::CreateView;
        ifNotExists(s);
        if (s.ifNotExists && s.orReplace) throw SqlError("CREATE OR REPLACE and IF NOT EXISTS cannot both be given", s.pos);
        target(s, false);
        if (peek().is("(") || peek().kw("OPTIONS")) unsupported("CREATE VIEW with a column list or OPTIONS", peek().pos);
        expectKw("AS");
        if (!queryAhead()) fail("Expected a query but got " + describe(peek()));
        const std::size_t start = peek().offset;
        s.viewSqlPos = peek().pos;
        s.query = std::make_shared<Select>(withSelect());
        s.viewSql = std::string(sql_.substr(start, peek().offset - start));
        while (!s.viewSql.empty() && std::isspace(static_cast<unsigned char>(s.viewSql.back()))) s.viewSql.pop_back();
    }

    /// CREATE [OR REPLACE] [TEMP] FUNCTION [IF NOT EXISTS] name (param type | ANY TYPE, ...)
    /// [RETURNS type] AS (expression) [OPTIONS (description = '...')], after FUNCTION.
    void createFunction(Statement& s, bool temp) {
        s.kind = K::CreateFunction;
        s.temp = temp;
        ifNotExists(s);
        if (s.ifNotExists && s.orReplace) throw SqlError("CREATE OR REPLACE and IF NOT EXISTS cannot both be given", s.pos);
        target(s, false);
        if (temp && s.target.size() != 1) throw SqlError("A temporary function's name must not be qualified: write just " + s.target.back(), s.targetPos);
        auto def = std::make_shared<UdfDef>();
        for (const auto& part : s.target) def->name += (def->name.empty() ? "" : ".") + part;
        expectOp("(");
        if (!peek().is(")")) {
            do {
                UdfArg a;
                const Pos namePos = peek().pos;
                a.name = identifier("parameter name");
                for (const auto& other : def->args)
                    if (text::iequals(other.name, a.name)) throw SqlError("Duplicate parameter name " + a.name, namePos);
                if (peek().kw("ANY") && peek(1).kw("TYPE")) {
                    next();
                    next();
                } else {
                    a.type = typeName();
                }
                def->args.push_back(std::move(a));
            } while (acceptOp(","));
        }
        expectOp(")");
        if (acceptKw("RETURNS")) def->returns = typeName();
        if (peek().kw("LANGUAGE")) unsupported("JavaScript functions (LANGUAGE js)", peek().pos);
        if (peek().kw("REMOTE")) unsupported("Remote functions", peek().pos);
        expectKw("AS");
        expectOp("(");
        const std::size_t start = peek().offset;
        (void)expr();
        def->body = std::string(sql_.substr(start, peek().offset - start));
        while (!def->body.empty() && std::isspace(static_cast<unsigned char>(def->body.back()))) def->body.pop_back();
        expectOp(")");
        if (acceptKw("OPTIONS")) {
            expectOp("(");
            do {
                const std::string option = identifier("option name");
                expectOp("=");
                const Token& v = peek();
                if (text::iequals(option, "description") && v.kind == Tok::String) def->description = v.text;
                else if (!text::iequals(option, "description")) unsupported("Function option " + option, v.pos);
                else fail("Expected a string literal but got " + describe(v));
                next();
            } while (acceptOp(","));
            expectOp(")");
        }
        s.function = std::move(def);
    }

    void drop(Statement& s) {
        if (acceptKw("FUNCTION")) {
            s.kind = K::DropFunction;
            if (acceptKw("IF")) {
                expectKw("EXISTS");
                s.ifExists = true;
            }
            target(s, false);
            return;
        }
        if (peek().kw("SNAPSHOT") && peek(1).kw("TABLE")) {
            next();
            s.snapshot = true;
        }
        if (s.snapshot) {
            expectKw("TABLE");
            s.kind = K::DropTable;
        } else if (acceptKw("SCHEMA")) s.kind = K::DropSchema;
        else if (acceptKw("VIEW")) s.kind = K::DropView;
        else if (acceptKw("TABLE")) s.kind = K::DropTable;
        else unsupported("DROP " + upper(peek().text), peek().pos);
        if (acceptKw("IF")) {
            expectKw("EXISTS");
            s.ifExists = true;
        }
        target(s, false);
        if (s.kind == K::DropSchema) {
            if (acceptKw("CASCADE")) s.cascade = true;
            else acceptKw("RESTRICT");
        }
    }
};

} // namespace quarry::sandbox::sql::detail
