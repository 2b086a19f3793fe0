// Integration: other tools' layouts and ledgers (`migrate adopt`), files with their own
// transaction control, and resuming no-transaction statements.
#include <catch2/catch.hpp>

#include "core/crypto/hash.hpp"
#include "core/errors.hpp"
#include "core/migrate/adopt.hpp"
#include "core/migrate/migrate.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace m = tenantctl::migrate;

namespace {

void add(const test::TempDir& dir, const std::string& file, const std::string& body) {
    std::filesystem::create_directories((dir / file).parent_path());
    test::write_file(dir / file, body);
}

GlobalOptions yes() {
    GlobalOptions g;
    g.yes = true;
    return g;
}

m::Selection sel(const test::TempDir& dir) { return m::Selection{dir.path(), {}, std::nullopt}; }

m::AdoptReport adopt(const test::TestDatabase& db, const test::TempDir& dir, m::Tool tool) {
    test::TestContext tc(db, {}, yes());
    m::AdoptOptions o;
    o.sel = sel(dir);
    o.from = tool;
    return m::adopt(tc.ctx(), o);
}

std::vector<std::string> up(const test::TestDatabase& db, const test::TempDir& dir) {
    test::TestContext tc(db);
    m::UpOptions o;
    o.sel = sel(dir);
    std::vector<std::string> out;
    for (const auto& r : m::up(tc.ctx(), o).shared) out.push_back(r.version);
    return out;
}

std::vector<std::string> down(const test::TestDatabase& db, const test::TempDir& dir, int steps = 1) {
    test::TestContext tc(db, {}, yes());  // down asks first
    m::DownOptions o;
    o.sel = sel(dir);
    o.target.steps = steps;
    std::vector<std::string> out;
    for (const auto& r : m::down(tc.ctx(), o).shared) out.push_back(r.version);
    return out;
}

bool clean(const test::TestDatabase& db, const test::TempDir& dir) {
    test::TestContext tc(db);
    auto report = m::status(tc.ctx(), sel(dir));
    return !report.has_pending() && !report.has_drift();
}

std::string ledger(const test::TestDatabase& db) {
    return db.query_value("SELECT string_agg(version || ':' || state, ',' ORDER BY started_at, version) "
                          "FROM tenantctl.schema_migrations WHERE target = 'shared'");
}

std::string exists(const test::TestDatabase& db, const std::string& table) {
    return db.query_value("SELECT to_regclass('" + table + "') IS NOT NULL");
}

template <class Fn>
std::string message_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("adopt golang-migrate: up runs only what it never applied - down uses .down.sql - dirty is refused",
          "[integration][migrate][adopt]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "000001_init.up.sql", "CREATE TABLE a (id int);\n");
    add(dir, "000001_init.down.sql", "DROP TABLE a;\n");
    add(dir, "000002_add_b.up.sql", "CREATE TABLE b (id int);\n");
    add(dir, "000002_add_b.down.sql", "DROP TABLE b;\n");
    add(dir, "000003_add_c.up.sql", "CREATE TABLE c (id int);\n");
    add(dir, "000003_add_c.down.sql", "DROP TABLE c;\n");
    // What golang-migrate leaves after `migrate up 2`: the schema, and one ledger row.
    db.exec("CREATE TABLE a (id int); CREATE TABLE b (id int);"
            "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);"
            "INSERT INTO schema_migrations VALUES (2, false);");

    SECTION("dirty is refused and nothing is written") {
        db.exec("UPDATE schema_migrations SET dirty = true");
        CHECK(test::exit_of([&] { adopt(db, dir, m::Tool::golang_migrate); }) == Exit::refused);
        CHECK(message_of([&] { adopt(db, dir, m::Tool::golang_migrate); }).find("version 2 is dirty") !=
              std::string::npos);
        CHECK(ledger(db).empty());
    }
    SECTION("adopt, up, status, down") {
        {
            test::TestContext dry(db, {}, [] {
                GlobalOptions g;
                g.dry_run = true;
                return g;
            }());
            m::AdoptOptions o;
            o.sel = sel(dir);
            o.from = m::Tool::golang_migrate;
            CHECK(m::adopt(dry.ctx(), o).adopted == 2);
            CHECK(ledger(db).empty());
        }
        auto report = adopt(db, dir, m::Tool::golang_migrate);
        CHECK(report.adopted == 2);
        CHECK(report.pending == 1);
        CHECK(ledger(db) == "000001:applied,000002:applied");
        CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'migrate.adopt'") == "1");
        CHECK(db.query_value("SELECT checksum FROM tenantctl.schema_migrations WHERE version = '000001'") ==
              crypto::sha256_hex("CREATE TABLE a (id int);\n"));
        // idempotent
        CHECK(adopt(db, dir, m::Tool::golang_migrate).adopted == 0);
        CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'migrate.adopt'") == "1");

        CHECK(up(db, dir) == Strings{"000003"});
        CHECK(exists(db, "c") == "t");
        CHECK(clean(db, dir));
        CHECK(down(db, dir) == Strings{"000003"});
        CHECK(exists(db, "c") == "f");
        CHECK(down(db, dir) == Strings{"000002"});
        CHECK(exists(db, "b") == "f");
        CHECK(exists(db, "a") == "t");
    }
    SECTION("a ledger version without its file is refused") {
        db.exec("UPDATE schema_migrations SET version = 7");
        CHECK(test::exit_of([&] { adopt(db, dir, m::Tool::golang_migrate); }) == Exit::refused);
        CHECK(ledger(db).empty());
    }
}

TEST_CASE("adopt flyway: dotted versions, undo files, repeatables - a failed row is refused",
          "[integration][migrate][adopt]") {
    test::TestDatabase db;
    test::TempDir dir;
    const std::string view = "CREATE OR REPLACE VIEW v AS SELECT 1 AS one;\n";
    add(dir, "V1__init.sql", "CREATE TABLE a (id int);\n");
    add(dir, "V1.1__add_b.sql", "CREATE TABLE b (id int);\n");
    add(dir, "U1.1__add_b.sql", "DROP TABLE b;\n");
    add(dir, "V1.10__add_c.sql", "CREATE TABLE c (id int);\n");
    add(dir, "U1.10__add_c.sql", "DROP TABLE c;\n");
    add(dir, "V1.2__add_d.sql", "CREATE TABLE d (id int);\n");
    add(dir, "R__view.sql", view);
    // flyway_schema_history as Flyway 9 creates it, after V1, V1.1 and R__view ran.
    db.exec(R"(CREATE TABLE "public"."flyway_schema_history" (
                 "installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL,
                 "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER,
                 "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
                 "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL);
               ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk"
                 PRIMARY KEY ("installed_rank");
               CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
               CREATE TABLE a (id int); CREATE TABLE b (id int); )" +
            view);
    db.exec("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
            "installed_by, execution_time, success) VALUES "
            "(1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'postgres', 5, true),"
            "(2, '1.1', 'add b', 'SQL', 'V1.1__add_b.sql', 2, 'postgres', 5, true),"
            "(3, NULL, 'view', 'SQL', 'R__view.sql', " +
            std::to_string(m::flyway_checksum(view)) + ", 'postgres', 5, true)");

    SECTION("a failed row is refused") {
        db.exec("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
                "installed_by, execution_time, success) VALUES (4, '1.2', 'add d', 'SQL', 'V1.2__add_d.sql', 3, "
                "'postgres', 5, false)");
        CHECK(test::exit_of([&] { adopt(db, dir, m::Tool::flyway); }) == Exit::refused);
        CHECK(ledger(db).empty());
    }
    SECTION("adopt, up in numeric order, status, down with the U file") {
        auto report = adopt(db, dir, m::Tool::flyway);
        CHECK(report.adopted == 3);
        CHECK(report.pending == 2);
        CHECK(up(db, dir) == Strings{"1.2", "1.10"});  // the view is unchanged: not re-run
        CHECK(clean(db, dir));
        CHECK(down(db, dir) == Strings{"1.10"});
        CHECK(exists(db, "c") == "f");
        // A changed repeatable is re-run by up.
        add(dir, "R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT 1 AS one, 2 AS two;\n");
        CHECK(up(db, dir) == Strings{"1.10", "R__view"});
        CHECK(db.query_value("SELECT two FROM v") == "2");
        CHECK(clean(db, dir));
    }
}

TEST_CASE("adopt dbmate and prisma - a failed prisma migration is refused", "[integration][migrate][adopt]") {
    SECTION("dbmate") {
        test::TestDatabase db;
        test::TempDir dir;
        add(dir, "20240101000000_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n");
        add(dir, "20240102000000_b.sql", "-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n");
        add(dir, "20240103000000_c.sql", "-- migrate:up\nCREATE TABLE c (id int);\n-- migrate:down\nDROP TABLE c;\n");
        db.exec("CREATE TABLE a (id int); CREATE TABLE b (id int);"
                "CREATE TABLE IF NOT EXISTS public.schema_migrations (version varchar(128) PRIMARY KEY);"
                "INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240102000000');");
        CHECK(adopt(db, dir, m::Tool::dbmate).adopted == 2);
        CHECK(up(db, dir) == Strings{"20240103000000"});
        CHECK(clean(db, dir));
        CHECK(down(db, dir, 2) == Strings{"20240103000000", "20240102000000"});
        CHECK(exists(db, "b") == "f");
    }
    SECTION("supabase, adopted like dbmate from the CLI's own history table") {
        test::TestDatabase db;
        test::TempDir dir;
        add(dir, "20240101000000_add-accounts.sql", "CREATE TABLE accounts (id int);\n");
        add(dir, "20240102000000_add-notes.sql", "CREATE TABLE notes (id int);\n");
        add(dir, "20240103000000_add-tags.sql", "CREATE TABLE tags (id int);\n");
        // The table as the Supabase CLI creates it, with the rows it writes. No layout is
        // configured: the hyphenated names say Supabase, and --from dbmate keeps that.
        db.exec("CREATE TABLE accounts (id int); CREATE TABLE notes (id int);"
                "CREATE SCHEMA supabase_migrations;"
                "CREATE TABLE supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY, "
                "  statements text[], name text);"
                "INSERT INTO supabase_migrations.schema_migrations VALUES "
                "('20240101000000', ARRAY['CREATE TABLE accounts (id int)'], 'add-accounts'),"
                "('20240102000000', ARRAY['CREATE TABLE notes (id int)'], 'add-notes');");
        test::TestContext tc(db, {}, yes());
        m::AdoptOptions o;
        o.sel = sel(dir);
        o.from = m::Tool::dbmate;
        o.history_table = "supabase_migrations.schema_migrations";
        CHECK(m::adopt(tc.ctx(), o).adopted == 2);
        CHECK(m::adopt(tc.ctx(), o).adopted == 0);  // idempotent
        CHECK(up(db, dir) == Strings{"20240103000000"});
        CHECK(exists(db, "tags") == "t");
        CHECK(clean(db, dir));
        // Plain SQL files carry no down section: down refuses and drops nothing.
        CHECK(test::exit_of([&] { down(db, dir); }) == Exit::refused);
        CHECK(exists(db, "tags") == "t");
    }
    SECTION("prisma") {
        test::TestDatabase db;
        test::TempDir dir;
        const std::string init = "-- CreateTable\nCREATE TABLE \"User\" (\"id\" SERIAL NOT NULL, PRIMARY KEY (\"id\"));\n";
        // Prisma writes its own BEGIN/COMMIT around enum changes; adopted files are never re-run.
        const std::string enums = "BEGIN;\nCREATE TYPE \"Role\" AS ENUM ('USER');\nCOMMIT;\n";
        add(dir, "20240101000000_init/migration.sql", init);
        add(dir, "20240102000000_enum/migration.sql", enums);
        add(dir, "20240103000000_post/migration.sql", "CREATE TABLE \"Post\" (\"id\" int);\n");
        add(dir, "migration_lock.toml", "provider = \"postgresql\"\n");
        db.exec(init + enums +
                R"(CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL,
                     "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL,
                     "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
                     "applied_steps_count" INTEGER NOT NULL DEFAULT 0);)");
        db.exec("INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES "
                "('0b0e4bde-0000-4000-8000-000000000001', '" + crypto::sha256_hex(init) +
                "', now(), '20240101000000_init', 1),"
                "('0b0e4bde-0000-4000-8000-000000000002', '" + crypto::sha256_hex(enums) +
                "', now(), '20240102000000_enum', 1)");
        SECTION("failed") {
            db.exec("INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES "
                    "('0b0e4bde-0000-4000-8000-000000000003', 'x', '20240103000000_post', 'error')");
            CHECK(test::exit_of([&] { adopt(db, dir, m::Tool::prisma); }) == Exit::refused);
            CHECK(ledger(db).empty());
        }
        SECTION("missing file") {
            db.exec("INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES "
                    "('0b0e4bde-0000-4000-8000-000000000004', 'x', now(), '20231231000000_gone')");
            CHECK(test::exit_of([&] { adopt(db, dir, m::Tool::prisma); }) == Exit::refused);
            CHECK(ledger(db).empty());
        }
        SECTION("adopt, up, status; no down files") {
            CHECK(adopt(db, dir, m::Tool::prisma).adopted == 2);
            CHECK(up(db, dir) == Strings{"20240103000000"});
            CHECK(clean(db, dir));
            CHECK(test::exit_of([&] { down(db, dir); }) == Exit::refused);
        }
    }
}

TEST_CASE("transaction control: refused before anything runs unless no-transaction, then blocks resume whole",
          "[integration][migrate][txcontrol]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n");
    add(dir, "20240102000000_enum.sql",
        "-- migrate:up\nCREATE TYPE mood AS ENUM ('ok');\nCOMMIT;\nCREATE TABLE broken (x nosuchtype);\n");
    try {
        up(db, dir);
        FAIL("not refused");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::usage);
        CHECK(std::string(e.what()).find("20240102000000_enum.sql:3:1: 'COMMIT'") != std::string::npos);
    }
    CHECK(exists(db, "a") == "f");  // not even the earlier file ran
    CHECK(ledger(db).empty());

    // Marked no-transaction: the BEGIN ... COMMIT block commits with its progress.
    add(dir, "20240102000000_enum.sql",
        "-- tenantctl:no-transaction\n-- migrate:up\nBEGIN;\nCREATE TABLE log (n int);\nINSERT INTO log VALUES (1);\n"
        "COMMIT;\nCREATE INDEX CONCURRENTLY log_n ON log (n);\nCREATE TABLE later (x needed_type);\n");
    CHECK(test::exit_of([&] { up(db, dir); }) == Exit::runtime);
    CHECK(db.query_value("SELECT state || ':' || statements_done FROM tenantctl.schema_migrations "
                         "WHERE version = '20240102000000'") == "failed:5");
    CHECK(db.query_value("SELECT count(*) FROM log") == "1");
    db.exec("CREATE DOMAIN needed_type AS int");
    CHECK(up(db, dir) == Strings{"20240102000000"});
    CHECK(db.query_value("SELECT count(*) FROM log") == "1");  // the block did not run twice
    CHECK(exists(db, "later") == "t");

    // Killed inside a block (its transaction never committed): the resume re-runs the block whole.
    test::TempDir dir2;
    add(dir2, "20240101000000_b.sql",
        "-- tenantctl:no-transaction\n-- migrate:up\nBEGIN;\nCREATE TABLE t2 (n int);\nINSERT INTO t2 VALUES (1);\n"
        "COMMIT;\nINSERT INTO t2 VALUES (2);\n");
    test::TestDatabase db2;
    // what a kill after BEGIN leaves: the ledger row 'running' at statement 0, nothing of the block
    db2.exec("INSERT INTO tenantctl.schema_migrations (target, version, name, checksum, state, statements_done, "
             "statements_total, actor, run_id) VALUES ('shared', '20240101000000', 'b', '" +
             crypto::sha256_hex(test::read_file(dir2 / "20240101000000_b.sql")) + "', 'running', 0, 5, 't', 'r')");
    CHECK(up(db2, dir2) == Strings{"20240101000000"});
    CHECK(db2.query_value("SELECT string_agg(n::text, ',' ORDER BY n) FROM t2") == "1,2");
}

TEST_CASE("resuming at a DROP INDEX CONCURRENTLY whose index is already gone", "[integration][migrate][resume]") {
    test::TestDatabase db;
    test::TempDir dir;
    add(dir, "20240101000000_drop.sql",
        "-- tenantctl:no-transaction\n-- migrate:up\nDROP INDEX CONCURRENTLY items_name;\n"
        "CREATE INDEX CONCURRENTLY items_name2 ON items (name);\n");
    // The interrupted run dropped the index and was killed before recording its progress.
    db.exec("CREATE TABLE items (name text)");
    db.exec("INSERT INTO tenantctl.schema_migrations (target, version, name, checksum, state, statements_done, "
            "statements_total, actor, run_id) VALUES ('shared', '20240101000000', 'drop', '" +
            crypto::sha256_hex(test::read_file(dir / "20240101000000_drop.sql")) + "', 'running', 0, 2, 't', 'r')");
    test::TestContext tc(db);
    m::UpOptions o;
    o.sel = sel(dir);
    auto report = m::up(tc.ctx(), o);
    REQUIRE(report.shared.size() == 1);
    CHECK(report.shared[0].action == "resumed");
    CHECK(exists(db, "items_name2") == "t");
    CHECK(ledger(db) == "20240101000000:applied");
}
