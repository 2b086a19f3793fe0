// End-to-end: every `audit` command and its bad inputs, through the built binary.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <optional>
#include <thread>

#include "core/sandbox/sandbox.hpp"
#include "core/util/process.hpp"
#include "tests/support/background.hpp"
#include "tests/support/fault.hpp"
#include "tests/support/test_support.hpp"

using tenantctl::test::Background;
using tenantctl::test::run_cli;
using tenantctl::test::TestDatabase;
namespace fs = std::filesystem;

extern char** environ;

namespace {

constexpr const char* kAcme = "11111111-1111-4111-8111-111111111111";

void add_acme(const TestDatabase& db) {
    db.exec(fmt::format("INSERT INTO tenantctl.tenants (id, slug) VALUES ('{}', 'acme')", kAcme));
}

void add_events(const TestDatabase& db, int n) {
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, actor_id, action, metadata) "
                        "SELECT '{}', now() - make_interval(mins => g), 'user-' || (g % 2), "
                        "CASE WHEN g % 2 = 0 THEN 'user.login' ELSE 'doc.edit' END, jsonb_build_object('n', g::text) "
                        "FROM generate_series(1, {}) g",
                        kAcme, n));
}

std::vector<nlohmann::json> ndjson(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) out.push_back(nlohmann::json::parse(text.substr(start, end - start)));
        start = end + 1;
    }
    return out;
}


}  // namespace

TEST_CASE("audit record, query, stats and tail work in every output format", "[e2e][audit]") {
    TestDatabase db;
    add_acme(db);
    auto rec = run_cli({"audit", "record", "--tenant", "acme", "--action", "runbook.failover", "--resource",
                        "db:primary", "--metadata", R"({"ticket":"OPS-12"})", "--actor", "alice", "-o", "json"},
                       &db);
    REQUIRE(rec.exit_code == 0);
    CHECK(nlohmann::json::parse(rec.out)[0]["status"] == "recorded");
    add_events(db, 6);

    auto q = run_cli({"audit", "query", "--tenant", "acme", "--resource", "db:primary", "-o", "json"}, &db);
    REQUIRE(q.exit_code == 0);
    auto rows = nlohmann::json::parse(q.out);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["actor_id"] == "alice");
    CHECK(rows[0]["metadata"]["ticket"] == "OPS-12");
    for (const char* format : {"table", "ndjson", "yaml", "csv"}) {
        auto r = run_cli({"audit", "query", "--tenant", "acme", "--action", "user.*", "-o", format}, &db);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("user.login") != std::string::npos);
        CHECK(r.out.find("doc.edit") == std::string::npos);
    }
    auto where = run_cli({"audit", "query", "--tenant", "acme", "--where", "metadata.n=2", "-o", "ndjson"}, &db);
    CHECK(ndjson(where.out).size() == 1);

    // Pages: the cursor printed on stderr continues exactly where the page ended.
    auto p1 = run_cli({"audit", "query", "--tenant", "acme", "--limit", "4", "-o", "ndjson"}, &db);
    auto pos = p1.err.find("--after ");
    REQUIRE(pos != std::string::npos);
    std::string cursor = p1.err.substr(pos + 8, p1.err.find('\n', pos) - pos - 8);
    auto p2 = run_cli({"audit", "query", "--tenant", "acme", "--limit", "4", "--after", cursor, "-o", "ndjson"}, &db);
    auto a = ndjson(p1.out), b = ndjson(p2.out);
    CHECK(a.size() == 4);
    CHECK(b.size() == 3);
    CHECK(p2.err.find("--after") == std::string::npos);
    for (const auto& x : a)
        for (const auto& y : b) CHECK(x["id"] != y["id"]);

    auto ex = run_cli({"audit", "query", "--tenant", "acme", "--explain", "-o", "json"}, &db);
    CHECK(ex.exit_code == 0);
    CHECK(nlohmann::json::parse(ex.out)["partitions_scanned"].size() >= 1);

    auto st = run_cli({"audit", "stats", "--tenant", "acme", "--by", "action", "-o", "json"}, &db);
    REQUIRE(st.exit_code == 0);
    auto stats = nlohmann::json::parse(st.out);
    CHECK(stats[0]["action"] == "doc.edit");
    CHECK(stats[0]["events"] == 3);
    CHECK(run_cli({"audit", "stats", "--tenant", "acme", "--by", "day"}, &db).exit_code == 0);

    auto t = run_cli({"audit", "tail", "--tenant", "acme", "-n", "2", "-o", "ndjson"}, &db);
    REQUIRE(t.exit_code == 0);
    auto tail = ndjson(t.out);
    REQUIRE(tail.size() == 2);
    CHECK(tail[1]["action"] == "runbook.failover");  // oldest first, the newest last
}

TEST_CASE("audit bad input: exit codes and nothing written", "[e2e][audit]") {
    TestDatabase db;
    add_acme(db);
    const auto before = db.query_value("SELECT count(*) FROM tenantctl.audit_log");
    struct Case {
        std::vector<std::string> args;
        int code;
        std::string message;
    };
    std::vector<Case> cases = {
        {{"audit", "query", "--tenant", "nope"}, 4, "unknown tenant 'nope'"},
        {{"audit", "tail", "--tenant", "nope"}, 4, "unknown tenant"},
        {{"audit", "record", "--tenant", "nope", "--action", "a.b"}, 4, "unknown tenant"},
        {{"audit", "verify", "--tenant", "nope"}, 4, "unknown tenant"},
        {{"audit", "query", "--tenant", "acme", "--since", "1d", "--until", "3d"}, 2, "is not before --until"},
        {{"audit", "query", "--tenant", "acme", "--since", "7x"}, 2, "invalid time '7x'"},
        {{"audit", "seal", "--settle", "ten"}, 2, "invalid duration"},
        {{"audit", "seal", "--parallel", "0"}, 2, "--parallel must be at least 1"},
        {{"audit", "partitions", "prune", "--older-than", "-1mo", "--no-archive", "--yes"}, 2, "invalid duration"},
        {{"audit", "query", "--tenant", "acme", "--after", "bm90LWEtY3Vyc29y"}, 2, "malformed cursor"},
        {{"audit", "query", "--tenant", "acme", "--action", "User[*"}, 2, "malformed action glob"},
        {{"audit", "query", "--tenant", "acme", "--resource", ":7"}, 2, "malformed --resource"},
        {{"audit", "query", "--tenant", "acme", "--where", "ip=1"}, 2, "malformed --where"},
        {{"audit", "query"}, 2, "--tenant SLUG is required"},
        {{"audit", "record", "--tenant", "acme", "--action", "Bad Action"}, 2, "malformed action"},
        {{"audit", "record", "--tenant", "acme", "--action", "a.b", "--metadata", "[1]"}, 2, "JSON object"},
        {{"audit", "verify"}, 2, "--tenant SLUG or --all"},
        {{"audit", "partitions", "prune", "--older-than", "13mo"}, 5, "give --archive"},
        {{"audit", "partitions", "prune", "--no-archive"}, 10, "are gone for good)?: confirmation needed but stdin is "
                                                                "not a terminal"},
    };
    for (const auto& c : cases) {
        INFO(c.args[1] + " " + c.args.back());
        auto r = run_cli(c.args, &db);
        CHECK(r.exit_code == c.code);
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(r.out.empty());
    }
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log") == before);

    // A database without the platform schema, or with an old one: exit 5 saying which.
    TestDatabase empty(false);
    auto none = run_cli({"audit", "query", "--tenant", "acme"}, &empty);
    CHECK(none.exit_code == 5);
    CHECK(none.err.find("is not installed in this database") != std::string::npos);
    empty.exec("CREATE SCHEMA tenantctl; CREATE TABLE tenantctl.platform_version (version int); "
               "INSERT INTO tenantctl.platform_version VALUES (5)");
    auto old = run_cli({"audit", "query", "--tenant", "acme"}, &empty);
    CHECK(old.exit_code == 5);
    CHECK(old.err.find("the platform schema is at version 5") != std::string::npos);

    // A window no partition covers: an empty answer and a note, not an error.
    auto r = run_cli({"audit", "query", "--tenant", "acme", "--since", "2001-01-01", "--until", "2001-02-01", "-o", "json"},
                     &db);
    CHECK(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out).empty());
    CHECK(r.err.find("no monthly partition covers") != std::string::npos);
}

TEST_CASE("audit seal and verify: a tampered chain exits 8 naming the event", "[e2e][audit]") {
    TestDatabase db;
    add_acme(db);
    add_events(db, 10);
    auto s = run_cli({"audit", "seal", "--settle", "0s", "-o", "json"}, &db);
    REQUIRE(s.exit_code == 0);
    auto sealed = nlohmann::json::parse(s.out);
    bool found = false;
    for (const auto& row : sealed)
        if (row["tenant"] == "acme") found = row["sealed"] == 10 && row["head"].get<std::string>().size() == 64;
    CHECK(found);
    auto ok = run_cli({"audit", "verify", "--all"}, &db);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("broken") == std::string::npos);

    // A second seal right away finds nothing new and records nothing: a seal from cron on a
    // quiet log must not feed itself events to seal.
    const auto events_before = db.query_value("SELECT count(*) FROM tenantctl.audit_log");
    REQUIRE(run_cli({"audit", "seal", "--settle", "0s"}, &db).exit_code == 0);
    const auto seal_events = db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'audit.seal'");
    REQUIRE(run_cli({"audit", "seal", "--settle", "0s"}, &db).exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'audit.seal'") == seal_events);
    CHECK(std::stol(db.query_value("SELECT count(*) FROM tenantctl.audit_log")) <= std::stol(events_before) + 1);

    const auto id = db.query_value("SELECT id FROM tenantctl.audit_log WHERE action = 'user.login' ORDER BY id LIMIT 1");
    db.exec("DELETE FROM tenantctl.audit_log WHERE id = " + id);
    auto bad = run_cli({"audit", "verify", "--tenant", "acme", "-o", "json"}, &db);
    CHECK(bad.exit_code == 8);
    auto v = nlohmann::json::parse(bad.out);
    CHECK(v[0]["problem"] == "deleted");
    CHECK(std::to_string(v[0]["event_id"].get<long long>()) == id);
    CHECK(bad.err.find("deleted event " + id) != std::string::npos);
}

TEST_CASE("audit partitions: list, ensure, and prune with archive, refusal and a killed run", "[e2e][audit]") {
    TestDatabase db;
    add_acme(db);
    auto list = run_cli({"audit", "partitions", "list", "-o", "json"}, &db);
    REQUIRE(list.exit_code == 0);
    CHECK(nlohmann::json::parse(list.out).size() >= 2);  // this month and the default partition
    CHECK(run_cli({"audit", "partitions", "ensure", "--ahead", "5"}, &db).exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM pg_inherits WHERE inhparent = 'tenantctl.audit_log'::regclass") == "7");

    // Rows of an old month land in the default partition; ensure moves them into their month.
    tenantctl::test::TempDir dir;
    tenantctl::test::write_file(dir / "tenantctl.yaml", "audit:\n  retention: 3y\n");
    const std::string cfg = (dir / "tenantctl.yaml").string();
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT '{}', "
                        "date_trunc('month', now()) - interval '14 months' + make_interval(mins => g), 'old.event' "
                        "FROM generate_series(1, 50) g",
                        kAcme));
    auto ens = run_cli({"-c", cfg, "audit", "partitions", "ensure", "--ahead", "0"}, &db);
    REQUIRE(ens.exit_code == 0);
    CHECK(ens.err.find("moved 50 rows") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log_default") == "0");
    const std::string old_part = db.query_value(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = "
        "'tenantctl.audit_log'::regclass AND c.relname <> 'audit_log_default' ORDER BY 1 LIMIT 1");

    // An archive directory nobody can create files in: nothing is dropped. (Tests run as root,
    // which ignores permission bits, so use a directory of /proc.)
    auto nw = run_cli({"audit", "partitions", "prune", "--older-than", "13mo", "--archive", "/proc/self"}, &db);
    CHECK(nw.exit_code == 5);
    CHECK(nw.err.find("not writable") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "50");

    // Killed after archiving, before the drop: the month is still there; a re-run completes.
    const fs::path archive = dir / "archive";
    fs::create_directory(archive);
    tenantctl::test::CliOptions killed;
    killed.env["TENANTCTL_TEST_FAILPOINT"] = "audit-prune-before-drop";
    auto k = run_cli({"audit", "partitions", "prune", "--older-than", "13mo", "--archive", archive.string()}, &db, killed);
    CHECK(k.exit_code == 128 + SIGKILL);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "50");
    auto again = run_cli({"audit", "partitions", "prune", "--older-than", "13mo", "--archive", archive.string(), "-o", "json"},
                         &db);
    REQUIRE(again.exit_code == 0);
    auto pr = nlohmann::json::parse(again.out);
    REQUIRE(pr.size() == 1);
    CHECK(pr[0]["partition"] == old_part);
    CHECK(pr[0]["rows"] == 50);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "0");
    CHECK(db.query_value(fmt::format("SELECT to_regclass('tenantctl.{}') IS NULL", old_part)) == "t");
    const fs::path gz = archive / (old_part + ".ndjson.gz");
    auto check = tenantctl::util::run_process({"sh", "-c", "cd '" + archive.string() + "' && sha256sum -c '" +
                                                               old_part + ".ndjson.gz.sha256' && zcat '" + gz.string() +
                                                               "' | wc -l"});
    CHECK(check.exit_code == 0);
    CHECK(check.out.find("50") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'audit.partition.prune'") == "1");

    // An old month with no events at all is archived (an empty, valid NDJSON.gz) and dropped.
    db.exec("CREATE TABLE tenantctl.audit_log_y2020m01 PARTITION OF tenantctl.audit_log "
            "FOR VALUES FROM ('2020-01-01 00:00:00+00') TO ('2020-02-01 00:00:00+00')");
    auto empty = run_cli({"audit", "partitions", "prune", "--older-than", "13mo", "--archive", archive.string(), "-o", "json"},
                         &db);
    INFO(empty.err);
    REQUIRE(empty.exit_code == 0);
    auto ep = nlohmann::json::parse(empty.out);
    REQUIRE(ep.size() == 1);
    CHECK(ep[0]["partition"] == "audit_log_y2020m01");
    CHECK(ep[0]["rows"] == 0);
    CHECK(db.query_value("SELECT to_regclass('tenantctl.audit_log_y2020m01') IS NULL") == "t");
    auto empty_check = tenantctl::util::run_process(
        {"sh", "-c", "cd '" + archive.string() + "' && sha256sum -c audit_log_y2020m01.ndjson.gz.sha256 && "
                     "zcat audit_log_y2020m01.ndjson.gz | wc -c"});
    CHECK(empty_check.exit_code == 0);
    CHECK(empty_check.out.find("OK\n0\n") != std::string::npos);
}

TEST_CASE("audit tail -f ends with exit 0 once its reader goes away (| head -1)", "[e2e][audit][tail]") {
    tenantctl::test::TestDatabase db;
    db.exec(fmt::format("INSERT INTO tenantctl.tenants (id, slug) VALUES ('{}', 'acme')", kAcme));
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, action) VALUES ('{}', 'before.tail')", kAcme));
    Background tail({"audit", "tail", "--tenant", "acme", "-f", "-o", "ndjson"}, db.url());
    REQUIRE(tail.lines(1).size() == 1);
    tail.close_output();
    // Its next row goes into a pipe nobody reads: it stops there instead of following forever.
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, action) VALUES ('{}', 'after.close')", kAcme));
    const auto code = tail.exit_code(std::chrono::seconds(60));
    REQUIRE(code.has_value());
    CHECK(*code == 0);
}

TEST_CASE("audit tail -f prints new events live and survives a server restart", "[e2e][audit][tail]") {
    // A private server, so restarting it does not disturb tests running in parallel.
    tenantctl::test::TempDir dir;
    std::ostringstream log_text;
    tenantctl::Logger log(log_text, false, -1, false);
    auto up = tenantctl::sandbox::up(dir / "sb", 0, log);
    struct Down {
        fs::path d;
        tenantctl::Logger& l;
        ~Down() { tenantctl::sandbox::down(d, false, l); }
    } down{dir / "sb", log};
    const std::string url = up.state.url();
    REQUIRE(run_cli({"-d", url, "init"}).exit_code == 0);
    auto sql = [&](const std::string& s) {
        pqxx::connection c(up.state.conninfo());
        pqxx::nontransaction tx(c);
        tx.exec(s);
    };
    sql(fmt::format("INSERT INTO tenantctl.tenants (id, slug) VALUES ('{}', 'acme')", kAcme));
    sql(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, action) VALUES ('{}', 'before.tail')", kAcme));

    Background tail({"audit", "tail", "--tenant", "acme", "-f", "-o", "ndjson"}, url);
    auto first = tail.lines(1);
    REQUIRE(first.size() == 1);
    CHECK(first[0].find("before.tail") != std::string::npos);
    sql(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, action) VALUES ('{}', 'live.one')", kAcme));
    CHECK(tail.lines(2).size() == 2);  // arrives while the process keeps running: flushed per row

    const auto& s = up.state;
    // -l: the new postmaster must not inherit our capture pipe, or run_process waits forever.
    std::vector<std::string> restart{(s.bin_dir / "pg_ctl").string(), "-D", s.data_dir().string(), "-l",
                                     s.log_file().string(), "-m", "fast", "-w", "restart"};
    if (s.run_as_postgres) restart.insert(restart.begin(), {"runuser", "-u", "postgres", "--"});
    REQUIRE(tenantctl::util::run_process(restart).exit_code == 0);
    sql(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, action) VALUES ('{}', 'after.restart')", kAcme));
    auto lines = tail.lines(3);
    REQUIRE(lines.size() == 3);
    CHECK(lines[2].find("after.restart") != std::string::npos);
    // Nothing repeated after the reconnect.
    std::this_thread::sleep_for(std::chrono::seconds(6));  // past one safety poll
    CHECK(tail.lines(4, std::chrono::seconds(1)).size() == 3);
}

TEST_CASE("audit partitions prune stops between months on SIGINT and a re-run prunes the rest",
          "[e2e][audit][interrupt]") {
    TestDatabase db;
    add_acme(db);
    tenantctl::test::TempDir dir;
    tenantctl::test::write_file(dir / "tenantctl.yaml", "audit:\n  retention: 3y\n");
    for (int months_ago : {14, 15})
        db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT '{}', "
                            "date_trunc('month', now()) - interval '{} months' + make_interval(mins => g), 'old.event' "
                            "FROM generate_series(1, 20) g",
                            kAcme, months_ago));
    REQUIRE(run_cli({"-c", (dir / "tenantctl.yaml").string(), "audit", "partitions", "ensure", "--ahead", "0"}, &db)
                .exit_code == 0);
    const fs::path archive = dir / "archive";
    fs::create_directory(archive);
    const std::vector<std::string> prune = {"audit", "partitions", "prune", "--older-than", "13mo", "--archive",
                                            archive.string()};
    // SIGINT while the first month waits to be dropped: it is dropped, the second is not touched.
    auto stopped = tenantctl::test::run_with_fault(prune, db, "audit-prune-before-drop", 1, tenantctl::test::Fault::sigint);
    INFO(stopped.err);
    CHECK(stopped.exit_code == 10);
    CHECK(stopped.err.find("interrupted by SIGINT after pruning 1 of 2 months") != std::string::npos);
    CHECK(stopped.err.find("hint: run the same command again to resume: tenantctl audit partitions prune") !=
          std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "20");
    auto again = run_cli(prune, &db);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'audit.partition.prune'") == "2");
}

TEST_CASE("audit partitions prune drops nothing when an event reaches the month after it was archived",
          "[e2e][audit]") {
    TestDatabase db;
    add_acme(db);
    tenantctl::test::TempDir dir;
    tenantctl::test::write_file(dir / "tenantctl.yaml", "audit:\n  retention: 3y\n");
    const std::string cfg = (dir / "tenantctl.yaml").string();
    const std::string old_month = "date_trunc('month', now()) - interval '14 months'";
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT '{}', {} + "
                        "make_interval(mins => g), 'old.event' FROM generate_series(1, 30) g",
                        kAcme, old_month));
    REQUIRE(run_cli({"-c", cfg, "audit", "partitions", "ensure", "--ahead", "0"}, &db).exit_code == 0);
    const fs::path archive = dir / "archive";
    fs::create_directory(archive);
    const std::vector<std::string> prune{"audit", "partitions", "prune", "--older-than", "13mo", "--archive",
                                         archive.string(), "-o", "json"};

    // Archived (30 events), then, before the month is locked, a late event lands in it.
    auto r = tenantctl::test::run_paused_at(prune, db, "audit-prune-before-drop", [&] {
        db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) VALUES ('{}', {} + "
                            "interval '1 day', 'late.event')",
                            kAcme, old_month));
    });
    INFO(r.err);
    CHECK(r.exit_code == 5);
    CHECK(r.err.find("changed while it was being archived") != std::string::npos);
    CHECK(db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log WHERE occurred_at < {} + "
                                     "interval '1 month'",
                                     old_month)) == "31");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'audit.partition.prune'") == "0");
    // The 30 events' archive went with the refusal: they are all still in the log, and would
    // otherwise be in two archives once the re-run writes the month's.
    CHECK(fs::is_empty(archive));

    // A dangling symbolic link holds the month's first name (it once made prune retry that name
    // for ever): the re-run archives all 31 under the next free name and drops the month.
    const std::string month = db.query_value(fmt::format("SELECT to_char({}, '\"audit_log_y\"YYYY\"m\"MM')", old_month));
    fs::create_symlink("/nonexistent", archive / (month + ".ndjson.gz"));
    auto again = run_cli(prune, &db);
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    auto pr = nlohmann::json::parse(again.out);
    REQUIRE(pr.size() == 1);
    CHECK(pr[0]["rows"] == 31);
    CHECK(fs::path(pr[0]["archive"].get<std::string>()).filename().string() == month + ".2.ndjson.gz");
    auto lines = tenantctl::util::run_process({"sh", "-c", "zcat '" + pr[0]["archive"].get<std::string>() + "' | wc -l"});
    CHECK(std::stol(lines.out) == 31);
    CHECK(db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log WHERE occurred_at < {} + "
                                     "interval '1 month'",
                                     old_month)) == "0");
}

TEST_CASE("audit partitions prune killed after cutting the chain leaves the chain as it was", "[e2e][audit]") {
    // The chain's rows of the month are removed while its archive is written; both only count
    // once the month is dropped, in the same transaction.
    TestDatabase db;
    add_acme(db);
    tenantctl::test::TempDir dir;
    tenantctl::test::write_file(dir / "tenantctl.yaml", "audit:\n  retention: 3y\n");
    const std::string cfg = (dir / "tenantctl.yaml").string();
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT '{}', "
                        "date_trunc('month', now()) - interval '14 months' + make_interval(mins => g), 'old.event' "
                        "FROM generate_series(1, 20) g",
                        kAcme));
    add_events(db, 10);
    REQUIRE(run_cli({"-c", cfg, "audit", "partitions", "ensure", "--ahead", "0"}, &db).exit_code == 0);
    REQUIRE(run_cli({"audit", "seal", "--settle", "0s"}, &db).exit_code == 0);
    const std::string acme_chain = fmt::format("SELECT count(*) FROM tenantctl.audit_chain WHERE tenant_id = '{}'", kAcme);
    REQUIRE(db.query_value(acme_chain) == "30");
    const fs::path archive = dir / "archive";
    fs::create_directory(archive);
    const std::vector<std::string> prune{"audit", "partitions", "prune", "--older-than", "13mo", "--archive",
                                         archive.string(), "-o", "json"};

    tenantctl::test::CliOptions killed;
    killed.env["TENANTCTL_TEST_FAILPOINT"] = "audit-prune-chain-cut";
    auto k = run_cli(prune, &db, killed);
    CHECK(k.exit_code == 128 + SIGKILL);
    CHECK(db.query_value(acme_chain) == "30");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_seals WHERE kind = 'prune'") == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "20");
    auto whole = run_cli({"audit", "verify", "--all"}, &db);
    INFO(whole.out << whole.err);
    CHECK(whole.exit_code == 0);

    auto again = run_cli(prune, &db);
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    auto pr = nlohmann::json::parse(again.out);
    REQUIRE(pr.size() == 1);
    CHECK(pr[0]["rows"] == 20);
    CHECK(db.query_value(acme_chain) == "10");
    CHECK(db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_seals WHERE kind = 'prune' AND "
                                     "tenant_id = '{}' AND seq = 20",
                                     kAcme)) == "1");
    auto cut = run_cli({"audit", "verify", "--all"}, &db);
    INFO(cut.out << cut.err);
    CHECK(cut.exit_code == 0);
    // The archive holds the month's 20 events and reads back.
    auto lines = tenantctl::util::run_process({"sh", "-c", "zcat '" + pr[0]["archive"].get<std::string>() + "' | wc -l"});
    CHECK(std::stol(lines.out) == 20);
}

TEST_CASE("audit partitions prune waits out a long reader of the log without redoing the month", "[e2e][audit]") {
    // The DETACH needs the whole log to itself: while a reader holds it, the DETACH is retried
    // with a short lock_timeout on a savepoint, keeping the chain rows already cut, instead of
    // starting the month over (which logs "lock not available, retrying").
    TestDatabase db;
    add_acme(db);
    tenantctl::test::TempDir dir;
    tenantctl::test::write_file(dir / "tenantctl.yaml", "audit:\n  retention: 3y\n");
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT '{}', "
                        "date_trunc('month', now()) - interval '14 months' + make_interval(mins => g), 'old.event' "
                        "FROM generate_series(1, 20) g",
                        kAcme));
    REQUIRE(run_cli({"-c", (dir / "tenantctl.yaml").string(), "audit", "partitions", "ensure", "--ahead", "0"}, &db)
                .exit_code == 0);
    REQUIRE(run_cli({"audit", "seal", "--settle", "0s"}, &db).exit_code == 0);
    const fs::path archive = dir / "archive";
    fs::create_directory(archive);

    // A reader of the log (only the parent, so the month itself stays free), taken while the
    // prune waits before the drop, and let go 1.5 s after the DETACH is seen waiting for it:
    // longer than the 1 s lock_timeout of every other step.
    pqxx::connection reader(db.conninfo());
    pqxx::work reading(reader);
    std::thread release;
    auto r = tenantctl::test::run_paused_at(
        {"audit", "partitions", "prune", "--older-than", "13mo", "--archive", archive.string(), "-v"}, db,
        "audit-prune-before-drop", [&] {
            reading.exec0("LOCK TABLE ONLY tenantctl.audit_log IN ACCESS SHARE MODE");
            release = std::thread([&] {
                for (int i = 0; i < 6000; ++i) {  // at most a minute, then the checks below fail
                    if (db.query_value("SELECT count(*) FROM pg_locks WHERE relation = 'tenantctl.audit_log'::regclass "
                                       "AND mode = 'AccessExclusiveLock' AND NOT granted") != "0")
                        break;
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1500));
                reading.commit();
            });
        });
    if (release.joinable()) release.join();  // not started when the prune never reached the point
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("retrying in") != std::string::npos);  // the DETACH waited (debug line)
    CHECK(r.err.find("lock not available") == std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_seals WHERE kind = 'prune'") == "1");
    CHECK(run_cli({"audit", "verify", "--all"}, &db).exit_code == 0);
}
