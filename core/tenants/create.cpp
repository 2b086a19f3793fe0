#include "core/tenants/create.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/keys/data_keys.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/schema_setup.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::tenants {

void check_uuid(std::string& value) {
    std::string v = util::to_lower(value);
    bool ok = v.size() == 36;
    for (std::size_t i = 0; ok && i < v.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        ok = dash ? v[i] == '-' : std::isxdigit(static_cast<unsigned char>(v[i])) != 0;
    }
    if (!ok) throw UsageError(fmt::format("--id: {} is not a UUID", util::in_quotes(value, 40)),
                              "expected 8-4-4-4-12 hex digits, e.g. 0b5e6c1a-3f2d-4c7e-9a1b-2c3d4e5f6a7b");
    if (v == "00000000-0000-0000-0000-000000000000")
        throw UsageError("--id: the nil UUID is reserved for platform audit events");
    value = v;
}

void validate_new(NewTenant& t) {
    util::validate_slug(t.slug);
    if (t.isolation != "shared" && t.isolation != "schema")
        throw UsageError(fmt::format("isolation must be shared or schema, got {}", util::in_quotes(t.isolation)));
    if (t.isolation == "schema") (void)util::schema_name_for_slug(t.slug);  // length limit
    if (t.id) check_uuid(*t.id);
    if (t.name) check_text("name", *t.name);
    if (t.plan) check_text("plan", *t.plan);
    if (t.region) check_text("region", *t.region);
    if (t.admin_email) check_email(*t.admin_email);
    if (!t.settings.is_object()) throw UsageError("settings must be a map");
    if (!t.flags.is_object()) throw UsageError("flags must be a map");
}

std::vector<Created> insert_new(Context& ctx, pqxx::transaction_base& tx, const std::vector<NewTenant>& tenants) {
    std::vector<Created> out;
    if (tenants.empty()) return out;
    json rows = json::array();
    for (const auto& t : tenants) {
        rows.push_back(json{{"id", opt(t.id)},
                            {"slug", t.slug},
                            {"name", opt(t.name)},
                            {"status", t.status},
                            {"status_reason", opt(t.status_reason)},
                            {"plan", opt(t.plan)},
                            {"region", opt(t.region)},
                            {"isolation", t.isolation},
                            {"admin_email", opt(t.admin_email)},
                            {"settings", json::parse(t.settings.dump())},
                            {"flags", json::parse(t.flags.dump())}});
    }
    // One statement for all rows: the values travel as one JSON parameter, never as SQL text.
    auto result = tx.exec_params(
        fmt::format("INSERT INTO {} (id, slug, name, status, status_reason, plan, region, isolation, admin_email, "
                    "                settings, flags, suspended_at) "
                    "SELECT coalesce(r.id, gen_random_uuid()), r.slug, r.name, r.status, r.status_reason, r.plan, "
                    "       r.region, r.isolation, r.admin_email, r.settings, r.flags, "
                    "       CASE WHEN r.status = 'suspended' THEN now() END "
                    "FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, slug text, name text, status text, "
                    "     status_reason text, plan text, region text, isolation text, admin_email text, "
                    "     settings jsonb, flags jsonb) "
                    "RETURNING id::text, slug",
                    ctx.platform_table("tenants")),
        rows.dump());
    std::map<std::string, std::string> ids;
    for (const auto& r : result) ids[r[1].c_str()] = r[0].c_str();
    out.reserve(tenants.size());
    for (const auto& t : tenants) {
        Created c;
        c.slug = t.slug;
        c.id = ids.at(t.slug);
        c.key_version = keys::create_data_key(ctx, tx, c.id);
        if (t.isolation == "schema") c.schema = create_tenant_schema(ctx, tx, c.id, t.slug);
        audit::Event ev;
        ev.tenant_id = c.id;
        ev.action = "tenant.create";
        ev.resource_type = "tenant";
        ev.resource_id = t.slug;
        ev.metadata = json{{"slug", t.slug},   {"plan", opt(t.plan)},         {"region", opt(t.region)},
                           {"status", t.status}, {"isolation", t.isolation}, {"key_version", c.key_version}};
        audit::append(ctx, tx, ev);
        out.push_back(std::move(c));
    }
    return out;
}

CreateResult create(Context& ctx, NewTenant spec, bool if_not_exists) {
    validate_new(spec);
    platform::require_current(ctx);
    auto lock = ctx.lock(lock_name(spec.slug));
    try {
        pqxx::work tx(ctx.db());
        if (auto existing = load(ctx, tx, spec.slug)) {
            if (!if_not_exists)
                throw Refused(fmt::format("tenant '{}' already exists{}", spec.slug,
                                          existing->status == "purged" ? " (purged; its slug stays taken)" : ""),
                              "pass --if-not-exists to accept an existing tenant, or pick another slug");
            ctx.log().info(fmt::format("tenant '{}' already exists; nothing to do", spec.slug));
            return CreateResult{*existing, false, 0};
        }
        if (spec.id) {
            auto clash = tx.exec_params(fmt::format("SELECT slug FROM {} WHERE id = $1::uuid", ctx.platform_table("tenants")),
                                        *spec.id);
            if (!clash.empty())
                throw Refused(fmt::format("id {} already belongs to tenant '{}'", *spec.id, clash[0][0].c_str()));
        }
        if (ctx.dry_run()) {
            Tenant t;
            t.id = spec.id.value_or("");
            t.slug = spec.slug;
            t.name = spec.name;
            t.status = spec.status;
            t.plan = spec.plan;
            t.region = spec.region;
            t.isolation = spec.isolation;
            t.admin_email = spec.admin_email;
            ctx.log().info(fmt::format("dry run: would create tenant '{}' with its first data key", spec.slug));
            return CreateResult{t, false, 1};
        }
        auto created = insert_new(ctx, tx, {spec});
        auto tenant = load_or_throw(ctx, tx, spec.slug);
        tx.commit();
        if (created[0].schema) run_tenant_migrations(ctx, created[0].id, *created[0].schema);
        return CreateResult{tenant, true, created[0].key_version};
    } catch (...) {
        db::rethrow_translated(fmt::format("creating tenant '{}'", spec.slug));
    }
}

}  // namespace tenantctl::tenants
