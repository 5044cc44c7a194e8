// SPDX-License-Identifier: MIT
#include "sandbox/sql/plan/Executor.h"

#include "sandbox/sql/plan/Output.h"

#include <algorithm>
#include <numeric>
#include <optional>

namespace quarry::sandbox::sql::plan {
namespace {

std::string counted(std::size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

std::int64_t wallMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// Lays stages end to end from the query's start, each as long as its operators ran.
struct Stages {
    std::vector<PlanStage>& out;
    std::int64_t at = wallMs();
    PlanStage& add(std::string name, std::vector<int> inputs, std::uint64_t read, std::uint64_t written,
                   std::chrono::steady_clock::duration time) {
        PlanStage s;
        s.name = std::move(name);
        s.id = static_cast<int>(out.size());
        s.inputStages = std::move(inputs);
        s.recordsRead = read;
        s.recordsWritten = written;
        s.durationMs = std::chrono::duration<double, std::milli>(time).count();
        s.startMs = at;
        s.endMs = at + static_cast<std::int64_t>(s.durationMs);
        at = s.endMs;
        out.push_back(std::move(s));
        return out.back();
    }
};

} // namespace

void execute(const BoundSelect& q, QueryResult& out) {
    VectorEval ev(*q.rows, q.outer);
    std::vector<RowOperator*> fromOps;
    auto from = buildFrom(q, ev, fromOps);
    std::optional<Filter> filter;
    if (!q.where.empty()) filter.emplace(q.where, ev);
    std::optional<HashAggregate> agg;
    if (q.aggregating) agg.emplace(q, ev);
    Output output(q, ev, out.rows);
    for (auto* op : fromOps) op->stats.timed = q.reportPlan;
    if (filter) filter->stats.timed = q.reportPlan;
    if (agg) agg->stats.timed = q.reportPlan;
    output.stats.timed = q.reportPlan;

    Batch b;
    Selection sel;
    std::uint64_t passed = 0;
    while (from->next(b)) {
        checkCancel(q);
        sel.resize(b.size);
        std::iota(sel.begin(), sel.end(), std::uint32_t{0});
        if (filter) filter->apply(b, sel);
        passed += sel.size();
        if (agg) agg->consume(b, sel);
        else if (!output.consume(b, sel)) break;
    }
    if (agg) output.consumeGroups(agg->groups(), agg->stats);
    output.finish();
    if (!q.reportPlan) return;

    // The stages the user sees are the operators that ran: the FROM pipeline with its
    // filter, the hash aggregation, the output.
    Stages stages{out.plan};
    {
        std::uint64_t read = 0;
        for (const auto* op : fromOps) read += op->tableRows;
        PlanStage& input = stages.add("S00: Input", {}, read, passed, from->stats.time + (filter ? filter->stats.time : std::chrono::steady_clock::duration{}));
        std::vector<std::string> reads;
        for (const auto& s : q.sources) reads.push_back(s.name);
        input.steps.push_back({"READ", reads});
        if (q.sources.size() > 1) {
            const bool hash = std::any_of(q.sources.begin(), q.sources.end(), [](const auto& s) { return s.buildKey != nullptr; });
            input.steps.push_back({"JOIN", {std::to_string(q.sources.size()) + " inputs, " + (hash ? "hash join on equal keys" : "nested loop")}});
        }
        std::size_t pushed = 0;
        for (const auto& parts : q.pushed) pushed += parts.size();
        if (pushed > 0) input.steps.push_back({"FILTER", {"WHERE: " + counted(pushed, "condition", "conditions") + " before the joins after it"}});
        if (!q.where.empty()) input.steps.push_back({"FILTER", {"WHERE"}});
        input.steps.push_back({"WRITE", {agg ? "TO S01" : "TO S01: Output"}});
    }
    if (agg) {
        PlanStage& a = stages.add("S01: Aggregate", {0}, passed, agg->stats.out, agg->stats.time);
        a.steps.push_back({"AGGREGATE", {counted(q.groupKeys.size(), "group key", "group keys") + ", " + counted(q.aggs.size(), "aggregate", "aggregates")}});
        if (q.having) a.steps.push_back({"FILTER", {"HAVING"}});
        a.steps.push_back({"WRITE", {"TO S02: Output"}});
    }
    PlanStage& o = stages.add(agg ? "S02: Output" : "S01: Output", {static_cast<int>(out.plan.size()) - 1}, output.stats.in, out.rows.size(), output.stats.time);
    if (!q.windows.empty()) o.steps.push_back({"ANALYTIC", {counted(q.windows.size(), "window function", "window functions")}});
    if (q.qualify) o.steps.push_back({"FILTER", {"QUALIFY"}});
    if (q.distinct) o.steps.push_back({"AGGREGATE", {"DISTINCT"}});
    if (!q.order.empty()) o.steps.push_back({"SORT", {counted(q.order.size(), "key", "keys") + (q.limit && !q.distinct && !agg && q.windows.empty() ? ", top " + std::to_string(q.rowsWanted()) : "")}});
    if (q.limit || q.offset)
        o.steps.push_back({"LIMIT", {"OFFSET " + std::to_string(q.offset.value_or(0)) + ", LIMIT " + (q.limit ? std::to_string(*q.limit) : std::string("none"))}});
    o.steps.push_back({"WRITE", {"TO the result"}});
}

} // namespace quarry::sandbox::sql::plan
