// SPDX-License-Identifier: MIT
#include "sandbox/sql/SetOperation.h"

#include "sandbox/sql/Functions.h"
#include "sandbox/sql/SqlError.h"
#include "sandbox/sql/plan/KeyHash.h"
#include "sandbox/sql/CollationRules.h"
#include "sandbox/sql/ValueOps.h"

#include <unordered_set>

#include <algorithm>
#include <cctype>

namespace quarry::sandbox::sql {

namespace {

using Match = Select::SetColumns::Match;
using Mode = Select::SetColumns::Mode;

std::string lowered(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// The column of `b` named `name` (any case), or -1. Anonymous columns have no name to
/// match; a name the branch repeats cannot be matched either.
int find(const SetBranchShape& b, const std::string& name) {
    const std::string want = lowered(name);
    int found = -1;
    for (std::size_t i = 0; i < b.names.size(); ++i) {
        if (b.anonymous[i] || lowered(b.names[i]) != want) continue;
        if (found >= 0)
            throw SqlError("Column " + name + " appears more than once in a query of a set operation that matches columns by name", b.pos);
        found = static_cast<int>(i);
    }
    return found;
}

/// The names a branch offers to match by name.
std::vector<std::string> named(const SetBranchShape& b) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < b.names.size(); ++i)
        if (!b.anonymous[i]) out.push_back(b.names[i]);
    return out;
}

std::string modifier(const Select::SetColumns& c) {
    if (c.match == Match::StrictName) return "STRICT CORRESPONDING";
    return c.mode == Mode::Full ? "FULL CORRESPONDING" : c.mode == Mode::Left ? "LEFT CORRESPONDING" : "CORRESPONDING";
}

/// The result's column names when columns pair by name.
std::vector<std::string> namesByName(const std::vector<SetBranchShape>& branches, const Select::SetColumns& c) {
    const std::string what = modifier(c);
    const auto& first = branches[0];
    const std::vector<std::string> firstNames = named(first);
    const auto missing = [&](const std::string& name, std::size_t b) {
        throw SqlError("Column " + name + " is not in query " + std::to_string(b + 1) + " of a set operation with " + what,
                       branches[b].pos);
    };
    if (c.hasList) {
        for (std::size_t i = 0; i < c.list.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (lowered(c.list[i]) == lowered(c.list[j]))
                    throw SqlError("Duplicate column " + c.list[i] + " in the column list of " + what, branches[0].pos);
        for (const auto& name : c.list) {
            bool anywhere = false;
            for (std::size_t b = 0; b < branches.size(); ++b) {
                const bool here = find(branches[b], name) >= 0;
                anywhere = anywhere || here;
                const bool required = c.match == Match::StrictName || c.mode == Mode::Inner || (c.mode == Mode::Left && b == 0);
                if (!here && required) missing(name, b);
            }
            if (!anywhere) missing(name, 0);
        }
        if (c.match == Match::StrictName)
            for (std::size_t b = 0; b < branches.size(); ++b)
                for (const auto& n : named(branches[b]))
                    if (std::none_of(c.list.begin(), c.list.end(), [&](const std::string& l) { return lowered(l) == lowered(n); }))
                        throw SqlError("Column " + n + " of query " + std::to_string(b + 1) + " is not in the column list of " + what,
                                       branches[b].pos);
        return c.list;
    }
    std::vector<std::string> out;
    if (c.match == Match::StrictName) {
        for (std::size_t b = 1; b < branches.size(); ++b) {
            for (const auto& n : firstNames)
                if (find(branches[b], n) < 0) missing(n, b);
            for (const auto& n : named(branches[b]))
                if (find(first, n) < 0) missing(n, 0);
        }
        for (const auto& n : firstNames) find(first, n); // a repeated name is an error
        return firstNames;
    }
    if (c.mode == Mode::Full) {
        for (const auto& br : branches)
            for (const auto& n : named(br))
                if (std::none_of(out.begin(), out.end(), [&](const std::string& o) { return lowered(o) == lowered(n); }))
                    out.push_back(n);
        return out;
    }
    for (std::size_t b = 1; b < branches.size(); ++b) { // INNER and LEFT: each query shares a column with the first
        const bool shares = std::any_of(firstNames.begin(), firstNames.end(), [&](const std::string& n) { return find(branches[b], n) >= 0; });
        if (!shares)
            throw SqlError("Query " + std::to_string(b + 1) + " has no column in common with query 1 in a set operation with " + what,
                           branches[b].pos);
    }
    for (const auto& n : firstNames) {
        bool everywhere = find(first, n) >= 0;
        for (std::size_t b = 1; b < branches.size() && everywhere; ++b) everywhere = find(branches[b], n) >= 0;
        if (everywhere || c.mode == Mode::Left) out.push_back(n);
    }
    if (out.empty()) throw SqlError("The queries of a set operation with " + what + " have no column in common", first.pos);
    return out;
}

/// Whether a literal of type `from` becomes the other branches' type `to` as a literal
/// coerces: FLOAT64 literals to NUMERIC and BIGNUMERIC when the value fits, STRING literals
/// to the date and time types when they parse.
bool literalCoerces(const Value& v, const SqlType& from, const SqlType& to) {
    if (to.unknown || from.array || to.array || from == to) return false;
    const bool floatToDecimal = from.kind == TypeKind::Float64 && (to.kind == TypeKind::Numeric || to.kind == TypeKind::BigNumeric);
    const bool stringToTime = from.kind == TypeKind::String && (to.kind == TypeKind::Date || to.kind == TypeKind::DateTime ||
                                                                to.kind == TypeKind::Time || to.kind == TypeKind::Timestamp);
    if (!floatToDecimal && !stringToTime) return false;
    try {
        return !castValue(v, to, true).isNull();
    } catch (const SqlError&) {
        return false;
    }
}

} // namespace

SetPlan planSetOperation(const std::vector<SetBranchShape>& branches, const std::vector<std::string>& ops,
                         const Select::SetColumns& columns, Pos pos) {
    const std::string& op = ops.front();
    SetPlan plan;
    plan.pick.resize(branches.size());
    if (columns.match == Match::Position) {
        const auto& first = branches[0];
        for (std::size_t b = 1; b < branches.size(); ++b)
            if (branches[b].names.size() != first.names.size())
                throw SqlError("Queries in " + op + " have mismatched column count; query 1 has " + std::to_string(first.names.size()) +
                                   " columns, query " + std::to_string(b + 1) + " has " + std::to_string(branches[b].names.size()) +
                                   " columns",
                               branches[b].pos);
        plan.names = first.names;
        for (auto& p : plan.pick)
            for (std::size_t c = 0; c < first.names.size(); ++c) p.push_back(static_cast<int>(c));
    } else {
        plan.names = namesByName(branches, columns);
        for (std::size_t b = 0; b < branches.size(); ++b)
            for (const auto& n : plan.names) plan.pick[b].push_back(find(branches[b], n));
        for (std::size_t c = 0; c < plan.names.size(); ++c) // spelled as the first query that has it spells it
            for (std::size_t b = 0; b < branches.size(); ++b)
                if (const int i = plan.pick[b][c]; i >= 0) {
                    plan.names[c] = branches[b].names[static_cast<std::size_t>(i)];
                    break;
                }
    }
    plan.convert.resize(branches.size());
    for (std::size_t c = 0; c < plan.names.size(); ++c) {
        // The supertype of the columns that are not literals, then the literals: each keeps
        // that type if it coerces to it as a literal, else joins the supertype as its own type.
        SqlType t = SqlType::null();
        std::vector<std::size_t> literals;
        for (int pass = 0; pass < 2; ++pass)
            for (std::size_t b = 0; b < branches.size(); ++b) {
                const int i = plan.pick[b][c];
                if (i < 0) continue;
                const auto at = static_cast<std::size_t>(i);
                const Value* lit = branches[b].literal[at];
                if ((lit != nullptr) != (pass == 1)) continue;
                const SqlType& bt = branches[b].types[at];
                if (lit && literalCoerces(*lit, bt, t)) {
                    literals.push_back(b);
                    continue;
                }
                try {
                    t = commonType({t, bt}, pos, op.c_str());
                } catch (const SqlError&) {
                    throw SqlError("Column " + std::to_string(c + 1) + " in " + op + " has incompatible types: " + t.name() +
                                       ", " + bt.name(),
                                   branches[b].pos);
                }
            }
        if (t.array && op != "UNION ALL")
            throw SqlError("Column " + std::to_string(c + 1) + " of type " + t.name() + " cannot be used in " + op, pos);
        plan.types.push_back(t);
        for (std::size_t b = 0; b < branches.size(); ++b) {
            const int i = plan.pick[b][c];
            using C = SetPlan::Convert;
            C how = C::None;
            if (std::find(literals.begin(), literals.end(), b) != literals.end()) how = C::Cast;
            else if (i >= 0 && !(branches[b].types[static_cast<std::size_t>(i)] == t)) how = C::Widen;
            plan.convert[b].push_back(how);
        }
    }
    return plan;
}

void shapeSetRows(std::vector<Value>& rows, const SetPlan& plan, std::size_t branch) {
    const auto& pick = plan.pick[branch];
    bool identity = true;
    for (std::size_t c = 0; c < pick.size() && identity; ++c) identity = pick[c] == static_cast<int>(c);
    for (auto& row : rows) {
        if (!identity || row.size() != pick.size()) {
            Value shaped = Value::structOf(pick.size());
            for (std::size_t c = 0; c < pick.size(); ++c)
                if (pick[c] >= 0) shaped[c] = std::move(row[static_cast<std::size_t>(pick[c])]);
            row = std::move(shaped);
        }
        for (std::size_t c = 0; c < pick.size(); ++c) {
            const auto how = plan.convert[branch][c];
            if (how == SetPlan::Convert::Widen) row[c] = coerce(row[c], plan.types[c]);
            else if (how == SetPlan::Convert::Cast) row[c] = castValue(row[c], plan.types[c], false);
        }
    }
}

namespace {

/// The rows as GROUP BY keys under their columns' collations (some column has one).
class CollatedRows {
public:
    explicit CollatedRows(std::vector<const Collation*> colls) : colls_(std::move(colls)) {}
    bool insert(const Value& row) { return keys_.insert(key(row)).second; }
    bool contains(const Value& row) const { return keys_.count(key(row)) != 0; }

private:
    std::string key(const Value& row) const {
        std::string k;
        for (std::size_t c = 0; c < row.size(); ++c) appendKey(k, row[c], c < colls_.size() ? colls_[c] : nullptr);
        return k;
    }
    std::vector<const Collation*> colls_;
    std::unordered_set<std::string> keys_;
};

template <class Set> void combineWith(std::vector<Value>& acc, std::vector<Value> next, const std::string& op, Set seen, Set other) {
    const auto distinct = [&](std::vector<Value>& rows) { std::erase_if(rows, [&](const Value& r) { return !seen.insert(r); }); };
    if (op == "UNION ALL" || op == "UNION DISTINCT") {
        acc.reserve(acc.size() + next.size());
        for (auto& r : next) acc.push_back(std::move(r));
        if (op == "UNION DISTINCT") distinct(acc);
        return;
    }
    for (const auto& r : next) other.insert(r);
    distinct(acc);
    const bool keepFound = op == "INTERSECT DISTINCT";
    std::erase_if(acc, [&](const Value& r) { return other.contains(r) != keepFound; });
}

} // namespace

void combineSetRows(std::vector<Value>& acc, std::vector<Value> next, const std::string& op, const std::vector<SqlType>& types) {
    std::vector<const Collation*> colls;
    for (const auto& t : types) colls.push_back(collationOfType(t));
    if (std::any_of(colls.begin(), colls.end(), [](const Collation* c) { return c != nullptr; }))
        return combineWith(acc, std::move(next), op, CollatedRows(colls), CollatedRows(colls));
    combineWith(acc, std::move(next), op, DistinctSet(), DistinctSet());
}

} // namespace quarry::sandbox::sql
