// tenantctl tenant copy
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/portability/copy.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::commands {

namespace {

Records run_copy(Context& ctx, const portability::CopyOptions& o) {
    const auto result = portability::copy(ctx, o);
    for (const auto& c : result.anonymized) ctx.log().debug("anonymized " + c);
    if (!result.unclassified.empty())
        ctx.log().warn(fmt::format("{} column{} not classified by the data map copied as they are: {}",
                                   result.unclassified.size(), result.unclassified.size() == 1 ? "" : "s",
                                   util::join(result.unclassified, ", ")));
    std::string what = fmt::format("{} rows in {} tables, {} data keys, {} API keys, {} audit events", result.rows,
                                   result.tables.size(), result.data_keys, result.api_keys, result.audit_events);
    if (o.as_slug) what += fmt::format("; as '{}' ({} columns holding the tenancy value)", result.copy_slug, result.rewritten_columns);
    if (o.anonymize) what += fmt::format("; {} columns anonymized", result.anonymized.size());
    if (!result.schema.empty())
        what += fmt::format("; its schema {} built there by {} tenant-scoped migration{}", result.schema,
                            result.migrations_replayed, result.migrations_replayed == 1 ? "" : "s");
    if (result.reinstated)
        what += fmt::format("; into its own purged row there, whose audit trail gained {} event{}", result.audit_events,
                            result.audit_events == 1 ? "" : "s");
    if (result.triggers_quieted > 0)
        what += fmt::format("; {} trigger{} of the app kept quiet", result.triggers_quieted,
                            result.triggers_quieted == 1 ? "" : "s");
    ctx.log().info(fmt::format("{} tenant '{}' ({}) to --to {} ({}){}", result.dry_run ? "would copy" : "copied", o.slug,
                               what, o.to, result.target,
                               result.dry_run ? "; verified there and rolled back" : ", verified there"));
    Records r = Records::table({"table", "rows", "checksum"});
    for (const auto& t : result.tables) r.add({t.table, t.copied.rows, t.copied.checksum});
    return r;
}

}  // namespace

void declare_tenant_copy(cli::Registry& r) {
    r.command<portability::CopyOptions>("tenant copy", "Copy one tenant, with its keys and every row of its data, into another database")
        .positional("SLUG", &portability::CopyOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--to", &portability::CopyOptions::to, "the destination: a context of the config file", "CONTEXT")
        .required()
        .complete(cli::Completer::context)
        .option("--to-master-key", &portability::CopyOptions::to_master_key,
                "where the destination's master key is read from (env:NAME, file:PATH or cmd:COMMAND); default: the "
                "master key in use here",
                "SOURCE")
        .option("--as", &portability::CopyOptions::as_slug,
                "copy it as a new tenant with this slug and a new id, written into every column holding the tenancy "
                "value",
                "NEWSLUG")
        .option("--as-key", &portability::CopyOptions::as_key,
                "with --as, where the app keys tenants by its own key rather than the id: the copy's key", "KEY")
        .flag("--anonymize", &portability::CopyOptions::anonymize,
              "apply the data map's anonymization to every pii column and replace encrypted values; no personal data "
              "reaches the destination")
        .flag("--allow-unclassified", &portability::CopyOptions::allow_unclassified,
              "with --anonymize, copy columns the data map does not classify as they are (warned) instead of refusing")
        .flag("--fire-triggers", &portability::CopyOptions::fire_triggers,
              "run the app's triggers on the rows written, as its own inserts would (by default they stay quiet: the "
              "rows hold what they wrote where they come from)")
        .mutating()
        .description(
            "Copies the tenant's platform row, its data keys (wrapped again under the destination's master key), API "
            "keys, GDPR register and audit trail (events, hash chain and checkpoints: `audit verify` passes there), and "
            "every row of every table of its data (tables with the tenancy column, tables "
            "whose rows hang off them, the app's tenants table), parents first, streamed with COPY from one snapshot. "
            "Everything is written in one transaction at the destination and committed only after each table's rows "
            "there were counted and checksummed and found equal to the source's; a kill leaves the destination "
            "unchanged. Refused before writing anything when the destination's schema differs (every difference "
            "listed), already has the tenant or rows of its tenancy value, or has keys wrapped by another master key. "
            "The tenant's own purged row there (it moved away from there once) does not count: the copy comes back "
            "into it, and the audit trail it left there gains the events it lacks (see `tenant move`). "
            "A tenant with its own schema gets it there in the same transaction, built by the tenant-scoped "
            "migrations its schema here had (the same files, by checksum), then compared with this one like any "
            "destination schema. "
            "The app's triggers on the tables written stay quiet, as on a logical replica (ENABLE ALWAYS ones fire, "
            "with a warning), and every foreign key of those tables is then checked over the tenant's rows; the role "
            "needs the right to set session_replication_role, or --fire-triggers. "
            "Sequences of serial and identity columns are moved past the copied ids. The tenant stays as it is here; "
            "both databases record the copy in their audit log. "
            "With --as the copy is another tenant: a new slug and id (and --as-key where the app keys tenants its own "
            "way) written into every column that holds the tenancy value; row keys stay as they are, so tables keyed "
            "across tenants cannot take the copy next to the original. With --anonymize every pii column of the data "
            "map gets its strategy (null, redact, or hash under a key made for this copy and then forgotten), "
            "encrypted columns get a token of a redacted text under a new data key, and the tenant's admin e-mail is "
            "dropped; a column the data map does not classify is refused unless --allow-unclassified. Under --as or "
            "--anonymize the tenant's API keys, GDPR register and audit trail stay behind.")
        .example("tenantctl tenant copy acme --to staging")
        .example("tenantctl tenant copy acme --to eu --to-master-key file:/etc/tenantctl/eu.key --dry-run")
        .example("tenantctl tenant copy acme --to staging --as acme-repro --anonymize")
        .run(run_copy);
}

}  // namespace tenantctl::commands
