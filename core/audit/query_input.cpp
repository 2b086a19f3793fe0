// The parsers of `audit query` input (cursors, globs, --resource, --where, the time window)
// and the microsecond conversions. No database here, so the fuzz harnesses (tests/fuzz)
// can link this alone.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/audit/query.hpp"
#include "core/crypto/bytes.hpp"
#include "core/errors.hpp"
#include "core/util/duration.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::audit {

std::int64_t to_micros(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
TimePoint from_micros(std::int64_t us) {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

std::string micros_text(std::int64_t us) { return util::format_rfc3339_micro(from_micros(us)); }

// --- cursors -----------------------------------------------------------------------------

namespace {

// A check value that catches a truncated or hand-edited cursor. Not a MAC: a cursor grants
// nothing (the query re-applies every filter), and FNV-1a keeps `audit query` from
// initialising OpenSSL, which costs more than the whole query on a warm server.
std::string cursor_check(std::string_view payload) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : payload) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return fmt::format("{:08x}", static_cast<std::uint32_t>(h ^ (h >> 32)));
}

}  // namespace

std::string encode_cursor(const Position& p) {
    std::string payload = fmt::format("v1|{}|{}", p.occurred_us, p.id);
    payload += "|" + cursor_check(payload);
    return crypto::base64url_encode_nopad(payload);
}

Position decode_cursor(std::string_view text) {
    auto bad = [&]() {
        return UsageError("malformed cursor " + util::in_quotes(text, 40),
                          "pass the value printed after the previous page unchanged");
    };
    std::string payload;
    if (text.empty() || text.size() > 200 || !crypto::base64url_decode(text, payload, true)) throw bad();
    auto parts = util::split(payload, '|');
    if (parts.size() != 4 || parts[0] != "v1") throw bad();
    if (cursor_check(parts[0] + "|" + parts[1] + "|" + parts[2]) != parts[3]) throw bad();
    Position p;
    auto num = [&](const std::string& s, std::int64_t& out) {
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec != std::errc{} || ptr != s.data() + s.size()) throw bad();
    };
    num(parts[1], p.occurred_us);
    num(parts[2], p.id);
    return p;
}

// --- parsing -------------------------------------------------------------------------------

std::string action_glob_to_like(std::string_view glob) {
    if (glob.empty() || glob.size() > 200 ||
        !std::all_of(glob.begin(), glob.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '*' || c == '?';
        }))
        throw UsageError("malformed action glob " + util::in_quotes(glob),
                         "actions are dotted lower-case names; use * and ?, e.g. --action 'user.*'");
    return util::glob_to_like(glob);
}

std::pair<std::string, std::optional<std::string>> parse_resource(std::string_view text) {
    auto colon = text.find(':');
    std::string type(text.substr(0, colon));
    if (type.empty()) throw UsageError("malformed --resource " + util::in_quotes(text), "expected TYPE or TYPE:ID");
    if (colon == std::string_view::npos) return {type, std::nullopt};
    std::string id(text.substr(colon + 1));
    if (id.empty()) throw UsageError("malformed --resource " + util::in_quotes(text), "expected TYPE or TYPE:ID");
    return {type, id};
}

MetadataMatch parse_where(std::string_view text) {
    constexpr std::string_view prefix = "metadata.";
    auto eq = text.find('=');
    if (text.substr(0, prefix.size()) != prefix || eq == std::string_view::npos || eq == prefix.size())
        throw UsageError("malformed --where " + util::in_quotes(text), "expected metadata.KEY=VALUE");
    std::string path(text.substr(prefix.size(), eq - prefix.size()));
    for (const auto& part : util::split(path, '.'))
        if (part.empty()) throw UsageError("malformed --where " + util::in_quotes(text), "expected metadata.KEY=VALUE");
    return {path, std::string(text.substr(eq + 1))};
}

std::pair<TimePoint, TimePoint> parse_window(const std::optional<std::string>& since,
                                             const std::optional<std::string>& until, TimePoint now) {
    TimePoint from = util::parse_time(since.value_or("7d"), now);
    TimePoint to = until ? util::parse_time(*until, now) : now;
    if (!until) to += std::chrono::seconds(1);  // include events written in this very second
    if (from >= to)
        throw UsageError(fmt::format("--since ({}) is not before --until ({})", util::format_rfc3339(from),
                                     util::format_rfc3339(to)));
    return {from, to};
}

}  // namespace tenantctl::audit
