// tenantctl tenant diff
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/portability/diff.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::commands {

namespace {

json rows_of(const std::optional<portability::Fingerprint>& f) { return f ? json(f->rows) : json(nullptr); }
json checksum_of(const std::optional<portability::Fingerprint>& f) { return f ? json(f->checksum) : json(nullptr); }

Records run_diff(Context& ctx, const portability::DiffOptions& o) {
    const auto result = portability::diff(ctx, o);
    ctx.log().info(fmt::format("compared tenant '{}' here ({}) with {}--against {} ({})", o.slug, result.source,
                               o.as_slug ? fmt::format("'{}' ", *o.as_slug) : "", o.against, result.target));
    Records r = Records::table(
        {"table", "status", "source_rows", "target_rows", "source_checksum", "target_checksum", "details"});
    for (const auto& t : result.tables)
        r.add({t.table, t.status, rows_of(t.source), rows_of(t.target), checksum_of(t.source), checksum_of(t.target),
               util::join(t.details, "; ")});
    if (result.differing > 0) {
        r.exit = Exit::check_failed;
        r.failure = fmt::format("tenant '{}' differs in {} of {} tables between here and --against {}", o.slug,
                                result.differing, result.tables.size(), o.against);
    }
    return r;
}

}  // namespace

void declare_tenant_diff(cli::Registry& r) {
    r.command<portability::DiffOptions>("tenant diff", "Compare one tenant's data here with another database")
        .positional("SLUG", &portability::DiffOptions::slug, "the tenant")
        .complete(cli::Completer::tenant_slug)
        .option("--against", &portability::DiffOptions::against, "the other database: a context of the config file",
                "CONTEXT")
        .required()
        .complete(cli::Completer::context)
        .option("--as", &portability::DiffOptions::as_slug,
                "the tenant's slug at the other database when it was copied there with `tenant copy --as`", "NEWSLUG")
        .description(
            "For every table of the tenant's data (the tables with the tenancy column, the tables whose rows hang "
            "off them by foreign key, the app's tenants table; the tenant's schema in schema mode) prints the "
            "tenant's row count and an order-independent checksum of its rows on each side, and the columns the "
            "two sides do not share. Each side is read in one snapshot, both at the same time, under fixed output "
            "settings so that servers with other time zones or date styles compare equal. The tenancy column is "
            "left out of the checksum, so a tenant with another id on the other side still compares equal. Exit "
            "code 3 when anything differs. The other database is a context, never a connection string: a password "
            "on the command line is visible to every user of the host; its password comes from the context's "
            "connection string, PGPASSWORD or ~/.pgpass. With --as the other side is the tenant's copy under another "
            "slug (`tenant copy --as`): this side's rows are compared as that copy rewrote them, with the copy's "
            "tenancy value in every column that holds it and its slug in the app's tenants table.")
        .example("tenantctl tenant diff acme --against staging")
        .example("tenantctl --context eu tenant diff acme --against us -o json")
        .example("tenantctl tenant diff acme --against staging --as acme-copy")
        .example("tenantctl tenant diff acme --against backup --jq '.[] | select(.status != \"same\") | .table'")
        .table_columns({"table", "status", "source_rows", "target_rows", "details"})
        .run(run_diff);
}

}  // namespace tenantctl::commands
