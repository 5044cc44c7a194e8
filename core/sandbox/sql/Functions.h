// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>

#include "sandbox/sql/Ast.h"

#include <vector>

namespace quarry::sandbox::sql {

bool isAggregateFunction(const std::string& upperName);
/// Checks a scalar function call's arguments and returns its result type.
SqlType bindFunction(const Expr& call, const std::vector<SqlType>& args);
/// Runs a scalar function. Throws EvalError (SAFE. calls return NULL instead).
Value callFunction(const Expr& call, std::vector<Value>& args);
struct FunctionDef;
class Args;
/// Runs a function that has its own evaluator (`def.call`): NULL first for one that
/// propagates NULLs. No SAFE. handling (the caller's) and no collation (see callFunction).
Value callDirect(const FunctionDef& def, const Expr& call, const Args& args);

/// Result type of a binary operator, or SqlError ("No matching signature for operator ...").
SqlType binaryType(const std::string& op, const SqlType& l, const SqlType& r, Pos pos);
class Collation;
/// `coll` (may be null): the collation STRINGs compare under.
Value binaryOp(const std::string& op, const Value& a, const Value& b, const SqlType& result, const Collation* coll = nullptr);

/// Whether CAST(from AS to) is allowed.
bool castable(const SqlType& from, const SqlType& to);
/// CAST. Throws EvalError unless `safe` (then NULL).
Value castValue(const Value& v, const SqlType& to, bool safe);
/// The text CAST(v AS STRING) gives (shortest round-tripping FLOAT64, a TIMESTAMP in the
/// query's time zone with its offset).
std::string castToString(const Value& v);

/// The common supertype for CASE/IF/COALESCE/ARRAY elements, or SqlError.
SqlType commonType(const std::vector<SqlType>& types, Pos pos, const char* what);
/// Whether a value of `from` can stand where `to` is expected: numeric widening, and
/// STRUCTs field by field whatever their names (STRUCT(1) fits STRUCT<x INT64>).
bool coercesTo(const SqlType& from, const SqlType& to);
/// Converts a value to a supertype (INT64 -> FLOAT64/NUMERIC, NUMERIC -> FLOAT64).
Value coerce(const Value& v, const SqlType& to);

/// LIKE with % and _ (and backslash escapes), on bytes.
bool likeMatch(std::string_view text, std::string_view pattern);

/// likeMatch against one pattern for many texts: whether the pattern holds only literal text
/// and % (then matched in linear time) is found once, not for every row.
class LikePattern {
public:
    explicit LikePattern(std::string_view pattern);
    bool match(std::string_view text) const;

private:
    std::string pattern_;
    bool percentsOnly_ = false;
};

/// Makes the query running on this thread stoppable inside one value's evaluation: set by
/// PreparedQuery::run for its duration; loops that can run long (LIKE over large text, REPEAT)
/// call throwIfCancelled(), which throws PreparedQuery::Cancelled once the job is cancelled.
class CancelScope {
public:
    explicit CancelScope(const std::atomic<bool>* flag);
    ~CancelScope();
    CancelScope(const CancelScope&) = delete;
    CancelScope& operator=(const CancelScope&) = delete;

private:
    const std::atomic<bool>* previous_;
};
void throwIfCancelled();

} // namespace quarry::sandbox::sql
