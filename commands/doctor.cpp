// tenantctl doctor
#include <fmt/format.h>

#include <chrono>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/doctor/doctor.hpp"
#include "core/util/atomic_file.hpp"

namespace tenantctl::commands {

namespace {

struct DoctorOptions {
    std::vector<std::string> checks;
    std::string metrics_file;
};

Records run_doctor(Context& ctx, const DoctorOptions& o) {
    auto report = doctor::run(ctx, o.checks);
    if (!o.metrics_file.empty()) {
        // Metrics are written even when checks fail: that is when alerting needs them.
        double now = std::chrono::duration<double>(ctx.now().time_since_epoch()).count();
        util::write_file_atomic(o.metrics_file, doctor::metrics_text(report, now));
    }
    Records r = Records::table({"check", "status", "subject", "detail"});
    for (const auto& f : report.findings) r.add({f.check, f.status, f.subject, f.detail});
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
        .option("--metrics-file", &DoctorOptions::metrics_file,
                "also write the results as a Prometheus textfile (atomically)", "FILE")
        .complete(cli::Completer::file)
        .description("Checks that every table with the tenancy column has ROW LEVEL SECURITY enabled and forced "
                     "and a policy using the tenancy setting, and that the application role is not a superuser, "
                     "has no BYPASSRLS and owns no tenant table. Exits 3 when something is wrong.")
        .example("tenantctl doctor")
        .example("tenantctl doctor --check rls -o json")
        .example("tenantctl doctor --metrics-file /var/lib/node_exporter/textfile/tenantctl_doctor.prom")
        .run(run_doctor);
}

}  // namespace tenantctl::commands
