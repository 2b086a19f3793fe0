// `tenant move SLUG --to CONTEXT`: the tenant leaves this database for another (issue 18).
//
// The contract with the app (README, "Moving a tenant"): the app reads tenants.status before
// it writes a tenant's rows, and writes only for `active` (as it already must for `suspended`
// and `pending_deletion`). During a move the tenant is `moving` on both sides, so the app
// pauses its writes; afterwards it is served by the destination, and here it is `moved`, with
// `moved_to` naming the destination (host, port, database, user).
//
// Steps, each committed before the next, each redone or skipped by a re-run, so a kill at any
// point resumes (run the same command again) and the tenant is never active in two places
// and never lost:
//   1. freeze: here `active`/`suspended` -> `moving` (the status to restore is kept);
//   2. drain: wait until every transaction here that began before the freeze has ended, so no
//      write the app started under the old status can still commit (--drain-timeout);
//   3. copy: `tenant copy` into the destination, where the tenant arrives `moving`: in batches
//      that each commit there with their checkpoint, so a re-run goes on from the last one
//      (batched_copy.hpp), then a last transaction that verifies every table before it
//      commits (copy.hpp);
//   4. verify: both sides compared again, table by table (count and checksum, diff.hpp);
//   5. activate: the destination gets the tenant's status back (`active` or `suspended`);
//   6. retire: here `moved`, its rows kept for --grace, then purged by `maintain`.
// A step that finds its work done (the copy there, the destination active) goes on.
// `--dry-run` runs the copy, verified, and rolls it back, without freezing anything.
//
// `--online` (online.hpp) streams the tenant's rows by logical replication before the freeze,
// while the app writes: 0. stream: publication, slot and subscription made, the existing rows
// copied by the subscription, changes applied as they commit. Then 1 and 2 as above; 3 becomes:
// wait until the destination has applied every change committed before the freeze, drop the
// subscription and slot, and copy what the stream does not carry (platform rows, tables
// without the tenancy column). The app is paused from the freeze to the activation only. A
// stream that fails before the freeze is taken down, its rows at the destination deleted, and
// the tenant stays active here. Once a stream exists, a re-run goes on with it, --online given
// or not.
//
// `--abort` rolls a move back that cannot finish, up to the activation (move_abort.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

struct MoveOptions {
    std::string slug;
    std::string to;
    std::optional<std::string> to_master_key;
    std::string grace = "7d";           // how long the rows stay here once moved
    std::string drain_timeout = "30s";  // how long to wait for transactions older than the freeze (and, --online, for the catch-up)
    bool online = false;                // stream the rows by logical replication first (see above)
    // Roll the move back instead (move_abort.cpp): the stream taken down, what it wrote at the
    // destination deleted, the tenant's status back here. Refused once the destination has
    // activated the tenant.
    bool abort = false;
    bool fire_triggers = false;  // the app's triggers run on the rows the copy writes (app_triggers.hpp)
    long long batch_size = 50000;  // rows per transaction of the copy (batched_copy.hpp)
};

struct MoveResult {
    std::string tenant;
    std::string tenant_id;
    std::string to;
    std::string target;
    bool dry_run = false;
    bool resumed = false;            // an earlier run had started the move
    bool online = false;             // the rows came by logical replication
    // What this run did, in order: (streaming, synced,) froze, drained, (caught up,) copied,
    // verified, activated, retired; with --abort: (stream stopped,) copy removed, unfrozen.
    std::vector<std::string> steps;
    long long rows = 0;              // the tenant's rows at the destination, as verified (0 when an earlier run verified them)
    std::string purge_after;         // when `maintain` purges what is left here
};

MoveResult move(Context& ctx, const MoveOptions& options);

}  // namespace tenantctl::portability
