#include "core/audit/append.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/version.hpp"

namespace tenantctl::audit {

long long append(Context& ctx, pqxx::transaction_base& tx, const Event& event) {
    const std::string agent = fmt::format("tenantctl/{} {}", version(), ctx.command());
    auto r = tx.exec_params1(
        fmt::format("INSERT INTO {} (tenant_id, actor_type, actor_id, action, resource_type, resource_id, "
                    "request_id, user_agent, metadata) "
                    "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) RETURNING id",
                    ctx.platform_table("audit_log")),
        event.tenant_id.value_or(kPlatformTenant), event.actor_type, event.actor_id.value_or(ctx.actor()),
        event.action, event.resource_type.empty() ? std::optional<std::string>{} : event.resource_type,
        event.resource_id.empty() ? std::optional<std::string>{} : event.resource_id, ctx.run_id(), agent,
        event.metadata.dump());
    return r[0].as<long long>();
}

}  // namespace tenantctl::audit
