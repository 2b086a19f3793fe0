// `tenant copy SLUG --to CONTEXT`: one tenant, whole, into another database (issue 18).
//
// What is copied: the tenant's platform row, its data keys (unwrapped under this database's
// master key and wrapped again under the destination's), its API keys (hashes), GDPR
// register and audit trail (events, hash chain, checkpoints, and the commitment key wrapped
// again: `audit verify` passes there), and every row of every relation of the tenant's data model (core/model), parents
// before children, streamed with COPY from one REPEATABLE READ snapshot.
//
// How it cannot go half-way: everything is written in ONE transaction at the destination, and
// committed only after the destination's rows were fingerprinted (compare.hpp) inside that
// transaction and found equal, table by table, to the source's snapshot. A kill or a lost
// connection leaves the destination as it was; running the command again starts over.
// `--dry-run` does all of it, verification included, and rolls back. (A move, whose tenant is
// frozen, copies in batches instead that each commit there, and goes on from the last one
// after a kill: batched_copy.hpp.)
//
// Refused up front, before anything is written: a destination whose schema lacks a table or
// column of the tenant's data or types one differently (every difference listed), a tenant
// (slug or id) the destination already has, rows of the tenant's tenancy value already
// there, a destination master key that is not the one its stored keys were wrapped with.
//
// `--as NEWSLUG` copies it as another tenant: a new id (and, when its tenancy column is not a
// uuid, the new tenancy key `--as-key`), written into every column that holds the tenancy
// value (row_transform.hpp), data keys wrapped for the new id. `--anonymize` applies the data
// map's strategies to every pii column on the way and gives encrypted columns tokens of a
// redacted text under a new data key instead of the tenant's; a column the data map does not
// classify is refused unless --allow-unclassified. Either way the copy is a different
// tenant's data: API keys, GDPR register and audit trail stay behind, and its audit trail at
// the destination starts with the copy.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/portability/compare.hpp"
#include "core/portability/platform_copy.hpp"
#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

struct CopyOptions {
    std::string slug;
    std::string to;  // a context of the config file
    // Source (env:/file:/cmd:) of the destination's master key; default: the one in use here.
    std::optional<std::string> to_master_key;
    std::optional<std::string> as_slug;  // --as
    std::optional<std::string> as_key;   // --as-key: the copy's tenancy key (non-uuid tenancy columns)
    bool anonymize = false;
    bool allow_unclassified = false;  // --anonymize copies columns the data map does not classify as they are
    bool fire_triggers = false;       // the app's triggers run on the rows written (app_triggers.hpp)
    // `tenant move`: rows per batch of its copy (batched_copy.hpp); 0: one transaction.
    long long batch_size = 0;
};

struct CopiedTable {
    std::string table;
    Fingerprint copied;  // equal at both ends, or the copy was rolled back
};

struct CopyResult {
    std::string tenant;
    std::string tenant_id;
    std::string copy_slug;  // the tenant's slug at the destination (--as, else the same)
    std::string copy_id;
    int rewritten_columns = 0;               // --as
    // A tenant with its own schema: the schema made there, and how many tenant-scoped
    // migrations built it (those its schema here had).
    std::string schema;
    int migrations_replayed = 0;
    int sequences_set = 0;  // its sequences set to their position here
    int triggers_quieted = 0;  // the app's triggers kept from firing on the rows written
    std::vector<std::string> anonymized;     // --anonymize: "public.users.email: hash"
    std::vector<std::string> unclassified;   // --anonymize: copied as they are
    std::string to;      // the context
    std::string target;  // its host, port, database, user
    bool dry_run = false;
    std::vector<CopiedTable> tables;
    long long rows = 0;
    int data_keys = 0;
    int api_keys = 0;
    int gdpr_requests = 0;
    long long audit_events = 0;
    // Into the tenant's own purged row there (it had moved away from there): the audit events
    // added to the trail it left there, and where that trail's chain was cut back for them.
    bool reinstated = false;
    json audit_chain_cut;
};

CopyResult copy(Context& ctx, const CopyOptions& options);

struct Peer;
enum class CopyRun {
    plain,        // an active or suspended tenant
    checks_only,  // every check made before anything is written, then nothing more (the start of a move)
    moving,       // a tenant `moving` here, which arrives so
    // A tenant `moving` here whose streamed tables are at the destination already, brought by
    // `move --online` (online.hpp): only its platform rows and the relations the stream does
    // not carry are copied; the move compares every table of both sides next.
    switching,
};
// The copy itself, for `tenant move`: the caller holds the tenant's locks on both sides and
// has confirmed.
// `streamed_keys_checked_before` (switching): the xmin check_streamed_keys returned; only the
// streamed rows written since are read again for their keys into the tenant's own tables.
CopyResult copy_locked(Context& ctx, const CopyOptions& options, Peer& peer, CopyRun run,
                       const std::string& streamed_keys_checked_before = {});

// `move --online`, while streaming (before the freeze): the keys out of the rows the stream
// wrote at the destination into the streamed tables and into tables outside the tenant's data,
// checked there in one snapshot, whose xmin it returns. Logical
// replication's apply worker checks no foreign key, so a row of the tenant that references
// another tenant's row here arrives with its reference dangling; and a shared row the
// destination lacks would be found only at the switch, with the app paused. Refused, naming
// the key; the stream keeps running (`tenant move --abort` ends it).
std::string check_streamed_keys(Context& ctx, const CopyOptions& options, Peer& peer);

}  // namespace tenantctl::portability
