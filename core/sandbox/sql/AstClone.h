// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

namespace quarry::sandbox::sql {

/// A deep copy of an expression as parsed (and typed): its arguments, window, aggregate
/// modifiers and ORDER BY items are copied; a subquery is shared (the engine binds a Select
/// once, by its address).
ExprPtr cloneExpr(const Expr& e);
OrderItem cloneOrder(const OrderItem& o);
/// The same, with a copy of each subquery too (an expression used twice in different queries).
ExprPtr cloneExprDeep(const Expr& e);
Select cloneSelect(const Select& s);

} // namespace quarry::sandbox::sql
