// SPDX-License-Identifier: MIT
#include "QueryCommands.h"
#include "platform/System.h"

#include "query/History.h"
#include "query/QueryRunner.h"
#include "query/ResultExport.h"
#include "query/ResultPager.h"
#include "value/RowWriter.h"
#ifdef QUARRY_HAS_STORAGE_CLIENT
#include "storageapi/ReadExport.h"
#endif

#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <mutex>

namespace quarry::cli {
namespace {

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A result's pages: the one a short query was answered with, or a job's through a pager.
class Pages {
public:
    Pages(BigQueryClient& client, const QueryOutcome& out) : out_(out) {
        if (!out.rows) pager_.emplace(client, out.job);
    }
    std::optional<RowPage> next() {
        if (pager_) return pager_->next();
        if (std::exchange(given_, true)) return std::nullopt;
        return *out_.rows;
    }

private:
    const QueryOutcome& out_;
    std::optional<ResultPager> pager_;
    bool given_ = false;
};

/// Writes a finished query's rows to a.output (--api: the Storage Read API or getQueryResults).
ExportProgress exportQuery(BigQueryClient& client, const QueryOutcome& out, const QueryArgs& a, const ExportOptions& eo) {
#ifdef QUARRY_HAS_STORAGE_CLIENT
    using storageapi::ExportApi;
    const ExportApi api = a.api == "rest" ? ExportApi::Rest : a.api == "read" ? ExportApi::Read : ExportApi::Auto;
    return storageapi::exportJob(client, out.job, a.output, eo, api, [](const std::string& n) { std::cerr << "note: " << n << '\n'; });
#else
    if (a.api == "read") throw std::runtime_error("query -o: this quarry-cli was built without the Storage API: run with --api rest");
    return exportResult(client, out.job, a.output, eo);
#endif
}

void record(const QueryArgs& a, const HistoryEntry& e) {
    if (a.noHistory) return;
    try {
        History(History::defaultPath()).append(e);
    } catch (const std::exception& ex) {
        std::cerr << "quarry-cli: warning: " << ex.what() << '\n';
    }
}

} // namespace

std::string caretLines(const std::string& sql, int line, int column) {
    if (line < 1 || column < 1) return {};
    std::size_t start = 0;
    for (int l = 1; l < line; ++l) {
        start = sql.find('\n', start);
        if (start == std::string::npos) return {};
        ++start;
    }
    const auto end = sql.find('\n', start);
    const std::string text = sql.substr(start, end == std::string::npos ? std::string::npos : end - start);
    // The column counts characters: place the caret under the column-th code point.
    std::string pad;
    int col = 1;
    for (std::size_t i = 0; i < text.size() && col < column; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) == 0x80) continue;
        pad.push_back(text[i] == '\t' ? '\t' : ' ');
        ++col;
    }
    return "  " + text + "\n  " + pad + "^\n";
}

int cmdQuery(const Globals& g, Format f, const QueryArgs& a) {
    std::string sql = a.sql;
    if (sql == "-") sql.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (sql.find_first_not_of(" \t\r\n") == std::string::npos) throw UsageError("the query is empty");
    std::optional<RowFormat> outputFormat;
    if (!a.output.empty()) {
        outputFormat = a.formatGiven && f != Format::Table ? parseRowFormat(g.format) : rowFormatForPath(a.output);
        if (!outputFormat)
            throw UsageError("which format should " + a.output + " be? Name it .csv, .ndjson or .json, or add --format csv|ndjson|json");
    }
    auto client = makeClient(g);
    QueryRunner runner(client, a.pricePerTiB);
    QueryRequest r;
    r.sql = sql;
    r.project = requireProject(client);
    r.location = a.location;
    r.defaultDataset = a.dataset;
    if (a.legacy) r.legacySql = true;
    r.maximumBytesBilled = a.maxBytes;
    r.jobId = a.jobId;
    r.createSession = a.createSession;
    r.sessionId = a.sessionId;

    HistoryEntry h;
    h.sql = sql;
    h.project = r.project;
    h.startMs = nowMs();
    auto fail = [&](const ApiError& e) {
        std::cerr << "quarry-cli: " << (e.reason().empty() ? "error" : e.reason()) << ": " << e.message() << '\n';
        std::cerr << caretLines(sql, e.line(), e.column());
        if (e.reason() == "bytesBilledLimitExceeded" && a.maxBytes)
            std::cerr << "  raise --max-bytes (now " << *a.maxBytes << ") or narrow the query; --dry-run shows the estimate\n";
        h.state = e.reason() == "stopped" ? "CANCELLED" : "FAILED";
        h.errorReason = e.reason();
        h.errorMessage = e.message();
        h.errorLine = e.line();
        h.errorColumn = e.column();
        h.endMs = nowMs();
        record(a, h);
        return 1;
    };

    if (a.dryRun) {
        DryRunResult d;
        try {
            d = runner.dryRun(r);
        } catch (const ApiError& e) {
            h.dryRun = true;
            return fail(e);
        }
        std::printf("This query will process %s (%llu bytes); estimated cost $%.6f at $%.2f per TiB.\n",
                    humanBytes(d.bytesProcessed).c_str(), static_cast<unsigned long long>(d.bytesProcessed),
                    d.estimatedCostUsd, a.pricePerTiB);
        printSchemaTree(std::cout, d.schema);
        h.dryRun = true;
        h.state = "DONE";
        h.bytesProcessed = d.bytesProcessed;
        h.endMs = nowMs();
        record(a, h);
        return 0;
    }

    // Short query mode unless a job is wanted: an export reads pages of a job, a session runs in one.
    r.jobCreationOptional = a.jobCreation == "optional" && a.output.empty();
    const auto t0 = std::chrono::steady_clock::now();
    // Ctrl-C or SIGTERM while the job runs cancels it on the server (it would go on billing),
    // says which job it was and records it; a second signal during that ends the CLI at once.
    JobRef submitted;
    std::mutex submittedMutex;
    r.onSubmit = [&](const JobRef& j) {
        std::lock_guard lock(submittedMutex);
        submitted = j;
    };
    CancelToken interrupt;
    std::optional<QueryOutcome> result;
    {
        InterruptWatch watch(interrupt);
        try {
            result = runner.run(r, {}, &interrupt);
        } catch (const TransportError& e) {
            if (e.kind() != TransportError::Kind::Cancelled || !InterruptWatch::interrupted()) throw;
        }
    }
    if (!result) {
        JobRef job;
        {
            std::lock_guard lock(submittedMutex);
            job = submitted;
        }
        h.jobId = job.jobId;
        h.location = job.location;
        h.state = "CANCELLED";
        h.errorReason = "stopped";
        h.errorMessage = "interrupted by the user (signal " + std::to_string(InterruptWatch::signal()) + ")";
        if (job.jobId.empty()) {
            std::fprintf(stderr, r.jobCreationOptional ? "\nquarry-cli: interrupted before the query was answered (no job was made).\n"
                                                       : "\nquarry-cli: interrupted before a job was sent.\n");
        } else {
            std::fprintf(stderr, "\nquarry-cli: interrupted: cancelling job %s ...\n", jobRefText(job).c_str());
            try {
                const auto c = runner.cancel(job);
                h.state = c.alreadyDone ? "DONE" : "CANCELLED";
                std::fprintf(stderr, "Job %s %s.\n", jobRefText(job).c_str(),
                             c.alreadyDone ? "had already finished" : "was stopped");
            } catch (const ApiError& e) {
                if (e.httpStatus() != 404) throw;
                std::fprintf(stderr, "Job %s was never created.\n", jobRefText(job).c_str());
            }
        }
        h.endMs = nowMs();
        record(a, h);
        return 130;
    }
    const auto& out = *result;
    h.jobId = out.job.jobId;
    h.location = out.job.location;
    if (!out.ok()) return fail(*out.error);
    for (const auto& w : out.warnings) std::cerr << "quarry-cli: warning: " << w.value("message", std::string()) << '\n';

    if (!a.output.empty()) {
        ExportOptions eo;
        eo.format = *outputFormat;
        eo.progress = [&](const ExportProgress& p) {
            if (!platform::isTerminal(2)) return;
            std::fprintf(stderr, "\r%llu of %lld rows written", static_cast<unsigned long long>(p.rows),
                         static_cast<long long>(p.totalRows.value_or(0)));
        };
        const auto done = exportQuery(client, out, a, eo);
        if (platform::isTerminal(2)) std::fputc('\n', stderr);
        std::fprintf(stderr, "Wrote %llu rows (%s) to %s as %s.\n", static_cast<unsigned long long>(done.rows),
                     humanBytes(done.bytes).c_str(), a.output.c_str(), std::string(rowFormatName(*outputFormat)).c_str());
    } else if (f == Format::Table) {
        // A table needs every row to size its columns; other formats stream page by page.
        RowPage all;
        all.schema = out.schema;
        Pages pages(client, out);
        while (!a.maxRows || static_cast<std::int64_t>(all.rows.size()) < *a.maxRows) {
            auto page = pages.next();
            if (!page) break;
            for (auto& row : page->rows) {
                if (a.maxRows && static_cast<std::int64_t>(all.rows.size()) >= *a.maxRows) break;
                all.rows.push_back(std::move(row));
            }
        }
        printRows(std::cout, all, f);
    } else {
        const RowFormat rf = f == Format::Csv ? RowFormat::Csv : f == Format::NdJson ? RowFormat::NdJson : RowFormat::JsonArray;
        RowWriter writer(std::cout, rf, out.schema);
        Pages pages(client, out);
        while (!a.maxRows || static_cast<std::int64_t>(writer.rowsWritten()) < *a.maxRows) {
            auto page = pages.next();
            if (!page) break;
            std::span<const Value> rows(page->rows);
            if (a.maxRows) rows = rows.first(std::min<std::size_t>(rows.size(), static_cast<std::size_t>(*a.maxRows) - writer.rowsWritten()));
            writer.write(rows);
        }
        writer.finish();
    }
    std::cout.flush(); // rows first, then the summary on stderr
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Short query mode: the job is named only when one was made, with BigQuery's reason.
    const std::string what = out.job.jobId.empty() ? "Query " + out.queryId + " (no job)"
                             : "Job " + jobRefText(out.job) + (out.jobCreationReason.empty() ? std::string() : " (made: " + out.jobCreationReason + ")");
    std::fprintf(stderr, "%s: %lld rows in %.2f s, %s processed, %s billed%s\n", what.c_str(),
                 static_cast<long long>(out.totalRows), secs,
                 humanBytes(out.bytesProcessed).c_str(), humanBytes(out.bytesBilled).c_str(), out.cacheHit ? ", cache hit" : "");
    if (!out.sessionId.empty()) std::fprintf(stderr, "In session: %s\n", out.sessionId.c_str());
    if (a.maxRows && out.totalRows > *a.maxRows)
        std::fprintf(stderr, "Showing the first %lld of %lld rows (--max-rows).\n", static_cast<long long>(*a.maxRows),
                     static_cast<long long>(out.totalRows));
    h.state = "DONE";
    h.bytesProcessed = out.bytesProcessed;
    h.bytesBilled = out.bytesBilled;
    h.slotMs = out.slotMs;
    h.cacheHit = out.cacheHit;
    h.endMs = nowMs();
    record(a, h);
    return 0;
}

int cmdCancel(const Globals& g, const std::string& jobId, const std::string& location) {
    auto client = makeClient(g);
    QueryRunner runner(client);
    const JobRef job = parseJobRef(jobId, client.projectId(), location);
    if (job.projectId.empty()) throw UsageError("no project for job " + jobId + ": give --project or PROJECT:LOCATION.JOB_ID");
    const auto r = runner.cancel(job);
    if (r.alreadyDone) std::cout << "Job " << jobRefText(job) << " had already finished.\n";
    else std::cout << "Job " << jobRefText(job) << " was stopped.\n";
    return 0;
}

int cmdJob(const Globals& g, Format f, const std::string& spec) {
    auto client = makeClient(g);
    const JobRef ref = parseJobRef(spec, client.projectId(), "");
    if (ref.projectId.empty()) throw UsageError("no project for job " + spec + ": give --project or PROJECT:LOCATION.JOB_ID");
    const auto j = client.getJob(ref);
    if (f == Format::Json || f == Format::NdJson) {
        std::cout << j.dump(f == Format::Json ? 2 : -1) << '\n';
        return 0;
    }
    const auto& status = j.value("status", Json::object());
    const auto& stats = j.value("statistics", Json::object());
    const auto& q = j.value("configuration", Json::object()).value("query", Json::object());
    JobRef shown = ref;
    shown.location = str(j.value("jobReference", Json::object()), "location");
    std::cout << "Job " << jobRefText(shown) << '\n';
    std::cout << "  state: " << str(status, "state") << '\n';
    if (status.contains("errorResult"))
        std::cout << "  error: " << str(status["errorResult"], "reason") << ": " << str(status["errorResult"], "message") << '\n';
    for (const char* k : {"creationTime", "startTime", "endTime"})
        if (const auto v = str(stats, k); !v.empty()) std::cout << "  " << k << ": " << timeText(v, Format::Table) << '\n';
    if (const auto v = str(stats, "totalBytesProcessed"); !v.empty()) std::cout << "  totalBytesProcessed: " << v << '\n';
    if (const auto sql = str(q, "query"); !sql.empty()) std::cout << "  query: " << sql << '\n';
    return 0;
}

int cmdHistory(Format f, int last) {
    const auto entries = History(History::defaultPath()).load();
    Grid grid;
    grid.header = {"started", "state", "jobId", "processed", "sql"};
    const std::size_t from = entries.size() > static_cast<std::size_t>(last) ? entries.size() - static_cast<std::size_t>(last) : 0;
    for (std::size_t i = from; i < entries.size(); ++i) {
        const auto& e = entries[i];
        std::string sql = e.sql;
        for (auto& c : sql)
            if (c == '\n' || c == '\t') c = ' ';
        grid.rows.push_back({timeText(std::to_string(e.startMs), f), e.dryRun ? "DRY RUN" : e.state, e.jobId, humanBytes(e.bytesProcessed), sql});
    }
    printGrid(std::cout, grid, f);
    return 0;
}

} // namespace quarry::cli
