#include "core/maintain/maintain.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/config/config.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/maintain/tasks.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::maintain {

const std::vector<Task>& builtin_tasks() {
    static const std::vector<Task> tasks = {
        {"audit-partitions", "create the coming months' audit partitions (audit.premake)", true, audit_partitions_task},
        {"audit-seal", "extend the audit hash chains over settled events", true, audit_seal_task},
        {"audit-prune", "archive, then drop audit partitions past audit.retention (needs audit.archive_dir)", true,
         audit_prune_task},
        {"tenant-purge", "purge tenants whose grace period ended, and finish interrupted purges", true,
         tenant_purge_task},
        {"key-rotate", "rotate tenant data keys older than keys.rotate_after", true, key_rotate_task},
        {"key-reencrypt", "re-encrypt values still under an older key version (resumable)", true, key_reencrypt_task},
        {"jwt-retire", "retire JWT signing keys past their publication window", true, jwt_retire_task},
        {"gdpr-due", "report GDPR requests overdue or due within 7 days", false, gdpr_due_task},
    };
    return tasks;
}

bool Report::any_failed() const {
    return std::any_of(results.begin(), results.end(), [](const TaskResult& r) { return r.outcome.status == "failed"; });
}

bool Report::nothing_done() const {
    return std::none_of(results.begin(), results.end(), [](const TaskResult& r) {
        return r.changes_data && (r.outcome.items > 0 || r.outcome.status == "failed" || r.outcome.status == "partial");
    });
}

namespace {

// Runs one task; any failure but a lost connection or an interruption (Ctrl-C, SIGTERM from
// systemd stopping the unit) becomes a failed row. Those end the whole run: the operator asked
// it to stop, and the next run picks up every task where it was left.
Outcome run_one(Context& ctx, const Task& task, const Window& w) {
    const auto failed = [&](const Error& e) {
        if (e.code() == Exit::db_unavailable || e.code() == Exit::aborted) throw;
        ctx.log().error(fmt::format("maintain: task {} failed: {}", task.name, e.what()));
        Outcome o;
        o.status = "failed";
        o.detail = e.what();
        return o;
    };
    try {
        return task.run(ctx, w);
    } catch (const Error& e) {
        return failed(e);
    } catch (const std::exception& e) {
        try {
            db::rethrow_translated("maintain task " + task.name);
        } catch (const Error& translated) {
            return failed(translated);
        } catch (...) {
        }
        return failed(Error(Exit::runtime, e.what()));
    }
}

}  // namespace

Report run(Context& ctx, const Options& o, const std::vector<Task>& tasks) {
    if (o.only && std::none_of(tasks.begin(), tasks.end(), [&](const Task& t) { return t.name == *o.only; })) {
        std::vector<std::string> names;
        for (const auto& t : tasks) names.push_back(t.name);
        const auto suggestion = util::did_you_mean(*o.only, names);
        throw UsageError(fmt::format("--only: unknown task '{}' (tasks: {})", *o.only, util::join(names, ", ")),
                         suggestion ? "did you mean '" + *suggestion + "'?" : std::string{});
    }
    if (o.max_duration && o.max_duration->count() <= 0) throw UsageError("--max-duration must be longer than zero");
    if (o.batch_size < 1 || o.batch_size > 1000000) throw UsageError("--batch-size must be between 1 and 1000000");

    auto lock = ctx.dry_run() ? nullptr : ctx.lock("maintain");
    Window w;
    if (o.max_duration) w.deadline = ctx.now() + *o.max_duration;
    w.settle = o.settle;
    w.batch_size = o.batch_size;
    const auto& disabled = ctx.config().maintain.disable;

    Report report;
    for (const auto& task : tasks) {
        if (o.only && task.name != *o.only) continue;
        TaskResult r{task.name, {}, 0, task.changes_data};
        if (!o.only && std::find(disabled.begin(), disabled.end(), task.name) != disabled.end()) {
            r.outcome.status = "skipped";
            r.outcome.detail = "disabled in the config (maintain.disable)";
            report.results.push_back(std::move(r));
            continue;
        }
        ctx.log().debug(fmt::format("maintain: {}", task.name));
        const auto started = std::chrono::steady_clock::now();
        r.outcome = run_one(ctx, task, w);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        report.results.push_back(std::move(r));
    }
    return report;
}

Records to_records(const Report& report) {
    Records r = Records::table({"task", "status", "items", "seconds", "detail"});
    for (const auto& t : report.results)
        r.add({t.task, t.outcome.status, t.outcome.items, std::round(t.seconds * 1000) / 1000, t.outcome.detail});
    return r;
}

}  // namespace tenantctl::maintain
