// SPDX-License-Identifier: MIT
// SQL user-defined functions: CREATE TEMP FUNCTION in a query or script, and routines stored
// in a dataset (CREATE FUNCTION d.f, routines.insert). A call is replaced by the function's
// body with its parameters bound to the call's arguments, then bound like any expression.
#pragma once

#include "sandbox/sql/Ast.h"

#include <nlohmann/json.hpp>
#include <optional>

namespace quarry::sandbox::sql {

struct UdfArg {
    std::string name;
    std::optional<SqlType> type; ///< nullopt: ANY TYPE (a templated parameter)
};

struct UdfDef {
    std::string name;            ///< as callers write it: "f", "dataset.f", "project.dataset.f"
    std::vector<UdfArg> args;
    std::optional<SqlType> returns; ///< nullopt: the body's type
    std::string body;            ///< the expression inside AS ( ... ), as written
    std::string description;     ///< OPTIONS(description = '...')

    /// "f(INT64, ANY TYPE)", as BigQuery's messages show a signature.
    std::string signature() const;
};

/// Replaces `call` (a Call naming `def`) by def's body, each parameter standing for its
/// argument (implicitly coerced to the parameter's type; the result to RETURNS). The body may
/// read only its parameters; names a subquery in it defines are its own.
/// Throws SqlError for a wrong number of arguments or a body that does not parse.
void expandUdfCall(Expr& call, const UdfDef& def);

/// `base` with the fields a Path goes on to after its first name (`v.a.b`: base.a.b).
ExprPtr fieldsBelow(ExprPtr base, const Expr& path);

/// The Routine resource's StandardSqlDataType for a type, and back (throws std::runtime_error
/// naming `where` for one the sandbox does not read).
nlohmann::json standardSqlType(const SqlType& t);
SqlType fromStandardSqlType(const nlohmann::json& j, const std::string& where);

/// A routine resource's parts as a function (arguments, returnType, definitionBody).
UdfDef udfFromRoutine(const nlohmann::json& routine, std::string name);
/// The resource fields a function's definition gives (routineType, language, arguments,
/// returnType, definitionBody, description).
nlohmann::json routineFields(const UdfDef& def);

} // namespace quarry::sandbox::sql
