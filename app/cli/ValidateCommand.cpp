// SPDX-License-Identifier: MIT
#include "ValidateCommand.h"

#include "query/QueryRunner.h"
#include "query/ViewGraph.h"

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

namespace quarry::cli {
namespace {

struct FileResult {
    enum class Status { Ok, Error, Skipped } status = Status::Ok;
    SqlPosition at{0, 0};
    std::string message;
    std::uint64_t bytes = 0; ///< the file's queries, or a query of each view it defines
};

const char* statusText(FileResult::Status s) {
    switch (s) {
    case FileResult::Status::Ok: return "ok";
    case FileResult::Status::Error: return "error";
    case FileResult::Status::Skipped: return "skipped";
    }
    return "";
}

/// `project.dataset.name` as a quoted GoogleSQL name.
std::string quoted(const std::string& name) { return "`" + name + "`"; }

class Checker {
public:
    Checker(BigQueryClient& client, QueryRunner& runner, const ValidateArgs& a, std::string project, bool create)
        : client_(client), runner_(runner), a_(a), project_(std::move(project)), create_(create) {}

    FileResult check(const SqlFile& f) {
        FileResult r;
        if (!f.error.empty()) {
            int line = 0, col = 0;
            parseSqlPosition(f.error, line, col);
            return error(r, {line, col}, "the text cannot be read as SQL: " + f.error);
        }
        for (const auto& c : f.chunks) {
            QueryRequest q = request(dryRunText(c));
            try {
                const auto d = runner_.dryRun(q);
                if (!c.definition()) r.bytes += d.bytesProcessed;
            } catch (const ApiError& e) {
                SqlPosition at = c.start;
                const std::string message = mapErrorPosition(e.message(), c, at);
                return error(r, at, e.reason().empty() ? message : e.reason() + ": " + message);
            }
            if (!create_ || !c.definition()) continue;
            try {
                make(c, r);
            } catch (const ApiError& e) {
                SqlPosition at = c.start;
                return error(r, at, "passed its dry run, but making " + c.defines + " in the sandbox failed: " + e.message());
            }
        }
        return r;
    }

private:
    static FileResult error(FileResult& r, SqlPosition at, std::string message) {
        r.status = FileResult::Status::Error;
        r.at = at;
        r.message = std::move(message);
        return r;
    }

    QueryRequest request(std::string sql) const {
        QueryRequest q;
        q.sql = std::move(sql);
        q.project = project_;
        q.location = a_.location;
        q.defaultDataset = a_.dataset;
        q.useQueryCache = false;
        return q;
    }

    void run(const std::string& sql) {
        QueryRequest q = request(sql);
        q.jobCreationOptional = true; // one jobs.query, no job to follow, where the server allows
        const auto out = runner_.run(q);
        if (out.error) throw *out.error;
    }

    /// Makes what a definition defines, so the files after it can read it.
    void make(const SqlChunk& c, FileResult& r) {
        using Kind = SqlChunk::Kind;
        if (c.kind == Kind::CreateView || c.kind == Kind::CreateRoutine) {
            run(dryRunText(c)); // OR REPLACE: the folder's text is what counts
            if (c.kind == Kind::CreateView) r.bytes += runner_.dryRun(request("SELECT * FROM " + quoted(c.defines))).bytesProcessed;
            return;
        }
        if (c.kind != Kind::CreateTable) return; // materialized views, snapshots: dry run only
        TableRef ref;
        {
            const auto first = c.defines.find('.'), second = c.defines.find('.', first + 1);
            ref = {c.defines.substr(0, first), c.defines.substr(first + 1, second - first - 1), c.defines.substr(second + 1)};
        }
        try {
            client_.getTable(ref);
            return; // a table that is there keeps its rows
        } catch (const ApiError& e) {
            if (e.httpStatus() != 404) throw;
        }
        // A new table is made empty: CREATE TABLE ... AS runs its query under LIMIT 0.
        run(c.queryOffset == 0 ? c.text
                               : c.text.substr(0, c.queryOffset) + "SELECT * FROM (\n" + c.text.substr(c.queryOffset) + "\n) LIMIT 0");
    }

    BigQueryClient& client_;
    QueryRunner& runner_;
    const ValidateArgs& a_;
    std::string project_;
    bool create_;
};

} // namespace

int cmdValidate(const Globals& g, Format f, const ValidateArgs& a) {
    const auto started = std::chrono::steady_clock::now();
    auto client = makeClient(g);
    const std::string project = requireProject(client);
    const bool sandbox = !client.sandboxDataId(project).empty();
    const bool create = sandbox && !a.noCreate;
    ViewGraph graph;
    try {
        graph = readSqlFolder(a.dir, project, a.dataset);
    } catch (const std::runtime_error& e) {
        throw UsageError(e.what());
    }
    if (graph.files.empty()) throw UsageError(a.dir + ": no .sql files in it");
    for (const auto& p : graph.problems) std::cerr << "quarry-cli: validate: " << p << '\n';
    if (!sandbox)
        std::cerr << "quarry-cli: validate: not a Quarry sandbox, so nothing is made there: a file reading a view "
                     "another file defines is checked against the view as it is on the server\n";

    QueryRunner runner(client);
    Checker checker(client, runner, a, project, create);
    std::vector<FileResult> results(graph.files.size());
    std::vector<bool> done(graph.files.size(), false);
    for (const auto& wave : graph.waves) {
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t k; (k = next.fetch_add(1)) < wave.size();) {
                const std::size_t i = wave[k];
                std::string failed;
                for (const auto n : graph.needs[i])
                    if (results[n].status != FileResult::Status::Ok) failed += (failed.empty() ? "" : ", ") + graph.files[n].path;
                if (!failed.empty()) {
                    results[i].status = FileResult::Status::Skipped;
                    results[i].message = "not checked: it reads what " + failed + " define" + (failed.find(',') == std::string::npos ? "s" : "") +
                                         ", which did not pass";
                    continue;
                }
                try {
                    results[i] = checker.check(graph.files[i]);
                } catch (const std::exception& e) { // the server could not be reached, ...: this file, not the run
                    results[i].status = FileResult::Status::Error;
                    results[i].message = std::string("could not be checked: ") + e.what();
                }
            }
        };
        {
            std::vector<std::jthread> threads;
            const auto n = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, a.parallel)), wave.size());
            for (std::size_t t = 1; t < n; ++t) threads.emplace_back(work);
            work();
        }
        for (const auto i : wave) done[i] = true;
    }
    for (std::size_t i = 0; i < graph.files.size(); ++i)
        if (!done[i]) {
            results[i].status = FileResult::Status::Skipped;
            results[i].message = "not checked: it is on a cycle of files reading each other, or reads one";
        }

    std::size_t ok = 0, errors = 0, skipped = 0;
    Grid grid;
    grid.header = {"file", "status", "line", "column", "bytes_processed", "message"};
    auto add = [&](std::size_t i) {
        const auto& r = results[i];
        (r.status == FileResult::Status::Ok ? ok : r.status == FileResult::Status::Error ? errors : skipped)++;
        if (f == Format::Table) {
            if (r.status == FileResult::Status::Ok)
                std::cout << "ok       " << graph.files[i].path << "  " << humanBytes(r.bytes) << '\n';
            else if (r.status == FileResult::Status::Error)
                std::cout << "error    " << graph.files[i].path
                          << (r.at.line > 0 ? ':' + std::to_string(r.at.line) + ':' + std::to_string(r.at.col) : std::string()) << ": "
                          << r.message << '\n';
            else
                std::cout << "skipped  " << graph.files[i].path << ": " << r.message << '\n';
            return;
        }
        grid.rows.push_back({graph.files[i].path, statusText(r.status), r.at.line ? std::to_string(r.at.line) : "",
                             r.at.col ? std::to_string(r.at.col) : "", std::to_string(r.bytes), r.message});
    };
    for (const auto& wave : graph.waves)
        for (const auto i : wave) add(i);
    for (std::size_t i = 0; i < graph.files.size(); ++i)
        if (!done[i]) add(i);
    if (f != Format::Table) printGrid(std::cout, grid, f);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << graph.files.size() << " files in " << graph.waves.size() << " rounds, " << static_cast<int>(seconds * 10) / 10.0
              << " s: " << ok << " passed, " << errors << " with errors, " << skipped << " not checked"
              << (create ? " (views, routines and missing tables made in the sandbox as they passed)" : "") << '\n';
    return errors == 0 && skipped == 0 && graph.problems.empty() ? 0 : 1;
}

} // namespace quarry::cli
