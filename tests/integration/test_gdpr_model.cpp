// Integration: GDPR export/erase/lint on the tenant data model (issue 11): a bigint tenancy
// column with the app's own tenants table, composite foreign keys led by the tenancy column,
// a dependent table without the tenancy column (ON DELETE CASCADE), NOT NULL columns of many
// types, generated columns, types whose text is not JSON, and schema-per-tenant mode. Both
// tenants have users 1 and 2 with the same e-mail: every assertion compares exact row sets of
// both tenants before and after.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cstdio>

#include "core/errors.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/gdpr/erase.hpp"
#include "core/gdpr/export_subject.hpp"
#include "core/gdpr/export_tenant.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/slug.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;

namespace {

Exit code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.code();
    }
    return Exit::ok;
}

const char* kSchema = R"(
CREATE TYPE pair AS (x int, y text);
CREATE TABLE orgs (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (org_id bigint NOT NULL REFERENCES orgs (id), id bigint NOT NULL, email text NOT NULL,
  full_name varchar(4) NOT NULL, ip inet NOT NULL, prefs jsonb NOT NULL, tags text[] NOT NULL, born date NOT NULL,
  score int NOT NULL, ext_id uuid NOT NULL, active boolean NOT NULL, code char(3) NOT NULL, note text,
  name_len int GENERATED ALWAYS AS (length(full_name)) STORED, PRIMARY KEY (org_id, id));
CREATE TABLE posts (org_id bigint NOT NULL, id bigint NOT NULL, author_id bigint NOT NULL, title text,
  PRIMARY KEY (org_id, id), FOREIGN KEY (org_id, author_id) REFERENCES users (org_id, id));
CREATE TABLE comments (post_org bigint NOT NULL, post_id bigint NOT NULL, id bigint PRIMARY KEY, body text,
  FOREIGN KEY (post_org, post_id) REFERENCES posts (org_id, id) ON DELETE CASCADE);
CREATE TABLE kinds (org_id bigint NOT NULL, id int PRIMARY KEY, m money, n numeric, f float8, i interval, a int[],
  b bytea, r int4range, c pair, t text[]);
INSERT INTO orgs VALUES (1, 'Acme'), (2, 'Globex');
INSERT INTO users (org_id, id, email, full_name, ip, prefs, tags, born, score, ext_id, active, code, note) VALUES
  (1, 1, 'alice@example.com', 'Alic', '10.0.0.1', '{"theme": "dark"}', '{a,b}', '1990-05-01', 7,
   '11111111-1111-1111-1111-111111111111', true, 'ALI', 'likes cats'),
  (1, 2, 'bob@example.com', 'Bob', '10.0.0.2', '{}', '{}', '1991-01-01', 3, '22222222-2222-2222-2222-222222222222',
   true, 'BOB', NULL),
  (2, 1, 'alice@example.com', 'AliB', '10.0.1.1', '{"theme": "light"}', '{c}', '1980-01-01', 9,
   '33333333-3333-3333-3333-333333333333', true, 'ALB', 'other'),
  (2, 2, 'zed@example.com', 'Zed', '10.0.1.2', '{}', '{}', '1981-01-01', 1, '44444444-4444-4444-4444-444444444444',
   false, 'ZED', NULL);
INSERT INTO posts VALUES (1, 1, 1, 'alice post 1'), (1, 2, 1, 'alice post 2'), (1, 3, 2, 'bob post'),
  (2, 1, 1, 'globex alice post'), (2, 2, 2, 'zed post');
INSERT INTO comments VALUES (1, 1, 1, 'on alice 1'), (1, 1, 2, 'again'), (1, 3, 3, 'on bob'), (2, 1, 4, 'globex');
INSERT INTO kinds VALUES (1, 1, -5.25, 'NaN', 'Infinity', '1 day 02:00', '{1,2}', '\x0102', '[1,5)', ROW(1, 'a'),
  '{"x y",NULL}'), (2, 2, 1, 1, 1, '1 hour', '{}', '', 'empty', NULL, NULL);
)";

const char* kYaml = R"(
tenancy: {column: org_id, setting: app.org_id, tenants_table: {table: orgs, key: id}}
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users: {subject: id, pii: [email, full_name, ip, prefs, tags, born, score, ext_id, active, code, note],
            non_pii: [name_len], erase: ANON}
    posts: {pii: [title], erase: POSTS}
    kinds: {non_pii: [m, n, f, i, a, b, r, c, t]}
    orgs: {non_pii: [name]}
  exclude: [comments]
)";

std::string yaml(const std::string& users = "anonymize, anonymize: {email: hash, full_name: hash, ip: hash, prefs: "
                                            "redact, tags: hash, born: 'null', score: hash, ext_id: hash, active: "
                                            "redact, code: hash}",
                 const std::string& posts = "delete") {
    std::string y = kYaml;
    y.replace(y.find("ANON"), 4, users);
    y.replace(y.find("POSTS"), 5, posts);
    return y;
}

struct Fixture {
    test::TestDatabase db;
    Fixture() {
        db.exec(kSchema);
        db.exec("INSERT INTO tenantctl.tenants (slug, name, tenancy_key) VALUES ('acme', 'Acme', '1'), "
                "('globex', 'Globex', '2')");
    }
    config::Config config(const std::string& y = yaml()) const { return config::parse_config(y, "tenantctl.yaml"); }
    // Every row of `table` whose `column` is `value`, as text, sorted.
    std::string rows(const std::string& table, const std::string& column, int value) const {
        return db.query_value(fmt::format("SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM {} t WHERE {} = {}",
                                          table, column, value));
    }
    std::string tenant_rows(int org) const {
        return rows("orgs", "id", org) + "|" + rows("users", "org_id", org) + "|" + rows("posts", "org_id", org) + "|" +
               rows("comments", "post_org", org) + "|" + rows("kinds", "org_id", org);
    }
};

gdpr::EraseOptions erase_options(const std::string& selector) { return {"acme", selector, std::nullopt, false, std::nullopt}; }

}  // namespace

TEST_CASE("gdpr on the model: composite keys, bigint tenancy, dependents and the tenants table", "[integration][gdpr]") {
    Fixture f;
    const std::string globex_before = f.tenant_rows(2);

    SECTION("the data map reaches posts through the composite key; lint flags null on a NOT NULL date") {
        test::TestContext tc(f.db, f.config());
        pqxx::read_transaction tx(tc->db());
        auto map = gdpr::load_data_map(tc.ctx(), tx, tenants::resolve(tc.ctx(), tx, "acme"));
        std::vector<std::string> names;
        for (const auto& t : map.reached) names.push_back(t.name.display());
        CHECK(names == std::vector<std::string>{"public.users", "public.posts"});
        std::vector<std::string> got;
        for (const auto& x : gdpr::lint(map, tc->config().data)) got.push_back(x.table + "." + x.column + ": " + x.reason);
        CHECK(got == std::vector<std::string>{
                         "public.users.born: anonymize: null cannot be applied (NOT NULL: redact instead of null)",
                         "public.users.ip: anonymize: hash cannot be applied (inet: hash writes the fixed redact value)"});
    }

    SECTION("subject export: exactly the subject's rows of its tenant, valid JSON for every type") {
        test::TestContext tc(f.db, f.config());
        auto r = gdpr::export_subject(tc.ctx(), {"acme", "email:alice@example.com", "json", std::nullopt, false, std::nullopt});
        const auto& data = (*r.document)["data"];
        REQUIRE(data["public.users"].size() == 1);
        CHECK(data["public.users"][0]["full_name"] == "Alic");
        CHECK(data["public.users"][0]["tags"] == json::array({"a", "b"}));
        REQUIRE(data["public.posts"].size() == 2);
        CHECK(data["public.posts"][0]["title"] == "alice post 1");
        CHECK(data["public.posts"][1]["title"] == "alice post 2");
        CHECK(f.tenant_rows(2) == globex_before);
    }

    SECTION("erase: type-aware anonymization, composite-key deletes, cascaded rows reported as deleted") {
        const std::string bob_before = f.rows("users", "org_id = 1 AND id", 2);
        GlobalOptions g;
        g.yes = true;
        test::TestContext tc(f.db, f.config(), g);
        auto r = gdpr::erase_subject(tc.ctx(), erase_options("email:alice@example.com"));
        // Alice's row: every column holds a value of its type; the generated column recomputed.
        auto v = [&](const std::string& col) {
            return f.db.query_value("SELECT (" + col + ")::text FROM users WHERE org_id = 1 AND id = 1");
        };
        CHECK(v("email").rfind("anon_", 0) == 0);
        CHECK(v("email").size() == 37);
        CHECK(v("full_name") == "anon");
        CHECK(v("host(ip)") == "192.0.2.0");
        CHECK(v("prefs") == "{}");
        CHECK(v("array_length(tags, 1)") == "2");
        CHECK(v("tags[1] LIKE 'anon\\_%' AND tags[2] LIKE 'anon\\_%' AND tags[1] <> tags[2]") == "true");
        CHECK(v("born") == "1970-01-01");
        CHECK(v("score BETWEEN 0 AND 32767 AND score <> 7") == "true");
        CHECK(v("ext_id <> '11111111-1111-1111-1111-111111111111'") == "true");
        CHECK(v("active") == "false");
        CHECK(v("code") == "ano");
        CHECK(v("note") == "");
        CHECK(v("name_len") == "4");
        // Her posts are gone; the comments on them went by ON DELETE CASCADE and the receipt says so.
        CHECK(f.rows("posts", "org_id", 1) == "(1,3,2,\"bob post\")");
        CHECK(f.rows("comments", "post_org", 1) == "(1,3,3,\"on bob\")");
        REQUIRE(r.receipt["cascaded"].size() == 1);
        CHECK(r.receipt["cascaded"][0]["table"] == "public.comments");
        CHECK(r.receipt["cascaded"][0]["rows"] == 2);
        CHECK(r.receipt["cascaded"][0]["action"] == "delete");
        // Bob and the other tenant are untouched, byte for byte.
        CHECK(f.rows("users", "org_id = 1 AND id", 2) == bob_before);
        CHECK(f.tenant_rows(2) == globex_before);
    }

    SECTION("a dry run is the whole erase rolled back: it fails where the real run fails, with the same code") {
        f.db.exec("CREATE TABLE invoices (org_id bigint NOT NULL, id bigint PRIMARY KEY, user_id bigint NOT NULL, "
                  "FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)); "
                  "INSERT INTO invoices VALUES (1, 1, 1), (2, 2, 1)");
        // Invoices are kept (retain) and reference the user with a NOT NULL key: deleting her fails.
        auto y = yaml("delete", "delete");
        y.replace(y.find("  exclude:"), 0, "    invoices: {subject: user_id, erase: retain, basis: tax law}\n");
        const std::string acme_before = f.tenant_rows(1);
        GlobalOptions dry;
        dry.dry_run = true;
        test::TestContext tdry(f.db, f.config(y), dry);
        const Exit dry_code = code_of([&] { gdpr::erase_subject(tdry.ctx(), erase_options("id:1")); });
        GlobalOptions yes;
        yes.yes = true;
        test::TestContext treal(f.db, f.config(y), yes);
        const Exit real_code = code_of([&] { gdpr::erase_subject(treal.ctx(), erase_options("id:1")); });
        CHECK(real_code == Exit::refused);
        CHECK(dry_code == real_code);
        try {
            gdpr::erase_subject(treal.ctx(), erase_options("id:1"));
            FAIL("the erase went through");
        } catch (const Error& e) {
            CHECK(std::string(e.what()) ==
                  "cannot erase: 1 row(s) of public.invoices that stay reference erased rows of public.users through "
                  "invoices_org_id_user_id_fkey (org_id, user_id), which cannot be cleared");
        }
        CHECK(f.tenant_rows(1) == acme_before);
        CHECK(f.tenant_rows(2) == globex_before);
        CHECK(f.db.query_value("SELECT count(*) FROM tenantctl.gdpr_requests") == "0");
    }

    SECTION("a successful dry run prints the plan and changes nothing") {
        GlobalOptions dry;
        dry.dry_run = true;
        test::TestContext tc(f.db, f.config(), dry);
        const std::string acme_before = f.tenant_rows(1);
        auto r = gdpr::erase_subject(tc.ctx(), erase_options("email:alice@example.com"));
        CHECK(r.receipt["dry_run"] == true);
        CHECK(r.receipt["cascaded"][0]["rows"] == 2);
        CHECK(r.receipt["tables"][0]["columns"]["born"] == "redact (NOT NULL: redact instead of null)");
        CHECK(r.receipt["tables"][0]["columns"]["name_len"].is_null());
        CHECK(f.tenant_rows(1) == acme_before);
        CHECK(f.db.query_value("SELECT count(*) FROM tenantctl.gdpr_requests") == "0");
    }

    SECTION("whole-tenant export: every relation of the model, NDJSON valid for every type") {
        test::TempDir dir;
        test::TestContext tc(f.db, f.config());
        auto r = gdpr::export_tenant(tc.ctx(), {"acme", dir / "acme.tar.gz", "ndjson", false, std::nullopt});
        std::map<std::string, long long> rows;
        for (const auto& t : r.tables) rows[t["table"].get<std::string>()] = t["rows"].get<long long>();
        CHECK(rows == std::map<std::string, long long>{{"public.comments", 3}, {"public.kinds", 1}, {"public.orgs", 1},
                                                       {"public.posts", 3}, {"public.users", 2}});
        std::string line;
        {
            std::string cmd = fmt::format("tar -xOzf '{}' data/public.kinds.ndjson", (dir / "acme.tar.gz").string());
            FILE* p = ::popen(cmd.c_str(), "r");
            REQUIRE(p);
            char buf[4096];
            while (std::fgets(buf, sizeof buf, p)) line += buf;
            ::pclose(p);
        }
        auto row = json::parse(line);
        CHECK(row["m"].is_string());
        CHECK(row["n"] == "NaN");
        CHECK(row["f"] == "Infinity");
        CHECK(row["i"] == "1 day 02:00:00");
        CHECK(row["a"] == json::array({1, 2}));
        CHECK(row["b"] == "\\x0102");
        CHECK(row["r"] == "[1,5)");
        CHECK(row["c"] == json{{"x", 1}, {"y", "a"}});
        CHECK(row["t"] == json::array({"x y", nullptr}));
    }
}

TEST_CASE("gdpr in tenancy.mode: schema: export, erase and lint work in the tenant's schema", "[integration][gdpr]") {
    test::TestDatabase db;
    const std::string a = util::schema_name_for_slug("acme"), b = util::schema_name_for_slug("globex");
    for (const auto& s : {a, b})
        db.exec(fmt::format("CREATE SCHEMA {0}; "
                            "CREATE TABLE {0}.users (id bigint PRIMARY KEY, email text NOT NULL, full_name text); "
                            "CREATE TABLE {0}.posts (id bigint PRIMARY KEY, author_id bigint NOT NULL REFERENCES {0}.users, "
                            "  title text); "
                            "INSERT INTO {0}.users VALUES (1, 'alice@example.com', 'Alice'), (2, 'bob@example.com', 'Bob'); "
                            "INSERT INTO {0}.posts VALUES (1, 1, 'a1'), (2, 1, 'a2'), (3, 2, 'b1')",
                            s));
    db.exec("INSERT INTO tenantctl.tenants (slug, name, isolation) VALUES ('acme', 'Acme', 'schema'), "
            "('globex', 'Globex', 'schema')");
    auto config = config::parse_config(R"(
tenancy: {mode: schema}
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users: {subject: id, pii: [email, full_name], erase: delete}
    posts: {pii: [title], erase: delete}
)",
                                       "tenantctl.yaml");
    auto snapshot = [&](const std::string& s) {
        return db.query_value(fmt::format("SELECT string_agg(t::text, ',' ORDER BY t::text) FROM {}.users t", s)) + "|" +
               db.query_value(fmt::format("SELECT string_agg(t::text, ',' ORDER BY t::text) FROM {}.posts t", s));
    };
    const std::string globex_before = snapshot(b);
    {
        test::TestContext tc(db, config);
        pqxx::read_transaction tx(tc->db());
        for (const auto& map : gdpr::load_lint_maps(tc.ctx(), tx)) CHECK(gdpr::lint(map, tc->config().data).empty());
    }
    test::TestContext tc(db, config);
    auto r = gdpr::export_subject(tc.ctx(), {"acme", "email:alice@example.com", "json", std::nullopt, false, std::nullopt});
    CHECK((*r.document)["data"][a + ".posts"].size() == 2);
    GlobalOptions g;
    g.yes = true;
    test::TestContext te(db, config, g);
    gdpr::erase_subject(te.ctx(), erase_options("email:alice@example.com"));
    CHECK(snapshot(a) == "(2,bob@example.com,Bob)|(3,2,b1)");
    CHECK(snapshot(b) == globex_before);
}
