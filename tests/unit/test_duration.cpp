#include "core/errors.hpp"
#include "core/util/duration.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <string>

using namespace tenantctl;
using namespace tenantctl::util;
using std::chrono::seconds;

namespace {

constexpr std::int64_t kDay = 86400;

TimePoint at(std::int64_t unix_seconds) { return TimePoint{seconds{unix_seconds}}; }

// After parse_time itself is checked against epoch constants below, tests use it to write
// instants readably.
TimePoint utc(const std::string& text) { return parse_time(text, at(0)); }

std::string usage_message(const std::function<void()>& action) {
    try {
        action();
    } catch (const UsageError& e) {
        CHECK(e.code() == Exit::usage);
        return e.what();
    }
    FAIL("expected a UsageError");
    return {};
}

}  // namespace

TEST_CASE("parse_duration reads every unit", "[duration]") {
    CHECK(parse_duration("30s") == Duration{0, seconds{30}});
    CHECK(parse_duration("15m") == Duration{0, seconds{15 * 60}});
    CHECK(parse_duration("2h") == Duration{0, seconds{2 * 3600}});
    CHECK(parse_duration("7d") == Duration{0, seconds{7 * kDay}});
    CHECK(parse_duration("2w") == Duration{0, seconds{14 * kDay}});
    CHECK(parse_duration("13mo") == Duration{13, seconds{0}});
    CHECK(parse_duration("1y") == Duration{12, seconds{0}});
    CHECK(parse_duration("0s") == Duration{});
    CHECK(parse_duration("007d") == Duration{0, seconds{7 * kDay}});
}

TEST_CASE("parse_duration sums combined parts, telling m from mo", "[duration]") {
    CHECK(parse_duration("1h30m") == Duration{0, seconds{5400}});
    CHECK(parse_duration("1y2mo") == Duration{14, seconds{0}});
    CHECK(parse_duration("1mo1m") == Duration{1, seconds{60}});
    CHECK(parse_duration("1m1mo") == Duration{1, seconds{60}});
    CHECK(parse_duration("1d12h30m15s") == Duration{0, seconds{kDay + 12 * 3600 + 30 * 60 + 15}});
    CHECK(parse_duration("1y1w") == Duration{12, seconds{7 * kDay}});
}

TEST_CASE("parse_duration rejects malformed text with the documented message", "[duration]") {
    CHECK(usage_message([] { parse_duration("7x"); }) ==
          "invalid duration '7x': expected e.g. 30s, 15m, 7d, 13mo, 1y");
    for (const char* bad : {"", "-5m", "+5m", "5", "m", "mo", "5x", "5M", "5D", "5 m", " 5m", "5m ", "1.5h", "5mon",
                            "5mo5", "h1", "1h-30m", "1e3s", "5ms", "0x10s", "5秒", "1h,30m", "∞s"}) {
        INFO("input: " << bad);
        CHECK_THROWS_AS(parse_duration(bad), UsageError);
    }
}

TEST_CASE("parse_duration rejects durations over 100 years and number overflow", "[duration]") {
    CHECK(parse_duration("100y") == Duration{1200, seconds{0}});
    CHECK(parse_duration("1200mo") == Duration{1200, seconds{0}});
    CHECK(parse_duration("36524d").seconds == seconds{36524 * kDay});
    for (const char* bad : {"101y", "1201mo", "36525d", "100y1d", "99y13mo", "5300w", "99999999999999999999s",
                            "9223372036854775808s", "18446744073709551617s", "2147483648mo"}) {
        INFO("input: " << bad);
        CHECK_THROWS_AS(parse_duration(bad), UsageError);
    }
}

TEST_CASE("parse_duration quotes hostile input on one line", "[duration]") {
    const std::string message = usage_message([] { parse_duration("1h\nrm -rf /"); });
    CHECK(message == "invalid duration '1h\\nrm -rf /': expected e.g. 30s, 15m, 7d, 13mo, 1y");
}

TEST_CASE("to_string is canonical and parses back to the same duration", "[duration]") {
    CHECK(to_string(Duration{}) == "0s");
    CHECK(to_string(parse_duration("13mo")) == "13mo");
    CHECK(to_string(parse_duration("12mo")) == "1y");
    CHECK(to_string(parse_duration("24mo")) == "2y");
    CHECK(to_string(parse_duration("90d")) == "90d");
    CHECK(to_string(parse_duration("2w")) == "14d");
    CHECK(to_string(parse_duration("90m")) == "1h30m");
    CHECK(to_string(parse_duration("3601s")) == "1h1s");
    CHECK(to_string(parse_duration("1mo12h")) == "1mo12h");
    for (const char* text : {"1s", "59s", "61m", "25h", "400d", "1y1mo", "13mo1d1h1m1s", "100y", "36524d"}) {
        INFO("input: " << text);
        CHECK(parse_duration(to_string(parse_duration(text))) == parse_duration(text));
    }
}

TEST_CASE("to_pg_interval keeps months and seconds apart", "[duration]") {
    CHECK(to_pg_interval(parse_duration("13mo1h")) == "13 months 3600 seconds");
    CHECK(to_pg_interval(parse_duration("7d")) == "0 months 604800 seconds");
    CHECK(to_pg_interval(Duration{}) == "0 months 0 seconds");
}

TEST_CASE("parse_time reads RFC 3339 against known epoch seconds", "[duration][time]") {
    const TimePoint now = at(0);
    CHECK(parse_time("2024-05-01T10:00:00Z", now) == at(1714557600));
    CHECK(parse_time("2024-05-01t10:00:00z", now) == at(1714557600));
    CHECK(parse_time("2024-05-01 10:00:00Z", now) == at(1714557600));
    CHECK(parse_time("2024-05-01T12:00:00+02:00", now) == at(1714557600));
    CHECK(parse_time("2024-05-01T04:30:00-05:30", now) == at(1714557600));
    CHECK(parse_time("2024-05-01T10:00:00-00:00", now) == at(1714557600));
    CHECK(parse_time("2024-05-01T00:30:00+01:00", now) == at(1714521600 - 1800));  // the day before in UTC
    CHECK(parse_time("2024-05-01", now) == at(1714521600));
    CHECK(parse_time("1970-01-01T00:00:00Z", now) == at(0));
    CHECK(parse_time("1969-12-31T23:59:59Z", now) == at(-1));
    CHECK(parse_time("2000-02-29", now) == at(951782400));
}

TEST_CASE("parse_time keeps fractional seconds down to nanoseconds", "[duration][time]") {
    using std::chrono::milliseconds;
    using std::chrono::nanoseconds;
    CHECK(utc("2024-05-01T10:00:00.5Z") == at(1714557600) + milliseconds{500});
    CHECK(utc("2024-05-01T10:00:00.123456Z") == at(1714557600) + std::chrono::microseconds{123456});
    CHECK(utc("2024-05-01T10:00:00.123456789Z") == at(1714557600) + nanoseconds{123456789});
    CHECK(utc("2024-05-01T10:00:00.1234567899999Z") == at(1714557600) + nanoseconds{123456789});
    CHECK(utc("2024-05-01T12:00:00.25+02:00") == at(1714557600) + milliseconds{250});
}

TEST_CASE("parse_time reads now and durations ago", "[duration][time]") {
    const TimePoint now = utc("2024-03-31T10:00:00Z");
    CHECK(parse_time("now", now) == now);
    CHECK(parse_time("7d", now) == utc("2024-03-24T10:00:00Z"));
    CHECK(parse_time("1mo", now) == utc("2024-02-29T10:00:00Z"));
    CHECK(parse_time("13mo", now) == utc("2023-02-28T10:00:00Z"));
    CHECK(parse_time("1h30m", now) == utc("2024-03-31T08:30:00Z"));
    CHECK(parse_time("0s", now) == now);
}

TEST_CASE("parse_time rejects impossible and ambiguous times", "[duration][time]") {
    CHECK(usage_message([] { utc("yesterday"); }) ==
          "invalid time 'yesterday': expected RFC 3339 (2024-05-01T10:00:00Z), a date (2024-05-01), now, or a "
          "duration ago (7d)");
    CHECK(usage_message([] { utc("2024-05-01T10:00:00"); }) ==
          "invalid time '2024-05-01T10:00:00': a time of day needs Z or an offset such as +02:00 (tenantctl never "
          "guesses a time zone)");
    CHECK(usage_message([] { utc("2023-02-29"); }) == "invalid time '2023-02-29': no such date");
    CHECK(usage_message([] { utc("2024-05-01T10:00:60Z"); }) == "invalid time '2024-05-01T10:00:60Z': no such time of day");
    for (const char* bad :
         {"", "Now", "NOW", "-7d", "7", "1900-02-29", "2100-02-29", "2024-02-30", "2024-04-31", "2024-13-01",
          "2024-00-10", "2024-05-00", "2024-05-01T24:00:00Z", "2024-05-01T10:60:00Z", "2024-5-1", "24-05-01",
          "2024/05/01", "2024-05-01T10:00Z", "2024-05-01T10:00:00+0200", "2024-05-01T10:00:00+02",
          "2024-05-01T10:00:00+24:00", "2024-05-01T10:00:00+02:60", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00Zx",
          "2024-05-01T10:00:00Z ", " 2024-05-01", "2024-05-01x", "2024-05-01T", "2024-05-01T1:00:00Z",
          "2024-05-01T10:00:00 Z", "2024-05-01T10:00:00UTC", "2024-05-01\n", "２０２４-05-01"}) {
        INFO("input: " << bad);
        CHECK_THROWS_AS(utc(bad), UsageError);
    }
}

TEST_CASE("parse_time rejects instants system_clock cannot hold", "[duration][time]") {
    CHECK(usage_message([] { utc("9999-12-31T00:00:00Z"); }) ==
          "invalid time '9999-12-31T00:00:00Z': out of range (years 1678 to 2261)");
    CHECK_THROWS_AS(utc("1600-01-01"), UsageError);
    CHECK_THROWS_AS(utc("0000-01-01"), UsageError);
    CHECK_NOTHROW(utc("1678-01-01"));
    CHECK_NOTHROW(utc("2261-12-31T23:59:59Z"));
    CHECK_THROWS_AS(parse_time("100y", utc("1700-01-01")), UsageError);
}

TEST_CASE("subtract does calendar months in UTC, clamping the day", "[duration][calendar]") {
    const Duration month = parse_duration("1mo");
    CHECK(subtract(utc("2024-03-31T10:00:00Z"), month) == utc("2024-02-29T10:00:00Z"));  // leap year
    CHECK(subtract(utc("2023-03-31T10:00:00Z"), month) == utc("2023-02-28T10:00:00Z"));
    CHECK(subtract(utc("2024-03-30T10:00:00Z"), month) == utc("2024-02-29T10:00:00Z"));
    CHECK(subtract(utc("2024-03-15T10:00:00Z"), month) == utc("2024-02-15T10:00:00Z"));
    CHECK(subtract(utc("2024-01-15T10:00:00Z"), month) == utc("2023-12-15T10:00:00Z"));  // across a year
    CHECK(subtract(utc("2024-05-31T00:00:00Z"), month) == utc("2024-04-30T00:00:00Z"));
    CHECK(subtract(utc("2024-02-29T12:00:00Z"), parse_duration("1y")) == utc("2023-02-28T12:00:00Z"));
    CHECK(subtract(utc("2024-02-29T12:00:00Z"), parse_duration("4y")) == utc("2020-02-29T12:00:00Z"));
    CHECK(subtract(utc("2024-03-31T10:00:00Z"), parse_duration("13mo")) == utc("2023-02-28T10:00:00Z"));
    CHECK(subtract(utc("2024-03-01T00:30:00Z"), parse_duration("1h")) == utc("2024-02-29T23:30:00Z"));
    CHECK(subtract(utc("2024-03-31T10:00:00Z"), Duration{}) == utc("2024-03-31T10:00:00Z"));
}

TEST_CASE("add does calendar months first, then seconds", "[duration][calendar]") {
    CHECK(add(utc("2024-01-31T00:00:00Z"), parse_duration("1mo")) == utc("2024-02-29T00:00:00Z"));
    CHECK(add(utc("2023-01-31T00:00:00Z"), parse_duration("1mo")) == utc("2023-02-28T00:00:00Z"));
    CHECK(add(utc("2024-12-31T12:00:00Z"), parse_duration("2mo")) == utc("2025-02-28T12:00:00Z"));
    CHECK(add(utc("2024-02-29T10:00:00Z"), parse_duration("1y")) == utc("2025-02-28T10:00:00Z"));
    CHECK(add(utc("2023-01-31T00:00:00Z"), parse_duration("13mo")) == utc("2024-02-29T00:00:00Z"));
    // Months first: 30 Jan + 1mo = 29 Feb, + 2d = 2 Mar (seconds first would give 1 Mar).
    CHECK(add(utc("2024-01-30T00:00:00Z"), parse_duration("1mo2d")) == utc("2024-03-02T00:00:00Z"));
    CHECK(add(utc("2024-02-28T23:30:00Z"), parse_duration("1h")) == utc("2024-02-29T00:30:00Z"));
}

TEST_CASE("add and subtract keep sub-second precision and work before 1970", "[duration][calendar]") {
    const TimePoint t = utc("2024-03-31T10:00:00.123456789Z");
    CHECK(subtract(t, parse_duration("1mo")) == utc("2024-02-29T10:00:00.123456789Z"));
    CHECK(add(subtract(t, parse_duration("1d")), parse_duration("1d")) == t);
    CHECK(subtract(utc("1969-12-31T23:59:59.5Z"), parse_duration("1mo")) == utc("1969-11-30T23:59:59.5Z"));
    CHECK(add(utc("1969-01-31T06:00:00Z"), parse_duration("1mo")) == utc("1969-02-28T06:00:00Z"));
}

TEST_CASE("add and subtract refuse results outside system_clock's range", "[duration][calendar]") {
    CHECK(usage_message([] { subtract(utc("1700-01-01"), parse_duration("100y")); }) ==
          "100y before 1700-01-01T00:00:00Z is out of range (years 1678 to 2261)");
    CHECK_THROWS_AS(add(utc("2200-01-01"), parse_duration("100y")), UsageError);
    CHECK_NOTHROW(add(utc("2024-01-01"), parse_duration("100y")));
    CHECK_NOTHROW(subtract(utc("2024-01-01"), parse_duration("100y")));
}

TEST_CASE("format_rfc3339 prints UTC with whole seconds", "[duration][time]") {
    CHECK(format_rfc3339(at(0)) == "1970-01-01T00:00:00Z");
    CHECK(format_rfc3339(at(1714557600)) == "2024-05-01T10:00:00Z");
    CHECK(format_rfc3339(at(951782400)) == "2000-02-29T00:00:00Z");
    CHECK(format_rfc3339(at(-1)) == "1969-12-31T23:59:59Z");
    CHECK(format_rfc3339(at(1714557600) + std::chrono::milliseconds{999}) == "2024-05-01T10:00:00Z");
    CHECK(format_rfc3339(at(-1) + std::chrono::milliseconds{500}) == "1969-12-31T23:59:59Z");
    CHECK(format_rfc3339(utc("1678-01-01")) == "1678-01-01T00:00:00Z");
}

TEST_CASE("format_rfc3339_micro prints six fractional digits", "[duration][time]") {
    CHECK(format_rfc3339_micro(at(1714557600)) == "2024-05-01T10:00:00.000000Z");
    CHECK(format_rfc3339_micro(at(1714557600) + std::chrono::nanoseconds{123456789}) == "2024-05-01T10:00:00.123456Z");
    CHECK(format_rfc3339_micro(at(-1) + std::chrono::milliseconds{500}) == "1969-12-31T23:59:59.500000Z");
    CHECK(format_rfc3339_micro(at(0) - std::chrono::microseconds{1}) == "1969-12-31T23:59:59.999999Z");
}

TEST_CASE("formatted times parse back to the same instant", "[duration][time]") {
    for (const TimePoint t : {at(0), at(1714557600), at(-86399), utc("2024-02-29T23:59:59.999999Z"),
                              at(1714557600) + std::chrono::microseconds{42}}) {
        CHECK(utc(format_rfc3339_micro(t)) == t);
        CHECK(utc(format_rfc3339(t)) == std::chrono::floor<seconds>(t));
    }
}
