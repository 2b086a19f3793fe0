#include "core/doctor/doctor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/audit/doctor_checks.hpp"
#include "core/citus/doctor_checks.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/db/connection.hpp"
#include "core/doctor/isolation.hpp"
#include "core/gdpr/doctor_checks.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/metrics.hpp"

namespace tenantctl::doctor {

namespace {

void check_server_version(Context& ctx, std::vector<Finding>& out) {
    int v = ctx.db().server_version();
    std::string version = fmt::format("{}.{}", v / 10000, v % 10000);
    if (v < db::kMinServerVersion)
        out.push_back({"server_version", "fail", "server", "PostgreSQL " + version + " is older than 14"});
    else
        out.push_back({"server_version", "ok", "server", "PostgreSQL " + version});
}

void check_platform_schema(Context& ctx, std::vector<Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    auto v = platform::installed_version(tx, ctx.schema());
    const int latest = platform::latest_version();
    if (v.version == 0)
        out.push_back({"platform_schema", "fail", ctx.schema(), "not installed: run `tenantctl init`"});
    else if (v.version < latest)
        out.push_back({"platform_schema", "fail", ctx.schema(),
                       fmt::format("version {} is behind {}: run `tenantctl init`", v.version, latest)});
    else if (v.version > latest)
        out.push_back({"platform_schema", "warn", ctx.schema(),
                       fmt::format("version {} is newer than this tenantctl ({})", v.version, latest)});
    else
        out.push_back({"platform_schema", "ok", ctx.schema(), fmt::format("version {}", v.version)});
}

// Every table carrying the tenancy column must have RLS enabled AND forced (owners bypass
// non-forced RLS) and a policy that reads the tenancy setting.
void check_rls(Context& ctx, std::vector<Finding>& out) {
    const auto& tenancy = ctx.config().tenancy;
    pqxx::read_transaction tx(ctx.db());
    auto rows = tx.exec_params(
        "SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "       (SELECT rolname FROM pg_roles WHERE rolname = $4) IS NOT NULL "
        "         AND has_table_privilege($4::name, c.oid, 'SELECT'), "
        "       format_type(a.atttypid, a.atttypmod), "
        "       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND ("
        "               strpos(coalesce(pg_get_expr(p.polqual, p.polrelid), ''), $2) > 0 OR "
        "               strpos(coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''), $2) > 0)) "
        "FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.attname = $1 AND NOT a.attisdropped AND a.attnum > 0 "
        "  AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "  AND n.nspname NOT IN ('pg_catalog', 'information_schema', $3) "
        "  AND n.nspname NOT LIKE 'pg\\_%' "
        "ORDER BY 1, 2",
        tenancy.column, tenancy.setting, ctx.schema(), tenancy.app_role);
    if (rows.empty()) {
        out.push_back({"rls", "warn", "-",
                       fmt::format("no table has the tenancy column '{}': nothing is tenant-scoped", tenancy.column)});
        return;
    }
    for (const auto& r : rows) {
        std::string table = r[0].as<std::string>() + "." + r[1].as<std::string>();
        std::string quoted = db::quote_qualified(r[0].as<std::string>(), r[1].as<std::string>());
        bool app_reads = r[4].as<bool>();
        std::string guard = fmt::format("{} = nullif(current_setting('{}', true), '')::{}", db::quote_ident(tenancy.column),
                                        tenancy.setting, r[5].as<std::string>());
        std::vector<Finding> problems;
        if (!r[2].as<bool>())
            problems.push_back({"rls", "fail", table,
                                app_reads ? "ROW LEVEL SECURITY is not enabled, and " + tenancy.app_role +
                                                " can read it: every tenant's rows are open"
                                          : "ROW LEVEL SECURITY is not enabled",
                                fmt::format("ALTER TABLE {} ENABLE ROW LEVEL SECURITY;", quoted)});
        if (!r[3].as<bool>())
            problems.push_back({"rls", "fail", table, "ROW LEVEL SECURITY is not forced (the owner bypasses it)",
                                fmt::format("ALTER TABLE {} FORCE ROW LEVEL SECURITY;", quoted)});
        if (!r[6].as<bool>())
            problems.push_back({"rls", "fail", table, fmt::format("no policy uses current_setting('{}')", tenancy.setting),
                                fmt::format("CREATE POLICY tenant_isolation ON {} USING ({}) WITH CHECK ({});", quoted,
                                            guard, guard)});
        if (problems.empty()) {
            out.push_back({"rls", "ok", table, "enabled, forced, policy on " + tenancy.setting});
        } else {
            for (auto& p : problems) out.push_back(std::move(p));
        }
    }
}

// The application's role must not be able to step around the policies.
void check_app_role(Context& ctx, std::vector<Finding>& out) {
    const auto& tenancy = ctx.config().tenancy;
    pqxx::read_transaction tx(ctx.db());
    auto role = tx.exec_params("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", tenancy.app_role);
    if (role.empty()) {
        out.push_back({"app_role", "warn", tenancy.app_role,
                       "role does not exist (set tenancy.app_role to the role the application connects as)"});
        return;
    }
    bool ok = true;
    if (role[0][0].as<bool>()) {
        out.push_back({"app_role", "fail", tenancy.app_role, "is a superuser: RLS does not apply to it",
                       fmt::format("ALTER ROLE {} NOSUPERUSER;", db::quote_ident(tenancy.app_role))});
        ok = false;
    }
    if (role[0][1].as<bool>()) {
        out.push_back({"app_role", "fail", tenancy.app_role, "has BYPASSRLS: RLS does not apply to it",
                       fmt::format("ALTER ROLE {} NOBYPASSRLS;", db::quote_ident(tenancy.app_role))});
        ok = false;
    }
    auto owned = tx.exec_params(
        "SELECT DISTINCT n.nspname || '.' || c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.attname = $1 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "  AND n.nspname NOT IN ('pg_catalog', 'information_schema', $3) "
        "  AND pg_has_role($2, c.relowner, 'USAGE') "
        "ORDER BY 1",
        tenancy.column, tenancy.app_role, ctx.schema());
    for (const auto& r : owned) {
        out.push_back({"app_role", "fail", tenancy.app_role,
                       "owns (or inherits the owner of) tenant table " + r[0].as<std::string>() +
                           ": table owners can change or disable its policies",
                       fmt::format("ALTER TABLE {} OWNER TO <migration role>; -- the app role must own no tenant table",
                                   r[1].as<std::string>())});
        ok = false;
    }
    if (ok) out.push_back({"app_role", "ok", tenancy.app_role, "not superuser, no BYPASSRLS, owns no tenant table"});
}

}  // namespace

const std::vector<CheckDef>& checks() {
    static const std::vector<CheckDef> all = {
        {"server_version", "the server is PostgreSQL 14 or newer", check_server_version},
        {"platform_schema", "the platform schema is installed and current", check_platform_schema},
        {"rls", "every tenant-scoped table has RLS enabled, forced, and a policy on the tenancy setting", check_rls},
        {"app_role", "the application role cannot bypass RLS", check_app_role},
        {"role_membership", "no role the application role can SET ROLE to bypasses RLS or owns a tenant table",
         check_role_membership},
        {"policies", "every policy the application role meets confines rows to the tenancy setting", check_policies},
        {"partitions", "no partition of a tenant table is open to the application role without RLS", check_partitions},
        {"views", "no view readable by the application role reads tenant rows past RLS", check_views},
        {"matviews", "no materialized view of tenant tables is readable by the application role", check_matviews},
        {"definer_functions", "no SECURITY DEFINER function the application role may run reads tenant rows past RLS",
         check_definer_functions},
        {"platform_isolation", "the platform schema holds no app tenant table and is closed to the application role",
         check_platform_isolation},
        {"gdpr_map", "the data map names existing tables and columns and classifies every tenant-scoped column",
         gdpr::check_data_map},
        {"gdpr_requests", "no GDPR request is open past its due date (one month)", gdpr::check_overdue_requests},
        {"citus_nodes", "Citus: every node is active and reaches every other", citus::check_nodes},
        {"citus_tables",
         "Citus: every table with tenant rows is distributed by its tenancy column and colocated, the shared ones "
         "are reference tables",
         citus::check_tables},
        {"citus_roles", "Citus: the application role may log in on every worker", citus::check_roles},
        {"citus_rls", "Citus: every shard of an RLS-protected table has RLS and its policies", citus::check_rls},
        {"audit_partitions", "no audit rows wait in the default partition; the premake window's months exist",
         audit::check_partitions},
    };
    return all;
}

int Report::failures() const {
    return static_cast<int>(std::count_if(findings.begin(), findings.end(), [](auto& f) { return f.status == "fail"; }));
}
int Report::warnings() const {
    return static_cast<int>(std::count_if(findings.begin(), findings.end(), [](auto& f) { return f.status == "warn"; }));
}

Report run(Context& ctx, const std::vector<std::string>& only) {
    for (const auto& name : only) {
        bool known = name == "connection";
        for (const auto& c : checks()) known = known || c.name == name;
        if (!known) {
            std::string names = "connection";
            for (const auto& c : checks()) names += ", " + c.name;
            throw UsageError(fmt::format("unknown check '{}'", name), "checks: " + names);
        }
    }
    Report report;
    try {
        ctx.db();
        report.connected = true;
        report.findings.push_back({"connection", "ok", db::describe_target(ctx.conninfo().conninfo),
                                   "connected (target from " + ctx.conninfo().source + ")"});
    } catch (const Error& e) {
        if (e.code() != Exit::db_unavailable && e.code() != Exit::refused) throw;
        report.findings.push_back({"connection", "fail", db::describe_target(ctx.conninfo().conninfo), e.what()});
        return report;
    }
    for (const auto& c : checks()) {
        if (!only.empty() && std::find(only.begin(), only.end(), c.name) == only.end()) continue;
        try {
            c.run(ctx, report.findings);
        } catch (...) {
            try {
                db::rethrow_translated("doctor check " + c.name);
            } catch (const Error& e) {
                if (e.code() == Exit::db_unavailable) throw;
                report.findings.push_back({c.name, "fail", "-", e.what()});
            }
        }
    }
    return report;
}

std::string metrics_text(const Report& report, double now_unix) {
    util::MetricsFile m;
    m.family("tenantctl_doctor_up", "1 when doctor could connect to the database");
    m.sample("tenantctl_doctor_up", {}, report.connected ? 1 : 0);
    m.family("tenantctl_doctor_check_failures", "failed findings per doctor check");
    std::map<std::string, int> fails, warns;
    for (const auto& f : report.findings) {
        fails[f.check] += f.status == "fail";
        warns[f.check] += f.status == "warn";
    }
    for (const auto& [check, n] : fails) m.sample("tenantctl_doctor_check_failures", {{"check", check}}, n);
    m.family("tenantctl_doctor_check_warnings", "warnings per doctor check");
    for (const auto& [check, n] : warns) m.sample("tenantctl_doctor_check_warnings", {{"check", check}}, n);
    m.family("tenantctl_doctor_last_run_timestamp_seconds", "when doctor last ran (Unix time)");
    m.sample("tenantctl_doctor_last_run_timestamp_seconds", {}, now_unix);
    return m.text();
}

}  // namespace tenantctl::doctor
