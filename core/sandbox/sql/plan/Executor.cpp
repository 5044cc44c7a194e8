// SPDX-License-Identifier: MIT
#include "sandbox/sql/plan/Executor.h"

#include "sandbox/sql/MemoryBudget.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/TimeZone.h"
#include "sandbox/sql/plan/AggMerge.h"
#include "sandbox/sql/plan/GroupSkip.h"
#include "sandbox/sql/plan/Join.h"
#include "sandbox/sql/plan/Output.h"

#include <algorithm>
#include <exception>
#include <numeric>
#include <optional>
#include <thread>

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

std::atomic<unsigned> gThreads{0};
std::atomic<std::size_t> gMinRows{SplitSettings{}.minRows};

/// FROM, WHERE and GROUP BY over one part of the first table's rows: the operators, each
/// with its own evaluator, so that parts can run on threads of their own.
struct Pipeline {
    /// `separate`: rows that are not grouped go to an Output of its own (a later part's).
    Pipeline(const BoundSelect& q, const ScanInput& in, RowRange range, bool separate, std::uint64_t run) : ev(*q.rows, q.outer) {
        // Tables whose rows are in memory: their columns may be cached (ColumnCache.h).
        std::vector<const TableData*> bySlot(q.width, nullptr);
        for (std::size_t i = 0; i < q.sources.size(); ++i) {
            const auto& src = q.sources[i];
            const bool inGroups = i == 0 ? in.groups != nullptr : i < in.joined.size() && in.joined[i] != nullptr;
            if (src.table && !inGroups && src.slot >= 0 && static_cast<std::size_t>(src.slot) < bySlot.size()) bySlot[src.slot] = src.table;
        }
        ev.readColumnsOf(std::move(bySlot), run);
        from = buildFrom(q, ev, fromOps, in, range);
        if (!q.where.empty()) filter.emplace(q.where, ev);
        if (q.aggregating) agg.emplace(q, ev);
        if (agg && !in.groups) agg->inputStays(); // a table read in row groups reuses its rows' memory
        else if (separate) ownOutput.emplace(q, ev, ownRows, in.groups != nullptr);
        for (auto* op : fromOps) op->stats.timed = q.reportPlan;
        if (filter) filter->stats.timed = q.reportPlan;
        if (agg) agg->stats.timed = q.reportPlan;
        if (ownOutput) ownOutput->stats.timed = q.reportPlan;
    }
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    /// Runs every row through; without aggregation into `output` (until it has enough).
    /// Stops early, leaving the rest, once `stop` says an earlier part failed.
    void run(const BoundSelect& q, Output* output, const std::atomic<bool>* stop = nullptr) {
        Batch b;
        Selection sel;
        while (from->next(b)) {
            checkCancel(q);
            if (stop && stop->load(std::memory_order_relaxed)) return;
            sel.resize(b.size);
            std::iota(sel.begin(), sel.end(), std::uint32_t{0});
            if (filter) filter->apply(b, sel);
            passed += sel.size();
            if (agg) agg->consume(b, sel);
            else if (!output->consume(b, sel)) break;
        }
    }
    std::chrono::steady_clock::duration inputTime() const {
        return from->stats.time + (filter ? filter->stats.time : std::chrono::steady_clock::duration{});
    }

    VectorEval ev;
    std::vector<RowOperator*> fromOps;
    std::unique_ptr<RowOperator> from;
    std::optional<Filter> filter;
    std::optional<HashAggregate> agg;
    std::vector<Value> ownRows;
    std::optional<Output> ownOutput;
    std::uint64_t passed = 0;
};

/// How many parts to split the query's scan into: one unless it reads a large enough table
/// first, has no subquery in its expressions and no RIGHT or FULL JOIN, and either
/// aggregates (the parts' groups are merged, which every aggregate must allow) or keeps its
/// rows to sort or de-duplicate them (each part's are joined in order).
std::size_t partsFor(const BoundSelect& q, const ScanInput& in) {
    // Cheap tests first: a subquery run once per row of its outer query comes here each time.
    if (!q.splittable || q.outer || q.sources.empty() || !q.sources[0].table || !(q.aggregating || Output::splittable(q))) return 1;
    const SplitSettings set = splitSettings();
    const std::size_t rows = in.groups ? static_cast<std::size_t>(in.groups->rowCount()) : q.sources[0].table->rows.size();
    if (rows < std::max<std::size_t>(set.minRows, 2)) return 1;
    static const unsigned cores = std::min(8U, std::max(1U, std::thread::hardware_concurrency()));
    const unsigned threads = set.threads ? set.threads : cores;
    if (threads < 2) return 1;
    if (std::any_of(q.sources.begin(), q.sources.end(), [](const auto& s) { return s.right; })) return 1;
    if (q.aggregating && !std::all_of(q.aggs.begin(), q.aggs.end(), [](const Expr* a) { return mergeable(*a); })) return 1;
    // Row groups are split whole: each part reads its own.
    return std::min<std::size_t>(threads, in.groups ? in.groups->groups() : rows);
}

/// Runs `parts` pipelines over contiguous parts of the table, the first on this thread into
/// `output`, and merges their groups (or kept rows) into the first's in order. An error is
/// the one the first failing part (in row order) raised, as one pass would have met it first.
void runSplit(const BoundSelect& q, std::vector<std::unique_ptr<Pipeline>>& parts, Output& output) {
    const std::size_t n = parts.size();
    std::vector<std::exception_ptr> errors(n);
    std::vector<std::atomic<bool>> stop(n); // stop[i]: a part before i failed
    const TimeZone* zone = TimeZone::currentIsSet() ? &TimeZone::current() : nullptr;
    const MemoryBudgetShare budget;
    auto work = [&](std::size_t i) {
        try {
            parts[i]->run(q, i == 0 ? &output : parts[i]->ownOutput ? &*parts[i]->ownOutput : nullptr, &stop[i]);
        } catch (...) {
            errors[i] = std::current_exception();
            for (std::size_t j = i + 1; j < n; ++j) stop[j] = true;
        }
    };
    {
        std::vector<std::jthread> threads;
        threads.reserve(n - 1);
        for (std::size_t i = 1; i < n; ++i)
            threads.emplace_back([&, i] {
                const MemoryBudgetShare::Scope scope(budget);
                const CancelScope cancel(q.cancelled);
                const ZoneScope inZone(zone);
                work(i);
            });
        work(0);
    } // joined here
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
    for (std::size_t i = 1; i < n; ++i) {
        if (parts[0]->agg) parts[0]->agg->absorb(*parts[i]->agg);
        else output.absorb(*parts[i]->ownOutput);
        parts[0]->passed += parts[i]->passed;
    }
}

} // namespace

void setSplitSettings(SplitSettings s) {
    gThreads = s.threads;
    gMinRows = s.minRows;
}

SplitSettings splitSettings() { return {gThreads.load(), gMinRows.load()}; }

void execute(const BoundSelect& q, QueryResult& out) {
    // Tables read in row groups: the first is scanned group by group; a joined one is read
    // once here (its used columns) for every part's hash table or loop.
    ScanInput in;
    GroupSkip skip; // built only for a table read in row groups: a subquery run per row has none
    for (std::size_t i = 0; i < q.sources.size(); ++i) {
        const auto& src = q.sources[i];
        const RowGroupSource* groups = src.table ? src.table->groupsToRead() : nullptr;
        if (i == 0) {
            in.groups = groups;
            if (groups) skip = GroupSkip::of(q, 0);
            if (groups && !skip.empty()) in.skip = &skip;
            in.keepGroups = groups && !q.windows.empty() && !q.aggregating && Output::windowsNeedRows(q); // rows wait for their analytic values
            in.joined.push_back(nullptr);
            continue;
        }
        in.joined.push_back(nullptr);
        if (!groups) continue;
        // The groups WHERE does not rule out; kept with the plan: a subquery run once per
        // outer row reads the table once.
        const GroupSkip joinedSkip = GroupSkip::of(q, i);
        std::vector<bool> wanted(groups->groups());
        std::uint64_t wantedRows = 0;
        for (std::size_t g = 0; g < wanted.size(); ++g)
            if ((wanted[g] = !joinedSkip.skips(*groups, g))) wantedRows += groups->rowsIn(g);
        if (!src.groupRows || src.groupRowsFrom != groups || src.groupRowsVersion != groups->version() || src.groupRowsRead != wanted) {
            auto read = std::make_shared<ReadRows>();
            read->rows.reserve(static_cast<std::size_t>(wantedRows));
            for (std::size_t g = 0; g < groups->groups(); ++g) {
                if (!wanted[g]) continue;
                checkCancel(q);
                auto part = groups->read(g, src.columns, &read->arena);
                std::move(part.begin(), part.end(), std::back_inserter(read->rows));
            }
            src.groupRows = std::move(read);
            src.groupRowsFrom = groups;
            src.groupRowsVersion = groups->version();
            src.groupRowsRead = std::move(wanted);
        }
        in.joined.back() = &src.groupRows->rows;
    }
    // COUNT, MIN and MAX over a table in row groups with nothing else: its groups' heads.
    const bool fromStats = in.groups && aggregatesFromStats(q, *in.groups, nullptr);
    const std::size_t n = fromStats ? 1 : partsFor(q, in);
    if (n > 1) { // one hash table per joined table, whichever part builds it
        in.hashes.resize(q.sources.size());
        for (std::size_t i = 1; i < q.sources.size(); ++i)
            if (q.sources[i].buildKey) in.hashes[i] = std::make_shared<SharedHashBuild>();
    }
    std::vector<std::unique_ptr<Pipeline>> pipelines;
    const std::uint64_t run = newRun();
    const std::size_t rows = n == 1 ? 0 : in.groups ? in.groups->groups() : q.sources[0].table->rows.size();
    for (std::size_t i = 0; i < n; ++i)
        pipelines.push_back(std::make_unique<Pipeline>(q, in, n == 1 ? RowRange{} : RowRange{rows * i / n, rows * (i + 1) / n}, i > 0, run));
    Pipeline& main = *pipelines[0];
    Output output(q, main.ev, out.rows, in.groups != nullptr);
    output.stats.timed = q.reportPlan;
    if (fromStats) aggregatesFromStats(q, *in.groups, &main.agg->groups().at(0).states);
    else if (n > 1) runSplit(q, pipelines, output);
    else main.run(q, &output);
    auto& agg = main.agg;
    const std::uint64_t passed = main.passed;
    if (agg) output.consumeGroups(agg->groups(), agg->stats);
    output.finish();
    if (!q.reportPlan) return;

    // The stages the user sees are the operators that ran: the FROM pipeline with its
    // filter, the hash aggregation, the output.
    Stages stages{out.plan};
    {
        // Each part reads its share of the first table, and all of every table joined to it.
        std::uint64_t read = 0;
        for (std::size_t i = 0; i < main.fromOps.size(); ++i) read += main.fromOps[i]->tableRows;
        for (std::size_t p = 1; p < n; ++p) read += pipelines[p]->fromOps[0]->tableRows;
        std::chrono::steady_clock::duration longest{};
        for (const auto& p : pipelines) longest = std::max(longest, p->inputTime());
        PlanStage& input = stages.add("S00: Input", {}, read, passed, longest);
        input.parallelInputs = static_cast<int>(n);
        if (n > 1)
            for (const auto& p : pipelines) input.partMs.push_back(std::chrono::duration<double, std::milli>(p->inputTime()).count());
        std::vector<std::string> reads;
        for (const auto& s : q.sources) reads.push_back(s.name);
        input.steps.push_back({"READ", reads});
        if (fromStats) input.steps.push_back({"READ", {"COUNT, MIN and MAX from the row groups' statistics: no rows read"}});
        if (q.sources.size() > 1) {
            const bool hash = std::any_of(q.sources.begin(), q.sources.end(), [](const auto& s) { return s.buildKey != nullptr; });
            input.steps.push_back({"JOIN", {std::to_string(q.sources.size()) + " inputs, " + (hash ? "hash join on equal keys" : "nested loop")}});
        }
        std::size_t pushed = 0;
        for (const auto& parts : q.pushed) pushed += parts.size();
        if (pushed > 0) input.steps.push_back({"FILTER", {"WHERE: " + counted(pushed, "condition", "conditions") + " before the joins after it"}});
        if (!q.where.empty()) input.steps.push_back({"FILTER", {"WHERE"}});
        if (n > 1) input.steps.push_back({"COMPUTE", {"rows split into " + std::to_string(n) + " parts, run side by side"}});
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
