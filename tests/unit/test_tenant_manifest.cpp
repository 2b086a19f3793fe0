// Unit: the tenant manifest reader and its file:line:col errors.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "core/tenants/manifest.hpp"

using namespace tenantctl;
using tenantctl::tenants::parse_manifest;

namespace {
std::string error_of(const std::string& yaml) {
    try {
        parse_manifest(yaml, "t.yaml");
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST_CASE("a manifest reads every field", "[unit][tenants]") {
    auto list = parse_manifest(R"(tenants:
  - slug: acme
    name: "Acme; DROP TABLE tenants"
    plan: pro
    region: eu-west-1
    admin_email: ops@acme.example
    isolation: schema
    key: 123456789012345678901234567890
    status: suspended
    settings: {max_users: 50, code: "042", ratio: 0.5, sso: {provider: okta}, tags: [a, b], none: ~}
    flags: {beta: on, old: off}
  - slug: globex
)",
                               "t.yaml");
    REQUIRE(list.size() == 2);
    const auto& a = list[0];
    CHECK(a.slug == "acme");
    CHECK(*a.name == "Acme; DROP TABLE tenants");
    CHECK(*a.isolation == "schema");
    CHECK(*a.key == "123456789012345678901234567890");  // every digit, as written
    CHECK_FALSE(list[1].key);
    CHECK(*a.status == "suspended");
    CHECK(a.settings->at("max_users") == 50);
    CHECK(a.settings->at("code") == "042");
    CHECK(a.settings->at("ratio") == 0.5);
    CHECK(a.settings->at("sso").at("provider") == "okta");
    CHECK(a.settings->at("tags").size() == 2);
    CHECK(a.settings->at("none").is_null());
    CHECK(a.flags->at("beta") == true);
    CHECK(a.flags->at("old") == false);
    CHECK(a.origin == "t.yaml:2:5");
    CHECK_FALSE(list[1].name);
    CHECK_FALSE(list[1].settings);
}

TEST_CASE("manifest errors name file, line and column", "[unit][tenants]") {
    CHECK(error_of("tenants:\n  - slug: acme\n  - slug: acme\n") ==
          "t.yaml:3:5: tenant 'acme' is listed twice (first at line 2)");
    CHECK(error_of("tenants:\n  - slug: Acme\n").rfind("t.yaml:2:11: invalid slug 'Acme'", 0) == 0);
    CHECK(error_of("tenants:\n  - slug: admin\n").find("t.yaml:2:11: invalid slug 'admin': it is a reserved word") == 0);
    CHECK(error_of("tenants:\n  - slug: acme\n    plna: pro\n").rfind("t.yaml:3:5: unknown key 'plna' in a tenant", 0) == 0);
    CHECK(error_of("tenants:\n  - slug: acme\n    status: deleted\n").rfind("t.yaml:3:13: status:", 0) == 0);
    CHECK(error_of("tenants:\n  - slug: acme\n    flags: {beta: maybe}\n").rfind("t.yaml:3:19: flags.beta", 0) == 0);
    CHECK(error_of("tenants:\n  - slug: acme\n    key: [1, 2]\n") ==
          "t.yaml:3:10: key: expected the value the app's tenancy columns hold for this tenant");
    CHECK(error_of("tenants:\n  - slug: acme\n    key: \"\"\n").rfind("t.yaml:3:10: key: expected", 0) == 0);
    CHECK(error_of("tenants:\n  - name: x\n").rfind("t.yaml:2:5: tenant without a slug", 0) == 0);
    CHECK(error_of("tenants: [\n").rfind("t.yaml:", 0) == 0);
    CHECK(error_of("tenants:\n  - slug: acme\n   bad indent: [\n").find("invalid YAML") != std::string::npos);
    CHECK(error_of("tenant:\n  - slug: acme\n").find("did you mean 'tenants'") == std::string::npos);  // hint, not message
    CHECK(error_of("tenant:\n  - slug: acme\n").rfind("t.yaml:1:1: unknown key 'tenant' at the top level", 0) == 0);
    CHECK(error_of("").rfind("t.yaml: empty manifest", 0) == 0);
}

TEST_CASE("an empty tenants list is valid", "[unit][tenants]") {
    CHECK(parse_manifest("tenants:\n", "t.yaml").empty());
    CHECK(parse_manifest("tenants: []\n", "t.yaml").empty());
}

TEST_CASE("manifest numbers keep their digits", "[unit][tenants]") {
    // 123456789012345678901234567890 was stored as 1.2345678901234568e+29, and a re-apply after
    // changing its last digit reported no change.
    auto list = parse_manifest(R"(tenants:
  - slug: acme
    settings:
      big: 123456789012345678901234567890
      big_negative: -98765432109876543210
      long_decimal: 3.14159265358979323846
      small: 42
      max_int64: 9223372036854775807
      max_uint64: 18446744073709551615
      ratio: 0.5
      quoted: "123456789012345678901234567890"
)",
                               "t.yaml");
    const auto& s = *list.at(0).settings;
    CHECK(s.at("big") == "123456789012345678901234567890");
    CHECK(s.at("big_negative") == "-98765432109876543210");
    CHECK(s.at("long_decimal") == "3.14159265358979323846");
    CHECK(s.at("small") == 42);
    CHECK(s.at("max_int64") == 9223372036854775807LL);
    CHECK(s.at("max_uint64") == 18446744073709551615ULL);
    CHECK(s.at("ratio") == 0.5);
    CHECK(s.at("quoted") == "123456789012345678901234567890");

    auto changed = parse_manifest("tenants:\n  - slug: acme\n    settings: {big: 123456789012345678901234567891}\n", "t.yaml");
    CHECK(changed.at(0).settings->at("big") != s.at("big"));
}
