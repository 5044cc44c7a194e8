// SPDX-License-Identifier: MIT
// UPDATE, DELETE and MERGE. Each reads a numbered snapshot of its target through one query
// (the statement's own expressions as columns, the row number first), works out the new rows
// in memory, and commits them with Store::replaceRows, which fails rather than lose a write
// made to the table in the meantime.
#include "sandbox/StatementHelpers.h"

#include <set>

namespace quarry::sandbox {

using namespace dml;
using sql::SqlError;
using sql::SqlType;

namespace {

/// One `path = value` of a SET, resolved against the target's schema.
struct SetTarget {
    std::vector<std::size_t> index; ///< column, then field indices below it
    SqlType type;
    std::string name; ///< as written, for errors
    int column = -1;  ///< the query column holding the value; -1 for DEFAULT (NULL)
    Literal literal = Literal::None;
    sql::Pos pos;
};

bool isTrue(const Value& v) { return v.kind() == ValueKind::Bool && v.asBool(); }

std::string joined(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& p : path) out += (out.empty() ? "" : ".") + p;
    return out;
}

/// Resolves the SET clauses and adds their values to `q` as columns.
std::vector<SetTarget> resolveSets(std::vector<sql::SetClause>& sets, const std::vector<Field>& fields,
                                   const std::string& alias, sql::Select& q) {
    std::vector<SetTarget> out;
    for (auto& c : sets) {
        auto path = c.path;
        if (path.size() > 1 && text::iequals(path[0], alias) && columnIndex(fields, path[0]) < 0) path.erase(path.begin());
        SetTarget t;
        t.name = joined(path);
        t.pos = c.pos;
        const std::vector<Field>* level = &fields;
        for (std::size_t k = 0; k < path.size(); ++k) {
            const int i = columnIndex(*level, path[k]);
            if (i < 0)
                throw SqlError(k == 0 ? "Unrecognized name: " + path[k]
                                      : "Field name " + path[k] + " does not exist in " + joined({path.begin(), path.begin() + static_cast<long>(k)}),
                               c.pos);
            const Field& f = (*level)[static_cast<std::size_t>(i)];
            t.index.push_back(static_cast<std::size_t>(i));
            if (k + 1 < path.size()) {
                if (!f.isRecord() || f.isRepeated())
                    throw SqlError("Cannot set field " + path[k + 1] + " of " + f.name + ", which has type " +
                                       SqlType::fromField(f).name(),
                                   c.pos);
                level = &f.fields;
            } else {
                t.type = SqlType::fromField(f);
            }
        }
        for (const auto& other : out) {
            const std::size_t n = std::min(other.index.size(), t.index.size());
            if (std::equal(t.index.begin(), t.index.begin() + static_cast<long>(n), other.index.begin()))
                throw SqlError("Update item " + t.name + " overlaps with " + other.name, c.pos);
        }
        if (c.value) {
            t.literal = literalKind(*c.value);
            t.column = static_cast<int>(q.items.size());
            q.items.push_back(item(std::move(c.value), "v" + std::to_string(q.items.size())));
        }
        out.push_back(std::move(t));
    }
    return out;
}

void checkSets(const std::vector<SetTarget>& sets, const sql::PreparedQuery& q) {
    for (const auto& t : sets) {
        if (t.column < 0) continue;
        const auto& from = q.columnTypes()[static_cast<std::size_t>(t.column)];
        if (!assignable(from, t.type, t.literal))
            throw SqlError("Value of type " + from.name() + " cannot be assigned to " + t.name + ", which has type " + t.type.name(),
                           t.pos);
    }
}

void applySets(const std::vector<SetTarget>& sets, Value& row, const Value& result) {
    for (const auto& t : sets) {
        Value* cur = &row[t.index[0]];
        for (std::size_t k = 1; k < t.index.size(); ++k) {
            if (cur->isNull()) throw sql::EvalError("Cannot set field " + t.name + ": its STRUCT is NULL in this row");
            cur = &(*cur)[t.index[k]];
        }
        *cur = t.column < 0 ? Value() : fit(result[static_cast<std::size_t>(t.column)], t.type);
    }
}

void checkCondition(const sql::PreparedQuery& q, int column, sql::Pos pos) {
    const auto& t = q.columnTypes()[static_cast<std::size_t>(column)];
    if (!t.unknown && (t.array || t.kind != TypeKind::Bool))
        throw SqlError("The condition must be of type BOOL, not " + t.name(), pos);
}

/// In WHEN NOT MATCHED clauses only one side's row exists, and BigQuery reads unqualified
/// names from it: `INSERT (product) VALUES (product)` takes the source's product even when the
/// target has one too. Qualifies such names with that side's alias (not inside subqueries,
/// which have their own scope).
void qualifyWith(sql::Expr* e, const std::string& alias, const std::string& other) {
    if (!e) return;
    if (e->kind == sql::Expr::Kind::Path && !text::iequals(e->path[0], alias) && !text::iequals(e->path[0], other))
        e->path.insert(e->path.begin(), alias);
    if (e->kind == sql::Expr::Kind::Subquery) return;
    for (auto& a : e->args) qualifyWith(a.get(), alias, other);
}

/// The alias a DML statement's target answers to: the one written, or the table's name.
std::string targetAlias(const sql::Statement& s) { return s.alias.empty() ? s.target.back() : s.alias; }

/// `SELECT alias.kRowColumn FROM target AS alias`: what UPDATE and DELETE build on.
sql::Select targetQuery(const sql::Statement& s) {
    const auto alias = targetAlias(s);
    sql::Select q;
    q.pos = s.pos;
    q.from.push_back(tableItem(s.target, alias, s.targetPos));
    q.items.push_back(item(pathExpr({alias, kRowColumn}, s.pos), "row"));
    return q;
}

[[noreturn]] void matchedTwice() {
    throw sql::EvalError("UPDATE/MERGE must match at most one source row for each target row");
}

} // namespace

StatementResult StatementRunner::update(sql::Statement& s, bool dryRun) {
    StatementResult r;
    const auto ref = tableRef(s.target, s.targetPos);
    auto snap = snapshot(ref);
    sql::Select q = targetQuery(s);
    for (auto& f : s.from) q.from.push_back(std::move(f));
    const auto sets = resolveSets(s.sets, snap.stored->schema.fields, targetAlias(s), q);
    q.where = std::move(s.where);
    auto prepared = sql::PreparedQuery::prepare(std::move(q), contextWith(ref, snap.view));
    checkSets(sets, *prepared);
    auto result = runQuery(*prepared, dryRun, r);
    if (!result) return r;
    auto rows = snap.rows();
    std::vector<bool> touched(rows.size());
    for (const auto& row : result->rows) {
        const auto i = static_cast<std::size_t>(row[0].asInt64());
        if (touched[i]) matchedTwice();
        touched[i] = true;
        applySets(sets, rows[i], row);
        checkRequired(rows[i], snap.stored->schema.fields);
        ++r.updated;
    }
    if (r.updated) store_.replaceRows(*snap.stored, snap.version, std::move(rows));
    return r;
}

StatementResult StatementRunner::remove(sql::Statement& s, bool dryRun) {
    StatementResult r;
    const auto ref = tableRef(s.target, s.targetPos);
    auto snap = snapshot(ref);
    sql::Select q = targetQuery(s);
    q.where = std::move(s.where);
    auto prepared = sql::PreparedQuery::prepare(std::move(q), contextWith(ref, snap.view));
    auto result = runQuery(*prepared, dryRun, r);
    if (!result) return r;
    std::vector<bool> gone(snap.view->rows.size());
    for (const auto& row : result->rows) gone[static_cast<std::size_t>(row[0].asInt64())] = true;
    auto rows = snap.rows();
    std::vector<Value> kept;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (gone[i]) ++r.deleted;
        else kept.push_back(std::move(rows[i]));
    }
    if (r.deleted) store_.replaceRows(*snap.stored, snap.version, std::move(kept));
    return r;
}

namespace {

/// One WHEN clause with the query columns it reads.
struct Clause {
    sql::MergeClause::When when;
    sql::MergeClause::Action action;
    int condition = -1;
    std::vector<SetTarget> sets;
    std::vector<int> insertColumns;  ///< target columns an INSERT fills
    std::vector<int> insertValues;   ///< query columns with their values (-1: DEFAULT)
    std::vector<sql::Pos> valuePos;
    std::vector<Literal> literals;
    sql::Pos pos;
};

} // namespace

StatementResult StatementRunner::merge(sql::Statement& s, bool dryRun) {
    using W = sql::MergeClause::When;
    using A = sql::MergeClause::Action;
    StatementResult r;
    const auto ref = tableRef(s.target, s.targetPos);
    auto snap = snapshot(ref);
    // The partition filter a requirePartitionFilter table asks for is read from WHERE, which a
    // MERGE has none of (BigQuery takes it from ON): not asked for here rather than refuse a
    // MERGE whose ON has one.
    if (snap.view->partitioning) snap.view->partitioning->requireFilter = false;
    const auto& fields = snap.stored->schema.fields;
    const std::string alias = targetAlias(s);
    std::string sourceAlias = s.source.alias;
    if (sourceAlias.empty())
        sourceAlias = !s.source.subquery && !s.source.unnest && !s.source.tablePath.empty() ? s.source.tablePath.back() : "_quarry_source";
    if (text::iequals(sourceAlias, alias))
        throw SqlError("MERGE source and target have the same alias " + alias + ": give one an alias with AS", s.source.pos);
    // The source first, so that its FROM path cannot be read as a field of the target's alias.
    sql::Select q;
    q.pos = s.pos;
    s.source.alias = sourceAlias;
    q.from.push_back(std::move(s.source));
    q.from.push_back(tableItem(s.target, alias, s.targetPos));
    q.from.back().join = sql::FromItem::Join::Full;
    q.from.back().on = std::move(s.on);
    q.items.push_back(item(pathExpr({alias, kRowColumn}, s.pos), "row"));
    q.items.push_back(item(pathExpr({sourceAlias}, s.pos), "source"));
    std::vector<Clause> clauses;
    std::vector<sql::Pos> conditionPos;
    for (auto& c : s.clauses) {
        if (c.when != sql::MergeClause::When::Matched) {
            const bool bySource = c.when == sql::MergeClause::When::NotMatchedBySource;
            const auto& side = bySource ? alias : sourceAlias;
            const auto& other = bySource ? sourceAlias : alias;
            qualifyWith(c.condition.get(), side, other);
            for (auto& v : c.values) qualifyWith(v.get(), side, other);
            for (auto& set : c.sets) qualifyWith(set.value.get(), side, other);
        }
        Clause k;
        k.when = c.when;
        k.action = c.action;
        k.pos = c.pos;
        if (c.condition) {
            k.condition = static_cast<int>(q.items.size());
            conditionPos.push_back(c.condition->pos);
            q.items.push_back(item(std::move(c.condition), "when" + std::to_string(q.items.size())));
        }
        if (c.action == A::Update) k.sets = resolveSets(c.sets, fields, alias, q);
        if (c.action == A::Insert) {
            std::vector<std::string> names = c.columns;
            if (names.empty())
                for (const auto& f : fields) names.push_back(f.name);
            if (names.size() != c.values.size())
                throw SqlError("Inserted row has wrong column count; Has " + std::to_string(c.values.size()) + ", expected " +
                                   std::to_string(names.size()),
                               c.pos);
            for (std::size_t i = 0; i < names.size(); ++i) {
                const int col = columnIndex(fields, names[i]);
                if (col < 0) throw SqlError("Column " + names[i] + " is not present in table " + ref.dataset + "." + ref.table, c.pos);
                if (std::find(k.insertColumns.begin(), k.insertColumns.end(), col) != k.insertColumns.end())
                    throw SqlError("INSERT has columns with duplicate name: " + names[i], c.pos);
                k.insertColumns.push_back(col);
                k.valuePos.push_back(c.values[i] ? c.values[i]->pos : c.pos);
                k.literals.push_back(c.values[i] ? literalKind(*c.values[i]) : Literal::None);
                if (!c.values[i]) {
                    k.insertValues.push_back(-1);
                    continue;
                }
                k.insertValues.push_back(static_cast<int>(q.items.size()));
                q.items.push_back(item(std::move(c.values[i]), "ins" + std::to_string(q.items.size())));
            }
        }
        clauses.push_back(std::move(k));
    }
    auto prepared = sql::PreparedQuery::prepare(std::move(q), contextWith(ref, snap.view));
    const auto& types = prepared->columnTypes();
    std::size_t nextCondition = 0;
    for (const auto& k : clauses) {
        if (k.condition >= 0) checkCondition(*prepared, k.condition, conditionPos[nextCondition++]);
        checkSets(k.sets, *prepared);
        for (std::size_t i = 0; i < k.insertValues.size(); ++i) {
            if (k.insertValues[i] < 0) continue;
            const auto& from = types[static_cast<std::size_t>(k.insertValues[i])];
            const auto& to = fields[static_cast<std::size_t>(k.insertColumns[i])];
            if (!assignable(from, SqlType::fromField(to), k.literals[i]))
                throw SqlError("Value has type " + from.name() + " which cannot be inserted into column " + to.name +
                                   ", which has type " + SqlType::fromField(to).name(),
                               k.valuePos[i]);
        }
        if (k.action == A::InsertRow) {
            const auto& src = types[1];
            if (src.fields.size() != fields.size())
                throw SqlError("INSERT ROW needs the source to have as many columns as the target: " +
                                   std::to_string(src.fields.size()) + " and " + std::to_string(fields.size()),
                               k.pos);
            for (std::size_t i = 0; i < fields.size(); ++i)
                if (!sql::coercesTo(src.fields[i].second, SqlType::fromField(fields[i])))
                    throw SqlError("Value has type " + src.fields[i].second.name() + " which cannot be inserted into column " +
                                       fields[i].name + ", which has type " + SqlType::fromField(fields[i]).name(),
                                   k.pos);
        }
    }
    auto result = runQuery(*prepared, dryRun, r);
    if (!result) return r;
    auto rows = snap.rows();
    std::vector<bool> touched(rows.size()), gone(rows.size());
    std::vector<Value> inserted;
    for (const auto& row : result->rows) {
        const bool hasTarget = !row[0].isNull(), hasSource = !row[1].isNull();
        const W when = hasTarget && hasSource ? W::Matched : hasSource ? W::NotMatchedByTarget : W::NotMatchedBySource;
        for (const auto& k : clauses) {
            if (k.when != when || (k.condition >= 0 && !isTrue(row[static_cast<std::size_t>(k.condition)]))) continue;
            if (k.action == A::Insert || k.action == A::InsertRow) {
                Value out = Value::structOf(fields.size());
                for (std::size_t i = 0; i < fields.size(); ++i) {
                    const auto type = SqlType::fromField(fields[i]);
                    if (k.action == A::InsertRow) out[i] = fit(row[1][i], type);
                }
                for (std::size_t i = 0; i < k.insertColumns.size(); ++i)
                    if (k.insertValues[i] >= 0)
                        out[static_cast<std::size_t>(k.insertColumns[i])] =
                            fit(row[static_cast<std::size_t>(k.insertValues[i])], SqlType::fromField(fields[static_cast<std::size_t>(k.insertColumns[i])]));
                checkRequired(out, fields);
                inserted.push_back(std::move(out));
                ++r.inserted;
                break;
            }
            const auto i = static_cast<std::size_t>(row[0].asInt64());
            if (touched[i]) matchedTwice();
            touched[i] = true;
            if (k.action == A::Delete) {
                gone[i] = true;
                ++r.deleted;
            } else {
                applySets(k.sets, rows[i], row);
                checkRequired(rows[i], fields);
                ++r.updated;
            }
            break;
        }
    }
    if (!r.inserted && !r.updated && !r.deleted) return r;
    std::vector<Value> out;
    out.reserve(rows.size() + inserted.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (!gone[i]) out.push_back(std::move(rows[i]));
    for (auto& v : inserted) out.push_back(std::move(v));
    store_.replaceRows(*snap.stored, snap.version, std::move(out));
    return r;
}

} // namespace quarry::sandbox
