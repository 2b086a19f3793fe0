// tenantctl keys status|rotate|reencrypt|retire|destroy|rewrap|verify (tenant data keys and
// the master key). JWT signing keys are in keys_jwt.cpp.
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/keys/data_keys.hpp"
#include "core/keys/reencrypt.hpp"
#include "core/keys/rewrap.hpp"

namespace tenantctl::commands {

namespace {

struct StatusOpts {
    std::optional<std::string> tenant;
    bool no_usage = false;
};

struct DataKeyRotateOpts {
    std::optional<std::string> tenant;
    bool all = false;
    bool reencrypt = false;
    long batch_size = 10000;
    double max_rate = 0;
    bool fire_triggers = false;
};

struct ReencryptOpts {
    std::optional<std::string> tenant;
    bool all = false;
    long batch_size = 10000;
    double max_rate = 0;
    bool fire_triggers = false;
};

struct VersionOpts {
    std::string tenant;
    int version = 0;
    bool force = false;
};

struct RewrapOpts {
    std::string new_master_key;
};

struct KeysVerifyOpts {
    std::optional<std::string> tenant;
    long sample = 0;
    bool all = false;
};

Records run_rotate(Context& ctx, const DataKeyRotateOpts& o) {
    Records rotated = keys::rotate(ctx, keys::RotateOptions{o.tenant, o.all});
    if (!o.reencrypt || ctx.dry_run()) return rotated;
    Records re = keys::reencrypt(
        ctx, keys::ReencryptOptions{o.tenant, o.all, o.batch_size, o.max_rate, std::nullopt, o.fire_triggers});
    // One summary: the rotation rows inside the re-encryption document.
    json rows = json::array();
    for (const auto& row : rotated.rows) {
        json j = json::object();
        for (std::size_t i = 0; i < rotated.columns.size(); ++i) j[rotated.columns[i]] = row[i];
        rows.push_back(j);
    }
    json doc = {{"rotated", rows}};
    doc.update(*re.document);
    Records out = Records::doc(doc);
    out.exit = rotated.exit != Exit::ok ? rotated.exit : re.exit;
    out.failure = !rotated.failure.empty() ? rotated.failure : re.failure;
    return out;
}

}  // namespace

void declare_keys(cli::Registry& r) {
    r.command<StatusOpts>("keys status", "Show each tenant's key versions, states, ages and the values using each")
        .option("--tenant", &StatusOpts::tenant, "only this tenant", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .flag("--no-usage", &StatusOpts::no_usage, "skip counting encrypted values per version (no data scan)")
        .description("Counts every encrypted value of the data map (data.tables.<t>.encrypted) per key version, "
                     "per table.column, by HMAC trial. Values no key of the tenant opens are listed as "
                     "'undecryptable' and make the exit code 8.")
        .example("tenantctl keys status --tenant acme")
        .example("tenantctl keys status -o json")
        .run([](Context& ctx, const StatusOpts& o) { return keys::status(ctx, keys::StatusOptions{o.tenant, !o.no_usage}); });

    r.command<DataKeyRotateOpts>("keys rotate", "Add a new active data key version; the old one becomes decrypt-only")
        .option("--tenant", &DataKeyRotateOpts::tenant, "the tenant", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .flag("--all", &DataKeyRotateOpts::all, "every tenant that is not purged (failures are reported, exit 9)")
        .flag("--reencrypt", &DataKeyRotateOpts::reencrypt, "re-encrypt the tenant's data under the new key afterwards")
        .option("--batch-size", &DataKeyRotateOpts::batch_size, "rows per re-encryption batch (with --reencrypt)", "N")
        .option("--max-rate", &DataKeyRotateOpts::max_rate, "at most this many rows per second (with --reencrypt)", "R")
        .flag("--fire-triggers", &DataKeyRotateOpts::fire_triggers,
              "with --reencrypt, run the app's triggers on every re-encrypted row (by default they stay quiet)")
        .mutating()
        .example("tenantctl keys rotate --tenant acme --reencrypt")
        .example("tenantctl keys rotate --all --dry-run")
        .run(run_rotate);

    r.command<ReencryptOpts>("keys reencrypt", "Re-encrypt a tenant's encrypted columns under its active key (resumable)")
        .option("--tenant", &ReencryptOpts::tenant, "the tenant", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .flag("--all", &ReencryptOpts::all, "every tenant that is not purged (failures are reported, exit 9)")
        .option("--batch-size", &ReencryptOpts::batch_size, "rows per batch transaction (default 10000)", "N")
        .option("--max-rate", &ReencryptOpts::max_rate, "at most this many rows per second (default: no limit)", "R")
        .flag("--fire-triggers", &ReencryptOpts::fire_triggers,
              "run the app's triggers on every re-encrypted row (by default they stay quiet: the value decrypts to "
              "what it was)")
        .mutating()
        .description("Walks every encrypted column of the data map in primary-key order. Values already under the "
                     "active key are skipped; others are re-encrypted keeping their Fernet timestamp. Each batch and "
                     "its checkpoint (in the jobs table) commit together, so an interrupted run resumes where it "
                     "stopped. Values that do not decrypt are reported (table, column, primary key), left "
                     "untouched, and make the exit code 8. The app's triggers on those tables stay quiet while a value "
                     "is rewritten (session_replication_role = replica for that UPDATE only: no updated_at bumped, no "
                     "history row); a role that may not set it, or an ENABLE ALWAYS trigger, is warned about. "
                     "A second run for the same tenant waits up to "
                     "--lock-timeout, then exits 6.")
        .example("tenantctl keys reencrypt --tenant acme")
        .example("tenantctl keys reencrypt --all --max-rate 20000 -o json")
        .run([](Context& ctx, const ReencryptOpts& o) {
            return keys::reencrypt(
                ctx, keys::ReencryptOptions{o.tenant, o.all, o.batch_size, o.max_rate, std::nullopt, o.fire_triggers});
        });

    r.command<VersionOpts>("keys retire", "Retire a decrypt-only key version no value uses any more")
        .option("--tenant", &VersionOpts::tenant, "the tenant", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .option("--version", &VersionOpts::version, "the key version", "N")
        .required()
        .mutating()
        .description("Refuses (exit 5) for the active version and while any encrypted value still uses the version.")
        .example("tenantctl keys retire --tenant acme --version 1")
        .run([](Context& ctx, const VersionOpts& o) { return keys::retire(ctx, o.tenant, o.version); });

    r.command<VersionOpts>("keys destroy", "Erase a key version's wrapped key for good (crypto-shredding)")
        .option("--tenant", &VersionOpts::tenant, "the tenant", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .option("--version", &VersionOpts::version, "the key version", "N")
        .required()
        .flag("--force", &VersionOpts::force, "destroy even though values still use it: they become unreadable")
        .mutating()
        .description("Asks for confirmation (or --yes). Refuses the active version, and a version values still use "
                     "unless --force.")
        .example("tenantctl keys destroy --tenant acme --version 1 --yes")
        .run([](Context& ctx, const VersionOpts& o) { return keys::destroy(ctx, o.tenant, o.version, o.force); });

    r.command<RewrapOpts>("keys rewrap", "Re-wrap every data key, JWT private key and audit key under a new master key")
        .option("--new-master-key", &RewrapOpts::new_master_key, "where the new master key is: env:NAME, file:PATH or cmd:COMMAND",
                "SOURCE")
        .required()
        .mutating()
        .description("Checks that every wrapped key (tenant data keys, JWT private keys, the audit chain's per-tenant "
                     "keys) unwraps under the current master key, then re-wraps all of them in one transaction. "
                     "Afterwards point keys.master_key at the new key: audit verify and keys verify then need it.")
        .example("tenantctl keys rewrap --new-master-key file:/etc/tenantctl/master-2025.key")
        .run([](Context& ctx, const RewrapOpts& o) { return keys::rewrap(ctx, o.new_master_key); });

    r.command<KeysVerifyOpts>("keys verify", "Check that every wrapped key unwraps and encrypted values decrypt")
        .option("--tenant", &KeysVerifyOpts::tenant, "only this tenant", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .option("--sample", &KeysVerifyOpts::sample, "also decrypt N random values per tenant and column", "N")
        .flag("--all", &KeysVerifyOpts::all, "also decrypt every encrypted value")
        .description("Exits 8 when anything does not unwrap or decrypt.")
        .example("tenantctl keys verify --sample 100")
        .example("tenantctl keys verify --tenant acme --all")
        .run([](Context& ctx, const KeysVerifyOpts& o) {
            return keys::verify(ctx, keys::VerifyOptions{o.tenant, o.sample, o.all});
        });
}

}  // namespace tenantctl::commands
