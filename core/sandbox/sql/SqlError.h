// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace quarry::sandbox::sql {

/// A position in the SQL text, 1-based as BigQuery reports it.
struct Pos {
    int line = 1;
    int col = 1;
};

/// An invalid query. what() is BigQuery's message including the trailing " at [l:c]".
class SqlError : public std::runtime_error {
public:
    SqlError(const std::string& message, Pos pos)
        : std::runtime_error(message + " at [" + std::to_string(pos.line) + ":" + std::to_string(pos.col) + "]"),
          pos_(pos) {}
    Pos pos() const { return pos_; }

private:
    Pos pos_;
};

/// A failure while running a valid query (division by zero, overflow, bad cast).
class EvalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace quarry::sandbox::sql
