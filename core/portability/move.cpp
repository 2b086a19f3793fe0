#include "core/portability/move.hpp"
#include "core/portability/move_steps.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/db/lock.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/portability/batched_copy.hpp"
#include "core/portability/copy.hpp"
#include "core/portability/diff.hpp"
#include "core/portability/journal.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/model/row_access.hpp"
#include "core/portability/app_rows.hpp"
#include "core/portability/online.hpp"
#include "core/portability/peer.hpp"
#include "core/records.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/model.hpp"
#include "core/util/duration.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

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
        // Polled often: the app is paused until this ends, and its transactions are short.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
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


// Whether a copy in batches of the tenant is unfinished at the destination (batched_copy.hpp).
bool copy_unfinished(Context& ctx, Peer& peer, const std::string& tenant_id) {
    pqxx::read_transaction dst(*peer.connection);
    return find_copy_checkpoint(ctx, dst, tenant_id).has_value();
}

// The tenant's stream (online.hpp): its name, and what it carries.
struct Stream {
    std::string name;
    std::string value;  // the tenancy value its row filters select
    std::shared_ptr<const model::TenantData> data;
    std::size_t tables = 0;  // how many relations it carries
};

// Loads the tenant's model: only for a move that streams.
Stream stream_of(Context& ctx, const std::string& slug, std::string name) {
    pqxx::read_transaction tx(ctx.db());
    const auto tenant = tenants::resolve(ctx, tx, slug);
    Stream s;
    s.name = std::move(name);
    s.value = tenant.tenancy_value;
    s.data = std::make_shared<const model::TenantData>(gdpr::load_model(ctx, tx, tenant));
    for (const auto& r : s.data->relations())
        if (online::streamed(r)) ++s.tables;
    return s;
}

// Everything an online move needs, or Refused listing what is missing; then the publication,
// made and rolled back, so its row filters are known to be accepted.
void require_online(Context& ctx, Peer& peer, const Stream& stream) {
    pqxx::work src(ctx.db());
    pqxx::read_transaction dst(*peer.connection);
    if (auto problems = online::problems(src, dst, *stream.data, ctx.conninfo().conninfo); !problems.empty()) {
        Refused e(fmt::format("the tenant cannot move --online ({} problem{})", problems.size(),
                              problems.size() == 1 ? "" : "s"),
                  "fix them, or move it without --online (the app then pauses for the whole copy)");
        for (auto& p : problems) e.with_detail(std::move(p));
        throw e;
    }
    src.exec(online::publication_sql(src, *stream.data, stream.name, stream.value));
}  // src rolls back

// A stream that failed before the freeze: taken down, and the rows it brought deleted at the
// destination (no other rows of the tenant's value were there: the move checked before it
// began), so a re-run starts over.
void abandon(Context& ctx, Peer& peer, const Stream& stream, const MoveResult& r) {
    online::stop(ctx.db(), *peer.connection, stream.name);
    pqxx::work dst(*peer.connection);
    const auto theirs = model::TenantData::load(ctx, dst);
    model::enter_tenant(ctx, dst, stream.value);
    std::set<std::string> streamed;
    for (const auto& r : theirs.relations())
        if (online::streamed(r)) streamed.insert(r.name.display());
    delete_tenant_rows(dst, theirs, streamed, stream.value);
    dst.commit();
    online::unpublish(ctx.db(), stream.name);
    drop_journal(ctx, peer, r, stream.name);
}

// The move's change journal on both sides (journal.hpp). Without it on a side, the switch
// counts that side's rows to verify them: slower, as sure. False when neither side has one.
bool make_journal(Context& ctx, Peer& peer, const Stream& stream, const journal::Journal& j) {
    int journaled = 0;
    const auto on = [&](pqxx::connection& c, const model::TenantData& data, const char* where) {
        try {
            journaled += journal::install(ctx, c, j, data, stream.value);
        } catch (const pqxx::sql_error& e) {
            ctx.log().warn(fmt::format("tenant move: no change journal {} ({}): the switch counts the tenant's rows there",
                                       where, util::first_line(e.what())));
        }
    };
    on(ctx.db(), *stream.data, "here");
    model::TenantData theirs;
    {
        pqxx::read_transaction dst(*peer.connection);
        theirs = model::TenantData::load(ctx, dst);
    }
    on(*peer.connection, theirs, "at the destination");
    return journaled > 0;
}

// A move back into a database the tenant left says so: its purged row there is its again.
void report_arrival(Context& ctx, const MoveOptions& o, const CopyResult& copied) {
    if (copied.reinstated)
        ctx.log().info(fmt::format("tenant '{}' came back into its purged row at --to {}; its audit trail there gained {} "
                                   "event{}",
                                   o.slug, o.to, copied.audit_events, copied.audit_events == 1 ? "" : "s"));
}

}  // namespace

MoveResult move(Context& ctx, const MoveOptions& o) {
    platform::require_current(ctx);
    const auto grace = util::parse_duration(o.grace);
    const auto drain_timeout = util::parse_duration(o.drain_timeout);
    if (o.batch_size < 1) throw UsageError("--batch-size must be at least 1");
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
    const CopyOptions copy_options{o.slug, o.to, o.to_master_key, std::nullopt, std::nullopt, false, false,
                                   o.fire_triggers, o.batch_size};
    // Each step as it ends, with how long it took (-v shows it): where the app's pause goes.
    auto step_started = std::chrono::steady_clock::now();
    const auto done = [&](const char* step) {
        const auto now = std::chrono::steady_clock::now();
        ctx.log().debug(fmt::format("tenant move: {} after {} ms", step,
                                    std::chrono::duration_cast<std::chrono::milliseconds>(now - step_started).count()));
        step_started = now;
        result.steps.push_back(step);
    };
    try {
        const auto here = read_move_state(ctx, ctx.db(), o.slug);
        if (!here) throw NotFound(fmt::format("unknown tenant '{}'", o.slug), "list tenants with `tenantctl tenant list`");
        result.tenant_id = here->id;
        if (o.abort) return abort_move(ctx, o, peer, result);
        if (here->status == "moved") {
            if (here->moved_to != peer.target)
                throw Refused(fmt::format("tenant '{}' has moved to {} already", o.slug, here->moved_to.value_or("?")));
            ctx.log().info(fmt::format("tenant '{}' has moved to --to {} already; nothing to do", o.slug, o.to));
            if (!ctx.dry_run())  // a run killed at its end left it
                drop_journal(ctx, peer, result, stream_name_here(ctx, result.tenant_id));
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
            if (o.online) require_online(ctx, peer, stream_of(ctx, o.slug, stream_name_here(ctx, result.tenant_id)));
            // The whole copy, verified at the destination, and rolled back: nothing is frozen.
            result.rows = copy_locked(ctx, copy_options, peer, CopyRun::plain).rows;
            result.steps = {"copied (rolled back)"};
            return result;
        }
        const std::string stream_name = stream_name_here(ctx, result.tenant_id);
        std::optional<DiffBaseline> baseline;  // --online, when this run saw the stream before the freeze
        std::string keys_checked_before;       // and checked the streamed rows' keys (check_streamed_keys)
        if (here->status != "moving" && online::stopping(*peer.connection, stream_name)) {
            // A run killed while it took the stream down before the freeze (a failed stream, or
            // --abort): what it began is finished first, its rows there deleted.
            ctx.log().info(fmt::format("an earlier run was taking the stream of '{}' down: finishing that first", o.slug));
            abandon(ctx, peer, stream_of(ctx, o.slug, stream_name), result);
        }
        const bool was_streaming = online::published(ctx.db(), stream_name);
        result.online = o.online || was_streaming;
        if (was_streaming && !o.online)
            ctx.log().info(fmt::format("an earlier `tenant move --online` of '{}' is streaming it: going on with it", o.slug));
        result.resumed = here->status == "moving" || was_streaming;
        if (here->status != "moving") {
            // Everything the copy would refuse is found before the tenant is frozen: a move that
            // cannot copy does not leave the app paused.
            if (!was_streaming) copy_locked(ctx, copy_options, peer, CopyRun::checks_only);
            if (result.online) {
                const Stream stream = stream_of(ctx, o.slug, stream_name);
                if (!was_streaming) require_online(ctx, peer, stream);
                online::start(ctx.db(), *peer.connection, *stream.data, stream.value, stream.name, ctx.conninfo().conninfo);
                done("streaming");
                util::failpoint("move.streaming");
                try {
                    online::wait_synced(ctx, *peer.connection, stream.name, stream.tables);
                } catch (const Error& e) {
                    // Failed there, or no worker to run it: the stream goes, the tenant stays active.
                    if (e.code() == Exit::integrity || e.code() == Exit::busy) abandon(ctx, peer, stream, result);
                    throw;
                }
                done("synced");
                util::failpoint("move.synced");
                // Compared now, so that the verification at the switch reads again only
                // what changes from here on (DiffBaseline): the app is still writing. The
                // journal, made first, records those changes on both sides.
                const auto changes = journal::of(ctx, stream.name);
                const bool journaled = make_journal(ctx, peer, stream, changes);
                done("journaled");
                util::failpoint("move.journaled");
                baseline = portability::baseline(ctx, o.slug, o.to, journaled ? &changes : nullptr);
                keys_checked_before = check_streamed_keys(ctx, copy_options, peer);
                done("compared");
                util::failpoint("move.compared");
            }
            freeze(ctx, result);
            done("froze");
            util::failpoint("move.frozen");
        }
        drain(ctx, std::chrono::duration_cast<std::chrono::milliseconds>(drain_timeout.seconds));
        done("drained");
        util::failpoint("move.drained");

        auto there = read_move_state(ctx, *peer.connection, o.slug);
        if (there && there->id != result.tenant_id)
            throw Refused(fmt::format("another tenant has the slug '{}' at --to {} (id {})", o.slug, o.to, there->id));
        // Not there yet (or only its purged row, from an earlier stay there), or there in part:
        // a copy in batches that a kill interrupted goes on.
        if (!there || there->status == "purged" ||
            (there->status == "moving" && copy_unfinished(ctx, peer, result.tenant_id))) {
            if (online::published(ctx.db(), stream_name)) {
                // Every change committed here before the freeze, applied there; then the stream
                // ends and what it does not carry is copied from a snapshot of the frozen tenant.
                // (A disabled subscription is one whose stop() a kill interrupted, which only
                // ever begins after this catch-up, or by --abort, whose copy the verification
                // below would find short.)
                if (online::subscribed(*peer.connection, stream_name) && !online::stopping(*peer.connection, stream_name)) {
                    online::wait_caught_up(ctx.db(), *peer.connection, stream_name,
                                           std::chrono::duration_cast<std::chrono::milliseconds>(drain_timeout.seconds));
                    done("caught up");
                    util::failpoint("move.caught_up");
                }
                online::stop(ctx.db(), *peer.connection, stream_name);
                report_arrival(ctx, o, copy_locked(ctx, copy_options, peer, CopyRun::switching, keys_checked_before));
            } else {
                report_arrival(ctx, o, copy_locked(ctx, copy_options, peer, CopyRun::moving));
            }
            done("copied");
            util::failpoint("move.copied");
            there = read_move_state(ctx, *peer.connection, o.slug);
        }
        // The publication outlives the subscription as the mark of a streamed copy; once the
        // tenant is there, it has served.
        online::unpublish(ctx.db(), stream_name);
        if (there->status == "moving") {
            // Both sides once more, each in one snapshot: nothing changed since the copy.
            const auto compared = diff(ctx, DiffOptions{o.slug, o.to, std::nullopt}, baseline ? &*baseline : nullptr);
            if (baseline)
                ctx.log().debug(fmt::format("tenant move: {} of {} fingerprints derived from the comparison made while "
                                            "streaming ({} through the change journal)",
                                            compared.from_baseline, 2 * compared.tables.size(), compared.from_journal));
            if (compared.differing > 0) {
                drop_journal(ctx, peer, result, stream_name);  // it served this comparison only
                throw IntegrityError(fmt::format("tenant '{}' differs between here and --to {} in {} table(s) after the "
                                                 "copy: it stays moving on both sides",
                                                 o.slug, o.to, compared.differing),
                                     fmt::format("see `tenantctl tenant diff {} --against {}`", o.slug, o.to));
            }
            result.rows = 0;
            for (const auto& t : compared.tables)
                if (t.target) result.rows += t.target->rows;
            done("verified");
            util::failpoint("move.verified");
            activate(ctx, peer, result);
            done("activated");
            util::failpoint("move.activated");
        } else if (there->status != "active" && there->status != "suspended") {
            throw Refused(fmt::format("tenant '{}' is {} at --to {}", o.slug, there->status, o.to));
        }
        result.purge_after = retire(ctx, result, grace);
        done("retired");
        drop_journal(ctx, peer, result, stream_name);
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("moving the tenant (run the move again: it resumes)");
    }
    return result;
}

}  // namespace tenantctl::portability
