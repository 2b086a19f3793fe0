// `tenantctl maintain`: every due housekeeping task in one cron-safe run (DESIGN section 2).
//
// One run holds the session advisory lock 'maintain' (a second run waits --lock-timeout, then
// exits 6) and runs the tasks in a fixed order, each one on its own: a task that fails is
// reported and the next one still runs. Only a lost database connection stops the run (exit
// 7); every task is resumable (its own transactions and `jobs` checkpoints), so the next run
// picks up where this one stopped. Heavy tasks (tenant-purge, key-reencrypt) stop between
// batches at --max-duration, so a nightly window is respected and the next night resumes.
//
// The task adapters live in tasks_*.cpp; they call the feature modules' own functions, so
// `maintain` does exactly what the single commands do.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/records.hpp"
#include "core/util/duration.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::maintain {

// What one task did.
struct Outcome {
    std::string status = "ok";  // ok | failed | skipped | partial (stopped at --max-duration)
    long long items = 0;        // things processed (or, with --dry-run, due)
    std::string detail;         // one line for people
    std::map<std::string, long long> counts;  // extra figures exported as metrics
};

// What a task may use from the run.
struct Window {
    std::optional<TimePoint> deadline;  // --max-duration from the start of the run
    util::Duration settle{0, std::chrono::seconds(60)};
    long batch_size = 5000;
};

struct Task {
    std::string name;     // one of config::kMaintainTasks
    std::string summary;  // for --help
    bool changes_data = true;  // false for reports (gdpr-due): items there are not "work done"
    std::function<Outcome(Context&, const Window&)> run;
};

// The built-in tasks in run order (audit partitions first so the other tasks' audit events
// land in a real partition; gdpr-due last as the report).
const std::vector<Task>& builtin_tasks();

struct Options {
    std::optional<std::string> only;  // run just this task (even if disabled in the config)
    std::optional<std::chrono::seconds> max_duration;
    util::Duration settle{0, std::chrono::seconds(60)};
    long batch_size = 5000;
};

struct TaskResult {
    std::string task;
    Outcome outcome;
    double seconds = 0;
    bool changes_data = true;
};

struct Report {
    std::vector<TaskResult> results;
    bool any_failed() const;
    // True when no task that changes data had anything to do.
    bool nothing_done() const;
};

// Runs the selected tasks under the 'maintain' lock (not taken with --dry-run). Throws
// UsageError for an unknown --only, Busy when another run holds the lock, DbUnavailable when
// the connection is lost (the tasks' checkpoints stay).
Report run(Context& ctx, const Options& o, const std::vector<Task>& tasks = builtin_tasks());

Records to_records(const Report& report);

}  // namespace tenantctl::maintain
