// Other tools' layouts, version ordering, transaction control, bytes a migration may not hold,
// non-regular files, and the schema-aware / cross-file lint rules.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/migrate/adopt.hpp"
#include "core/migrate/lint.hpp"
#include "core/migrate/plan.hpp"
#include "core/migrate/scaffold.hpp"

using namespace tenantctl;
using namespace tenantctl::migrate;
namespace fs = std::filesystem;

namespace {

struct Dir {
    fs::path path;
    Dir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("tenantctl-layout-test-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~Dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path write(const std::string& name, const std::string& content) const {
        fs::path p = path / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }
};

std::vector<std::string> versions(const std::vector<MigrationFile>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(f.version);
    return out;
}

std::vector<std::string> planned(const Plan& p) {
    std::vector<std::string> out;
    for (const auto& m : p.migrations) out.push_back(m.file.version);
    return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("migrate layouts: versions order numerically, as the tools order them", "[migrate][layout]") {
    CHECK(compare_versions("1.9", "1.10") < 0);
    CHECK(compare_versions("1.10", "2") < 0);
    CHECK(compare_versions("1_1", "1.1") == 0);
    CHECK(compare_versions("000002", "1") > 0);
    CHECK(compare_versions("1", "1.0.1") < 0);
    CHECK(compare_versions("20240101000000", "20240102000000") < 0);
    CHECK(compare_versions("999", "R__views") < 0);  // repeatables after every version
}

TEST_CASE("migrate layouts: golang-migrate up/down pairs", "[migrate][layout]") {
    Dir d;
    d.write("000001_init.up.sql", "CREATE TABLE a (id int);\n");
    d.write("000001_init.down.sql", "DROP TABLE a;\n");
    d.write("000002_add-b.up.sql", "CREATE TABLE b (id int);\n");
    d.write("000010_later.up.sql", "CREATE TABLE c (id int);\n");
    CHECK(detect_layout(d.path) == Layout::golang_migrate);
    auto files = load_directory(d.path);
    CHECK(versions(files) == Strings{"000001", "000002", "000010"});
    CHECK(files[0].name == "init");
    CHECK(files[0].has_down);
    CHECK(files[0].down_sql == "DROP TABLE a;\n");
    CHECK(files[0].down_path == (d.path / "000001_init.down.sql").string());
    CHECK(files[1].name == "add-b");
    CHECK_FALSE(files[1].has_down);

    d.write("000003_orphan.down.sql", "SELECT 1;\n");
    CHECK_THROWS_WITH(load_directory(d.path), Catch::Contains("down file without its up file (version 000003)"));
}

TEST_CASE("migrate layouts: Flyway V, U and R files with dotted versions", "[migrate][layout]") {
    Dir d;
    d.write("V1__init.sql", "CREATE TABLE a (id int);\n");
    d.write("V1.1__add_b.sql", "CREATE TABLE b (id int);\n");
    d.write("V1_10__add_c.sql", "CREATE TABLE c (id int);\n");
    d.write("V1.2__add_d.sql", "CREATE TABLE d (id int);\n");
    d.write("U1.1__add_b.sql", "DROP TABLE b;\n");
    d.write("U1.2__add_d.sql", "DROP TABLE d;\n");
    d.write("R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;\n");
    CHECK(detect_layout(d.path) == Layout::flyway);
    auto files = load_directory(d.path);
    CHECK(versions(files) == Strings{"1", "1.1", "1.2", "1.10", "R__views"});
    CHECK(files[1].has_down);
    CHECK(files[4].repeatable);

    // A repeatable runs after the versioned files, again whenever its checksum changes.
    std::vector<AppliedMigration> applied{{"1", "init", files[0].checksum}, {"1.1", "add_b", files[1].checksum},
                                          {"1.2", "add_d", files[2].checksum}, {"1.10", "add_c", files[3].checksum},
                                          {"R__views", "views", files[4].checksum}};
    CHECK(plan_up(files, applied, std::nullopt, false).empty());
    applied[4].checksum = "old";
    CHECK(planned(plan_up(files, applied, std::nullopt, false)) == Strings{"R__views"});
    CHECK(verify(files, applied).empty());  // a changed repeatable is pending, not drift
    applied.pop_back();
    applied.pop_back();
    CHECK(planned(plan_up(files, applied, std::nullopt, false)) == Strings{"1.10", "R__views"});
    CHECK(planned(plan_down(files, applied, DownTarget{std::nullopt, 1})) == Strings{"1.2"});
    CHECK(planned(plan_down(files, applied, DownTarget{"1", 1})) == Strings{"1.2", "1.1"});
    CHECK_THROWS_WITH(plan_down(files, applied, DownTarget{std::nullopt, 3}), Catch::Contains("has no down section"));
}

TEST_CASE("migrate layouts: Supabase hyphens, Prisma directories, dbmate digits", "[migrate][layout]") {
    Dir supa;
    supa.write("20240101000000_add-accounts.sql", "CREATE TABLE accounts (id int);\n");
    supa.write("20240102000000_add_notes.sql", "-- tenantctl:no-transaction\nCREATE INDEX CONCURRENTLY i ON accounts (id);\n");
    CHECK(detect_layout(supa.path) == Layout::supabase);
    auto s = load_directory(supa.path);
    CHECK(s[0].name == "add-accounts");
    CHECK(s[1].no_transaction);

    Dir prisma;
    prisma.write("20240101000000_init/migration.sql", "-- CreateTable\nCREATE TABLE \"User\" (id int);\n");
    prisma.write("20240201000000_add_post/migration.sql", "CREATE TABLE \"Post\" (id int);\n");
    prisma.write("migration_lock.toml", "provider = \"postgresql\"\n");
    CHECK(detect_layout(prisma.path) == Layout::prisma);
    auto p = load_directory(prisma.path);
    REQUIRE(p.size() == 2);
    CHECK(p[0].id() == "20240101000000_init");
    CHECK(p[0].up_first_line == 1);

    Dir dbmate;
    dbmate.write("20151129054053_test_migration.sql", "-- migrate:up\nCREATE TABLE x (id int);\n-- migrate:down\nDROP TABLE x;\n");
    dbmate.write("1_short.sql", "-- migrate:up\nSELECT 1;\n");
    CHECK(detect_layout(dbmate.path) == Layout::tenantctl);  // never guessed: 1_short.sql may be a typo
    CHECK_THROWS_AS(load_directory(dbmate.path), SourceError);
    CHECK(versions(load_directory(dbmate.path, Layout::dbmate)) == Strings{"1", "20151129054053"});

    // A plain-SQL layout has no sections.
    Dir bad;
    bad.write("000001_x.up.sql", "SELECT 1;\n-- migrate:down\nSELECT 2;\n");
    CHECK_THROWS_WITH(load_directory(bad.path), Catch::Contains("000001_x.up.sql:2:1: section marker in a plain SQL"));
}

TEST_CASE("migrate layouts: migrate new writes the layout", "[migrate][layout]") {
    const auto now = std::chrono::sys_days{std::chrono::year{2024} / 3 / 1} + std::chrono::hours{12};
    auto go = scaffold_files(Layout::golang_migrate, "m", "Add users", now, Scope::shared, {"000001", "000002"});
    REQUIRE(go.size() == 2);
    CHECK(go[0].path == fs::path("m/000003_add_users.up.sql"));
    CHECK(go[1].path == fs::path("m/000003_add_users.down.sql"));
    auto fw = scaffold_files(Layout::flyway, "m", "add users", now, Scope::shared, {"1", "1.1", "2.5", "R__v"});
    CHECK(fw.at(0).path == fs::path("m/V3__add_users.sql"));
    CHECK(scaffold_files(Layout::prisma, "m", "init", now, Scope::shared, {}).at(0).path ==
          fs::path("m/20240301120000_init/migration.sql"));
    CHECK(scaffold_files(Layout::supabase, "m", "init", now, Scope::tenant, {}).at(0).content.find(
              "-- tenantctl:scope=tenant") != std::string::npos);
    // An untouched plain scaffold does not load.
    Dir d;
    d.write("V1__x.sql", fw[0].content);
    CHECK_THROWS_WITH(load_directory(d.path), Catch::Contains("empty migration"));
}

TEST_CASE("migrate layouts: transaction control is refused before anything runs", "[migrate][txcontrol]") {
    auto file = parse_migration("-- migrate:up\nCREATE TYPE mood AS ENUM ('a');\nBEGIN;\nALTER TYPE mood ADD VALUE 'b';\n"
                                "COMMIT;\n",
                                "migrations/20240101000000_enum.sql");
    REQUIRE(file.up_tx_control);
    CHECK(file.up_tx_control->line == 3);
    try {
        plan_up({file}, {}, std::nullopt, false);
        FAIL("not refused");
    } catch (const SourceError& e) {
        CHECK(e.code() == Exit::usage);
        CHECK(std::string(e.what()).rfind("migrations/20240101000000_enum.sql:3:1: 'BEGIN' in a migration", 0) == 0);
    }
    // Inside function and DO bodies BEGIN/COMMIT are not transaction control.
    auto body = parse_migration("-- migrate:up\nDO $$ BEGIN PERFORM 1; COMMIT; END $$;\n"
                                "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $f$ BEGIN RETURN 1; END $f$;\n",
                                "migrations/20240101000000_do.sql");
    CHECK_FALSE(body.up_tx_control);
    CHECK(plan_up({body}, {}, std::nullopt, false).migrations.size() == 1);

    // Marked no-transaction: allowed, as blocks.
    auto notx = parse_migration("-- tenantctl:no-transaction\n-- migrate:up\nBEGIN;\nCREATE TABLE a ();\nSAVEPOINT s;\n"
                                "ROLLBACK TO SAVEPOINT s;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON a ((1));\n",
                                "migrations/20240101000000_notx.sql");
    CHECK(plan_up({notx}, {}, std::nullopt, false).migrations.size() == 1);
    CHECK(transaction_blocks(notx) == std::map<std::size_t, std::size_t>{{0, 4}});
    auto open = parse_migration("-- tenantctl:no-transaction\n-- migrate:up\nSELECT 1;\nBEGIN;\nSELECT 2;\n",
                                "migrations/20240101000000_open.sql");
    CHECK_THROWS_WITH(plan_up({open}, {}, std::nullopt, false),
                      Catch::Contains("20240101000000_open.sql:4:1: transaction block is never closed"));
    // A down section with its own COMMIT is refused when reverting.
    auto down = parse_migration("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\nCOMMIT;\n",
                                "migrations/20240101000000_down.sql");
    CHECK_THROWS_WITH(plan_down({down}, {{"20240101000000", "down", down.checksum}}, DownTarget{}),
                      Catch::Contains("20240101000000_down.sql:5:1: 'COMMIT'"));
}

TEST_CASE("migrate layouts: NUL bytes and invalid UTF-8 are refused with file:line:col", "[migrate][bytes]") {
    const std::string path = "migrations/20240101000000_x.sql";
    try {
        parse_migration(std::string("-- migrate:up\nSELECT 'a\0b';\n", 27), path);
        FAIL("NUL accepted");
    } catch (const SourceError& e) {
        CHECK(std::string(e.what()) == path + ":2:10: NUL byte in a migration file");
    }
    try {
        parse_migration("-- migrate:up\nSELECT 'caf\xC3\xA9', '\xE9t\xE9';\n", path);
        FAIL("invalid UTF-8 accepted");
    } catch (const SourceError& e) {
        CHECK(std::string(e.what()) == path + ":2:17: invalid UTF-8 in a migration file");
    }
    CHECK_THROWS_AS(parse_migration("-- migrate:up\nSELECT '\xC0\xAF';\n", path), SourceError);    // overlong
    CHECK_THROWS_AS(parse_migration("-- migrate:up\nSELECT '\xED\xA0\x80';\n", path), SourceError);  // surrogate
    CHECK_NOTHROW(parse_migration("-- migrate:up\nSELECT '\xF0\x9F\x98\x80';\n", path));
    // lint reports it as a parse error rather than passing the file
    Dir d;
    d.write("20240101000000_x.sql", std::string("-- migrate:up\nSELECT 1;\0\n", 25));
    auto findings = lint_files({d.path});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].rule == "parse-error");
    CHECK(findings[0].line == 2);
}

TEST_CASE("migrate layouts: a FIFO in the migrations directory is refused, never read", "[migrate][fifo]") {
    Dir d;
    d.write("20240101000000_a.sql", "-- migrate:up\nSELECT 1;\n");
    const fs::path fifo = d.path / "20240102000000_b.sql";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THROWS_WITH(load_directory(d.path), Catch::Contains("20240102000000_b.sql: not a regular file"));
    auto findings = lint_files({d.path});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].message.find("not a regular file") == 0);
}

TEST_CASE("migrate lint: names resolve with their schema and search_path", "[migrate][lint][schema]") {
    Dir d;
    // app.notes is protected; public.notes is not, and must still be flagged.
    d.write("20240101000000_notes.sql",
            "-- migrate:up\nCREATE TABLE app.notes (id int, tenant_id uuid);\nCREATE TABLE notes (id int, tenant_id uuid);\n"
            "ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;\nALTER TABLE app.notes FORCE ROW LEVEL SECURITY;\n"
            "CREATE POLICY p ON app.notes USING (true);\n");
    auto f = lint_files({d.path});
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "rls-missing");
    CHECK(f[0].line == 3);
    CHECK(f[0].message.find("table public.notes") == 0);

    // SET search_path in the file decides where unqualified names live.
    Dir s;
    s.write("20240101000000_sp.sql",
            "-- migrate:up\nSET search_path TO \"$user\", app, public;\nCREATE TABLE notes (id int, tenant_id uuid);\n"
            "ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;\nALTER TABLE app.notes FORCE ROW LEVEL SECURITY;\n"
            "CREATE POLICY p ON app.notes USING (true);\n");
    CHECK(lint_files({s.path}).empty());
}

TEST_CASE("migrate lint: RLS in a later file counts and names that file", "[migrate][lint][schema]") {
    Dir d;
    d.write("20240101000000_create.sql", "-- migrate:up\nCREATE TABLE orders (id int PRIMARY KEY, tenant_id uuid);\n");
    auto later = d.write("20240102000000_rls.sql",
                         "-- migrate:up\nALTER TABLE orders ENABLE ROW LEVEL SECURITY;\n"
                         "ALTER TABLE orders FORCE ROW LEVEL SECURITY;\nCREATE POLICY p ON orders USING (true);\n");
    auto f = lint_files({d.path});
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == "note");
    CHECK(f[0].message.find(later.string()) != std::string::npos);
    CHECK_FALSE(has_errors(f));

    // An earlier file does not count; a partial later file is named in the error.
    Dir e;
    e.write("20240101000000_rls.sql", "-- migrate:up\nALTER TABLE public.orders FORCE ROW LEVEL SECURITY;\n");
    e.write("20240102000000_create.sql", "-- migrate:up\nCREATE TABLE orders (id int, tenant_id uuid);\n");
    auto part = e.write("20240103000000_enable.sql", "-- migrate:up\nALTER TABLE orders ENABLE ROW LEVEL SECURITY;\n");
    auto g = lint_files({e.path});
    REQUIRE(g.size() == 1);
    CHECK(g[0].severity == "error");
    CHECK(g[0].message.find("FORCE ROW LEVEL SECURITY") != std::string::npos);
    CHECK(g[0].message.find("(the rest is in " + part.string() + ")") != std::string::npos);

    // --changed-since: only the chosen files are reported, the others still count.
    LintOptions only;
    only.only = std::set<fs::path>{fs::weakly_canonical(d.path / "20240102000000_rls.sql")};
    CHECK(lint_files({d.path}, only).empty());
}

TEST_CASE("migrate lint: foreign keys without an index on the referencing columns", "[migrate][lint][fk]") {
    Dir d;
    d.write("20240101000000_fk.sql",
            "-- migrate:up\nCREATE TABLE parent (id int PRIMARY KEY);\n"
            "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id), other_id int,\n"
            "  third_id int, FOREIGN KEY (other_id, third_id) REFERENCES parent2 (a, b));\n"
            "CREATE TABLE kid (parent_id int NOT NULL REFERENCES parent, PRIMARY KEY (parent_id, id), id int);\n");
    auto f = lint_files({d.path});
    std::vector<std::string> messages;
    for (const auto& x : f) {
        CHECK(x.rule == "fk-without-index");
        CHECK(x.severity == "warning");
        messages.push_back(x.message.substr(0, x.message.find(')') + 1));
    }
    CHECK(messages == Strings{"foreign key public.child (parent_id)", "foreign key public.child (other_id, third_id)"});
    // An index in a later file covers it (leading columns, any order).
    d.write("20240102000000_idx.sql",
            "-- tenantctl:no-transaction\n-- migrate:up\nCREATE INDEX CONCURRENTLY a ON child (parent_id);\n"
            "CREATE INDEX CONCURRENTLY b ON child (third_id, other_id, id);\n");
    CHECK(lint_files({d.path}).empty());
    // ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY on an existing table
    Dir e;
    e.write("20240101000000_x.sql",
            "-- migrate:up\nALTER TABLE app.invoices ADD CONSTRAINT f FOREIGN KEY (user_id) REFERENCES users NOT VALID;\n");
    auto g = lint_files({e.path});
    REQUIRE(g.size() == 1);
    CHECK(g[0].rule == "fk-without-index");
    CHECK(g[0].message.find("app.invoices (user_id)") != std::string::npos);
}

TEST_CASE("migrate adopt: Flyway's checksum is CRC32 over lines without terminators", "[migrate][adopt]") {
    // CRC32("abc") = 0x352441C2; line terminators and a BOM do not count.
    CHECK(flyway_checksum("abc") == 0x352441C2);
    CHECK(flyway_checksum("abc\n") == 0x352441C2);
    CHECK(flyway_checksum("\xEF\xBB\xBF" "ab\r\nc") == flyway_checksum("ab\nc"));
    CHECK(flyway_checksum("ab\nc") == flyway_checksum("abc"));
    CHECK(parse_tool("golang-migrate") == Tool::golang_migrate);
    CHECK_THROWS_AS(parse_tool("liquibase"), UsageError);
}
