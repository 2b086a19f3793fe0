// Unit: planning tenant changes (tenant update / tenant apply) without a database.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "core/tenants/lifecycle.hpp"
#include "core/tenants/plan.hpp"

using namespace tenantctl;
using namespace tenantctl::tenants;

namespace {
Tenant tenant(std::string slug, std::string status = "active") {
    Tenant t;
    t.id = "0b5e6c1a-3f2d-4c7e-9a1b-2c3d4e5f6a7b";
    t.slug = std::move(slug);
    t.status = std::move(status);
    t.isolation = "shared";
    t.name = "Acme";
    t.plan = "free";
    t.settings = Value{{"max_users", 10}, {"sso", "okta"}};
    t.flags = Value{{"beta", false}};
    return t;
}
Desired desired(std::string slug) {
    Desired d;
    d.slug = std::move(slug);
    d.origin = "t.yaml:1:3";
    return d;
}
}  // namespace

TEST_CASE("fields a manifest leaves out are not managed", "[unit][tenants]") {
    CHECK(field_changes(tenant("acme"), desired("acme")).empty());
}

TEST_CASE("field changes are listed per field and per setting key", "[unit][tenants]") {
    auto d = desired("acme");
    d.plan = "pro";
    d.settings = Value{{"max_users", 50}, {"region_lock", true}};  // sso removed
    d.flags = Value{{"beta", true}};
    auto changes = field_changes(tenant("acme"), d);
    REQUIRE(changes.size() == 5);
    CHECK(changes[0].field == "plan");
    CHECK(changes[0].from == "free");
    CHECK(changes[0].to == "pro");
    CHECK(changes[1].field == "settings.max_users");
    CHECK(changes[1].to == 50);
    CHECK(changes[2].field == "settings.region_lock");
    CHECK(changes[2].from.is_null());
    CHECK(changes[3].field == "settings.sso");
    CHECK(changes[3].to.is_null());
    CHECK(changes[4].field == "flags.beta");
}

TEST_CASE("settings compare by value, not key order or number type", "[unit][tenants]") {
    auto d = desired("acme");
    d.settings = Value::parse(R"({"sso": "okta", "max_users": 10.0})");
    CHECK(field_changes(tenant("acme"), d).empty());
}

TEST_CASE("an admin e-mail change never shows the address", "[unit][tenants]") {
    auto d = desired("acme");
    d.admin_email = "new@example.com";
    auto t = tenant("acme");
    t.admin_email = "old@example.com";
    auto changes = field_changes(t, d);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].from == "(set)");
    CHECK(changes[0].to == "(changed)");
}

TEST_CASE("a plan creates, updates, suspends, restores and leaves the rest alone", "[unit][tenants]") {
    std::vector<Tenant> existing{tenant("beta"), tenant("gamma"), tenant("delta", "pending_deletion"), tenant("omega")};
    std::vector<Desired> want{desired("alpha"), desired("beta"), desired("gamma"), desired("delta")};
    want[1].plan = "pro";
    want[2].status = "suspended";
    auto plan = make_plan(want, existing, false);
    REQUIRE(plan.items.size() == 4);
    CHECK(plan.items[0].action == Action::create);
    CHECK(plan.items[1].action == Action::update);
    CHECK(plan.items[2].action == Action::suspend);
    CHECK(plan.items[3].action == Action::restore);
    CHECK(plan.summary() == "1 to create, 1 to update, 1 to suspend, 1 to restore");
    // omega is not listed, but without --prune it stays.
    auto pruned = make_plan(want, existing, true);
    REQUIRE(pruned.items.size() == 5);
    CHECK(pruned.items[4].action == Action::remove);
    CHECK(pruned.items[4].slug == "omega");
}

TEST_CASE("a plan with nothing to do says so", "[unit][tenants]") {
    auto plan = make_plan({desired("acme")}, {tenant("acme")}, true);
    CHECK_FALSE(plan.has_changes());
    CHECK(plan.summary() == "no changes: 1 tenant(s) up to date");
    CHECK(plan_records(plan).rows.empty());
}

TEST_CASE("a plan refuses purged slugs and isolation changes", "[unit][tenants]") {
    CHECK_THROWS_AS(make_plan({desired("acme")}, {tenant("acme", "purged")}, false), Refused);
    auto d = desired("acme");
    d.isolation = "schema";
    CHECK_THROWS_AS(make_plan({d}, {tenant("acme")}, false), Refused);
    // The key ties the tenant to the app's rows: the stored one (a uuid in any case) is no
    // change, another one is refused.
    auto current = tenant("acme");
    current.tenancy_value = "0b5e6c1a-3f2d-4c7e-9a1b-2c3d4e5f6a7b";
    auto same = desired("acme");
    same.key = "0B5E6C1A-3F2D-4C7E-9A1B-2C3D4E5F6A7B";
    CHECK(make_plan({same}, {current}, false).items.at(0).action == Action::unchanged);
    auto other = desired("acme");
    other.key = "42";
    CHECK_THROWS_WITH(make_plan({other}, {current}, false),
                      "t.yaml:1:3: tenant 'acme' has key '0b5e6c1a-3f2d-4c7e-9a1b-2c3d4e5f6a7b'; changing it to '42' is "
                      "not supported");
    CHECK_THROWS_AS(make_plan({desired("acme"), desired("acme")}, {}, false), UsageError);
}

TEST_CASE("status transitions follow the lifecycle rules", "[unit][tenants]") {
    CHECK(next_status(tenant("a"), Transition::suspend) == "suspended");
    CHECK_FALSE(next_status(tenant("a", "suspended"), Transition::suspend));
    CHECK(next_status(tenant("a", "suspended"), Transition::resume) == "active");
    CHECK(next_status(tenant("a", "suspended"), Transition::remove) == "pending_deletion");
    CHECK_FALSE(next_status(tenant("a"), Transition::restore));
    auto pending = tenant("a", "pending_deletion");
    CHECK(next_status(pending, Transition::restore) == "active");
    pending.suspended_at = "2024-01-01T00:00:00Z";
    CHECK(next_status(pending, Transition::restore) == "suspended");
    CHECK_THROWS_AS(next_status(tenant("a", "pending_deletion"), Transition::resume), Refused);
    CHECK_THROWS_AS(next_status(tenant("a", "purged"), Transition::restore), Refused);
}

TEST_CASE("set values are JSON when they parse, strings otherwise", "[unit][tenants]") {
    CHECK(parse_setting("max=42").second == 42);
    CHECK(parse_setting("on=true").second == true);
    CHECK(parse_setting("code=042").second == "042");
    CHECK(parse_setting("q='); DROP TABLE x; --").second == "'); DROP TABLE x; --");
    CHECK(parse_setting("o={\"a\":1}").second.is_object());
    CHECK(parse_flag("beta=on").second);
    CHECK_FALSE(parse_flag("beta=off").second);
    CHECK_THROWS_AS(parse_flag("beta=maybe"), UsageError);
    CHECK_THROWS_AS(parse_setting("=1"), UsageError);
}
