// Fault injection (issue 12): every long-running command, at several points of its work, is
// killed (SIGKILL), has its database sessions terminated, or has the server restarted under
// it. A fault that reaches the database ends the run with exit 7 (a kill ends it outright);
// nothing is lost or half-written; a plain re-run converges to exactly the result of a run
// that met no fault. The points are failpoints in the code (core/util/failpoint.hpp): the
// process waits there until the fault is in place, so no test depends on timing.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "core/keys/data_keys.hpp"
#include "core/util/process.hpp"
#include "tests/integration/keys_fixture.hpp"
#include "tests/support/fault.hpp"
#include "tests/support/pty.hpp"

using namespace tenantctl;
using test::Fault;

namespace fs = std::filesystem;

namespace {

// Bytes 00..1f: the master key `keys rewrap` moves to.
constexpr const char* kNewMasterKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

// Two tenants with encrypted values in a single-key and a composite-key table under forced
// RLS (tests/integration/keys_fixture.hpp), and the config that maps them.
struct World {
    test::TestDatabase db;
    test::TempDir dir;
    std::unique_ptr<test::TestContext> tc;
    std::string acme, globex;
    test::Decrypted acme_before, globex_before;

    World() {
        test::create_app_tables(db);
        tc = std::make_unique<test::TestContext>(db, test::keys_config());
        acme = test::add_tenant(tc->ctx(), "acme");
        globex = test::add_tenant(tc->ctx(), "globex");
        test::insert_values(db, tc->ctx(), acme, "acme", 250, 1);
        test::insert_values(db, tc->ctx(), globex, "globex", 50, 1001);
        acme_before = test::decrypt_all(db, tc->ctx(), acme);
        globex_before = test::decrypt_all(db, tc->ctx(), globex);
        test::write_file(dir / "tenantctl.yaml",
                         fmt::format("tenancy: {{app_role: {}}}\n"
                                     "data:\n  tables:\n    secrets: {{encrypted: [secret, note]}}\n"
                                     "    app.docs: {{encrypted: [body]}}\n",
                                     test::kAppRole));
    }
    test::CliOptions options(std::map<std::string, std::string> extra = {}) const {
        extra["TENANTCTL_CONFIG"] = (dir / "tenantctl.yaml").string();
        return test::with_env(std::move(extra));
    }
    test::CliResult run(const std::vector<std::string>& args, std::map<std::string, std::string> extra = {}) const {
        return test::run_cli(args, &db, options(std::move(extra)));
    }
    // The other tenant's values, byte for byte.
    void globex_untouched() {
        auto now = test::decrypt_all(db, tc->ctx(), globex);
        CHECK(now.checksum == globex_before.checksum);
        CHECK(now.values == globex_before.values);
    }
};

struct Scenario {
    std::string name;
    std::string point;
    std::vector<int> hits;  // the points of the run at which the fault is injected
    std::function<void(World&)> setup;
    std::function<std::vector<std::string>(World&)> command;
    std::map<std::string, std::string> env;
    // What must hold right after the fault (nothing half-written), and after the re-run.
    std::function<void(World&)> after_fault;
    std::function<void(World&)> converged;
};

std::vector<Scenario> scenarios() {
    std::vector<Scenario> out;

    out.push_back(Scenario{
        "keys reencrypt", "reencrypt.before-commit", {1, 4},
        [](World& w) { keys::rotate(w.tc->ctx(), keys::RotateOptions{"acme", false}); },
        [](World&) { return std::vector<std::string>{"keys", "reencrypt", "--tenant", "acme", "--batch-size", "100"}; },
        {},
        [](World& w) {
            auto now = test::decrypt_all(w.db, w.tc->ctx(), w.acme);
            CHECK(now.undecryptable == 0);
            CHECK(now.checksum == w.acme_before.checksum);
        },
        [](World& w) {
            auto now = test::decrypt_all(w.db, w.tc->ctx(), w.acme);
            CHECK(now.values == w.acme_before.values);
            CHECK(now.under_active == now.values);
            CHECK(now.checksum == w.acme_before.checksum);
            CHECK(w.db.query_value("SELECT count(*) FROM tenantctl.jobs WHERE state = 'running'") == "0");
            w.globex_untouched();
        }});

    out.push_back(Scenario{
        "keys rewrap", "rewrap.before-commit", {1},
        [](World&) {},
        [](World&) { return std::vector<std::string>{"keys", "rewrap", "--new-master-key", "env:NEW_MASTER_KEY", "--yes"}; },
        {{"NEW_MASTER_KEY", kNewMasterKey}},
        [](World& w) {
            // One transaction: every key still under the old master key.
            CHECK(w.db.query_value("SELECT count(DISTINCT kek_id) FROM tenantctl.tenant_keys") == "1");
            CHECK(w.run({"keys", "verify", "--all"}).exit_code == 0);
        },
        [](World& w) {
            CHECK(w.db.query_value("SELECT count(DISTINCT kek_id) FROM tenantctl.tenant_keys") == "1");
            auto v = w.run({"keys", "verify", "--all"}, {{"TENANTCTL_MASTER_KEY_SOURCE", "env:NEW_MASTER_KEY"},
                                                          {"NEW_MASTER_KEY", kNewMasterKey}});
            INFO(v.err);
            CHECK(v.exit_code == 0);
        }});

    out.push_back(Scenario{
        "tenant purge", "purge.before-commit", {1, 5},
        [](World& w) { REQUIRE(w.run({"tenant", "delete", "acme", "--grace", "0s", "--yes"}).exit_code == 0); },
        [](World&) { return std::vector<std::string>{"tenant", "purge", "acme", "--batch-size", "60", "--yes"}; },
        {},
        [](World& w) {
            CHECK(w.db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") != "purged");
        },
        [](World& w) {
            CHECK(w.db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "purged");
            CHECK(w.db.query_value(fmt::format("SELECT (SELECT count(*) FROM public.secrets WHERE tenant_id = '{0}') + "
                                               "(SELECT count(*) FROM app.docs WHERE tenant_id = '{0}')",
                                               w.acme)) == "0");
            w.globex_untouched();
        }});

    out.push_back(Scenario{
        "gdpr export --all", "export.table", {1, 2},
        [](World& w) { fs::create_directory(w.dir / "out"); },
        [](World& w) {
            return std::vector<std::string>{"gdpr", "export", "--tenant", "acme", "--all", "-O",
                                            (w.dir / "out" / "acme.tar.gz").string()};
        },
        {},
        [](World& w) {
            // Personal data is never left behind, not even in a hidden scratch file.
            CHECK(fs::is_empty(w.dir / "out"));
        },
        [](World& w) {
            const fs::path archive = w.dir / "out" / "acme.tar.gz";
            REQUIRE(fs::exists(archive));
            const auto mode = fs::status(archive).permissions() & fs::perms::all;
            CHECK(mode == (fs::perms::owner_read | fs::perms::owner_write));
            CHECK(std::distance(fs::directory_iterator(w.dir / "out"), fs::directory_iterator{}) == 1);
            auto list = util::run_process({"tar", "-tzf", archive.string()});
            CHECK(list.exit_code == 0);
            CHECK(list.out.find("data/public.secrets.ndjson") != std::string::npos);
            CHECK(list.out.find("data/app.docs.ndjson") != std::string::npos);
        }});

    out.push_back(Scenario{
        "audit import", "import.before-commit", {1, 3},
        [](World& w) {
            std::ofstream f(w.dir / "old.ndjson");
            for (int n = 1; n <= 450; ++n)
                f << fmt::format(R"({{"tenant_id":"acme","occurred_at":"2026-05-{:02}T10:{:02}:00Z","action":"legacy.event","n":{}}})",
                                 1 + n % 28, n % 60, n)
                  << "\n";
        },
        [](World& w) {
            return std::vector<std::string>{"audit", "import", "--from", (w.dir / "old.ndjson").string(), "--batch", "100"};
        },
        {},
        [](World&) {},
        [](World& w) {
            CHECK(w.db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event'") == "450");
            CHECK(w.db.query_value("SELECT count(DISTINCT metadata->>'n') FROM tenantctl.audit_log "
                                   "WHERE action = 'legacy.event'") == "450");
            auto v = w.run({"audit", "verify", "--all"});
            INFO(v.out << v.err);
            CHECK(v.exit_code == 0);
        }});

    out.push_back(Scenario{
        "migrate up", "migrate.before-commit", {1, 2},
        [](World& w) {
            fs::create_directory(w.dir / "migrations");
            for (int i = 1; i <= 3; ++i)
                test::write_file(w.dir / "migrations" / fmt::format("2026010100000{}_m{}.sql", i, i),
                                 fmt::format("-- migrate:up\nCREATE TABLE public.m{0} (id int);\nINSERT INTO public.m{0} "
                                             "VALUES ({0});\n-- migrate:down\nDROP TABLE public.m{0};\n",
                                             i));
        },
        [](World& w) { return std::vector<std::string>{"migrate", "up", "--dir", (w.dir / "migrations").string()}; },
        {},
        [](World& w) {
            // Each file is one transaction: applied with its ledger row, or not at all.
            for (int i = 1; i <= 3; ++i)
                CHECK(w.db.query_value(fmt::format("SELECT (to_regclass('public.m{}') IS NOT NULL) = EXISTS (SELECT 1 "
                                                   "FROM tenantctl.schema_migrations WHERE version = '2026010100000{}' "
                                                   "AND state = 'applied')",
                                                   i, i)) == "t");
        },
        [](World& w) {
            CHECK(w.db.query_value("SELECT count(*) FROM tenantctl.schema_migrations WHERE state = 'applied'") == "3");
            CHECK(w.db.query_value("SELECT (SELECT count(*) FROM m1) + (SELECT count(*) FROM m2) + "
                                   "(SELECT count(*) FROM m3)") == "3");
            CHECK(w.run({"migrate", "status", "--check", "--dir", (w.dir / "migrations").string()}).exit_code == 0);
        }});
    return out;
}

// One fault at one point, then the re-run.
void inject_and_converge(const Scenario& s, int hit, Fault fault) {
    World w;
    s.setup(w);
    const auto args = s.command(w);
    auto faulted = test::run_with_fault(args, w.db, s.point, hit, fault, w.options(s.env));
    // The fault also ended this test's own sessions (terminate, restart): a fresh one.
    w.tc = std::make_unique<test::TestContext>(w.db, test::keys_config());
    INFO(s.name << " with " << test::to_string(fault) << " at " << s.point << "@" << hit << "\nstderr: " << faulted.err);
    if (fault == Fault::kill) {
        CHECK(faulted.exit_code == 128 + SIGKILL);
    } else {
        CHECK(faulted.exit_code == 7);
        // One clear line, never a raw server error.
        CHECK(faulted.err.find("ERROR:") == std::string::npos);
    }
    s.after_fault(w);
    auto again = w.run(args, s.env);
    INFO("re-run stderr: " << again.err);
    REQUIRE(again.exit_code == 0);
    s.converged(w);
}

}  // namespace

TEST_CASE("fault injection: SIGKILL and terminated backends at several points of every long-running command",
          "[e2e][hardening][fault]") {
    for (const auto& s : scenarios())
        for (int hit : s.hits)
            for (Fault fault : {Fault::kill, Fault::terminate})
                DYNAMIC_SECTION(s.name << ", " << test::to_string(fault) << " at " << s.point << "@" << hit) {
                    inject_and_converge(s, hit, fault);
                }
}

// Ctrl-C (issue 16): the commands that work in checkpointed batches finish the batch they
// are in, say what was done and how to resume, and exit 10; the re-run converges.
TEST_CASE("fault injection: SIGINT and SIGTERM stop reencrypt and purge between batches",
          "[e2e][hardening][fault][interrupt]") {
    for (const auto& s : scenarios()) {
        if (s.name != "keys reencrypt" && s.name != "tenant purge") continue;
        for (Fault fault : {Fault::sigint, Fault::sigterm})
            DYNAMIC_SECTION(s.name << ", " << test::to_string(fault) << " at " << s.point << "@1") {
                World w;
                s.setup(w);
                const auto args = s.command(w);
                auto stopped = test::run_with_fault(args, w.db, s.point, 1, fault, w.options(s.env));
                INFO("stderr: " << stopped.err);
                CHECK(stopped.exit_code == 10);
                CHECK(stopped.err.find(std::string("interrupted by ") + test::to_string(fault) + " after ") !=
                      std::string::npos);
                CHECK(stopped.err.find("hint: run the same command again to resume: tenantctl " + args[0] + " " +
                                       args[1]) != std::string::npos);
                // The batch in flight was committed: a job holds the checkpoint.
                CHECK(w.db.query_value("SELECT count(*) FROM tenantctl.jobs WHERE state = 'running'") == "1");
                s.after_fault(w);
                auto again = w.run(args, s.env);
                INFO("re-run stderr: " << again.err);
                REQUIRE(again.exit_code == 0);
                CHECK(again.err.find("resum") != std::string::npos);
                s.converged(w);
            }
    }
}

// maintain runs reencrypt as one of its tasks: an interruption ends the whole run (it is not
// a failed task after which the next one starts), and the next run finishes the work.
TEST_CASE("fault injection: SIGTERM during maintain's re-encryption ends the run, the next run finishes",
          "[e2e][hardening][fault][interrupt][maintain]") {
    World w;
    keys::rotate(w.tc->ctx(), keys::RotateOptions{"acme", false});
    const std::vector<std::string> args = {"maintain", "--batch-size", "100"};
    auto stopped = test::run_with_fault(args, w.db, "reencrypt.before-commit", 1, Fault::sigterm, w.options());
    INFO("stderr: " << stopped.err);
    CHECK(stopped.exit_code == 10);
    CHECK(stopped.err.find("interrupted by SIGTERM after re-encrypting") != std::string::npos);
    CHECK(stopped.err.find("hint: run the same command again to resume: tenantctl maintain --batch-size 100") !=
          std::string::npos);
    CHECK(stopped.err.find("task keys-reencrypt failed") == std::string::npos);
    auto again = w.run(args);
    INFO("re-run stderr: " << again.err << "\nstdout: " << again.out);
    auto now = test::decrypt_all(w.db, w.tc->ctx(), w.acme);
    CHECK(now.values == w.acme_before.values);
    CHECK(now.under_active == now.values);
    w.globex_untouched();
}

// Restarts the shared test server: ctest runs this alone (RUN_SERIAL, tests/CMakeLists.txt).
TEST_CASE("fault injection: a server restart in the middle of every long-running command",
          "[e2e][hardening][fault][server-restart]") {
    for (const auto& s : scenarios())
        DYNAMIC_SECTION(s.name << ", server restart at " << s.point << "@" << s.hits.back()) {
            inject_and_converge(s, s.hits.back(), Fault::restart);
        }
}

// Issue 16: on a terminal the batched commands draw one progress line, rewritten in place,
// with counts, rate, elapsed time and an ETA while work is left.
TEST_CASE("on a terminal, reencrypt and purge draw a progress line with rate, elapsed time and ETA",
          "[e2e][terminal][progress]") {
    World w;
    keys::rotate(w.tc->ctx(), keys::RotateOptions{"acme", false});
    test::PtySession reencrypt({"keys", "reencrypt", "--tenant", "acme", "--batch-size", "100"}, &w.db, w.options());
    CHECK(reencrypt.finish() == 0);
    INFO(reencrypt.screen());
    CHECK(reencrypt.screen().find("re-encrypting acme: [") != std::string::npos);
    CHECK(reencrypt.screen().find("% ") != std::string::npos);
    CHECK(reencrypt.screen().find(" rows  ") != std::string::npos);
    CHECK(reencrypt.screen().find("elapsed 0:") != std::string::npos);
    CHECK(reencrypt.screen().find("  ETA ") != std::string::npos);  // drawn after the first of several batches
    CHECK(reencrypt.screen().find("\x1b[K") != std::string::npos);

    REQUIRE(w.run({"tenant", "delete", "acme", "--grace", "0s", "--yes"}).exit_code == 0);
    test::PtySession purge({"tenant", "purge", "acme", "--batch-size", "60", "--yes"}, &w.db, w.options());
    CHECK(purge.finish() == 0);
    INFO(purge.screen());
    CHECK(purge.screen().find("purging acme: [") != std::string::npos);
    CHECK(purge.screen().find("  ETA ") != std::string::npos);

    // Without a terminal there is no progress line at all.
    keys::rotate(w.tc->ctx(), keys::RotateOptions{"globex", false});
    auto piped = w.run({"keys", "reencrypt", "--tenant", "globex", "--batch-size", "10"});
    CHECK(piped.exit_code == 0);
    CHECK(piped.err.find("re-encrypting globex: [") == std::string::npos);
    CHECK(piped.err.find("\x1b[K") == std::string::npos);
}
