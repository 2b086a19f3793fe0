// What `tenant move` and `tenant move --abort` share: the tenant's state on either side, the
// name of its stream, and the `tenant.move` audit event.
#pragma once

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "core/audit/append.hpp"
#include "core/portability/move.hpp"
#include "core/portability/peer.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

// The tenant's row as the move reads it, on either side.
struct MoveState {
    std::string id;
    std::string status;
    std::optional<std::string> moved_to;
    std::optional<std::string> purge_after;
};

std::optional<MoveState> read_move_state(Context& ctx, pqxx::connection& connection, const std::string& slug);

// The name of the tenant's `--online` stream from this database (online::stream_name).
std::string stream_name_here(Context& ctx, const std::string& tenant_id);

audit::Event move_event(const MoveResult& r, const std::string& phase);

// Takes down the move's change journal (journal.hpp) on both sides, where a run made one; says
// so when a busy table kept its triggers (they write nothing any more).
void drop_journal(Context& ctx, Peer& peer, const MoveResult& r, const std::string& stream_name);

// `--abort` (move_abort.cpp); the caller holds the tenant's locks on both sides.
MoveResult abort_move(Context& ctx, const MoveOptions& options, Peer& peer, MoveResult result);

}  // namespace tenantctl::portability
