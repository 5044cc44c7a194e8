// SPDX-License-Identifier: MIT
#pragma once

#include "Common.h"
#include "Output.h"

#include <string>
#include <vector>

namespace quarry::cli {

/// quarry-cli jobs: the project's jobs, newest first.
struct JobsArgs {
    bool running = false;  ///< only pending and running ones
    bool allUsers = false; ///< every user's (jobs.list allUsers), not only the caller's
    int max = 100;
};
int cmdJobs(const Globals& g, Format f, const JobsArgs& a);

/// quarry-cli jobs watch: evaluates a JobRule over the project's pending and running jobs
/// (every user's) each round, cancels the ones it matches (or with dryRun only says so),
/// waits until each has stopped, and writes one audit line per decision: on stdout for
/// people (cancellations), and as NDJSON (time, job, user, decision, why, result) appended
/// to `log` (every job considered, kept ones too).
struct WatchArgs {
    std::string rule;          ///< --cancel-if
    std::string every = "60s"; ///< between rounds
    bool dryRun = false;
    bool once = false;         ///< one round, then exit
    std::string log;
    double slots = 0;          ///< committed slots for the estimate (0: the job's own rate)
};
int cmdJobsWatch(const Globals& g, const WatchArgs& a);

/// quarry-cli cost: bytes billed and on-demand cost per day, user or query (CostReport).
struct CostArgs {
    int days = 30;
    std::string by = "day"; ///< day, user or query
    std::string location = "US";
    double pricePerTiB = 6.25;
    bool mine = false;
    int top = 20;
};
int cmdCost(const Globals& g, Format f, const CostArgs& a);

} // namespace quarry::cli
