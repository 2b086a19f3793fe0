// The app's tables on a Citus cluster: `citus distribute`, purge of their rows, and doctor's
// Citus checks with planted faults (issue 17).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/crypto/fernet.hpp"
#include "tests/citus/citus_support.hpp"
#include "tests/integration/keys_fixture.hpp"
#include "tests/support/schema_corpus.hpp"

using namespace tenantctl;
using test::CitusDatabase;
using test::run_cli;

namespace {

const char* kAppSchema = R"sql(
CREATE SCHEMA app;
CREATE TABLE app.projects (
    tenant_id uuid NOT NULL,
    id bigint NOT NULL,
    name text,
    PRIMARY KEY (tenant_id, id));
CREATE TABLE app.tasks (
    tenant_id uuid NOT NULL,
    id bigint NOT NULL,
    project_id bigint NOT NULL,
    title text,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES app.projects (tenant_id, id) ON DELETE CASCADE);
ALTER TABLE app.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON app.projects USING (tenant_id = current_setting('app.tenant_id', true)::uuid);
)sql";

// A cluster database with the platform placed and the app schema, and the CLI pointed at it
// with a config naming an app role of its own (roles are shared by every database of a node).
struct App {
    CitusDatabase db;
    test::TempDir dir;
    std::string role;
    App() {
        std::random_device rd;
        role = fmt::format("citus_app_{:08x}", rd());
        REQUIRE(cli({"init"}).exit_code == 0);
        db.exec(kAppSchema);
        test::write_file(dir.path() / "tenantctl.yaml", "tenancy:\n  app_role: " + role + "\n");
    }
    ~App() {
        try {
            test::CitusClusterLock lock;
            db.exec("DROP ROLE IF EXISTS " + role);
        } catch (...) {
        }
    }
    test::CliResult cli(const std::vector<std::string>& args) const {
        auto options = db.cli();
        options.cwd = dir.path();
        return run_cli(args, nullptr, options);
    }
    std::string placement(const std::string& table) const {
        return db.query_value(fmt::format(
            "SELECT partmethod::text || ':' || coalesce(column_to_column_name(logicalrelid, partkey), repmodel::text) "
            "FROM pg_dist_partition WHERE logicalrelid = '{}'::regclass",
            table));
    }
};

bool has_finding(const std::string& json, const std::string& check, const std::string& status,
                 const std::string& text) {
    auto rows = nlohmann::json::parse(json);
    for (const auto& row : rows)
        if (row["check"] == check && row["status"] == status &&
            (row["subject"].get<std::string>() + " " + row["detail"].get<std::string>()).find(text) !=
                std::string::npos)
            return true;
    return false;
}

}  // namespace

TEST_CASE("citus distribute places the app's tables colocated with the platform's, and purge empties them",
          "[citus]") {
    App app;
    auto dry = app.cli({"citus", "distribute", "--dry-run", "-o", "json"});
    INFO(dry.err);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("\"pending\"") != std::string::npos);
    CHECK(app.placement("app.projects").empty());

    auto r = app.cli({"citus", "distribute"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(app.placement("app.projects") == "h:tenant_id");
    CHECK(app.placement("app.tasks") == "h:tenant_id");
    CHECK(app.db.query_value("SELECT count(DISTINCT colocationid) FROM pg_dist_partition WHERE logicalrelid IN "
                             "('app.projects'::regclass, 'app.tasks'::regclass, 'tenantctl.tenant_keys'::regclass)") ==
          "1");
    CHECK(app.db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'citus.distribute'") == "1");
    // A second run has nothing to do.
    auto again = app.cli({"citus", "distribute"});
    REQUIRE(again.exit_code == 0);
    CHECK(again.err.find("already placed") != std::string::npos);

    // Purge finds and deletes the tenant's rows on the workers, and proves none is left.
    REQUIRE(app.cli({"tenant", "create", "acme"}).exit_code == 0);
    REQUIRE(app.cli({"tenant", "create", "globex"}).exit_code == 0);
    app.db.exec("INSERT INTO app.projects SELECT t.id, g, 'p' || g FROM tenantctl.tenants t, generate_series(1, 50) g;"
                "INSERT INTO app.tasks SELECT t.id, g, g, 'x' FROM tenantctl.tenants t, generate_series(1, 50) g");
    REQUIRE(app.cli({"tenant", "delete", "acme"}).exit_code == 0);
    auto purge = app.cli({"tenant", "purge", "acme", "--force", "--yes"});
    INFO(purge.err);
    REQUIRE(purge.exit_code == 0);
    CHECK(app.db.query_value("SELECT count(*) FROM app.tasks t JOIN tenantctl.tenants x ON x.id = t.tenant_id "
                             "WHERE x.slug = 'acme'") == "0");
    CHECK(app.db.query_value("SELECT count(*) FROM app.projects") == "50");
    CHECK(app.db.query_value("SELECT count(*) FROM app.tasks") == "50");

    auto doctor = app.cli({"doctor", "--check", "citus_tables", "--check", "citus_rls", "-o", "json"});
    INFO(doctor.out);
    CHECK(has_finding(doctor.out, "citus_tables", "ok", "colocated"));
    // Citus does not pass the app's SET LOCAL app.tenant_id to the workers unless told to.
    CHECK(has_finding(doctor.out, "citus_rls", "warn", "citus.propagate_set_commands"));
}

TEST_CASE("citus distribute refuses tables Citus cannot distribute, and changes nothing", "[citus]") {
    App app;
    app.db.exec("CREATE TABLE app.comments (id bigint PRIMARY KEY, tenant_ref uuid, task_tenant uuid NOT NULL, "
                "task_id bigint NOT NULL, FOREIGN KEY (task_tenant, task_id) REFERENCES app.tasks (tenant_id, id) "
                "ON DELETE CASCADE);"
                "ALTER TABLE app.projects ADD CONSTRAINT projects_name_key UNIQUE (name)");
    auto r = app.cli({"citus", "distribute"});
    INFO(r.err);
    CHECK(r.exit_code == 5);
    CHECK(r.err.find("app.comments has no tenant_id column") != std::string::npos);
    CHECK(r.err.find("projects_name_key does not include tenant_id") != std::string::npos);
    CHECK(r.err.find("nothing was changed") != std::string::npos);
    CHECK(app.placement("app.projects").empty());
    CHECK(app.placement("app.tasks").empty());
    CHECK(app.db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'citus.distribute'") == "0");
}

TEST_CASE("citus distribute refuses a database without Citus", "[citus]") {
    CitusDatabase db(false);
    REQUIRE(run_cli({"init"}, nullptr, db.cli()).exit_code == 0);
    auto r = run_cli({"citus", "distribute"}, nullptr, db.cli());
    CHECK(r.exit_code == 5);
    CHECK(r.err.find("not a Citus coordinator") != std::string::npos);
}

TEST_CASE("doctor finds the planted Citus faults: local, wrong column, not colocated, NOLOGIN role", "[citus]") {
    App app;
    app.db.exec(
        "CREATE TABLE app.notes (tenant_id uuid NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));"
        "CREATE TABLE app.files (tenant_id uuid NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));"
        "SELECT create_distributed_table('app.notes', 'id');"
        "SELECT create_distributed_table('app.files', 'tenant_id', colocate_with => 'none');");
    {
        test::CitusClusterLock lock;
        app.db.exec("CREATE ROLE " + app.role + " NOLOGIN");
    }

    auto r = app.cli({"doctor", "--check", "citus_nodes", "--check", "citus_tables", "--check", "citus_roles", "-o", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(has_finding(r.out, "citus_nodes", "ok", "2 worker(s)"));
    CHECK(has_finding(r.out, "citus_tables", "fail", "app.projects local on the coordinator"));
    CHECK(has_finding(r.out, "citus_tables", "fail", "app.notes is distributed by id"));
    CHECK(has_finding(r.out, "citus_tables", "fail", "app.files not colocated with tenantctl.tenant_keys"));
    // The role exists on every worker (Citus created it there) but may not log in.
    CHECK(has_finding(r.out, "citus_roles", "fail", "may not log in on the worker"));

    {
        test::CitusClusterLock lock;
        app.db.exec("ALTER ROLE " + app.role + " LOGIN");
    }
    auto fixed = app.cli({"doctor", "--check", "citus_roles", "-o", "json"});
    CHECK(fixed.exit_code == 0);
    CHECK(has_finding(fixed.out, "citus_roles", "ok", "may log in on all 2 worker(s)"));
}

namespace {

// Inserts rows for one tenant as fast as it can through the coordinator, each its own
// transaction, the way the app does, until stopped; remembers every failure and the longest
// time one insert took (the stall a placement imposed on it).
class Writer {
public:
    Writer(std::string conninfo, std::string tenant_id)
        : m_conninfo(std::move(conninfo)), m_tenant(std::move(tenant_id)), m_thread([this] { run(); }) {}
    ~Writer() { stop(); }
    void stop() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
    }
    long long written() const { return m_written; }
    const std::vector<std::string>& failures() const { return m_failures; }
    double longest_ms() const { return m_longest_ms; }
    // Waits until `n` more rows were written (so the writer is known to run across a step).
    void wait_for(long long n) const {
        const long long target = m_written + n;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (m_written < target && !m_failed && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

private:
    void run() {
        pqxx::connection c(m_conninfo);
        for (long long id = 100000; !m_stop; ++id) {
            const auto started = std::chrono::steady_clock::now();
            try {
                pqxx::work tx(c);
                tx.exec_params("INSERT INTO app.projects (tenant_id, id, name) VALUES ($1::uuid, $2, 'live')", m_tenant,
                               id);
                tx.commit();
                ++m_written;
            } catch (const std::exception& e) {
                m_failures.push_back(e.what());
                m_failed = true;
                return;
            }
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
            m_longest_ms = std::max(m_longest_ms, ms);
        }
    }
    std::string m_conninfo, m_tenant;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_failed{false};
    std::atomic<long long> m_written{0};
    std::vector<std::string> m_failures;
    double m_longest_ms = 0;
    std::thread m_thread;
};

std::string shard_node(const App& app, const std::string& tenant_id) {
    return app.db.query_value(
        "SELECT n.nodename || ':' || n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) "
        "WHERE p.shardid = get_shard_id_for_distribution_column('app.projects', '" + tenant_id + "'::uuid)");
}

}  // namespace

TEST_CASE("tenant isolate and place move a tenant to another node while it keeps writing, losing nothing",
          "[citus]") {
    App app;
    REQUIRE(app.cli({"citus", "distribute"}).exit_code == 0);
    REQUIRE(app.cli({"tenant", "create", "acme"}).exit_code == 0);
    REQUIRE(app.cli({"tenant", "create", "globex"}).exit_code == 0);
    const std::string acme = app.db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'acme'");
    const std::string globex = app.db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'globex'");
    app.db.exec("INSERT INTO app.projects SELECT t.id, g, 'p' FROM tenantctl.tenants t, generate_series(1, 200) g");

    // Not isolated yet: moving its shard would carry other tenants along.
    const auto& ports = test::citus_cluster().ports;
    const std::string here = shard_node(app, acme);
    const std::string there = here == fmt::format("127.0.0.1:{}", ports[1]) ? fmt::format("127.0.0.1:{}", ports[2])
                                                                            : fmt::format("127.0.0.1:{}", ports[1]);
    auto refused = app.cli({"tenant", "place", "acme", "--node", there});
    CHECK(refused.exit_code == 5);
    CHECK(refused.err.find("tenant isolate acme") != std::string::npos);
    CHECK(app.cli({"tenant", "place", "acme", "--node", "127.0.0.1:1"}).exit_code == 2);
    CHECK(app.cli({"tenant", "place", "acme", "--node", "nonsense"}).exit_code == 2);

    auto dry = app.cli({"tenant", "isolate", "acme", "--dry-run"});
    REQUIRE(dry.exit_code == 0);
    CHECK(app.db.query_value("SELECT count(*) FROM pg_dist_shard WHERE shardminvalue = shardmaxvalue") == "0");

    Writer writer(app.db.conninfo(), acme);
    writer.wait_for(20);
    auto isolated = app.cli({"tenant", "isolate", "acme", "-o", "json"});
    INFO(isolated.err);
    REQUIRE(isolated.exit_code == 0);
    // app.projects has RLS, which Citus's logical replication cannot copy: the writes wait.
    CHECK(isolated.err.find("row-level security (app.projects)") != std::string::npos);
    CHECK(isolated.err.find("block_writes") != std::string::npos);
    auto forced = app.cli({"tenant", "place", "acme", "--node", "127.0.0.1:1", "--transfer-mode", "force_logical"});
    CHECK(forced.exit_code == 2);  // the node is checked first
    writer.wait_for(20);
    CHECK(app.db.query_value("SELECT shardminvalue = shardmaxvalue FROM pg_dist_shard WHERE shardid = "
                             "get_shard_id_for_distribution_column('app.projects', '" +
                             acme + "'::uuid)") == "t");
    // A re-run has nothing left to do.
    auto again = app.cli({"tenant", "isolate", "acme"});
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("already has shards of its own") != std::string::npos);

    const std::string from = shard_node(app, acme);
    const std::string to = from == fmt::format("127.0.0.1:{}", ports[1]) ? fmt::format("127.0.0.1:{}", ports[2])
                                                                         : fmt::format("127.0.0.1:{}", ports[1]);
    auto placed = app.cli({"tenant", "place", "acme", "--node", to});
    INFO(placed.err);
    REQUIRE(placed.exit_code == 0);
    writer.wait_for(20);
    writer.stop();
    INFO("longest insert during isolate and place: " << writer.longest_ms() << " ms");
    REQUIRE(writer.failures().empty());
    CHECK(shard_node(app, acme) == to);
    // Every row the writer was told was committed is there, and nothing else changed.
    CHECK(app.db.query_value("SELECT count(*) FROM app.projects WHERE tenant_id = '" + acme + "'") ==
          std::to_string(200 + writer.written()));
    CHECK(app.db.query_value("SELECT count(*) FROM app.projects WHERE tenant_id = '" + globex + "'") == "200");
    CHECK(app.db.query_value("SELECT count(*) FROM app.tasks") == "0");

    auto show = app.cli({"tenant", "show", "acme", "-o", "json"});
    REQUIRE(show.exit_code == 0);
    auto doc = nlohmann::json::parse(show.out);
    REQUIRE(doc["shards"].size() == 1);
    CHECK(doc["shards"][0]["node"] == to);
    CHECK(doc["shards"][0]["isolated"] == true);

    auto list = app.cli({"tenant", "list", "--by-node", "-o", "json"});
    REQUIRE(list.exit_code == 0);
    for (const auto& row : nlohmann::json::parse(list.out))
        if (row["slug"] == "acme") CHECK(row["node"] == to);
    CHECK(app.db.query_value("SELECT string_agg(action, ',' ORDER BY id) FROM tenantctl.audit_log WHERE action LIKE "
                             "'tenant.%' AND action IN ('tenant.isolate', 'tenant.place')") ==
          "tenant.isolate,tenant.place");
    // On its node already: nothing to do.
    auto stay = app.cli({"tenant", "place", "acme", "--node", to});
    CHECK(stay.exit_code == 0);
    CHECK(stay.err.find("already on") != std::string::npos);
}

TEST_CASE("tenant top names the busiest tenant", "[citus]") {
    App app;
    REQUIRE(app.cli({"citus", "distribute"}).exit_code == 0);
    REQUIRE(app.cli({"tenant", "create", "acme"}).exit_code == 0);
    const std::string acme = app.db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'acme'");
    {
        pqxx::connection c(app.db.conninfo());
        for (int i = 0; i < 50; ++i) {
            pqxx::nontransaction tx(c);
            tx.exec_params("SELECT count(*) FROM app.projects WHERE tenant_id = $1::uuid", acme);
        }
    }
    auto top = app.cli({"tenant", "top", "-o", "json"});
    INFO(top.out << top.err);
    REQUIRE(top.exit_code == 0);
    bool found = false;
    for (const auto& row : nlohmann::json::parse(top.out))
        if (row["slug"] == "acme") found = row["queries_this_period"].get<long long>() + row["queries_last_period"].get<long long>() >= 50;
    CHECK(found);
    CHECK(app.cli({"tenant", "top", "--limit", "0"}).exit_code == 2);
}

TEST_CASE("placement commands refuse a single server", "[citus]") {
    CitusDatabase db(false);
    REQUIRE(run_cli({"init"}, nullptr, db.cli()).exit_code == 0);
    REQUIRE(run_cli({"tenant", "create", "acme"}, nullptr, db.cli()).exit_code == 0);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"tenant", "isolate", "acme"},
          std::vector<std::string>{"tenant", "place", "acme", "--node", "127.0.0.1:5432"},
          std::vector<std::string>{"tenant", "top"}, std::vector<std::string>{"tenant", "list", "--by-node"}}) {
        auto r = run_cli(args, nullptr, db.cli());
        INFO(args[1]);
        CHECK(r.exit_code == 5);
        CHECK(r.err.find("not a Citus coordinator") != std::string::npos);
    }
}

namespace {

long long count_rows(const CitusDatabase& db, const std::string& sql, const std::optional<std::string>& param = {}) {
    pqxx::connection c(db.conninfo());
    pqxx::nontransaction tx(c);
    auto r = param ? tx.exec_params1(sql, *param) : tx.exec1(sql);
    return r[0].as<long long>();
}

}  // namespace

TEST_CASE("citus distribute on every shape of the schema corpus: placed with every row, or refused with the reason",
          "[citus][corpus]") {
    namespace corpus = test::corpus;
    // What Citus cannot take, and the reason the refusal must give. Every other pattern must be
    // distributed with all its rows, and then purge must take exactly tenant A's rows.
    const std::map<std::string, std::string> refusals = {
        // tasks.assignee_id: ON DELETE SET NULL (assignee_id) in a key with tenant_id.
        {"composite_fk", "foreign key tasks_tenant_id_assignee_id_fkey has ON DELETE SET NULL"},
        // Keys of one column (id): Citus cannot enforce them across shards.
        {"single_fk", "unique index users_pkey does not include tenant_id"},
        {"self_reference", "unique index employees_pkey does not include tenant_id"},
        {"cycle_nullable", "unique index teams_pkey does not include tenant_id"},
        {"cascade_set_null", "public.comments has no tenant_id column"},
        {"non_public_schema", "unique index app.users_pkey does not include tenant_id"},
        {"quoted_names", "public._DocumentToUserAccount has no tenantId column"},
        {"generated_pii", "unique index users_pkey does not include tenant_id"},
        {"owner_force_rls", "unique index profiles_pkey does not include tenant_id"},
        {"value_types", "unique index users_pkey does not include tenant_id"},
        {"app_triggers", "unique index members_pkey does not include tenant_id"},
    };
    // Distributed, but purge must refuse: its cycle is only broken by deferring a key, which
    // Citus does not do on the workers.
    const std::map<std::string, std::string> purge_refusals = {
        {"cycle_deferrable", "Citus does not defer keys on the workers' shards"},
    };
    for (const auto& p : corpus::all()) {
        INFO("pattern " << p.name);
        CitusDatabase db;
        test::TempDir dir;
        test::write_file(dir.path() / "tenantctl.yaml", p.config_yaml);
        auto options = db.cli();
        options.cwd = dir.path();
        auto cli = [&](const std::vector<std::string>& args) { return run_cli(args, nullptr, options); };
        REQUIRE(cli({"init"}).exit_code == 0);
        {
            test::CitusClusterLock lock;  // the pattern creates the role `app` when it is missing
            db.exec(p.setup_sql);
        }
        {
            pqxx::connection c(db.conninfo());
            pqxx::work tx(c);
            const bool uuid = p.tenancy_type == "uuid";
            for (const auto& [value, slug] : {std::pair{p.tenant_a, "acme"}, std::pair{p.tenant_b, "globex"}}) {
                std::optional<std::string> id, key;
                (uuid ? id : key) = value;
                tx.exec_params("INSERT INTO tenantctl.tenants (id, slug, tenancy_key) "
                               "VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3)",
                               id, std::string(slug), key);
            }
            tx.commit();
        }
        std::map<std::string, long long> before, of_a;
        for (const auto& rel : p.relations) {
            before[rel] = count_rows(db, "SELECT count(*) FROM " + rel);
            if (!p.is_shared(rel))
                of_a[rel] = count_rows(db, "SELECT count(*) FROM " + rel + " t WHERE " + p.tenant_predicate(rel),
                                       p.tenant_a);
        }

        auto r = cli({"citus", "distribute"});
        UNSCOPED_INFO(p.name << ": exit " << r.exit_code << ": " << r.err);
        if (auto it = refusals.find(p.name); it != refusals.end()) {
            CHECK(r.exit_code == 5);
            CHECK(r.err.find(it->second) != std::string::npos);
            CHECK(r.err.find("nothing was changed") != std::string::npos);
            CHECK(db.query_value("SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text NOT LIKE 'tenantctl.%'") ==
                  "0");
            continue;
        }
        CHECK(r.exit_code == 0);
        if (r.exit_code != 0) continue;
        for (const auto& rel : p.relations) {
            INFO(rel);
            CHECK(count_rows(db, "SELECT count(*) FROM " + rel) == before[rel]);
        }
        // The whole-tenant export reads every one of the tenant's rows from the shards.
        auto exported = cli({"gdpr", "export", "--tenant", "acme", "--all", "-O", (dir / "acme.tar.gz").string(), "-o",
                             "json"});
        INFO(exported.err);
        REQUIRE(exported.exit_code == 0);
        std::map<std::string, long long> exported_rows;
        const auto report = nlohmann::json::parse(exported.out);
        for (const auto& t : report["tables"])
            exported_rows[t["table"].get<std::string>()] = t["rows"].get<long long>();
        for (const auto& [rel, n] : of_a) {
            INFO(rel);
            CHECK(exported_rows[rel] == n);
        }
        auto purge = cli({"tenant", "purge", "acme", "--force", "--yes"});
        INFO(purge.err);
        if (auto it = purge_refusals.find(p.name); it != purge_refusals.end()) {
            CHECK(purge.exit_code == 5);
            CHECK(purge.err.find(it->second) != std::string::npos);
            for (const auto& rel : p.relations) {
                INFO(rel);
                CHECK(count_rows(db, "SELECT count(*) FROM " + rel) == before[rel]);  // nothing deleted
            }
            continue;
        }
        CHECK(purge.exit_code == 0);
        if (purge.exit_code != 0) continue;
        for (const auto& rel : p.relations) {
            INFO(rel);
            if (p.is_shared(rel)) {
                CHECK(count_rows(db, "SELECT count(*) FROM " + rel) == before[rel]);
                continue;
            }
            CHECK(count_rows(db, "SELECT count(*) FROM " + rel + " t WHERE " + p.tenant_predicate(rel), p.tenant_a) == 0);
            CHECK(count_rows(db, "SELECT count(*) FROM " + rel) == before[rel] - of_a[rel]);
        }
    }
}

TEST_CASE("schema mode on Citus: a tenant's schema is a distributed schema that place moves and purge drops everywhere",
          "[citus]") {
    CitusDatabase db;
    test::TempDir dir;
    test::write_file(dir / "migrations" / "20240101000000_notes.sql",
                     "-- tenantctl:scope=tenant\n-- migrate:up\nCREATE TABLE notes (id int PRIMARY KEY, body text);\n"
                     "-- migrate:down\nDROP TABLE notes;\n");
    test::write_file(dir / "tenantctl.yaml", "migrations:\n  dir: " + (dir / "migrations").string() + "\n");
    auto cli = [&](const std::vector<std::string>& args) {
        auto options = db.cli();
        options.cwd = dir.path();
        return run_cli(args, nullptr, options);
    };
    REQUIRE(cli({"init"}).exit_code == 0);
    auto created = cli({"tenant", "create", "big-co", "--isolation", "schema"});
    INFO(created.err);
    REQUIRE(created.exit_code == 0);
    // Schema-based sharding: the schema is distributed, and the table its migration made is a
    // single-shard table of it.
    CHECK(db.query_value("SELECT count(*) FROM pg_dist_schema WHERE schemaid = 'tenant_big_co'::regnamespace") == "1");
    CHECK(db.query_value("SELECT partmethod::text || ':' || repmodel::text || ':' || (colocationid > 0) FROM pg_dist_partition "
                         "WHERE logicalrelid = 'tenant_big_co.notes'::regclass") == "n:s:true");
    db.exec("INSERT INTO tenant_big_co.notes SELECT g, 'note ' || g FROM generate_series(1, 50) g");

    auto show = cli({"tenant", "show", "big-co", "-o", "json"});
    INFO(show.err);
    REQUIRE(show.exit_code == 0);
    auto doc = nlohmann::json::parse(show.out);
    REQUIRE(doc["shards"].size() == 1);
    CHECK(doc["shards"][0]["group"] == "tenant_big_co.notes");
    CHECK(doc["shards"][0]["isolated"] == true);
    const std::string from = doc["shards"][0]["node"];
    const auto& ports = test::citus_cluster().ports;
    const std::string to = fmt::format("127.0.0.1:{}", from == fmt::format("127.0.0.1:{}", ports[1]) ? ports[2] : ports[1]);

    // Its own shard group already: isolate has nothing to do.
    auto isolate = cli({"tenant", "isolate", "big-co"});
    INFO(isolate.err);
    CHECK(isolate.exit_code == 0);
    CHECK(isolate.err.find("already") != std::string::npos);

    auto place = cli({"tenant", "place", "big-co", "--node", to});
    INFO(place.err);
    REQUIRE(place.exit_code == 0);
    CHECK(db.query_value("SELECT nodename || ':' || nodeport FROM citus_shards WHERE table_name = "
                         "'tenant_big_co.notes'::regclass") == to);
    CHECK(db.query_value("SELECT count(*) || ':' || sum(id) FROM tenant_big_co.notes") == "50:1275");
    auto list = cli({"tenant", "list", "--by-node", "-o", "json"});
    REQUIRE(list.exit_code == 0);
    bool listed = false;
    for (const auto& row : nlohmann::json::parse(list.out))
        if (row["slug"] == "big-co") listed = row["node"] == to;
    CHECK(listed);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'tenant.place'") == "1");

    // A schema from before the cluster had Citus (undistributed here) is placed by `citus
    // distribute`; until then doctor names it and place refuses with that fix.
    REQUIRE(cli({"tenant", "create", "old-co", "--isolation", "schema"}).exit_code == 0);
    db.exec("SELECT citus_schema_undistribute('tenant_old_co'::regnamespace)");
    auto doctor = cli({"doctor", "--check", "citus_tables", "-o", "json"});
    CHECK(doctor.exit_code == 3);
    CHECK(has_finding(doctor.out, "citus_tables", "fail", "tenant_old_co.*"));
    auto refused = cli({"tenant", "place", "old-co", "--node", to});
    CHECK(refused.exit_code == 5);
    CHECK(refused.err.find("tenantctl citus distribute") != std::string::npos);
    auto distribute = cli({"citus", "distribute"});
    INFO(distribute.err);
    REQUIRE(distribute.exit_code == 0);
    CHECK(db.query_value("SELECT count(*) FROM pg_dist_schema WHERE schemaid = 'tenant_old_co'::regnamespace") == "1");
    CHECK(cli({"doctor", "--check", "citus_tables"}).exit_code == 0);

    // Purge drops the schema, and the check asks every node.
    REQUIRE(cli({"tenant", "purge", "big-co", "--force", "--yes"}).exit_code == 0);
    for (std::size_t node = 0; node < ports.size(); ++node)
        CHECK(db.query_value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_big_co'", node) == "0");
}

TEST_CASE("migrate on Citus: DDL through the coordinator reaches every shard, CONCURRENTLY included", "[citus]") {
    App app;
    REQUIRE(app.cli({"citus", "distribute"}).exit_code == 0);
    test::write_file(app.dir / "migrations" / "20240101000000_due.sql",
                     "-- migrate:up\nALTER TABLE app.tasks ADD COLUMN due date;\n"
                     "-- migrate:down\nALTER TABLE app.tasks DROP COLUMN due;\n");
    test::write_file(app.dir / "migrations" / "20240101000100_title_idx.sql",
                     "-- tenantctl:no-transaction\n-- migrate:up\n"
                     "CREATE INDEX CONCURRENTLY tasks_title_idx ON app.tasks (tenant_id, title);\n"
                     "-- migrate:down\nDROP INDEX CONCURRENTLY app.tasks_title_idx;\n");
    test::write_file(app.dir / "tenantctl.yaml", test::read_file(app.dir / "tenantctl.yaml") +
                                                     "migrations:\n  dir: " + (app.dir / "migrations").string() + "\n");
    auto up = app.cli({"migrate", "up"});
    INFO(up.err);
    REQUIRE(up.exit_code == 0);
    CHECK(app.cli({"migrate", "status", "--check"}).exit_code == 0);
    // Every shard of app.tasks has the column and the index: asked of each shard on its worker.
    auto shards_with = [&](const std::string& sql) {
        return app.db.query_value("SELECT count(*) FILTER (WHERE success AND result = '1') || '/' || count(*) "
                                  "FROM run_command_on_shards('app.tasks', $$" + sql + "$$)");
    };
    const std::string column = "SELECT count(*) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attname = 'due'";
    const std::string index = "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                              "WHERE i.indrelid = '%s'::regclass AND c.relname LIKE 'tasks_title_idx%%'";
    CHECK(shards_with(column) == "4/4");
    CHECK(shards_with(index) == "4/4");
    auto down = app.cli({"migrate", "down", "--yes"});
    INFO(down.err);
    REQUIRE(down.exit_code == 0);
    CHECK(shards_with(index) == "0/4");
    CHECK(shards_with(column) == "4/4");
}

TEST_CASE("keys rotate --reencrypt on a distributed table: every value back under the new key, in its own row",
          "[citus]") {
    App app;
    REQUIRE(app.cli({"citus", "distribute"}).exit_code == 0);
    test::write_file(app.dir / "tenantctl.yaml", test::read_file(app.dir / "tenantctl.yaml") +
                                                     "data:\n  tables:\n    app.projects: {encrypted: [name]}\n");
    REQUIRE(app.cli({"tenant", "create", "acme"}).exit_code == 0);
    REQUIRE(app.cli({"tenant", "create", "globex"}).exit_code == 0);
    test::TestContext tc(app.db.conninfo());
    std::map<std::string, std::string> ids;
    for (const std::string slug : {"acme", "globex"}) {
        ids[slug] = app.db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = '" + slug + "'");
        const auto key = test::active_key(tc.ctx(), ids[slug]);
        pqxx::connection c(app.db.conninfo());
        pqxx::work tx(c);
        pqxx::stream_to rows(tx, "app.projects", std::vector<std::string>{"tenant_id", "id", "name"});
        for (long i = 1; i <= 300; ++i)
            rows << std::make_tuple(ids[slug], i, crypto::fernet_encrypt(key, fmt::format("{}-{}", slug, i), 1700000000));
        rows.complete();
        tx.commit();
    }
    auto rotated = app.cli({"keys", "rotate", "--tenant", "acme", "--reencrypt", "--batch-size", "64"});
    INFO(rotated.err);
    REQUIRE(rotated.exit_code == 0);
    CHECK(app.cli({"keys", "verify", "--tenant", "acme", "--sample", "1000"}).exit_code == 0);
    // Read straight from the shards through the coordinator: every acme value decrypts under
    // the new active key to its own row's plaintext; globex's are untouched.
    for (const std::string slug : {"acme", "globex"}) {
        INFO(slug);
        const auto key = test::active_key(tc.ctx(), ids[slug]);
        pqxx::connection c(app.db.conninfo());
        pqxx::read_transaction tx(c);
        long checked = 0;
        for (const auto& row : tx.exec_params("SELECT id, name FROM app.projects WHERE tenant_id = $1::uuid ORDER BY id",
                                              ids[slug])) {
            const auto plain = crypto::fernet_decrypt(key, row[1].c_str());
            CHECK(std::string(reinterpret_cast<const char*>(plain.plaintext.data()), plain.plaintext.size()) ==
                  fmt::format("{}-{}", slug, row[0].as<long>()));
            CHECK(plain.timestamp == 1700000000);
            ++checked;
        }
        CHECK(checked == 300);
    }
    CHECK(app.db.query_value("SELECT max(version) FROM tenantctl.tenant_keys WHERE tenant_id = '" + ids["acme"] + "'") == "2");
    CHECK(app.db.query_value("SELECT max(version) FROM tenantctl.tenant_keys WHERE tenant_id = '" + ids["globex"] + "'") ==
          "1");
}

TEST_CASE("gdpr export and erase of one data subject on distributed tables", "[citus]") {
    CitusDatabase db;
    test::TempDir dir;
    test::write_file(dir / "tenantctl.yaml", R"YAML(
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users:     {subject: id, pii: [email, full_name], non_pii: [created_at], erase: anonymize,
                anonymize: {email: hash, full_name: redact}}
    documents: {subject: owner_id, pii: [title], erase: delete}
)YAML");
    auto cli = [&](const std::vector<std::string>& args) {
        auto options = db.cli();
        options.cwd = dir.path();
        return run_cli(args, nullptr, options);
    };
    REQUIRE(cli({"init"}).exit_code == 0);
    db.exec(R"SQL(
CREATE TABLE public.users (tenant_id uuid NOT NULL, id bigint NOT NULL, email text NOT NULL, full_name text,
                           created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id));
CREATE TABLE public.documents (tenant_id uuid NOT NULL, id bigint NOT NULL, owner_id bigint NOT NULL, title text,
                               PRIMARY KEY (tenant_id, id),
                               FOREIGN KEY (tenant_id, owner_id) REFERENCES public.users (tenant_id, id));
)SQL");
    REQUIRE(cli({"citus", "distribute"}).exit_code == 0);
    std::map<std::string, std::string> ids;
    for (const std::string slug : {"acme", "globex"}) {
        REQUIRE(cli({"tenant", "create", slug}).exit_code == 0);
        ids[slug] = db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = '" + slug + "'");
        // Both tenants have an alice: only acme's may be touched.
        db.exec(fmt::format("INSERT INTO public.users (tenant_id, id, email, full_name) VALUES "
                            "('{0}', 1, 'alice@example.com', 'Alice A'), ('{0}', 2, 'bob@example.com', 'Bob B');"
                            "INSERT INTO public.documents VALUES ('{0}', 1, 1, 'alice plan'), ('{0}', 2, 1, 'alice notes'),"
                            " ('{0}', 3, 2, 'bob plan')",
                            ids[slug]));
    }
    auto exported = cli({"gdpr", "export", "--tenant", "acme", "--subject", "email:alice@example.com", "--format", "json"});
    INFO(exported.err);
    REQUIRE(exported.exit_code == 0);
    const auto doc = nlohmann::json::parse(exported.out);
    CHECK(doc["data"].dump().find("alice notes") != std::string::npos);
    CHECK(doc["data"].dump().find("bob plan") == std::string::npos);

    auto erased = cli({"gdpr", "erase", "--tenant", "acme", "--subject", "email:alice@example.com", "-y"});
    INFO(erased.err);
    REQUIRE(erased.exit_code == 0);
    const std::string acme = ids["acme"], globex = ids["globex"];
    CHECK(db.query_value("SELECT count(*) FROM public.documents WHERE tenant_id = '" + acme + "' AND owner_id = 1") == "0");
    CHECK(db.query_value("SELECT full_name || '|' || (email LIKE '%alice%') FROM public.users WHERE tenant_id = '" + acme +
                         "' AND id = 1") == "[erased]|false");
    // Bob, and everything of globex, untouched.
    CHECK(db.query_value("SELECT count(*) FROM public.documents WHERE tenant_id = '" + acme + "'") == "1");
    CHECK(db.query_value("SELECT email || '|' || full_name FROM public.users WHERE tenant_id = '" + acme + "' AND id = 2") ==
          "bob@example.com|Bob B");
    CHECK(db.query_value("SELECT count(*) FROM public.documents WHERE tenant_id = '" + globex + "'") == "3");
    CHECK(db.query_value("SELECT email FROM public.users WHERE tenant_id = '" + globex + "' AND id = 1") ==
          "alice@example.com");
    CHECK(db.query_value("SELECT status FROM tenantctl.gdpr_requests WHERE tenant_id = '" + acme + "' AND kind = 'erase'") ==
          "completed");
}

TEST_CASE("tenant move --online refuses a tenant whose tables Citus keeps in shards, on either side, making nothing",
          "[citus]") {
    App app;
    REQUIRE(app.cli({"citus", "distribute"}).exit_code == 0);
    REQUIRE(app.cli({"tenant", "create", "acme"}).exit_code == 0);
    app.db.exec("INSERT INTO app.projects SELECT id, g, 'p' FROM tenantctl.tenants, generate_series(1, 20) g");
    // The destination: a database of the same cluster with the same app tables, not distributed.
    CitusDatabase there(false);
    {
        auto options = there.cli();
        REQUIRE(run_cli({"init"}, nullptr, options).exit_code == 0);
    }
    there.exec(kAppSchema);
    test::write_file(app.dir.path() / "tenantctl.yaml",
                     "tenancy:\n  app_role: " + app.role + "\ncontexts:\n  peer:\n    database: \"" + there.url() + "\"\n");
    auto r = app.cli({"tenant", "move", "acme", "--to", "peer", "--online"});
    INFO(r.err);
    CHECK(r.exit_code == 5);
    // Its changes happen in the shards on the workers: a publication of the coordinator's
    // table would carry none of them, and the switch would lose them.
    CHECK(r.err.find("app.projects is distributed by tenant_id") != std::string::npos);
    CHECK(r.err.find("logical replication of the table does not reach") != std::string::npos);
    CHECK(r.err.find("REPLICA IDENTITY") == std::string::npos);  // no fix that would not make it streamable
    CHECK(app.db.query_value("SELECT count(*) FROM pg_publication") == "0");
    CHECK(app.db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    // Without --online it moves, through Citus's own queries.
    auto offline = app.cli({"tenant", "move", "acme", "--to", "peer"});
    INFO(offline.err);
    CHECK(offline.exit_code == 0);
    CHECK(there.query_value("SELECT count(*) FROM app.projects") == "20");
}

TEST_CASE("tenant copy into Citus tables with a trigger of the app is refused, since Citus fires it on the shards out "
          "of the session's reach, and --fire-triggers lets it run",
          "[citus]") {
    App app;
    REQUIRE(app.cli({"tenant", "create", "acme"}).exit_code == 0);
    app.db.exec("INSERT INTO app.projects SELECT id, g, 'p' FROM tenantctl.tenants, generate_series(1, 3) g");
    // The destination: the app's tables distributed, one with a trigger Citus runs on its shards.
    CitusDatabase there;
    {
        auto options = there.cli();
        REQUIRE(run_cli({"init"}, nullptr, options).exit_code == 0);
    }
    there.exec(kAppSchema);
    // One statement per call: Citus refuses a function command after a parallel DDL in one transaction.
    there.exec("SELECT create_distributed_table('app.projects', 'tenant_id')");
    there.exec("SELECT create_distributed_table('app.tasks', 'tenant_id', colocate_with => 'app.projects')");
    there.exec("CREATE TABLE app.project_log (tenant_id uuid NOT NULL, project_id bigint NOT NULL)");
    there.exec("SELECT create_distributed_table('app.project_log', 'tenant_id', colocate_with => 'app.projects')");
    there.exec("CREATE FUNCTION app.log_project() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "INSERT INTO app.project_log VALUES (NEW.tenant_id, NEW.id); RETURN NULL; END $$");
    {
        pqxx::connection c(there.conninfo());
        pqxx::nontransaction tx(c);
        tx.exec("SET citus.enable_unsafe_triggers = on");
        tx.exec("CREATE TRIGGER log_project AFTER INSERT ON app.projects FOR EACH ROW EXECUTE FUNCTION app.log_project()");
    }
    test::write_file(app.dir.path() / "tenantctl.yaml",
                     "tenancy:\n  app_role: " + app.role + "\ncontexts:\n  peer:\n    database: \"" + there.url() + "\"\n");
    auto refused = app.cli({"tenant", "copy", "acme", "--to", "peer"});
    INFO(refused.err);
    CHECK(refused.exit_code == 5);
    CHECK(refused.err.find("1 trigger of the app on Citus tables would fire on the rows written, and Citus runs them on "
                           "the shards") != std::string::npos);
    CHECK(refused.err.find("app.projects: log_project") != std::string::npos);
    CHECK(there.query_value("SELECT count(*) FROM app.projects") == "0");
    CHECK(there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme'") == "0");

    auto fired = app.cli({"tenant", "copy", "acme", "--to", "peer", "--fire-triggers"});
    INFO(fired.err);
    CHECK(fired.exit_code == 0);
    CHECK(there.query_value("SELECT count(*) FROM app.projects") == "3");
    CHECK(there.query_value("SELECT count(*) FROM app.project_log") == "3");  // what the operator asked for
}
