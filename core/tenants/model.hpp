// The full tenant row as the lifecycle commands read and write it (DESIGN section 4), and
// the one SELECT that loads it, so `list`, `show`, `update` and `apply` agree on what a
// tenant looks like.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::tenants {

// settings/flags are compared by value, so they use the sorted json type: jsonb normalises
// key order and `{a,b}` must equal `{b,a}`.
using Value = nlohmann::json;

struct Tenant {
    std::string id;
    std::string slug;
    std::optional<std::string> name;
    std::string status;  // active | suspended | pending_deletion | purged | moving | moved
    std::optional<std::string> status_reason;
    std::optional<std::string> plan;
    std::optional<std::string> region;
    std::string isolation;  // shared | schema
    std::optional<std::string> admin_email;
    Value settings = Value::object();
    Value flags = Value::object();  // name -> true/false
    std::string created_at;         // RFC 3339, UTC
    std::string updated_at;
    std::optional<std::string> suspended_at;
    std::optional<std::string> delete_requested_at;
    std::optional<std::string> purge_after;
    std::optional<std::string> purged_at;
    // What the app's tenancy columns hold for this tenant (tenants.tenancy_key, else the id).
    std::string tenancy_value;
    // Where `tenant move` took it (host, port, database, user): while moving and once moved.
    std::optional<std::string> moved_to;
};

// Loads one tenant by slug (including tombstones), or nullopt.
std::optional<Tenant> load(Context& ctx, pqxx::transaction_base& tx, std::string_view slug);
// Loads one tenant by slug; NotFound (exit 4) when unknown.
Tenant load_or_throw(Context& ctx, pqxx::transaction_base& tx, std::string_view slug);

struct ListFilter {
    std::optional<std::string> status;  // "all" or a status; default: every status but purged
    std::optional<std::string> plan;
    std::optional<std::string> region;
};
// Tenants matching the filter, ordered by slug, in one query.
std::vector<Tenant> list(Context& ctx, pqxx::transaction_base& tx, const ListFilter& filter = {});

// The row as a JSON object (every column; nulls as null).
json to_json(const Tenant& t);

// "" or a value: optional strings in output rows.
json opt(const std::optional<std::string>& value);

// Advisory lock name for one tenant, shared by every command that changes it (apply takes
// the same keys transaction-scoped, so a `tenant update` and an `apply` never interleave).
std::string lock_name(std::string_view slug);

inline constexpr std::string_view kStatuses[] = {"active", "suspended", "pending_deletion", "purged", "moving", "moved"};

}  // namespace tenantctl::tenants
