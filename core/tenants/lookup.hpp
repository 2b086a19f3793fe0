// Turning the --tenant SLUG operators type into the tenant's row. Every feature that takes
// --tenant resolves it here, so "unknown tenant" is the same error (exit 4) everywhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace tenantctl {
class Context;
}

namespace tenantctl::tenants {

struct TenantRef {
    std::string id;    // uuid, lowercase hyphenated
    std::string slug;
    std::string status;     // active | suspended | pending_deletion | purged
    std::string isolation;  // shared | schema
    // What the app's tenancy columns (and the RLS setting) hold for this tenant: the id, or
    // the app's own key (tenants.tenancy_key) when its tenancy column is not a uuid.
    std::string tenancy_value;
};

// Throws NotFound("unknown tenant 'x'") (exit 4) when no tenant has that slug. Purged
// tenants (tombstones) are found too: callers decide whether that is acceptable.
TenantRef resolve(Context& ctx, pqxx::transaction_base& tx, std::string_view slug);
std::optional<TenantRef> find(Context& ctx, pqxx::transaction_base& tx, std::string_view slug);

// platform::require_current() and resolve() in one statement outside a transaction: the
// start of short read commands, where each round trip is a visible share of the run.
TenantRef resolve_on_current_platform(Context& ctx, std::string_view slug);

// Every tenant that is not purged, ordered by slug (for --all fan-outs).
std::vector<TenantRef> list_live(Context& ctx, pqxx::transaction_base& tx);

}  // namespace tenantctl::tenants
