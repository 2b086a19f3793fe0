// The application's own tenants table (config `tenancy.tenants_table`: `companies`,
// `accounts`, `"Tenant"`). Its key column holds the value every tenancy column holds, so a
// tenantctl tenant and the app's row are tied by tenants.tenancy_key.
//   - `tenant create` inserts the app's row too (key, slug, name), in the same transaction;
//   - `tenant adopt` registers every app row tenantctl does not know yet;
//   - purge deletes the row last, whole-tenant export includes it, `tenant show` shows it
//     (all through the data model, where the table is a relation like any other).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/model/tenant_data.hpp"
#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::tenants {

// Inserts the app's row for a new tenant in `tx` and returns its key as text. `key` empty:
// the table's default (identity, sequence, gen_random_uuid()) chooses it, or, for a uuid key
// without a default, `fallback_uuid` (the tenant's id). Refused (exit 5), before anything is
// written, when a NOT NULL column other than key, slug and name has no default: tenantctl
// cannot invent its value.
std::string insert_app_row(Context& ctx, pqxx::transaction_base& tx, const model::Relation& table,
                           const std::optional<std::string>& key, const std::string& slug,
                           const std::optional<std::string>& name, const std::string& fallback_uuid);

// The SQL type every tenancy column of the model shares, for checking a `--key`; Refused when
// they disagree (a schema where tenant_id is uuid here and bigint there).
std::optional<std::string> tenancy_type(const model::TenantData& data);

// Slug for an adopted row: the slug column's value when it is a valid slug, else the name
// slugified, else `t-<key>`; made unique against `taken` with -2, -3 ... suffixes.
std::string adopted_slug(const std::optional<std::string>& slug, const std::optional<std::string>& name,
                         const std::string& key, const std::vector<std::string>& taken);

// `tenant adopt`: every row of the app's tenants table whose key no tenant has yet becomes a
// tenant (slug as above, name from the name column), each with its first data key and a
// `tenant.adopt` audit event, in one transaction. Idempotent; --dry-run lists the plan.
Records adopt(Context& ctx);

}  // namespace tenantctl::tenants
