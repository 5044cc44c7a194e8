// SPDX-License-Identifier: MIT
#pragma once
// WHERE parts that compare one column with constants: what partition pruning (Pruning.cpp)
// and the skipping of row groups (plan/GroupSkip.h) read from a query.

#include "sandbox/sql/Ast.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace quarry::sandbox::sql {

/// Whether a bound expression's value is fixed before any row is read.
bool constantTree(const Expr& e);

/// A top-level AND part of WHERE that compares one range variable's column with constants:
/// `col op c` (either side; `op` as if the column were on the left), `col BETWEEN c1 AND c2`
/// ("between"), `col IN (c, ...)` ("in"). `values` are the constants (nullopt when one
/// cannot be read before the rows: an error the row-by-row WHERE will report).
struct ColumnTest {
    int slot = -1;
    std::string op;
    std::vector<std::optional<Value>> values;
};

template <class ColumnOf, class Constant>
std::optional<ColumnTest> columnTest(const Expr& p, const ColumnOf& columnOf, const Constant& constant) {
    ColumnTest t;
    if (p.kind == Expr::Kind::Binary && p.args.size() == 2) {
        static const std::map<std::string, std::string> flipped = {{"=", "="}, {"<", ">"}, {"<=", ">="}, {">", "<"}, {">=", "<="}};
        const auto it = flipped.find(p.op);
        if (it == flipped.end()) return std::nullopt;
        t.op = p.op;
        const Expr* other = p.args[1].get();
        if ((t.slot = columnOf(*p.args[0])) < 0) {
            if ((t.slot = columnOf(*p.args[1])) < 0) return std::nullopt;
            other = p.args[0].get();
            t.op = it->second;
        }
        t.values.push_back(constant(*other));
    } else if (p.kind == Expr::Kind::Between && !p.negated && (t.slot = columnOf(*p.args[0])) >= 0) {
        t.op = "between";
        t.values = {constant(*p.args[1]), constant(*p.args[2])};
    } else if (p.kind == Expr::Kind::In && !p.negated && !p.inUnnest && !p.subquery && (t.slot = columnOf(*p.args[0])) >= 0) {
        t.op = "in";
        for (std::size_t i = 1; i < p.args.size(); ++i) t.values.push_back(constant(*p.args[i]));
    } else {
        return std::nullopt;
    }
    return t;
}

} // namespace quarry::sandbox::sql
