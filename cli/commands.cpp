// The command tree, in the order help and man pages list it.
#include "cli/registry.hpp"
#include "commands/commands.hpp"

namespace tenantctl::cli {

void declare_all(Registry& r) {
    r.group("sandbox", "Run a throwaway local PostgreSQL server for demos, development and tests",
            "The server listens only on a Unix socket, runs with fsync off and keeps its state (with a demo master "
            "key file, mode 0600) in one directory. `sandbox env` prints the exports that point every other command "
            "at it. Never use it for data you want to keep.");
    r.group("init", "Install or upgrade the platform schema",
            "Creates or upgrades the tenantctl schema (tenants, keys, audit log, jobs, request register) under an "
            "advisory lock, one transaction per step. Running it again changes nothing.");
    r.group("doctor", "Check connectivity, versions and row-level security",
            "Every check prints one row with its finding and what to do; the exit code is 3 when one fails. The "
            "RLS checks read the catalog; --probe also proves isolation by trying to read and write across tenants "
            "as the application role, inside a transaction that is rolled back.");
    r.group("tenant", "Create, change, suspend, delete and purge tenants; apply a tenant manifest",
            "A tenant lives in the platform's tenants table or in the application's own (tenant adopt). Deletion "
            "has a grace period during which restore undoes it; purge deletes every row of the tenant in every "
            "tenant-scoped table, proves none is left, and only then destroys the tenant's keys.");
    r.group("keys", "Tenant data keys, re-encryption, the master key and JWT signing keys",
            "Each tenant has versioned Fernet data keys wrapped by the master key. Rotation adds a version; "
            "re-encryption rewrites existing values with the newest one in batches that survive a kill; rewrap "
            "moves every wrapped key to a new master key.");
    r.group("apikey", "Issue, list, revoke and rotate tenants' API keys",
            "Only a hash of each key is stored; the key itself is shown once, when it is created or rotated. "
            "Revoking asks first, and takes effect at once.");
    r.group("migrate", "Apply the application's SQL migrations: checksummed, locked, resumable, fanned out to tenant schemas",
            "Migrations are versioned SQL files with up and down sections, checked against their recorded "
            "checksums, applied under an advisory lock with no dirty state left behind, and fanned out to every "
            "tenant schema in schema mode. Histories of other tools are adopted with `migrate adopt`.");
    r.group("gdpr", "Export and erase personal data; the GDPR request register",
            "The data map in the config says where a person's data is and what erasure does to each table. "
            "Exports and erasures are recorded in the request register with their checksums and receipts.");
    r.group("audit", "Query, follow, seal, verify and maintain the audit log",
            "The audit log is partitioned by month; every read has a time window. `seal` and `verify` keep a "
            "per-tenant SHA-256 hash chain as tamper evidence; `partitions` premakes and prunes months.");
    r.group("maintain", "Run every due housekeeping task once, for cron and systemd timers",
            "Seals the audit log, premakes and prunes partitions, purges tenants past their grace period, rotates "
            "and re-encrypts keys, retires JWT keys and reports overdue GDPR requests, each only when due, and "
            "can write Prometheus metrics for alerting.");
    r.group("citus", "Place the app's tables on a Citus cluster",
            "On a Citus coordinator `tenantctl init` places the platform's tables; `citus distribute` places the "
            "app's: tables with the tenancy column distributed by it and colocated, the app's tenants table a "
            "reference table. `doctor` checks the placement, the nodes, the app role and RLS on every shard.");
    r.group("completion", "Print shell completion scripts",
            "Completes commands, options, option values and, from the database, tenant slugs and JWT key ids.");
    r.group("config", "Show the config file's contexts and choose the current one",
            "A context names a database. The one a command uses is --database or TENANTCTL_DATABASE_URL when "
            "given, else --context, else the file's current_context.");
    r.group("version", "Print the versions of the client, the server and the platform schema",
            "The server and platform schema versions are shown when the database answers.");
    r.group("help", "Show the help of any command", "`tenantctl help tenant purge` is `tenantctl tenant purge --help`.");
    // Groups below the top level: their summaries show in `tenantctl keys --help` and friends.
    r.group("keys jwt", "JWT signing keys: rotate, activate, retire and list them (`keys jwks` publishes them)");
    r.group("gdpr requests", "The register of data-subject requests and their one-month deadlines");
    r.group("audit partitions", "List, premake and prune the audit log's monthly partitions");
    commands::declare_sandbox(r);
    commands::declare_init(r);
    commands::declare_doctor(r);
    commands::declare_tenant_create(r);
    commands::declare_tenant_adopt(r);
    commands::declare_tenant_read(r);
    commands::declare_tenant_change(r);
    commands::declare_tenant_purge(r);
    commands::declare_tenant_apply(r);
    commands::declare_tenant_copy(r);
    commands::declare_tenant_diff(r);
    commands::declare_tenant_restore_from(r);
    commands::declare_tenant_move(r);
    commands::declare_tenant_placement(r);
    commands::declare_keys(r);
    commands::declare_keys_jwt(r);
    commands::declare_apikey(r);
    commands::declare_migrate(r);
    commands::declare_gdpr(r);
    commands::declare_audit(r);
    commands::declare_maintain(r);
    commands::declare_citus(r);
    commands::declare_completion(r);
    commands::declare_version_help(r);
    commands::declare_config(r);
}

}  // namespace tenantctl::cli
