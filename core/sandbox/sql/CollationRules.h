// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/Collation.h"

#include <string>
#include <string_view>
#include <vector>

namespace quarry::sandbox::sql {

/// How collations travel through a query, as GoogleSQL's binder carries them: a column keeps
/// its table's collation, COLLATE(x, 'und:ci') sets one, a function that returns STRING takes
/// the one its STRING arguments share, and two different ones meeting is an error.

/// The collation name of a STRING or ARRAY<STRING> type ("" for none and other types).
const std::string& collationOf(const SqlType& t);
/// `a` and `b` combined: "" + x = x, x + x = x; different ones are a "Collation conflict"
/// (SqlError at `pos`, `what` says where they met).
std::string mergeCollation(const std::string& a, const std::string& b, Pos pos, std::string_view what);
/// The collation values of these types compare under (nullptr: code points).
const Collation* comparisonCollation(const std::vector<const SqlType*>& types, Pos pos, std::string_view what);
/// The collation values of type `t` compare under at run time (nullptr: code points); its
/// name was checked when the type was bound.
const Collation* collationOfType(const SqlType& t);
/// A named collation, as an SqlError at `pos` when the name is not one.
const Collation* collationNamed(const std::string& name, Pos pos);
/// A function returning STRING (or ARRAY<STRING>): `result` takes its arguments' collation.
void propagateCollation(SqlType& result, const std::vector<SqlType>& args, Pos pos, std::string_view fn);
/// Functions whose answer depends on the collation of their STRING arguments (REPLACE,
/// STRPOS, SPLIT, ...): their search runs under `e.collation`.
bool searchesUnderCollation(const std::string& fn);
/// Runs one of those functions (`searchesUnderCollation`) under `e.collation` (not null).
Value callCollated(const Expr& e, const std::vector<Value>& args);
/// COLLATE(x, 'spec'): checks and types the call.
void bindCollateCall(Expr& e);
/// ORDER BY x [COLLATE 'spec'|@p]: the collation its keys sort under, given the bound `x`
/// and the query's parameters (`param`: the bound COLLATE @p, if any).
const Collation* orderCollation(const OrderItem& o, const Expr* param);

} // namespace quarry::sandbox::sql
