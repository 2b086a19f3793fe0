// End-to-end: the tenant commands through the built binary (stdout, stderr, exit codes).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <random>
#include <thread>

#include "core/tenants/model.hpp"
#include "tests/support/tenant_app_schema.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
using test::run_cli;

namespace {

std::string count(const test::TestDatabase& db, const std::string& where = "true") {
    return db.query_value("SELECT count(*) FROM tenantctl.tenants WHERE " + where);
}

std::string id_of(const test::TestDatabase& db, const std::string& slug) {
    return db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = '" + slug + "'");
}

}  // namespace

TEST_CASE("tenant create, list, show, update in every output format", "[e2e][tenants]") {
    test::TestDatabase db;
    auto r = run_cli({"tenant", "create", "acme", "--name", "Acme Corp", "--plan", "pro", "--region", "eu",
                      "--admin-email", "ops@acme.example", "-o", "json"},
                     &db);
    REQUIRE(r.exit_code == 0);
    auto created = nlohmann::json::parse(r.out);
    CHECK(created[0]["slug"] == "acme");
    CHECK(created[0]["key_version"] == 1);
    CHECK(created[0]["result"] == "created");
    CHECK(r.err.find("created with data key version 1") != std::string::npos);
    REQUIRE(run_cli({"tenant", "create", "globex", "--plan", "free"}, &db).exit_code == 0);

    auto list = run_cli({"tenant", "list", "-o", "json", "--plan", "pro"}, &db);
    REQUIRE(list.exit_code == 0);
    auto rows = nlohmann::json::parse(list.out);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["name"] == "Acme Corp");
    for (const char* format : {"table", "csv", "yaml", "ndjson"}) {
        auto out = run_cli({"tenant", "list", "-o", format}, &db);
        CHECK(out.exit_code == 0);
        CHECK(out.out.find("globex") != std::string::npos);
    }

    auto upd = run_cli({"tenant", "update", "acme", "--set", "max_users=50", "--flag", "beta=on", "--set",
                        "motd=x'); DROP TABLE tenantctl.tenants; --", "-o", "json"},
                       &db);
    REQUIRE(upd.exit_code == 0);
    CHECK(nlohmann::json::parse(upd.out).size() == 3);
    CHECK(db.query_value("SELECT settings->>'motd' FROM tenantctl.tenants WHERE slug = 'acme'") ==
          "x'); DROP TABLE tenantctl.tenants; --");
    auto same = run_cli({"tenant", "update", "acme", "--set", "max_users=50"}, &db);
    CHECK(same.exit_code == 0);
    CHECK(same.err.find("nothing to change") != std::string::npos);
    CHECK(run_cli({"tenant", "update", "acme"}, &db).exit_code == 2);

    auto show = run_cli({"tenant", "show", "acme", "-o", "json"}, &db);
    REQUIRE(show.exit_code == 0);
    auto doc = nlohmann::json::parse(show.out);
    CHECK(doc["settings"]["max_users"] == 50);
    CHECK(doc["flags"]["beta"] == true);
    CHECK(doc["keys"][0]["version"] == 1);
    CHECK(doc["recent_audit_events"][0]["action"] == "tenant.update");
    CHECK(doc["recent_audit_events"][0]["actor"].get<std::string>().rfind("operator:tester@", 0) == 0);
    CHECK(run_cli({"tenant", "show", "acme"}, &db).exit_code == 0);
}

TEST_CASE("tenant bad input: duplicate, unknown, invalid slug", "[e2e][tenants]") {
    test::TestDatabase db;
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db).exit_code == 0);
    auto dup = run_cli({"tenant", "create", "acme"}, &db);
    CHECK(dup.exit_code == 5);
    CHECK(dup.err.find("tenantctl: tenant 'acme' already exists") != std::string::npos);
    CHECK(run_cli({"tenant", "create", "acme", "--if-not-exists"}, &db).exit_code == 0);
    CHECK(count(db) == "1");

    auto unknown = run_cli({"tenant", "show", "nobody"}, &db);
    CHECK(unknown.exit_code == 4);
    CHECK(unknown.err.find("unknown tenant 'nobody'") != std::string::npos);
    for (auto cmd : std::vector<std::vector<std::string>>{{"tenant", "suspend", "nobody", "--reason", "x"},
                                                          {"tenant", "resume", "nobody"},
                                                          {"tenant", "update", "nobody", "--plan", "x"},
                                                          {"tenant", "delete", "nobody"},
                                                          {"tenant", "restore", "nobody"},
                                                          {"tenant", "purge", "nobody", "--yes"}})
        CHECK(run_cli(cmd, &db).exit_code == 4);

    auto bad = run_cli({"tenant", "create", "Acme_Corp"}, &db);
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("invalid slug 'Acme_Corp'") != std::string::npos);
    CHECK(run_cli({"tenant", "create", "all"}, &db).exit_code == 2);
    CHECK(run_cli({"tenant", "create", "x"}, &db).exit_code == 2);
    CHECK(run_cli({"tenant", "create", "ok-slug", "--id", "nope"}, &db).exit_code == 2);
    CHECK(run_cli({"tenant", "create", "ok-slug", "--isolation", "pool"}, &db).exit_code == 2);
    CHECK(count(db) == "1");
}

TEST_CASE("without USER or LOGNAME (cron, systemd) the actor is the OS user, not unknown", "[e2e][tenants]") {
    test::TestDatabase db;
    const passwd* me = getpwuid(geteuid());
    REQUIRE(me != nullptr);
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db, test::with_env({{"USER", ""}, {"LOGNAME", ""}})).exit_code == 0);
    const auto actor = db.query_value("SELECT actor_id FROM tenantctl.audit_log WHERE action = 'tenant.create'");
    CHECK(actor.rfind(std::string(me->pw_name) + "@", 0) == 0);
}

TEST_CASE("tenant suspend, resume, delete, restore, purge through the CLI", "[e2e][tenants]") {
    test::TestDatabase db;
    REQUIRE(run_cli({"tenant", "create", "acme"}, &db).exit_code == 0);
    CHECK(run_cli({"tenant", "suspend", "acme"}, &db).exit_code == 2);  // --reason is required
    auto s = run_cli({"tenant", "suspend", "acme", "--reason", "unpaid; DROP TABLE x", "--actor", "alice"}, &db);
    CHECK(s.exit_code == 0);
    CHECK(db.query_value("SELECT status || ':' || status_reason FROM tenantctl.tenants") == "suspended:unpaid; DROP TABLE x");
    CHECK(db.query_value("SELECT actor_id FROM tenantctl.audit_log WHERE action = 'tenant.suspend'") == "alice");
    CHECK(run_cli({"tenant", "resume", "acme"}, &db).exit_code == 0);
    CHECK(count(db, "status = 'active'") == "1");

    // Purging an active tenant is refused; with --dry-run nothing changes.
    auto refused = run_cli({"tenant", "purge", "acme", "--yes"}, &db);
    CHECK(refused.exit_code == 5);
    CHECK(refused.err.find("not pending deletion") != std::string::npos);
    CHECK(run_cli({"tenant", "purge", "acme"}, &db).exit_code == 10);  // no TTY, no --yes
    CHECK(run_cli({"tenant", "delete", "acme", "--grace", "7d", "--dry-run"}, &db).exit_code == 0);
    CHECK(count(db, "status = 'active'") == "1");

    CHECK(run_cli({"tenant", "delete", "acme", "--grace", "bogus"}, &db).exit_code == 2);
    auto del = run_cli({"tenant", "delete", "acme", "--grace", "7d"}, &db);
    CHECK(del.exit_code == 0);
    CHECK(del.err.find("tenant restore acme") != std::string::npos);
    CHECK(run_cli({"tenant", "purge", "acme", "--yes"}, &db).exit_code == 5);  // still in its grace period
    CHECK(run_cli({"tenant", "restore", "acme"}, &db).exit_code == 0);
    CHECK(count(db, "status = 'active'") == "1");

    REQUIRE(run_cli({"tenant", "delete", "acme", "--grace", "0s"}, &db).exit_code == 0);
    auto dry = run_cli({"tenant", "purge", "--due", "--dry-run", "-o", "json"}, &db);
    REQUIRE(dry.exit_code == 0);
    CHECK(nlohmann::json::parse(dry.out)[0]["outcome"] == "would_purge");
    // The audit events it keeps are named before anything is deleted, in the dry run too.
    CHECK(dry.err.find("tenant 'acme': its audit events stay in the audit log until `audit partitions prune` drops "
                       "their month (audit.retention: 400d)") != std::string::npos);
    CHECK(count(db, "status = 'pending_deletion'") == "1");
    auto filtered = run_cli({"tenant", "list", "--status", "pending_deletion", "--region", "nowhere", "-o", "json"}, &db);
    CHECK(filtered.exit_code == 0);
    CHECK(nlohmann::json::parse(filtered.out).empty());
    CHECK(run_cli({"tenant", "list", "--status", "gone"}, &db).exit_code == 2);
    auto purged = run_cli({"tenant", "purge", "--due", "--yes", "-o", "json"}, &db);
    REQUIRE(purged.exit_code == 0);
    auto rows = nlohmann::json::parse(purged.out);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["outcome"] == "purged");
    CHECK(rows[0]["keys_destroyed"] == 1);
    CHECK(purged.err.find("its audit events stay in the audit log") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) > 0 FROM tenantctl.audit_log a JOIN tenantctl.tenants t ON t.id = a.tenant_id "
                         "WHERE t.slug = 'acme'") == "t");
    CHECK(count(db, "status = 'purged' AND name IS NULL") == "1");
    CHECK(run_cli({"tenant", "create", "acme"}, &db).exit_code == 5);  // a tombstone keeps its slug
    // No live key for a tenant that is gone.
    auto rotate = run_cli({"keys", "rotate", "--tenant", "acme"}, &db);
    CHECK(rotate.exit_code == 5);
    CHECK(rotate.err.find("cannot change the data keys of tenant 'acme': it is purged") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys WHERE state <> 'destroyed'") == "0");
    for (const bool usage : {false, true}) {
        // Its destroyed versions are listed; there is no data left to count values in.
        std::vector<std::string> args{"keys", "status", "--tenant", "acme", "-o", "json"};
        if (!usage) args.push_back("--no-usage");
        auto status = run_cli(args, &db);
        INFO(status.err);
        CHECK(status.exit_code == 0);
        CHECK(status.out.find("\"destroyed\"") != std::string::npos);
    }
    CHECK(run_cli({"tenant", "list", "--status", "purged", "-o", "csv"}, &db).out.find("acme") != std::string::npos);
}

TEST_CASE("tenant apply: plan, apply, idempotent re-apply, JSON plan", "[e2e][tenants]") {
    test::TestDatabase db;
    test::TempDir dir;
    test::write_file(dir / "tenants.yaml", R"(tenants:
  - slug: acme
    name: Acme Corp
    plan: pro
    settings: {max_users: 50}
    flags: {beta: on}
  - slug: globex
    plan: free
    status: suspended
)");
    const std::string file = (dir / "tenants.yaml").string();
    auto dry = run_cli({"tenant", "apply", "-f", file, "--dry-run", "-o", "json"}, &db);
    REQUIRE(dry.exit_code == 0);
    CHECK(nlohmann::json::parse(dry.out).size() == 2);
    CHECK(dry.err.find("dry run: 2 to create") != std::string::npos);
    CHECK(count(db) == "0");

    auto first = run_cli({"tenant", "apply", "-f", file}, &db);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.find("create") != std::string::npos);
    CHECK(count(db) == "2");
    CHECK(count(db, "slug = 'globex' AND status = 'suspended'") == "1");

    auto second = run_cli({"tenant", "apply", "-f", file, "-o", "json"}, &db);
    CHECK(second.exit_code == 0);
    CHECK(nlohmann::json::parse(second.out).empty());
    CHECK(second.err.find("no changes: 2 tenant(s) up to date") != std::string::npos);

    test::write_file(dir / "tenants.yaml", "tenants:\n  - slug: acme\n    name: Acme Corp\n    plan: enterprise\n");
    // --prune deletes: without --yes and without a terminal it is aborted before any change.
    auto unconfirmed = run_cli({"tenant", "apply", "-f", file, "--prune"}, &db);
    CHECK(unconfirmed.exit_code == 10);
    CHECK(unconfirmed.err.find("delete 1 tenant(s) the manifest does not list (globex)") != std::string::npos);
    CHECK(count(db, "slug = 'globex' AND status = 'suspended'") == "1");
    CHECK(count(db, "plan = 'enterprise'") == "0");
    auto third = run_cli({"tenant", "apply", "-f", file, "--prune", "--yes", "-o", "json"}, &db);
    REQUIRE(third.exit_code == 0);
    auto plan = nlohmann::json::parse(third.out);
    REQUIRE(plan.size() == 2);
    CHECK(plan[0] == nlohmann::json({{"action", "update"}, {"slug", "acme"}, {"field", "plan"}, {"from", "pro"},
                                     {"to", "enterprise"}}));
    CHECK(plan[1]["action"] == "delete");
    CHECK(count(db, "slug = 'globex' AND status = 'pending_deletion'") == "1");
}

TEST_CASE("tenant apply bad input: YAML errors, duplicates, busy", "[e2e][tenants]") {
    test::TestDatabase db;
    test::TempDir dir;
    const std::string file = (dir / "t.yaml").string();

    test::write_file(file, "tenants:\n  - slug: acme\n  - slug: acme\n");
    auto dup = run_cli({"tenant", "apply", "-f", file}, &db);
    CHECK(dup.exit_code == 2);
    CHECK(dup.err.find(file + ":3:5: tenant 'acme' is listed twice (first at line 2)") != std::string::npos);

    test::write_file(file, "tenants:\n  - slug: acme\n    settings: {a: [1, 2}\n");
    auto yaml = run_cli({"tenant", "apply", "-f", file}, &db);
    CHECK(yaml.exit_code == 2);
    CHECK(yaml.err.find(file + ":3:") != std::string::npos);
    CHECK(yaml.err.find("invalid YAML") != std::string::npos);

    test::write_file(file, "tenants:\n  - slug: Bad\n");
    auto slug = run_cli({"tenant", "apply", "-f", file}, &db);
    CHECK(slug.exit_code == 2);
    CHECK(slug.err.find(file + ":2:11: invalid slug 'Bad'") != std::string::npos);

    CHECK(run_cli({"tenant", "apply", "-f", (dir / "missing.yaml").string()}, &db).exit_code == 2);
    CHECK(count(db) == "0");

    // Two applies at once: the second reports busy (exit 6) and changes nothing.
    test::write_file(file, "tenants:\n  - slug: acme\n");
    test::TestContext holder(db);
    auto lock = holder->lock("tenant-apply");
    auto busy = run_cli({"tenant", "apply", "-f", file}, &db);
    CHECK(busy.exit_code == 6);
    CHECK(busy.err.find("'tenant-apply' lock") != std::string::npos);
    CHECK(count(db) == "0");
}

namespace {

// Starts the binary without waiting (for kill -9 tests).
pid_t spawn_cli(const std::vector<std::string>& args, const test::TestDatabase& db) {
    std::vector<std::string> env_strings{"PATH=/usr/bin:/bin", "HOME=/tmp", "USER=tester",
                                         "TENANTCTL_DATABASE_URL=" + db.url(),
                                         "TENANTCTL_TEST_MASTER_KEY=" + test::test_master_key_base64(),
                                         "TENANTCTL_MASTER_KEY_SOURCE=env:TENANTCTL_TEST_MASTER_KEY"};
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{TENANTCTL_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()) == 0);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

}  // namespace

TEST_CASE("kill -9 during purge, then a re-run: zero rows left, other tenants intact", "[e2e][tenants][purge]") {
    test::TestDatabase db;
    test::create_app_schema(db);
    REQUIRE(run_cli({"tenant", "create", "victim"}, &db).exit_code == 0);
    REQUIRE(run_cli({"tenant", "create", "bystander"}, &db).exit_code == 0);
    const std::string victim = id_of(db, "victim"), bystander = id_of(db, "bystander");
    test::seed_app_rows(db, victim, 0, 20, 2000, 10);          // 20 + 2,000 + 20,000 + 20,000 rows
    test::seed_app_rows(db, bystander, 100000000, 5, 300, 3);
    const long bystander_rows = test::app_rows_of(db, bystander);
    REQUIRE(run_cli({"tenant", "delete", "victim", "--grace", "0s"}, &db).exit_code == 0);
    // 0.2 ms per deleted event makes a full purge take over 4 s on any machine, so the four
    // kills below (at most 0.4 s each) always land mid-run; dropped before the final run.
    db.exec(R"SQL(
CREATE FUNCTION slow_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.0002); RETURN OLD; END $$;
CREATE TRIGGER slow_down BEFORE DELETE ON public.events FOR EACH ROW EXECUTE FUNCTION slow_down();
)SQL");

    std::mt19937 rng(std::random_device{}());
    int kills = 0;
    for (int round = 0; round < 4 && test::app_rows_of(db, victim) > 0; ++round) {
        pid_t pid = spawn_cli({"tenant", "purge", "victim", "--yes", "--batch-size", "100", "--lock-timeout", "10s"}, db);
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 300));
        ::kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ++kills;  // died mid-run, not finished
        // Whatever was deleted, the keys stay until every row is gone.
        if (test::app_rows_of(db, victim) > 0)
            CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys WHERE tenant_id = '" + victim +
                                 "' AND state = 'active'") == "1");
        CHECK(test::app_rows_of(db, bystander) == bystander_rows);
    }
    CHECK(kills == 4);  // the purge really was interrupted, every time
    db.exec("DROP TRIGGER slow_down ON public.events");
    auto rerun = run_cli({"tenant", "purge", "victim", "--yes", "--batch-size", "100", "--lock-timeout", "10s"}, &db);
    CHECK(rerun.exit_code == 0);
    CHECK(test::app_rows_of(db, victim) == 0);
    CHECK(test::app_rows_of(db, bystander) == bystander_rows);
    CHECK(db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'victim'") == "purged");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys WHERE tenant_id = '" + victim +
                         "' AND wrapped_key IS NOT NULL") == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs WHERE kind = 'tenant_purge' AND state = 'running'") == "0");
}

TEST_CASE("an app trigger or key that refuses the purge's deletes is exit 5 naming the function or the row, and the "
          "purge finishes once the app allows it",
          "[e2e][tenants][purge]") {
    test::TestDatabase db;
    test::create_app_schema(db);
    REQUIRE(run_cli({"tenant", "create", "victim"}, &db).exit_code == 0);
    const std::string victim = id_of(db, "victim");
    test::seed_app_rows(db, victim, 0, 2, 5, 2);
    REQUIRE(run_cli({"tenant", "delete", "victim", "--grace", "0s"}, &db).exit_code == 0);
    const long rows = test::app_rows_of(db, victim);

    db.exec("CREATE FUNCTION public.keep_documents() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'documents are kept for 10 years'; END $$; "
            "CREATE TRIGGER keep_documents BEFORE DELETE ON public.documents FOR EACH ROW "
            "EXECUTE FUNCTION public.keep_documents()");
    auto raised = run_cli({"tenant", "purge", "victim", "--yes"}, &db);
    INFO(raised.err);
    CHECK(raised.exit_code == 5);
    CHECK(raised.err.find("documents are kept for 10 years (SQLSTATE P0001)") != std::string::npos);
    CHECK(raised.err.find("in PL/pgSQL function keep_documents() line 1 at RAISE") != std::string::npos);
    CHECK(raised.err.find("hint: raised by the database's own code: an app trigger or function refused the change") !=
          std::string::npos);
    CHECK(test::app_rows_of(db, victim) == rows);
    CHECK(count(db, "status = 'pending_deletion'") == "1");

    // A trigger that skips the delete in silence: the users' delete then meets the key.
    db.exec("CREATE OR REPLACE FUNCTION public.keep_documents() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RETURN NULL; END $$");
    auto kept = run_cli({"tenant", "purge", "victim", "--yes"}, &db);
    INFO(kept.err);
    CHECK(kept.exit_code == 5);
    CHECK(kept.err.find("violates foreign key constraint \"documents_owner_id_fkey\" on table \"documents\" (SQLSTATE "
                        "23503)") != std::string::npos);
    CHECK(kept.err.find("is still referenced from table \"documents\"") != std::string::npos);
    CHECK(kept.err.find("hint: a constraint of the app's schema refused the change") != std::string::npos);
    CHECK(count(db, "status = 'pending_deletion'") == "1");

    db.exec("DROP TRIGGER keep_documents ON public.documents");
    // The app keeps a version of each deleted user (PaperTrail's shape) in a table of the
    // tenant's whose step may be over by then: the purge takes those rows too.
    db.exec("CREATE TABLE public.versions (tenant_id uuid NOT NULL, item_id bigint, object jsonb); "
            "CREATE FUNCTION public.keep_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO public.versions VALUES (OLD.tenant_id, OLD.id, to_jsonb(OLD)); RETURN OLD; END $$; "
            "CREATE TRIGGER users_versions AFTER DELETE ON public.users FOR EACH ROW "
            "EXECUTE FUNCTION public.keep_version()");
    auto purged = run_cli({"tenant", "purge", "victim", "--yes"}, &db);
    INFO(purged.err);
    CHECK(purged.exit_code == 0);
    CHECK(purged.err.find("purge of tenant 'victim': rows arrived during the purge in public.versions (5 rows); "
                          "deleting them") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM public.versions") == "0");
    CHECK(test::app_rows_of(db, victim) == 0);
    CHECK(count(db, "status = 'purged'") == "1");
}
