// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

#include <string>
#include <string_view>
#include <vector>

/// What the function files (Functions.cpp, MoreFunctions.cpp) share: argument type checks,
/// BigQuery's "No matching signature" error, and UTF-8 code point positions.
namespace quarry::sandbox::sql::fn {

inline SqlType S(TypeKind k) { return SqlType::scalar(k); }

[[noreturn]] inline void noSignature(const Expr& call, const std::vector<SqlType>& args) {
    std::string types;
    for (std::size_t i = 0; i < args.size(); ++i) types += (i ? ", " : "") + args[i].name();
    throw SqlError("No matching signature for function " + call.op + " for argument types: " + types, call.pos);
}

inline bool isString(const SqlType& t) { return t.unknown || (!t.array && t.kind == TypeKind::String); }
inline bool isStringOrBytes(const SqlType& t) {
    return t.unknown || (!t.array && (t.kind == TypeKind::String || t.kind == TypeKind::Bytes));
}
inline bool isInt(const SqlType& t) { return t.unknown || (!t.array && t.kind == TypeKind::Int64); }
inline bool isNum(const SqlType& t) { return t.unknown || t.isNumeric(); }

/// Byte offsets where each code point of UTF-8 text starts.
inline std::vector<std::size_t> charStarts(std::string_view s) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i == 0 || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) out.push_back(i);
    return out;
}

} // namespace quarry::sandbox::sql::fn
