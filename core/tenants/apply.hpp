// `tenant apply -f tenants.yaml`: makes the tenants table match a manifest, idempotently.
//
// The plan comes from one query of every existing tenant (tombstones included) compared in
// memory (plan.hpp); applying it is ONE transaction: all new tenant rows in one INSERT, all
// field updates in one UPDATE, then per tenant its first data key (keys::create_data_key),
// status changes and an audit event, plus one `tenant.apply` summary event. A second run
// over the same file finds nothing to do, writes nothing, and says so.
//
// Concurrency: the run holds the session lock `tenant-apply` (a second apply waits up to
// --lock-timeout, then exits 6) and, inside its transaction, the per-tenant locks of every
// tenant it changes, so it never interleaves with `tenant update/suspend/purge` of the same
// tenant. The plan is recomputed after those locks are held.
#pragma once

#include <string>
#include <vector>

#include "core/tenants/plan.hpp"
#include "core/util/duration.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::tenants {

struct ApplyOptions {
    std::string source;  // manifest file name, for the audit event
    bool prune = false;  // delete (with grace) live tenants the manifest does not list
    util::Duration grace{0, std::chrono::days{30}};
};

struct ApplyResult {
    Plan plan;
    bool applied = false;  // false on --dry-run or when there was nothing to do
};

ApplyResult apply(Context& ctx, const std::vector<Desired>& desired, const ApplyOptions& options);

}  // namespace tenantctl::tenants
