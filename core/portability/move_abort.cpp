// `tenant move SLUG --to CONTEXT --abort`: a move that cannot finish (a transaction that never
// ends, a destination that does not catch up, a verification that fails) is rolled back: the
// stream is taken down, everything the move wrote at the destination is deleted there, and the
// tenant gets its status back here. Refused once the destination has activated the tenant:
// the app may have written there since, and only finishing the move keeps those writes.
//
// Order: the destination is emptied (one transaction, proved empty before it commits), then
// the tenant is unfrozen here. A kill in between leaves the tenant `moving` here with nothing
// there: running --abort again (or the move) goes on from there.
#include <fmt/format.h>

#include <set>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/model/row_access.hpp"
#include "core/portability/app_rows.hpp"
#include "core/portability/batched_copy.hpp"
#include "core/portability/move_steps.hpp"
#include "core/portability/online.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/purge.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

// What `tenant copy` writes of tenantctl's own rows, children before the tenants row.
constexpr const char* kPlatformTables[] = {"audit_seals", "audit_chain", "audit_log",  "audit_keys",
                                           "gdpr_requests", "api_keys",  "tenant_keys"};

// The tenant's app rows in the destination's shared tables, deleted; what is left of them
// after, as "table (n rows)" lines.
long long remove_shared_rows(Context& ctx, pqxx::transaction_base& dst, const std::string& value,
                             std::vector<std::string>& left) {
    const auto theirs = model::TenantData::load(ctx, dst);
    model::require_unfiltered(dst, theirs);
    model::enter_tenant(ctx, dst, value);
    std::set<std::string> every;
    for (const auto& r : theirs.relations()) every.insert(r.display());
    long long removed = 0;
    for (const auto& [table, n] : delete_tenant_rows(dst, theirs, every, value)) removed += n;
    for (const auto& r : theirs.relations()) {
        const auto n = dst.exec_params1(fmt::format("SELECT count(*) FROM {} t WHERE {}", r.name.quoted(),
                                                    theirs.tenant_predicate(r, "t", 1)),
                                        value)[0]
                           .as<long long>();
        if (n > 0) left.push_back(fmt::format("{} ({} rows)", r.display(), n));
    }
    return removed;
}

// A tenant with its own schema: the copy made that schema there, in the transaction that wrote
// its `moving` row (having checked that no schema of that name existed), so it goes whole,
// with its ledger rows. Without that row there, the schema is not the move's to drop.
long long remove_own_schema(Context& ctx, pqxx::transaction_base& dst, const std::string& tenant_id,
                            const std::string& schema, std::vector<std::string>& left) {
    const auto exists = [&] {
        return dst.exec_params1("SELECT count(*) > 0 FROM pg_namespace WHERE nspname = $1", schema)[0].as<bool>();
    };
    const bool copied_there =
        dst.exec_params1(fmt::format("SELECT count(*) FROM {} WHERE id = $1::uuid AND status = 'moving'",
                                     ctx.platform_table("tenants")),
                         tenant_id)[0]
            .as<int>() == 1;
    if (!copied_there || !exists()) return 0;
    long long removed = 0;
    const auto theirs = model::TenantData::load_schema(ctx, dst, schema);
    for (const auto& r : theirs.relations())
        removed += dst.exec1(fmt::format("SELECT count(*) FROM {}", r.name.quoted()))[0].as<long long>();
    dst.exec0("DROP SCHEMA " + db::quote_ident(schema) + " CASCADE");
    dst.exec_params(fmt::format("DELETE FROM {} WHERE target = $1", ctx.platform_table("schema_migrations")), schema);
    if (exists()) left.push_back("schema " + schema);
    return removed;
}

// Whether the copy there went into the tenant's own purged row (it had moved away from there
// and been purged; platform_copy.hpp): that row's finished purge is still recorded there.
bool came_back_into_purged_row(Context& ctx, pqxx::transaction_base& dst, const std::string& tenant_id) {
    return dst.exec_params1(fmt::format("SELECT EXISTS (SELECT 1 FROM {} WHERE kind = $2 AND tenant_id = $1::uuid AND "
                                        "state = 'done')",
                                        ctx.platform_table("jobs")),
                            tenant_id, tenants::kPurgeJob)[0]
        .as<bool>();
}

// Commits the removal (rolls it back in a dry run), unless rows it removed are still there.
void finish_removal(Context& ctx, pqxx::work& dst, const std::vector<std::string>& left, const std::string& where) {
    if (!left.empty())
        throw IntegrityError(fmt::format("rows of the tenant are still {} after deleting them: {}; nothing was committed",
                                         where, util::join(left, ", ")));
    if (ctx.dry_run())
        dst.abort();
    else
        dst.commit();
}

// Deletes the tenant's rows at the destination, app and platform, and proves in the same
// transaction that none is left (row security off: a policy cannot hide one). Returns how
// many rows went. Rolled back in a dry run.
long long remove_copy(Context& ctx, Peer& peer, const tenants::TenantRef& tenant, const std::string& where) {
    const std::string& tenant_id = tenant.id;
    pqxx::work dst(*peer.connection);
    std::vector<std::string> left;
    const std::string schema = gdpr::tenant_schema(tenant);
    // Before the tenants row goes: it says whether the schema is the copy's.
    long long removed = schema.empty() ? remove_shared_rows(ctx, dst, tenant.tenancy_value, left)
                                       : remove_own_schema(ctx, dst, tenant_id, schema, left);
    cancel_copy_checkpoints(ctx, dst, tenant_id);  // a copy in batches: its job goes with it
    if (came_back_into_purged_row(ctx, dst, tenant_id)) {
        // The move came back into the tenant's purged row there: it is left purged again, as
        // the purge left it, and its audit trail keeps every event (those the copy added too:
        // they happened; the next `audit seal` there seals them). A row still purged: the copy
        // never got there, and there is nothing to undo.
        const bool copied_there = dst.exec_params1(fmt::format("SELECT count(*) FROM {} WHERE id = $1::uuid AND status = "
                                                               "'moving'",
                                                               ctx.platform_table("tenants")),
                                                   tenant_id)[0]
                                      .as<int>() == 1;
        if (copied_there) {
            // Its moved_to names where it is (here), as the purged row of a tenant that moved
            // away does: a later move back comes into it again.
            removed += tenants::leave_purged_row(ctx, dst, tenant_id).second;
            dst.exec_params(fmt::format("UPDATE {} SET moving_from_status = NULL, moved_to = $2 WHERE id = $1::uuid",
                                        ctx.platform_table("tenants")),
                            tenant_id, db::describe_target(ctx.conninfo().conninfo));
        }
        finish_removal(ctx, dst, left, where);
        return removed;
    }
    for (const char* table : kPlatformTables)
        removed += static_cast<long long>(
            dst.exec_params(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid", ctx.platform_table(table)), tenant_id)
                .affected_rows());
    removed += static_cast<long long>(
        dst.exec_params(fmt::format("DELETE FROM {} WHERE id = $1::uuid AND status = 'moving'", ctx.platform_table("tenants")),
                        tenant_id)
            .affected_rows());
    for (const char* table : kPlatformTables)
        if (dst.exec_params1(fmt::format("SELECT count(*) FROM {} WHERE tenant_id = $1::uuid", ctx.platform_table(table)),
                             tenant_id)[0]
                .as<long long>() > 0)
            left.push_back(ctx.platform_table(table));
    finish_removal(ctx, dst, left, where);
    return removed;
}

void record_aborted(Context& ctx, pqxx::transaction_base& tx, const MoveResult& r) {
    auto ev = move_event(r, "aborted");
    ev.metadata["rows_removed_there"] = r.rows;
    audit::append(ctx, tx, ev);
}

// Here: the status the tenant had before the freeze, back.
void unfreeze(Context& ctx, const MoveResult& r) {
    pqxx::work tx(ctx.db());
    const auto changed = tx.exec_params(fmt::format("UPDATE {} SET status = moving_from_status, moving_from_status = NULL, "
                                                    "moved_to = NULL, status_reason = NULL, updated_at = now() "
                                                    "WHERE id = $1::uuid AND status = 'moving'",
                                                    ctx.platform_table("tenants")),
                                        r.tenant_id);
    if (changed.affected_rows() != 1)
        throw Busy(fmt::format("tenant '{}' changed status while the move was aborted", r.tenant), "run --abort again");
    record_aborted(ctx, tx, r);
    tx.commit();
}

}  // namespace

MoveResult abort_move(Context& ctx, const MoveOptions& o, Peer& peer, MoveResult result) {
    const std::string where = "at --to " + o.to;
    try {
        tenants::TenantRef tenant;
        {
            pqxx::read_transaction tx(ctx.db());
            tenant = tenants::resolve(ctx, tx, o.slug);
        }
        result.tenant_id = tenant.id;
        const auto here = read_move_state(ctx, ctx.db(), o.slug);
        const std::string stream = stream_name_here(ctx, tenant.id);
        const bool streaming = online::published(ctx.db(), stream) || online::subscribed(*peer.connection, stream);
        result.online = streaming;
        if (here->status == "moved")
            throw Refused(fmt::format("tenant '{}' has moved already: there is no move to abort", o.slug),
                          fmt::format("to bring it back, move it from {} to this database once its copy here is "
                                      "purged (`tenantctl tenant purge {} --force --yes` here)",
                                      here->moved_to.value_or("its destination"), o.slug));
        if (here->status == "moving" && here->moved_to != peer.target)
            throw Refused(fmt::format("tenant '{}' is moving to {}, not to --to {}", o.slug, here->moved_to.value_or("?"),
                                      o.to),
                          "abort it with the --to it started with");
        if (here->status != "moving" && !streaming)
            throw Refused(fmt::format("tenant '{}' is not moving to --to {}: there is nothing to abort", o.slug, o.to));
        const auto there = read_move_state(ctx, *peer.connection, o.slug);
        if (there && there->id != tenant.id)
            throw Refused(fmt::format("another tenant has the slug '{}' {} (id {}): it is not this move's", o.slug, where,
                                      there->id));
        // (Its purged row there, from an earlier stay: the copy has not come back into it yet.)
        if (there && there->status != "moving" && there->status != "purged")
            throw Refused(fmt::format("tenant '{}' is {} {}: the switch has happened and the app may have written there",
                                      o.slug, there->status, where),
                          "finish the move: run it again without --abort");

        if (ctx.dry_run()) {
            result.rows = remove_copy(ctx, peer, tenant, where);
            result.steps = {"removed the copy (rolled back)"};
            return result;
        }
        if (streaming) {
            const bool subscribed = online::subscribed(*peer.connection, stream);
            online::stop(ctx.db(), *peer.connection, stream);  // and a slot an earlier run may have left
            if (subscribed) result.steps.push_back("stream stopped");
        }
        result.rows = remove_copy(ctx, peer, tenant, where);
        result.steps.push_back("copy removed");
        util::failpoint("move.abort.removed");
        online::unpublish(ctx.db(), stream);
        drop_journal(ctx, peer, result, stream);
        if (here->status == "moving") {
            unfreeze(ctx, result);
            result.steps.push_back("unfrozen");
        } else {
            pqxx::work tx(ctx.db());  // a stream before the freeze: nothing to unfreeze
            record_aborted(ctx, tx, result);
            tx.commit();
        }
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("aborting the move (run --abort again: it goes on)");
    }
    return result;
}

}  // namespace tenantctl::portability
