// maintain task tenant-purge: tenants past their grace period, and unfinished purges.
#include <fmt/format.h>

#include "core/context.hpp"
#include "core/maintain/tasks.hpp"
#include "core/tenants/purge.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::maintain {

Outcome tenant_purge_task(Context& ctx, const Window& w) {
    tenants::PurgeOptions po;
    po.batch_size = w.batch_size;
    if (w.deadline) {
        // purge's deadline is on the steady clock: translate the time left.
        const auto left = std::chrono::duration_cast<std::chrono::steady_clock::duration>(*w.deadline - ctx.now());
        po.deadline = std::chrono::steady_clock::now() + left;
    }
    auto due = tenants::purge_due(ctx, po);
    Outcome o;
    std::vector<std::string> done, interrupted, failed;
    long long rows = 0;
    for (const auto& p : due.purged) {
        if (p.outcome == "interrupted") {
            interrupted.push_back(p.slug);
        } else if (p.outcome != "already_purged") {
            done.push_back(p.slug);
        }
        rows += p.rows_deleted;
    }
    for (const auto& [slug, error] : due.failed) failed.push_back(fmt::format("{}: {}", slug, error));
    o.items = static_cast<long long>(done.size());
    o.counts["rows"] = rows;
    std::vector<std::string> parts;
    if (!done.empty())
        parts.push_back(fmt::format("{} {} ({} rows)", ctx.dry_run() ? "would purge" : "purged", name_list(done), rows));
    if (!interrupted.empty() || due.deadline_reached) {
        o.status = "partial";
        parts.push_back(fmt::format("stopped at --max-duration{}; the next run resumes",
                                    interrupted.empty() ? "" : " during " + name_list(interrupted)));
    }
    if (!failed.empty()) {
        o.status = "failed";
        parts.push_back("failed: " + name_list(failed, 3));
    }
    o.detail = parts.empty() ? "nothing due" : util::join(parts, "; ");
    return o;
}

}  // namespace tenantctl::maintain
