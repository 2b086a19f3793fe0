// Integration: `tenant restore-from` (core/portability/restore) on every pattern of the schema
// corpus. The backup is a copy of the database taken before the damage (CREATE DATABASE ...
// TEMPLATE: what a point-in-time restore gives); afterwards the tenant's rows are lost here,
// the other tenant changes, and the restore must bring back exactly the tenant's rows of the
// backup while the other tenant keeps its changes.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "core/config/config.hpp"
#include "core/portability/restore.hpp"
#include "tests/support/schema_corpus.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;
using tenantctl::test::exit_of;

namespace {

struct RestoreSetup {
    const corpus::Pattern& p;
    test::TestDatabase here;
    std::unique_ptr<test::TestDatabase> backup;
    corpus::Registered ids;
    bool fire_triggers = false;
    explicit RestoreSetup(const corpus::Pattern& pattern) : p(pattern) {
        corpus::setup(here, p);
        ids = corpus::register_tenants(here, p);
        corpus::encrypt_seeded(here, p, ids);
        backup = test::TestDatabase::copy_of(here);
    }
    portability::RestoreResult restore(const std::string& mode, std::vector<std::string> tables = {},
                                       GlobalOptions globals = {}) const {
        auto cfg = config::parse_config(p.config_yaml, p.name + ".yaml");
        cfg.contexts["backup"] = config::ContextConfig{corpus::conninfo_for(*backup, p), false};
        globals.yes = true;
        test::TestContext tc(here, cfg, globals);
        tc->set_conninfo(db::ConnInfo{corpus::conninfo_for(here, p), "corpus"});
        portability::RestoreOptions o;
        o.from = "backup";
        o.slug = "acme";
        o.mode = mode;
        o.tables = std::move(tables);
        o.note = "the test's backup";
        o.fire_triggers = fire_triggers;
        return portability::restore_from(tc.ctx(), o);
    }
};

bool has_identity_everywhere(const test::TestDatabase& db, const corpus::Pattern& p) {
    // Every relation of the pattern has a primary key or a unique constraint (merge needs one).
    for (const auto& r : p.relations)
        if (db.query_value(fmt::format("SELECT count(*) FROM pg_index WHERE indrelid = '{}'::regclass AND "
                                       "(indisprimary OR indisunique)",
                                       r)) == "0")
            return false;
    return true;
}

}  // namespace

TEST_CASE("tenant restore-from --mode replace: the tenant's rows of the backup, the other tenant's changes kept, on every "
          "pattern",
          "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        RestoreSetup s(p);
        const auto backup_a = corpus::snapshot_tenant(*s.backup, p, p.tenant_a);
        REQUIRE(corpus::row_count(backup_a) > 0);
        // The damage, after the backup: every app row of acme lost, globex's rows gone too
        // (a change of the other tenant the restore must not undo).
        corpus::remove_rows(s.here, p, p.tenant_a);
        corpus::remove_rows(s.here, p, p.tenant_b);
        const auto damaged = corpus::snapshot(s.here, p);

        if (p.connect_as) {
            CHECK(exit_of([&] { s.restore("replace"); }) == Exit::refused);  // FORCE RLS would filter its reads
            CHECK(corpus::snapshot(s.here, p) == damaged);
            return;
        }
        GlobalOptions dry;
        dry.dry_run = true;
        const auto plan = s.restore("replace", {}, dry);
        CHECK(plan.dry_run);
        CHECK(plan.inserted == static_cast<long long>(corpus::row_count(backup_a)));
        CHECK(plan.deleted == 0);
        CHECK(corpus::snapshot(s.here, p) == damaged);

        const auto r = s.restore("replace");
        CHECK(r.inserted == plan.inserted);
        CHECK(corpus::snapshot_tenant(s.here, p, p.tenant_a) == backup_a);
        CHECK(corpus::row_count(corpus::snapshot_tenant(s.here, p, p.tenant_b)) == 0);
        CHECK(corpus::minus(corpus::snapshot(s.here, p), backup_a) == damaged);
        CHECK(s.here.query_value("SELECT metadata->>'mode' || ' ' || (metadata->>'inserted') FROM tenantctl.audit_log "
                                 "WHERE action = 'tenant.restore_from'") == fmt::format("replace {}", r.inserted));

        // Again: every row is deleted and written back, and the result is the same.
        const auto again = s.restore("replace");
        CHECK(again.deleted == r.inserted);
        CHECK(again.inserted == r.inserted);
        CHECK(corpus::snapshot_tenant(s.here, p, p.tenant_a) == backup_a);
    });
}

TEST_CASE("tenant restore-from: the app's triggers stay quiet, and one that keeps rows from being deleted does not "
          "keep today's rows",
          "[integration][portability]") {
    RestoreSetup s(corpus::get("app_triggers"));
    const auto backup_a = corpus::snapshot_tenant(*s.backup, s.p, s.p.tenant_a);
    // After the backup: a member's address changed, and the app now refuses, silently, to
    // delete members (a BEFORE DELETE trigger returning NULL).
    s.here.exec("UPDATE public.members SET email = 'alice@new.example' WHERE id = 1; "
                "CREATE FUNCTION public.never_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$; "
                "CREATE TRIGGER members_kept BEFORE DELETE ON public.members FOR EACH ROW "
                "EXECUTE FUNCTION public.never_delete()");
    const auto before = corpus::snapshot(s.here, s.p);
    const std::string signups = s.here.query_value("SELECT signups FROM public.signup_totals");

    s.fire_triggers = true;  // let fire, the delete keeps today's rows and the backup's collide with them
    CHECK(exit_of([&] { s.restore("replace"); }) != Exit::ok);
    CHECK(corpus::snapshot(s.here, s.p) == before);

    s.fire_triggers = false;
    const auto r = s.restore("replace");
    CHECK(r.deleted == r.inserted);
    CHECK(corpus::snapshot_tenant(s.here, s.p, s.p.tenant_a) == backup_a);  // the welcome emails not queued again
    CHECK(s.here.query_value("SELECT signups FROM public.signup_totals") == signups);
    // Only the restore's transaction was quiet: the app's rule holds again.
    s.here.exec("DELETE FROM public.members WHERE id = 3");
    CHECK(s.here.query_value("SELECT count(*) FROM public.members WHERE id = 3") == "1");

    // The keys into the replaced table are checked too: a member the backup lacks, whose
    // queued email (a table left out, referencing it without cascade) stays, is refused.
    const std::string no_cascade = "ALTER TABLE public.outbox DROP CONSTRAINT outbox_member_id_fkey, ADD CONSTRAINT "
                                   "outbox_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members (id)";
    s.here.exec(no_cascade);
    s.backup->exec(no_cascade + "; DELETE FROM public.outbox WHERE member_id = 3; DELETE FROM public.members WHERE id = 3");
    const auto kept = corpus::snapshot(s.here, s.p);
    try {
        s.restore("replace", {"public.members"});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::refused);
        CHECK(std::string(e.what()).find("public.outbox: 1 row references no row of public.members here (foreign key "
                                         "outbox_member_id_fkey)") != std::string::npos);
    }
    CHECK(corpus::snapshot(s.here, s.p) == kept);
}

TEST_CASE("tenant restore-from --mode merge: the missing rows come back, a second merge adds nothing, on every pattern",
          "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        if (p.connect_as) return;  // refused as in replace
        RestoreSetup s(p);
        const auto backup_a = corpus::snapshot_tenant(*s.backup, p, p.tenant_a);
        corpus::remove_rows(s.here, p, p.tenant_a);
        const auto damaged = corpus::snapshot(s.here, p);
        if (!has_identity_everywhere(s.here, p)) {
            CHECK(exit_of([&] { s.restore("merge"); }) == Exit::refused);
            CHECK(corpus::snapshot(s.here, p) == damaged);
            return;
        }
        portability::RestoreResult r;
        const Exit code = exit_of([&] { r = s.restore("merge"); });
        if (code == Exit::refused) {  // a cycle that cannot be deferred: merge cannot order it
            CHECK(corpus::snapshot(s.here, p) == damaged);
            return;
        }
        REQUIRE(code == Exit::ok);
        CHECK(r.inserted == static_cast<long long>(corpus::row_count(backup_a)));
        CHECK(corpus::snapshot_tenant(s.here, p, p.tenant_a) == backup_a);
        CHECK(corpus::minus(corpus::snapshot(s.here, p), backup_a) == damaged);
        CHECK(s.restore("merge").inserted == 0);
    });
}

TEST_CASE("tenant restore-from --mode merge keeps today's version of a row, replace brings back the backup's",
          "[integration][portability]") {
    RestoreSetup s(corpus::get("composite_fk"));
    const auto backup_a = corpus::snapshot_tenant(*s.backup, s.p, s.p.tenant_a);
    const std::string task = "SELECT count(*) FROM public.tasks WHERE tenant_id = 1";
    const std::string tasks_before = s.here.query_value(task);
    s.here.exec("DELETE FROM public.tasks WHERE tenant_id = 1 AND project_id = 1 AND id = 1; "
                "UPDATE public.projects SET name = 'renamed today' WHERE tenant_id = 1");
    const auto r = s.restore("merge");
    CHECK(r.inserted == 1);
    CHECK(s.here.query_value(task) == tasks_before);
    CHECK(s.here.query_value("SELECT count(*) FROM public.projects WHERE tenant_id = 1 AND name = 'renamed today'") != "0");

    const auto replaced = s.restore("replace", {"projects", "public.tasks"});
    CHECK(replaced.tables.size() == 2);
    CHECK(s.here.query_value("SELECT count(*) FROM public.projects WHERE name = 'renamed today'") == "0");
    CHECK(corpus::snapshot_tenant(s.here, s.p, s.p.tenant_a) == backup_a);
}

TEST_CASE("tenant restore-from: refused before anything changes", "[integration][portability]") {
    RestoreSetup s(corpus::get("composite_fk"));
    corpus::remove_rows(s.here, s.p, s.p.tenant_a);
    const auto damaged = corpus::snapshot(s.here, s.p);
    SECTION("a mode that is neither replace nor merge, a table the tenant's data does not have") {
        CHECK(exit_of([&] { s.restore("overwrite"); }) == Exit::usage);
        CHECK(exit_of([&] { s.restore("replace", {"public.nope"}); }) == Exit::usage);
    }
    SECTION("replacing a table whose rows cascade into one left out") {
        const auto code = exit_of([&] { s.restore("replace", {"public.projects"}); });
        const bool cascades = s.here.query_value("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confdeltype = 'c' "
                                                 "AND confrelid = 'public.projects'::regclass") != "0";
        CHECK(code == (cascades ? Exit::refused : Exit::ok));
        if (cascades) CHECK(corpus::snapshot(s.here, s.p) == damaged);
    }
    SECTION("a backup of another tenant under the same slug") {
        s.backup->exec("UPDATE tenantctl.tenants SET slug = 'acme-old' WHERE slug = 'acme'; "
                       "INSERT INTO tenantctl.tenants (id, slug, tenancy_key) VALUES (gen_random_uuid(), 'acme', '99')");
        CHECK(exit_of([&] { s.restore("replace"); }) == Exit::refused);
        CHECK(corpus::snapshot(s.here, s.p) == damaged);
    }
    SECTION("a schema that differs from the backup's") {
        s.here.exec("ALTER TABLE public.tasks ADD COLUMN due date NOT NULL DEFAULT '2026-01-01'; "
                    "ALTER TABLE public.tasks ALTER COLUMN due DROP DEFAULT");
        CHECK(exit_of([&] { s.restore("replace"); }) == Exit::refused);
        CHECK(exit_of([&] { s.restore("merge"); }) == Exit::refused);
    }
    SECTION("replace, with a column here the backup does not have: every row would get its default") {
        s.here.exec("ALTER TABLE public.tasks ADD COLUMN priority int DEFAULT 2; "
                    "UPDATE public.tasks SET priority = 1");
        const auto after_column = corpus::snapshot(s.here, s.p);
        CHECK(exit_of([&] { s.restore("replace"); }) == Exit::refused);
        CHECK(exit_of([&] { s.restore("replace", {"public.tasks"}); }) == Exit::refused);
        CHECK(corpus::snapshot(s.here, s.p) == after_column);
        CHECK(s.here.query_value("SELECT count(*) FROM public.tasks WHERE priority <> 1") == "0");
        // Merge keeps today's rows; a row it brings back gets the column's default.
        CHECK(exit_of([&] { s.restore("merge"); }) == Exit::ok);
        CHECK(s.here.query_value("SELECT count(*) FROM public.tasks WHERE priority = 1") != "0");
    }
    SECTION("a trigger here that changes rows, let fire: the read back fails, nothing is committed") {
        s.here.exec("CREATE FUNCTION public.shout() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$BEGIN NEW.title := upper(NEW.title); RETURN NEW; END$$; "
                    "CREATE TRIGGER shout BEFORE INSERT ON public.tasks FOR EACH ROW EXECUTE FUNCTION public.shout()");
        const auto tasks = s.here.query_value("SELECT string_agg(title, ',' ORDER BY title) FROM public.tasks");
        s.fire_triggers = true;
        CHECK(exit_of([&] { s.restore("replace"); }) == Exit::integrity);
        CHECK(exit_of([&] { s.restore("merge"); }) == Exit::integrity);
        CHECK(s.here.query_value("SELECT string_agg(title, ',' ORDER BY title) FROM public.tasks") == tasks);
        // Quiet (the default), the backup's rows come back as they were.
        s.fire_triggers = false;
        CHECK(exit_of([&] { s.restore("replace"); }) == Exit::ok);
        CHECK(s.here.query_value("SELECT string_agg(title, ',' ORDER BY title) FROM public.tasks") ==
              s.backup->query_value("SELECT string_agg(title, ',' ORDER BY title) FROM public.tasks"));
    }
}
