// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/FunctionCatalog.h"

/// The evaluators of the plainer scalar functions (text, numbers, NULLIF, GREATEST, the
/// clock), one per function or per few spellings of one, called through the catalog.
/// Those registered as NULL-propagating never see a NULL argument.
namespace quarry::sandbox::sql::basic {

Value collate(const Expr& c, const Args& a);
Value nullIf(const Expr& c, const Args& a);
Value currentTime(const Expr& c, const Args& a);
Value concat(const Expr& c, const Args& a);
Value greatestLeast(const Expr& c, const Args& a);
Value lowerUpper(const Expr& c, const Args& a);
Value reverse(const Expr& c, const Args& a);
Value length(const Expr& c, const Args& a);
Value byteLength(const Expr& c, const Args& a);
Value substr(const Expr& c, const Args& a);
Value trim(const Expr& c, const Args& a);
Value replace(const Expr& c, const Args& a);
Value startsWith(const Expr& c, const Args& a);
Value endsWith(const Expr& c, const Args& a);
Value strpos(const Expr& c, const Args& a);
Value arrayLength(const Expr& c, const Args& a);
Value mod(const Expr& c, const Args& a);
Value abs(const Expr& c, const Args& a);
Value sign(const Expr& c, const Args& a);
Value rounding(const Expr& c, const Args& a);
/// Batch forms (FunctionDef::batch) of LENGTH, BYTE_LENGTH, STARTS_WITH/ENDS_WITH and MOD.
bool lengthBatch(const Expr& c, const Value* const* const* args, std::span<const std::uint32_t> rows, Value* out);
bool byteLengthBatch(const Expr& c, const Value* const* const* args, std::span<const std::uint32_t> rows, Value* out);
bool startsEndsBatch(const Expr& c, const Value* const* const* args, std::span<const std::uint32_t> rows, Value* out);
bool modBatch(const Expr& c, const Value* const* const* args, std::span<const std::uint32_t> rows, Value* out);
/// SQRT, LN, EXP, LOG10 and POW live in Functions.cpp, beside the NUMERIC arithmetic.
Value logarithmic(const Expr& c, const Args& a);
Value pow(const Expr& c, const Args& a);

} // namespace quarry::sandbox::sql::basic
