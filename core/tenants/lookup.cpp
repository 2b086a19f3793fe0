#include "core/tenants/lookup.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/errors.hpp"

namespace tenantctl::tenants {

namespace {
TenantRef from_row(const pqxx::row& r) {
    return TenantRef{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>()};
}
}  // namespace

std::optional<TenantRef> find(Context& ctx, pqxx::transaction_base& tx, std::string_view slug) {
    auto rows = tx.exec_params(fmt::format("SELECT id::text, slug, status, isolation FROM {} WHERE slug = $1",
                                           ctx.platform_table("tenants")),
                               std::string(slug));
    if (rows.empty()) return std::nullopt;
    return from_row(rows[0]);
}

TenantRef resolve(Context& ctx, pqxx::transaction_base& tx, std::string_view slug) {
    if (auto t = find(ctx, tx, slug)) return *t;
    // Slugs are short and safe to echo, but an arbitrary argument is quoted and trimmed.
    std::string shown(slug.substr(0, 64));
    throw NotFound(fmt::format("unknown tenant '{}'", shown), "list tenants with `tenantctl tenant list`");
}

std::vector<TenantRef> list_live(Context& ctx, pqxx::transaction_base& tx) {
    std::vector<TenantRef> out;
    auto rows = tx.exec(fmt::format("SELECT id::text, slug, status, isolation FROM {} WHERE status <> 'purged' ORDER BY slug",
                                    ctx.platform_table("tenants")));
    for (const auto& r : rows) out.push_back(from_row(r));
    return out;
}

}  // namespace tenantctl::tenants
