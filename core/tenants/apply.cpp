#include "core/tenants/apply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <thread>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/db/lock.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/create.hpp"
#include "core/tenants/lifecycle.hpp"
#include "core/tenants/purge.hpp"
#include "core/tenants/schema_setup.hpp"

namespace tenantctl::tenants {

namespace {

std::set<std::string> affected(const Plan& plan) {
    std::set<std::string> out;
    for (const auto& item : plan.items)
        // New slugs need no lock: the unique index already lets only one creator win.
        if (item.action != Action::unchanged && item.action != Action::create) out.insert(item.slug);
    return out;
}

// Transaction-scoped per-tenant locks (the keys `tenant update` & co. hold session-wide),
// all in one statement; retried until --lock-timeout, then Busy naming a holder.
void lock_tenants(Context& ctx, pqxx::transaction_base& tx, const std::set<std::string>& slugs) {
    if (slugs.empty()) return;
    std::string keys = "{";
    for (const auto& slug : slugs) keys += (keys.size() > 1 ? "," : "") + std::to_string(db::lock_key(lock_name(slug)));
    keys += "}";
    const auto deadline = std::chrono::steady_clock::now() + ctx.lock_timeout();
    auto pause = std::chrono::milliseconds(10);
    for (;;) {
        auto r = tx.exec_params("SELECT k FROM unnest($1::bigint[]) AS k WHERE NOT pg_try_advisory_xact_lock(k) LIMIT 1",
                                keys);
        if (r.empty()) return;
        if (std::chrono::steady_clock::now() >= deadline) {
            const auto key = r[0][0].as<std::int64_t>();
            std::string slug;
            for (const auto& s : slugs)
                if (db::lock_key(lock_name(s)) == key) slug = s;
            std::string holder = db::describe_lock_holder(tx, key);
            throw Busy(fmt::format("another run holds the lock of tenant '{}'{}", slug, holder.empty() ? "" : ": " + holder),
                       "wait for it to finish, or pass a longer --lock-timeout");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(200));
    }
}

NewTenant new_tenant(Context& ctx, const Desired& d) {
    NewTenant t;
    t.slug = d.slug;
    t.name = d.name;
    t.plan = d.plan;
    t.region = d.region;
    t.admin_email = d.admin_email;
    t.isolation = d.isolation.value_or(std::string(config::to_string(ctx.config().tenancy.mode)));
    t.status = d.status.value_or("active");
    if (t.status == "suspended") t.status_reason = "tenant apply";
    if (d.settings) t.settings = *d.settings;
    if (d.flags) t.flags = *d.flags;
    t.tenancy_key = d.key;
    validate_new(t);
    return t;
}

bool has_field_changes(const PlannedChange& item) {
    return std::any_of(item.changes.begin(), item.changes.end(), [](const FieldChange& c) { return c.field != "status"; });
}

}  // namespace

ApplyResult apply(Context& ctx, const std::vector<Desired>& desired, const ApplyOptions& o) {
    platform::require_current(ctx);
    auto lock = ctx.lock("tenant-apply");
    try {
        pqxx::work tx(ctx.db());
        Plan plan = make_plan(desired, list(ctx, tx, ListFilter{"all", {}, {}}), o.prune);
        // Lock what the plan touches, then plan again from what is now stable.
        std::set<std::string> locked;
        for (int round = 0; round < 5; ++round) {
            auto want = affected(plan);
            std::set<std::string> missing;
            std::set_difference(want.begin(), want.end(), locked.begin(), locked.end(),
                                std::inserter(missing, missing.end()));
            if (missing.empty()) break;
            lock_tenants(ctx, tx, missing);
            locked.insert(missing.begin(), missing.end());
            plan = make_plan(desired, list(ctx, tx, ListFilter{"all", {}, {}}), o.prune);
        }
        ApplyResult result{plan, false};
        if (!plan.has_changes()) {
            ctx.log().info(plan.summary());
            return result;
        }
        if (ctx.dry_run()) {
            ctx.log().info("dry run: " + plan.summary());
            return result;
        }
        // --prune deletes tenants nobody named on this command line: a short manifest (the
        // wrong file, a bad merge) must not quietly start the grace period of the rest.
        if (const auto deletions = plan.count(Action::remove); deletions > 0) {
            std::string slugs;
            for (const auto& item : plan.items)
                if (item.action == Action::remove) slugs += (slugs.empty() ? "" : ", ") + item.current->slug;
            ctx.confirm(fmt::format("delete {} tenant(s) the manifest does not list ({}), purged after the grace period?",
                                    deletions, slugs));
        }

        std::vector<NewTenant> creates;
        std::vector<std::pair<Tenant, std::vector<FieldChange>>> updates;
        for (const auto& item : plan.items) {
            if (item.action == Action::create) creates.push_back(new_tenant(ctx, *item.desired));
            else if (item.desired && has_field_changes(item)) {
                std::vector<FieldChange> fields;
                for (const auto& c : item.changes)
                    if (c.field != "status") fields.push_back(c);
                updates.emplace_back(with_fields(*item.current, *item.desired), std::move(fields));
            }
        }
        auto created = insert_new(ctx, tx, creates);
        write_fields(ctx, tx, updates);
        TransitionOptions to{"tenant apply", o.grace, std::nullopt};
        for (const auto& item : plan.items) {
            if (item.action == Action::create || item.action == Action::update || item.action == Action::unchanged)
                continue;
            // Status actions carry their target as the first change (plan.cpp).
            const std::string target = item.changes.front().to.get<std::string>();
            switch (item.action) {
                case Action::suspend: write_transition(ctx, tx, *item.current, Transition::suspend, target, to); break;
                case Action::resume: write_transition(ctx, tx, *item.current, Transition::resume, target, to); break;
                case Action::restore:
                    if (purge_in_progress(ctx, tx, item.current->id))
                        throw Refused(fmt::format("{}: cannot restore tenant '{}': its purge has started",
                                                  item.desired->origin, item.slug));
                    write_transition(ctx, tx, *item.current, Transition::restore, target, to);
                    break;
                case Action::remove: write_transition(ctx, tx, *item.current, Transition::remove, target, to); break;
                default: break;
            }
        }
        audit::Event ev;
        ev.action = "tenant.apply";
        ev.resource_type = "manifest";
        ev.resource_id = o.source;
        ev.metadata = json::object();
        for (Action a : {Action::create, Action::update, Action::suspend, Action::resume, Action::restore, Action::remove,
                         Action::unchanged})
            ev.metadata[to_string(a)] = plan.count(a);
        ev.metadata["prune"] = o.prune;
        audit::append(ctx, tx, ev);
        tx.commit();
        for (const auto& c : created)
            if (c.schema) run_tenant_migrations(ctx, c.id, *c.schema);
        ctx.log().info("applied: " + plan.summary());
        result.applied = true;
        return result;
    } catch (const pqxx::unique_violation&) {
        // A concurrent `tenant create` inserted a slug this manifest creates, after the plan.
        throw Refused("a tenant this manifest creates was created by a concurrent run meanwhile; nothing was applied",
                      "re-run `tenantctl tenant apply`: it plans again from the tenants that exist now");
    } catch (...) {
        db::rethrow_translated("applying the tenant manifest");
    }
}

}  // namespace tenantctl::tenants
