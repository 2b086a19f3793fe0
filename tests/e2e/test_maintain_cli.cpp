// End-to-end: `tenantctl maintain` on a database with work due in every task, then again with
// nothing due; a failing task, an unwritable metrics file, a held lock; and completion of
// tenant slugs in real shells.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

#include "tests/integration/keys_fixture.hpp"

using namespace tenantctl;
using test::run_cli;

namespace {

struct Setup {
    test::TestDatabase db;
    test::TempDir dir;
    std::string config_path;
    std::string acme;
    Setup(const std::string& archive_dir = {}) {
        test::create_app_tables(db);
        test::TestContext tc(db, test::keys_config());
        acme = test::add_tenant(tc.ctx(), "acme");
        test::add_tenant(tc.ctx(), "beta");
        test::insert_values(db, tc.ctx(), acme, "acme", 30, 1);
        std::filesystem::create_directories(dir / "archive");
        config_path = (dir / "tenantctl.yaml").string();
        test::write_file(config_path, fmt::format(R"YAML(
tenancy:
  app_role: {}
keys:
  rotate_after: 30d
audit:
  premake: 5
  archive_dir: {}
data:
  tables:
    secrets: {{encrypted: [secret, note]}}
    app.docs: {{encrypted: [body]}}
)YAML",
                                                  test::kAppRole,
                                                  archive_dir.empty() ? (dir / "archive").string() : archive_dir));
    }
    test::CliResult run(std::vector<std::string> args, test::CliOptions opts = {}) {
        args.insert(args.begin(), {"-c", config_path});
        return run_cli(args, &db, opts);
    }
    std::string q(const std::string& sql) const { return db.query_value(sql); }

    // Something due in every task.
    void make_work() {
        // audit-prune: a month far past the 400d retention.
        db.exec("CREATE TABLE tenantctl.audit_log_y2020m01 PARTITION OF tenantctl.audit_log "
                "FOR VALUES FROM ('2020-01-01 00:00:00+00') TO ('2020-02-01 00:00:00+00')");
        db.exec("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) VALUES ('" + acme +
                "', '2020-01-15 12:00:00+00', 'app.login')");
        // tenant-purge: beta's grace period is over.
        REQUIRE(run({"tenant", "delete", "beta", "--yes"}).exit_code == 0);
        db.exec("UPDATE tenantctl.tenants SET purge_after = now() - interval '1 day' WHERE slug = 'beta'");
        // key-rotate (then key-reencrypt): acme's key is older than rotate_after.
        db.exec("UPDATE tenantctl.tenant_keys SET created_at = now() - interval '60 days', "
                "activated_at = now() - interval '60 days' WHERE state = 'active'");
        // jwt-retire: a retiring key past its window.
        REQUIRE(run({"keys", "jwt", "rotate"}).exit_code == 0);  // the first key is active at once
        REQUIRE(run({"keys", "jwt", "rotate"}).exit_code == 0);
        const std::string kid = q("SELECT kid FROM tenantctl.signing_keys WHERE state = 'next'");
        REQUIRE(run({"keys", "jwt", "activate", kid, "--force"}).exit_code == 0);
        db.exec("UPDATE tenantctl.signing_keys SET retire_after = now() - interval '1 minute' WHERE state = 'retiring'");
        // gdpr-due: a request received two months ago.
        REQUIRE(run({"gdpr", "requests", "add", "--tenant", "acme", "--kind", "export", "--subject", "id:7",
                     "--received", "2020-03-01T09:00:00Z"})
                    .exit_code == 0);
    }
};

std::map<std::string, nlohmann::json> rows_by_task(const std::string& out) {
    std::map<std::string, nlohmann::json> m;
    for (const auto& row : nlohmann::json::parse(out)) m[row["task"].get<std::string>()] = row;
    return m;
}

std::string shell(const std::string& program, const std::string& script) {
    std::string esc;
    for (char c : script) {
        if (c == '\'') esc += "'\\''";
        else esc.push_back(c);
    }
    std::string out;
    FILE* p = ::popen((program + " -c '" + esc + "' 2>&1").c_str(), "r");
    char buf[4096];
    while (p && std::fgets(buf, sizeof buf, p)) out += buf;
    int status = p ? ::pclose(p) : -1;
    if (status != 0) out += "[exit " + std::to_string(status) + "]";
    return out;
}

}  // namespace

TEST_CASE("maintain does every due task once, and a second run changes nothing", "[e2e][maintain]") {
    Setup s;
    s.make_work();

    auto plan = s.run({"maintain", "--dry-run", "--settle", "0s", "-o", "json"});
    INFO(plan.err);
    REQUIRE(plan.exit_code == 0);
    for (const auto& [task, row] : rows_by_task(plan.out)) {
        INFO(task << ": " << row.dump());
        CHECK(row["status"] == "ok");
        CHECK(row["items"].get<long long>() > 0);
    }
    CHECK(s.q("SELECT status FROM tenantctl.tenants WHERE slug = 'beta'") == "pending_deletion");
    CHECK(s.q("SELECT count(*) FROM tenantctl.tenant_keys WHERE state = 'active' AND tenant_id = '" + s.acme +
              "'::uuid AND version = 1") == "1");

    const auto metrics = s.dir / "tenantctl.prom";
    auto first = s.run({"maintain", "--settle", "0s", "--metrics-file", metrics.string(), "-o", "json"});
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    auto rows = rows_by_task(first.out);
    REQUIRE(rows.size() == 8);
    for (const auto& [task, row] : rows) {
        INFO(task << ": " << row.dump());
        CHECK(row["status"] == "ok");
        CHECK(row["items"].get<long long>() > 0);
    }
    CHECK(rows["key-reencrypt"]["items"] == 30 + 25 + 30);
    CHECK(s.q("SELECT status FROM tenantctl.tenants WHERE slug = 'beta'") == "purged");
    CHECK(s.q("SELECT max(version) FROM tenantctl.tenant_keys WHERE tenant_id = '" + s.acme + "'::uuid") == "2");
    CHECK(s.q("SELECT count(*) FROM tenantctl.signing_keys WHERE state = 'retired'") == "1");
    CHECK(s.q("SELECT count(*) FROM pg_class WHERE relname = 'audit_log_y2020m01'") == "0");
    CHECK(std::filesystem::exists(s.dir / "archive"));
    CHECK_FALSE(std::filesystem::is_empty(s.dir / "archive"));
    const std::string prom = test::read_file(metrics);
    CHECK(prom.find("tenantctl_maintain_last_success_timestamp_seconds{task=\"key-reencrypt\"}") != std::string::npos);
    CHECK(prom.find("tenantctl_maintain_task_items{task=\"key-reencrypt\"} 85") != std::string::npos);
    CHECK(prom.find("tenantctl_maintain_task_figure{figure=\"overdue\",task=\"gdpr-due\"} 1") != std::string::npos);

    // Nothing is due any more: the same run changes nothing and says so. (Events of the first
    // run are younger than the default 60s settle, so the seal has nothing either.)
    const auto events = s.q("SELECT count(*) FROM tenantctl.audit_log WHERE action <> 'audit.seal'");
    const auto keys = s.q("SELECT count(*) FROM tenantctl.tenant_keys");
    auto second = s.run({"maintain", "-o", "json"});
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    for (const auto& [task, row] : rows_by_task(second.out)) {
        INFO(task << ": " << row.dump());
        CHECK(row["status"] == "ok");
        if (task == "gdpr-due") {
            CHECK(row["items"] == 1);  // a report: the overdue request is still open
            CHECK(row["detail"].get<std::string>().find("1 overdue") != std::string::npos);
        } else {
            CHECK(row["items"] == 0);
            CHECK(row["detail"] == "nothing due");
        }
    }
    CHECK(second.err.find("nothing was due; nothing changed") != std::string::npos);
    // The seal records its (empty) run; nothing else happened.
    CHECK(s.q("SELECT count(*) FROM tenantctl.audit_log WHERE action <> 'audit.seal'") == events);
    CHECK(s.q("SELECT count(*) FROM tenantctl.tenant_keys") == keys);
}

TEST_CASE("maintain: a failing task is reported, the others still run, exit 9", "[e2e][maintain]") {
    test::TempDir scratch;
    Setup s((scratch / "no-such-archive").string());  // prune refuses a missing archive directory
    s.make_work();
    auto r = s.run({"maintain", "--settle", "0s", "-o", "json"});
    INFO(r.err);
    CHECK(r.exit_code == 9);
    CHECK(r.err.find("maintain: 1 task(s) failed: audit-prune") != std::string::npos);
    CHECK(r.err.find("archive directory") != std::string::npos);
    auto rows = rows_by_task(r.out);
    CHECK(rows["audit-prune"]["status"] == "failed");
    CHECK(rows["tenant-purge"]["status"] == "ok");
    CHECK(rows["jwt-retire"]["status"] == "ok");
    // Nothing was dropped without its archive; the tasks after it did their work.
    CHECK(s.q("SELECT count(*) FROM pg_class WHERE relname = 'audit_log_y2020m01'") == "1");
    CHECK(s.q("SELECT status FROM tenantctl.tenants WHERE slug = 'beta'") == "purged");
    CHECK(s.q("SELECT count(*) FROM tenantctl.signing_keys WHERE state = 'retired'") == "1");
}

TEST_CASE("maintain: prune is skipped without an archive dir, disabled tasks are skipped, --only runs one", "[e2e][maintain]") {
    Setup s;
    test::write_file(s.config_path, "maintain:\n  disable: [jwt-retire]\n");
    s.make_work();
    auto r = s.run({"maintain", "--settle", "0s", "-o", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rows = rows_by_task(r.out);
    CHECK(rows["audit-prune"]["status"] == "skipped");
    CHECK(rows["audit-prune"]["detail"].get<std::string>().find("audit.archive_dir is not set") != std::string::npos);
    CHECK(s.q("SELECT count(*) FROM pg_class WHERE relname = 'audit_log_y2020m01'") == "1");
    CHECK(rows["jwt-retire"]["status"] == "skipped");
    CHECK(s.q("SELECT count(*) FROM tenantctl.signing_keys WHERE state = 'retired'") == "0");

    auto only = s.run({"maintain", "--only", "jwt-retire", "-o", "json"});
    REQUIRE(only.exit_code == 0);
    auto only_rows = nlohmann::json::parse(only.out);
    REQUIRE(only_rows.size() == 1);
    CHECK(only_rows[0]["items"] == 1);

    auto bad = s.run({"maintain", "--only", "jwt-retir"});
    CHECK(bad.exit_code == 2);
}

TEST_CASE("maintain: an unwritable metrics file is an error, but the tasks still run", "[e2e][maintain]") {
    Setup s;
    s.make_work();
    auto r = s.run({"maintain", "--settle", "0s", "--metrics-file", (s.dir / "missing" / "m.prom").string()});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("the metrics file was not written") != std::string::npos);
    CHECK(s.q("SELECT status FROM tenantctl.tenants WHERE slug = 'beta'") == "purged");
}

TEST_CASE("maintain: metrics keep the last success of a task that failed this run", "[e2e][maintain]") {
    Setup s;
    const auto metrics = s.dir / "m.prom";
    test::write_file(metrics, "# TYPE tenantctl_maintain_last_success_timestamp_seconds gauge\n"
                              "tenantctl_maintain_last_success_timestamp_seconds{task=\"audit-prune\"} 1700000000\n"
                              "tenantctl_maintain_last_success_timestamp_seconds{task=\"audit-seal\"} 1700000000\n");
    test::write_file(s.config_path, "maintain:\n  disable: [audit-prune]\n");
    auto r = s.run({"maintain", "--metrics-file", metrics.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string prom = test::read_file(metrics);
    CHECK(prom.find("tenantctl_maintain_last_success_timestamp_seconds{task=\"audit-prune\"} 1700000000\n") !=
          std::string::npos);
    CHECK(prom.find("tenantctl_maintain_last_success_timestamp_seconds{task=\"audit-seal\"} 1700000000\n") ==
          std::string::npos);
    CHECK(prom.find("tenantctl_maintain_task_status{status=\"skipped\",task=\"audit-prune\"} 1") != std::string::npos);
}

TEST_CASE("maintain: an unreachable database still writes the metrics file, with up 0", "[e2e][maintain]") {
    test::TempDir dir;
    const auto metrics = dir / "m.prom";
    test::write_file(metrics, "# TYPE tenantctl_maintain_last_success_timestamp_seconds gauge\n"
                              "tenantctl_maintain_last_success_timestamp_seconds{task=\"audit-seal\"} 1700000000\n");
    auto r = test::run_cli({"maintain", "-d", "host=/nonexistent-socket-dir port=1 connect_timeout=2", "--metrics-file",
                            metrics.string()});
    CHECK(r.exit_code == 7);
    const std::string prom = test::read_file(metrics);
    CHECK(prom.find("\ntenantctl_maintain_up 0\n") != std::string::npos);
    // The last success is kept, so the staleness alert keeps counting from the right time.
    CHECK(prom.find("tenantctl_maintain_last_success_timestamp_seconds{task=\"audit-seal\"} 1700000000\n") !=
          std::string::npos);
}

// node_exporter drops a whole textfile it cannot parse, alerts included: every metrics file
// tenantctl writes must pass promtool's parser and linter, with the database up (every task
// and figure present) and down (up 0, only the last successes carried over).
TEST_CASE("maintain and doctor metrics files pass promtool check metrics, database up and down", "[e2e][maintain]") {
    REQUIRE(shell("sh", "command -v promtool >/dev/null") == "");  // tests/install-deps.sh installs prometheus
    const auto promtool = [](const std::filesystem::path& file) {
        return shell("sh", "promtool check metrics < '" + file.string() + "'");
    };
    Setup s;
    s.make_work();
    const auto up = s.dir / "maintain-up.prom";
    auto r = s.run({"maintain", "--settle", "0s", "--metrics-file", up.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string up_text = test::read_file(up);
    INFO(up_text);
    REQUIRE(up_text.find("\ntenantctl_maintain_up 1\n") != std::string::npos);
    REQUIRE(up_text.find("tenantctl_maintain_task_figure{") != std::string::npos);
    CHECK(promtool(up) == "");

    // Down, after a successful run: the file keeps the last successes beside up 0.
    auto down = s.run({"maintain", "-d", "host=/nonexistent-socket-dir port=1 connect_timeout=2", "--metrics-file",
                       up.string()});
    CHECK(down.exit_code == 7);
    const std::string down_text = test::read_file(up);
    INFO(down_text);
    REQUIRE(down_text.find("\ntenantctl_maintain_up 0\n") != std::string::npos);
    REQUIRE(down_text.find("tenantctl_maintain_last_success_timestamp_seconds{task=\"key-reencrypt\"}") !=
            std::string::npos);
    CHECK(promtool(up) == "");

    // Down with no earlier file: only the families with nothing in them but up.
    const auto fresh = s.dir / "maintain-down.prom";
    CHECK(run_cli({"maintain", "-d", "host=/nonexistent-socket-dir port=1 connect_timeout=2", "--metrics-file",
                   fresh.string()})
              .exit_code == 7);
    CHECK(promtool(fresh) == "");

    const auto doctor_up = s.dir / "doctor-up.prom";
    s.run({"doctor", "--metrics-file", doctor_up.string()});  // findings or not, the file is written
    REQUIRE(test::read_file(doctor_up).find("\ntenantctl_doctor_up 1\n") != std::string::npos);
    CHECK(promtool(doctor_up) == "");
    const auto doctor_down = s.dir / "doctor-down.prom";
    run_cli({"doctor", "-d", "host=/nonexistent-socket-dir port=1 connect_timeout=2", "--metrics-file",
             doctor_down.string()});
    REQUIRE(test::read_file(doctor_down).find("tenantctl_doctor_up 0\n") != std::string::npos);
    CHECK(promtool(doctor_down) == "");
}

TEST_CASE("maintain: a second run while one holds the lock exits 6", "[e2e][maintain]") {
    Setup s;
    test::TestContext tc(s.db);
    auto held = tc->lock("maintain");
    auto r = s.run({"maintain", "--lock-timeout", "0s"});
    CHECK(r.exit_code == 6);
    CHECK(s.q("SELECT count(*) FROM tenantctl.tenant_keys WHERE version = 2") == "0");
}

TEST_CASE("shell completion offers tenant slugs from the database", "[e2e][completion]") {
    test::TestDatabase db;
    for (const char* slug : {"alpha", "apex", "beta"}) REQUIRE(run_cli({"tenant", "create", slug}, &db).exit_code == 0);
    const auto bin_dir = std::filesystem::path(TENANTCTL_BINARY).parent_path().string();
    const auto root = std::filesystem::path(TENANTCTL_SOURCE_DIR);
    const std::string env = "export PATH='" + bin_dir + "':$PATH TENANTCTL_DATABASE_URL='" + db.url() + "'; ";
    const char* path = std::getenv("PATH");
    // For fish, whose syntax differs: the environment is set by env(1) instead.
    const std::string with_env = "env PATH='" + bin_dir + ":" + (path ? path : "/usr/bin:/bin") +
                                 "' TENANTCTL_DATABASE_URL='" + db.url() + "' ";
    const std::string bash_script = (root / "completions" / "tenantctl.bash").string();
    auto complete = [&](const std::string& words, int cword) {
        return shell("bash", env + "source '" + bash_script + "'; COMP_WORDS=(" + words + "); COMP_CWORD=" +
                                 std::to_string(cword) + "; _tenantctl; echo \"${COMPREPLY[*]}\"");
    };
    CHECK(complete("tenantctl keys rotate --tenant a", 4) == "alpha apex\n");
    CHECK(complete("tenantctl gdpr export --tenant b", 4) == "beta\n");
    CHECK(complete("tenantctl tenant show ap", 3) == "apex\n");

    const std::string zsh_script = (root / "completions" / "_tenantctl").string();
    const std::string fish_script = (root / "completions" / "tenantctl.fish").string();
    CHECK(shell("sh", "zsh -n '" + zsh_script + "' && echo ok") == "ok\n");
    CHECK(shell("sh", "fish -n '" + fish_script + "' && echo ok") == "ok\n");
    // The shells' own machinery: fish's `complete -C` and zsh's candidate function (compadd
    // needs a live completion widget, so zsh is asked for the candidates the widget would add).
    CHECK(shell(with_env + "fish", "source '" + fish_script + "'; complete -C 'tenantctl keys rotate --tenant a'") ==
          "alpha\napex\n");
    CHECK(shell(with_env + "fish", "source '" + fish_script + "'; complete -C 'tenantctl tenant suspend b'") == "beta\n");
    test::TempDir zdir;
    CHECK(shell("zsh", env + "autoload -U compinit; compinit -u -d '" + (zdir / "zcompdump").string() +
                           "'; source '" + zsh_script + "'; _tenantctl_candidates 'keys rotate' --tenant") ==
          "alpha\napex\nbeta\n");
}

namespace {

// `[Section]` -> keys, for a unit file (continuation lines joined).
std::map<std::string, std::map<std::string, std::string>> parse_unit(const std::string& text) {
    std::map<std::string, std::map<std::string, std::string>> out;
    std::string section, pending;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!pending.empty()) {
            line = pending + line;
            pending.clear();
        }
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.back() == '\\') {
            pending = line.substr(0, line.size() - 1);
            continue;
        }
        if (line.front() == '[') {
            REQUIRE(line.back() == ']');
            section = line.substr(1, line.size() - 2);
            continue;
        }
        const auto eq = line.find('=');
        INFO(line);
        REQUIRE(eq != std::string::npos);
        REQUIRE_FALSE(section.empty());
        out[section][line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
}

}  // namespace

TEST_CASE("the systemd units and the crontab line in examples/ are valid", "[e2e][maintain][examples]") {
    const auto root = std::filesystem::path(TENANTCTL_SOURCE_DIR) / "examples";
    const std::string service = test::read_file(root / "systemd" / "tenantctl-maintain.service");
    const std::string timer = test::read_file(root / "systemd" / "tenantctl-maintain.timer");

    auto s = parse_unit(service);
    CHECK(s["Service"]["Type"] == "oneshot");
    CHECK(s["Service"]["ExecStart"].rfind("/usr/bin/tenantctl maintain ", 0) == 0);
    auto t = parse_unit(timer);
    CHECK(t["Timer"]["Unit"] == "tenantctl-maintain.service");
    CHECK(t["Install"]["WantedBy"] == "timers.target");
    CHECK_FALSE(t["Timer"]["OnCalendar"].empty());

    // The command line the unit runs parses (--help after the options exits 0 only then).
    auto args_text = s["Service"]["ExecStart"].substr(std::string("/usr/bin/tenantctl ").size());
    std::vector<std::string> args;
    std::istringstream words(args_text);
    for (std::string w; words >> w;) args.push_back(w);
    args.push_back("--help");
    CHECK(run_cli(args).exit_code == 0);

    if (std::system("command -v systemd-analyze >/dev/null 2>&1") == 0) {
        // verify wants an executable ExecStart: point it at the built binary.
        test::TempDir dir;
        std::string local = service;
        local.replace(local.find("/usr/bin/tenantctl"), std::string("/usr/bin/tenantctl").size(), TENANTCTL_BINARY);
        test::write_file(dir / "tenantctl-maintain.service", local);
        test::write_file(dir / "tenantctl-maintain.timer", timer);
        const auto out = shell("sh", "systemd-analyze verify --man=no '" + (dir / "tenantctl-maintain.service").string() +
                                         "' '" + (dir / "tenantctl-maintain.timer").string() + "'");
        CHECK(out == "");  // warnings (unknown keys, bad values) are printed even with exit 0
        const auto calendar = shell("sh", "systemd-analyze calendar '" + t["Timer"]["OnCalendar"] + "' >/dev/null");
        CHECK(calendar == "");
    }

    // /etc/cron.d format: 5 time fields, the user, the command.
    const std::string cron = test::read_file(root / "cron" / "tenantctl-maintain");
    std::istringstream in(cron);
    int entries = 0;
    const std::regex field(R"(^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$)");
    const std::regex env_line(R"(^[A-Z_]+=.*$)");
    const int max_value[] = {59, 23, 31, 12, 7};
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#' || std::regex_match(line, env_line)) continue;
        INFO(line);
        std::istringstream parts(line);
        std::vector<std::string> f;
        for (std::string w; f.size() < 6 && parts >> w;) f.push_back(w);
        REQUIRE(f.size() == 6);
        for (int i = 0; i < 5; ++i) {
            CHECK(std::regex_match(f[static_cast<std::size_t>(i)], field));
            std::smatch m;
            std::string rest = f[static_cast<std::size_t>(i)];
            while (std::regex_search(rest, m, std::regex(R"(\d+)"))) {
                CHECK(std::stoi(m.str()) <= max_value[i]);
                rest = m.suffix();
            }
        }
        CHECK(f[5] == "tenantctl");
        std::string command;
        std::getline(parts, command);
        CHECK(command.find("tenantctl maintain") != std::string::npos);
        ++entries;
    }
    CHECK(entries == 1);
}
