// End-to-end: `tenant diff` and `tenant copy` as an operator runs them, the other database named by a context of
// the config file.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <regex>
#include <set>

#include "tests/support/fault.hpp"
#include "tests/support/schema_corpus.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;

namespace {

struct TwoDatabases {
    const corpus::Pattern& p;
    test::TestDatabase here, there;
    test::TempDir dir;
    corpus::Registered ids_there;
    explicit TwoDatabases(std::string_view pattern = "composite_fk") : p(corpus::get(pattern)) {
        corpus::setup(here, p);
        corpus::register_tenants(here, p);
        corpus::setup(there, p);
        ids_there = corpus::register_tenants(there, p);
        test::write_file(dir / "tenantctl.yaml",
                         p.config_yaml + "contexts:\n  peer:\n    database: \"" + there.url() + "\"\n");
    }
    // The other database without tenant acme: where `tenant copy` sends it.
    void remove_acme_there() { corpus::remove_tenant(there, p, p.tenant_a, ids_there.a); }
    std::string acme_rows_there() {
        return there.query_value("SELECT (SELECT count(*) FROM public.companies WHERE id = 1) + "
                                 "(SELECT count(*) FROM public.users WHERE tenant_id = 1) + "
                                 "(SELECT count(*) FROM public.projects WHERE tenant_id = 1) + "
                                 "(SELECT count(*) FROM public.tasks WHERE tenant_id = 1) + "
                                 "(SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme')");
    }
    test::CliResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"-c", (dir / "tenantctl.yaml").string()});
        return test::run_cli(args, &here);
    }
};

}  // namespace

TEST_CASE("e2e: tenant diff prints one row per table, exit 0 when equal and 3 when not", "[e2e][portability]") {
    TwoDatabases two;
    auto same = two.run({"tenant", "diff", "acme", "--against", "peer"});
    INFO(same.err);
    CHECK(same.exit_code == 0);
    CHECK(same.out.rfind("TABLE", 0) == 0);
    CHECK(same.out.find("public.users") != std::string::npos);
    CHECK(same.out.find("differs") == std::string::npos);
    CHECK(same.err.find("compared tenant 'acme' here (") != std::string::npos);

    two.there.exec("DELETE FROM public.tasks WHERE tenant_id = 1 AND id = 2");
    auto diff = two.run({"tenant", "diff", "acme", "--against", "peer", "-o", "json"});
    INFO(diff.err);
    CHECK(diff.exit_code == 3);
    CHECK(diff.err.find("tenant 'acme' differs in 1 of 4 tables between here and --against peer") != std::string::npos);
    auto rows = nlohmann::json::parse(diff.out);
    REQUIRE(rows.size() == 4);
    for (const auto& row : rows) {
        INFO(row.dump());
        if (row["table"] == "public.tasks") {
            CHECK(row["status"] == "differs");
            CHECK(row["source_rows"] == 3);
            CHECK(row["target_rows"] == 2);
            CHECK(row["details"] == "1 row more at the source");
            CHECK(row["source_checksum"].get<std::string>().size() == 16);
        } else {
            CHECK(row["status"] == "same");
            CHECK(row["source_checksum"] == row["target_checksum"]);
        }
    }
    // The other tenant is unaffected.
    CHECK(two.run({"tenant", "diff", "globex", "--against", "peer", "-q"}).exit_code == 0);
}

TEST_CASE("e2e: tenant diff refuses what it cannot compare, in one line with its exit code", "[e2e][portability]") {
    TwoDatabases two;
    auto missing = two.run({"tenant", "diff", "acme"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("--against") != std::string::npos);
    auto unknown = two.run({"tenant", "diff", "acme", "--against", "pear"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("unknown context 'pear'") != std::string::npos);
    CHECK(unknown.err.find("did you mean 'peer'?") != std::string::npos);
    auto nobody = two.run({"tenant", "diff", "initech", "--against", "peer"});
    CHECK(nobody.exit_code == 4);
    CHECK(nobody.err.find("unknown tenant 'initech'") != std::string::npos);
    two.there.exec("UPDATE tenantctl.tenants SET slug = 'acme-old' WHERE slug = 'acme'");
    auto gone = two.run({"tenant", "diff", "acme", "--against", "peer"});
    CHECK(gone.exit_code == 4);
    CHECK(gone.err.find("unknown tenant 'acme' at --against peer") != std::string::npos);
    CHECK(gone.out.empty());
}

TEST_CASE("e2e: tenant copy prints what arrived and verified, and a dry run changes nothing", "[e2e][portability]") {
    TwoDatabases two;
    two.remove_acme_there();
    auto dry = two.run({"tenant", "copy", "acme", "--to", "peer", "--dry-run"});
    INFO(dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.err.find("would copy tenant 'acme' (9 rows in 4 tables, 1 data keys, 0 API keys, 0 audit events) to --to peer") !=
          std::string::npos);
    CHECK(dry.err.find("verified there and rolled back") != std::string::npos);
    CHECK(two.acme_rows_there() == "0");

    auto copied = two.run({"tenant", "copy", "acme", "--to", "peer", "-o", "json"});
    INFO(copied.err);
    CHECK(copied.exit_code == 0);
    CHECK(copied.err.find("copied tenant 'acme' (9 rows in 4 tables") != std::string::npos);
    auto rows = nlohmann::json::parse(copied.out);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0]["table"] == "public.companies");  // parents first
    CHECK(two.acme_rows_there() == "10");
    CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);

    auto again = two.run({"tenant", "copy", "acme", "--to", "peer"});
    CHECK(again.exit_code == 5);
    CHECK(again.err.find("tenant 'acme' already exists at --to peer") != std::string::npos);
}

TEST_CASE("e2e: tenant copy keeps the app's triggers quiet, and refuses in one line a reference the destination "
          "cannot hold",
          "[e2e][portability]") {
    TwoDatabases two("app_triggers");
    two.remove_acme_there();
    const std::string signups = two.there.query_value("SELECT signups FROM public.signup_totals");
    two.there.exec("DELETE FROM public.plans WHERE id = 'pro'");
    auto refused = two.run({"tenant", "copy", "acme", "--to", "peer"});
    CHECK(refused.exit_code == 5);
    CHECK(refused.err.rfind("tenantctl: public.members: 2 rows of the tenant reference no row of public.plans at --to "
                            "peer (foreign key members_plan_id_fkey): nothing was committed\n",
                            0) == 0);
    CHECK(refused.out.empty());
    CHECK(two.there.query_value("SELECT count(*) FROM public.members WHERE tenant_id = '" + two.p.tenant_a + "'") == "0");

    two.there.exec("INSERT INTO public.plans VALUES ('pro', 100)");
    auto copied = two.run({"tenant", "copy", "acme", "--to", "peer"});
    INFO(copied.err);
    CHECK(copied.exit_code == 0);
    CHECK(copied.err.find("; 1 trigger of the app kept quiet) to --to peer") != std::string::npos);
    CHECK(two.there.query_value("SELECT signups FROM public.signup_totals") == signups);
    CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);
}

TEST_CASE("e2e: tenant copy killed or cut off mid-way leaves the destination unchanged, and the re-run copies it",
          "[e2e][portability][fault]") {
    for (auto [hit, fault] : {std::pair{1, test::Fault::kill}, std::pair{3, test::Fault::kill},
                              std::pair{2, test::Fault::terminate}}) {
        DYNAMIC_SECTION(test::to_string(fault) << " after table " << hit) {
            TwoDatabases two;
            two.remove_acme_there();
            auto faulted = test::run_with_fault({"-c", (two.dir / "tenantctl.yaml").string(), "tenant", "copy", "acme",
                                                 "--to", "peer"},
                                                two.here, "copy.table", hit, fault);
            INFO(faulted.err);
            CHECK(faulted.exit_code == (fault == test::Fault::kill ? 128 + SIGKILL : 7));
            CHECK(two.acme_rows_there() == "0");
            auto again = two.run({"tenant", "copy", "acme", "--to", "peer"});
            INFO(again.err);
            CHECK(again.exit_code == 0);
            CHECK(two.acme_rows_there() == "10");
            CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);
        }
    }
}

TEST_CASE("e2e: tenant copy into a protected context wants its name typed, or --yes without a terminal", "[e2e][portability]") {
    TwoDatabases two;
    two.remove_acme_there();
    test::write_file(two.dir / "tenantctl.yaml", two.p.config_yaml + "contexts:\n  peer:\n    database: \"" +
                                                     two.there.url() + "\"\n    protected: true\n");
    auto refused = two.run({"tenant", "copy", "acme", "--to", "peer"});
    CHECK(refused.exit_code == 10);
    CHECK(refused.err.find("writes tenant 'acme' into the protected context 'peer'") != std::string::npos);
    CHECK(two.acme_rows_there() == "0");
    CHECK(two.run({"tenant", "copy", "acme", "--to", "peer", "--dry-run"}).exit_code == 0);  // changes nothing: not asked
    CHECK(two.acme_rows_there() == "0");
    CHECK(two.run({"tenant", "copy", "acme", "--to", "peer", "--yes"}).exit_code == 0);
    CHECK(two.acme_rows_there() == "10");
}

TEST_CASE("e2e: tenant copy --as --anonymize makes a second tenant without personal data, next to the original",
          "[e2e][portability]") {
    TwoDatabases two;  // the other database has acme already: the copy goes in next to it
    auto lone_key = two.run({"tenant", "copy", "acme", "--to", "peer", "--as-key", "77"});
    CHECK(lone_key.exit_code == 2);
    CHECK(lone_key.err.find("--as-key goes with --as NEWSLUG") != std::string::npos);
    auto lone_allow = two.run({"tenant", "copy", "acme", "--to", "peer", "--allow-unclassified"});
    CHECK(lone_allow.exit_code == 2);
    auto no_key = two.run({"tenant", "copy", "acme", "--to", "peer", "--as", "acme-repro"});
    CHECK(no_key.exit_code == 2);
    CHECK(no_key.err.find("give the copy its key with --as-key KEY") != std::string::npos);
    auto bad_slug = two.run({"tenant", "copy", "acme", "--to", "peer", "--as", "Acme Repro", "--as-key", "77"});
    CHECK(bad_slug.exit_code == 2);
    CHECK(bad_slug.err.find("invalid slug") != std::string::npos);

    const std::string users_here = two.here.query_value("SELECT count(*) FROM public.users WHERE tenant_id = 1");
    auto copied = two.run({"tenant", "copy", "acme", "--to", "peer", "--as", "acme-repro", "--as-key", "77", "--anonymize",
                           "--allow-unclassified"});
    INFO(copied.err);
    CHECK(copied.exit_code == 0);
    CHECK(copied.err.find("copied tenant 'acme' (") != std::string::npos);
    CHECK(copied.err.find("as 'acme-repro'") != std::string::npos);
    CHECK(copied.err.find("columns anonymized") != std::string::npos);
    CHECK(two.there.query_value("SELECT count(*) FROM public.users WHERE tenant_id = 77") == users_here);
    CHECK(two.there.query_value("SELECT count(*) FROM public.users WHERE tenant_id = 77 AND email LIKE '%@example.com'") == "0");
    CHECK(two.there.query_value("SELECT tenancy_key FROM tenantctl.tenants WHERE slug = 'acme-repro'") == "77");
    CHECK(two.there.query_value("SELECT count(*) FROM public.users WHERE tenant_id = 1") == users_here);  // the original, untouched
}

TEST_CASE("e2e: tenant diff --as compares with a copy made by tenant copy --as, exit 0 when faithful and 3 when not",
          "[e2e][portability]") {
    TwoDatabases two;  // the copy goes in next to acme at the other database
    auto copied = two.run({"tenant", "copy", "acme", "--to", "peer", "--as", "acme-twin", "--as-key", "78"});
    INFO(copied.err);
    REQUIRE(copied.exit_code == 0);
    auto same = two.run({"tenant", "diff", "acme", "--against", "peer", "--as", "acme-twin"});
    INFO(same.err);
    CHECK(same.exit_code == 0);
    CHECK(same.out.find("public.tasks") != std::string::npos);
    CHECK(same.out.find("differs") == std::string::npos);
    // Without --as, acme is compared with acme there: the original, not the copy.
    two.there.exec("UPDATE public.tasks SET title = 'changed' WHERE tenant_id = 78 AND project_id = 1 AND id = 2");
    CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);
    auto changed = two.run({"tenant", "diff", "acme", "--against", "peer", "--as", "acme-twin", "-o", "json"});
    INFO(changed.err);
    CHECK(changed.exit_code == 3);
    CHECK(changed.err.find("differs in 1 of 4 tables") != std::string::npos);

    auto own = two.run({"tenant", "diff", "acme", "--against", "peer", "--as", "acme"});
    CHECK(own.exit_code == 2);
    CHECK(own.err.find("that is the tenant's own slug") != std::string::npos);
    CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "--as", "Not A Slug"}).exit_code == 2);
    auto unknown = two.run({"tenant", "diff", "acme", "--against", "peer", "--as", "nobody"});
    CHECK(unknown.exit_code == 4);
    CHECK(unknown.out.empty());
}

// [single-node]: the backup is a template copy of the test database, which a Citus database
// cannot be (its shards live on the workers).
TEST_CASE("e2e: tenant restore-from shows the difference in a dry run, asks before replacing, and brings the rows back",
          "[e2e][portability][single-node]") {
    const corpus::Pattern& p = corpus::get("composite_fk");
    test::TestDatabase here;
    corpus::setup(here, p);
    corpus::register_tenants(here, p);
    const auto backup = test::TestDatabase::copy_of(here);
    test::TempDir dir;
    test::write_file(dir / "tenantctl.yaml", p.config_yaml + "contexts:\n  backup:\n    database: \"" + backup->url() + "\"\n");
    const auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"-c", (dir / "tenantctl.yaml").string()});
        return test::run_cli(args, &here);
    };
    here.exec("DELETE FROM public.tasks WHERE tenant_id = 1");  // the mistake
    const std::string tasks = "SELECT count(*) FROM public.tasks WHERE tenant_id = 1";

    auto no_mode = run({"tenant", "restore-from", "backup", "acme"});
    CHECK(no_mode.exit_code == 2);
    CHECK(no_mode.err.find("--mode") != std::string::npos);
    auto bad_mode = run({"tenant", "restore-from", "backup", "acme", "--mode", "overwrite"});
    CHECK(bad_mode.exit_code == 2);

    auto dry = run({"tenant", "restore-from", "backup", "acme", "--mode", "merge", "--dry-run", "-o", "json"});
    INFO(dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.err.find("would restore tenant 'acme' from backup") != std::string::npos);
    const auto rows = nlohmann::json::parse(dry.out);
    bool saw_tasks = false;
    for (const auto& row : rows)
        if (row["table"] == "public.tasks") {
            saw_tasks = true;
            CHECK(row["here_before"] == 0);
            CHECK(row["backup"] == 3);
            CHECK(row["inserted"] == 3);
            CHECK(row["differed"] == true);
        }
    CHECK(saw_tasks);
    CHECK(here.query_value(tasks) == "0");

    // replace deletes: without a terminal it wants --yes, and changes nothing without it.
    auto unasked = run({"tenant", "restore-from", "backup", "acme", "--mode", "replace"});
    CHECK(unasked.exit_code == 10);
    CHECK(here.query_value(tasks) == "0");
    auto replaced = run({"tenant", "restore-from", "backup", "acme", "--mode", "replace", "--yes", "--tables",
                         "projects,tasks", "--point-in-time-note", "before the bulk delete"});
    INFO(replaced.err);
    CHECK(replaced.exit_code == 0);
    CHECK(replaced.err.find("restored tenant 'acme' from backup") != std::string::npos);
    CHECK(here.query_value(tasks) == "3");
    CHECK(here.query_value("SELECT metadata->>'point_in_time_note' FROM tenantctl.audit_log WHERE action = "
                           "'tenant.restore_from'") == "before the bulk delete");
}

namespace {

std::string status_of(const test::TestDatabase& db) {
    const auto s = db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'");
    return s.empty() ? "absent" : s;
}

// The rows a move's copy in batches has written there, as its checkpoint there counts them
// (-1: no copy in part).
std::string rows_checkpointed(const test::TestDatabase& there) {
    return there.query_value("SELECT coalesce((SELECT (counts->>'rows')::bigint FROM tenantctl.jobs WHERE kind = "
                             "'tenant.move.copy' AND state = 'running'), -1)");
}

// After a stopped move: running it again (without --online: what it finds decides) finishes
// it, with every row there and the two sides the same.
void check_move_finishes(TwoDatabases& two) {
    auto resumed = two.run({"tenant", "move", "acme", "--to", "peer"});
    INFO(resumed.err);
    CHECK(resumed.exit_code == 0);
    CHECK(resumed.err.find("resumed and finished moving tenant 'acme'") != std::string::npos);
    CHECK(status_of(two.here) == "moved");
    CHECK(status_of(two.there) == "active");
    CHECK(two.acme_rows_there() == "10");
    CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);
}

}  // namespace

TEST_CASE("e2e: tenant move copies, verifies, switches over, and leaves the rows here for the grace period",
          "[e2e][portability]") {
    TwoDatabases two;
    two.remove_acme_there();
    const std::string rows_here = "SELECT count(*) FROM public.tasks WHERE tenant_id = 1";
    const auto tasks_here = two.here.query_value(rows_here);

    auto dry = two.run({"tenant", "move", "acme", "--to", "peer", "--dry-run"});
    INFO(dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.err.find("would move tenant 'acme' to --to peer") != std::string::npos);
    CHECK(status_of(two.here) == "active");
    CHECK(status_of(two.there) == "absent");

    auto moved = two.run({"tenant", "move", "acme", "--to", "peer", "--grace", "0s", "-o", "json"});
    INFO(moved.err);
    CHECK(moved.exit_code == 0);
    CHECK(moved.err.find("moved tenant 'acme' to --to peer") != std::string::npos);
    const auto out = nlohmann::json::parse(moved.out);
    CHECK(out[0]["steps"] == "froze,drained,copied,verified,activated,retired");
    CHECK(status_of(two.here) == "moved");
    CHECK(status_of(two.there) == "active");
    CHECK(two.acme_rows_there() == "10");
    CHECK(two.here.query_value(rows_here) == tasks_here);  // kept for the grace period
    CHECK(two.here.query_value("SELECT moved_to FROM tenantctl.tenants WHERE slug = 'acme'").find(two.there.name()) !=
          std::string::npos);
    CHECK(two.there.query_value("SELECT string_agg(metadata->>'phase', ',' ORDER BY id) FROM tenantctl.audit_log WHERE "
                                "action = 'tenant.move'") == "frozen,arrived");  // its trail came along
    CHECK(two.here.query_value("SELECT string_agg(metadata->>'phase', ',' ORDER BY id) FROM tenantctl.audit_log WHERE "
                               "action = 'tenant.move'") == "frozen,moved");

    // Here it is no longer the operator's to change; again is nothing to do.
    auto suspend = two.run({"tenant", "suspend", "acme", "--reason", "billing"});
    CHECK(suspend.exit_code == 5);
    CHECK(suspend.err.find("cannot suspend tenant 'acme': it has moved to another database") != std::string::npos);
    auto again = two.run({"tenant", "move", "acme", "--to", "peer", "-o", "json"});
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("has moved to --to peer already") != std::string::npos);
    CHECK(nlohmann::json::parse(again.out)[0]["purge_after"] == out[0]["purge_after"]);  // printed the same way
    // After the grace period, maintain purges what was left here.
    auto maintained = two.run({"maintain"});
    INFO(maintained.err);
    CHECK(status_of(two.here) == "purged");
    CHECK(two.here.query_value(rows_here) == "0");
    CHECK(two.acme_rows_there() == "10");
}

TEST_CASE("e2e: tenant move killed or cut off at every step resumes, never active in two places, never losing a row",
          "[e2e][portability][fault]") {
    struct Point {
        std::string name;
        int hit;
        test::Fault fault;
    };
    const std::vector<Point> points = {
        {"move.frozen", 1, test::Fault::kill},      {"move.drained", 1, test::Fault::kill},
        {"copy.table", 1, test::Fault::kill},       {"copy.table", 2, test::Fault::kill},
        {"copy.table", 3, test::Fault::kill},       {"copy.table", 4, test::Fault::kill},
        {"move.copied", 1, test::Fault::kill},      {"move.verified", 1, test::Fault::kill},
        {"move.activated", 1, test::Fault::kill},   {"copy.table", 2, test::Fault::terminate},
        {"move.verified", 1, test::Fault::terminate},
    };
    for (const auto& point : points) {
        DYNAMIC_SECTION(test::to_string(point.fault) << " at " << point.name << "@" << point.hit) {
            TwoDatabases two;
            two.remove_acme_there();
            const std::vector<std::string> args = {"-c", (two.dir / "tenantctl.yaml").string(), "tenant", "move", "acme",
                                                   "--to", "peer"};
            auto faulted = test::run_with_fault(args, two.here, point.name, point.hit, point.fault);
            INFO(faulted.err);
            CHECK(faulted.exit_code == (point.fault == test::Fault::kill ? 128 + SIGKILL : 7));
            // Never active in two places; the rows here are all still here.
            CHECK_FALSE((status_of(two.here) == "active" && status_of(two.there) == "active"));
            CHECK(status_of(two.here) == "moving");
            CHECK(two.here.query_value("SELECT count(*) FROM public.tasks WHERE tenant_id = 1") == "3");
            const auto there = status_of(two.there);
            CHECK((there == "absent" || there == "moving" || there == "active"));
            if (there == "absent") CHECK(two.acme_rows_there() == "0");
            // A copy in part there holds exactly what its checkpoint says (the tenant's row besides).
            if (rows_checkpointed(two.there) != "-1")
                CHECK(std::stoll(two.acme_rows_there()) == std::stoll(rows_checkpointed(two.there)) + 1);
            // The app, reading the status, writes nowhere: here moving, there not active yet.

            // Killed once more on the way, for good measure, then left to finish.
            if (point.name == "move.frozen") {
                auto twice = test::run_with_fault(args, two.here, "copy.table", 2, test::Fault::kill);
                CHECK(twice.exit_code == 128 + SIGKILL);
                CHECK(status_of(two.there) == "moving");  // with the tables before it
                CHECK(std::stoll(two.acme_rows_there()) == std::stoll(rows_checkpointed(two.there)) + 1);
            }
            check_move_finishes(two);
        }
    }
}

TEST_CASE("e2e: tenant move copies in batches: killed before or after any batch commits, it goes on from the checkpoint "
          "there and copies every row once",
          "[e2e][portability][fault]") {
    TwoDatabases two;
    two.remove_acme_there();
    // Many more of acme's tasks than one batch holds.
    two.here.exec("INSERT INTO public.tasks (tenant_id, project_id, id, title) SELECT 1, 1, g, 'task ' || g "
                  "FROM generate_series(100, 139) g");
    const std::vector<std::string> args = {"-c", (two.dir / "tenantctl.yaml").string(), "tenant", "move", "acme",
                                           "--to", "peer", "--batch-size", "3"};
    long long before = 0;
    int kills = 0;
    test::CliResult last;
    for (;;) {
        REQUIRE(kills < 60);
        // Each run commits one batch and is killed at its second: alternately before that one
        // commits (it is lost, and the checkpoint never counted it) and right after.
        const bool in_batch = kills % 2 == 0;
        last = test::run_with_fault(args, two.here, in_batch ? "copy.batch.written" : "copy.batch", 2, test::Fault::kill);
        if (last.exit_code != 128 + SIGKILL) break;  // fewer than two batches were left: it finished
        ++kills;
        INFO("after kill " << kills << (in_batch ? " in a batch" : " after a batch"));
        CHECK(status_of(two.here) == "moving");
        CHECK(status_of(two.there) == "moving");  // never active in two places
        CHECK(two.here.query_value("SELECT count(*) FROM public.tasks WHERE tenant_id = 1") == "43");
        // The checkpoint says exactly what is there, and each run got further.
        const long long checkpointed = std::stoll(rows_checkpointed(two.there));
        CHECK(std::stoll(two.acme_rows_there()) == checkpointed + 1);
        CHECK(checkpointed > before);  // no batch is empty: each run got further
        before = checkpointed;
    }
    INFO(last.err);
    CHECK(last.exit_code == 0);
    CHECK(kills >= 10);
    CHECK(last.err.find("going on with the copy at --to peer: " + std::to_string(before) + " rows of the tenant are there") !=
          std::string::npos);
    CHECK(last.err.find("resumed and finished moving tenant 'acme'") != std::string::npos);
    CHECK(status_of(two.here) == "moved");
    CHECK(status_of(two.there) == "active");
    CHECK(two.acme_rows_there() == "50");
    CHECK(two.there.query_value("SELECT state || ' ' || (counts->>'rows') FROM tenantctl.jobs WHERE kind = "
                                "'tenant.move.copy'") == "done 49");
    CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);
}

TEST_CASE("e2e: tenant move --abort after a copy in part deletes what its batches wrote and ends its checkpoint",
          "[e2e][portability][fault]") {
    TwoDatabases two;
    two.remove_acme_there();
    const std::vector<std::string> args = {"-c", (two.dir / "tenantctl.yaml").string(), "tenant", "move", "acme",
                                           "--to", "peer", "--batch-size", "1"};
    auto killed = test::run_with_fault(args, two.here, "copy.batch", 3, test::Fault::kill);
    CHECK(killed.exit_code == 128 + SIGKILL);
    REQUIRE(rows_checkpointed(two.there) == "3");
    auto aborted = two.run({"tenant", "move", "acme", "--to", "peer", "--abort"});
    INFO(aborted.err);
    CHECK(aborted.exit_code == 0);
    CHECK(status_of(two.here) == "active");
    CHECK(status_of(two.there) == "absent");
    CHECK(two.acme_rows_there() == "0");
    CHECK(rows_checkpointed(two.there) == "-1");
    CHECK(two.there.query_value("SELECT state FROM tenantctl.jobs WHERE kind = 'tenant.move.copy'") == "cancelled");
    // A new move starts over, with a checkpoint of its own.
    auto moved = two.run({"tenant", "move", "acme", "--to", "peer"});
    INFO(moved.err);
    CHECK(moved.exit_code == 0);
    CHECK(moved.err.find("going on with the copy") == std::string::npos);
    CHECK(two.acme_rows_there() == "10");
    CHECK(two.there.query_value("SELECT string_agg(state, ',' ORDER BY started_at) FROM tenantctl.jobs WHERE kind = "
                                "'tenant.move.copy'") == "cancelled,done");
}

TEST_CASE("e2e: tenant move back into the database it left: refused until its copy there is purged, then killed "
          "mid-copy into its purged row and aborted (the row purged again, its audit trail whole), then killed and "
          "resumed to the end",
          "[e2e][portability][fault]") {
    TwoDatabases two;
    two.remove_acme_there();
    REQUIRE(two.run({"tenant", "move", "acme", "--to", "peer"}).exit_code == 0);
    // From there, this database is the context `back`.
    test::write_file(two.dir / "back.yaml", two.p.config_yaml + "contexts:\n  back:\n    database: \"" + two.here.url() + "\"\n");
    const std::vector<std::string> back = {"-c", (two.dir / "back.yaml").string(), "tenant", "move", "acme",
                                           "--to", "back", "--batch-size", "1"};
    const auto acme_here = [&] {
        return two.here.query_value("SELECT (SELECT count(*) FROM public.users WHERE tenant_id = 1) + (SELECT count(*) "
                                    "FROM public.tasks WHERE tenant_id = 1) + (SELECT count(*) FROM public.projects WHERE "
                                    "tenant_id = 1)");
    };
    auto refused = test::run_cli(back, &two.there);
    CHECK(refused.exit_code == 5);
    CHECK(refused.err.find("is the copy an earlier move left there") != std::string::npos);
    CHECK(refused.err.find("tenantctl --context back tenant purge acme --force --yes") != std::string::npos);
    CHECK(acme_here() == "8");  // its rows here are untouched
    REQUIRE(two.run({"tenant", "purge", "acme", "--force", "--yes"}).exit_code == 0);
    const std::string events = "SELECT count(*) FROM tenantctl.audit_log l JOIN tenantctl.tenants t ON t.id = l.tenant_id "
                               "WHERE t.slug = 'acme'";
    const long long events_here = std::stoll(two.here.query_value(events));

    // Killed after its first batch there: the purged row is the tenant's again, moving.
    auto killed = test::run_with_fault(back, two.there, "copy.batch", 2, test::Fault::kill);
    CHECK(killed.exit_code == 128 + SIGKILL);
    CHECK(status_of(two.here) == "moving");
    CHECK(status_of(two.there) == "moving");
    auto aborted = test::run_cli({"-c", (two.dir / "back.yaml").string(), "tenant", "move", "acme", "--to", "back",
                                  "--abort"},
                                 &two.there);
    INFO(aborted.err);
    CHECK(aborted.exit_code == 0);
    CHECK(status_of(two.there) == "active");
    CHECK(status_of(two.here) == "purged");
    CHECK(acme_here() == "0");
    CHECK(two.here.query_value("SELECT count(*) FROM tenantctl.tenant_keys k JOIN tenantctl.tenants t ON t.id = "
                               "k.tenant_id WHERE t.slug = 'acme' AND k.state <> 'destroyed'") == "0");
    CHECK(two.here.query_value("SELECT name IS NULL AND admin_email IS NULL AND moved_to IS NOT NULL FROM tenantctl.tenants "
                               "WHERE slug = 'acme'") == "t");
    CHECK(std::stoll(two.here.query_value(events)) >= events_here);  // nothing of its trail here went

    // Killed again, then run to the end: it goes on from its checkpoint here.
    killed = test::run_with_fault(back, two.there, "copy.batch", 2, test::Fault::kill);
    CHECK(killed.exit_code == 128 + SIGKILL);
    auto moved = test::run_cli(back, &two.there);
    INFO(moved.err);
    CHECK(moved.exit_code == 0);
    CHECK(moved.err.find("going on with the copy at --to back") != std::string::npos);
    CHECK(moved.err.find("tenant 'acme' came back into its purged row at --to back") != std::string::npos);
    // The run that finished says so in the event it records there, from the checkpoint.
    CHECK(two.here.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'tenant.copy' AND "
                               "metadata->>'into_purged_row' = 'true'") == "1");
    CHECK(status_of(two.here) == "active");
    CHECK(status_of(two.there) == "moved");
    CHECK(acme_here() == "8");
    CHECK(test::run_cli({"-c", (two.dir / "back.yaml").string(), "tenant", "diff", "acme", "--against", "back", "-q"},
                        &two.there)
              .exit_code == 0);
    CHECK(two.here.query_value("SELECT state FROM tenantctl.jobs WHERE kind = 'tenant.move.copy' ORDER BY started_at DESC "
                               "LIMIT 1") == "done");
}

TEST_CASE("e2e: tenant move --batch-size 0 is a usage error", "[e2e][portability]") {
    TwoDatabases two;
    auto r = two.run({"tenant", "move", "acme", "--to", "peer", "--batch-size", "0"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--batch-size must be at least 1") != std::string::npos);
    CHECK(status_of(two.here) == "active");
}

namespace {

std::string stream_objects(const TwoDatabases& two) { return test::stream_objects(two.here, two.there); }

}  // namespace

TEST_CASE("e2e: tenant move --online carries the writes made while it streams, and only the tenant's",
          "[e2e][portability]") {
    TwoDatabases two;
    two.remove_acme_there();
    const std::vector<std::string> args = {"-c", (two.dir / "tenantctl.yaml").string(), "tenant", "move", "acme", "--to",
                                           "peer", "--online"};
    // Stopped once the stream exists, before the tenant is frozen: the app is still writing.
    auto r = test::run_paused_at(args, two.here, "move.streaming", [&] {
        two.here.exec("INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (1, 1, 500, 'streamed'), "
                      "(2, 1, 500, 'not acme')");
        two.here.exec("UPDATE public.tasks SET title = 'renamed' WHERE tenant_id = 1 AND project_id = 1 AND id = 1");
        two.here.exec("DELETE FROM public.tasks WHERE tenant_id = 1 AND project_id = 2 AND id = 1");
        two.here.exec("UPDATE public.tasks SET title = 'globex renamed' WHERE tenant_id = 2 AND project_id = 1 AND id = 1");
    });
    INFO(r.err);
    const std::string differences = r.exit_code != 0 ? two.run({"tenant", "diff", "acme", "--against", "peer", "-o", "json"}).out : "";
    INFO(differences);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("moved tenant 'acme' to --to peer") != std::string::npos);
    CHECK(r.err.find("streaming, synced, journaled, compared, froze, drained, caught up, copied, verified, activated, retired") !=
          std::string::npos);
    CHECK(two.there.query_value("SELECT string_agg(project_id || '/' || id || ' ' || title, ', ' ORDER BY project_id, id) "
                                "FROM public.tasks WHERE tenant_id = 1") == "1/1 renamed, 1/2 Build, 1/500 streamed");
    CHECK(two.there.query_value("SELECT count(*) FROM public.tasks WHERE title IN ('not acme', 'globex renamed')") == "0");
    CHECK(stream_objects(two) == "0,0,0,0,0");
    CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);
}

TEST_CASE("e2e: tenant move --online killed at every step resumes, never active in two places, and leaves no stream "
          "behind",
          "[e2e][portability][fault]") {
    struct Point {
        std::string name;
        test::Fault fault;
    };
    const std::vector<Point> points = {
        {"move.streaming", test::Fault::kill}, {"move.synced", test::Fault::kill},   {"move.journaled", test::Fault::kill},
        {"move.compared", test::Fault::kill},
        {"move.frozen", test::Fault::kill},    {"move.drained", test::Fault::kill},  {"move.caught_up", test::Fault::kill},
        {"move.stream.disabled", test::Fault::kill},
        {"move.copied", test::Fault::kill},    {"move.verified", test::Fault::kill}, {"move.activated", test::Fault::kill},
        {"move.synced", test::Fault::terminate}, {"move.caught_up", test::Fault::terminate},
    };
    // On the Citus coordinator the stream is the same PostgreSQL logical replication of the
    // same local tables: one fault before the freeze, one in the switch and one after the
    // activation show it resumes there too, in a third of the time (each database made
    // there costs seconds).
    const std::set<std::string> on_citus_only = {"move.synced", "move.caught_up", "move.activated"};
    for (const auto& point : points) {
        if (test::on_citus() && (!on_citus_only.contains(point.name) || point.fault != test::Fault::kill)) continue;
        DYNAMIC_SECTION(test::to_string(point.fault) << " at " << point.name) {
            TwoDatabases two;
            two.remove_acme_there();
            const std::vector<std::string> args = {"-c", (two.dir / "tenantctl.yaml").string(), "tenant", "move", "acme",
                                                   "--to", "peer", "--online"};
            auto faulted = test::run_with_fault(args, two.here, point.name, 1, point.fault);
            INFO(faulted.err);
            CHECK(faulted.exit_code == (point.fault == test::Fault::kill ? 128 + SIGKILL : 7));
            CHECK_FALSE((status_of(two.here) == "active" && status_of(two.there) == "active"));
            const bool before_freeze =
                point.name == "move.streaming" || point.name == "move.synced" || point.name == "move.journaled" ||
                point.name == "move.compared";
            CHECK(status_of(two.here) == (before_freeze ? "active" : "moving"));
            CHECK(two.here.query_value("SELECT count(*) FROM public.tasks WHERE tenant_id = 1") == "3");
            if (point.name != "move.activated") CHECK(status_of(two.there) != "active");

            // Run again, without --online: the stream it finds decides.
            check_move_finishes(two);
            CHECK(stream_objects(two) == "0,0,0,0,0");
        }
    }
}

TEST_CASE("e2e: tenant move --online: the writes after the comparison made while streaming are read back at the switch "
          "from the change journal, and the journal is gone after",
          "[e2e][portability]") {
    TwoDatabases two;
    two.remove_acme_there();
    const std::vector<std::string> args = {"-v", "-c", (two.dir / "tenantctl.yaml").string(), "tenant", "move", "acme",
                                           "--to", "peer", "--online"};
    std::string journal_then;
    auto r = test::run_paused_at(args, two.here, "move.compared", [&] {
        // The app writes on: a new task (journaled with its key) and a renamed project (an
        // update: that table is read whole on both sides at the switch).
        two.here.exec("INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (1, 1, 700, 'after the baseline'), "
                      "(2, 1, 700, 'not acme')");
        two.here.exec("UPDATE public.projects SET name = name || '!' WHERE tenant_id = 1 AND id = 1");
        journal_then = test::stream_objects(two.here, two.there);
    });
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The journal exists on both sides while the tenant streams.
    CHECK_FALSE(journal_then.ends_with(",0"));
    CHECK(journal_then.find(",0,") == std::string::npos);
    // Every streamed relation is taken from the comparison made while streaming through the
    // journal, except the projects, read whole on both sides.
    std::smatch m;
    const std::regex derived(R"((\d+) of (\d+) fingerprints derived from the comparison made while streaming \((\d+) through the change journal\))");
    REQUIRE(std::regex_search(r.err, m, derived));
    const int of = std::stoi(m[2]);
    CHECK(std::stoi(m[1]) == of - 2);
    CHECK(std::stoi(m[3]) == of - 2);
    CHECK(two.there.query_value("SELECT title FROM public.tasks WHERE tenant_id = 1 AND id = 700") == "after the baseline");
    CHECK(two.there.query_value("SELECT name FROM public.projects WHERE tenant_id = 1 AND id = 1").ends_with("!"));
    CHECK(stream_objects(two) == "0,0,0,0,0");
    CHECK(two.run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);
}

TEST_CASE("e2e: a TRUNCATE here while the tenant streams never reaches the other tenants at the destination",
          "[e2e][portability]") {
    TwoDatabases two;
    two.remove_acme_there();
    const std::string globex_there = "SELECT count(*) FROM public.tasks WHERE tenant_id = 2";
    const auto globex_before = two.there.query_value(globex_there);
    REQUIRE(globex_before != "0");
    const std::vector<std::string> args = {"-c", (two.dir / "tenantctl.yaml").string(), "tenant", "move", "acme", "--to",
                                           "peer", "--online"};
    // Once acme's rows are there: a TRUNCATE here empties the table for every tenant here.
    auto r = test::run_paused_at(args, two.here, "move.synced", [&] { two.here.exec("TRUNCATE public.tasks"); });
    INFO(r.err);
    // Not streamed (a row filter does not apply to TRUNCATE): the destination keeps globex's
    // tasks, and acme's, which the verification finds differing from here. Nothing switches.
    CHECK(two.there.query_value(globex_there) == globex_before);
    CHECK(r.exit_code == 8);
    CHECK(r.err.find("differs between here and --to peer in 1 table(s)") != std::string::npos);
    CHECK(status_of(two.here) == "moving");
    CHECK(status_of(two.there) == "moving");
    CHECK(stream_objects(two) == "0,0,0,0,0");

    // Rolled back: acme's copy deleted there (globex's rows stay), acme active here again.
    auto aborted = two.run({"tenant", "move", "acme", "--to", "peer", "--abort"});
    INFO(aborted.err);
    CHECK(aborted.exit_code == 0);
    CHECK(aborted.err.find("aborted the move of tenant 'acme' to --to peer: copy removed, unfrozen") != std::string::npos);
    CHECK(status_of(two.here) == "active");
    CHECK(status_of(two.there) == "absent");
    CHECK(two.acme_rows_there() == "0");
    CHECK(two.there.query_value(globex_there) == globex_before);
    // And moved again, with the tasks table as it is now here (empty).
    auto again = two.run({"tenant", "move", "acme", "--to", "peer", "--online"});
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(status_of(two.there) == "active");
    CHECK(two.there.query_value(globex_there) == globex_before);
}

TEST_CASE("e2e: tenant move --online: a row changed at the destination after the stream was compared is found at the "
          "switch",
          "[e2e][portability]") {
    TwoDatabases two;
    two.remove_acme_there();
    const std::vector<std::string> args = {"-c", (two.dir / "tenantctl.yaml").string(), "-v", "tenant", "move", "acme",
                                           "--to", "peer", "--online"};
    // After the comparison made while streaming, a write there that the stream did not bring
    // (the same row count): the switch must not take that table from the comparison.
    auto r = test::run_paused_at(args, two.here, "move.frozen", [&] {
        two.there.exec("UPDATE public.tasks SET title = 'changed there' WHERE tenant_id = 1 AND id = 1");
    });
    INFO(r.err);
    CHECK(r.exit_code == 8);
    CHECK(r.err.find("differs between here and --to peer in 1 table(s)") != std::string::npos);
    // The switch's verification took the comparison made while streaming (how many tables it
    // spared depends on the transactions of the tests running beside this one: see the
    // integration tests of DiffBaseline).
    CHECK(r.err.find("fingerprints derived from the comparison made while streaming") != std::string::npos);
    CHECK(status_of(two.here) == "moving");
    CHECK(status_of(two.there) == "moving");

    auto aborted = two.run({"tenant", "move", "acme", "--to", "peer", "--abort"});
    INFO(aborted.err);
    CHECK(aborted.exit_code == 0);
    CHECK(status_of(two.here) == "active");
    CHECK(two.acme_rows_there() == "0");
}

TEST_CASE("e2e: tenant move --abort killed after deleting the copy goes on when run again, and refuses once activated",
          "[e2e][portability][fault]") {
    TwoDatabases two;
    two.remove_acme_there();
    const std::string config = (two.dir / "tenantctl.yaml").string();
    // A move stopped after the catch-up: acme frozen here, its rows streamed there.
    auto stopped = test::run_with_fault({"-c", config, "tenant", "move", "acme", "--to", "peer", "--online"}, two.here,
                                        "move.caught_up", 1, test::Fault::kill);
    CHECK(stopped.exit_code == 128 + SIGKILL);
    CHECK(status_of(two.here) == "moving");
    auto killed = test::run_with_fault({"-c", config, "tenant", "move", "acme", "--to", "peer", "--abort"}, two.here,
                                       "move.abort.removed", 1, test::Fault::kill);
    CHECK(killed.exit_code == 128 + SIGKILL);
    CHECK(two.acme_rows_there() == "0");
    CHECK(status_of(two.here) == "moving");
    auto resumed = two.run({"tenant", "move", "acme", "--to", "peer", "--abort"});
    INFO(resumed.err);
    CHECK(resumed.exit_code == 0);
    CHECK(resumed.err.find("aborted the move of tenant 'acme' to --to peer: copy removed, unfrozen; 0 rows deleted there") !=
          std::string::npos);
    CHECK(status_of(two.here) == "active");
    CHECK(stream_objects(two) == "0,0,0,0,0");

    // Once the destination has activated the tenant, only finishing the move is allowed.
    auto activated = test::run_with_fault({"-c", config, "tenant", "move", "acme", "--to", "peer"}, two.here,
                                          "move.activated", 1, test::Fault::kill);
    CHECK(activated.exit_code == 128 + SIGKILL);
    auto refused = two.run({"tenant", "move", "acme", "--to", "peer", "--abort"});
    CHECK(refused.exit_code == 5);
    CHECK(refused.err.find("the switch has happened") != std::string::npos);
    CHECK(two.run({"tenant", "move", "acme", "--to", "peer"}).exit_code == 0);
    CHECK(status_of(two.here) == "moved");
}

TEST_CASE("e2e: tenant move of a schema-isolated tenant killed after its copy resumes, or --abort drops the schema it made "
          "there",
          "[e2e][portability][fault]") {
    test::TestDatabase here, there;
    test::TempDir dir;
    test::write_file(dir / "migrations" / "20240101000000_app.sql",
                     "-- tenantctl:scope=tenant\n-- migrate:up\n"
                     "CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL);\n"
                     "-- migrate:down\nDROP TABLE notes;\n");
    const std::string config = (dir / "tenantctl.yaml").string();
    test::write_file(config, "tenancy: {mode: schema}\nmigrations: {dir: \"" + (dir / "migrations").string() +
                                 "\"}\ncontexts:\n  peer:\n    database: \"" + there.url() + "\"\n");
    const auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"-c", config});
        return test::run_cli(args, &here);
    };
    REQUIRE(run({"tenant", "create", "acme", "--isolation", "schema"}).exit_code == 0);
    here.exec("INSERT INTO tenant_acme.notes (body) SELECT 'note ' || g FROM generate_series(1, 50) g");
    const std::string schema_there = "SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme'";

    // Killed once the copy has committed there: the tenant is `moving` on both sides.
    auto killed = test::run_with_fault({"-c", config, "tenant", "move", "acme", "--to", "peer"}, here, "move.copied", 1,
                                       test::Fault::kill);
    CHECK(killed.exit_code == 128 + SIGKILL);
    CHECK(status_of(here) == "moving");
    CHECK(status_of(there) == "moving");
    CHECK(there.query_value("SELECT count(*) FROM tenant_acme.notes") == "50");

    // --abort drops the schema the copy made there, with its ledger rows, and unfreezes here.
    auto dry = run({"tenant", "move", "acme", "--to", "peer", "--abort", "--dry-run"});
    INFO(dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(there.query_value(schema_there) == "1");
    auto aborted = run({"tenant", "move", "acme", "--to", "peer", "--abort"});
    INFO(aborted.err);
    CHECK(aborted.exit_code == 0);
    CHECK(aborted.err.find("aborted the move of tenant 'acme' to --to peer: copy removed, unfrozen;") != std::string::npos);
    CHECK(there.query_value(schema_there) == "0");
    CHECK(there.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE target = 'tenant_acme'") == "0");
    CHECK(status_of(there) == "absent");
    CHECK(status_of(here) == "active");
    CHECK(here.query_value("SELECT count(*) FROM tenant_acme.notes") == "50");

    // Killed after the copy again, and run again: it finishes.
    killed = test::run_with_fault({"-c", config, "tenant", "move", "acme", "--to", "peer"}, here, "move.copied", 1,
                                  test::Fault::kill);
    CHECK(killed.exit_code == 128 + SIGKILL);
    auto resumed = run({"tenant", "move", "acme", "--to", "peer"});
    INFO(resumed.err);
    CHECK(resumed.exit_code == 0);
    CHECK(status_of(here) == "moved");
    CHECK(status_of(there) == "active");
    CHECK(there.query_value("SELECT count(*) FROM tenant_acme.notes") == "50");
    CHECK(run({"tenant", "diff", "acme", "--against", "peer", "-q"}).exit_code == 0);
    // The app's next insert there takes an id no copied row has.
    CHECK_NOTHROW(there.exec("INSERT INTO tenant_acme.notes (body) VALUES ('after the move')"));
    CHECK(there.query_value("SELECT count(*) FROM tenant_acme.notes") == "51");
}

TEST_CASE("e2e: tenant move --online: a row written after the key check made while streaming that references another "
          "tenant's row is found at the switch, and --abort rolls back",
          "[e2e][portability]") {
    TwoDatabases two("single_fk");
    two.remove_acme_there();
    two.here.exec("ALTER TABLE public.users REPLICA IDENTITY FULL; ALTER TABLE public.documents REPLICA IDENTITY FULL; "
                  "ALTER TABLE public.invoices REPLICA IDENTITY FULL");
    const std::vector<std::string> args = {"-c", (two.dir / "tenantctl.yaml").string(), "tenant", "move", "acme",
                                           "--to", "peer", "--online"};
    // The app links one of acme's new invoices to a user of globex's while acme streams: the
    // stream brings the invoice there, without its user and without a key check.
    auto r = test::run_paused_at(args, two.here, "move.compared", [&] {
        two.here.exec(fmt::format("INSERT INTO public.users VALUES (14, '{}', 'frank@example.com', 'Frank', NULL); "
                                  "INSERT INTO public.invoices VALUES (4, '{}', 14, 40.00)",
                                  two.p.tenant_b, two.p.tenant_a));
    });
    INFO(r.err);
    CHECK(r.exit_code == 5);
    CHECK(r.err.find("public.invoices: 1 row of the tenant references no row of the tenant in public.users at --to "
                     "peer (foreign key invoices_user_id_fkey): nothing was committed") != std::string::npos);
    CHECK(status_of(two.here) == "moving");
    CHECK(two.there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme' AND status = 'active'") ==
          "0");

    auto aborted = two.run({"tenant", "move", "acme", "--to", "peer", "--abort"});
    INFO(aborted.err);
    CHECK(aborted.exit_code == 0);
    CHECK(status_of(two.here) == "active");
    CHECK(two.there.query_value(fmt::format("SELECT count(*) FROM public.invoices WHERE tenant_id = '{}'", two.p.tenant_a)) ==
          "0");
}
