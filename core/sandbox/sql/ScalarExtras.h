// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

#include <optional>
#include <vector>

namespace quarry::sandbox::sql {

/// IS_NAN, IS_INF, trigonometry and logarithms (SIN, COS, TAN, ASIN, ACOS, ATAN, ATAN2, SINH, COSH, TANH, LOG,
/// IEEE_DIVIDE), RAND, GENERATE_UUID, ERROR, RANGE_BUCKET, encodings and digests (TO_HEX, FROM_HEX,
/// TO_BASE64, FROM_BASE64, MD5, SHA1, SHA256, SHA512), and string extras (INSTR, ASCII,
/// CODE_POINTS_TO_STRING, TRANSLATE). nullopt: not one of these.
std::optional<SqlType> bindScalarExtra(const Expr& call, const std::vector<SqlType>& args);
std::optional<Value> callScalarExtra(const Expr& call, std::vector<Value>& args);

} // namespace quarry::sandbox::sql
