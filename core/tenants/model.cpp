#include "core/tenants/model.hpp"

#include <fmt/format.h>

#include <limits>

#include "core/context.hpp"
#include "core/errors.hpp"
#include "core/util/json_input.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::tenants {

namespace {

// Timestamps leave the database already formatted, in UTC, whatever the session TimeZone.
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
constexpr const char* kColumns =
    "id::text, slug, name, status, status_reason, plan, region, isolation, admin_email, settings::text, "
    "flags::text, " TS("created_at") ", " TS("updated_at") ", " TS("suspended_at") ", " TS(
        "delete_requested_at") ", " TS("purge_after") ", " TS("purged_at") ", coalesce(tenancy_key, id::text), moved_to";
#undef TS

std::optional<std::string> text(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return std::string(f.c_str());
}

namespace {
// jsonb keeps numbers exact; read them back under the rule the manifest and --set use
// (util::exact_number), so a 30-digit setting compares equal to the manifest's next run.
Value stored_json(const char* text) {
    if (auto v = util::parse_json_input<Value>(text, "stored settings", std::numeric_limits<int>::max())) return *v;
    return Value::parse(text);
}
}  // namespace

Tenant tenant_from_row(const pqxx::row& r) {
    Tenant t;
    t.id = r[0].c_str();
    t.slug = r[1].c_str();
    t.name = text(r[2]);
    t.status = r[3].c_str();
    t.status_reason = text(r[4]);
    t.plan = text(r[5]);
    t.region = text(r[6]);
    t.isolation = r[7].c_str();
    t.admin_email = text(r[8]);
    t.settings = stored_json(r[9].c_str());
    t.flags = stored_json(r[10].c_str());
    t.created_at = r[11].c_str();
    t.updated_at = r[12].c_str();
    t.suspended_at = text(r[13]);
    t.delete_requested_at = text(r[14]);
    t.purge_after = text(r[15]);
    t.purged_at = text(r[16]);
    t.tenancy_value = r[17].c_str();
    t.moved_to = text(r[18]);
    return t;
}

}  // namespace

std::optional<Tenant> load(Context& ctx, pqxx::transaction_base& tx, std::string_view slug) {
    auto rows = tx.exec_params(fmt::format("SELECT {} FROM {} WHERE slug = $1", kColumns, ctx.platform_table("tenants")),
                               std::string(slug));
    if (rows.empty()) return std::nullopt;
    return tenant_from_row(rows[0]);
}

Tenant load_or_throw(Context& ctx, pqxx::transaction_base& tx, std::string_view slug) {
    if (auto t = load(ctx, tx, slug)) return *t;
    throw NotFound(fmt::format("unknown tenant {}", util::in_quotes(slug, 64)),
                   "list tenants with `tenantctl tenant list`");
}

std::vector<Tenant> list(Context& ctx, pqxx::transaction_base& tx, const ListFilter& filter) {
    std::optional<std::string> status = filter.status;
    if (status && *status == "all") status.reset();
    else if (status) {
        bool known = false;
        for (auto s : kStatuses) known = known || s == *status;
        if (!known)
            throw UsageError(fmt::format("--status: unknown status {}", util::in_quotes(*status)),
                             "one of active, suspended, pending_deletion, purged, moving, moved, all");
    }
    const bool all = filter.status && *filter.status == "all";
    auto rows = tx.exec_params(
        fmt::format("SELECT {} FROM {} "
                    "WHERE ($1::text IS NULL OR status = $1) AND ($1::text IS NOT NULL OR $4 OR status <> 'purged') "
                    "  AND ($2::text IS NULL OR plan = $2) AND ($3::text IS NULL OR region = $3) "
                    "ORDER BY slug",
                    kColumns, ctx.platform_table("tenants")),
        status, filter.plan, filter.region, all);
    std::vector<Tenant> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(tenant_from_row(r));
    return out;
}

json opt(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

json to_json(const Tenant& t) {
    return json{{"id", t.id},
                {"slug", t.slug},
                {"name", opt(t.name)},
                {"status", t.status},
                {"status_reason", opt(t.status_reason)},
                {"plan", opt(t.plan)},
                {"region", opt(t.region)},
                {"isolation", t.isolation},
                {"admin_email", opt(t.admin_email)},
                {"settings", json::parse(t.settings.dump())},
                {"flags", json::parse(t.flags.dump())},
                {"created_at", t.created_at},
                {"updated_at", t.updated_at},
                {"suspended_at", opt(t.suspended_at)},
                {"delete_requested_at", opt(t.delete_requested_at)},
                {"purge_after", opt(t.purge_after)},
                {"purged_at", opt(t.purged_at)},
                {"moved_to", opt(t.moved_to)}};
}

std::string lock_name(std::string_view slug) { return "tenant:" + std::string(slug); }

}  // namespace tenantctl::tenants
