#include "core/tenants/app_tenants.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/create.hpp"
#include "core/tenants/model.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::tenants {

std::string insert_app_row(Context& ctx, pqxx::transaction_base& tx, const model::Relation& table,
                           const std::optional<std::string>& key, const std::string& slug,
                           const std::optional<std::string>& name, const std::string& fallback_uuid) {
    const auto& cfg = *ctx.config().tenancy.tenants_table;
    const model::Column& key_col = *table.column(cfg.key);
    std::vector<std::string> missing;
    for (const auto& c : table.columns)
        if (c.not_null && !c.has_default && !c.generated && c.name != cfg.key && (!cfg.slug || c.name != *cfg.slug) &&
            (!cfg.name || c.name != *cfg.name))
            missing.push_back(c.name);
    if (!missing.empty())
        throw Refused(fmt::format("cannot create the app's row in {}: NOT NULL column(s) {} have no default",
                                  table.display(), util::join(missing, ", ")),
                      "give them a default, or create the row yourself and run `tenantctl tenant adopt`");
    std::vector<std::string> columns, values;
    std::vector<std::optional<std::string>> params;
    std::optional<std::string> key_value = key;
    if (!key_value && !key_col.has_default && key_col.type == "uuid") key_value = fallback_uuid;
    if (!key_value && !key_col.has_default)
        throw Refused(fmt::format("cannot create the app's row in {}: its key column '{}' has no default", table.display(),
                                  cfg.key),
                      "pass --key VALUE");
    auto add = [&](const std::string& column, const std::optional<std::string>& value) {
        columns.push_back(db::quote_ident(column));
        params.push_back(value);
        values.push_back(fmt::format("${}::{}", params.size(), table.column(column)->type));
    };
    if (key_value) add(cfg.key, key_value);
    if (cfg.slug) add(*cfg.slug, slug);
    if (cfg.name && name) add(*cfg.name, name);
    const std::string overriding = key_value && key_col.identity_always ? " OVERRIDING SYSTEM VALUE" : "";
    const std::string sql =
        columns.empty()
            ? fmt::format("INSERT INTO {} DEFAULT VALUES RETURNING {}::text", table.name.quoted(), db::quote_ident(cfg.key))
            : fmt::format("INSERT INTO {} ({}){} VALUES ({}) RETURNING {}::text", table.name.quoted(),
                          util::join(columns, ", "), overriding, util::join(values, ", "), db::quote_ident(cfg.key));
    return tx.exec_params1(sql, pqxx::prepare::make_dynamic_params(params))[0].c_str();
}

std::optional<std::string> tenancy_type(const model::TenantData& data) {
    std::set<std::string> types;
    for (const auto& r : data.relations())
        if (r.tenancy_column && !r.is_tenants_table) types.insert(r.tenancy().type);
    if (const auto* t = data.tenants_table()) types.insert(t->tenancy().type);
    if (types.empty()) return std::nullopt;
    if (types.size() > 1)
        throw Refused(fmt::format("the tenancy column '{}' has different types in different tables ({})",
                                  data.tenancy_column(), util::join(std::vector<std::string>(types.begin(), types.end()), ", ")),
                      "give every tenancy column (and the tenants table's key) the same type");
    return *types.begin();
}

std::string adopted_slug(const std::optional<std::string>& slug, const std::optional<std::string>& name,
                         const std::string& key, const std::vector<std::string>& taken) {
    auto usable = [](const std::string& s) {
        try {
            util::validate_slug(s);
            return true;
        } catch (const UsageError&) {
            return false;
        }
    };
    auto slugify = [](const std::string& text) {
        std::string out;
        for (unsigned char c : text) {
            char l = static_cast<char>(std::tolower(c));
            if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) out += l;
            else if (!out.empty() && out.back() != '-') out += '-';
        }
        while (!out.empty() && out.back() == '-') out.pop_back();
        if (!out.empty() && !(out[0] >= 'a' && out[0] <= 'z')) out = "t-" + out;
        if (out.size() > 50) out.resize(50);
        while (!out.empty() && out.back() == '-') out.pop_back();
        return out;
    };
    std::string base;
    if (slug && usable(*slug)) base = *slug;
    else if (slug && usable(slugify(*slug))) base = slugify(*slug);
    else if (name && usable(slugify(*name))) base = slugify(*name);
    else base = slugify("t-" + key);
    if (!usable(base)) base = "t-" + std::to_string(std::hash<std::string>{}(key) % 100000000);
    std::string candidate = base;
    for (int n = 2; std::find(taken.begin(), taken.end(), candidate) != taken.end(); ++n)
        candidate = fmt::format("{}-{}", base.substr(0, 58), n);
    return candidate;
}

Records adopt(Context& ctx) {
    const auto& cfg = ctx.config().tenancy.tenants_table;
    if (!cfg)
        throw UsageError("tenant adopt needs tenancy.tenants_table in the config",
                         "e.g. tenancy: {tenants_table: {table: companies, key: id, slug: slug, name: name}}");
    platform::require_current(ctx);
    auto lock = ctx.lock("tenant:adopt");
    Records out = Records::table({"slug", "key", "name", "action"});
    try {
        pqxx::work tx(ctx.db());
        auto data = model::TenantData::load(ctx, tx);
        const model::Relation& table = *data.tenants_table();
        tx.exec("SET LOCAL row_security = off");
        const std::string slug_sql = cfg->slug ? "t." + db::quote_ident(*cfg->slug) + "::text" : "NULL::text";
        const std::string name_sql = cfg->name ? "t." + db::quote_ident(*cfg->name) + "::text" : "NULL::text";
        const std::string key = "t." + db::quote_ident(cfg->key);
        auto rows = tx.exec(fmt::format("SELECT {0}::text, {1}, {2}, {0}::text IN (SELECT x.id::text FROM {3} x) "
                                        "FROM {4} t WHERE {0} IS NOT NULL AND {0}::text NOT IN "
                                        "  (SELECT coalesce(x.tenancy_key, x.id::text) FROM {3} x) ORDER BY {0}",
                                        key, slug_sql, name_sql, ctx.platform_table("tenants"), table.name.quoted()));
        std::vector<std::string> taken;
        for (const auto& r : tx.exec(fmt::format("SELECT slug FROM {}", ctx.platform_table("tenants"))))
            taken.push_back(r[0].c_str());
        std::vector<NewTenant> adopted;
        for (const auto& r : rows) {
            NewTenant t;
            const std::string k = r[0].c_str();
            t.slug = adopted_slug(r[1].is_null() ? std::nullopt : std::optional<std::string>(r[1].c_str()),
                                  r[2].is_null() ? std::nullopt : std::optional<std::string>(r[2].c_str()), k, taken);
            taken.push_back(t.slug);
            if (!r[2].is_null()) t.name = std::string(r[2].c_str());
            // A uuid key that no tenant uses as its id becomes the id: tenancy_key stays NULL.
            if (table.tenancy().type == "uuid" && !r[3].as<bool>()) t.id = k;
            else t.tenancy_key = k;
            t.adopted = true;
            out.add({t.slug, k, t.name ? json(*t.name) : json(nullptr), ctx.dry_run() ? "would adopt" : "adopted"});
            adopted.push_back(std::move(t));
        }
        if (adopted.empty()) {
            ctx.log().info(fmt::format("every row of {} is already a tenant", table.display()));
            return out;
        }
        if (ctx.dry_run()) return out;
        ctx.confirm(fmt::format("adopt {} tenant(s) from {}?", adopted.size(), table.display()));
        for (auto& t : adopted) validate_new(t);
        insert_new(ctx, tx, adopted);
        tx.commit();
        ctx.log().info(fmt::format("adopted {} tenant(s) from {}", adopted.size(), table.display()));
        return out;
    } catch (...) {
        db::rethrow_translated("adopting the app's tenants");
    }
}

}  // namespace tenantctl::tenants
