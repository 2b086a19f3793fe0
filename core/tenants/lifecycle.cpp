#include "core/tenants/lifecycle.hpp"

#include <fmt/format.h>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/create.hpp"
#include "core/tenants/purge.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::tenants {

const char* to_string(Transition t) {
    switch (t) {
        case Transition::suspend: return "suspend";
        case Transition::resume: return "resume";
        case Transition::remove: return "delete";
        case Transition::restore: return "restore";
    }
    return "?";
}

namespace {
[[noreturn]] void refuse(const Tenant& t, Transition tr, const std::string& why, std::string hint = {}) {
    throw Refused(fmt::format("cannot {} tenant '{}': {}", to_string(tr), t.slug, why), std::move(hint));
}
}  // namespace

std::optional<std::string> next_status(const Tenant& cur, Transition tr) {
    const std::string& s = cur.status;
    if (s == "purged") refuse(cur, tr, "it was purged (only a tombstone is left)");
    if (s == "moving")
        refuse(cur, tr, "it is moving to another database",
               fmt::format("finish the move: run `tenantctl tenant move {} --to ...` again", cur.slug));
    if (s == "moved")
        refuse(cur, tr, "it has moved to another database (" + cur.moved_to.value_or("?") + ")",
               "`tenantctl maintain` purges what is left here after the grace period");
    switch (tr) {
        case Transition::suspend:
            if (s == "suspended") return std::nullopt;
            if (s == "active") return "suspended";
            refuse(cur, tr, "it is pending deletion", "restore it first with `tenantctl tenant restore`");
        case Transition::resume:
            if (s == "active") return std::nullopt;
            if (s == "suspended") return "active";
            refuse(cur, tr, "it is pending deletion", "use `tenantctl tenant restore`");
        case Transition::remove:
            if (s == "pending_deletion") return std::nullopt;
            return "pending_deletion";
        case Transition::restore:
            if (s != "pending_deletion") return std::nullopt;
            return cur.suspended_at ? "suspended" : "active";
    }
    return std::nullopt;
}

void write_fields(Context& ctx, pqxx::transaction_base& tx,
                  const std::vector<std::pair<Tenant, std::vector<FieldChange>>>& rows) {
    if (rows.empty()) return;
    json data = json::array();
    for (const auto& [t, _] : rows)
        data.push_back(json{{"id", t.id},
                            {"name", opt(t.name)},
                            {"plan", opt(t.plan)},
                            {"region", opt(t.region)},
                            {"admin_email", opt(t.admin_email)},
                            {"settings", json::parse(t.settings.dump())},
                            {"flags", json::parse(t.flags.dump())}});
    tx.exec_params(fmt::format("UPDATE {} AS t SET name = r.name, plan = r.plan, region = r.region, "
                               "  admin_email = r.admin_email, settings = r.settings, flags = r.flags, updated_at = now() "
                               "FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, name text, plan text, region text, "
                               "     admin_email text, settings jsonb, flags jsonb) "
                               "WHERE t.id = r.id",
                               ctx.platform_table("tenants")),
                   data.dump());
    for (const auto& [t, changes] : rows) {
        audit::Event ev;
        ev.tenant_id = t.id;
        ev.action = "tenant.update";
        ev.resource_type = "tenant";
        ev.resource_id = t.slug;
        json fields = json::array();
        for (const auto& c : changes) fields.push_back(c.field);  // names only: values may be personal
        ev.metadata = json{{"fields", fields}};
        audit::append(ctx, tx, ev);
    }
}

void write_transition(Context& ctx, pqxx::transaction_base& tx, const Tenant& t, Transition tr, const std::string& to,
                      const TransitionOptions& o) {
    const std::string table = ctx.platform_table("tenants");
    std::optional<std::string> reason = o.reason.empty() ? std::nullopt : std::optional<std::string>(o.reason);
    switch (tr) {
        case Transition::suspend:
            tx.exec_params(fmt::format("UPDATE {} SET status = 'suspended', status_reason = $2, suspended_at = now(), "
                                       "updated_at = now() WHERE id = $1::uuid",
                                       table),
                           t.id, reason);
            break;
        case Transition::resume:
            tx.exec_params(fmt::format("UPDATE {} SET status = 'active', status_reason = NULL, suspended_at = NULL, "
                                       "updated_at = now() WHERE id = $1::uuid",
                                       table),
                           t.id);
            break;
        case Transition::remove:
            tx.exec_params(fmt::format("UPDATE {} SET status = 'pending_deletion', status_reason = $2, "
                                       "delete_requested_at = now(), purge_after = now() + $3::interval, "
                                       "updated_at = now() WHERE id = $1::uuid",
                                       table),
                           t.id, reason, util::to_pg_interval(o.grace));
            break;
        case Transition::restore:
            // suspended_at is chosen here rather than by CASE and coalesce around now(), which
            // Citus refuses in an UPDATE of a reference table (tenants is one on a cluster).
            tx.exec_params(fmt::format("UPDATE {} SET status = $2, status_reason = NULL, delete_requested_at = NULL, "
                                       "purge_after = NULL, suspended_at = {}, updated_at = now() WHERE id = $1::uuid",
                                       table, to == "suspended" ? "suspended_at" : "NULL"),
                           t.id, to);
            if (to == "suspended")
                tx.exec_params(fmt::format("UPDATE {} SET suspended_at = now() WHERE id = $1::uuid AND suspended_at IS NULL",
                                           table),
                               t.id);
            break;
    }
    audit::Event ev;
    ev.tenant_id = t.id;
    ev.action = std::string("tenant.") + to_string(tr);
    ev.resource_type = "tenant";
    ev.resource_id = t.slug;
    ev.metadata = json{{"from", t.status}, {"to", to}};
    if (reason) ev.metadata["reason"] = *reason;
    if (tr == Transition::remove) ev.metadata["grace"] = util::to_string(o.grace);
    audit::append(ctx, tx, ev);
}

ChangeResult update(Context& ctx, const std::string& slug, const UpdateSpec& spec) {
    if (spec.name) check_text("--name", *spec.name);
    if (spec.plan) check_text("--plan", *spec.plan);
    if (spec.region) check_text("--region", *spec.region);
    if (spec.admin_email) check_email(*spec.admin_email);
    platform::require_current(ctx);
    auto lock = ctx.lock(lock_name(slug));
    try {
        pqxx::work tx(ctx.db());
        Tenant cur = load_or_throw(ctx, tx, slug);
        if (cur.status == "purged")
            throw Refused(fmt::format("cannot update tenant '{}': it was purged (only a tombstone is left)", slug));
        Desired d;
        d.slug = slug;
        d.name = spec.name;
        d.plan = spec.plan;
        d.region = spec.region;
        d.admin_email = spec.admin_email;
        if (!spec.set.empty() || !spec.unset.empty()) {
            Value settings = cur.settings;
            for (const auto& k : spec.unset) settings.erase(k);
            for (const auto& [k, v] : spec.set) settings[k] = v;
            d.settings = settings;
        }
        if (!spec.flags.empty()) {
            Value flags = cur.flags;
            for (const auto& [k, v] : spec.flags) flags[k] = v;
            d.flags = flags;
        }
        auto changes = field_changes(cur, d);
        if (changes.empty()) {
            ctx.log().info(fmt::format("tenant '{}' already matches; nothing to change", slug));
            return ChangeResult{cur, {}, false};
        }
        if (ctx.dry_run()) {
            ctx.log().info(fmt::format("dry run: would change {} field(s) of tenant '{}'", changes.size(), slug));
            return ChangeResult{cur, changes, false};
        }
        write_fields(ctx, tx, {{with_fields(cur, d), changes}});
        Tenant after = load_or_throw(ctx, tx, slug);
        tx.commit();
        return ChangeResult{after, changes, true};
    } catch (...) {
        db::rethrow_translated(fmt::format("updating tenant '{}'", slug));
    }
}

ChangeResult change_status(Context& ctx, const std::string& slug, Transition tr, const TransitionOptions& options,
                           bool force) {
    if (!options.reason.empty()) check_text("--reason", options.reason);
    platform::require_current(ctx);
    auto lock = ctx.lock(lock_name(slug));
    try {
        pqxx::work tx(ctx.db());
        Tenant cur = load_or_throw(ctx, tx, slug);
        auto to = next_status(cur, tr);
        if (!to) {
            ctx.log().info(fmt::format("tenant '{}' is already {}; nothing to do", slug, cur.status));
            return ChangeResult{cur, {}, false};
        }
        if (tr == Transition::restore) {
            if (purge_in_progress(ctx, tx, cur.id))
                throw Refused(fmt::format("cannot restore tenant '{}': its purge has started and some data is gone",
                                          slug),
                              "finish it with `tenantctl tenant purge " + slug + "`");
            if (cur.purge_after && !force &&
                tx.exec_params1("SELECT $1::timestamptz <= now()", *cur.purge_after)[0].as<bool>())
                throw Refused(fmt::format("cannot restore tenant '{}': its grace period ended at {}", slug,
                                          *cur.purge_after),
                              "pass --force to restore it anyway (it has not been purged yet)");
        }
        std::vector<FieldChange> changes{FieldChange{"status", cur.status, *to}};
        if (ctx.dry_run()) {
            ctx.log().info(fmt::format("dry run: would {} tenant '{}' ({} -> {})", to_string(tr), slug, cur.status, *to));
            return ChangeResult{cur, changes, false};
        }
        write_transition(ctx, tx, cur, tr, *to, options);
        Tenant after = load_or_throw(ctx, tx, slug);
        tx.commit();
        return ChangeResult{after, changes, true};
    } catch (...) {
        db::rethrow_translated(fmt::format("{} tenant '{}'", to_string(tr), slug));
    }
}

}  // namespace tenantctl::tenants
