// `audit tail [-f]`: the newest events of a tenant, then (follow) new ones as they commit.
//
// Follow mode registers the tenant in audit_listeners and LISTENs on tenantctl_audit_<tenant>
// (the insert trigger NOTIFYs only followed tenants, so appends stay cheap), and on
// every wake-up, and at least every 5 s in case a notification was lost, catches up by
// querying from the last position it printed minus a look-back window. The look-back catches
// events of transactions that committed after later ones (occurred_at is the time the
// writer's transaction started); ids already printed are remembered for that window, so no
// event is printed twice. A dropped connection (server restart, failover, terminated
// backend) is retried with backoff and followed by the same catch-up, so nothing committed
// meanwhile is missed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

struct TailOptions {
    std::string tenant_slug;
    std::int64_t lines = 20;
    bool follow = false;
    std::chrono::seconds lookback{60};
    // Tests stop a follow loop with this; the CLI runs until it is killed.
    std::function<bool()> stop;
};

void tail(Context& ctx, const TailOptions& o, RecordSink& sink);

}  // namespace tenantctl::audit
