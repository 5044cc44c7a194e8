// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace quarry::sandbox {

/// Deterministic (seeded) fault injection for reliability tests. A spec is a comma list of
/// TARGET:ACTION:PROBABILITY, e.g.
///   insertAll:503:0.05,insertAll:reset:0.02,insertAll:413:0.01,any:delay=300ms:0.1,job:delay=2s:1
/// TARGET: an API method (insertAll, list, query, getQueryResults, jobs.insert, tables.get, ...),
/// `job` (the execution of a query job), `job@KEY=VALUE` (of a query job with that label; asked
/// before `job`), `sync` (a table log's fdatasync) or `any`. ACTION: an
/// HTTP status (answered with BigQuery's error for it), `reset` (the request is carried out,
/// then the connection is dropped before the answer), delay=N(ms|s), or `eio` (for `sync`:
/// the disk reports an I/O error).
class Faults {
public:
    struct Rule {
        std::string target;
        int status = 0;            ///< HTTP status to answer, or 0
        bool reset = false;
        bool ioError = false;
        std::chrono::milliseconds delay{0};
        double probability = 0;
    };
    struct Decision {
        int status = 0;
        bool reset = false;
        bool ioError = false;
        std::chrono::milliseconds delay{0};
    };

    Faults() = default;
    /// Throws std::invalid_argument naming the bad rule.
    Faults(const std::string& spec, std::uint64_t seed);

    /// What to do with one call of `target` (rules for `any` apply too).
    Decision decide(const std::string& target);
    bool empty() const { return rules_.empty(); }
    /// Whether any rule names `target` itself (not through `any`).
    bool names(const std::string& target) const;

private:
    std::vector<Rule> rules_;
    std::mutex mutex_;
    std::mt19937_64 rng_{0};
};

} // namespace quarry::sandbox
