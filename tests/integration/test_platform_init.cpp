// Integration: the platform schema installs, is idempotent and upgrades under a lock.
#include <catch2/catch.hpp>

#include <thread>

#include "core/errors.hpp"
#include "core/platform/migrations.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;

TEST_CASE("init installs every platform migration into an empty database", "[integration][init]") {
    test::TestDatabase db(false);
    test::TestContext tc(db);
    auto result = platform::init(tc.ctx());
    CHECK(result.from_version == 0);
    CHECK(result.to_version == platform::latest_version());
    CHECK(result.applied.size() == platform::embedded_migrations().size());
    CHECK(db.query_value("SELECT max(version) FROM tenantctl.platform_version") ==
          std::to_string(platform::latest_version()));
    // The run is recorded in the audit log, naming the operator.
    CHECK(db.query_value("SELECT actor_id FROM tenantctl.audit_log WHERE action = 'platform.init'") == "tester@test");
}

TEST_CASE("init is idempotent", "[integration][init]") {
    test::TestDatabase db(false);
    test::TestContext tc(db);
    platform::init(tc.ctx());
    auto again = platform::init(tc.ctx());
    CHECK(again.applied.empty());
    CHECK(again.from_version == again.to_version);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.platform_version") ==
          std::to_string(platform::embedded_migrations().size()));
}

TEST_CASE("init --dry-run changes nothing", "[integration][init]") {
    test::TestDatabase db(false);
    GlobalOptions g;
    g.dry_run = true;
    test::TestContext tc(db, {}, g);
    auto result = platform::init(tc.ctx());
    CHECK_FALSE(result.applied.empty());
    CHECK(db.query_value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenantctl'") == "0");
}

TEST_CASE("a configured platform schema name is honoured and quoted", "[integration][init]") {
    test::TestDatabase db(false);
    config::Config cfg;
    cfg.schema = "Ops Platform";
    test::TestContext tc(db, cfg);
    platform::init(tc.ctx());
    CHECK(db.query_value("SELECT count(*) FROM \"Ops Platform\".tenants") == "0");
}

TEST_CASE("a second init waits for the lock and then reports busy", "[integration][init]") {
    test::TestDatabase db(false);
    test::TestContext holder(db);
    auto lock = holder->lock("init");  // as if another init were running
    test::TestContext second(db);
    try {
        platform::init(second.ctx());
        FAIL("init should not run while another holds the lock");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::busy);
        CHECK(std::string(e.what()).find("'init' lock") != std::string::npos);
        CHECK(std::string(e.what()).find("pid ") != std::string::npos);  // names the holder
    }
    CHECK(db.query_value("SELECT to_regclass('tenantctl.tenants') IS NULL") == "t");
}

TEST_CASE("feature commands refuse to run on a database without the platform schema", "[integration][init]") {
    test::TestDatabase db(false);
    test::TestContext tc(db);
    try {
        platform::require_current(tc.ctx());
        FAIL("expected Refused");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::refused);
        CHECK(e.hint().find("tenantctl init") != std::string::npos);
    }
}
