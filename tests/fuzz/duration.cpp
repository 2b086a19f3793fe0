// Durations and times (core/util/duration): to_string reads back to an equal Duration, and a
// parsed time formats and re-parses to itself (to the second).
#include <chrono>

#include "core/util/duration.hpp"
#include "tests/fuzz/fuzz_main.hpp"

using namespace tenantctl::util;

void fuzz_one(std::string_view input) {
    try {
        const Duration d = parse_duration(input);
        FUZZ_CHECK(parse_duration(to_string(d)) == d);
        (void)to_pg_interval(d);
        const TimePoint base = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1};
        (void)add(base, d);
        (void)subtract(base, d);
    } catch (const tenantctl::Error&) {
    }
    const TimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 31} + std::chrono::hours{12};
    const TimePoint t = parse_time(input, now);
    const std::string text = format_rfc3339(t);
    FUZZ_CHECK(parse_time(text, now) == std::chrono::floor<std::chrono::seconds>(t));
    (void)format_rfc3339_micro(t);
}
