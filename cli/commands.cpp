// The command tree, in the order help and man pages list it.
#include "cli/registry.hpp"
#include "commands/commands.hpp"

namespace tenantctl::cli {

void declare_all(Registry& r) {
    r.group("sandbox", "Run a throwaway local PostgreSQL server for demos, development and tests");
    r.group("init", "Install or upgrade the platform schema");
    r.group("doctor", "Check connectivity, versions and row-level security");
    r.group("tenant", "Create, change, suspend, delete and purge tenants; apply a tenant manifest");
    r.group("keys", "Tenant data keys, re-encryption, the master key and JWT signing keys");
    r.group("apikey", "Issue, list, revoke and rotate tenants' API keys");
    r.group("migrate", "Apply the application's SQL migrations: checksummed, locked, resumable, fanned out to tenant schemas");
    r.group("gdpr", "Export and erase personal data; the GDPR request register");
    r.group("audit", "Query, follow, seal, verify and maintain the audit log",
            "The audit log is partitioned by month; every read has a time window. `seal` and `verify` keep a "
            "per-tenant SHA-256 hash chain as tamper evidence; `partitions` premakes and prunes months.");
    r.group("maintain", "Run every due housekeeping task once, for cron and systemd timers");
    r.group("completion", "Print shell completion scripts");
    commands::declare_sandbox(r);
    commands::declare_init(r);
    commands::declare_doctor(r);
    commands::declare_tenant_create(r);
    commands::declare_tenant_adopt(r);
    commands::declare_tenant_read(r);
    commands::declare_tenant_change(r);
    commands::declare_tenant_purge(r);
    commands::declare_tenant_apply(r);
    commands::declare_keys(r);
    commands::declare_keys_jwt(r);
    commands::declare_apikey(r);
    commands::declare_migrate(r);
    commands::declare_gdpr(r);
    commands::declare_audit(r);
    commands::declare_maintain(r);
    commands::declare_completion(r);
}

}  // namespace tenantctl::cli
