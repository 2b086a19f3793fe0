// maintain's metrics file: last-success times survive runs in which a task did not succeed.
#include <catch2/catch.hpp>

#include "core/maintain/metrics.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;

namespace {

maintain::TaskResult result(std::string task, std::string status, long long items = 0) {
    maintain::TaskResult r;
    r.task = std::move(task);
    r.outcome.status = std::move(status);
    r.outcome.items = items;
    r.seconds = 1.5;
    return r;
}

}  // namespace

TEST_CASE("maintain metrics carry last-success times of tasks that did not succeed", "[maintain][metrics]") {
    maintain::Report report;
    report.results = {result("audit-seal", "ok", 12), result("audit-prune", "failed"), result("key-reencrypt", "partial", 5),
                      result("jwt-retire", "skipped")};
    const std::map<std::string, double> previous = {
        {"audit-seal", 100}, {"audit-prune", 200}, {"key-reencrypt", 300}, {"gone-task", 50}};
    const std::string text = maintain::metrics_text(report, 1000, previous);
    INFO(text);
    CHECK(text.find("tenantctl_maintain_last_success_timestamp_seconds{task=\"audit-seal\"} 1000\n") != std::string::npos);
    CHECK(text.find("tenantctl_maintain_last_success_timestamp_seconds{task=\"audit-prune\"} 200\n") != std::string::npos);
    CHECK(text.find("tenantctl_maintain_last_success_timestamp_seconds{task=\"key-reencrypt\"} 300\n") != std::string::npos);
    CHECK(text.find("tenantctl_maintain_last_success_timestamp_seconds{task=\"jwt-retire\"}") == std::string::npos);
    CHECK(text.find("tenantctl_maintain_task_failed{task=\"audit-prune\"} 1\n") != std::string::npos);
    CHECK(text.find("tenantctl_maintain_task_failed{task=\"audit-seal\"} 0\n") != std::string::npos);
    CHECK(text.find("tenantctl_maintain_task_items{task=\"audit-seal\"} 12\n") != std::string::npos);
    CHECK(text.find("tenantctl_maintain_task_status{status=\"partial\",task=\"key-reencrypt\"} 1\n") != std::string::npos);
    CHECK(text.find("# TYPE tenantctl_maintain_task_duration_seconds gauge\n") != std::string::npos);

    // What was written is read back, timestamps of real size included.
    test::TempDir dir;
    test::write_file(dir / "m.prom", maintain::metrics_text(report, 1763726400.25, previous) +
                                         "tenantctl_maintain_last_success_timestamp_seconds{task=\"bad\"} x\n");
    auto back = maintain::read_last_success(dir / "m.prom");
    CHECK(back.at("audit-seal") == 1763726400.25);
    CHECK(back.at("audit-prune") == 200);
    CHECK(back.count("bad") == 0);
    CHECK(maintain::read_last_success(dir / "missing.prom").empty());
}
