#include "core/tenants/lookup.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"

namespace tenantctl::tenants {

namespace {
TenantRef tenant_ref_from_row(const pqxx::row& r) {
    return TenantRef{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                     r[4].as<std::string>()};
}
}  // namespace

std::optional<TenantRef> find(Context& ctx, pqxx::transaction_base& tx, std::string_view slug) {
    auto rows = tx.exec_params(fmt::format("SELECT id::text, slug, status, isolation, coalesce(tenancy_key, id::text) FROM {} WHERE slug = $1",
                                           ctx.platform_table("tenants")),
                               std::string(slug));
    if (rows.empty()) return std::nullopt;
    return tenant_ref_from_row(rows[0]);
}

namespace {
NotFound unknown_tenant(std::string_view slug) {
    // Slugs are short and safe to echo, but an arbitrary argument is quoted and trimmed.
    std::string shown(slug.substr(0, 64));
    return NotFound(fmt::format("unknown tenant '{}'", shown), "list tenants with `tenantctl tenant list`");
}
}  // namespace

TenantRef resolve(Context& ctx, pqxx::transaction_base& tx, std::string_view slug) {
    if (auto t = find(ctx, tx, slug)) return *t;
    throw unknown_tenant(slug);
}

TenantRef resolve_on_current_platform(Context& ctx, std::string_view slug) {
    pqxx::result rows;
    bool schema_missing = false;
    try {
        pqxx::nontransaction tx(ctx.db());
        rows = tx.exec_params(
            fmt::format("SELECT v.version, t.id::text, t.slug, t.status, t.isolation, coalesce(t.tenancy_key, t.id::text) "
                        "FROM (SELECT coalesce(max(version), 0) AS version FROM {}.platform_version) v "
                        "LEFT JOIN {} t ON t.slug = $1",
                        db::quote_ident(ctx.schema()), ctx.platform_table("tenants")),
            std::string(slug));
    } catch (const pqxx::undefined_table&) {
        schema_missing = true;
    } catch (const pqxx::sql_error& e) {
        schema_missing = std::string_view(e.sqlstate()) == "3F000";  // invalid_schema_name
        if (!schema_missing) db::rethrow_translated("resolving the tenant");
    } catch (...) {
        db::rethrow_translated("resolving the tenant");
    }
    if (schema_missing) {
        platform::require_current(ctx);  // a missing or old schema: it says which
        throw Refused(fmt::format("the platform schema '{}' is incomplete", ctx.schema()), "run `tenantctl init`");
    }
    platform::check_current(ctx, rows[0][0].as<int>());
    if (rows[0][1].is_null()) throw unknown_tenant(slug);
    return TenantRef{rows[0][1].as<std::string>(), rows[0][2].as<std::string>(), rows[0][3].as<std::string>(),
                     rows[0][4].as<std::string>(), rows[0][5].as<std::string>()};
}

std::vector<TenantRef> list_live(Context& ctx, pqxx::transaction_base& tx) {
    std::vector<TenantRef> out;
    auto rows = tx.exec(fmt::format("SELECT id::text, slug, status, isolation, coalesce(tenancy_key, id::text) FROM {} "
                                    "WHERE status <> 'purged' ORDER BY slug",
                                    ctx.platform_table("tenants")));
    for (const auto& r : rows) out.push_back(tenant_ref_from_row(r));
    return out;
}

}  // namespace tenantctl::tenants
