#include "core/portability/move_steps.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/portability/journal.hpp"
#include "core/portability/online.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

std::optional<MoveState> read_move_state(Context& ctx, pqxx::connection& connection, const std::string& slug) {
    pqxx::read_transaction tx(connection);
    // purge_after as the move that set it printed it (UTC, ISO 8601), whatever the session's TimeZone.
    const auto rows = tx.exec_params(
        fmt::format("SELECT id::text, status, moved_to, to_char(purge_after AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM {} WHERE slug = $1",
                    ctx.platform_table("tenants")),
        slug);
    if (rows.empty()) return std::nullopt;
    const auto& r = rows[0];
    return MoveState{r[0].c_str(), r[1].c_str(), r[2].is_null() ? std::nullopt : std::optional(std::string(r[2].c_str())),
                     r[3].is_null() ? std::nullopt : std::optional(std::string(r[3].c_str()))};
}

std::string stream_name_here(Context& ctx, const std::string& tenant_id) {
    pqxx::read_transaction tx(ctx.db());
    return online::stream_name(tenant_id, tx.exec1("SELECT current_database()")[0].c_str());
}

audit::Event move_event(const MoveResult& r, const std::string& phase) {
    audit::Event ev;
    ev.tenant_id = r.tenant_id;
    ev.action = "tenant.move";
    ev.resource_type = "tenant";
    ev.resource_id = r.tenant;
    ev.metadata = json{{"phase", phase}, {"to", r.to}, {"target", r.target}};
    if (r.online) ev.metadata["online"] = true;
    return ev;
}

void drop_journal(Context& ctx, Peer& peer, const MoveResult& r, const std::string& stream_name) {
    const auto j = journal::of(ctx, stream_name);
    for (auto [connection, where] : {std::pair{&ctx.db(), "here"}, std::pair{peer.connection.get(), "at --to"}}) {
        // What it leaves is cleared by the next run: not a reason to fail the move it served.
        std::string why = "a table stayed locked";
        try {
            if (journal::remove(*connection, j)) continue;
        } catch (const pqxx::sql_error& e) {
            why = util::first_line(e.what());
        }
        ctx.log().warn(fmt::format("the move's change journal {} {} is still there ({}); its triggers may still be on the "
                                   "tables: run `tenantctl tenant move {} --to {}` again to drop them",
                                   j.table, where, why, r.tenant, r.to));
    }
}

}  // namespace tenantctl::portability
