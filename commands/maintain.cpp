// tenantctl maintain
#include <fmt/format.h>

#include <chrono>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/maintain/maintain.hpp"
#include "core/maintain/metrics.hpp"
#include "core/util/atomic_file.hpp"
#include "core/util/duration.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::commands {

namespace {

struct MaintainOptions {
    std::optional<std::string> only;
    std::optional<std::string> max_duration;
    std::string settle = "60s";
    long batch_size = 5000;
    std::string metrics_file;
};

Records run_maintain(Context& ctx, const MaintainOptions& o) {
    maintain::Options mo;
    mo.only = o.only;
    if (o.max_duration) {
        const auto d = util::parse_duration(*o.max_duration);
        if (d.months != 0) throw UsageError("--max-duration: give days, hours or minutes, not months");
        mo.max_duration = d.seconds;
    }
    mo.settle = util::parse_duration(o.settle);
    mo.batch_size = o.batch_size;

    maintain::Report report;
    try {
        report = maintain::run(ctx, mo);
    } catch (const Error& e) {
        // The database did not answer: the textfile still says so (up 0), as doctor's does,
        // instead of keeping the last good run's figures as if nothing happened.
        if (e.code() == Exit::db_unavailable && !o.metrics_file.empty() && !ctx.dry_run()) {
            const double now = std::chrono::duration<double>(ctx.now().time_since_epoch()).count();
            try {
                util::write_file_atomic(o.metrics_file, maintain::metrics_text({}, now,
                                                                               maintain::read_last_success(o.metrics_file),
                                                                               false));
            } catch (const Error& write_error) {
                ctx.log().error(fmt::format("the metrics file was not written: {}", write_error.what()));
            }
        }
        throw;
    }
    Records r = maintain::to_records(report);
    if (report.any_failed()) {
        r.exit = Exit::partial;
        std::vector<std::string> failed;
        for (const auto& t : report.results)
            if (t.outcome.status == "failed") failed.push_back(t.task);
        r.failure = fmt::format("maintain: {} task(s) failed: {}", failed.size(), util::join(failed, ", "));
    } else if (report.nothing_done()) {
        ctx.log().info(ctx.dry_run() ? "maintain: nothing is due" : "maintain: nothing was due; nothing changed");
    }

    // Metrics are written after the tasks, also when some failed: that is when alerts need
    // them. A dry run changes nothing, the metrics file included.
    if (!o.metrics_file.empty() && !ctx.dry_run()) {
        const double now = std::chrono::duration<double>(ctx.now().time_since_epoch()).count();
        try {
            util::write_file_atomic(o.metrics_file,
                                    maintain::metrics_text(report, now, maintain::read_last_success(o.metrics_file)));
        } catch (const Error& e) {
            if (r.exit == Exit::ok) {
                r.exit = e.code() == Exit::ok ? Exit::runtime : e.code();
                r.failure = fmt::format("maintain: the tasks ran, but the metrics file was not written: {}", e.what());
            } else {
                ctx.log().error(fmt::format("the metrics file was not written: {}", e.what()));
            }
        }
    }
    return r;
}

}  // namespace

void declare_maintain(cli::Registry& r) {
    std::string tasks;
    for (const auto& t : maintain::builtin_tasks()) tasks += fmt::format("\n  {:<17} {}", t.name, t.summary);
    r.command<MaintainOptions>("maintain", "Run every due housekeeping task once (for cron and systemd timers)")
        .option("--only", &MaintainOptions::only, "run just this task (also when disabled in the config)", "TASK")
        .choices([] {
            std::vector<std::string> names;
            for (const auto& t : maintain::builtin_tasks()) names.push_back(t.name);
            return names;
        }())
        .option("--max-duration", &MaintainOptions::max_duration,
                "stop purges and re-encryption between batches after this long; the next run resumes", "DURATION")
        .option("--settle", &MaintainOptions::settle, "audit-seal leaves events younger than this (default 60s)",
                "DURATION")
        .option("--batch-size", &MaintainOptions::batch_size, "rows per transaction in purges and re-encryption",
                "N")
        .option("--metrics-file", &MaintainOptions::metrics_file,
                "write per-task Prometheus metrics to this textfile (atomically)", "FILE")
        .complete(cli::Completer::file)
        .mutating()
        .description("Runs the tasks in this order, each on its own (a failing task does not stop the others):" +
                     tasks +
                     "\n\nOne run at a time: a second one waits --lock-timeout for the 'maintain' lock, then exits 6. "
                     "Switch tasks off with `maintain: {disable: [TASK, ...]}` in tenantctl.yaml. Each task prints "
                     "one row: status ok, failed, skipped or partial (stopped at --max-duration; the next run "
                     "resumes), items processed, seconds and a detail. Exits 0 when every task succeeded, 9 when "
                     "some failed, 7 when the database went away (checkpoints stay; rerun). --dry-run lists what is "
                     "due and writes no metrics.")
        .example("tenantctl maintain --dry-run")
        .example("tenantctl maintain --max-duration 2h --metrics-file /var/lib/node_exporter/textfile/tenantctl.prom")
        .example("tenantctl maintain --only gdpr-due -o json")
        .run(run_maintain);
}

}  // namespace tenantctl::commands
