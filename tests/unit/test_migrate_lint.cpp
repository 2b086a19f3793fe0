#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/migrate/lint.hpp"

using namespace tenantctl;
using namespace tenantctl::migrate;
namespace fs = std::filesystem;

namespace {

const std::string kPath = "migrations/20240101120000_change.sql";

// Lints `up` (the up section) under `header` (directives).
std::vector<LintFinding> lint_up(const std::string& up, const std::string& header = "",
                                 const LintOptions& options = {}) {
    return lint(parse_migration(header + "-- migrate:up\n" + up, kPath), options);
}

std::vector<std::string> rules(const std::vector<LintFinding>& findings) {
    std::vector<std::string> out;
    for (const auto& f : findings) out.push_back(f.rule);
    return out;
}

std::vector<std::string> rules_of(const std::string& up, const std::string& header = "",
                                  const LintOptions& options = {}) {
    return rules(lint_up(up, header, options));
}

using Rules = std::vector<std::string>;
const std::string kNoTx = "-- tenantctl:no-transaction\n";
const std::string kRls =
    "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;\n"
    "ALTER TABLE orders FORCE ROW LEVEL SECURITY;\n"
    "CREATE POLICY tenant_isolation ON orders USING (tenant_id = current_setting('app.tenant_id')::uuid);\n";

struct TempDir {
    fs::path path;
    TempDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("tenantctl-lint-test-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path write(const std::string& name, const std::string& content) const {
        std::ofstream(path / name, std::ios::binary) << content;
        return path / name;
    }
};

}  // namespace

TEST_CASE("migrate lint: rule registry", "[migrate][lint]") {
    std::set<std::string_view> ids;
    for (const auto& rule : lint_rules()) {
        CHECK(ids.insert(rule.id).second);
        CHECK((rule.severity == "error" || rule.severity == "warning"));
        CHECK_FALSE(rule.summary.empty());
    }
    CHECK(ids.size() == 11);
    REQUIRE(find_lint_rule("set-not-null"));
    CHECK(find_lint_rule("set-not-null")->severity == "warning");
    CHECK(find_lint_rule("parse-error") == nullptr);
    CHECK(find_lint_rule("") == nullptr);
}

TEST_CASE("migrate lint: a safe migration has no findings", "[migrate][lint]") {
    CHECK(lint_up("CREATE TABLE orders (id bigint PRIMARY KEY, tenant_id uuid NOT NULL, note text);\n"
                  "CREATE INDEX orders_tenant ON orders (tenant_id);\n" +
                  kRls +
                  "ALTER TABLE users ADD COLUMN nickname text;\n"
                  "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';\n"
                  "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();\n"
                  "-- CREATE INDEX in a comment; ALTER TABLE users ALTER COLUMN x TYPE int;\n"
                  "SELECT 'CREATE INDEX i ON users (x)';\n")
              .empty());
}

TEST_CASE("migrate lint: index-not-concurrent", "[migrate][lint]") {
    auto f = lint_up("SELECT 1;\n  CREATE INDEX users_email ON users (email);\n");
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "index-not-concurrent");
    CHECK(f[0].severity == "error");
    CHECK(f[0].file == kPath);
    CHECK(f[0].line == 3);
    CHECK(f[0].col == 3);
    CHECK(f[0].message.find("existing table users") != std::string::npos);

    CHECK(rules_of("create unique index if not exists i on public.\"Users\" using btree (x);") ==
          Rules{"index-not-concurrent"});
    CHECK(rules_of("CREATE INDEX ON users (x);") == Rules{"index-not-concurrent"});  // no index name
    CHECK(rules_of("CREATE INDEX CONCURRENTLY i ON users (x);", kNoTx).empty());
    CHECK(rules_of("CREATE INDEX i ON ONLY events (x);").empty());  // partitioned-table recipe

    // Tables created earlier in the same file are empty: a plain index is right there.
    CHECK(rules_of("CREATE TABLE t (x int);\nCREATE INDEX i ON t (x);").empty());
    CHECK(rules_of("CREATE TABLE IF NOT EXISTS app.t (x int);\nCREATE INDEX i ON app.\"t\" (x);").empty());
    CHECK(rules_of("CREATE UNLOGGED TABLE t (x int);\nCREATE INDEX i ON public.t (x);").empty());
    // Names resolve with their schema: app.t is not public.t (nor the other way round).
    CHECK(rules_of("CREATE TABLE IF NOT EXISTS app.t (x int);\nCREATE INDEX i ON \"t\" (x);") ==
          Rules{"index-not-concurrent"});
    CHECK(rules_of("CREATE UNLOGGED TABLE t (x int);\nCREATE INDEX i ON app.t (x);") == Rules{"index-not-concurrent"});
    CHECK(rules_of("SET search_path = app;\nCREATE TABLE t (x int);\nCREATE INDEX i ON app.t (x);").empty());
    // ... but only earlier, and only the same name ("T" is not t).
    CHECK(rules_of("CREATE INDEX i ON t (x);\nCREATE TABLE t (x int);") == Rules{"index-not-concurrent"});
    CHECK(rules_of("CREATE TABLE \"T\" (x int);\nCREATE INDEX i ON t (x);") == Rules{"index-not-concurrent"});
    CHECK(rules_of("CREATE TABLE a (x int);\nALTER TABLE a RENAME TO b;\nCREATE INDEX i ON b (x);").empty());
}

TEST_CASE("migrate lint: concurrently-in-transaction", "[migrate][lint]") {
    auto f = lint_up("CREATE INDEX CONCURRENTLY i ON users (x);");
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "concurrently-in-transaction");
    CHECK(f[0].col == 14);
    CHECK(rules_of("DROP INDEX CONCURRENTLY IF EXISTS i;") == Rules{"concurrently-in-transaction"});
    CHECK(rules_of("REINDEX INDEX CONCURRENTLY i;") == Rules{"concurrently-in-transaction"});
    CHECK(rules_of("ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;") ==
          Rules{"concurrently-in-transaction"});
    CHECK(rules_of("REFRESH MATERIALIZED VIEW CONCURRENTLY stats;").empty());
    CHECK(rules_of("DROP INDEX CONCURRENTLY i;", kNoTx).empty());
    CHECK(rules_of("SELECT \"concurrently\" FROM t;").empty());
}

TEST_CASE("migrate lint: add-column-not-null-no-default", "[migrate][lint]") {
    auto f = lint_up("ALTER TABLE users ADD COLUMN age int NOT NULL;");
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "add-column-not-null-no-default");
    CHECK(f[0].col == 19);  // the ADD action
    CHECK(f[0].message.find("users.age") != std::string::npos);

    CHECK(rules_of("alter table users add age int not null;") == Rules{"add-column-not-null-no-default"});
    CHECK(rules_of("ALTER TABLE ONLY users ADD COLUMN IF NOT EXISTS age int NOT NULL;") ==
          Rules{"add-column-not-null-no-default"});
    CHECK(rules_of("ALTER TABLE users ADD COLUMN id uuid PRIMARY KEY;") == Rules{"add-column-not-null-no-default"});
    CHECK(rules_of("ALTER TABLE users ADD COLUMN a int, ADD COLUMN b int NOT NULL;") ==
          Rules{"add-column-not-null-no-default"});
    CHECK(rules_of("ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 0;").empty());
    CHECK(rules_of("ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY;").empty());
    CHECK(rules_of("ALTER TABLE users ADD COLUMN a int CHECK (a IS NOT NULL);").empty());
    CHECK(rules_of("ALTER TABLE users ADD COLUMN a int NULL;").empty());
    CHECK(rules_of("CREATE TABLE t (x int);\nALTER TABLE t ADD COLUMN a int NOT NULL;").empty());
}

TEST_CASE("migrate lint: volatile-default", "[migrate][lint]") {
    CHECK(rules_of("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();") == Rules{"volatile-default"});
    CHECK(rules_of("ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT public.gen_random_uuid();") ==
          Rules{"volatile-default"});
    CHECK(rules_of("ALTER TABLE users ADD COLUMN t timestamptz DEFAULT clock_timestamp();") ==
          Rules{"volatile-default"});
    CHECK(rules_of("ALTER TABLE users ADD COLUMN n int DEFAULT nextval('users_n_seq');") == Rules{"volatile-default"});
    CHECK(rules_of("ALTER TABLE users ADD COLUMN r int DEFAULT (random() * 10)::int;") == Rules{"volatile-default"});
    CHECK(rules_of("ALTER TABLE users ADD COLUMN u uuid DEFAULT UUID_GENERATE_V4();") == Rules{"volatile-default"});
    auto serial = lint_up("ALTER TABLE users ADD COLUMN n bigserial;");
    REQUIRE(serial.size() == 1);
    CHECK(serial[0].rule == "volatile-default");
    CHECK(serial[0].message.find("bigserial") != std::string::npos);

    // now() and CURRENT_TIMESTAMP are STABLE: PostgreSQL 11+ stores them once, no rewrite.
    CHECK(rules_of("ALTER TABLE users ADD COLUMN t timestamptz DEFAULT now();").empty());
    CHECK(rules_of("ALTER TABLE users ADD COLUMN t timestamptz DEFAULT CURRENT_TIMESTAMP;").empty());
    CHECK(rules_of("ALTER TABLE users ADD COLUMN s text DEFAULT 'random()';").empty());
    CHECK(rules_of("ALTER TABLE users ADD COLUMN random int DEFAULT 4;").empty());
    CHECK(rules_of("CREATE TABLE t (x int);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();").empty());
    CHECK(rules_of("CREATE TABLE t (id uuid DEFAULT gen_random_uuid());").empty());
}

TEST_CASE("migrate lint: fk-not-valid", "[migrate][lint]") {
    auto f =
        lint_up("ALTER TABLE orders\n  ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);");
    REQUIRE(f.size() == 2);
    CHECK(f[0].rule == "fk-not-valid");
    CHECK(f[1].rule == "fk-without-index");  // no index on orders (user_id) in the file
    CHECK(f[0].line == 3);
    CHECK(f[0].col == 3);
    const std::string index = "CREATE UNIQUE INDEX CONCURRENTLY o_u ON orders (user_id);\n";
    const std::string no_tx = "-- tenantctl:no-transaction\n";
    CHECK(rules_of(index + "ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users;", no_tx) ==
          Rules{"fk-not-valid"});
    CHECK(rules_of(index + "ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id);", no_tx) ==
          Rules{"fk-not-valid"});
    CHECK(rules_of(index + "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n"
                           "ALTER TABLE orders VALIDATE CONSTRAINT fk;",
                   no_tx)
              .empty());
    CHECK(rules_of("ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);").empty());
    CHECK(rules_of("CREATE TABLE t (x int PRIMARY KEY);\nALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (x) REFERENCES u (id);")
              .empty());
}

TEST_CASE("migrate lint: column-type-change and set-not-null are warnings", "[migrate][lint]") {
    auto f = lint_up("ALTER TABLE users ALTER COLUMN id TYPE bigint, ALTER email SET NOT NULL;");
    REQUIRE(f.size() == 2);
    CHECK(f[0].rule == "column-type-change");
    CHECK(f[0].severity == "warning");
    CHECK(f[1].rule == "set-not-null");
    CHECK(f[1].severity == "warning");
    CHECK(f[1].col == 48);
    CHECK(rules_of("ALTER TABLE users ALTER COLUMN \"Id\" SET DATA TYPE bigint USING \"Id\"::bigint;") ==
          Rules{"column-type-change"});
    CHECK(rules_of("ALTER TABLE users ALTER COLUMN email DROP NOT NULL, ALTER COLUMN email SET DEFAULT '';").empty());
    CHECK(rules_of("CREATE TABLE t (x int);\nALTER TABLE t ALTER COLUMN x TYPE bigint, ALTER x SET NOT NULL;").empty());
    CHECK_FALSE(has_errors(f));
}

TEST_CASE("migrate lint: rls-missing", "[migrate][lint]") {
    const std::string table = "CREATE TABLE orders (\n  id bigint,\n  tenant_id uuid NOT NULL\n);\n";
    auto f = lint_up("SELECT 1;\n" + table);
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "rls-missing");
    CHECK(f[0].severity == "error");
    CHECK(f[0].line == 3);
    CHECK(f[0].message ==
          "table public.orders has tenant_id but neither this file nor a later one protects it with row level security; "
          "missing: ALTER TABLE orders ENABLE ROW LEVEL SECURITY; ALTER TABLE orders FORCE ROW LEVEL SECURITY; "
          "CREATE POLICY ... ON orders");

    CHECK(rules_of(table + kRls).empty());
    CHECK(rules_of(table + "ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\n"
                           "CREATE POLICY p ON public.orders USING (true);")
              .empty());

    auto no_policy =
        lint_up(table +
                "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;\nALTER TABLE orders FORCE ROW LEVEL SECURITY;\n"
                "CREATE POLICY p ON other USING (true);");
    REQUIRE(no_policy.size() == 1);
    CHECK(no_policy[0].message.find("missing: CREATE POLICY ... ON orders") != std::string::npos);

    CHECK(rules_of("CREATE TABLE t (id int, \"tenant_id\" uuid);") == Rules{"rls-missing"});
    CHECK(rules_of("CREATE TABLE t (id int, TENANT_ID uuid);") == Rules{"rls-missing"});
    CHECK(rules_of("CREATE TABLE t (id int, \"Tenant_Id\" uuid);").empty());  // a different column
    CHECK(rules_of("CREATE TABLE t (id int, owner uuid, CONSTRAINT c CHECK (tenant_id IS NOT NULL));").empty());
    CHECK(rules_of("CREATE TABLE plans (id int, name text);").empty());
    CHECK(rules_of("CREATE TEMP TABLE scratch (tenant_id uuid);").empty());
    CHECK(rules_of("CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');")
              .empty());
    CHECK(rules_of(table, "-- tenantctl:scope=tenant\n").empty());  // the schema is the boundary

    LintOptions org;
    org.tenant_column = "org_id";
    CHECK(rules_of("CREATE TABLE t (id int, org_id uuid);", "", org) == Rules{"rls-missing"});
    CHECK(rules_of(table, "", org).empty());
}

TEST_CASE("migrate lint: rls-disabled", "[migrate][lint]") {
    CHECK(rules_of("ALTER TABLE orders DISABLE ROW LEVEL SECURITY;") == Rules{"rls-disabled"});
    CHECK(rules_of("ALTER TABLE orders NO FORCE ROW LEVEL SECURITY;") == Rules{"rls-disabled"});
}

TEST_CASE("migrate lint: transaction-control", "[migrate][lint]") {
    CHECK(rules_of("BEGIN;\nSELECT 1;\nCOMMIT;") == Rules{"transaction-control", "transaction-control"});
    CHECK(rules_of("START TRANSACTION; SELECT 1; END;") == Rules{"transaction-control", "transaction-control"});
    CHECK(rules_of("SAVEPOINT a; ROLLBACK TO SAVEPOINT a; RELEASE a;").size() == 3);
    CHECK(rules_of("PREPARE TRANSACTION 'x';") == Rules{"transaction-control"});
    CHECK(rules_of("DO $$ BEGIN PERFORM 1; COMMIT; END $$;").empty());
    CHECK(rules_of("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;").empty());
    CHECK(rules_of("PREPARE q AS SELECT 1;").empty());
    // A no-transaction file runs its BEGIN ... COMMIT blocks as units: not a finding there.
    CHECK(rules_of("BEGIN;\nSELECT 1;\nCOMMIT;", "-- tenantctl:no-transaction\n").empty());
}

TEST_CASE("migrate lint: nolint in the header silences a rule for the file", "[migrate][lint]") {
    const std::string up =
        "CREATE INDEX a ON users (x);\nCREATE INDEX b ON users (y);\nALTER TABLE users ALTER x SET NOT NULL;";
    CHECK(rules_of(up) == Rules{"index-not-concurrent", "index-not-concurrent", "set-not-null"});
    CHECK(rules_of(up, "-- tenantctl:nolint=index-not-concurrent\n") == Rules{"set-not-null"});
    CHECK(rules_of(up, "-- tenantctl:nolint=index-not-concurrent,set-not-null\n").empty());
    CHECK(rules_of("CREATE TABLE t (tenant_id uuid);", "-- tenantctl:nolint=rls-missing\n").empty());
}

TEST_CASE("migrate lint: nolint in the up section silences the next statement only", "[migrate][lint]") {
    auto f = lint_up(
        "-- tenantctl:nolint=index-not-concurrent\n"
        "CREATE INDEX a ON users (x);\n"
        "CREATE INDEX b ON users (y);\n"
        "-- tenantctl:nolint=set-not-null\n"
        "CREATE INDEX c ON users (z);\n");
    REQUIRE(f.size() == 2);
    CHECK(f[0].line == 4);
    CHECK(f[1].line == 6);

    // rls-missing is reported at its CREATE TABLE, so that statement's nolint applies.
    CHECK(rules_of("-- tenantctl:nolint=rls-missing\nCREATE TABLE t (tenant_id uuid);").empty());
}

TEST_CASE("migrate lint: only the up section is linted", "[migrate][lint]") {
    CHECK(lint(parse_migration(
                   "-- migrate:up\nDROP INDEX CONCURRENTLY i;\n-- migrate:down\nCREATE INDEX i ON users (x);\n",
                   "20240101120000_x.sql"))
              .size() == 1);
}

TEST_CASE("migrate lint: lint_files reports parse errors as findings and goes on", "[migrate][lint]") {
    TempDir dir;
    auto good = dir.write("20240101000000_good.sql", "-- migrate:up\nCREATE INDEX i ON users (x);\n");
    auto bad_directive = dir.write("20240102000000_bad.sql", "-- tenantctl:scope=everyone\n-- migrate:up\nSELECT 1;\n");
    auto misnamed = dir.write("add_users.sql", "-- migrate:up\nSELECT 1;\n");
    dir.write("README.md", "ignored");
    auto missing = dir.path / "20240103000000_missing.sql";

    auto findings = lint_files({dir.path, missing});
    REQUIRE(findings.size() == 4);
    CHECK(findings[0].file == good.string());
    CHECK(findings[0].rule == "index-not-concurrent");
    CHECK(findings[1].file == bad_directive.string());
    CHECK(findings[1].rule == "parse-error");
    CHECK(findings[1].severity == "error");
    CHECK(findings[1].line == 1);
    CHECK(findings[1].col == 20);
    CHECK(findings[1].message == "bad value 'everyone' for tenantctl:scope, expected shared or tenant");
    CHECK(findings[2].file == misnamed.string());
    CHECK(findings[2].rule == "parse-error");
    CHECK(findings[2].line == 0);
    CHECK(findings[3].file == missing.string());
    CHECK(findings[3].message == "no such file");
    CHECK(has_errors(findings));

    // The same file twice is linted once; two files sharing a version are reported.
    auto twice = lint_files({good, dir.path / "." / "20240101000000_good.sql"});
    CHECK(twice.size() == 1);
    auto clash = dir.write("20240101000000_clash.sql", "-- migrate:up\nSELECT 1;\n");
    auto dup = lint_files({good, clash});
    REQUIRE(dup.size() == 2);
    CHECK(dup[1].file == clash.string());
    CHECK(dup[1].rule == "parse-error");
    CHECK(dup[1].message == "duplicate migration version 20240101000000 (also used by " + good.string() + ")");

    CHECK(lint_files({}).empty());
    CHECK_FALSE(has_errors({}));
}

TEST_CASE("migrate lint: a tenant-scoped file's unqualified tables are the tenant's schema's, not public's",
          "[unit][migrate][lint]") {
    const auto findings = lint_up("CREATE TABLE folders (id int PRIMARY KEY);\n"
                                  "CREATE TABLE notes (id int PRIMARY KEY, folder_id int REFERENCES folders (id));\n",
                                  "-- tenantctl:scope=tenant\n");
    REQUIRE(rules(findings) == std::vector<std::string>{"fk-without-index"});
    CHECK(findings[0].message.find("foreign key tenant_<slug>.notes (folder_id) has no index") != std::string::npos);
    CHECK(findings[0].message.find("public.") == std::string::npos);
    // A shared file's are public's, as before.
    const auto shared = lint_up("CREATE TABLE folders (id int PRIMARY KEY);\n"
                                "CREATE TABLE notes (id int PRIMARY KEY, folder_id int REFERENCES folders (id));\n");
    REQUIRE_FALSE(shared.empty());
    bool named_public = false;
    for (const auto& f : shared) named_public = named_public || f.message.find("public.notes") != std::string::npos;
    CHECK(named_public);
}
