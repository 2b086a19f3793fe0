#include "core/maintain/metrics.hpp"

#include <charconv>
#include <fstream>

#include "core/util/metrics.hpp"

namespace tenantctl::maintain {

std::map<std::string, double> read_last_success(const std::filesystem::path& file) {
    std::map<std::string, double> out;
    std::ifstream in(file);
    const std::string prefix = std::string(kLastSuccessMetric) + "{task=\"";
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) != 0) continue;
        const auto end = line.find("\"}", prefix.size());
        if (end == std::string::npos) continue;
        const auto value_at = line.find_first_not_of(' ', end + 2);
        if (value_at == std::string::npos) continue;
        double value = 0;
        const char* first = line.data() + value_at;
        const char* last = line.data() + line.size();
        auto [ptr, ec] = std::from_chars(first, last, value);
        if (ec != std::errc{} || ptr != last) continue;  // a damaged line is dropped, not fatal
        out[line.substr(prefix.size(), end - prefix.size())] = value;
    }
    return out;
}

std::string metrics_text(const Report& report, double now, const std::map<std::string, double>& previous,
                         bool database_up) {
    util::MetricsFile m;
    m.family("tenantctl_maintain_up", "1 when the last maintain run reached the database");
    m.family(kLastSuccessMetric, "Unix time of the task's last successful run");
    m.family("tenantctl_maintain_last_run_timestamp_seconds", "Unix time of the last maintain run");
    m.family("tenantctl_maintain_task_status", "1 for the task's status in the last run");
    m.family("tenantctl_maintain_task_duration_seconds", "How long the task took in the last run");
    m.family("tenantctl_maintain_task_items", "Items the task processed in the last run");
    m.family("tenantctl_maintain_task_failed", "1 when the task failed in the last run");
    // Not *_count: that suffix belongs to summaries and histograms (promtool check metrics).
    m.family("tenantctl_maintain_task_figure", "Further figures of the last run (gdpr-due: overdue, due_within_7d)");

    std::map<std::string, double> last_success = previous;
    for (const auto& r : report.results)
        if (r.outcome.status == "ok") last_success[r.task] = now;
    for (const auto& [task, t] : last_success) m.sample(kLastSuccessMetric, {{"task", task}}, t);
    m.sample("tenantctl_maintain_up", {}, database_up ? 1 : 0);
    m.sample("tenantctl_maintain_last_run_timestamp_seconds", {}, now);
    for (const auto& r : report.results) {
        for (const char* status : {"ok", "failed", "skipped", "partial"})
            m.sample("tenantctl_maintain_task_status", {{"task", r.task}, {"status", status}},
                     r.outcome.status == status ? 1 : 0);
        m.sample("tenantctl_maintain_task_duration_seconds", {{"task", r.task}}, r.seconds);
        m.sample("tenantctl_maintain_task_items", {{"task", r.task}}, static_cast<double>(r.outcome.items));
        m.sample("tenantctl_maintain_task_failed", {{"task", r.task}}, r.outcome.status == "failed" ? 1 : 0);
        for (const auto& [name, value] : r.outcome.counts)
            m.sample("tenantctl_maintain_task_figure", {{"task", r.task}, {"figure", name}}, static_cast<double>(value));
    }
    return m.text();
}

}  // namespace tenantctl::maintain
