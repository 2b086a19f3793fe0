// tenantctl init on a Citus cluster, and the platform's commands on it (issue 17).
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>

#include "tests/citus/citus_support.hpp"
#include "tests/support/background.hpp"

using namespace tenantctl;
using test::CitusDatabase;
using test::run_cli;

namespace {

// How Citus placed a platform table: "h:tenant_id", "n:t" (reference) or "" (local).
std::string placement(const CitusDatabase& db, const std::string& table) {
    return db.query_value(fmt::format(
        "SELECT partmethod::text || ':' || coalesce(column_to_column_name(logicalrelid, partkey), repmodel::text) "
        "FROM pg_dist_partition WHERE logicalrelid = 'tenantctl.{}'::regclass",
        table));
}

void require_platform_placed(const CitusDatabase& db) {
    for (const char* t : {"tenant_keys", "api_keys", "gdpr_requests", "audit_keys", "audit_chain", "audit_seals",
                          "audit_log"}) {
        INFO(t);
        CHECK(placement(db, t) == "h:tenant_id");
    }
    for (const char* t : {"tenants", "platform_version", "signing_keys", "jobs", "schema_migrations",
                          "migration_run_targets", "audit_listeners"}) {
        INFO(t);
        CHECK(placement(db, t) == "n:t");
    }
    // One colocation group: a tenant's keys, API keys, requests and audit trail share a node.
    CHECK(db.query_value("SELECT count(DISTINCT colocationid) FROM pg_dist_partition WHERE partmethod = 'h' "
                         "AND logicalrelid::text NOT LIKE 'tenantctl.audit_log_%'") == "1");
}

test::CliResult cli(const std::vector<std::string>& args, const CitusDatabase& db) {
    return run_cli(args, nullptr, db.cli());
}

}  // namespace

TEST_CASE("init on a Citus coordinator distributes the platform tables and is idempotent", "[citus]") {
    CitusDatabase db;
    auto dry = cli({"init", "--dry-run"}, db);
    REQUIRE(dry.exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM pg_dist_partition") == "0");

    auto first = cli({"init", "--citus"}, db);
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.err.find("citus: placed 14 platform table(s)") != std::string::npos);
    require_platform_placed(db);
    // Partitions made later (partitions ensure, a new month) are distributed with their parent.
    REQUIRE(cli({"audit", "partitions", "ensure", "--ahead", "6"}, db).exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM pg_inherits i LEFT JOIN pg_dist_partition p ON p.logicalrelid = "
                         "i.inhrelid WHERE i.inhparent = 'tenantctl.audit_log'::regclass AND p.logicalrelid IS NULL") ==
          "0");

    auto again = cli({"init"}, db);
    REQUIRE(again.exit_code == 0);
    CHECK(again.err.find("already placed") != std::string::npos);
    require_platform_placed(db);

    auto doctor = cli({"doctor", "--check", "citus_nodes", "--check", "citus_tables", "-o", "json"}, db);
    INFO(doctor.out);
    CHECK(doctor.exit_code == 0);
    CHECK(doctor.out.find("\"fail\"") == std::string::npos);
}

TEST_CASE("init --citus refuses a database without the citus extension", "[citus]") {
    CitusDatabase db(false);
    auto r = cli({"init", "--citus"}, db);
    CHECK(r.exit_code == 5);
    CHECK(r.err.find("no citus extension") != std::string::npos);
    CHECK(db.query_value("SELECT to_regclass('tenantctl.tenants') IS NULL") == "t");  // nothing installed
}

TEST_CASE("init converts a single-node install that gained Citus in place, with its rows", "[citus]") {
    CitusDatabase db(false);
    REQUIRE(cli({"init"}, db).exit_code == 0);
    REQUIRE(cli({"tenant", "create", "acme"}, db).exit_code == 0);
    REQUIRE(cli({"tenant", "create", "globex"}, db).exit_code == 0);
    REQUIRE(cli({"keys", "rotate", "--tenant", "acme"}, db).exit_code == 0);
    REQUIRE(cli({"audit", "seal"}, db).exit_code == 0);
    const std::string keys = db.query_value("SELECT count(*) FROM tenantctl.tenant_keys");
    const std::string events = db.query_value("SELECT count(*) FROM tenantctl.audit_log");
    REQUIRE(keys == "3");

    db.add_citus();
    auto r = cli({"init"}, db);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    require_platform_placed(db);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys") == keys);
    // init's own event is the one more.
    CHECK(std::stoll(db.query_value("SELECT count(*) FROM tenantctl.audit_log")) == std::stoll(events) + 1);
    // The rows are in the workers' shards now, not in the coordinator's old local tables.
    CHECK(db.query_value("SELECT count(*) FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) "
                         "JOIN pg_dist_node n ON n.groupid = p.groupid WHERE s.logicalrelid = "
                         "'tenantctl.tenant_keys'::regclass AND n.groupid <> 0") != "0");
    auto verify = cli({"audit", "verify", "--tenant", "acme"}, db);
    INFO(verify.out << verify.err);
    CHECK(verify.exit_code == 0);
    CHECK(cli({"keys", "verify", "--tenant", "acme"}, db).exit_code == 0);
}

TEST_CASE("tenant lifecycle, keys, API keys and the audit chain on a Citus cluster", "[citus]") {
    CitusDatabase db;
    REQUIRE(cli({"init"}, db).exit_code == 0);
    auto created = cli({"tenant", "create", "acme", "--name", "Acme"}, db);
    INFO(created.err);
    REQUIRE(created.exit_code == 0);
    REQUIRE(cli({"tenant", "create", "globex"}, db).exit_code == 0);
    REQUIRE(cli({"keys", "rotate", "--tenant", "acme"}, db).exit_code == 0);
    auto status = cli({"keys", "status", "--tenant", "acme", "-o", "json"}, db);
    REQUIRE(status.exit_code == 0);
    auto key = cli({"apikey", "create", "--tenant", "acme", "--name", "ci", "--scope", "read"}, db);
    INFO(key.err);
    REQUIRE(key.exit_code == 0);
    REQUIRE(cli({"tenant", "suspend", "acme", "--reason", "billing"}, db).exit_code == 0);
    REQUIRE(cli({"tenant", "resume", "acme"}, db).exit_code == 0);
    REQUIRE(cli({"audit", "seal"}, db).exit_code == 0);
    auto verify = cli({"audit", "verify", "--tenant", "acme"}, db);
    INFO(verify.out << verify.err);
    CHECK(verify.exit_code == 0);
    auto events = cli({"audit", "query", "--tenant", "acme", "--since", "1h", "-o", "json"}, db);
    REQUIRE(events.exit_code == 0);
    CHECK(events.out.find("tenant.create") != std::string::npos);

    REQUIRE(cli({"tenant", "delete", "acme", "--yes"}, db).exit_code == 0);
    auto purge = cli({"tenant", "purge", "acme", "--force", "--yes"}, db);
    INFO(purge.err);
    REQUIRE(purge.exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys k JOIN tenantctl.tenants t ON t.id = "
                         "k.tenant_id WHERE t.slug = 'acme' AND k.state <> 'destroyed'") == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.api_keys a JOIN tenantctl.tenants t ON t.id = a.tenant_id "
                         "WHERE t.slug = 'acme'") == "0");
    // The other tenant is untouched.
    CHECK(cli({"tenant", "show", "globex"}, db).exit_code == 0);
}

TEST_CASE("audit tail -f sees events written to the workers' shards", "[citus]") {
    CitusDatabase db;
    REQUIRE(cli({"init"}, db).exit_code == 0);
    REQUIRE(cli({"tenant", "create", "acme"}, db).exit_code == 0);
    // No trigger on the distributed log: a NOTIFY from a worker's shard never reaches the
    // coordinator, so the tail must find events by itself.
    CHECK(db.query_value("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tenantctl.audit_log'::regclass "
                         "AND NOT tgisinternal") == "0");
    test::Background tail({"audit", "tail", "--tenant", "acme", "-f", "-o", "ndjson"}, db.url());
    auto first = tail.lines(1);
    REQUIRE(first.size() == 1);
    CHECK(first[0].find("tenant.create") != std::string::npos);
    for (int i = 0; i < 3; ++i)
        REQUIRE(cli({"audit", "record", "--tenant", "acme", "--action", fmt::format("live.event{}", i)}, db).exit_code ==
                0);
    auto lines = tail.lines(4);
    REQUIRE(lines.size() == 4);
    CHECK(lines[3].find("live.event2") != std::string::npos);
}

TEST_CASE("audit import on a Citus cluster: a refused batch leaves the chains verifiable, the resumed run seals them",
          "[citus]") {
    CitusDatabase db;
    REQUIRE(cli({"init"}, db).exit_code == 0);
    REQUIRE(cli({"tenant", "create", "acme"}, db).exit_code == 0);
    REQUIRE(cli({"tenant", "create", "globex"}, db).exit_code == 0);
    REQUIRE(cli({"audit", "seal"}, db).exit_code == 0);  // acme's and globex's tenant.create: the import reaches into them
    // The application's own log, a local table on the coordinator; row 7 has an action the log refuses.
    db.exec("CREATE TABLE public.old_audit (id int PRIMARY KEY, company text, at timestamptz, what text);"
            "INSERT INTO public.old_audit SELECT g, CASE WHEN g % 2 = 0 THEN 'acme' ELSE 'globex' END, "
            "date_trunc('month', now()) - interval '5 months' + make_interval(hours => g), "
            "CASE WHEN g = 7 THEN 'Not An Action' ELSE 'legacy.event' END FROM generate_series(1, 12) g");
    const std::vector<std::string> args{"audit", "import", "--from", "public.old_audit", "--map", "tenant_id=company",
                                        "--map", "occurred_at=at", "--map", "action=what", "--batch", "3"};
    auto refused = cli(args, db);
    INFO(refused.err);
    CHECK(refused.exit_code == 5);
    CHECK(refused.err.find("the event at key 7 has action 'Not An Action'") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event'") == "6");
    auto verify = cli({"audit", "verify", "--all", "-o", "json"}, db);
    INFO(verify.out << verify.err);
    CHECK(verify.exit_code == 0);
    CHECK(verify.out.find("broken") == std::string::npos);

    db.exec("UPDATE public.old_audit SET what = 'legacy.event'");
    auto resumed = cli(args, db);
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event'") == "12");
    verify = cli({"audit", "verify", "--all", "-o", "json"}, db);
    INFO(verify.out);
    CHECK(verify.exit_code == 0);
    // Both tenants' chains sealed over old and imported events (the platform's own events are
    // listed too, unsealed: not the import's).
    const auto rows = nlohmann::json::parse(verify.out);
    std::map<std::string, std::string> status;
    for (const auto& row : rows) status[row["tenant"].get<std::string>()] = row["status"].get<std::string>();
    CHECK(status["acme"] == "ok");
    CHECK(status["globex"] == "ok");
}
