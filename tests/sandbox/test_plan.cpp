// SPDX-License-Identifier: MIT
// The plan executor's building blocks against the definitions they replace: typed keys
// against appendKey's strings, LIKE's linear path against LIKE's definition; the function catalog.
#include "sandbox/sql/FunctionCatalog.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/ValueOps.h"
#include "sandbox/sql/plan/KeyHash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <set>

using namespace quarry;
using namespace quarry::sandbox::sql;

namespace {

std::string keyOf(const Value& v) {
    std::string k;
    appendKey(k, v);
    return k;
}

std::vector<Value> corpus() {
    std::vector<Value> out = {
        Value(), Value::int64(0), Value::int64(-1), Value::int64(1), Value::float64(0.0), Value::float64(-0.0),
        Value::float64(NAN), Value::float64(-NAN), Value::float64(INFINITY), Value::float64(1.5),
        Value::numeric("1"), Value::numeric("1.000000000"), Value::numeric("-0"), Value::bigNumeric("1"),
        Value::string(""), Value::string("a"), Value::string("a long string over thirteen bytes"),
        Value::bytes("a"), Value::string("0-1 0 0:0:0"), Value::string("0-0 30 0:0:0"),
        Value::interval("0-1 0 0:0:0"), Value::interval("0-0 30 0:0:0"), Value::interval("0-0 0 720:0:0"),
        Value::interval("0-0 1 0:0:0"), Value::boolean(true), Value::boolean(false), Value::date(0), Value::date(1),
        Value::timestamp(0), Value::dateTime(0), Value::time(0), Value::json("{}"), Value::geography("POINT(1 2)"),
    };
    const std::size_t scalars = out.size();
    for (std::size_t i = 0; i < scalars; i += 3) {
        Value s = Value::structOf(2);
        s[0] = out[i];
        s[1] = out[(i + 1) % scalars];
        out.push_back(s);
        Value a = Value::arrayOf(1);
        a[0] = out[i];
        out.push_back(a);
    }
    out.push_back(Value::range(Value::date(1), Value()));
    out.push_back(Value::range(Value::date(1), Value::date(2)));
    return out;
}

/// LIKE with only text and %, by its definition: a table of which text prefixes match which
/// pattern prefixes.
bool likeByDefinition(std::string_view s, std::string_view p) {
    std::vector<std::vector<char>> m(s.size() + 1, std::vector<char>(p.size() + 1, 0));
    m[0][0] = 1;
    for (std::size_t j = 1; j <= p.size(); ++j) m[0][j] = p[j - 1] == '%' && m[0][j - 1];
    for (std::size_t i = 1; i <= s.size(); ++i)
        for (std::size_t j = 1; j <= p.size(); ++j)
            m[i][j] = p[j - 1] == '%' ? (m[i][j - 1] || m[i - 1][j]) : (m[i - 1][j - 1] && s[i - 1] == p[j - 1]);
    return m[s.size()][p.size()];
}

} // namespace

// Two values are one group exactly when appendKey gives them the same string, and equal
// values hash alike.
TEST(PlanKeys, TypedKeysGroupAsTheKeyStringsDo) {
    const auto values = corpus();
    for (const auto& a : values) {
        for (const auto& b : values) {
            const bool same = keyOf(a) == keyOf(b);
            EXPECT_EQ(keyEqual(a, b), same) << keyOf(a) << " vs " << keyOf(b);
            if (same) {
                EXPECT_EQ(keyHash(a), keyHash(b));
            }
            EXPECT_EQ(sameKey(a, b), same);
        }
        EXPECT_EQ(hashKey(a), keyHash(a)) << keyOf(a); // the inline hash is the same hash
    }
}

TEST(PlanKeys, StringsThatReadAsIntervalsAreStillDifferentStrings) {
    EXPECT_NE(keyOf(Value::string("0-1 0 0:0:0")), keyOf(Value::string("0-0 30 0:0:0")));
    EXPECT_EQ(keyOf(Value::interval("0-1 0 0:0:0")), keyOf(Value::interval("0-0 30 0:0:0")));
}

TEST(PlanKeys, DistinctSetCountsWhatTheKeyStringsCount) {
    std::mt19937 rng(7);
    const auto values = corpus();
    DistinctSet set;
    std::set<std::string> strings;
    for (int i = 0; i < 20000; ++i) {
        Value v = (i % 3) ? Value::int64(static_cast<std::int64_t>(rng() % 5000)) : values[rng() % values.size()];
        EXPECT_EQ(set.insert(v), strings.insert(keyOf(v)).second);
    }
    EXPECT_EQ(set.size(), strings.size());
}

// LIKE patterns of only text and % take a linear path; it must answer as LIKE's definition
// for every string.
TEST(PlanLike, PercentOnlyPatternsMatchAsRegularExpressions) {
    std::mt19937 rng(11);
    const std::string alphabet = "ab%";
    for (int i = 0; i < 20000; ++i) {
        std::string text, pattern;
        for (std::size_t n = rng() % 7; n > 0; --n) text += "ab"[rng() % 2];
        for (std::size_t n = rng() % 6; n > 0; --n) pattern += alphabet[rng() % 3];
        EXPECT_EQ(likeMatch(text, pattern), likeByDefinition(text, pattern)) << "'" << text << "' LIKE '" << pattern << "'";
    }
    // Pieces over 16 bytes take Boyer-Moore: patterns cut from the text itself, some changed.
    for (int i = 0; i < 3000; ++i) {
        std::string text;
        for (std::size_t n = 40 + rng() % 60; n > 0; --n) text += "ab"[rng() % 4 == 0];
        std::string pattern = rng() % 2 ? "%" : "";
        for (int piece = 0; piece < 2; ++piece) {
            const std::size_t len = 17 + rng() % 4, at = rng() % (text.size() - len);
            std::string cut = text.substr(at, len);
            if (rng() % 3 == 0) cut[rng() % len] ^= 3; // 'a' <-> 'b'
            pattern += cut + "%";
        }
        if (rng() % 2) pattern.pop_back();
        EXPECT_EQ(likeMatch(text, pattern), likeByDefinition(text, pattern)) << "'" << text << "' LIKE '" << pattern << "'";
    }
    EXPECT_FALSE(likeMatch("abc", "ab%bc")); // the two ends may not overlap
    EXPECT_TRUE(likeMatch("abbc", "ab%bc"));
    EXPECT_TRUE(likeMatch("", "%"));
    EXPECT_FALSE(likeMatch("", "a%"));
}

// The function catalog: one entry per name, found by name, kinds agreeing with the binder's
// questions, the clock and the dice marked as not fixed by their arguments.
TEST(FunctionCatalog, OneEntryPerNameFoundByName) {
    const auto all = builtinFunctions();
    ASSERT_GE(all.size(), 180u);
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (i > 0) {
            EXPECT_LT(all[i - 1].name, all[i].name) << "twice or out of order: " << all[i].name;
        }
        EXPECT_EQ(findFunction(all[i].name), &all[i]);
        const std::string name(all[i].name);
        EXPECT_EQ(isAggregateFunction(name), all[i].kind == FunctionKind::Aggregate) << name;
        if (all[i].call) {
            EXPECT_EQ(all[i].family, FunctionFamily::Base) << name;
        }
    }
    EXPECT_EQ(findFunction("NO_SUCH_FUNCTION"), nullptr);
    EXPECT_EQ(findFunction("length"), nullptr); // names are looked up as the parser upper-cases them
    EXPECT_EQ(findFunction("RAND")->stability, Stability::Volatile);
    EXPECT_EQ(findFunction("GENERATE_UUID")->stability, Stability::Volatile);
    EXPECT_EQ(findFunction("CURRENT_TIMESTAMP")->stability, Stability::PerQuery);
    EXPECT_EQ(findFunction("LENGTH")->stability, Stability::Immutable);
    EXPECT_EQ(findFunction("ROW_NUMBER")->kind, FunctionKind::Analytic);
}

// A NULL-propagating function's evaluator never sees a NULL: callFunction answers NULL first,
// whatever the other arguments would have made it do (MOD(NULL, 0) is NULL, not an error).
TEST(FunctionCatalog, NullPropagatingCallsAnswerNullBeforeAnyCheck) {
    for (const auto& d : builtinFunctions()) {
        if (!d.nullPropagating) continue;
        Expr call;
        call.kind = Expr::Kind::Call;
        call.op = std::string(d.name);
        call.fn = &d;
        call.type = SqlType::scalar(TypeKind::Int64);
        std::vector<Value> args{Value(), Value::int64(0), Value::int64(-1)};
        EXPECT_TRUE(callFunction(call, args).isNull()) << d.name;
    }
}

// A function's batch form gives, for every row it keeps, what its row form gives, and leaves
// to the row form (false or an EvalError) every row whose row form raises an error: over
// text, bytes, multi-byte and invalid UTF-8, integers at their limits and zero divisors.
TEST(FunctionCatalog, BatchFormsAnswerAsTheRowForms) {
    const std::vector<Value> values = {
        Value::string(""), Value::string("a"), Value::string("Ada Doe 1"), Value::string("héllo wörld ünïcödé ça va, bien?"),
        Value::string("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"), Value::string(std::string("\x80\xbf\xc3", 3)),
        Value::string("Doe 1"), Value::bytes("Doe 1"), Value::bytes(std::string("\xc3\xa9\x00\x80", 4)), Value::bytes(""),
        Value::int64(0), Value::int64(7), Value::int64(-7), Value::int64(-1), Value::int64(1),
        Value::int64(INT64_MIN), Value::int64(INT64_MAX)};
    std::size_t checked = 0, forms = 0;
    for (const auto& d : builtinFunctions()) {
        if (!d.batch) continue;
        ++forms;
        EXPECT_TRUE(d.nullPropagating && d.call) << d.name;
        Expr call;
        call.kind = Expr::Kind::Call;
        call.op = std::string(d.name);
        call.fn = &d;
        const std::size_t arity = d.name == "MOD" || d.name.ends_with("_WITH") || d.name == "REGEXP_CONTAINS" ? 2 : 1;
        for (const bool literal : {false, true}) {
            call.literalPattern = literal; // REGEXP_CONTAINS: a pattern without operators
            // Every pair (or single value) is one row of a batch.
            std::vector<const Value*> first, second;
            for (const auto& a : values)
                for (const auto& b : values) {
                    if (arity == 1 && &b != &values[0]) continue;
                    if (a.kind() == ValueKind::Int64 ? d.name != "MOD" : d.name == "MOD") continue;
                    if (arity == 2 && (a.kind() == ValueKind::Int64) != (b.kind() == ValueKind::Int64)) continue;
                    if (arity == 2 && a.kind() != ValueKind::Int64 && a.kind() != b.kind()) continue;
                    first.push_back(&a);
                    second.push_back(&b);
                }
            // Each row by the row form: its value, or that it fails.
            std::vector<std::optional<Value>> expected(first.size());
            std::vector<std::uint32_t> all, good;
            for (std::size_t i = 0; i < first.size(); ++i) {
                const Value* one[2] = {first[i], second[i]};
                all.push_back(static_cast<std::uint32_t>(i));
                try {
                    expected[i] = d.call(call, Args(one, arity));
                    good.push_back(static_cast<std::uint32_t>(i));
                } catch (const EvalError&) {
                }
            }
            const Value* const* args[2] = {first.data(), second.data()};
            auto batch = [&](const std::vector<std::uint32_t>& rows, std::vector<Value>& out) {
                out.assign(first.size(), Value());
                try {
                    return d.batch(call, args, rows, out.data());
                } catch (const EvalError&) {
                    return false;
                }
            };
            std::vector<Value> out;
            if (good.size() < all.size()) {
                EXPECT_FALSE(batch(all, out)) << d.name << ": a batch with a failing row goes back to the row form";
            }
            const bool kept = batch(good, out);
            if (d.name != "REGEXP_CONTAINS" || literal) {
                EXPECT_TRUE(kept) << d.name;
            }
            if (!kept) continue;
            for (const auto i : good) {
                EXPECT_EQ(out[i], *expected[i]) << d.name << " row " << i;
                ++checked;
                if (d.name == "LENGTH" && first[i]->kind() == ValueKind::String) { // code points, by their definition
                    std::int64_t n = 0;
                    for (const char ch : first[i]->asText()) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
                    EXPECT_EQ(out[i].asInt64(), n) << first[i]->asText();
                }
            }
        }
    }
    EXPECT_EQ(forms, 8u); // LENGTH and its two other names, BYTE_LENGTH, STARTS_WITH, ENDS_WITH, MOD, REGEXP_CONTAINS
    EXPECT_GT(checked, 400u);
}
