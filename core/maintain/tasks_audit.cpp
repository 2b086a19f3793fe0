// maintain tasks of the audit log: partitions ahead, seal, prune past retention.
#include <fmt/format.h>

#include "core/audit/chain.hpp"
#include "core/audit/partitions.hpp"
#include "core/context.hpp"
#include "core/maintain/tasks.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::maintain {

std::string name_list(const std::vector<std::string>& names, std::size_t max) {
    if (names.size() <= max) return util::join(names, ", ");
    std::vector<std::string> head(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(max));
    return fmt::format("{} and {} more", util::join(head, ", "), names.size() - max);
}

Outcome audit_partitions_task(Context& ctx, const Window&) {
    auto res = audit::ensure_partitions(ctx, ctx.config().audit.premake);
    Outcome o;
    o.items = static_cast<long long>(res.created.size());
    o.detail = res.created.empty() ? "nothing due"
                                   : fmt::format("{} {}", ctx.dry_run() ? "would create" : "created", name_list(res.created));
    if (res.moved_rows > 0) o.detail += fmt::format("; {} rows moved out of the default partition", res.moved_rows);
    if (!res.past_retention.empty())
        o.detail += "; rows of months past retention stay in the default partition: " + name_list(res.past_retention);
    return o;
}

Outcome audit_seal_task(Context& ctx, const Window& w) {
    audit::SealOptions so;
    so.settle = w.settle;
    Outcome o;
    std::vector<std::string> chains;
    for (const auto& s : audit::seal(ctx, so)) {
        if (s.sealed == 0) continue;
        o.items += s.sealed;
        chains.push_back(fmt::format("{} ({})", s.tenant, s.sealed));
    }
    o.detail = chains.empty() ? "nothing due"
                              : fmt::format("{} {} events: {}", ctx.dry_run() ? "would seal" : "sealed", o.items,
                                            name_list(chains));
    return o;
}

Outcome audit_prune_task(Context& ctx, const Window&) {
    Outcome o;
    const auto& audit = ctx.config().audit;
    if (!audit.archive_dir) {
        // Never drop audit data without a copy; an operator chooses the archive first.
        o.status = "skipped";
        o.detail = "audit.archive_dir is not set: partitions past retention are kept (set it to archive and prune)";
        return o;
    }
    audit::PruneOptions po;
    po.older_than = audit.retention;
    po.archive_dir = audit.archive_dir;
    std::vector<std::string> dropped;
    for (const auto& p : audit::prune_partitions(ctx, po)) {
        ++o.items;
        dropped.push_back(fmt::format("{} ({} rows)", p.partition, p.rows));
    }
    o.detail = dropped.empty() ? "nothing due"
                               : fmt::format("{} {}", ctx.dry_run() ? "would archive and drop" : "archived and dropped",
                                             name_list(dropped));
    return o;
}

}  // namespace tenantctl::maintain
