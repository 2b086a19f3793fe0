// maintain's Prometheus textfile (node_exporter textfile collector). Alerting on staleness
// needs the time of each task's last success even when this run failed or skipped it, so
// those timestamps are carried over from the previous file.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/maintain/maintain.hpp"

namespace tenantctl::maintain {

inline constexpr const char* kLastSuccessMetric = "tenantctl_maintain_last_success_timestamp_seconds";

// task -> last success (unix seconds) as written in an earlier metrics file; an absent or
// unreadable file gives an empty map (the first run has no history).
std::map<std::string, double> read_last_success(const std::filesystem::path& file);

// The file's text: whether the database answered (tenantctl_maintain_up), per task last
// success, last run status, duration, items, failure flag. A task counts as succeeded when
// its status is ok. A run that could not reach the database has no task results: the file
// says `up 0` and keeps the earlier successes, so both a down alert and a staleness alert fire.
std::string metrics_text(const Report& report, double now, const std::map<std::string, double>& previous,
                         bool database_up = true);

}  // namespace tenantctl::maintain
