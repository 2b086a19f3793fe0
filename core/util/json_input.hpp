// JSON values that come from outside (`--set`, `--metadata`, manifest settings) on their
// way into a jsonb column. PostgreSQL's jsonb refuses `\u0000` and nesting beyond its stack
// limit, and nlohmann::json would turn a number a double cannot hold into a rounded one
// (12345678901234567890123 into 1.2345678901234568e+22), so these are checked here, with
// exit 2 and a message, instead of failing at the server or losing digits silently.
//
// Exact numbers: an integer that fits in 64 bits stays a number, and so does a decimal of at
// most 15 significant digits inside double's range (a double holds those exactly, digit for
// digit, when printed back). Any other number is kept as a string with the digits written.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace tenantctl::util {

inline constexpr int kMaxJsonDepth = 64;

// `text` (a whole JSON number, e.g. "42", "-0.5", "1e3") as a JSON value under the exact-
// number rule above: a number, or the text itself as a string when a number would lose
// digits. Nothing when `text` is not a JSON number.
std::optional<nlohmann::json> exact_number(std::string_view text);

// Parses `text` as JSON under the rules above: at most kMaxJsonDepth levels of nesting, no
// NUL character in a string or key, numbers kept exact. Nothing when `text` is not JSON at
// all (the caller decides: `--set k=hello` is a string); UsageError naming `what` when it is
// JSON that cannot be stored.
// Instantiated for nlohmann::json and nlohmann::ordered_json (which keeps key order).
// `max_depth` is raised only to read back what the database already holds.
template <class Json>
std::optional<Json> parse_json_input(std::string_view text, std::string_view what, int max_depth = kMaxJsonDepth);

// Checks text bound for the database from a flag: valid UTF-8, no NUL. UsageError naming
// `what` otherwise.
void check_db_text(std::string_view text, std::string_view what);

// The actor recorded in audit events (--actor, TENANTCTL_ACTOR, USER@hostname): at most 200
// bytes of UTF-8 without control characters (a newline in it would forge a line in every
// text rendering of the log). UsageError naming `origin` ("--actor") otherwise; the value is
// not echoed, as it names a person.
inline constexpr std::size_t kMaxActorBytes = 200;
void check_actor(std::string_view actor, std::string_view origin);

}  // namespace tenantctl::util
