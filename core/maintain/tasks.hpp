// The adapters behind maintain's tasks: each calls one feature module and turns its result
// into an Outcome (see maintain.hpp).
#pragma once

#include "core/maintain/maintain.hpp"

namespace tenantctl::maintain {

Outcome audit_partitions_task(Context& ctx, const Window& w);
Outcome audit_seal_task(Context& ctx, const Window& w);
Outcome audit_prune_task(Context& ctx, const Window& w);
Outcome tenant_purge_task(Context& ctx, const Window& w);
Outcome key_rotate_task(Context& ctx, const Window& w);
Outcome key_reencrypt_task(Context& ctx, const Window& w);
Outcome jwt_retire_task(Context& ctx, const Window& w);
Outcome gdpr_due_task(Context& ctx, const Window& w);

// "a, b, c and 4 more": item names for a detail line, kept short.
std::string name_list(const std::vector<std::string>& names, std::size_t max = 5);

}  // namespace tenantctl::maintain
