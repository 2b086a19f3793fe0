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
// `--dry-run` does all of it, verification included, and rolls back.
//
// Refused up front, before anything is written: a destination whose schema lacks a table or
// column of the tenant's data or types one differently (every difference listed), a tenant
// (slug or id) the destination already has, rows of the tenant's tenancy value already
// there, a destination master key that is not the one its stored keys were wrapped with.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/portability/compare.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

struct CopyOptions {
    std::string slug;
    std::string to;  // a context of the config file
    // Source (env:/file:/cmd:) of the destination's master key; default: the one in use here.
    std::optional<std::string> to_master_key;
};

struct CopiedTable {
    std::string table;
    Fingerprint copied;  // equal at both ends, or the copy was rolled back
};

struct CopyResult {
    std::string tenant;
    std::string tenant_id;
    std::string to;      // the context
    std::string target;  // its host, port, database, user
    bool dry_run = false;
    std::vector<CopiedTable> tables;
    long long rows = 0;
    int data_keys = 0;
    int api_keys = 0;
    int gdpr_requests = 0;
    long long audit_events = 0;
};

CopyResult copy(Context& ctx, const CopyOptions& options);

}  // namespace tenantctl::portability
