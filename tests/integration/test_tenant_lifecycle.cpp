// Integration: tenant lifecycle core calls against the real server.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "core/tenants/apply.hpp"
#include "core/tenants/create.hpp"
#include "core/tenants/lifecycle.hpp"
#include "core/tenants/manifest.hpp"
#include "core/tenants/purge.hpp"
#include "core/tenants/schema_setup.hpp"
#include "core/tenants/show.hpp"
#include "tests/support/tenant_app_schema.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
using test::exit_of;
using namespace tenantctl::tenants;

namespace {

NewTenant spec(std::string slug) {
    NewTenant t;
    t.slug = std::move(slug);
    t.name = "Name of " + t.slug;
    t.plan = "free";
    return t;
}

std::string id_of(const test::TestDatabase& db, const std::string& slug) {
    return db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = '" + slug + "'");
}

}  // namespace

TEST_CASE("create writes the row, the first data key and an audit event together", "[integration][tenants]") {
    test::TestDatabase db;
    test::TestContext tc(db);
    auto r = create(tc.ctx(), spec("acme"), false);
    CHECK(r.created);
    CHECK(r.key_version == 1);
    const std::string id = id_of(db, "acme");
    CHECK(r.tenant.id == id);
    CHECK(db.query_value("SELECT state || ':' || (wrapped_key IS NOT NULL) FROM tenantctl.tenant_keys WHERE tenant_id = '" +
                         id + "'") == "active:true");
    CHECK(db.query_value("SELECT actor_id FROM tenantctl.audit_log WHERE action = 'tenant.create' AND tenant_id = '" + id +
                         "'") == "tester@test");
    // The same slug again: refused, nothing added.
    CHECK(exit_of([&] { create(tc.ctx(), spec("acme"), false); }) == Exit::refused);
    auto again = create(tc.ctx(), spec("acme"), true);
    CHECK_FALSE(again.created);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys") == "1");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'tenant.create'") == "1");
}

TEST_CASE("create with a given id, and bad ids and slugs", "[integration][tenants]") {
    test::TestDatabase db;
    test::TestContext tc(db);
    auto s = spec("globex");
    s.id = "0B5E6C1A-3F2D-4C7E-9A1B-2C3D4E5F6A7B";
    create(tc.ctx(), s, false);
    CHECK(id_of(db, "globex") == "0b5e6c1a-3f2d-4c7e-9a1b-2c3d4e5f6a7b");
    auto clash = spec("other");
    clash.id = "0b5e6c1a-3f2d-4c7e-9a1b-2c3d4e5f6a7b";
    CHECK(exit_of([&] { create(tc.ctx(), clash, false); }) == Exit::refused);
    auto bad = spec("bad");
    bad.id = "not-a-uuid";
    CHECK(exit_of([&] { create(tc.ctx(), bad, false); }) == Exit::usage);
    CHECK(exit_of([&] { create(tc.ctx(), spec("Bad_Slug"), false); }) == Exit::usage);
    CHECK(exit_of([&] { create(tc.ctx(), spec("admin"), false); }) == Exit::usage);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants") == "1");
}

TEST_CASE("create --dry-run writes nothing", "[integration][tenants]") {
    test::TestDatabase db;
    GlobalOptions g;
    g.dry_run = true;
    test::TestContext tc(db, {}, g);
    auto r = create(tc.ctx(), spec("acme"), false);
    CHECK_FALSE(r.created);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants") == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action LIKE 'tenant.%'") == "0");
}

TEST_CASE("schema isolation creates the schema and applies its tenant migrations", "[integration][tenants]") {
    test::TestDatabase db;
    test::TempDir migrations;
    test::write_file(migrations / "20240101000000_notes.sql",
                     "-- tenantctl:scope=tenant\n-- migrate:up\nCREATE TABLE notes (id int);\n"
                     "-- migrate:down\nDROP TABLE notes;\n");
    config::Config cfg;
    cfg.migrations.dir = migrations.path();
    test::TestContext tc(db, cfg);
    auto s = spec("big-co");
    s.isolation = "schema";
    create(tc.ctx(), s, false);
    CHECK(db.query_value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_big_co'") == "1");
    CHECK(db.query_value("SELECT to_regclass('tenant_big_co.notes') IS NOT NULL") == "t");
    CHECK(db.query_value("SELECT kind || ':' || target || ':' || state FROM tenantctl.jobs") ==
          "tenant_migrations:tenant_big_co:done");
    // A schema that already exists is not adopted.
    db.exec("CREATE SCHEMA tenant_left_over");
    auto taken = spec("left-over");
    taken.isolation = "schema";
    CHECK(exit_of([&] { create(tc.ctx(), taken, false); }) == Exit::refused);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'left-over'") == "0");
    // Purging it drops the schema.
    db.exec("INSERT INTO tenant_big_co.notes VALUES (1)");
    auto doc = show(tc.ctx(), "big-co");
    CHECK(doc["row_counts"]["tenant_big_co.notes"] == 1);
    PurgeOptions po;
    po.force = true;
    auto r = purge(tc.ctx(), "big-co", po);
    CHECK(r.outcome == "purged");
    CHECK(r.schema_dropped == std::optional<std::string>("tenant_big_co"));
    CHECK(db.query_value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_big_co'") == "0");
}

TEST_CASE("a schema tenant is not served until its schema is migrated - --if-not-exists finishes it",
          "[integration][tenants]") {
    test::TestDatabase db;
    test::TempDir migrations;
    // The second migration fails, as a kill between the two would leave it: not applied.
    test::write_file(migrations / "20240101000000_notes.sql",
                     "-- tenantctl:scope=tenant\n-- migrate:up\nCREATE TABLE notes (id int);\n"
                     "-- migrate:down\nDROP TABLE notes;\n");
    test::write_file(migrations / "20240101000100_tags.sql",
                     "-- tenantctl:scope=tenant\n-- migrate:up\nCREATE TABLE tags (id int REFERENCES nowhere);\n"
                     "-- migrate:down\nDROP TABLE tags;\n");
    config::Config cfg;
    cfg.migrations.dir = migrations.path();
    test::TestContext tc(db, cfg);
    auto s = spec("big-co");
    s.isolation = "schema";
    CHECK(exit_of([&] { create(tc.ctx(), s, false); }) != Exit::ok);
    CHECK(db.query_value("SELECT status || ':' || status_reason FROM tenantctl.tenants WHERE slug = 'big-co'") ==
          std::string("suspended:") + kProvisioningReason);
    CHECK(db.query_value("SELECT state FROM tenantctl.jobs WHERE kind = 'tenant_migrations'") == "running");
    // Fixed: the same create with --if-not-exists migrates the rest and activates the tenant.
    test::write_file(migrations / "20240101000100_tags.sql",
                     "-- tenantctl:scope=tenant\n-- migrate:up\nCREATE TABLE tags (id int);\n"
                     "-- migrate:down\nDROP TABLE tags;\n");
    auto again = create(tc.ctx(), s, true);
    CHECK(again.tenant.status == "active");
    CHECK(db.query_value("SELECT to_regclass('tenant_big_co.tags') IS NOT NULL") == "t");
    CHECK(db.query_value("SELECT state FROM tenantctl.jobs WHERE kind = 'tenant_migrations'") == "done");
    CHECK(db.query_value("SELECT coalesce(status_reason, '-') FROM tenantctl.tenants WHERE slug = 'big-co'") == "-");
}

TEST_CASE("update changes only what is given and records field names", "[integration][tenants]") {
    test::TestDatabase db;
    test::TestContext tc(db);
    create(tc.ctx(), spec("acme"), false);
    UpdateSpec u;
    u.plan = "pro";
    u.set = {parse_setting("max_users=50"), parse_setting("note='); DROP TABLE tenantctl.tenants; --")};
    u.flags = {parse_flag("beta=on")};
    auto r = update(tc.ctx(), "acme", u);
    CHECK(r.changed);
    CHECK(r.changes.size() == 4);
    CHECK(db.query_value("SELECT plan || ' ' || name FROM tenantctl.tenants WHERE slug = 'acme'") == "pro Name of acme");
    CHECK(db.query_value("SELECT settings->>'note' FROM tenantctl.tenants") == "'); DROP TABLE tenantctl.tenants; --");
    CHECK(db.query_value("SELECT settings->'max_users' FROM tenantctl.tenants") == "50");
    CHECK(db.query_value("SELECT flags->'beta' FROM tenantctl.tenants") == "true");
    CHECK(db.query_value("SELECT metadata->'fields' FROM tenantctl.audit_log WHERE action = 'tenant.update'") ==
          R"(["plan", "settings.max_users", "settings.note", "flags.beta"])");
    // The same again changes nothing and writes no event.
    CHECK_FALSE(update(tc.ctx(), "acme", u).changed);
    UpdateSpec unset;
    unset.unset = {"note"};
    update(tc.ctx(), "acme", unset);
    CHECK(db.query_value("SELECT settings ? 'note' FROM tenantctl.tenants") == "f");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'tenant.update'") == "2");
    CHECK(exit_of([&] { update(tc.ctx(), "nope", u); }) == Exit::not_found);
}

TEST_CASE("suspend, resume, delete and restore move the status the app reads", "[integration][tenants]") {
    test::TestDatabase db;
    test::TestContext tc(db);
    create(tc.ctx(), spec("acme"), false);
    auto status = [&] { return db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'"); };
    change_status(tc.ctx(), "acme", Transition::suspend, {"unpaid invoice", {}, {}});
    CHECK(status() == "suspended");
    CHECK(db.query_value("SELECT metadata->>'reason' FROM tenantctl.audit_log WHERE action = 'tenant.suspend'") ==
          "unpaid invoice");
    CHECK_FALSE(change_status(tc.ctx(), "acme", Transition::suspend, {"again", {}, {}}).changed);
    change_status(tc.ctx(), "acme", Transition::resume, {});
    CHECK(status() == "active");
    TransitionOptions del;
    del.grace = util::parse_duration("7d");
    change_status(tc.ctx(), "acme", Transition::remove, del);
    CHECK(status() == "pending_deletion");
    CHECK(db.query_value("SELECT purge_after - delete_requested_at FROM tenantctl.tenants") == "7 days");
    CHECK(exit_of([&] { change_status(tc.ctx(), "acme", Transition::resume, {}); }) == Exit::refused);
    // Purge before the grace period ended is refused.
    CHECK(exit_of([&] { purge(tc.ctx(), "acme", {}); }) == Exit::refused);
    change_status(tc.ctx(), "acme", Transition::restore, {});
    CHECK(status() == "active");
    CHECK(db.query_value("SELECT purge_after IS NULL FROM tenantctl.tenants") == "t");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE resource_id = 'acme'") == "5");
}

TEST_CASE("restore after the grace period needs --force", "[integration][tenants]") {
    test::TestDatabase db;
    test::TestContext tc(db);
    create(tc.ctx(), spec("acme"), false);
    TransitionOptions del;
    del.grace = util::parse_duration("0s");
    change_status(tc.ctx(), "acme", Transition::remove, del);
    CHECK(exit_of([&] { change_status(tc.ctx(), "acme", Transition::restore, {}); }) == Exit::refused);
    CHECK(change_status(tc.ctx(), "acme", Transition::restore, {}, true).changed);
}

TEST_CASE("purge refuses a session that forced RLS binds, before anything changes, and purges as an exempt role",
          "[integration][tenants]") {
    test::TestDatabase db;
    test::create_app_schema(db);
    // A non-superuser owner: FORCE ROW LEVEL SECURITY applies to it, so a policy could hide
    // rows from the purge and from its leftover check.
    const std::string role = db.name() + "_owner";
    db.exec("CREATE ROLE \"" + role + "\" LOGIN NOSUPERUSER NOBYPASSRLS");
    db.exec("GRANT ALL ON SCHEMA tenantctl TO \"" + role + "\"; GRANT ALL ON ALL TABLES IN SCHEMA tenantctl TO \"" + role +
            "\"; GRANT ALL ON ALL SEQUENCES IN SCHEMA tenantctl TO \"" + role + "\"");
    for (const char* t : {"teams", "users", "documents", "events"})
        db.exec(std::string("ALTER TABLE public.") + t + " OWNER TO \"" + role + "\"");
    test::TestContext setup(db);
    create(setup.ctx(), spec("acme"), false);
    create(setup.ctx(), spec("globex"), false);
    const std::string acme = id_of(db, "acme"), globex = id_of(db, "globex");
    test::seed_app_rows(db, acme, 0, 5, 50, 3);
    test::seed_app_rows(db, globex, 10000000, 3, 20, 2);
    const long globex_rows = test::app_rows_of(db, globex);
    db.exec("INSERT INTO tenantctl.api_keys (tenant_id, prefix, key_hash, name) VALUES ('" + acme + "', 'p', 'h', 'ci')");

    test::TestContext owner(db);
    owner->set_conninfo(db::ConnInfo{db.conninfo() + " user=" + role, "test owner"});
    PurgeOptions force;
    force.force = true;
    force.batch_size = 7;
    // Active: refused without --force.
    CHECK(exit_of([&] { purge(owner.ctx(), "acme", {}); }) == Exit::refused);
    // Bound by FORCE ROW LEVEL SECURITY: refused up front, naming the role and the policy.
    try {
        purge(owner.ctx(), "acme", force);
        FAIL("purge as a role bound by a policy must be refused");
    } catch (const Refused& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains(role) && Catch::Contains("row-level security"));
    }
    CHECK(test::app_rows_of(db, acme) == 5 + 50 + 150 + 150);
    CHECK(db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs") == "0");
    CHECK(db.query_value("SELECT state FROM tenantctl.tenant_keys WHERE tenant_id = '" + acme + "'") == "active");

    GlobalOptions dry;
    dry.dry_run = true;
    test::TestContext dc(db, {}, dry);
    auto plan = purge(dc.ctx(), "acme", force);
    CHECK(plan.outcome == "would_purge");
    CHECK(plan.rows_deleted == 355);
    CHECK(test::app_rows_of(db, acme) == 355);

    test::TestContext tc(db);  // the superuser: row security does not apply
    auto r = purge(tc.ctx(), "acme", force);
    CHECK(r.outcome == "purged");
    CHECK(r.rows_deleted == 355);
    CHECK(r.keys_destroyed == 1);
    CHECK(test::app_rows_of(db, acme) == 0);
    CHECK(test::app_rows_of(db, globex) == globex_rows);
    CHECK(db.query_value("SELECT count(*) FROM public.teams WHERE tenant_id = '" + globex + "' AND manager_id IS NULL") ==
          "0");
    CHECK(db.query_value("SELECT state || ':' || (wrapped_key IS NULL) FROM tenantctl.tenant_keys WHERE tenant_id = '" +
                         acme + "'") == "destroyed:true");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.api_keys") == "0");
    // The tombstone keeps the slug, loses personal data.
    CHECK(db.query_value("SELECT status || ':' || coalesce(name, '-') || ':' || settings::text || ':' || "
                         "(purged_at IS NOT NULL) FROM tenantctl.tenants WHERE slug = 'acme'") == "purged:-:{}:true");
    CHECK(db.query_value("SELECT state FROM tenantctl.jobs WHERE kind = 'tenant_purge'") == "done");
    CHECK(db.query_value("SELECT metadata->>'rows_deleted' FROM tenantctl.audit_log WHERE action = 'tenant.purge'") ==
          "355");
    // Again: nothing to do. A purged tenant cannot be re-created or restored.
    CHECK(purge(tc.ctx(), "acme", force).outcome == "already_purged");
    CHECK(exit_of([&] { create(setup.ctx(), spec("acme"), false); }) == Exit::refused);
    CHECK(exit_of([&] { change_status(setup.ctx(), "acme", Transition::restore, {}); }) == Exit::refused);
}

TEST_CASE("a purge stopped at its deadline resumes from the checkpoint", "[integration][tenants]") {
    test::TestDatabase db;
    test::create_app_schema(db);
    test::TestContext tc(db);
    create(tc.ctx(), spec("acme"), false);
    const std::string acme = id_of(db, "acme");
    test::seed_app_rows(db, acme, 0, 2, 10, 2);
    TransitionOptions del;
    del.grace = util::parse_duration("0s");
    change_status(tc.ctx(), "acme", Transition::remove, del);
    PurgeOptions po;
    po.batch_size = 2;
    po.deadline = std::chrono::steady_clock::now();  // already over: one batch, then it stops
    auto first = purge(tc.ctx(), "acme", po);
    CHECK(first.outcome == "interrupted");
    CHECK(db.query_value("SELECT state FROM tenantctl.jobs WHERE kind = 'tenant_purge'") == "running");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys WHERE state = 'active'") == "1");
    // Restore is refused once rows may be gone.
    CHECK(exit_of([&] { change_status(tc.ctx(), "acme", Transition::restore, {}, true); }) == Exit::refused);
    auto due = purge_due(tc.ctx(), PurgeOptions{});
    REQUIRE(due.purged.size() == 1);
    CHECK(due.purged[0].outcome == "purged");
    CHECK(test::app_rows_of(db, acme) == 0);
}

TEST_CASE("purge_due purges only tenants past their grace period", "[integration][tenants]") {
    test::TestDatabase db;
    test::TestContext tc(db);
    for (const char* s : {"due-one", "later", "live"}) create(tc.ctx(), spec(s), false);
    TransitionOptions now, later;
    now.grace = util::parse_duration("0s");
    later.grace = util::parse_duration("30d");
    change_status(tc.ctx(), "due-one", Transition::remove, now);
    change_status(tc.ctx(), "later", Transition::remove, later);
    auto r = purge_due(tc.ctx(), {});
    REQUIRE(r.purged.size() == 1);
    CHECK(r.purged[0].slug == "due-one");
    CHECK(db.query_value("SELECT string_agg(slug || '=' || status, ',' ORDER BY slug) FROM tenantctl.tenants") ==
          "due-one=purged,later=pending_deletion,live=active");
}

TEST_CASE("apply creates, updates and is idempotent", "[integration][tenants]") {
    test::TestDatabase db;
    test::TestContext tc(db);
    create(tc.ctx(), spec("old-one"), false);
    auto manifest = parse_manifest(R"(tenants:
  - slug: acme
    name: "Robert'); DROP TABLE tenantctl.tenants;--"
    plan: pro
    settings: {"max'users": 5, "q": "\"; DELETE FROM x"}
    flags: {"beta\"flag": on}
  - slug: globex
    status: suspended
  - slug: old-one
    plan: pro
)",
                                   "m.yaml");
    auto r = apply(tc.ctx(), manifest, {"m.yaml", false, {}});
    CHECK(r.applied);
    CHECK(r.plan.summary() == "2 to create, 1 to update");
    CHECK(db.query_value("SELECT name FROM tenantctl.tenants WHERE slug = 'acme'") ==
          "Robert'); DROP TABLE tenantctl.tenants;--");
    CHECK(db.query_value("SELECT settings->>'max''users' FROM tenantctl.tenants WHERE slug = 'acme'") == "5");
    CHECK(db.query_value("SELECT flags->>'beta\"flag' FROM tenantctl.tenants WHERE slug = 'acme'") == "true");
    CHECK(db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'globex'") == "suspended");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys WHERE state = 'active'") == "3");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'tenant.apply'") == "1");
    const std::string events = db.query_value("SELECT count(*) FROM tenantctl.audit_log");

    auto again = apply(tc.ctx(), manifest, {"m.yaml", false, {}});
    CHECK_FALSE(again.applied);
    CHECK_FALSE(again.plan.has_changes());
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log") == events);

    // --prune deletes (with grace) what the manifest no longer lists.
    manifest.pop_back();
    // Deleting asks first: without --yes and without a terminal nothing changes.
    CHECK_THROWS_AS(apply(tc.ctx(), manifest, {"m.yaml", true, util::parse_duration("14d")}), Aborted);
    CHECK(db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'old-one'") != "pending_deletion");
    GlobalOptions confirmed_globals;
    confirmed_globals.yes = true;
    test::TestContext confirmed(db, {}, confirmed_globals);
    auto pruned = apply(confirmed.ctx(), manifest, {"m.yaml", true, util::parse_duration("14d")});
    CHECK(pruned.plan.summary() == "1 to delete, 2 unchanged");
    CHECK(db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'old-one'") == "pending_deletion");
}

TEST_CASE("apply refuses to run while another apply holds the lock", "[integration][tenants]") {
    test::TestDatabase db;
    test::TestContext holder(db);
    auto lock = holder->lock("tenant-apply");
    test::TestContext tc(db);
    auto manifest = parse_manifest("tenants:\n  - slug: acme\n", "m.yaml");
    CHECK(exit_of([&] { apply(tc.ctx(), manifest, {"m.yaml", false, {}}); }) == Exit::busy);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants") == "0");
}

TEST_CASE("apply waits for a tenant another command is changing", "[integration][tenants]") {
    test::TestDatabase db;
    test::TestContext tc(db);
    create(tc.ctx(), spec("acme"), false);
    test::TestContext holder(db);
    auto lock = holder->lock(lock_name("acme"));
    auto manifest = parse_manifest("tenants:\n  - slug: acme\n    plan: pro\n", "m.yaml");
    CHECK(exit_of([&] { apply(tc.ctx(), manifest, {"m.yaml", false, {}}); }) == Exit::busy);
    CHECK(db.query_value("SELECT plan FROM tenantctl.tenants WHERE slug = 'acme'") == "free");
}

TEST_CASE("show reports keys, row counts and recent events", "[integration][tenants]") {
    test::TestDatabase db;
    test::create_app_schema(db);
    test::TestContext tc(db);
    create(tc.ctx(), spec("acme"), false);
    test::seed_app_rows(db, id_of(db, "acme"), 0, 1, 4, 1);
    auto doc = show(tc.ctx(), "acme");
    CHECK(doc["slug"] == "acme");
    CHECK(doc["keys"].size() == 1);
    CHECK(doc["keys"][0]["state"] == "active");
    CHECK(doc["row_counts"]["public.users"] == 4);
    CHECK(doc["row_counts"]["public.documents"] == 4);
    CHECK(doc["recent_audit_events"][0]["action"] == "tenant.create");
    CHECK(exit_of([&] { show(tc.ctx(), "nope"); }) == Exit::not_found);
}

TEST_CASE("purge handles a cycle of NOT NULL deferrable foreign keys in one transaction", "[integration][tenants]") {
    test::TestDatabase db;
    db.exec(R"(
        CREATE TABLE public.a (tenant_id uuid NOT NULL, id bigint PRIMARY KEY, b_id bigint NOT NULL);
        CREATE TABLE public.b (tenant_id uuid NOT NULL, id bigint PRIMARY KEY,
                               a_id bigint NOT NULL REFERENCES public.a (id) DEFERRABLE);
        ALTER TABLE public.a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES public.b (id) DEFERRABLE;
    )");
    test::TestContext tc(db);
    create(tc.ctx(), spec("acme"), false);
    create(tc.ctx(), spec("globex"), false);
    const std::string acme = id_of(db, "acme"), globex = id_of(db, "globex");
    for (const auto& [id, base] : {std::pair{acme, 0}, std::pair{globex, 1000}}) {
        const std::string b = std::to_string(base);
        db.exec("BEGIN; SET CONSTRAINTS ALL DEFERRED; "
                "INSERT INTO public.a SELECT '" + id + "', " + b + " + g, " + b + " + g FROM generate_series(1, 40) g; "
                "INSERT INTO public.b SELECT '" + id + "', " + b + " + g, " + b + " + g FROM generate_series(1, 40) g; "
                "COMMIT");
    }
    PurgeOptions po;
    po.force = true;
    po.batch_size = 7;
    auto r = purge(tc.ctx(), "acme", po);
    CHECK(r.outcome == "purged");
    CHECK(r.rows_deleted == 80);
    CHECK(db.query_value("SELECT count(*) FROM public.a WHERE tenant_id = '" + acme + "'") == "0");
    CHECK(db.query_value("SELECT count(*) FROM public.b") == "40");
}

TEST_CASE("purge refuses a cycle it cannot break before changing anything", "[integration][tenants]") {
    test::TestDatabase db;
    db.exec(R"(
        CREATE TABLE public.a (tenant_id uuid NOT NULL, id bigint PRIMARY KEY, b_id bigint NOT NULL);
        CREATE TABLE public.b (tenant_id uuid NOT NULL, id bigint PRIMARY KEY, a_id bigint NOT NULL REFERENCES public.a (id));
        ALTER TABLE public.a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES public.b (id);
    )");
    test::TestContext tc(db);
    create(tc.ctx(), spec("acme"), false);
    PurgeOptions po;
    po.force = true;
    CHECK(exit_of([&] { purge(tc.ctx(), "acme", po); }) == Exit::refused);
    CHECK(db.query_value("SELECT status FROM tenantctl.tenants") == "active");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs") == "0");
}

TEST_CASE("purge refuses a referencing table it cannot scope to the tenant", "[integration][tenants]") {
    test::TestDatabase db;
    test::create_app_schema(db);
    db.exec("CREATE TABLE public.user_tags (user_id bigint NOT NULL REFERENCES public.users (id), tag text)");
    test::TestContext tc(db);
    create(tc.ctx(), spec("acme"), false);
    const std::string acme = id_of(db, "acme");
    test::seed_app_rows(db, acme, 0, 1, 3, 1);
    PurgeOptions po;
    po.force = true;
    try {
        purge(tc.ctx(), "acme", po);
        FAIL("expected Refused");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::refused);
        CHECK(std::string(e.what()).find("public.user_tags references public.users") != std::string::npos);
    }
    CHECK(test::app_rows_of(db, acme) == 1 + 3 + 3 + 3);
    CHECK(db.query_value("SELECT status FROM tenantctl.tenants") == "active");
    // With ON DELETE CASCADE the database removes those rows itself.
    db.exec("ALTER TABLE public.user_tags DROP CONSTRAINT user_tags_user_id_fkey, "
            "ADD FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE; "
            "INSERT INTO public.user_tags VALUES (100001, 'x')");
    CHECK(purge(tc.ctx(), "acme", po).outcome == "purged");
    CHECK(db.query_value("SELECT count(*) FROM public.user_tags") == "0");
}
