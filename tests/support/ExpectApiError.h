// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/ApiError.h"

#include <gtest/gtest.h>

namespace quarry::test {

/// The ApiError that `f` throws; a test failure if it throws none.
template <typename F>
ApiError apiError(F&& f) {
    try {
        f();
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "expected an ApiError";
    return ApiError(0, "", "");
}

} // namespace quarry::test
