// Pure planning logic shared by `tenant update` and `tenant apply`: what differs between a
// tenant's row and the state an operator asked for, and which lifecycle step gets it there.
// No database here, so every rule is unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "core/tenants/model.hpp"

namespace tenantctl::tenants {

// One field that changes: `plan`, `settings.max_users`, `flags.beta`. A missing value (a
// setting that is added or removed) is null. Personal data (admin_email) is never shown:
// its from/to read "(set)"/"(changed)" instead.
struct FieldChange {
    std::string field;
    json from;
    json to;
};

// What an operator asked a tenant to look like. A field left empty is not managed: it keeps
// whatever the database has (so `tenant update --set` and `apply` can share a tenant).
// `settings` and `flags`, when given, are the whole map: keys not listed are removed.
struct Desired {
    std::string slug;
    std::optional<std::string> name;
    std::optional<std::string> plan;
    std::optional<std::string> region;
    std::optional<std::string> admin_email;
    std::optional<std::string> isolation;  // only used when creating; a change is refused
    std::optional<std::string> key;        // the app's tenancy value; only used when creating
    std::optional<std::string> status;     // active | suspended
    std::optional<Value> settings;
    std::optional<Value> flags;
    // Where the entry was written (manifest), for messages: "tenants.yaml:12:5".
    std::string origin;
};

// Field-level differences (name, plan, region, admin_email, settings.*, flags.*), in that
// order, settings and flags by key in sorted order. Ignores status and isolation.
std::vector<FieldChange> field_changes(const Tenant& current, const Desired& desired);

// `current` with the managed fields of `desired` written over it.
Tenant with_fields(const Tenant& current, const Desired& desired);

enum class Action { create, update, suspend, resume, restore, remove, unchanged };
const char* to_string(Action action);  // "create", ..., "delete", "unchanged"

struct PlannedChange {
    Action action = Action::unchanged;
    std::string slug;
    std::vector<FieldChange> changes;  // field diffs (also for suspend/resume/restore)
    std::optional<Desired> desired;    // absent for delete
    std::optional<Tenant> current;     // absent for create
};

struct Plan {
    std::vector<PlannedChange> items;  // manifest order, then prune deletions by slug
    std::size_t count(Action action) const;
    bool has_changes() const;
    std::string summary() const;  // "2 to create, 1 to update, ..." or "no changes"
};

// Plans `desired` against `existing` (every tenant row, tombstones included). Refuses (exit
// 5) a purged slug (a tombstone keeps its slug) and an isolation change; `prune` deletes
// live tenants the manifest does not list. Duplicate slugs in `desired` are the caller's
// (parser's) job and throw UsageError here too as a safety net.
Plan make_plan(const std::vector<Desired>& desired, const std::vector<Tenant>& existing, bool prune);

// A plan as rows: action, slug, changes (an array of {field, from, to}).
Records plan_records(const Plan& plan);

}  // namespace tenantctl::tenants
