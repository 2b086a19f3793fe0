// Changing existing tenants: fields (`tenant update`) and status (`suspend`, `resume`,
// `delete` with a grace period, `restore`). The write_* functions work inside a caller's
// transaction so `tenant apply` batches them; the command-level functions take the tenant's
// advisory lock, honour --dry-run and commit change + audit event together.
//
// Status rules (what the app reads from tenants.status):
//   active --suspend--> suspended --resume--> active
//   active|suspended --delete--> pending_deletion (purge_after = now + grace)
//   pending_deletion --restore--> active (or suspended, when it was suspended before)
// Repeating a step that is already done is a no-op (exit 0). Anything else is refused (exit
// 5), as is any change to a purged tenant (a tombstone) and restoring a tenant whose purge
// has started (some of its rows are already gone).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "core/tenants/model.hpp"
#include "core/tenants/plan.hpp"
#include "core/util/duration.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::tenants {

enum class Transition { suspend, resume, remove, restore };
const char* to_string(Transition t);  // suspend, resume, delete, restore

// Pure: the status `t` leads to from `current`, or nullopt when already there. Throws
// Refused for a transition the rules above forbid.
std::optional<std::string> next_status(const Tenant& current, Transition t);

// Inside `tx`: writes the managed fields of every tenant in `rows` (matched by id) with one
// statement, and appends a `tenant.update` audit event per tenant naming the changed fields.
void write_fields(Context& ctx, pqxx::transaction_base& tx,
                  const std::vector<std::pair<Tenant, std::vector<FieldChange>>>& rows);

struct TransitionOptions {
    std::string reason;
    util::Duration grace{0, std::chrono::days{30}};  // delete only
    std::optional<std::string> status;               // restore only: force the restored status
};
// Inside `tx`: moves `t` to `to` and appends the audit event (tenant.suspend, ...).
void write_transition(Context& ctx, pqxx::transaction_base& tx, const Tenant& t, Transition tr, const std::string& to,
                      const TransitionOptions& options);

struct ChangeResult {
    Tenant tenant;  // after the change (before it, on --dry-run or no-op)
    std::vector<FieldChange> changes;
    bool changed = false;
};

// `tenant update`: settings/flags edits are applied on top of the current row.
struct UpdateSpec {
    std::optional<std::string> name, plan, region, admin_email;
    std::vector<std::pair<std::string, Value>> set;  // settings key -> value
    std::vector<std::string> unset;                  // settings keys
    std::vector<std::pair<std::string, bool>> flags;  // flag -> on/off
};
ChangeResult update(Context& ctx, const std::string& slug, const UpdateSpec& spec);

// `suspend`, `resume`, `delete`, `restore`. `force` lets restore run after the grace period.
ChangeResult change_status(Context& ctx, const std::string& slug, Transition tr, const TransitionOptions& options,
                           bool force = false);

// Parsing helpers for the command line: `k=v` with the value read as JSON when it is valid
// JSON (42, true, {"a":1}, "quoted") and as a plain string otherwise; `f=on|off`.
std::pair<std::string, Value> parse_setting(const std::string& text);
std::pair<std::string, bool> parse_flag(const std::string& text);

}  // namespace tenantctl::tenants
