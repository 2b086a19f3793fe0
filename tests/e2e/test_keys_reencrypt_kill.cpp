// Reliability: `keys reencrypt` killed with SIGKILL at random points, over and over, with key
// rotations in between, on ~57k encrypted values. A row trigger that sleeps 0.5 ms per update
// makes a full pass take over 10 s on any machine, so every kill lands mid-run (mostly inside a
// batch transaction) however fast the CI host is; it is dropped before the final run. After a final run every value decrypts
// under the active key to its original plaintext (same checksum), no row is lost, and none is
// encrypted twice (a doubly encrypted value would decrypt to a token, not the plaintext).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/keys/data_keys.hpp"
#include "tests/integration/keys_fixture.hpp"

extern char** environ;

using namespace tenantctl;

namespace {

// Starts the binary detached from the test's pipes (output goes to /dev/null).
pid_t spawn_tenantctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv_s{TENANTCTL_BINARY};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
    return pid;
}

}  // namespace

TEST_CASE("keys reencrypt survives SIGKILL at random points", "[e2e][keys][kill]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    test::insert_values(db, ctx, acme, "acme", 20000, 1);
    const auto original = test::decrypt_all(db, ctx, acme);
    REQUIRE(original.values > 50000);
    const auto rows_before = db.query_value("SELECT (SELECT count(*) FROM secrets) + (SELECT count(*) FROM app.docs)");

    db.exec(R"SQL(
CREATE FUNCTION slow_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.0005); RETURN NEW; END $$;
CREATE TRIGGER slow_down BEFORE UPDATE ON public.secrets FOR EACH ROW EXECUTE FUNCTION slow_down();
-- ALWAYS: re-encryption keeps the app's ordinary triggers quiet, and this one must slow it down.
ALTER TABLE public.secrets ENABLE ALWAYS TRIGGER slow_down;
)SQL");

    test::TempDir dir;
    test::write_file(dir / "tenantctl.yaml",
                     "tenancy: {app_role: tenantctl_keys_test_app}\n"
                     "data:\n  tables:\n    secrets: {encrypted: [secret, note]}\n    app.docs: {encrypted: [body]}\n");
    const std::map<std::string, std::string> env{
        {"PATH", "/usr/bin:/bin"},
        {"HOME", dir.path().string()},
        {"XDG_STATE_HOME", (dir / "state").string()},
        {"TENANTCTL_DATABASE_URL", db.url()},
        {"TENANTCTL_CONFIG", (dir / "tenantctl.yaml").string()},
        {"TENANTCTL_TEST_MASTER_KEY", test::test_master_key_base64()},
        {"TENANTCTL_MASTER_KEY_SOURCE", "env:TENANTCTL_TEST_MASTER_KEY"},
        {"TENANTCTL_ACTOR", "kill-test"},
    };
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> delay_ms(30, 900);
    int killed_mid_run = 0;
    for (int run = 0; run < 24; ++run) {
        if (run % 6 == 0) keys::rotate(ctx, keys::RotateOptions{"acme", false});  // fresh work for the next runs
        const pid_t pid = spawn_tenantctl({"keys", "reencrypt", "--tenant", "acme", "--batch-size", "500",
                                           "--lock-timeout", "30s"},
                                          env);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        ::kill(pid, SIGKILL);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        if (WIFSIGNALED(status)) ++killed_mid_run;
        else
            CHECK(WEXITSTATUS(status) == 0);
    }
    INFO("runs killed before they finished: " << killed_mid_run);
    CHECK(killed_mid_run == 24);  // 6 runs of at most 0.9 s cannot finish a 10 s pass
    db.exec("DROP TRIGGER slow_down ON public.secrets");

    auto final_run = test::run_cli({"-c", (dir / "tenantctl.yaml").string(), "keys", "reencrypt", "--tenant", "acme",
                                    "-o", "json"},
                                   &db);
    INFO(final_run.err);
    REQUIRE(final_run.exit_code == 0);
    const auto after = test::decrypt_all(db, ctx, acme);
    CHECK(after.values == original.values);
    CHECK(after.undecryptable == 0);
    CHECK(after.under_active == after.values);
    CHECK(after.checksum == original.checksum);
    CHECK(after.timestamps == original.timestamps);
    CHECK(db.query_value("SELECT (SELECT count(*) FROM secrets) + (SELECT count(*) FROM app.docs)") == rows_before);
    // Exactly one job is left, and it is done; killed ones were resumed or superseded, never duplicated.
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs WHERE state = 'running'") == "0");
}
