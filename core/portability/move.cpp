#include "core/portability/move.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/db/lock.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/portability/copy.hpp"
#include "core/portability/diff.hpp"
#include "core/portability/peer.hpp"
#include "core/records.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/model.hpp"
#include "core/util/duration.hpp"
#include "core/util/failpoint.hpp"

namespace tenantctl::portability {

namespace {

// The tenant's row as the move reads it, on either side.
struct MoveState {
    std::string id;
    std::string status;
    std::optional<std::string> moved_to;
    std::optional<std::string> purge_after;
};

std::optional<MoveState> read_state(Context& ctx, pqxx::connection& connection, const std::string& slug) {
    pqxx::read_transaction tx(connection);
    const auto rows = tx.exec_params(fmt::format("SELECT id::text, status, moved_to, purge_after FROM {} WHERE slug = $1",
                                                 ctx.platform_table("tenants")),
                                     slug);
    if (rows.empty()) return std::nullopt;
    const auto& r = rows[0];
    return MoveState{r[0].c_str(), r[1].c_str(), r[2].is_null() ? std::nullopt : std::optional(std::string(r[2].c_str())),
                     r[3].is_null() ? std::nullopt : std::optional(std::string(r[3].c_str()))};
}

audit::Event move_event(const MoveResult& r, const std::string& phase) {
    audit::Event ev;
    ev.tenant_id = r.tenant_id;
    ev.action = "tenant.move";
    ev.resource_type = "tenant";
    ev.resource_id = r.tenant;
    ev.metadata = json{{"phase", phase}, {"to", r.to}, {"target", r.target}};
    return ev;
}

// Step 1: the app pauses its writes from here on (the contract); the status to give back at
// the destination is kept in moving_from_status.
void freeze(Context& ctx, const MoveResult& r) {
    pqxx::work tx(ctx.db());
    const auto changed = tx.exec_params(fmt::format("UPDATE {} SET moving_from_status = status, status = 'moving', "
                                                    "moved_to = $2, status_reason = $3, updated_at = now() "
                                                    "WHERE id = $1::uuid AND status IN ('active', 'suspended')",
                                                    ctx.platform_table("tenants")),
                                        r.tenant_id, r.target, "moving to --to " + r.to);
    if (changed.affected_rows() != 1)
        throw Busy(fmt::format("tenant '{}' changed status while the move started", r.tenant), "run the move again");
    audit::append(ctx, tx, move_event(r, "frozen"));
    tx.commit();
}

// Step 2: a transaction that began before the freeze may have read `active` and may still
// write and commit. Wait until every one of them has ended (as CREATE INDEX CONCURRENTLY
// waits for older transactions). Only sessions this role may see are visible: without
// pg_read_all_stats (or superuser), other roles' transactions are not, and the operator is
// told so.
void drain(Context& ctx, std::chrono::milliseconds timeout) {
    pqxx::nontransaction tx(ctx.db());
    const bool sees_all =
        tx.exec1("SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR "
                 "pg_has_role(current_user, 'pg_read_all_stats', 'member')")[0]
            .as<bool>();
    if (!sees_all)
        ctx.log().warn("this role cannot see other roles' transactions (grant it pg_read_all_stats): the move waits "
                       "only for its own role's transactions older than the freeze");
    const std::string since = tx.exec1("SELECT clock_timestamp()::text")[0].c_str();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto open = tx.exec_params(
            "SELECT string_agg(pid::text, ', ' ORDER BY pid), count(*) FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start < "
            "$1::timestamptz",
            since);
        if (open[0][1].as<long long>() == 0) return;
        if (std::chrono::steady_clock::now() >= deadline)
            throw Busy(fmt::format("{} transaction(s) that began before the tenant was frozen are still open here "
                                   "(pids {}): the tenant stays moving",
                                   open[0][1].as<long long>(), open[0][0].c_str()),
                       "end them (pg_terminate_backend) or wait, then run the move again: it resumes");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// Step 5: the destination serves the tenant, with the status it had here before the move.
void activate(Context& ctx, Peer& peer, const MoveResult& r) {
    pqxx::work tx(*peer.connection);
    const auto changed = tx.exec_params(fmt::format("UPDATE {} SET status = moving_from_status, moving_from_status = NULL, "
                                                    "moved_to = NULL, status_reason = NULL, updated_at = now() "
                                                    "WHERE id = $1::uuid AND status = 'moving'",
                                                    ctx.platform_table("tenants")),
                                        r.tenant_id);
    if (changed.affected_rows() != 1)
        throw IntegrityError(fmt::format("tenant '{}' at --to {} is no longer the copy this move made", r.tenant, r.to));
    auto ev = move_event(r, "arrived");
    ev.metadata["from"] = db::describe_target(ctx.conninfo().conninfo);
    audit::append(ctx, tx, ev);
    tx.commit();
}

// Step 6: here the tenant is `moved`; its rows stay for the grace period.
std::string retire(Context& ctx, const MoveResult& r, const util::Duration& grace) {
    pqxx::work tx(ctx.db());
    const auto changed = tx.exec_params(fmt::format("UPDATE {} SET status = 'moved', moving_from_status = NULL, "
                                                    "status_reason = $2, purge_after = now() + $3::interval, "
                                                    "updated_at = now() WHERE id = $1::uuid AND status = 'moving' "
                                                    "RETURNING purge_after",
                                                    ctx.platform_table("tenants")),
                                        r.tenant_id, "moved to --to " + r.to, util::to_pg_interval(grace));
    if (changed.size() != 1)
        throw Busy(fmt::format("tenant '{}' changed status during the move", r.tenant), "run the move again");
    // Formatted by a query of its own: Citus refuses a function that is not IMMUTABLE (to_char)
    // in the RETURNING clause of an UPDATE of a reference table.
    const std::string purge_after = tx.exec_params1("SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', "
                                                    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                                                    changed[0][0].c_str())[0]
                                        .c_str();
    auto ev = move_event(r, "moved");
    ev.metadata["purge_after"] = purge_after;
    audit::append(ctx, tx, ev);
    tx.commit();
    return purge_after;
}

}  // namespace

MoveResult move(Context& ctx, const MoveOptions& o) {
    platform::require_current(ctx);
    const auto grace = util::parse_duration(o.grace);
    const auto drain_timeout = util::parse_duration(o.drain_timeout);
    if (drain_timeout.months != 0) throw UsageError("--drain-timeout: give it in seconds, minutes or hours");
    Peer peer = open_peer(ctx, o.to, "--to");
    if (ctx.config().contexts.at(o.to).is_protected && !ctx.dry_run())
        ctx.confirm_by_typing(fmt::format("`tenantctl {}` moves tenant '{}' into the protected context '{}'", ctx.command(),
                                          o.slug, o.to),
                              o.to);
    auto here_lock = ctx.lock(tenants::lock_name(o.slug));
    db::AdvisoryLock there_lock(peer.info, tenants::lock_name(o.slug), ctx.lock_timeout(),
                                fmt::format("tenantctl {} ({})", ctx.command(), ctx.actor()));
    MoveResult result;
    result.tenant = o.slug;
    result.to = o.to;
    result.target = peer.target;
    result.dry_run = ctx.dry_run();
    const CopyOptions copy_options{o.slug, o.to, o.to_master_key, std::nullopt, std::nullopt, false, false};
    try {
        const auto here = read_state(ctx, ctx.db(), o.slug);
        if (!here) throw NotFound(fmt::format("unknown tenant '{}'", o.slug), "list tenants with `tenantctl tenant list`");
        result.tenant_id = here->id;
        if (here->status == "moved") {
            if (here->moved_to != peer.target)
                throw Refused(fmt::format("tenant '{}' has moved to {} already", o.slug, here->moved_to.value_or("?")));
            ctx.log().info(fmt::format("tenant '{}' has moved to --to {} already; nothing to do", o.slug, o.to));
            result.purge_after = here->purge_after.value_or("");
            return result;
        }
        if (here->status == "moving" && here->moved_to != peer.target)
            throw Refused(fmt::format("tenant '{}' is moving to {}, not to --to {}", o.slug, here->moved_to.value_or("?"), o.to),
                          "finish that move: run it again with the --to it started with");
        if (here->status != "moving" && here->status != "active" && here->status != "suspended")
            throw Refused(fmt::format("tenant '{}' is {}: only an active or suspended tenant moves", o.slug, here->status));

        if (ctx.dry_run()) {
            if (here->status == "moving")
                throw Refused(fmt::format("tenant '{}' is moving already: a dry run has nothing to try", o.slug),
                              "run the move without --dry-run to resume it");
            // The whole copy, verified at the destination, and rolled back: nothing is frozen.
            result.rows = copy_locked(ctx, copy_options, peer, CopyRun::plain).rows;
            result.steps = {"copied (rolled back)"};
            return result;
        }
        result.resumed = here->status == "moving";
        if (!result.resumed) {
            // Everything the copy would refuse is found before the tenant is frozen: a move that
            // cannot copy does not leave the app paused.
            copy_locked(ctx, copy_options, peer, CopyRun::checks_only);
            freeze(ctx, result);
            result.steps.push_back("froze");
            util::failpoint("move.frozen");
        }
        drain(ctx, std::chrono::duration_cast<std::chrono::milliseconds>(drain_timeout.seconds));
        result.steps.push_back("drained");
        util::failpoint("move.drained");

        auto there = read_state(ctx, *peer.connection, o.slug);
        if (there && there->id != result.tenant_id)
            throw Refused(fmt::format("another tenant has the slug '{}' at --to {} (id {})", o.slug, o.to, there->id));
        if (!there) {
            result.rows = copy_locked(ctx, copy_options, peer, CopyRun::moving).rows;
            result.steps.push_back("copied");
            util::failpoint("move.copied");
            there = read_state(ctx, *peer.connection, o.slug);
        }
        if (there->status == "moving") {
            // Both sides once more, each in one snapshot: nothing changed since the copy.
            const auto compared = diff(ctx, DiffOptions{o.slug, o.to, std::nullopt});
            if (compared.differing > 0)
                throw IntegrityError(fmt::format("tenant '{}' differs between here and --to {} in {} table(s) after the "
                                                 "copy: it stays moving on both sides",
                                                 o.slug, o.to, compared.differing),
                                     fmt::format("see `tenantctl tenant diff {} --against {}`", o.slug, o.to));
            result.steps.push_back("verified");
            util::failpoint("move.verified");
            activate(ctx, peer, result);
            result.steps.push_back("activated");
            util::failpoint("move.activated");
        } else if (there->status != "active" && there->status != "suspended") {
            throw Refused(fmt::format("tenant '{}' is {} at --to {}", o.slug, there->status, o.to));
        }
        result.purge_after = retire(ctx, result, grace);
        result.steps.push_back("retired");
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("moving the tenant (run the move again: it resumes)");
    }
    return result;
}

}  // namespace tenantctl::portability
