#include "core/util/duration.hpp"

#include "core/errors.hpp"
#include "core/util/strings.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <utility>

namespace tenantctl::util {

namespace chr = std::chrono;

namespace {

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;
// The Gregorian average month (365.2425 / 12 days), used only to bound durations.
constexpr std::int64_t kAverageMonth = 2'629'746;
constexpr std::int64_t kMaxMonths = 100 * 12;
constexpr std::int64_t kMaxSeconds = kMaxMonths * kAverageMonth;
// Any single number larger than this already exceeds the bound in every unit; stopping here
// keeps the multiplications below far from int64 overflow.
constexpr std::int64_t kMaxNumber = 1'000'000'000'000;

[[noreturn]] void invalid_duration(std::string_view text) {
    throw UsageError("invalid duration " + in_quotes(text) + ": expected e.g. 30s, 15m, 7d, 13mo, 1y");
}

[[noreturn]] void invalid_time(std::string_view text, std::string_view why = {}) {
    std::string message = "invalid time " + in_quotes(text) + ": ";
    message += why.empty() ? "expected RFC 3339 (2024-05-01T10:00:00Z), a date (2024-05-01), now, or a duration ago (7d)"
                           : why;
    throw UsageError(std::move(message));
}

// Builds a time point from whole seconds since the epoch plus a sub-second part, or nothing
// when system_clock (nanoseconds in an int64 on Linux) cannot hold it.
std::optional<TimePoint> make_time_point(std::int64_t unix_seconds, TimePoint::duration below_second) {
    constexpr auto min_seconds = chr::ceil<chr::seconds>(TimePoint::min().time_since_epoch()).count();
    constexpr auto max_seconds = chr::floor<chr::seconds>(TimePoint::max().time_since_epoch()).count() - 1;
    if (unix_seconds < min_seconds || unix_seconds > max_seconds) return std::nullopt;
    return TimePoint{chr::duration_cast<TimePoint::duration>(chr::seconds{unix_seconds})} + below_second;
}

// Moves `from` by whole calendar months in UTC, keeping the time of day and clamping the day
// to the target month; then by `seconds`. Returns nothing when out of range.
std::optional<TimePoint> shift(TimePoint from, int months, std::int64_t seconds) {
    const auto day = chr::floor<chr::days>(from);
    const auto time_of_day = from - day;  // in [0, 24h)
    chr::year_month_day date{day};
    date += chr::months{months};
    if (!date.ok()) date = chr::year_month_day{date.year() / date.month() / chr::last};

    const auto whole_seconds_of_day = chr::floor<chr::seconds>(time_of_day);
    const std::int64_t unix_seconds = chr::sys_days{date}.time_since_epoch().count() * kDay +
                                      whole_seconds_of_day.count() + seconds;
    return make_time_point(unix_seconds, time_of_day - whole_seconds_of_day);
}

// Reads exactly `width` digits at `pos`, advancing it.
std::optional<int> read_fixed_digits(std::string_view text, std::size_t& pos, std::size_t width) {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char c = text[pos + i];
        if (!is_ascii_digit(c)) return std::nullopt;
        value = value * 10 + (c - '0');
    }
    pos += width;
    return value;
}

bool expect(std::string_view text, std::size_t& pos, char wanted) {
    if (pos >= text.size() || text[pos] != wanted) return false;
    ++pos;
    return true;
}

bool looks_like_date(std::string_view text) {
    return text.size() >= 5 && is_ascii_digit(text[0]) && is_ascii_digit(text[1]) && is_ascii_digit(text[2]) && is_ascii_digit(text[3]) &&
           text[4] == '-';
}

TimePoint parse_rfc3339(std::string_view text) {
    std::size_t pos = 0;
    const auto year = read_fixed_digits(text, pos, 4);
    if (!year || !expect(text, pos, '-')) invalid_time(text);
    const auto month = read_fixed_digits(text, pos, 2);
    if (!month || !expect(text, pos, '-')) invalid_time(text);
    const auto day = read_fixed_digits(text, pos, 2);
    if (!day) invalid_time(text);
    const chr::year_month_day date{chr::year{*year}, chr::month{static_cast<unsigned>(*month)},
                                   chr::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) invalid_time(text, "no such date");
    const std::int64_t midnight = chr::sys_days{date}.time_since_epoch().count() * kDay;

    if (pos == text.size()) {
        const auto result = make_time_point(midnight, {});
        if (!result) invalid_time(text, "out of range (years 1678 to 2261)");
        return *result;
    }

    const char separator = text[pos++];
    if (separator != 'T' && separator != 't' && separator != ' ') invalid_time(text);
    const auto hour = read_fixed_digits(text, pos, 2);
    if (!hour || !expect(text, pos, ':')) invalid_time(text);
    const auto minute = read_fixed_digits(text, pos, 2);
    if (!minute || !expect(text, pos, ':')) invalid_time(text);
    const auto second = read_fixed_digits(text, pos, 2);
    if (!second) invalid_time(text);
    if (*hour > 23 || *minute > 59 || *second > 59) invalid_time(text, "no such time of day");

    std::int64_t nanoseconds = 0;
    if (expect(text, pos, '.')) {
        std::size_t digits = 0;
        for (; pos < text.size() && is_ascii_digit(text[pos]); ++pos, ++digits)
            if (digits < 9) nanoseconds = nanoseconds * 10 + (text[pos] - '0');
        if (digits == 0) invalid_time(text);
        for (std::size_t i = digits; i < 9; ++i) nanoseconds *= 10;
    }

    std::int64_t offset_seconds = 0;
    if (pos >= text.size())
        invalid_time(text, "a time of day needs Z or an offset such as +02:00 (tenantctl never guesses a time zone)");
    const char zone = text[pos++];
    if (zone == '+' || zone == '-') {
        const auto offset_hours = read_fixed_digits(text, pos, 2);
        if (!offset_hours || !expect(text, pos, ':')) invalid_time(text);
        const auto offset_minutes = read_fixed_digits(text, pos, 2);
        if (!offset_minutes) invalid_time(text);
        if (*offset_hours > 23 || *offset_minutes > 59) invalid_time(text, "no such offset");
        offset_seconds = (*offset_hours * kHour + *offset_minutes * kMinute) * (zone == '-' ? -1 : 1);
    } else if (zone != 'Z' && zone != 'z') {
        invalid_time(text);
    }
    if (pos != text.size()) invalid_time(text);

    // Local time minus its offset is UTC: 12:00+02:00 is 10:00Z.
    const std::int64_t unix_seconds = midnight + *hour * kHour + *minute * kMinute + *second - offset_seconds;
    const auto result = make_time_point(unix_seconds, chr::duration_cast<TimePoint::duration>(chr::nanoseconds{nanoseconds}));
    if (!result) invalid_time(text, "out of range (years 1678 to 2261)");
    return *result;
}

}  // namespace

Duration parse_duration(std::string_view text) {
    if (text.empty()) invalid_duration(text);
    std::int64_t months = 0;
    std::int64_t seconds = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::int64_t number = 0;
        const std::size_t digits_start = pos;
        for (; pos < text.size() && is_ascii_digit(text[pos]); ++pos) {
            number = number * 10 + (text[pos] - '0');
            if (number > kMaxNumber) invalid_duration(text);
        }
        if (pos == digits_start || pos == text.size()) invalid_duration(text);

        if (text.substr(pos, 2) == "mo") {
            months += number;
            pos += 2;
        } else {
            switch (text[pos]) {
                case 's': seconds += number; break;
                case 'm': seconds += number * kMinute; break;
                case 'h': seconds += number * kHour; break;
                case 'd': seconds += number * kDay; break;
                case 'w': seconds += number * kWeek; break;
                case 'y': months += number * 12; break;
                default: invalid_duration(text);
            }
            ++pos;
        }
        if (months > kMaxMonths || seconds > kMaxSeconds) invalid_duration(text);
    }
    if (months * kAverageMonth + seconds > kMaxSeconds) invalid_duration(text);
    return Duration{static_cast<int>(months), chr::seconds{seconds}};
}

std::string to_string(const Duration& duration) {
    std::string out;
    if (duration.months > 0)
        out += duration.months % 12 == 0 ? fmt::format("{}y", duration.months / 12) : fmt::format("{}mo", duration.months);
    static constexpr std::pair<std::int64_t, char> kUnits[] = {{kDay, 'd'}, {kHour, 'h'}, {kMinute, 'm'}, {1, 's'}};
    std::int64_t rest = duration.seconds.count();
    for (const auto& [size, unit] : kUnits) {
        if (rest >= size) {
            out += fmt::format("{}{}", rest / size, unit);
            rest %= size;
        }
    }
    return out.empty() ? "0s" : out;
}

std::string to_pg_interval(const Duration& duration) {
    return fmt::format("{} months {} seconds", duration.months, duration.seconds.count());
}

TimePoint subtract(TimePoint from, const Duration& duration) {
    const auto result = shift(from, -duration.months, -duration.seconds.count());
    if (!result) throw UsageError(fmt::format("{} before {} is out of range (years 1678 to 2261)", to_string(duration),
                                              format_rfc3339(from)));
    return *result;
}

TimePoint add(TimePoint from, const Duration& duration) {
    const auto result = shift(from, duration.months, duration.seconds.count());
    if (!result) throw UsageError(fmt::format("{} after {} is out of range (years 1678 to 2261)", to_string(duration),
                                              format_rfc3339(from)));
    return *result;
}

TimePoint parse_time(std::string_view text, TimePoint now) {
    if (text == "now") return now;
    if (looks_like_date(text)) return parse_rfc3339(text);
    Duration ago;
    try {
        ago = parse_duration(text);
    } catch (const UsageError&) {
        invalid_time(text);
    }
    const auto result = shift(now, -ago.months, -ago.seconds.count());
    if (!result) invalid_time(text, "out of range (years 1678 to 2261)");
    return *result;
}

std::string format_rfc3339(TimePoint time) {
    const auto whole = chr::floor<chr::seconds>(time);
    const auto day = chr::floor<chr::days>(whole);
    const chr::year_month_day date{day};
    const chr::hh_mm_ss clock{whole - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), clock.hours().count(),
                       clock.minutes().count(), clock.seconds().count());
}

std::string format_rfc3339_micro(TimePoint time) {
    const auto micro = chr::floor<chr::microseconds>(time);
    const auto fraction = micro - chr::floor<chr::seconds>(micro);
    std::string text = format_rfc3339(time);
    text.insert(text.size() - 1, fmt::format(".{:06}", fraction.count()));
    return text;
}

}  // namespace tenantctl::util
