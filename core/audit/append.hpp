// The one function through which tenantctl writes its own audit events (DESIGN section 8:
// every mutating command appends an event naming the operator). Call it inside the same
// transaction as the change it describes, so the event exists exactly when the change does.
#pragma once

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

// Platform-level events (init, JWT keys, migrations of the shared schema) have no tenant.
inline constexpr const char* kPlatformTenant = "00000000-0000-0000-0000-000000000000";

struct Event {
    std::optional<std::string> tenant_id;  // uuid; empty = platform event
    std::string action;                    // dotted, lowercase: "tenant.create"
    std::string resource_type;
    std::string resource_id;
    json metadata = json::object();        // never secrets, key material or personal data
    std::string actor_type = "operator";
    std::optional<std::string> actor_id;   // default: ctx.actor()
};

// Appends with actor = ctx.actor(), request_id = the run id of this invocation, and
// user_agent = "tenantctl/<version> <command>". Returns the event id.
long long append(Context& ctx, pqxx::transaction_base& tx, const Event& event);

}  // namespace tenantctl::audit
