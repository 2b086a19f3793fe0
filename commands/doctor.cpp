// tenantctl doctor
#include <fmt/format.h>

#include <chrono>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/doctor/doctor.hpp"
#include "core/doctor/probe.hpp"
#include "core/util/atomic_file.hpp"

namespace tenantctl::commands {

namespace {

struct DoctorOptions {
    std::vector<std::string> checks;
    std::string metrics_file;
    bool probe = false;
};

void write_metrics(Context& ctx, const std::string& file, const doctor::Report& report) {
    if (file.empty()) return;
    // Metrics are written even when checks fail: that is when alerting needs them.
    double now = std::chrono::duration<double>(ctx.now().time_since_epoch()).count();
    util::write_file_atomic(file, doctor::metrics_text(report, now));
}

// The probe's matrix: one row per relation or function the app role may reach, one column
// per path, each cell an outcome (leak, isolated, denied, blocked, not probed, n/a).
Records run_probe(Context& ctx, const DoctorOptions& o) {
    ctx.db();
    auto result = doctor::run_probe(ctx);
    Records r = Records::table({"relation", "kind", "read", "insert", "update", "delete", "unset", "detail"});
    doctor::Report report;
    report.connected = true;
    for (const auto& row : result.rows) {
        r.add({row.relation, row.kind, row.read.outcome, row.insert.outcome, row.update.outcome, row.del.outcome,
               row.unset.outcome, row.detail()});
        if (row.leaks()) report.findings.push_back({"probe", "fail", row.relation, row.detail()});
    }
    if (report.findings.empty())
        report.findings.push_back(
            {"probe", "ok", "-", fmt::format("{} relation(s) and function(s) probed", result.relations_checked)});
    write_metrics(ctx, o.metrics_file, report);
    ctx.log().info(fmt::format("probe: {} relation(s) and function(s) checked as tenant {} against tenant {}; "
                             "everything rolled back",
                             result.relations_checked, result.tenant_a, result.tenant_b));
    if (result.leaks > 0) {
        r.exit = Exit::check_failed;
        r.failure = fmt::format("probe: {} path(s) reached another tenant's rows", result.leaks);
    }
    return r;
}

Records run_doctor(Context& ctx, const DoctorOptions& o) {
    if (o.probe) {
        if (!o.checks.empty()) throw UsageError("--probe runs the probe only", "drop --check, or run doctor without --probe");
        return run_probe(ctx, o);
    }
    auto report = doctor::run(ctx, o.checks);
    write_metrics(ctx, o.metrics_file, report);
    Records r = Records::table({"check", "status", "subject", "detail", "hint"});
    for (const auto& f : report.findings) r.add({f.check, f.status, f.subject, f.detail, f.hint});
    if (!report.connected) {
        r.exit = Exit::db_unavailable;
        r.failure = report.findings.empty() ? "cannot connect" : report.findings.back().detail;
    } else if (report.failures() > 0) {
        r.exit = Exit::check_failed;
        r.failure = fmt::format("doctor found {} problem(s)", report.failures());
    }
    return r;
}

}  // namespace

void declare_doctor(cli::Registry& r) {
    std::string names = "connection";
    for (const auto& c : doctor::checks()) names += ", " + c.name;
    r.command<DoctorOptions>("doctor", "Check connectivity, versions and row-level security")
        .option("--check", &DoctorOptions::checks, "run only this check (repeatable): " + names, "NAME")
        .complete(cli::Completer::doctor_check)
        .option("--metrics-file", &DoctorOptions::metrics_file,
                "also write the results as a Prometheus textfile (atomically)", "FILE")
        .complete(cli::Completer::file)
        .flag("--probe", &DoctorOptions::probe,
              "instead of the checks, try every cross-tenant path as the app role in a transaction that is "
              "always rolled back, and print the matrix")
        .description("Checks that every table with the tenancy column has ROW LEVEL SECURITY enabled and forced "
                     "and a policy using the tenancy setting, and that the application role is not a superuser, "
                     "has no BYPASSRLS and owns no tenant table. The isolation checks read every schema for "
                     "paths around RLS: permissive policies OR'ed with bypass switches, unset-setting escapes or "
                     "always-true conditions, WITH CHECK that lets a tenant write another's rows, partitions, "
                     "views, materialized views and SECURITY DEFINER functions open to the app role, roles it can "
                     "SET ROLE to, tenant tables in the platform schema. Each failure carries the fix as SQL "
                     "in the hint column.\n\n"
                     "--probe shows it instead of inferring it: in one transaction that is never committed it "
                     "writes canary rows for two made-up tenants A and B into every tenant table, switches to "
                     "the app role (SET LOCAL ROLE) and, with the tenancy setting on A and then unset, tries "
                     "SELECT on every table, partition, view, materialized view and set-returning function it "
                     "may use, INSERT and UPDATE of a row carrying B's tenancy value, and DELETE. Any row of "
                     "another tenant seen or written is a leak, printed with the statement that leaked. "
                     "Needs a superuser or a member of the app role. Exits 3 when something is wrong.")
        .example("tenantctl doctor")
        .example("tenantctl doctor --probe")
        .example("tenantctl doctor --check rls -o json")
        .example("tenantctl doctor --metrics-file /var/lib/node_exporter/textfile/tenantctl_doctor.prom")
        .run(run_doctor);
}

}  // namespace tenantctl::commands
