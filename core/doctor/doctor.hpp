// `tenantctl doctor`: connectivity, versions and the RLS safety of the app's schema.
// Each check produces rows; any `fail` row makes the command exit 3.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace tenantctl {
class Context;
}

namespace tenantctl::doctor {

struct Finding {
    std::string check;    // "rls", "app_role", ...
    std::string status;   // ok | warn | fail
    std::string subject;  // what was checked: a table, a role, the server
    std::string detail;   // one line for the operator
    std::string hint = {};  // the fix, as SQL where there is one
};

struct CheckDef {
    std::string name;
    std::string summary;
    std::function<void(Context&, std::vector<Finding>&)> run;
};

// Every check doctor knows, in the order they run. Later features add theirs here.
const std::vector<CheckDef>& checks();

struct Report {
    std::vector<Finding> findings;
    bool connected = false;
    int failures() const;
    int warnings() const;
};

// Runs the named checks (all when `only` is empty); UsageError for an unknown name.
// A failed connection is reported as a finding and stops the remaining checks.
Report run(Context& ctx, const std::vector<std::string>& only);

// Prometheus textfile content for the report.
std::string metrics_text(const Report& report, double now_unix);

}  // namespace tenantctl::doctor
