// Durations and points in time as operators type them (DESIGN section 2): durations read as
// `30s`, `15m`, `7d`, `13mo`, `1y` (and combinations such as `1h30m`); times as RFC 3339, a
// bare date, or a duration ago. Everything here works in UTC; there is no local time zone
// anywhere in tenantctl, so `2024-05-01` means the same instant on every machine.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace tenantctl::util {

// A length of time. Calendar months are kept apart from seconds because a month has no fixed
// length: `13mo` back from 31 March is 28 or 29 February of the year before, which no number
// of seconds expresses. Days and weeks are fixed (86400 s and 7 days) because all arithmetic
// is in UTC, where a day never has 23 or 25 hours.
struct Duration {
    int months = 0;
    std::chrono::seconds seconds{0};

    bool operator==(const Duration&) const = default;
    bool is_zero() const { return months == 0 && seconds.count() == 0; }
};

using TimePoint = std::chrono::system_clock::time_point;

// Parses one or more `<digits><unit>` parts, summed: `s` seconds, `m` minutes, `h` hours,
// `d` days, `w` weeks, `mo` calendar months, `y` years (12 months). `0s` is valid (e.g. "do
// not wait"). Rejected with UsageError("invalid duration '<text>': expected e.g. 30s, 15m,
// 7d, 13mo, 1y"): empty text, signs, spaces, a number without a unit or a unit without a
// number, unknown or upper-case units, fractions, and anything longer than 100 years
// (counting a month as its average length), which also keeps every result of add() and
// subtract() inside the range of system_clock.
Duration parse_duration(std::string_view text);

// Canonical form that parse_duration reads back to an equal Duration: months as `Ny` when a
// whole number of years, else `Nmo`; then seconds split into d, h, m, s (largest first, zero
// parts left out). The zero duration is `0s`. Examples: `13mo`, `1y`, `90d`, `1h30m`, `1mo12h`.
std::string to_string(const Duration& duration);

// A literal PostgreSQL's interval input accepts, e.g. `13 months 3600 seconds`, to pass as a
// parameter cast to `interval`. Seconds stay seconds (not days) so that adding the interval
// to a timestamptz matches add() here whatever the session's TimeZone is.
std::string to_pg_interval(const Duration& duration);

// Calendar arithmetic in UTC: months first (keeping the time of day and clamping the day to
// the target month's length, so 31 March - 1mo is 28 or 29 February), then the seconds; the
// same order PostgreSQL uses for timestamptz +/- interval. Throws UsageError when the result
// falls outside what system_clock can represent (years 1678 to 2261).
TimePoint subtract(TimePoint from, const Duration& duration);
TimePoint add(TimePoint from, const Duration& duration);

// Parses a point in time:
//   - RFC 3339: `2024-05-01T10:00:00Z`, with `t` or a space for `T`, `z` for `Z`, a numeric
//     offset `+02:00`/`-05:30` instead of `Z`, and optional fractional seconds (up to
//     nanoseconds; further digits are truncated). The offset is required: a time without one
//     is ambiguous and rejected, not guessed;
//   - a bare date `2024-05-01`: midnight UTC that day;
//   - `now`;
//   - a duration (as parse_duration reads it): that long before `now`.
// Leap seconds (`:60`) and impossible dates (`2023-02-29`) are rejected. Errors are
// UsageError("invalid time '<text>': expected ...").
TimePoint parse_time(std::string_view text, TimePoint now);

// `2024-05-01T10:00:00Z`: UTC, whole seconds (truncated towards the past).
std::string format_rfc3339(TimePoint time);
// `2024-05-01T10:00:00.123456Z`: UTC, always six fractional digits (PostgreSQL's precision).
std::string format_rfc3339_micro(TimePoint time);

}  // namespace tenantctl::util
