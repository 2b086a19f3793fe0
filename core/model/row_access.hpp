// How tenantctl's transactions reach a tenant's application rows so that row-level security
// can never silently hide a row from them (issue: a purge reported "0 rows", destroyed the
// keys and left every row, because the policy read another setting than the one tenantctl set).
//
// Every transaction that reads or writes app rows:
//   - sets `row_security = off`: for a session RLS does not apply to (superuser, BYPASSRLS, a
//     table owner without FORCE) nothing changes; for any other session PostgreSQL raises an
//     error instead of filtering, so a policy can make a command fail but never make it lie;
//   - sets the tenancy setting to the tenant's value, for triggers and defaults that read it;
//   - filters on the tenancy column explicitly (TenantData::tenant_predicate).
// Before a command changes anything, require_unfiltered() checks that the session is not
// subject to a policy on any relation it will touch, and refuses (exit 5) naming the role, the
// table and its policies: failing up front is better than failing after a job was opened.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "core/model/tenant_data.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::model {

// Refused (exit 5) when row-level security would apply to this session on any relation of
// the model (or its partitions): names the role, the first such table and its policies.
void require_unfiltered(pqxx::transaction_base& tx, const TenantData& data);

// Enters a transaction that works on one tenant's app rows (see above).
void enter_tenant(Context& ctx, pqxx::transaction_base& tx, const std::string& tenancy_value);

}  // namespace tenantctl::model
