// SPDX-License-Identifier: MIT
#pragma once

#include "value/Value.h"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace quarry::sandbox::sql {

struct Expr;

enum class FunctionKind : std::uint8_t {
    Scalar,
    Aggregate, ///< also analytic with OVER (...)
    Analytic,  ///< only with OVER (...): ROW_NUMBER, LAG, PERCENTILE_CONT...
};

/// Where a scalar function's evaluator lives: the files that still choose by name, in the
/// order `callFunction` used to try them. A call resolved to one skips the ones before it.
enum class FunctionFamily : std::uint8_t { More, Array, ScalarExtra, Date, Json, Base };

/// How a call's result depends on more than its arguments (BigQuery caches no result that
/// calls a function that is not Immutable).
enum class Stability : std::uint8_t {
    Immutable, ///< the same arguments give the same result
    PerQuery,  ///< CURRENT_DATE and its kin: one value per statement
    Volatile,  ///< RAND, GENERATE_UUID: a new value per call
};

/// A call's argument values where they are: in a vector (the row evaluator) or behind
/// pointers into rows and batches (the batch evaluator), so nothing is copied to call.
class Args {
public:
    Args(const std::vector<Value>& values) : values_(values.data()), size_(values.size()) {}
    Args(const Value* const* pointers, std::size_t size) : pointers_(pointers), size_(size) {}
    const Value& operator[](std::size_t i) const { return pointers_ ? *pointers_[i] : values_[i]; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    bool anyNull() const {
        for (std::size_t i = 0; i < size_; ++i)
            if ((*this)[i].isNull()) return true;
        return false;
    }

private:
    const Value* values_ = nullptr;
    const Value* const* pointers_ = nullptr;
    std::size_t size_ = 0;
};

/// One built-in function, registered once; a call is resolved to it at bind time.
struct FunctionDef {
    using Call = Value (*)(const Expr& call, const Args& args);
    std::string_view name;
    FunctionKind kind = FunctionKind::Scalar;
    FunctionFamily family = FunctionFamily::Base;
    Stability stability = Stability::Immutable;
    /// Any NULL argument makes the result NULL, before any check of the others (the
    /// evaluator is not called).
    bool nullPropagating = false;
    /// Its own evaluator; null where the family's evaluator still chooses by name.
    Call call = nullptr;
    /// A loop over a batch doing what `call` does (NULL-propagating functions only): for each
    /// of `rows`, none of whose arguments is NULL, out[row] = call(args[0][row], ...). False,
    /// or an EvalError, hands the whole batch back to `call` row by row, which gives the
    /// rows' own results and errors in order (SAFE. included). Null: none.
    using BatchCall = bool (*)(const Expr& call, const Value* const* const* args, std::span<const std::uint32_t> rows, Value* out);
    BatchCall batch = nullptr;
};

/// The function named (upper case), or null when none is built in (a user function, or
/// one the sandbox does not have).
const FunctionDef* findFunction(std::string_view upperName);
/// Every built-in function, in name order.
std::span<const FunctionDef> builtinFunctions();

} // namespace quarry::sandbox::sql
