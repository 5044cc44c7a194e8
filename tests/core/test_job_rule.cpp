// SPDX-License-Identifier: MIT
// JobRule: reading a watch rule (errors say the column), and deciding over job resources,
// including the estimate of what a job has left.
#include "query/JobRule.h"

#include <gtest/gtest.h>

using quarry::JobRule;
using Json = nlohmann::json;

namespace {

/// A running query job as jobs.list (projection=full) gives it.
Json running(const std::string& priority, std::int64_t startMs, Json timeline = Json::array()) {
    Json q = {{"query", "SELECT 1"}};
    if (!priority.empty()) q["priority"] = priority;
    Json j = {{"configuration", {{"jobType", "QUERY"}, {"query", q}}},
              {"status", {{"state", "RUNNING"}}},
              {"user_email", "ann@x.com"},
              {"statistics", {{"creationTime", std::to_string(startMs)}, {"startTime", std::to_string(startMs)}, {"totalSlotMs", "7200000"}}}};
    if (!timeline.empty()) j["statistics"]["query"] = {{"timeline", timeline}};
    return j;
}

Json sample(std::int64_t elapsedMs, std::int64_t slotMs, std::int64_t done, std::int64_t pending) {
    return {{"elapsedMs", std::to_string(elapsedMs)}, {"totalSlotMs", std::to_string(slotMs)},
            {"completedUnits", std::to_string(done)}, {"pendingUnits", std::to_string(pending)}};
}

constexpr std::int64_t kMin = 60'000;

} // namespace

TEST(JobRule, TheSeedsRuleCancelsALongInteractiveQueryWithMuchLeft) {
    const auto rule = JobRule::parse("type=QUERY priority=INTERACTIVE elapsed>=60m remaining>=5m");
    const std::int64_t now = 100 * kMin;
    // 70 minutes in, 700 of 1,000 units done: 30 more minutes at its rate.
    const Json heavy = running("INTERACTIVE", now - 70 * kMin, Json::array({sample(70 * kMin, 140 * kMin, 700, 300)}));
    auto d = rule.evaluate(heavy, now);
    EXPECT_TRUE(d.matches) << d.why;
    ASSERT_TRUE(d.remainingMs);
    EXPECT_EQ(*d.remainingMs, 30 * kMin);
    EXPECT_EQ(d.why, "type=QUERY; priority=INTERACTIVE; elapsed=1h10m >= 60m; remaining=30m00s >= 5m");
    // With 100 committed slots, what is left takes 140 slot-minutes / 700 × 300 / 100.
    d = rule.evaluate(heavy, now, 100.0);
    ASSERT_TRUE(d.remainingMs);
    EXPECT_EQ(*d.remainingMs, 36'000); // 0.6 min
    EXPECT_FALSE(d.matches);
    // A priority the job does not say is INTERACTIVE, as BigQuery's default.
    EXPECT_TRUE(rule.evaluate(running("", now - 70 * kMin, Json::array({sample(70 * kMin, 1, 700, 300)})), now).matches);
}

TEST(JobRule, EachConditionMustHold) {
    const auto rule = JobRule::parse("type=QUERY priority=INTERACTIVE elapsed>=60m remaining>=5m");
    const std::int64_t now = 100 * kMin;
    EXPECT_FALSE(rule.evaluate(running("BATCH", now - 70 * kMin, Json::array({sample(70 * kMin, 1, 700, 300)})), now).matches);
    EXPECT_FALSE(rule.evaluate(running("INTERACTIVE", now - 50 * kMin, Json::array({sample(50 * kMin, 1, 500, 300)})), now).matches);
    // Nearly done: 2 minutes left.
    EXPECT_FALSE(rule.evaluate(running("INTERACTIVE", now - 70 * kMin, Json::array({sample(70 * kMin, 1, 700, 20)})), now).matches);
    Json load = running("", now - 70 * kMin, Json::array({sample(70 * kMin, 1, 700, 300)}));
    load["configuration"] = {{"jobType", "LOAD"}, {"load", Json::object()}};
    EXPECT_FALSE(rule.evaluate(load, now).matches);
}

TEST(JobRule, AJobWithoutAnEstimateIsNeverCancelledForWhatIsLeft) {
    const auto rule = JobRule::parse("remaining>=0ms");
    const std::int64_t now = 100 * kMin;
    auto d = rule.evaluate(running("INTERACTIVE", now - 70 * kMin), now); // no timeline
    EXPECT_FALSE(d.matches);
    EXPECT_FALSE(d.remainingMs);
    EXPECT_EQ(d.why, "remaining=unknown not >= 0ms");
    // Nothing completed yet: no rate to go by.
    EXPECT_FALSE(rule.evaluate(running("INTERACTIVE", now - kMin, Json::array({sample(kMin, kMin, 0, 10)})), now).matches);
    // Other conditions still decide without it.
    EXPECT_TRUE(JobRule::parse("remaining<1m").evaluate(running("", now, Json::array({sample(1000, 1000, 10, 0)})), now).matches);
    EXPECT_FALSE(JobRule::parse("remaining<1m").evaluate(running("", now), now).matches);
}

TEST(JobRule, UsersStatesAndSlotTime) {
    const std::int64_t now = 100 * kMin;
    const Json j = running("BATCH", now - kMin);
    EXPECT_TRUE(JobRule::parse("user=ann@x.com state=running").evaluate(j, now).matches);
    EXPECT_FALSE(JobRule::parse("user=ANN@x.com").evaluate(j, now).matches); // emails as written
    EXPECT_TRUE(JobRule::parse("user!=bob@x.com priority!=interactive").evaluate(j, now).matches);
    EXPECT_TRUE(JobRule::parse("slot>=2h").evaluate(j, now).matches);
    EXPECT_FALSE(JobRule::parse("slot>2h").evaluate(j, now).matches);
    EXPECT_TRUE(JobRule::parse("elapsed<=1m elapsed>59.5s").evaluate(j, now).matches);
    Json pending = j;
    pending["status"]["state"] = "PENDING";
    pending["statistics"].erase("startTime");
    EXPECT_EQ(JobRule::elapsedMs(pending, now), 0);
}

TEST(JobRule, ARuleThatCannotBeReadSaysWhereAndWhat) {
    auto error = [](const std::string& text) -> std::pair<int, std::string> {
        try {
            JobRule::parse(text);
        } catch (const JobRule::Error& e) {
            return {e.column, e.what()};
        }
        return {0, "parsed"};
    };
    EXPECT_EQ(error("type=QUERY elapsd>=60m"),
              std::make_pair(12, std::string("unknown key 'elapsd': use type, priority, state, user, elapsed, remaining or slot")));
    EXPECT_EQ(error("elapsed>=60x").first, 10);
    EXPECT_EQ(error("elapsed=60m").second, "'elapsed' takes >=, >, <= or <, not =");
    EXPECT_EQ(error("type>=QUERY").second, "'type' takes = or !=, not >=");
    EXPECT_EQ(error("type=").second, "'type=' needs a value");
    EXPECT_EQ(error("QUERY").first, 1);
    EXPECT_EQ(error("   ").second, "the rule is empty: write conditions such as type=QUERY elapsed>=60m");
    EXPECT_EQ(error("elapsed>=1e400h").first, 10);
}

TEST(JobRule, Durations) {
    EXPECT_EQ(JobRule::parseDuration("90s"), 90'000);
    EXPECT_EQ(JobRule::parseDuration("1.5h"), 5'400'000);
    EXPECT_EQ(JobRule::parseDuration("500ms"), 500);
    EXPECT_FALSE(JobRule::parseDuration("60"));
    EXPECT_FALSE(JobRule::parseDuration("m"));
    EXPECT_FALSE(JobRule::parseDuration("1.2.3s"));
    EXPECT_EQ(JobRule::durationText(450), "450ms");
    EXPECT_EQ(JobRule::durationText(12'300), "12.3s");
    EXPECT_EQ(JobRule::durationText(185'000), "3m05s");
    EXPECT_EQ(JobRule::durationText(3'720'000), "1h02m");
}

// What a job has read: a finished job's total; a running query's share of its estimate by
// completed units; the estimate alone without units; nothing when it says neither.
TEST(JobRule, BytesSoFarAreTheEstimatesShareOfCompletedUnits) {
    Json done = running("", 0);
    done["status"]["state"] = "DONE";
    done["statistics"]["totalBytesProcessed"] = "2048";
    auto b = JobRule::bytesProcessed(done);
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->estimated);
    EXPECT_EQ(b->total, 2048u);
    EXPECT_EQ(JobRule::bytesText(*b), "2.0 KB");

    Json half = running("", 0, Json::array({sample(1000, 1000, 25, 75)}));
    half["statistics"]["query"]["estimatedBytesProcessed"] = "4194304";
    b = JobRule::bytesProcessed(half);
    ASSERT_TRUE(b && b->soFar);
    EXPECT_TRUE(b->estimated);
    EXPECT_EQ(*b->soFar, 1048576u);
    EXPECT_EQ(JobRule::bytesText(*b), "\u2248 1.0 MB of 4.0 MB");

    Json noUnits = running("", 0);
    noUnits["statistics"]["query"] = {{"estimatedBytesProcessed", "1024"}};
    b = JobRule::bytesProcessed(noUnits);
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->soFar);
    EXPECT_EQ(JobRule::bytesText(*b), "\u2264 1.0 KB");

    EXPECT_FALSE(JobRule::bytesProcessed(running("", 0)));
}
