// Integration: `tenant copy`, `tenant move` and `tenant restore-from` of a tenant with its own
// schema (isolation schema). Its schema is built at the destination by the tenant-scoped
// migrations that built it here, in the copy's one transaction; every refusal and a dry run
// leave the destination without the schema; a restore replaces or merges the rows of the
// tenant's own tables.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "core/config/config.hpp"
#include "core/migrate/migrate.hpp"
#include "core/portability/copy.hpp"
#include "core/portability/diff.hpp"
#include "core/portability/move.hpp"
#include "core/portability/restore.hpp"
#include "core/tenants/create.hpp"
#include "core/tenants/purge.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
using tenantctl::test::exit_of;

namespace {

// Two tenant-scoped migrations, one of them run outside a transaction as an operator writes an
// index build on a live table; a shared one that must not run in the tenant's schema.
void write_migrations(const test::TempDir& dir) {
    test::write_file(dir / "20240101000000_app.sql",
                     "-- tenantctl:scope=tenant\n-- migrate:up\n"
                     "CREATE TYPE mood AS ENUM ('calm', 'busy');\n"
                     "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, mood mood, moods mood[]);\n"
                     "CREATE TABLE posts (id bigserial PRIMARY KEY,\n"
                     "  author_id bigint NOT NULL REFERENCES users ON DELETE CASCADE, title text);\n"
                     "-- migrate:down\nDROP TABLE posts; DROP TABLE users;\n");
    test::write_file(dir / "20240101000100_posts_title.sql",
                     "-- tenantctl:scope=tenant\n-- tenantctl:no-transaction\n-- migrate:up\n"
                     "CREATE INDEX CONCURRENTLY posts_title ON posts (title);\n"
                     "BEGIN;\nALTER TABLE posts ADD COLUMN published boolean NOT NULL DEFAULT false;\nCOMMIT;\n"
                     "VACUUM posts;\n"
                     "-- migrate:down\nDROP INDEX CONCURRENTLY posts_title;\n");
    test::write_file(dir / "20240101000200_shared.sql",
                     "-- migrate:up\nCREATE TABLE public.plans (id int PRIMARY KEY);\n-- migrate:down\nDROP TABLE public.plans;\n");
}

// What a schema-per-tenant app also has: rows a migration seeds, a sequence no column owns, a
// trigger writing to an audit table, a partitioned table the app adds partitions to at runtime
// (with a trigger of its own).
void write_extras(const test::TempDir& dir) {
    test::write_file(dir / "20240101000050_extras.sql",
                     "-- tenantctl:scope=tenant\n-- migrate:up\n"
                     "CREATE TABLE roles (id smallint PRIMARY KEY, name text NOT NULL);\n"
                     "INSERT INTO roles VALUES (1, 'owner'), (2, 'member');\n"
                     "CREATE TABLE memberships (user_id bigint PRIMARY KEY REFERENCES users, role_id smallint NOT NULL "
                     "  REFERENCES roles);\n"
                     "CREATE SEQUENCE invoice_number_seq START 1000;\n"
                     "CREATE TABLE invoices (number bigint PRIMARY KEY DEFAULT nextval('invoice_number_seq'), total int);\n"
                     "CREATE TABLE activity (id bigserial PRIMARY KEY, note text NOT NULL);\n"
                     "CREATE FUNCTION log_post() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$\n"
                     "BEGIN INSERT INTO activity (note) VALUES ('post ' || NEW.id); RETURN NEW; END $$;\n"
                     "CREATE TRIGGER posts_log AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION log_post();\n"
                     "CREATE TABLE events (at date NOT NULL, what text) PARTITION BY RANGE (at);\n"
                     "CREATE TABLE events_default PARTITION OF events DEFAULT;\n"
                     "CREATE INDEX events_at ON events (at);\n"
                     "CREATE FUNCTION stamp_event() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                     "BEGIN NEW.what := coalesce(NEW.what, 'stamped'); RETURN NEW; END $$;\n"
                     "CREATE TRIGGER events_stamp BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION stamp_event();\n");
}

struct SchemaTenant {
    test::TestDatabase here, there;
    test::TempDir migrations;
    config::Config cfg;
    explicit SchemaTenant(bool extras = false) {
        write_migrations(migrations);
        if (extras) write_extras(migrations);
        cfg = config::parse_config("tenancy: {mode: schema}\n"
                                   "data:\n"
                                   "  subjects: {table: users, key: id, lookup: [email]}\n"
                                   "  tables:\n"
                                   "    users: {subject: id, pii: [email], non_pii: [mood, moods], erase: anonymize, anonymize: {email: hash}}\n"
                                   "    posts: {subject: author_id, pii: [title], non_pii: [published], erase: delete}\n",
                                   "tenantctl.yaml");
        cfg.migrations.dir = migrations.path();
        cfg.contexts["dest"] = config::ContextConfig{there.conninfo(), false};
        for (const char* slug : {"acme", "globex"}) {
            test::TestContext tc(here, cfg);
            tenants::NewTenant t;
            t.slug = slug;
            t.name = slug;
            t.isolation = "schema";
            tenants::create(tc.ctx(), t, false);
        }
        here.exec("INSERT INTO tenant_acme.users (email, mood, moods) VALUES ('alice@acme.test', 'calm', '{calm,busy}'), "
                  "  ('bob@acme.test', 'busy', NULL); "
                  "INSERT INTO tenant_acme.posts (author_id, title, published) VALUES (1, 'a1', true), (1, 'a2', false), "
                  "  (2, 'b1', true); "
                  "INSERT INTO tenant_globex.users (email) VALUES ('carol@globex.test')");
    }
    std::unique_ptr<test::TestContext> context(GlobalOptions globals = {}) const {
        return std::make_unique<test::TestContext>(here, cfg, globals);
    }
    portability::CopyResult copy(GlobalOptions globals = {}, std::optional<std::string> as = std::nullopt) const {
        portability::CopyOptions o;
        o.slug = "acme";
        o.to = "dest";
        o.as_slug = std::move(as);
        return portability::copy(context(globals)->ctx(), o);
    }
    std::string there_has_acme() const {
        return there.query_value("SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme') || ',' || "
                                 "(SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme') || ',' || "
                                 "(SELECT count(*) FROM tenantctl.schema_migrations WHERE target = 'tenant_acme')");
    }
};

GlobalOptions dry_run() {
    GlobalOptions g;
    g.dry_run = true;
    return g;
}

}  // namespace

TEST_CASE("tenant copy of a schema-isolated tenant builds its schema by its migrations there, then its rows",
          "[integration][portability]") {
    SchemaTenant s;
    const auto dry = s.copy(dry_run());
    CHECK(dry.schema == "tenant_acme");
    CHECK(dry.migrations_replayed == 2);
    CHECK(dry.rows == 5);
    CHECK(s.there_has_acme() == "0,0,0");

    const auto r = s.copy();
    CHECK(r.schema == "tenant_acme");
    CHECK(r.migrations_replayed == 2);
    CHECK(r.rows == 5);
    CHECK(r.tables.size() == 2);
    CHECK(s.there_has_acme() == "1,1,2");
    CHECK(s.there.query_value("SELECT isolation || ',' || status FROM tenantctl.tenants WHERE slug = 'acme'") ==
          "schema,active");
    // What the migrations made, including what their no-transaction file made; the shared
    // migration ran nowhere, and globex stayed here.
    CHECK(s.there.query_value("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('tenant_acme.posts_title')") ==
          "t");
    CHECK(s.there.query_value("SELECT string_agg(title || ':' || published, ',' ORDER BY id) FROM tenant_acme.posts") ==
          "a1:true,a2:false,b1:true");
    CHECK(s.there.query_value("SELECT to_regclass('public.plans') IS NULL AND to_regclass('tenant_acme.plans') IS NULL") == "t");
    CHECK(s.there.query_value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_globex'") == "0");
    CHECK(s.there.query_value("SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM "
                              "tenantctl.schema_migrations WHERE target = 'tenant_acme'") ==
          "20240101000000:applied,20240101000100:applied");
    // The app's next insert there does not collide with a copied id.
    CHECK(s.there.query_value("SELECT nextval('tenant_acme.users_id_seq')") == "3");
    CHECK(s.here.query_value("SELECT count(*) FROM tenant_acme.posts") == "3");  // the source keeps its rows

    auto tc = s.context();
    const auto d = portability::diff(tc->ctx(), {"acme", "dest", std::nullopt});
    CHECK(d.differing == 0);
    CHECK(d.tables.size() == 2);
    // A second copy finds the tenant there.
    CHECK(exit_of([&] { s.copy(); }) == Exit::refused);

    // Under --as the copy has its own schema, named after its slug.
    const auto as = s.copy({}, "acme-two");
    CHECK(as.schema == "tenant_acme_two");
    CHECK(s.there.query_value("SELECT count(*) FROM tenant_acme_two.posts") == "3");
    // Its enum is the copy's schema's own type (tenant_acme_two.mood), and the values came over.
    CHECK(s.there.query_value("SELECT string_agg(format_type(atttypid, NULL), ',' ORDER BY attnum) FROM pg_attribute "
                              "WHERE attrelid = 'tenant_acme_two.users'::regclass AND attname LIKE 'mood%'") ==
          "tenant_acme_two.mood,tenant_acme_two.mood[]");
    CHECK(s.there.query_value("SELECT string_agg(mood || ':' || coalesce(moods::text, '-'), ',' ORDER BY id) FROM "
                              "tenant_acme_two.users") == "calm:{calm,busy},busy:-");
    // tenant diff --as compares this tenant's schema with its copy's.
    const auto d_as = portability::diff(tc->ctx(), {"acme", "dest", std::string("acme-two")});
    CHECK(d_as.tables.size() == 2);
    CHECK(d_as.differing == 0);
    CHECK(s.there.query_value("SELECT isolation FROM tenantctl.tenants WHERE slug = 'acme-two'") == "schema");
    CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE target = 'tenant_acme_two'") == "2");

    // --anonymize takes the data map's tables by their names within the tenant's schema: no
    // personal value of the tenant reaches its copy.
    portability::CopyOptions anon;
    anon.slug = "acme";
    anon.to = "dest";
    anon.as_slug = "acme-anon";
    anon.anonymize = true;
    const auto a = portability::copy(s.context()->ctx(), anon);
    CHECK(a.anonymized.size() == 2);
    CHECK(s.there.query_value("SELECT count(*) FROM tenant_acme_anon.users WHERE email LIKE '%acme.test' OR email IS NULL") ==
          "0");
    CHECK(s.there.query_value("SELECT count(*) FROM tenant_acme_anon.posts WHERE title IN ('a1', 'a2', 'b1')") == "0");
    CHECK(s.there.query_value("SELECT count(*) FROM tenant_acme_anon.posts") == "3");
}

TEST_CASE("tenant copy of a schema-isolated tenant refuses, with nothing there, what its migrations cannot rebuild",
          "[integration][portability]") {
    SchemaTenant s;
    SECTION("a migration file that is not the one that ran here") {
        test::write_file(s.migrations / "20240101000000_app.sql",
                         "-- tenantctl:scope=tenant\n-- migrate:up\nCREATE TABLE users (id bigserial PRIMARY KEY);\n");
        CHECK(exit_of([&] { s.copy(); }) == Exit::refused);
    }
    SECTION("a migration file missing from the directory") {
        std::filesystem::remove(s.migrations / "20240101000100_posts_title.sql");
        CHECK(exit_of([&] { s.copy(); }) == Exit::refused);
    }
    SECTION("migrations that only run in two transactions: an enum value added, then used") {
        test::write_file(s.migrations / "20240101000300_idle.sql",
                         "-- tenantctl:scope=tenant\n-- tenantctl:no-transaction\n-- migrate:up\n"
                         "ALTER TYPE mood ADD VALUE 'idle';\n");
        test::write_file(s.migrations / "20240101000400_idle_users.sql",
                         "-- tenantctl:scope=tenant\n-- migrate:up\nCREATE INDEX users_idle ON users (id) WHERE mood = 'idle';\n");
        auto tc = s.context();
        REQUIRE(migrate::apply_tenant_migrations(tc->ctx(), "tenant_acme").size() == 2);
        try {
            s.copy();
            FAIL("copied");
        } catch (const Refused& e) {
            CHECK(std::string(e.what()).find("20240101000400_idle_users.sql:3") != std::string::npos);
            CHECK(std::string(e.what()).find("55P04") != std::string::npos);
        }
    }
    SECTION("a schema changed by hand here") {
        s.here.exec("ALTER TABLE tenant_acme.users ADD COLUMN nickname text");
        CHECK(exit_of([&] { s.copy(); }) == Exit::refused);
    }
    SECTION("a schema of that name there already") {
        s.there.exec("CREATE SCHEMA tenant_acme; CREATE TABLE tenant_acme.leftover (id int)");
        CHECK(exit_of([&] { s.copy(); }) == Exit::refused);
        CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.tenants") == "0");
        CHECK(s.there.query_value("SELECT to_regclass('tenant_acme.leftover') IS NOT NULL") == "t");
        return;
    }
    CHECK(s.there_has_acme() == "0,0,0");
}

TEST_CASE("tenant move of a schema-isolated tenant: active there in its own schema, moved here, the rows kept",
          "[integration][portability]") {
    SchemaTenant s;
    auto tc = s.context();
    portability::MoveOptions o;
    o.slug = "acme";
    o.to = "dest";
    o.online = true;  // a publication's row filter has nothing to select in a schema of one tenant
    CHECK(exit_of([&] { portability::move(tc->ctx(), o); }) == Exit::refused);
    CHECK(s.there_has_acme() == "0,0,0");
    o.online = false;
    const auto r = portability::move(tc->ctx(), o);
    CHECK(r.steps.back() == "retired");
    CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "moved");
    CHECK(s.there.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    CHECK(s.there.query_value("SELECT count(*) FROM tenant_acme.posts") == "3");
    CHECK(s.here.query_value("SELECT count(*) FROM tenant_acme.posts") == "3");
}

TEST_CASE("tenant move of a schema-isolated tenant back into the database it left once purged there builds its schema "
          "again there by its migrations, with the rows it has now",
          "[integration][portability]") {
    SchemaTenant s;
    {
        auto tc = s.context();
        portability::MoveOptions o;
        o.slug = "acme";
        o.to = "dest";
        portability::move(tc->ctx(), o);
        GlobalOptions yes;
        yes.yes = true;
        auto here = s.context(yes);
        tenants::PurgeOptions po;
        po.force = true;
        CHECK(tenants::purge(here->ctx(), "acme", po).outcome == "purged");
    }
    CHECK(s.here.query_value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme'") == "0");
    s.there.exec("INSERT INTO tenant_acme.posts (author_id, title) VALUES (2, 'written there')");
    auto cfg = s.cfg;
    cfg.contexts.erase("dest");
    cfg.contexts["back"] = config::ContextConfig{s.here.conninfo(), false};
    test::TestContext there(s.there, cfg);
    portability::MoveOptions o;
    o.slug = "acme";
    o.to = "back";
    CHECK(portability::move(there.ctx(), o).steps.back() == "retired");
    CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    CHECK(s.there.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "moved");
    CHECK(s.here.query_value("SELECT string_agg(title, ',' ORDER BY id) FROM tenant_acme.posts") == "a1,a2,b1,written there");
    CHECK(s.here.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE target = 'tenant_acme'") ==
          s.there.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE target = 'tenant_acme'"));
    portability::DiffOptions d;
    d.slug = "acme";
    d.against = "back";
    CHECK(portability::diff(there.ctx(), d).differing == 0);
}

TEST_CASE("tenant restore-from of a schema-isolated tenant replaces or merges the rows of its own tables",
          "[integration][portability]") {
    SchemaTenant s;
    s.copy();  // the destination plays the backup: the same tenant, the same id, yesterday's rows
    s.cfg.contexts["backup"] = s.cfg.contexts.at("dest");
    s.here.exec("DELETE FROM tenant_acme.users WHERE id = 2; "  // cascades to b1
                "UPDATE tenant_acme.posts SET title = 'a1 edited' WHERE id = 1; "
                "INSERT INTO tenant_acme.posts (author_id, title) VALUES (1, 'new')");
    const auto restore = [&](const std::string& mode, std::vector<std::string> tables = {}, bool dry = false) {
        GlobalOptions g;
        g.yes = true;
        g.dry_run = dry;
        auto tc = s.context(g);
        portability::RestoreOptions o;
        o.from = "backup";
        o.slug = "acme";
        o.mode = mode;
        o.tables = std::move(tables);
        return portability::restore_from(tc->ctx(), o);
    };
    const std::string posts = "SELECT string_agg(id || ':' || title, ',' ORDER BY id) FROM tenant_acme.posts";

    SECTION("replace with an audit trigger on the tenant's tables: the backup's rows as they were, no second write") {
        s.here.exec("CREATE TABLE tenant_acme.audit (note text); "
                    "CREATE FUNCTION tenant_acme.note_user() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$BEGIN INSERT INTO tenant_acme.audit VALUES (TG_OP || ' ' || NEW.email); RETURN NEW; END$$; "
                    "CREATE TRIGGER note_user AFTER INSERT ON tenant_acme.users FOR EACH ROW "
                    "EXECUTE FUNCTION tenant_acme.note_user()");
        s.there.exec("CREATE TABLE tenant_acme.audit (note text)");
        const auto r = restore("replace", {"users", "posts"});
        CHECK(r.inserted == 5);
        CHECK(s.here.query_value("SELECT count(*) FROM tenant_acme.audit") == "0");
        CHECK(s.here.query_value("SELECT tgenabled FROM pg_trigger WHERE tgname = 'note_user'") == "O");
        s.here.exec("INSERT INTO tenant_acme.users (email) VALUES ('dan@acme.test')");
        CHECK(s.here.query_value("SELECT count(*) FROM tenant_acme.audit") == "1");
    }
    SECTION("merge brings back the deleted rows and keeps today's") {
        const auto r = restore("merge");
        CHECK(r.inserted == 2);  // bob, and his post
        CHECK(s.here.query_value(posts) == "1:a1 edited,2:a2,3:b1,4:new");
        CHECK(s.here.query_value("SELECT count(*) FROM tenant_globex.users") == "1");
    }
    SECTION("replace of one table: only the tables it names, and a cascade into a table left out is refused") {
        CHECK(exit_of([&] { restore("replace", {"users"}); }) == Exit::refused);  // posts hang off users ON DELETE CASCADE
        CHECK(exit_of([&] { restore("replace", {"tenant_acme.users"}); }) == Exit::refused);  // the same table, by schema.table
        CHECK(exit_of([&] { restore("replace", {"\"tenant_acme\".\"users\""}); }) == Exit::refused);
        const auto dry = restore("replace", {}, true);
        CHECK(dry.deleted == 4);
        CHECK(s.here.query_value(posts) == "1:a1 edited,2:a2,4:new");
        const auto r = restore("replace");
        CHECK(r.deleted == 4);   // alice; a1, a2, new
        CHECK(r.inserted == 5);  // alice, bob; a1, a2, b1
        CHECK(s.here.query_value(posts) == "1:a1,2:a2,3:b1");
        CHECK(s.here.query_value("SELECT string_agg(email, ',' ORDER BY id) FROM tenant_acme.users") ==
              "alice@acme.test,bob@acme.test");
        CHECK(s.here.query_value("SELECT count(*) FROM tenant_globex.users") == "1");
    }
}

// What its migrations do not make travels too: partitions, sequence positions, the tenant's own
// version of seeded rows; and no trigger fires again on the rows that arrive.
TEST_CASE("tenant copy of a schema-isolated tenant brings its runtime partitions, sequences and seeded rows",
          "[integration][portability]") {
    SchemaTenant s(true);
    s.here.exec("UPDATE tenant_acme.roles SET name = 'admin' WHERE id = 1; DELETE FROM tenant_acme.roles WHERE id = 2; "
                "INSERT INTO tenant_acme.roles VALUES (3, 'guest'); "
                "INSERT INTO tenant_acme.memberships VALUES (1, 1), (2, 3); "
                "INSERT INTO tenant_acme.invoices (total) SELECT g FROM generate_series(1, 5) g; "
                "CREATE TABLE tenant_acme.events_2025 PARTITION OF tenant_acme.events "
                "  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'); "
                "INSERT INTO tenant_acme.events (at) VALUES ('2025-03-01'), ('2025-04-01'), ('2024-01-01')");
    const std::string activity = "SELECT count(*) FROM tenant_acme.activity";
    CHECK(s.here.query_value(activity) == "3");  // one per post, written by the trigger here

    const auto r = s.copy();
    CHECK(r.migrations_replayed == 3);
    CHECK(r.sequences_set >= 1);
    CHECK(s.there.query_value("SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM tenant_acme.roles") ==
          "1:admin,3:guest");
    CHECK(s.there.query_value("SELECT string_agg(user_id || ':' || role_id, ',' ORDER BY user_id) FROM "
                              "tenant_acme.memberships") == "1:1,2:3");
    CHECK(s.there.query_value(activity) == "3");  // the source's rows, the trigger not fired again
    CHECK(s.there.query_value("SELECT string_agg(tableoid::regclass::text || ':' || at || ':' || what, ',' ORDER BY at) "
                              "FROM tenant_acme.events") ==
          "tenant_acme.events_default:2024-01-01:stamped,tenant_acme.events_2025:2025-03-01:stamped,"
          "tenant_acme.events_2025:2025-04-01:stamped");
    auto tc = s.context();
    CHECK(portability::diff(tc->ctx(), {"acme", "dest", std::nullopt}).differing == 0);
    const std::string enabled_triggers = "SELECT string_agg(c.relname || '.' || t.tgname || ':' || t.tgenabled::text, ',' "
                                         "ORDER BY c.relname, t.tgname) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE "
                                         "c.relnamespace = 'tenant_acme'::regnamespace AND NOT t.tgisinternal";
    CHECK(s.there.query_value(enabled_triggers) == s.here.query_value(enabled_triggers));
    // The app goes on there: the counter and the triggers carry on from where they were here.
    s.there.exec("INSERT INTO tenant_acme.invoices (total) VALUES (6); "
                 "INSERT INTO tenant_acme.posts (author_id, title) VALUES (1, 'there'); "
                 "INSERT INTO tenant_acme.events (at) VALUES ('2025-05-01')");
    CHECK(s.there.query_value("SELECT max(number) FROM tenant_acme.invoices") == "1005");
    CHECK(s.there.query_value(activity) == "4");
    CHECK(s.there.query_value("SELECT what FROM tenant_acme.events WHERE at = '2025-05-01'") == "stamped");

    // Under --as the copy's schema holds the same objects: the function's search_path names
    // the copy's own schema.
    const auto as = s.copy({}, "acme-two");
    CHECK(as.rows == r.rows);
    CHECK(s.there.query_value("SELECT array_to_string(proconfig, ',') FROM pg_proc WHERE proname = 'log_post' AND "
                              "pronamespace = 'tenant_acme_two'::regnamespace") == "search_path=\"tenant_acme_two\", public");
}

TEST_CASE("tenant copy of a schema-isolated tenant refuses objects made by hand here that no migration builds",
          "[integration][portability]") {
    SchemaTenant s;
    const char* by_hand = GENERATE("CREATE INDEX posts_title_by_hand ON tenant_acme.posts (title, id)",
                                   "ALTER TABLE tenant_acme.users ADD CONSTRAINT email_has_at CHECK (email LIKE '%@%')",
                                   "ALTER TABLE tenant_acme.posts ALTER COLUMN title SET DEFAULT 'untitled'",
                                   "CREATE VIEW tenant_acme.titles AS SELECT title FROM tenant_acme.posts",
                                   "DROP INDEX tenant_acme.posts_title",
                                   "ALTER TYPE tenant_acme.mood ADD VALUE 'idle'",
                                   "ALTER TABLE tenant_acme.posts ALTER COLUMN title SET NOT NULL",
                                   "ALTER TABLE tenant_acme.users ALTER COLUMN email TYPE text COLLATE \"C\"");
    INFO(by_hand);
    s.here.exec(by_hand);
    try {
        s.copy();
        FAIL("copied");
    } catch (const Refused& e) {
        REQUIRE(e.details().size() >= 1);
        const auto& d = e.details().front();
        const bool named = d.find(": here only, not built by the migrations") != std::string::npos ||
                           d.find(": built by the migrations, not here") != std::string::npos;
        CHECK(named);
    }
    CHECK(s.there_has_acme() == "0,0,0");
}
