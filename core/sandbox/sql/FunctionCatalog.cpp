// SPDX-License-Identifier: MIT
#include "sandbox/sql/FunctionCatalog.h"

#include "sandbox/sql/ArrayFunctions.h"
#include "sandbox/sql/BasicFunctions.h"
#include "sandbox/sql/MoreFunctions.h"

#include <algorithm>
#include <initializer_list>

namespace quarry::sandbox::sql {
namespace {

using F = FunctionFamily;

struct Registry {
    std::vector<FunctionDef> all;

    /// Scalar functions whose family's evaluator still chooses by name.
    void family(F f, std::initializer_list<std::string_view> names, Stability s = Stability::Immutable) {
        for (const auto n : names) all.push_back({n, FunctionKind::Scalar, f, s, false, nullptr});
    }
    /// Scalar functions with their own evaluator.
    void own(std::initializer_list<std::string_view> names, FunctionDef::Call call, bool nullPropagating,
             Stability s = Stability::Immutable) {
        for (const auto n : names) all.push_back({n, FunctionKind::Scalar, F::Base, s, nullPropagating, call});
    }
    /// The batch form of functions registered above.
    void batch(std::initializer_list<std::string_view> names, FunctionDef::BatchCall b) {
        for (auto& d : all)
            if (std::find(names.begin(), names.end(), d.name) != names.end()) d.batch = b;
    }
    void kind(FunctionKind k, std::initializer_list<std::string_view> names) {
        for (const auto n : names) all.push_back({n, k, F::Base, Stability::Immutable, false, nullptr});
    }
};

std::vector<FunctionDef> build() {
    Registry r;
    r.family(F::More, {"ARRAY_CONCAT", "ARRAY_REVERSE", "ARRAY_TO_STRING", "DIV", "GENERATE_ARRAY", "INITCAP", "LEFT", "LPAD",
                       "REGEXP_EXTRACT", "REGEXP_EXTRACT_ALL", "REGEXP_REPLACE", "REPEAT", "RIGHT", "RPAD",
                       "SAFE_DIVIDE", "SPLIT"});
    r.family(F::Array, {"ARRAY_FIRST", "ARRAY_IS_DISTINCT", "ARRAY_LAST"});
    r.family(F::ScalarExtra, {"ACOS", "ASCII", "ASIN", "ATAN", "ATAN2", "BIT_COUNT", "CODE_POINTS_TO_STRING", "COS", "COSH", "ERROR",
                              "FARM_FINGERPRINT", "FROM_BASE64", "FROM_HEX", "IEEE_DIVIDE", "INSTR", "IS_INF", "IS_NAN", "LOG", "MD5",
                              "RANGE_BUCKET", "SHA1", "SHA256", "SHA512", "SIN", "SINH", "STRING", "TAN", "TANH", "TO_BASE64", "TO_HEX",
                              "TRANSLATE"});
    r.family(F::ScalarExtra, {"GENERATE_UUID", "RAND"}, Stability::Volatile);
    r.family(F::Date, {"$INTERVAL", "DATE", "DATETIME", "DATETIME_ADD", "DATETIME_DIFF", "DATETIME_SUB", "DATETIME_TRUNC",
                       "DATE_ADD", "DATE_DIFF", "DATE_FROM_UNIX_DATE", "DATE_SUB", "DATE_TRUNC", "EXTRACT", "FORMAT_DATE",
                       "FORMAT_DATETIME", "FORMAT_TIME", "FORMAT_TIMESTAMP", "GENERATE_DATE_ARRAY", "GENERATE_TIMESTAMP_ARRAY",
                       "INTERVAL", "JUSTIFY_DAYS", "JUSTIFY_HOURS", "JUSTIFY_INTERVAL", "LAST_DAY", "PARSE_DATE",
                       "PARSE_DATETIME", "PARSE_TIME", "PARSE_TIMESTAMP", "TIMESTAMP", "TIMESTAMP_ADD", "TIMESTAMP_DIFF",
                       "TIMESTAMP_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_SECONDS", "TIMESTAMP_SUB", "TIMESTAMP_TRUNC",
                       "TIME_ADD", "TIME_SUB", "UNIX_DATE", "UNIX_MICROS", "UNIX_MILLIS", "UNIX_SECONDS"});
    r.family(F::Json, {"JSON_EXTRACT", "JSON_EXTRACT_ARRAY", "JSON_EXTRACT_SCALAR", "JSON_EXTRACT_STRING_ARRAY", "JSON_QUERY",
                       "JSON_QUERY_ARRAY", "JSON_VALUE", "JSON_VALUE_ARRAY", "PARSE_JSON", "TO_JSON", "TO_JSON_STRING"});
    // IF, IFNULL and COALESCE: evaluated lazily by the row evaluator, never called.
    r.family(F::Base, {"COALESCE", "IF", "IFNULL"});

    using namespace basic;
    r.own({"COLLATE"}, collate, false);
    r.own({"NULLIF"}, nullIf, false);
    r.own({"CURRENT_DATE", "CURRENT_DATETIME", "CURRENT_TIMESTAMP"}, currentTime, false, Stability::PerQuery);
    r.own({"CONCAT"}, concat, true);
    r.own({"GREATEST", "LEAST"}, greatestLeast, true);
    r.own({"LOWER", "UPPER"}, lowerUpper, true);
    r.own({"REVERSE"}, reverse, true);
    r.own({"CHARACTER_LENGTH", "CHAR_LENGTH", "LENGTH"}, length, true);
    r.own({"BYTE_LENGTH"}, byteLength, true);
    r.own({"SUBSTR", "SUBSTRING"}, substr, true);
    r.own({"LTRIM", "RTRIM", "TRIM"}, trim, true);
    r.own({"REPLACE"}, replace, true);
    r.own({"STARTS_WITH"}, startsWith, true);
    r.own({"ENDS_WITH"}, endsWith, true);
    r.own({"STRPOS"}, strpos, true);
    r.own({"ARRAY_LENGTH"}, arrayLength, true);
    r.own({"MOD"}, mod, true);
    r.own({"ABS"}, abs, true);
    r.own({"SIGN"}, sign, true);
    r.own({"CEIL", "CEILING", "FLOOR", "ROUND", "TRUNC"}, rounding, true);
    r.own({"EXP", "LN", "LOG10", "SQRT"}, logarithmic, true);
    r.own({"POW", "POWER"}, pow, true);
    r.own({"REGEXP_CONTAINS"}, regexpContains, true);
    r.batch({"CHARACTER_LENGTH", "CHAR_LENGTH", "LENGTH"}, lengthBatch);
    r.batch({"BYTE_LENGTH"}, byteLengthBatch);
    r.batch({"STARTS_WITH", "ENDS_WITH"}, startsEndsBatch);
    r.batch({"MOD"}, modBatch);
    r.batch({"REGEXP_CONTAINS"}, regexpContainsBatch);
    r.own({"ARRAY_MAX", "ARRAY_MIN"}, arrayMinMax, true);

    r.kind(FunctionKind::Aggregate,
           {"ANY_VALUE", "APPROX_COUNT_DISTINCT", "APPROX_QUANTILES", "APPROX_TOP_COUNT", "APPROX_TOP_SUM", "ARRAY_AGG",
            "ARRAY_CONCAT_AGG", "AVG", "BIT_AND", "BIT_OR", "BIT_XOR", "CORR", "COUNT", "COUNTIF", "COVAR_POP", "COVAR_SAMP",
            "LOGICAL_AND", "LOGICAL_OR", "MAX", "MIN", "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "STRING_AGG", "SUM", "VARIANCE",
            "VAR_POP", "VAR_SAMP"});
    r.kind(FunctionKind::Analytic, {"CUME_DIST", "DENSE_RANK", "FIRST_VALUE", "LAG", "LAST_VALUE", "LEAD", "NTH_VALUE", "NTILE",
                                    "PERCENTILE_CONT", "PERCENTILE_DISC", "PERCENT_RANK", "RANK", "ROW_NUMBER"});
    std::sort(r.all.begin(), r.all.end(), [](const FunctionDef& a, const FunctionDef& b) { return a.name < b.name; });
    return std::move(r.all);
}

const std::vector<FunctionDef>& table() {
    static const std::vector<FunctionDef> all = build();
    return all;
}

} // namespace

const FunctionDef* findFunction(std::string_view upperName) {
    const auto& all = table();
    const auto it = std::lower_bound(all.begin(), all.end(), upperName, [](const FunctionDef& d, std::string_view n) { return d.name < n; });
    return it != all.end() && it->name == upperName ? &*it : nullptr;
}

std::span<const FunctionDef> builtinFunctions() { return table(); }

} // namespace quarry::sandbox::sql
