// tenantctl tenant copy
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/portability/copy.hpp"

namespace tenantctl::commands {

namespace {

Records run_copy(Context& ctx, const portability::CopyOptions& o) {
    const auto result = portability::copy(ctx, o);
    ctx.log().info(fmt::format("{} tenant '{}' ({} rows in {} tables, {} data keys, {} API keys, {} audit events) to "
                               "--to {} ({}){}",
                               result.dry_run ? "would copy" : "copied", o.slug, result.rows, result.tables.size(),
                               result.data_keys, result.api_keys, result.audit_events, o.to, result.target,
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
            "Sequences of serial and identity columns are moved past the copied ids. The tenant stays as it is here; "
            "both databases record the copy in their audit log.")
        .example("tenantctl tenant copy acme --to staging")
        .example("tenantctl tenant copy acme --to eu --to-master-key file:/etc/tenantctl/eu.key --dry-run")
        .run(run_copy);
}

}  // namespace tenantctl::commands
