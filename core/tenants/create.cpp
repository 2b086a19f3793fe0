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
#include "core/model/tenant_data.hpp"
#include "core/keys/master_key_check.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/app_tenants.hpp"
#include "core/tenants/schema_setup.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::tenants {

void check_text(const std::string& what, const std::string& value) {
    if (util::valid_utf8_prefix(value) != value.size())
        throw UsageError(fmt::format("{}: not valid UTF-8", what));
    for (unsigned char c : value)
        if (c < 0x20 || c == 0x7f)
            throw UsageError(fmt::format("{}: control characters are not allowed in {}", what,
                                         util::in_quotes(value, 40)));
    if (value.size() > 1000) throw UsageError(fmt::format("{}: longer than 1000 bytes", what));
}

void check_email(const std::string& value) {
    check_text("admin e-mail", value);
    const auto at = value.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == value.size() || value.find(' ') != std::string::npos ||
        value.find('@', at + 1) != std::string::npos)
        throw UsageError("admin e-mail: expected one address such as ops@example.com");
}

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

namespace {

// The type of the key the app's rows hold: the tenants table's key column, else the tenancy
// columns' shared type; nullopt when there are no tenant tables yet.
std::optional<std::string> app_key_type(const model::TenantData& data) {
    if (const auto* t = data.tenants_table()) return t->tenancy().type;
    return tenancy_type(data);
}

// One query instead of the whole model: the types the tenancy column has across app tables.
std::optional<std::string> shared_tenancy_type(Context& ctx, pqxx::transaction_base& tx) {
    auto r = tx.exec_params(
        "SELECT DISTINCT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') "
        "  AND n.nspname NOT IN ('pg_catalog', 'information_schema', $2) AND n.nspname NOT LIKE 'pg\\_%' "
        "  AND n.nspname NOT LIKE 'tenant\\_%'",
        ctx.config().tenancy.column, ctx.schema());
    if (r.size() != 1) return std::nullopt;
    return std::string(r[0][0].c_str());
}

// `--key` in the form the database prints it (bigint ' 007' -> '7', uuid in lowercase), so
// that the tenancy value compares equal with what the app's rows hold.
std::string canonical_key(pqxx::transaction_base& tx, const std::string& key, const std::string& type,
                          const std::string& slug) {
    check_text("key", key);
    try {
        tx.exec("SAVEPOINT tenantctl_key");
        auto r = tx.exec_params1(fmt::format("SELECT $1::{}::text", type), key);
        tx.exec("RELEASE SAVEPOINT tenantctl_key");
        return r[0].c_str();
    } catch (const pqxx::data_exception&) {
        tx.exec("ROLLBACK TO SAVEPOINT tenantctl_key");
    }
    throw UsageError(fmt::format("tenant '{}': key {} is not a valid {}", slug, util::in_quotes(key, 40), type));
}

}  // namespace

std::vector<Created> insert_new(Context& ctx, pqxx::transaction_base& tx, const std::vector<NewTenant>& tenants) {
    std::vector<Created> out;
    if (tenants.empty()) return out;
    // Before anything is written: the data keys about to be made must be wrapped by the master
    // key the database's other keys were made with (exit 8 otherwise; the transaction rolls back).
    (void)keys::checked_master_key(ctx, tx);
    // The data model only matters when the app keys tenants its own way.
    std::optional<model::TenantData> data;
    std::optional<std::string> key_type;
    const bool has_tenants_table = ctx.config().tenancy.tenants_table.has_value();
    const bool any_key = std::any_of(tenants.begin(), tenants.end(), [](const NewTenant& t) { return t.tenancy_key; });
    if (has_tenants_table || any_key) {
        data = model::TenantData::load(ctx, tx);
        key_type = app_key_type(*data);
    } else {
        key_type = shared_tenancy_type(ctx, tx);
    }
    json rows = json::array();
    for (const auto& t : tenants) {
        std::optional<std::string> key = t.tenancy_key;
        if (key && key_type) key = canonical_key(tx, *key, *key_type, t.slug);
        if (!key && !has_tenants_table && key_type && *key_type != "uuid")
            throw Refused(fmt::format("tenant '{}': the tenancy column '{}' is {}, not uuid: tenantctl needs the value "
                                      "the app's rows will hold",
                                      t.slug, ctx.config().tenancy.column, *key_type),
                          "pass --key VALUE (or `key:` in a manifest), or configure tenancy.tenants_table");
        rows.push_back(json{{"id", opt(t.id)},
                            {"tenancy_key", opt(key)},
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
                    "                settings, flags, suspended_at, tenancy_key) "
                    "SELECT coalesce(r.id, gen_random_uuid()), r.slug, r.name, r.status, r.status_reason, r.plan, "
                    "       r.region, r.isolation, r.admin_email, r.settings, r.flags, "
                    "       CASE WHEN r.status = 'suspended' THEN now() END, r.tenancy_key "
                    "FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, slug text, name text, status text, "
                    "     status_reason text, plan text, region text, isolation text, admin_email text, "
                    "     settings jsonb, flags jsonb, tenancy_key text) "
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
        if (has_tenants_table && !t.adopted) {
            const auto& stored = rows[out.size()]["tenancy_key"];
            const std::string app_key =
                insert_app_row(ctx, tx, *data->tenants_table(),
                               stored.is_null() ? std::nullopt : std::optional<std::string>(stored.get<std::string>()),
                               t.slug, t.name, c.id);
            // The row's own default chose the key: that is the tenant's tenancy value now.
            if (app_key != c.id)
                tx.exec_params(fmt::format("UPDATE {} SET tenancy_key = $2 WHERE id = $1::uuid", ctx.platform_table("tenants")),
                               c.id, app_key);
        }
        audit::Event ev;
        ev.tenant_id = c.id;
        ev.action = t.adopted ? "tenant.adopt" : "tenant.create";
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
    } catch (const pqxx::unique_violation&) {
        // A concurrent `tenant apply` (or a create under another lock) inserted the slug or id
        // after we looked: the server's raw constraint message helps nobody.
        throw Refused(fmt::format("tenant '{}' was created by a concurrent run while this one was creating it",
                                  spec.slug),
                      "nothing was written by this run; see it with `tenantctl tenant show " + spec.slug +
                          "`, or pass --if-not-exists");
    } catch (...) {
        db::rethrow_translated(fmt::format("creating tenant '{}'", spec.slug));
    }
}

}  // namespace tenantctl::tenants
