#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "core/crypto/hash.hpp"
#include "core/migrate/file.hpp"
#include "core/migrate/scaffold.hpp"

using namespace tenantctl;
using namespace tenantctl::migrate;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kName = "20240101120000_add_things.sql";

MigrationFile parse(const std::string& content, const std::string& file_name = kName) {
    return parse_migration(content, fs::path("migrations") / file_name);
}

SourceError parse_error(const std::string& content, const std::string& file_name = kName) {
    try {
        parse(content, file_name);
    } catch (const SourceError& e) {
        return e;
    }
    FAIL("parse_migration did not throw for:\n" << content);
    throw std::logic_error("unreachable");
}

// A fresh directory under the system temp dir, removed afterwards.
struct TempDir {
    fs::path path;
    TempDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("tenantctl-migrate-test-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path write(const std::string& name, const std::string& content) const {
        fs::path p = path / name;
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }
};

const std::string kSimple = "-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n";

}  // namespace

TEST_CASE("migrate file: a complete file", "[migrate][file]") {
    std::string content =
        "-- Adds things.\n"
        "-- tenantctl:scope=tenant\n"
        "-- tenantctl:no-transaction\n"
        "-- tenantctl:lock-timeout=5s\n"
        "-- tenantctl:statement-timeout=1m\n"
        "\n"
        "-- migrate:up\n"
        "CREATE TABLE t (id int);\n"
        "CREATE INDEX CONCURRENTLY i ON t (id);\n"
        "-- migrate:down\n"
        "DROP TABLE t;\n";
    auto f = parse(content);
    CHECK(f.version == "20240101120000");
    CHECK(f.name == "add_things");
    CHECK(f.id() == "20240101120000_add_things");
    CHECK(f.path == (fs::path("migrations") / kName).string());
    CHECK(f.checksum == crypto::sha256_hex(content));
    CHECK(f.checksum.size() == 64);
    CHECK(f.up_sql == "CREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY i ON t (id);\n");
    CHECK(f.up_first_line == 8);
    CHECK(f.down_sql == "DROP TABLE t;\n");
    CHECK(f.down_first_line == 11);
    CHECK(f.has_down);
    CHECK(f.no_transaction);
    CHECK(f.scope == Scope::tenant);
    REQUIRE(f.lock_timeout);
    CHECK(*f.lock_timeout == 5s);
    REQUIRE(f.statement_timeout);
    CHECK(*f.statement_timeout == 1min);
    CHECK(f.nolint.empty());

    // Statement positions computed from the section map back to the file's lines.
    auto up = split_statements(f.up_sql, f.up_first_line);
    REQUIRE(up.size() == 2);
    CHECK(up[1].line == 9);
}

TEST_CASE("migrate file: defaults and optional down", "[migrate][file]") {
    auto f = parse("-- migrate:up\nSELECT 1;\n");
    CHECK(f.scope == Scope::shared);
    CHECK_FALSE(f.no_transaction);
    CHECK_FALSE(f.lock_timeout);
    CHECK_FALSE(f.statement_timeout);
    CHECK_FALSE(f.has_down);
    CHECK(f.down_sql.empty());
    CHECK(f.up_first_line == 2);

    // A down section with nothing to run counts as absent: down must refuse, not no-op.
    auto empty_down = parse("-- migrate:up\nSELECT 1;\n-- migrate:down\n-- nothing to undo?\n\n");
    CHECK_FALSE(empty_down.has_down);
    CHECK(empty_down.down_first_line == 4);
}

TEST_CASE("migrate file: checksum covers every byte", "[migrate][file]") {
    auto a = parse(kSimple);
    auto b = parse(kSimple + "\n");
    auto c = parse("-- a comment\n" + kSimple);
    CHECK(a.checksum != b.checksum);
    CHECK(a.checksum != c.checksum);
    CHECK(a.checksum == parse(kSimple).checksum);
}

TEST_CASE("migrate file: markers and directives tolerate whitespace, CRLF and a BOM", "[migrate][file]") {
    auto f = parse(
        "\xEF\xBB\xBF-- tenantctl:no-transaction\r\n--tenantctl:  scope = tenant  \r\n"
        "   -- migrate:up \t\r\nSELECT 1;\r\n\t-- migrate:down\r\nSELECT 2;\r\n");
    CHECK(f.no_transaction);
    CHECK(f.scope == Scope::tenant);
    CHECK(f.has_down);
    CHECK(f.up_sql == "SELECT 1;\r\n");
    CHECK(f.up_first_line == 4);
    CHECK(f.down_first_line == 6);
}

TEST_CASE("migrate file: prose comments that mention migrate are plain comments", "[migrate][file]") {
    auto f = parse("-- Migrate: update the users table\n-- migrate:upgrade notes follow\n-- migrate:up\nSELECT 1;\n");
    CHECK(f.up_first_line == 4);
}

TEST_CASE("migrate file: timeouts", "[migrate][file]") {
    CHECK(parse_timeout("500ms") == 500ms);
    CHECK(parse_timeout("30s") == 30s);
    CHECK(parse_timeout("15m") == 15min);
    CHECK(parse_timeout("1h") == 1h);
    CHECK(parse_timeout("0s") == 0ms);  // PostgreSQL: no timeout
    CHECK(parse_timeout("007s") == 7s);
    CHECK(parse_timeout("2147483647ms") == 2147483647ms);
    for (const char* bad : {"", "5", "s", "ms", "5sec", "1.5s", "-1s", "+1s", " 5s", "5s ", "5 s", "5S", "1d", "1m30s",
                            "2147483648ms", "597h", "999999999999999h", "0x10s"}) {
        INFO(bad);
        CHECK_FALSE(parse_timeout(bad));
    }
}

TEST_CASE("migrate file: file names", "[migrate][file]") {
    auto ok = parse_migration_file_name("20240131235959_add_users_2.sql");
    REQUIRE(ok);
    CHECK(ok->version == "20240131235959");
    CHECK(ok->name == "add_users_2");
    CHECK(parse_migration_file_name("20240101000000__leading.sql"));
    for (const char* bad : {"2024010112000_x.sql",
                            "202401011200000_x.sql",
                            "20240101120000-x.sql",
                            "20240101120000_.sql",
                            "20240101120000.sql",
                            "20240101120000_X.sql",
                            "20240101120000_x.SQL",
                            "20240101120000_x.sql.bak",
                            "20240101120000_x-y.sql",
                            "20240101120000_x y.sql",
                            "20240101120000_x.y.sql",
                            "20241301120000_x.sql",
                            "20240001120000_x.sql",
                            "20240100120000_x.sql",
                            "20240132120000_x.sql",
                            "20240101240000_x.sql",
                            "20240101126000_x.sql",
                            "20240101120060_x.sql",
                            "V1__x.sql",
                            ".sql",
                            "2024o101120000_x.sql",
                            "20240101120000_é.sql"}) {
        INFO(bad);
        CHECK_FALSE(parse_migration_file_name(bad));
        auto e = parse_error(kSimple, bad);
        CHECK(e.line() == 0);
        CHECK(std::string(e.what()).find("malformed migration file name, expected <YYYYMMDDHHMMSS>_<name>.sql") !=
              std::string::npos);
        CHECK(std::string(e.what()).find(bad) != std::string::npos);
    }
}

TEST_CASE("migrate file: versions", "[migrate][file]") {
    CHECK(is_valid_version("20240229235959"));
    CHECK(is_valid_version("19991231000000"));
    CHECK_FALSE(is_valid_version("2024022923595"));
    CHECK_FALSE(is_valid_version("202402292359590"));
    CHECK_FALSE(is_valid_version("2024-02-29T235"));
    CHECK_FALSE(is_valid_version(""));
    CHECK_NOTHROW(require_valid_version("20240101000000"));
    CHECK_THROWS_AS(require_valid_version("latest"), UsageError);
    CHECK_NOTHROW(require_valid_version("2024"));  // other layouts: golang-migrate 000001, Flyway 1.2
    CHECK_NOTHROW(require_valid_version("1.2"));
    CHECK_THROWS_WITH(require_valid_version("2024-01"),
                      "invalid migration version '2024-01': expected digits such as 20240131120000 (or 1.2 for Flyway)");
    CHECK_THROWS_AS(require_valid_version("1..2"), UsageError);
}

TEST_CASE("migrate file: header directive errors name path:line:col", "[migrate][file]") {
    const std::string path = (fs::path("migrations") / kName).string();
    auto unknown = parse_error("-- x\n-- tenantctl:no-transactions\n-- migrate:up\nSELECT 1;\n");
    CHECK(unknown.code() == Exit::usage);
    CHECK(std::string(unknown.what()) == path + ":2:14: unknown directive 'tenantctl:no-transactions'");
    CHECK(unknown.hint().find("lock-timeout") != std::string::npos);

    auto scope = parse_error("-- tenantctl:scope=global\n-- migrate:up\nSELECT 1;\n");
    CHECK(std::string(scope.what()) ==
          path + ":1:20: bad value 'global' for tenantctl:scope, expected shared or tenant");

    auto duration = parse_error("  -- tenantctl:lock-timeout = 5 seconds\n-- migrate:up\nSELECT 1;\n");
    CHECK(duration.line() == 1);
    CHECK(duration.col() == 31);
    CHECK(duration.problem() == "bad duration '5 seconds' for tenantctl:lock-timeout");

    CHECK(parse_error("-- tenantctl:statement-timeout=1.5s\n-- migrate:up\nSELECT 1;\n").problem() ==
          "bad duration '1.5s' for tenantctl:statement-timeout");
    CHECK(parse_error("-- tenantctl:no-transaction=true\n-- migrate:up\nSELECT 1;\n").problem() ==
          "directive 'tenantctl:no-transaction' takes no value");
    CHECK(parse_error("-- tenantctl:scope\n-- migrate:up\nSELECT 1;\n").problem() ==
          "directive 'tenantctl:scope' needs a value");
    CHECK(parse_error("-- tenantctl:lock-timeout=\n-- migrate:up\nSELECT 1;\n").problem() ==
          "directive 'tenantctl:lock-timeout' needs a value");
    CHECK(parse_error("-- tenantctl:\n-- migrate:up\nSELECT 1;\n").problem() == "empty tenantctl: directive");

    auto dup = parse_error("-- tenantctl:scope=shared\n\n-- tenantctl:scope=tenant\n-- migrate:up\nSELECT 1;\n");
    CHECK(dup.line() == 3);
    CHECK(dup.problem() == "duplicate directive 'tenantctl:scope' (first at line 1)");
    CHECK(parse_error("-- tenantctl:no-transaction\n-- tenantctl:no-transaction\n-- migrate:up\nSELECT 1;\n").line() ==
          2);
}

TEST_CASE("migrate file: directives outside the header", "[migrate][file]") {
    auto late = parse_error("-- migrate:up\n-- tenantctl:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n");
    CHECK(late.line() == 2);
    CHECK(late.problem() == "directive 'tenantctl:no-transaction' must be in the header");
    CHECK(late.hint() == "move it above '-- migrate:up'");

    auto in_down = parse_error("-- migrate:up\nSELECT 1;\n-- migrate:down\n-- tenantctl:scope=tenant\nSELECT 2;\n");
    CHECK(in_down.line() == 4);

    auto nolint_down =
        parse_error("-- migrate:up\nSELECT 1;\n-- migrate:down\n-- tenantctl:nolint=set-not-null\nSELECT 2;\n");
    CHECK(nolint_down.problem() == "tenantctl:nolint in the down section has no effect");

    // A directive trailing SQL on the same line is not a whole-line comment: it is plain SQL text.
    auto trailing = parse("-- migrate:up\nSELECT 1; -- tenantctl:no-transaction\n");
    CHECK_FALSE(trailing.no_transaction);
}

TEST_CASE("migrate file: nolint in the header and per statement", "[migrate][file]") {
    auto f = parse(
        "-- tenantctl:nolint=set-not-null, column-type-change\n"
        "-- tenantctl:nolint=fk-not-valid\n"
        "-- migrate:up\n"
        "SELECT 1;\n"
        "-- tenantctl:nolint=index-not-concurrent\n"
        "-- an ordinary comment in between\n"
        "CREATE INDEX i ON t (x); SELECT 'same line';\n"
        "-- tenantctl:nolint=volatile-default,rls-missing\n"
        "-- tenantctl:nolint=index-not-concurrent\n"
        "SELECT\n"
        "  3;\n");
    CHECK(f.nolint == std::set<std::string>{"column-type-change", "fk-not-valid", "set-not-null"});
    REQUIRE(f.statement_nolint.size() == 2);
    CHECK(f.statement_nolint.at(1) == std::set<std::string>{"index-not-concurrent"});
    CHECK(f.statement_nolint.at(3) == std::set<std::string>{"index-not-concurrent", "rls-missing", "volatile-default"});
}

TEST_CASE("migrate file: nolint errors", "[migrate][file]") {
    auto unknown = parse_error("-- tenantctl:nolint=set-not-nul\n-- migrate:up\nSELECT 1;\n");
    CHECK(unknown.problem() == "unknown lint rule 'set-not-nul' in tenantctl:nolint");
    CHECK(unknown.hint().find("set-not-null") != std::string::npos);
    CHECK(parse_error("-- tenantctl:nolint=parse-error\n-- migrate:up\nSELECT 1;\n").problem() ==
          "unknown lint rule 'parse-error' in tenantctl:nolint");
    CHECK(parse_error("-- tenantctl:nolint=set-not-null,,fk-not-valid\n-- migrate:up\nSELECT 1;\n").problem() ==
          "empty rule name in tenantctl:nolint");
    CHECK(parse_error("-- tenantctl:nolint=\n-- migrate:up\nSELECT 1;\n").problem() ==
          "directive 'tenantctl:nolint' needs a value");
    auto dangling =
        parse_error("-- migrate:up\nSELECT 1;\n-- tenantctl:nolint=set-not-null\n-- migrate:down\nSELECT 2;\n");
    CHECK(dangling.line() == 3);
    CHECK(dangling.problem() == "tenantctl:nolint is not followed by a statement");
}

TEST_CASE("migrate file: section errors", "[migrate][file]") {
    const std::string path = (fs::path("migrations") / kName).string();

    auto missing = parse_error("CREATE TABLE t (id int);\n");
    CHECK(missing.line() == 1);
    CHECK(missing.problem() == "SQL before '-- migrate:up'");

    auto no_up = parse_error("-- just a comment\n\n");
    CHECK(std::string(no_up.what()) == path + ": missing '-- migrate:up' section");
    CHECK(no_up.line() == 0);
    CHECK(parse_error("").problem() == "missing '-- migrate:up' section");

    auto empty = parse_error("-- migrate:up\n-- TODO\n\n-- migrate:down\nDROP TABLE t;\n");
    CHECK(std::string(empty.what()) == path + ":1:1: empty up section: no SQL statement after '-- migrate:up'");
    CHECK(parse_error("-- migrate:up").problem() == "empty up section: no SQL statement after '-- migrate:up'");
    CHECK(parse_error("-- migrate:up\n;;\n").problem() == "empty up section: no SQL statement after '-- migrate:up'");

    auto down_first = parse_error("-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t ();\n");
    CHECK(std::string(down_first.what()) == path + ":1:1: '-- migrate:down' before '-- migrate:up'");

    auto dup_up = parse_error("-- migrate:up\nSELECT 1;\n  -- migrate:up\nSELECT 2;\n");
    CHECK(std::string(dup_up.what()) == path + ":3:3: duplicate '-- migrate:up' (first at line 1)");
    auto up_after_down =
        parse_error("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:up\nSELECT 3;\n");
    CHECK(up_after_down.line() == 5);
    auto dup_down = parse_error("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nSELECT 3;\n");
    CHECK(dup_down.problem() == "duplicate '-- migrate:down' (first at line 3)");

    auto block = parse_error("/* header */\n-- migrate:up\nSELECT 1;\n");
    CHECK(block.problem() == "block comment before '-- migrate:up'");
}

TEST_CASE("migrate file: near-miss markers are errors, never comments", "[migrate][file]") {
    for (const char* marker : {"--migrate:up", "-- migrate:UP", "-- migrate: up", "-- migrate:up transaction:false",
                               "--  migrate:down", "-- Migrate:Down", "-- migrate:down;", "-- +goose Up",
                               "-- +goose Down", "-- +migrate Up", "-- +migrate Down notransaction"}) {
        INFO(marker);
        auto e = parse_error(std::string("-- migrate:up\nSELECT 1;\n") + marker + "\nDROP TABLE t;\n");
        CHECK(e.line() == 3);
        CHECK(e.problem() == "malformed section marker '" + std::string(marker) + "'");
    }
    // In the header too.
    CHECK(parse_error("--migrate:up\nSELECT 1;\n").line() == 1);
}

TEST_CASE("migrate file: an unclosed quote never merges the down section into up", "[migrate][file]") {
    const std::string path = (fs::path("migrations") / kName).string();
    auto e =
        parse_error("-- migrate:up\nINSERT INTO t VALUES ('it's');\n-- migrate:down\nDELETE FROM t WHERE x = 'a';\n");
    CHECK(std::string(e.what()) == path + ":2:28: unterminated quoted string");
    auto in_down = parse_error("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT $$;\n");
    CHECK(in_down.line() == 4);
    CHECK(in_down.col() == 8);
}

TEST_CASE("migrate file: load_migration reads bytes exactly", "[migrate][file]") {
    TempDir dir;
    std::string content = "-- migrate:up\r\nSELECT 1;\r\n";
    auto p = dir.write(kName, content);
    auto f = load_migration(p);
    CHECK(f.checksum == crypto::sha256_hex(content));
    CHECK(f.path == p.string());

    auto missing = dir.path / "20240101120001_nope.sql";
    CHECK_THROWS_WITH(load_migration(missing), missing.string() + ": no such file");
    fs::create_directory(dir.path / "20240101120002_dir.sql");
    CHECK_THROWS_AS(load_migration(dir.path / "20240101120002_dir.sql"), SourceError);
}

TEST_CASE("migrate file: load_directory sorts by version and skips dotfiles, READMEs, subdirectories",
          "[migrate][file]") {
    TempDir dir;
    dir.write("20240301000000_third.sql", kSimple);
    dir.write("20240101000000_first.sql", kSimple);
    dir.write("20240201000000_second.sql", kSimple);
    dir.write("README.md", "# migrations\n");
    dir.write("readme", "notes\n");
    dir.write(".gitkeep", "");
    dir.write(".20240101000000_first.sql.swp", "binary");
    fs::create_directory(dir.path / "archive");
    dir.write("archive/old.sql", "whatever");

    auto files = load_directory(dir.path);
    REQUIRE(files.size() == 3);
    CHECK(files[0].name == "first");
    CHECK(files[1].name == "second");
    CHECK(files[2].name == "third");
    CHECK(files[2].path == (dir.path / "20240301000000_third.sql").string());

    TempDir empty;
    CHECK(load_directory(empty.path).empty());
}

TEST_CASE("migrate file: load_directory errors", "[migrate][file]") {
    TempDir dir;
    auto nowhere = dir.path / "nope";
    CHECK_THROWS_WITH(load_directory(nowhere), "migrations directory '" + nowhere.string() + "' does not exist");
    auto file = dir.write("plain.txt", "x");
    CHECK_THROWS_AS(load_directory(file), UsageError);

    SECTION("misnamed files are listed, never skipped") {
        TempDir m;
        m.write("20240101000000_ok.sql", kSimple);
        m.write("2024010100000_short.sql", kSimple);
        m.write("notes.txt", "x");
        try {
            load_directory(m.path);
            FAIL("expected an error");
        } catch (const SourceError& e) {
            CHECK(e.file() == (m.path / "2024010100000_short.sql").string());
            CHECK(e.problem() ==
                  "not a migration file name, expected <YYYYMMDDHHMMSS>_<name>.sql with name matching [a-z0-9_]+ "
                  "(and 1 more)");
            CHECK(e.details() == std::vector<std::string>{(m.path / "2024010100000_short.sql").string(),
                                                          (m.path / "notes.txt").string()});
        }
    }

    SECTION("duplicate versions name both files") {
        TempDir d;
        d.write("20240101000000_a.sql", kSimple);
        d.write("20240101000000_b.sql", kSimple);
        CHECK_THROWS_WITH(load_directory(d.path),
                          "duplicate migration version 20240101000000: " + (d.path / "20240101000000_a.sql").string() +
                              " and " + (d.path / "20240101000000_b.sql").string());
    }

    SECTION("a bad file stops the load with its position") {
        TempDir d;
        d.write("20240101000000_a.sql", kSimple);
        d.write("20240102000000_b.sql", "-- migrate:up\nSELECT 'oops;\n");
        CHECK_THROWS_WITH(load_directory(d.path),
                          (d.path / "20240102000000_b.sql").string() + ":2:8: unterminated quoted string");
    }
}

TEST_CASE("migrate scaffold: names", "[migrate][scaffold]") {
    CHECK(normalize_migration_name("add_users") == "add_users");
    CHECK(normalize_migration_name("Add users-Table 2") == "add_users_table_2");
    CHECK(normalize_migration_name("  trim me\t") == "trim_me");
    CHECK(normalize_migration_name(std::string(200, 'a')) == std::string(200, 'a'));
    for (const char* bad :
         {"", "   ", "a.b", "../etc/passwd", "a/b", "café", "x;y", "semi:colon", "tab\tinside", "émoji"}) {
        INFO(bad);
        CHECK_THROWS_AS(normalize_migration_name(bad), UsageError);
    }
    CHECK_THROWS_WITH(normalize_migration_name(std::string(201, 'a')),
                      "migration name is too long (201 characters, at most 200)");
}

TEST_CASE("migrate scaffold: file name uses the UTC timestamp", "[migrate][scaffold]") {
    using namespace std::chrono;
    sys_days day = year{2024} / February / 29;
    system_clock::time_point t = day + 23h + 59min + 58s + 999ms;
    CHECK(migration_version(t) == "20240229235958");
    CHECK(migration_filename("Add Invoices", t) == "20240229235958_add_invoices.sql");
    CHECK(migration_version(system_clock::time_point{}) == "19700101000000");
    CHECK(parse_migration_file_name(migration_filename("x", system_clock::now())));
    CHECK_THROWS_AS(migration_filename("bad/name", t), UsageError);
}

TEST_CASE("migrate scaffold: content parses once the up section has SQL", "[migrate][scaffold]") {
    using namespace std::chrono;
    system_clock::time_point t = sys_days{year{2024} / March / 1} + 12h;
    std::string name = migration_filename("add invoices", t);
    std::string content = scaffold_migration("add invoices", t, Scope::tenant);
    CHECK(content.find("-- migrate:up\n") != std::string::npos);
    CHECK(content.find("-- migrate:down\n") != std::string::npos);
    CHECK(content.find("-- tenantctl:scope=tenant\n") != std::string::npos);

    // Untouched, it cannot be applied by accident.
    CHECK(parse_error(content, name).problem() == "empty up section: no SQL statement after '-- migrate:up'");

    std::string filled = content;
    filled.insert(filled.find("-- migrate:up\n") + 14, "CREATE TABLE invoices (id bigint);\n");
    auto f = parse(filled, name);
    CHECK(f.scope == Scope::tenant);
    CHECK_FALSE(f.no_transaction);  // the commented examples are not directives
    CHECK_FALSE(f.lock_timeout);
    CHECK(f.nolint.empty());
    CHECK_FALSE(f.has_down);

    std::string shared = scaffold_migration("x", t, Scope::shared);
    CHECK(shared.find("-- tenantctl:scope=shared\n") != std::string::npos);
}
