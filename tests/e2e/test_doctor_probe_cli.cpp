// `tenantctl doctor --probe` through the built binary: the matrix in every output format, exit
// 3 and metrics on a leak, and a database left byte-identical (pg_dump before and after), also
// when the process is killed with SIGKILL in the middle of the probe.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/isolation_schema.hpp"

using namespace tenantctl;
using test::run_cli;

namespace {

std::string pg_dump(const test::TestDatabase& db) {
    auto bin = (test::pg_bin_dir() / "pg_dump").string();
    std::string cmd = bin + " --no-sync -d '" + db.conninfo() + "' 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string out;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    REQUIRE(::pclose(p) == 0);
    REQUIRE(out.find("CREATE TABLE") != std::string::npos);
    // pg_dump (15.14 and later) fences the script with \restrict KEY ... \unrestrict KEY, a
    // random KEY per run: those two lines say nothing about the database.
    std::string kept;
    std::size_t start = 0;
    while (start < out.size()) {
        std::size_t end = out.find('\n', start);
        end = end == std::string::npos ? out.size() : end + 1;
        const std::string_view line(out.data() + start, end - start);
        if (line.rfind("\\restrict ", 0) != 0 && line.rfind("\\unrestrict ", 0) != 0) kept.append(line);
        start = end;
    }
    return kept;
}

struct Env {
    test::TempDir dir;
    std::string config;
    explicit Env(const test::IsolationSchema& s) {
        config = (dir / "tenantctl.yaml").string();
        test::write_file(config, "tenancy:\n  app_role: " + s.app() + "\n");
    }
};

}  // namespace

TEST_CASE("doctor --probe prints the matrix in every format, exits 3 on a leak and writes metrics",
          "[e2e][doctor][probe]") {
    test::TestDatabase db;
    test::IsolationSchema schema(db);
    Env env(schema);

    auto clean = run_cli({"-c", env.config, "doctor", "--probe", "-o", "json"}, &db);
    INFO(clean.err);
    CHECK(clean.exit_code == 0);
    auto rows = nlohmann::json::parse(clean.out);
    CHECK(rows.size() >= 8);
    for (const auto& r : rows) CHECK(r["read"] != "leak");

    db.exec(schema.sql("GRANT SELECT ON public.events_now TO @app@"));
    test::TempDir out;
    auto prom = (out / "probe.prom").string();
    auto r = run_cli({"-c", env.config, "doctor", "--probe", "--metrics-file", prom, "-o", "json"}, &db);
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("path(s) reached another tenant's rows") != std::string::npos);
    bool found = false;
    for (const auto& row : nlohmann::json::parse(r.out))
        if (row["relation"] == "public.events_now") {
            found = true;
            CHECK(row["kind"] == "partition");
            CHECK(row["read"] == "leak");
            CHECK(row["detail"].get<std::string>().find(
                      "SELECT count(*) FROM public.events_now WHERE \"tenant_id\"::text <> ") != std::string::npos);
        }
    CHECK(found);
    CHECK(test::read_file(prom).find("tenantctl_doctor_check_failures{check=\"probe\"} 1") != std::string::npos);

    for (const char* format : {"table", "csv", "yaml", "ndjson"}) {
        auto f = run_cli({"-c", env.config, "doctor", "--probe", "-o", format}, &db);
        INFO(format << "\n" << f.out);
        CHECK(f.exit_code == 3);
        CHECK(f.out.find("public.events_now") != std::string::npos);
        CHECK(f.out.find("leak") != std::string::npos);
    }

    // The static checks name it too, with the fix.
    auto stat = run_cli({"-c", env.config, "doctor", "--check", "partitions", "-o", "json"}, &db);
    CHECK(stat.exit_code == 3);
    auto srows = nlohmann::json::parse(stat.out);
    REQUIRE(srows.size() == 2);  // connection, partitions
    CHECK(srows[1]["subject"] == "public.events_now");
    CHECK(srows[1]["hint"].get<std::string>().find("REVOKE ALL ON TABLE public.events_now FROM " + schema.app()) == 0);

    auto usage = run_cli({"-c", env.config, "doctor", "--probe", "--check", "rls"}, &db);
    CHECK(usage.exit_code == 2);
}

TEST_CASE("doctor --probe leaves the database byte-identical", "[e2e][doctor][probe]") {
    test::TestDatabase db;
    test::IsolationSchema schema(db);
    // Leaks on every kind of path, so the probe's writes really happen.
    db.exec(schema.sql("CREATE POLICY ins ON crm.deals FOR INSERT WITH CHECK (true); "
                       "CREATE POLICY debug ON public.users FOR ALL TO PUBLIC USING (true); "
                       "GRANT SELECT, UPDATE, DELETE ON public.events_now TO @app@"));
    Env env(schema);
    const auto before = pg_dump(db);
    auto r = run_cli({"-c", env.config, "doctor", "--probe", "-o", "json"}, &db);
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("\"leak\"") != std::string::npos);
    const auto after = pg_dump(db);
    CHECK(before == after);
}

// [single-node]: it follows the probe's backend through pg_stat_activity of the one server, and
// on Citus the probe's statements also run in backends that Citus opens for it.
TEST_CASE("doctor --probe killed with SIGKILL mid-run leaves the database byte-identical",
          "[e2e][doctor][probe][single-node]") {
    test::TestDatabase db;
    test::IsolationSchema schema(db);
    // A policy that calls a function sleeping for an hour: the probe blocks there, as the app
    // role, after it has written every canary row. Superusers (the canary writer) skip RLS.
    db.exec(schema.sql(R"SQL(
CREATE FUNCTION public.probe_pause() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3600); RETURN true; END $$;
CREATE TABLE public.zz_slow (tenant_id uuid NOT NULL, body text);
ALTER TABLE public.zz_slow ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.zz_slow FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.zz_slow
  USING (public.probe_pause() AND tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.zz_slow TO @app@;
CREATE POLICY ins ON crm.deals FOR INSERT WITH CHECK (true);
)SQL"));
    Env env(schema);
    const auto before = pg_dump(db);

    std::vector<std::string> argv_s{TENANTCTL_BINARY, "-c", env.config, "doctor", "--probe"};
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s{"PATH=/usr/bin:/bin", "HOME=" + env.dir.path().string(),
                                   "TENANTCTL_DATABASE_URL=" + db.url()};
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    REQUIRE(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()) == 0);
    posix_spawn_file_actions_destroy(&fa);

    // Wait (no timing luck: until it is observably there) for the probe to sit in the policy's
    // sleep, with its canary rows written and uncommitted.
    const std::string in_db = "datname = current_database() AND pid <> pg_backend_pid()";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (db.query_value("SELECT count(*) FROM pg_stat_activity WHERE " + in_db + " AND wait_event = 'PgSleep'") !=
           "1") {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, WNOHANG) == 0);  // still running
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(db.query_value("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE " +
                         std::string("a.datname = current_database() AND l.relation = 'crm.deals'::regclass "
                                     "AND l.mode = 'RowExclusiveLock'")) == "1");
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    // The server notices the vanished client (client_connection_check_interval) and rolls back.
    deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (db.query_value("SELECT count(*) FROM pg_stat_activity WHERE " + in_db) != "0") {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(pg_dump(db) == before);
    CHECK(db.query_value("SELECT count(*) FROM crm.deals") == "2");
}
