// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

namespace quarry::sandbox::sql {

/// A deep copy of an expression as parsed (and typed): its arguments, window, aggregate
/// modifiers and ORDER BY items are copied; a subquery is shared (the engine binds a Select
/// once, by its address).
ExprPtr cloneExpr(const Expr& e);
OrderItem cloneOrder(const OrderItem& o);

} // namespace quarry::sandbox::sql
