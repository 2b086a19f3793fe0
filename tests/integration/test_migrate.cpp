// Integration: migrate's database half (ledger, runner, locks, fan-out) against the real server.
#include <catch2/catch.hpp>

#include <thread>

#include "core/errors.hpp"
#include "core/migrate/migrate.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace m = tenantctl::migrate;

namespace {

// What --yes gives: commands that ask (migrate down) go ahead without a terminal.
GlobalOptions confirmed() {
    GlobalOptions g;
    g.yes = true;
    return g;
}

void add(const test::TempDir& dir, const std::string& file, const std::string& body) { test::write_file(dir / file, body); }

std::string up_file(const std::string& up, const std::string& down = "", const std::string& header = "") {
    return header + "-- migrate:up\n" + up + (down.empty() ? "" : "\n-- migrate:down\n" + down) + "\n";
}

m::UpOptions up_options(const test::TempDir& dir) {
    m::UpOptions o;
    o.sel.dir = dir.path();
    return o;
}

template <class Fn>
Exit exit_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.code();
    }
    return Exit::ok;
}

template <class Fn>
std::string message_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        std::string out = e.what();
        for (const auto& d : e.details()) out += "\n" + d;
        return out;
    }
    return "";
}

// A tenant in schema mode, created the way `tenant create --isolation schema` will.
void schema_tenant(const test::TestDatabase& db, const std::string& slug, bool create_schema = true) {
    db.exec("INSERT INTO tenantctl.tenants (slug, isolation) VALUES ('" + slug + "', 'schema')");
    if (create_schema) {
        std::string schema = "tenant_" + slug;
        for (auto& c : schema)
            if (c == '-') c = '_';
        db.exec("CREATE SCHEMA " + schema);
    }
}

}  // namespace

TEST_CASE("up applies each migration with its ledger row, and a second up does nothing", "[integration][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);", "DROP TABLE a;"));
    add(dir, "20240102000000_b.sql", up_file("CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);", "DROP TABLE b;"));
    test::TestContext tc(db);
    auto report = m::up(tc.ctx(), up_options(dir));
    REQUIRE(report.shared.size() == 2);
    CHECK(db.query_value("SELECT count(*) FROM b") == "1");
    CHECK(db.query_value("SELECT string_agg(version || ':' || state || ':' || actor, ',' ORDER BY version) "
                         "FROM tenantctl.schema_migrations WHERE target = 'shared'") ==
          "20240101000000:applied:tester@test,20240102000000:applied:tester@test");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE length(checksum) = 64 "
                         "AND duration_ms IS NOT NULL AND run_id = '" + tc->run_id() + "'") == "2");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'migrate.up'") == "1");

    test::TestContext again(db);
    CHECK(m::up(again.ctx(), up_options(dir)).shared.empty());
    CHECK(db.query_value("SELECT count(*) FROM b") == "1");
}

TEST_CASE("a failing statement rolls its migration back and names file, line, column and SQLSTATE",
          "[integration][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_ok.sql", up_file("CREATE TABLE ok (id int);"));
    add(dir, "20240102000000_bad.sql",
        up_file("CREATE TABLE half (id int);\nINSERT INTO half\n  SELECT id FROM nope;"));
    test::TestContext tc(db);
    std::string msg;
    Exit code = exit_of([&] { m::up(tc.ctx(), up_options(dir)); });
    msg = message_of([&] { test::TestContext t2(db); m::up(t2.ctx(), up_options(dir)); });
    CHECK(code == Exit::runtime);
    CHECK(msg.find("20240102000000_bad.sql:4:18: relation \"nope\" does not exist (SQLSTATE 42P01)") != std::string::npos);
    // The earlier migration stays; the failed one left nothing: no table, no ledger row.
    CHECK(db.query_value("SELECT to_regclass('ok') IS NOT NULL") == "t");
    CHECK(db.query_value("SELECT to_regclass('half') IS NULL") == "t");
    CHECK(db.query_value("SELECT string_agg(version, ',') FROM tenantctl.schema_migrations") == "20240101000000");
}

TEST_CASE("a no-transaction file resumes at the failed statement without re-running the others",
          "[integration][migrate]") {
    test::TestDatabase db;
    db.exec("CREATE TABLE runs (n int)");
    test::TempDir dir;
    const std::string header = "-- tenantctl:no-transaction\n";
    add(dir, "20240101000000_steps.sql",
        up_file("INSERT INTO runs VALUES (1);\nINSERT INTO runs VALUES (1 / 0);\nINSERT INTO runs VALUES (3);", "",
                header));
    test::TestContext tc(db);
    CHECK(exit_of([&] { m::up(tc.ctx(), up_options(dir)); }) == Exit::runtime);
    CHECK(db.query_value("SELECT state || ':' || statements_done || ':' || (error LIKE '%:4:%division by zero (SQLSTATE 22012)') "
                         "FROM tenantctl.schema_migrations") == "failed:1:true");
    {
        test::TestContext st(db);
        auto s = m::status(st.ctx(), m::Selection{dir.path(), {}, std::nullopt});
        REQUIRE(s.shared.size() == 1);
        CHECK(s.shared[0].state == m::MigrationState::failed);
        CHECK(s.has_pending());  // never "dirty": just pending work
    }
    // The human fixes the failing statement only; up resumes at it.
    add(dir, "20240101000000_steps.sql",
        up_file("INSERT INTO runs VALUES (1);\nINSERT INTO runs VALUES (2);\nINSERT INTO runs VALUES (3);", "", header));
    test::TestContext again(db);
    auto report = m::up(again.ctx(), up_options(dir));
    REQUIRE(report.shared.size() == 1);
    CHECK(report.shared[0].action == "resumed");
    CHECK(db.query_value("SELECT string_agg(n::text, ',' ORDER BY n) FROM runs") == "1,2,3");
    CHECK(db.query_value("SELECT state || ':' || statements_done FROM tenantctl.schema_migrations") == "applied:3");
}

TEST_CASE("editing a statement that already ran in a failed no-transaction file is refused", "[integration][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    const std::string header = "-- tenantctl:no-transaction\n";
    add(dir, "20240101000000_x.sql", up_file("CREATE TABLE x (id int);\nSELECT 1 / 0;", "", header));
    test::TestContext tc(db);
    CHECK(exit_of([&] { m::up(tc.ctx(), up_options(dir)); }) == Exit::runtime);
    add(dir, "20240101000000_x.sql", up_file("CREATE TABLE x2 (id int);\nSELECT 1;", "", header));
    test::TestContext again(db);
    CHECK(exit_of([&] { m::up(again.ctx(), up_options(dir)); }) == Exit::refused);
}

TEST_CASE("a failed concurrent index build is reported as INVALID and rebuilt on resume", "[integration][migrate]") {
    test::TestDatabase db;
    db.exec("CREATE TABLE items (code text); INSERT INTO items VALUES ('a'), ('a')");
    test::TempDir dir;
    add(dir, "20240101000000_idx.sql",
        up_file("CREATE UNIQUE INDEX CONCURRENTLY items_code_key ON items (code);", "", "-- tenantctl:no-transaction\n"));
    test::TestContext tc(db);
    const std::string msg = message_of([&] { m::up(tc.ctx(), up_options(dir)); });
    CHECK(msg.find("SQLSTATE 23505") != std::string::npos);
    CHECK(msg.find("INVALID index left by a failed concurrent build: public.items_code_key on public.items") !=
          std::string::npos);
    db.exec("DELETE FROM items WHERE ctid = (SELECT max(ctid) FROM items)");
    test::TestContext again(db);
    auto report = m::up(again.ctx(), up_options(dir));
    CHECK(report.shared.size() == 1);
    CHECK(db.query_value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_code_key'::regclass") == "t");
    CHECK(again.log_text().find("dropping the INVALID index") != std::string::npos);
}

TEST_CASE("an applied file that changed blocks up (exit 8) until verify is clean or repair accepts it",
          "[integration][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);"));
    test::TestContext tc(db);
    m::up(tc.ctx(), up_options(dir));
    add(dir, "20240101000000_a.sql", up_file("-- a comment\nCREATE TABLE a (id int);"));
    add(dir, "20240102000000_b.sql", up_file("CREATE TABLE b (id int);"));
    test::TestContext t2(db);
    CHECK(exit_of([&] { m::up(t2.ctx(), up_options(dir)); }) == Exit::integrity);
    CHECK(db.query_value("SELECT to_regclass('b') IS NULL") == "t");
    auto drift = m::verify(t2.ctx(), m::Selection{dir.path(), {}, std::nullopt});
    REQUIRE(drift.size() == 1);
    CHECK(drift[0].drift.kind == m::DriftKind::checksum_changed);

    m::RepairOptions r;
    r.sel.dir = dir.path();
    auto changes = m::repair(t2.ctx(), r);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].action == "checksum-accepted");
    CHECK(m::verify(t2.ctx(), m::Selection{dir.path(), {}, std::nullopt}).empty());
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'migrate.repair'") == "1");
}

TEST_CASE("out-of-order files are refused with the missing list unless allowed", "[integration][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240102000000_b.sql", up_file("CREATE TABLE b (id int);"));
    test::TestContext tc(db);
    m::up(tc.ctx(), up_options(dir));
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);"));
    test::TestContext t2(db);
    const std::string msg = message_of([&] { m::up(t2.ctx(), up_options(dir)); });
    CHECK(msg.find("missing: 20240101000000_a") != std::string::npos);
    auto o = up_options(dir);
    o.allow_out_of_order = true;
    CHECK(m::up(t2.ctx(), o).shared.size() == 1);
}

TEST_CASE("a second run waits for the lock and then reports busy, naming the holder", "[integration][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);"));
    test::TestContext holder(db);
    auto lock = holder->lock("migrate");
    test::TestContext second(db);
    const std::string msg = message_of([&] { m::up(second.ctx(), up_options(dir)); });
    CHECK(msg.find("another run holds the 'migrate' lock: pid") != std::string::npos);
    CHECK(exit_of([&] { test::TestContext t(db); m::up(t.ctx(), up_options(dir)); }) == Exit::busy);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.schema_migrations") == "0");
}

TEST_CASE("a lock timeout is retried with backoff, then succeeds once the lock is free", "[integration][migrate]") {
    test::TestDatabase db;
    db.exec("CREATE TABLE busy (id int)");
    test::TempDir dir;
    add(dir, "20240101000000_alter.sql", up_file("ALTER TABLE busy ADD COLUMN note text;", "", "-- tenantctl:lock-timeout=100ms\n"));
    pqxx::connection blocker(db.conninfo());
    pqxx::work hold(blocker);
    hold.exec("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE");

    SECTION("retries exhausted: busy, nothing applied") {
        test::TestContext tc(db);
        auto o = up_options(dir);
        o.lock_retries = 1;
        CHECK(exit_of([&] { m::up(tc.ctx(), o); }) == Exit::busy);
        CHECK(tc.log_text().find("lock timeout, retrying (1/1)") != std::string::npos);
        hold.abort();
        CHECK(db.query_value("SELECT count(*) FROM tenantctl.schema_migrations") == "0");
    }
    SECTION("the lock is released during the retries") {
        std::thread release([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            hold.abort();
        });
        test::TestContext tc(db);
        auto o = up_options(dir);
        o.lock_retries = 5;
        auto report = m::up(tc.ctx(), o);
        release.join();
        REQUIRE(report.shared.size() == 1);
        CHECK(report.shared[0].retries >= 1);
    }
}

TEST_CASE("down reverts by steps and to a version - baseline and forget", "[integration][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", up_file("CREATE TABLE a (id int);", "DROP TABLE a;"));
    add(dir, "20240102000000_b.sql", up_file("CREATE TABLE b (id int);", "DROP TABLE b;"));
    add(dir, "20240103000000_c.sql", up_file("CREATE TABLE c (id int);", "DROP TABLE c;"));
    test::TestContext tc(db, {}, confirmed());  // down asks first
    m::up(tc.ctx(), up_options(dir));
    m::DownOptions d;
    d.sel.dir = dir.path();
    auto r1 = m::down(tc.ctx(), d);
    REQUIRE(r1.shared.size() == 1);
    CHECK(db.query_value("SELECT to_regclass('c') IS NULL") == "t");
    d.target.to_version = "20240101000000";
    m::down(tc.ctx(), d);
    CHECK(db.query_value("SELECT string_agg(version, ',') FROM tenantctl.schema_migrations") == "20240101000000");
    CHECK(db.query_value("SELECT to_regclass('a') IS NOT NULL") == "t");

    // baseline refuses a non-empty history; forget clears it, baseline then skips old files
    CHECK(exit_of([&] { m::baseline(tc.ctx(), m::Selection{dir.path(), {}, std::nullopt}, "20240102000000", m::Scope::shared); }) ==
          Exit::refused);
    m::RepairOptions r;
    r.sel.dir = dir.path();
    r.forget = "20240101000000";
    CHECK(m::repair(tc.ctx(), r).size() == 1);
    m::baseline(tc.ctx(), m::Selection{dir.path(), {}, std::nullopt}, "20240102000000", m::Scope::shared);
    auto report = m::up(tc.ctx(), up_options(dir));
    REQUIRE(report.shared.size() == 1);
    CHECK(report.shared[0].version == "20240103000000");
}

TEST_CASE("repair --mark-applied records a failed step a human finished", "[integration][migrate]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_x.sql", up_file("CREATE TABLE x (id int);\nSELECT 1 / 0;", "", "-- tenantctl:no-transaction\n"));
    test::TestContext tc(db);
    CHECK(exit_of([&] { m::up(tc.ctx(), up_options(dir)); }) == Exit::runtime);
    m::RepairOptions r;
    r.sel.dir = dir.path();
    r.mark_applied = "20240101000000";
    auto changes = m::repair(tc.ctx(), r);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].action == "marked-applied");
    auto s = m::status(tc.ctx(), m::Selection{dir.path(), {}, std::nullopt});
    CHECK_FALSE(s.has_pending());
}

TEST_CASE("schema mode: tenant files fan out to every tenant schema in parallel", "[integration][migrate][fanout]") {
    test::TestDatabase db;
    for (const char* slug : {"acme", "beta-co", "gamma"}) schema_tenant(db, slug);
    db.exec("INSERT INTO tenantctl.tenants (slug) VALUES ('sharedone')");  // shared isolation: not a target
    test::TempDir dir;
    add(dir, "20240101000000_shared.sql", up_file("CREATE TABLE plans (id int);"));
    add(dir, "20240102000000_notes.sql", up_file("CREATE TABLE notes (id int);", "DROP TABLE notes;", "-- tenantctl:scope=tenant\n"));
    add(dir, "20240103000000_idx.sql", up_file("CREATE INDEX CONCURRENTLY notes_id_idx ON notes (id);", "",
                                               "-- tenantctl:scope=tenant\n-- tenantctl:no-transaction\n"));
    test::TestContext tc(db);
    auto o = up_options(dir);
    o.parallel = 2;
    auto report = m::up(tc.ctx(), o);
    CHECK(report.shared.size() == 1);
    REQUIRE(report.tenants.size() == 3);
    for (const auto& t : report.tenants) {
        CHECK(t.state == "done");
        CHECK(t.applied == 2);
    }
    CHECK(db.query_value("SELECT to_regclass('tenant_beta_co.notes_id_idx') IS NOT NULL") == "t");
    CHECK(db.query_value("SELECT to_regclass('public.notes') IS NULL") == "t");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE target LIKE 'tenant_%'") == "6");
    CHECK(db.query_value("SELECT state FROM tenantctl.jobs WHERE id = '" + tc->run_id() + "'") == "done");

    auto status = m::status(tc.ctx(), m::Selection{dir.path(), {}, std::nullopt});
    REQUIRE(status.tenants.size() == 3);
    CHECK_FALSE(status.has_pending());

    // a no-op run touches no schema and records no job
    test::TestContext again(db, {}, confirmed());  // down (below) asks first
    auto noop = m::up(again.ctx(), o);
    CHECK(noop.tenants.empty());
    CHECK(noop.tenants_up_to_date == 3);

    // down --scope tenant for one tenant only
    m::DownOptions d;
    d.sel.dir = dir.path();
    d.sel.tenants.only = {"gamma"};
    d.scope = m::Scope::tenant;
    d.target.steps = 1;
    auto reverted = m::down(again.ctx(), d);  // the newest file has no down section: that tenant fails
    REQUIRE(reverted.tenants.size() == 1);
    CHECK(reverted.tenants[0].state == "failed");
    CHECK(reverted.tenants[0].error.find("has no down section") != std::string::npos);
    CHECK(db.query_value("SELECT to_regclass('tenant_gamma.notes_id_idx') IS NOT NULL") == "t");
}

TEST_CASE("schema mode: a missing schema fails that tenant only, and --resume finishes the run",
          "[integration][migrate][fanout]") {
    test::TestDatabase db;
    schema_tenant(db, "acme");
    schema_tenant(db, "ghost", false);
    schema_tenant(db, "zeta");
    test::TempDir dir;
    add(dir, "20240102000000_notes.sql", up_file("CREATE TABLE notes (id int);", "", "-- tenantctl:scope=tenant\n"));
    test::TestContext tc(db);
    auto o = up_options(dir);
    o.continue_on_error = true;
    auto report = m::up(tc.ctx(), o);
    REQUIRE(report.tenants.size() == 3);
    CHECK(report.failed() == 1);
    CHECK(report.tenants[1].state == "failed");
    INFO(report.tenants[1].error);
    CHECK(report.tenants[1].error.find("schema tenant_ghost does not exist") != std::string::npos);
    CHECK(db.query_value("SELECT to_regclass('tenant_zeta.notes') IS NOT NULL") == "t");
    CHECK(db.query_value("SELECT state FROM tenantctl.migration_run_targets WHERE target = 'tenant_ghost'") == "failed");

    db.exec("CREATE SCHEMA tenant_ghost");
    test::TestContext again(db);
    auto ro = up_options(dir);
    ro.resume = tc->run_id();
    auto resumed = m::up(again.ctx(), ro);
    REQUIRE(resumed.tenants.size() == 1);
    CHECK(resumed.tenants[0].target.name == "tenant_ghost");
    CHECK(resumed.tenants[0].state == "done");
    CHECK(db.query_value("SELECT state FROM tenantctl.jobs WHERE id = '" + tc->run_id() + "'") == "done");
    // nothing left: resuming again is refused
    CHECK(exit_of([&] { test::TestContext t(db); m::up(t.ctx(), ro); }) == Exit::refused);
}

TEST_CASE("schema mode: without --continue-on-error the first failure stops new tenants", "[integration][migrate][fanout]") {
    test::TestDatabase db;
    schema_tenant(db, "aaa", false);
    schema_tenant(db, "bbb");
    schema_tenant(db, "ccc");
    test::TempDir dir;
    add(dir, "20240102000000_notes.sql", up_file("CREATE TABLE notes (id int);", "", "-- tenantctl:scope=tenant\n"));
    test::TestContext tc(db);
    auto report = m::up(tc.ctx(), up_options(dir));  // parallel 1
    REQUIRE(report.tenants.size() == 3);
    CHECK(report.tenants[0].state == "failed");
    CHECK(report.tenants[1].state == "pending");
    CHECK(report.tenants[2].state == "pending");
    CHECK(db.query_value("SELECT to_regclass('tenant_bbb.notes') IS NULL") == "t");
}

TEST_CASE("unknown and shared-isolation tenants in --tenants are refused up front", "[integration][migrate][fanout]") {
    test::TestDatabase db;
    schema_tenant(db, "acme");
    db.exec("INSERT INTO tenantctl.tenants (slug) VALUES ('plain')");
    test::TempDir dir;
    add(dir, "20240102000000_notes.sql", up_file("CREATE TABLE notes (id int);", "", "-- tenantctl:scope=tenant\n"));
    test::TestContext tc(db);
    auto o = up_options(dir);
    o.sel.tenants.only = {"nope"};
    CHECK(exit_of([&] { m::up(tc.ctx(), o); }) == Exit::not_found);
    o.sel.tenants.only = {"plain"};
    CHECK(exit_of([&] { test::TestContext t(db); m::up(t.ctx(), o); }) == Exit::refused);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.schema_migrations") == "0");
}

TEST_CASE("schema mode: a tenant moving or moved away is left out of the fan-out", "[integration][migrate][fanout]") {
    test::TestDatabase db;
    for (const char* slug : {"acme", "going", "gone"}) schema_tenant(db, slug);
    db.exec("UPDATE tenantctl.tenants SET status = 'moving', moving_from_status = 'active', moved_to = 'elsewhere' "
            "WHERE slug = 'going'; "
            "UPDATE tenantctl.tenants SET status = 'moved', moved_to = 'elsewhere' WHERE slug = 'gone'");
    test::TempDir dir;
    add(dir, "20240102000000_notes.sql", up_file("CREATE TABLE notes (id int);", "", "-- tenantctl:scope=tenant\n"));
    test::TestContext tc(db);
    auto report = m::up(tc.ctx(), up_options(dir));
    REQUIRE(report.tenants.size() == 1);
    CHECK(report.tenants[0].target.name == "tenant_acme");
    CHECK(db.query_value("SELECT string_agg(target, ',' ORDER BY target) FROM tenantctl.schema_migrations") ==
          "tenant_acme");
    auto o = up_options(dir);
    o.sel.tenants.only = {"gone"};
    CHECK(exit_of([&] { test::TestContext t(db); m::up(t.ctx(), o); }) == Exit::refused);
}

TEST_CASE("apply_tenant_migrations migrates one new schema", "[integration][migrate]") {
    test::TestDatabase db;
    schema_tenant(db, "fresh");
    test::TempDir dir;
    add(dir, "20240101000000_shared.sql", up_file("CREATE TABLE plans (id int);"));
    add(dir, "20240102000000_notes.sql", up_file("CREATE TABLE notes (id int);", "", "-- tenantctl:scope=tenant\n"));
    config::Config cfg;
    cfg.migrations.dir = dir.path();
    test::TestContext tc(db, cfg);
    auto ran = m::apply_tenant_migrations(tc.ctx(), "tenant_fresh");
    REQUIRE(ran.size() == 1);
    CHECK(db.query_value("SELECT to_regclass('tenant_fresh.notes') IS NOT NULL") == "t");
    CHECK(db.query_value("SELECT to_regclass('public.plans') IS NULL") == "t");  // shared files are not its business
    CHECK(m::apply_tenant_migrations(tc.ctx(), "tenant_fresh").empty());
    CHECK(exit_of([&] { m::apply_tenant_migrations(tc.ctx(), "tenant_missing"); }) == Exit::not_found);
}
