// maintain tasks of keys: data-key rotation by age, re-encryption, JWT key retirement.
#include <algorithm>

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/keys/data_keys.hpp"
#include "core/keys/reencrypt.hpp"
#include "core/keys/signing_keys.hpp"
#include "core/maintain/tasks.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/duration.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::maintain {

namespace {

// Tenants still served (a tenant waiting for its purge gets no new keys).
constexpr const char* kServed = "t.status IN ('active', 'suspended')";

// Tenants whose active data key is older than keys.rotate_after.
std::vector<std::string> rotation_due(Context& ctx) {
    std::vector<std::string> due;
    pqxx::read_transaction tx(ctx.db());
    auto rows = tx.exec_params(
        fmt::format("SELECT t.slug FROM {} t JOIN {} k ON k.tenant_id = t.id AND k.state = 'active' "
                    "WHERE {} AND coalesce(k.activated_at, k.created_at) <= $1::timestamptz - $2::interval "
                    "ORDER BY t.slug",
                    ctx.platform_table("tenants"), ctx.platform_table("tenant_keys"), kServed),
        util::format_rfc3339_micro(ctx.now()), util::to_pg_interval(ctx.config().keys.rotate_after));
    for (const auto& row : rows) due.emplace_back(row[0].c_str());
    return due;
}

}  // namespace

Outcome key_rotate_task(Context& ctx, const Window&) {
    platform::require_current(ctx);
    const std::vector<std::string> due = rotation_due(ctx);
    Outcome o;
    std::vector<std::string> rotated, failed;
    for (const auto& slug : due) {
        try {
            keys::rotate(ctx, {slug, false});
            rotated.push_back(slug);
        } catch (const Error& e) {
            if (e.code() == Exit::db_unavailable) throw;
            failed.push_back(fmt::format("{}: {}", slug, e.what()));
        }
    }
    o.items = static_cast<long long>(rotated.size());
    std::vector<std::string> parts;
    if (!rotated.empty())
        parts.push_back(fmt::format("{} the data key of {} (older than {})", ctx.dry_run() ? "would rotate" : "rotated",
                                    name_list(rotated), util::to_string(ctx.config().keys.rotate_after)));
    if (!failed.empty()) {
        o.status = "failed";
        parts.push_back("failed: " + name_list(failed, 3));
    }
    o.detail = parts.empty() ? "nothing due" : util::join(parts, "; ");
    return o;
}

Outcome key_reencrypt_task(Context& ctx, const Window& w) {
    platform::require_current(ctx);
    // Due: a tenant with an older usable key version and no finished re-encryption to its
    // active version (rotated by key-rotate, by hand, or stopped at --max-duration earlier).
    std::vector<tenants::TenantRef> due;
    {
        pqxx::read_transaction tx(ctx.db());
        auto rows = tx.exec_params(
            fmt::format("SELECT t.id::text, t.slug, t.status, t.isolation, coalesce(t.tenancy_key, t.id::text) FROM {0} t "
                        "JOIN {1} a ON a.tenant_id = t.id AND a.state = 'active' "
                        "WHERE {3} "
                        "AND EXISTS (SELECT 1 FROM {1} k WHERE k.tenant_id = t.id AND k.state = 'decrypt_only') "
                        "AND NOT EXISTS (SELECT 1 FROM {2} j WHERE j.kind = $1 AND j.tenant_id = t.id "
                        "                AND j.state = 'done' AND (j.cursor->>'to_version')::int = a.version) "
                        "ORDER BY t.slug",
                        ctx.platform_table("tenants"), ctx.platform_table("tenant_keys"), ctx.platform_table("jobs"),
                        kServed),
            keys::kReencryptJob);
        for (const auto& row : rows) due.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str()});
    }
    Outcome o;
    std::vector<std::string> names;
    for (const auto& t : due) names.push_back(t.slug);
    if (ctx.dry_run()) {
        // key-rotate would make these due first (unless it is switched off).
        const auto& disabled = ctx.config().maintain.disable;
        if (std::find(disabled.begin(), disabled.end(), "key-rotate") == disabled.end())
            for (auto& slug : rotation_due(ctx))
                if (std::find(names.begin(), names.end(), slug) == names.end()) names.push_back(std::move(slug));
        std::sort(names.begin(), names.end());
        o.items = static_cast<long long>(names.size());
        o.detail = names.empty() ? "nothing due" : "would re-encrypt the values of " + name_list(names);
        return o;
    }
    keys::ReencryptOptions ro;
    ro.batch_size = w.batch_size;
    ro.deadline = w.deadline;
    std::vector<std::string> finished, stopped, failed, left;
    for (const auto& t : due) {
        // Past the deadline no new tenant starts, but a run always makes some progress: the
        // first tenant gets at least one batch even in a window that is already over.
        const bool started_one = !finished.empty() || !stopped.empty() || !failed.empty();
        if (started_one && w.deadline && ctx.now() >= *w.deadline) {
            left.push_back(t.slug);
            continue;
        }
        try {
            auto r = keys::reencrypt_tenant(ctx, t, ro);
            o.items += r.reencrypted_this_run;
            o.counts["conflicts"] += r.conflicts;
            if (r.undecryptable > 0)
                failed.push_back(fmt::format("{}: {} values do not decrypt with any of its keys", t.slug, r.undecryptable));
            else if (r.completed)
                finished.push_back(fmt::format("{} (to v{})", t.slug, r.to_version));
            else
                stopped.push_back(t.slug);
        } catch (const Error& e) {
            if (e.code() == Exit::db_unavailable || e.code() == Exit::aborted) throw;  // Ctrl-C ends the run
            failed.push_back(fmt::format("{}: {}", t.slug, e.what()));
        }
    }
    std::vector<std::string> parts;
    if (!due.empty()) parts.push_back(fmt::format("{} values re-encrypted", o.items));
    if (!finished.empty()) parts.push_back("finished " + name_list(finished));
    if (!stopped.empty() || !left.empty()) {
        o.status = "partial";
        stopped.insert(stopped.end(), left.begin(), left.end());
        parts.push_back("stopped at --max-duration; the next run resumes " + name_list(stopped));
    }
    if (!failed.empty()) {
        o.status = "failed";
        parts.push_back("failed: " + name_list(failed, 3));
    }
    o.detail = parts.empty() ? "nothing due" : util::join(parts, "; ");
    return o;
}

Outcome jwt_retire_task(Context& ctx, const Window&) {
    auto kids = keys::retire_expired_signing_keys(ctx);
    Outcome o;
    o.items = static_cast<long long>(kids.size());
    o.detail = kids.empty() ? "nothing due"
                            : fmt::format("{} {}", ctx.dry_run() ? "would retire" : "retired", name_list(kids));
    return o;
}

}  // namespace tenantctl::maintain
