// Unit: JSON from flags on its way into jsonb (core/util/json_input), `--set` parsing and the
// actor check.
#include <catch2/catch.hpp>

#include <string>

#include "core/errors.hpp"
#include "core/tenants/lifecycle.hpp"
#include "core/util/json_input.hpp"

using namespace tenantctl;

namespace {

template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no error";
}

std::string deep(int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
}

}  // namespace

TEST_CASE("json input: numbers a double cannot hold keep their digits as strings", "[unit][json]") {
    CHECK(util::exact_number("42") == 42);
    CHECK(util::exact_number("-7") == -7);
    CHECK(util::exact_number("0.5") == 0.5);
    CHECK(util::exact_number("1e3") == 1000.0);
    CHECK(util::exact_number("0") == 0);
    CHECK(util::exact_number("9223372036854775807") == 9223372036854775807LL);
    CHECK(util::exact_number("18446744073709551615") == 18446744073709551615ULL);
    CHECK(util::exact_number("18446744073709551616") == "18446744073709551616");
    CHECK(util::exact_number("12345678901234567890123") == "12345678901234567890123");
    CHECK(util::exact_number("0.1234567890123456789") == "0.1234567890123456789");
    CHECK(util::exact_number("123456789012345") == 123456789012345);
    CHECK(util::exact_number("1e-320") == "1e-320");  // below double's normal range
    CHECK_FALSE(util::exact_number("1e400"));           // not a finite number at all
    CHECK_FALSE(util::exact_number("abc"));
    CHECK_FALSE(util::exact_number("[1]"));
    CHECK_FALSE(util::exact_number("\"1\""));
    CHECK_FALSE(util::exact_number("1 2"));
}

TEST_CASE("set values keep exact digits, refuses NUL and deep nesting", "[unit][json][tenants]") {
    // Was 1.2345678901234568e+22.
    CHECK(tenants::parse_setting("k=12345678901234567890123").second == "12345678901234567890123");
    CHECK(tenants::parse_setting("k=12345678901234567890123").second.dump() == "\"12345678901234567890123\"");
    CHECK(tenants::parse_setting("k=500").second == 500);
    CHECK(tenants::parse_setting("k=hello").second == "hello");
    CHECK(tenants::parse_setting("k={\"a\": [1, 99999999999999999999]}").second.dump() ==
          "{\"a\":[1,\"99999999999999999999\"]}");
    // PostgreSQL jsonb refuses \u0000: exit 2 here instead of a raw server error (exit 1).
    CHECK(error_of([] { tenants::parse_setting("k=\"a\\u0000b\""); }) ==
          "--set k: a string holds \\u0000 (NUL), which PostgreSQL cannot store");
    CHECK(error_of([] { tenants::parse_setting("k={\"a\\u0000\": 1}"); }) ==
          "--set k: a key holds \\u0000 (NUL), which PostgreSQL cannot store");
    CHECK(error_of([] { tenants::parse_setting("k=" + deep(60000)); }) == "--set k: nested deeper than 64 levels");
    CHECK(error_of([] { tenants::parse_setting("k=" + deep(64)); }) == "no error");
    CHECK(error_of([] { tenants::parse_setting("k=\xff"); }) == "setting k: not valid UTF-8");
    CHECK(error_of([] { tenants::parse_setting("k=\"\xff\""); }) == "setting k: not valid UTF-8");
}

TEST_CASE("metadata JSON (--metadata) is checked the same way as --set", "[unit][json]") {
    using util::parse_json_input;
    CHECK(parse_json_input<json>("{\"b\": 1, \"a\": 2}", "--metadata")->dump() == "{\"b\":1,\"a\":2}");
    CHECK_FALSE(parse_json_input<json>("{oops", "--metadata"));
    CHECK(error_of([] { (void)parse_json_input<json>("{\"a\": \"\\u0000\"}", "--metadata"); }) ==
          "--metadata: a string holds \\u0000 (NUL), which PostgreSQL cannot store");
    CHECK(error_of([] { (void)parse_json_input<json>("{\"a\":" + deep(60000) + "}", "--metadata"); }) ==
          "--metadata: nested deeper than 64 levels");
    CHECK(error_of([] { util::check_db_text("{\"a\": \"\xc3\"}", "--metadata"); }) == "--metadata: not valid UTF-8");
}

TEST_CASE("the actor is short printable UTF-8", "[unit][json]") {
    CHECK(error_of([] { util::check_actor("alice@example.com", "--actor"); }) == "no error");
    CHECK(error_of([] { util::check_actor("J\xc3\xb6rg", "--actor"); }) == "no error");
    CHECK(error_of([] { util::check_actor("alice\nbob", "--actor"); }) == "--actor: control characters are not allowed");
    CHECK(error_of([] { util::check_actor("a\x1b[31m", "TENANTCTL_ACTOR"); }) ==
          "TENANTCTL_ACTOR: control characters are not allowed");
    CHECK(error_of([] { util::check_actor(std::string(201, 'a'), "--actor"); }) ==
          "--actor: longer than 200 bytes (201 bytes)");
    CHECK(error_of([] { util::check_actor(std::string(200, 'a'), "--actor"); }) == "no error");
    CHECK(error_of([] { util::check_actor("\xff", "--actor"); }) == "--actor: not valid UTF-8");
}
