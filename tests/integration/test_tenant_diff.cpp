// Integration: `tenant diff` (core/portability/diff) on every pattern of the schema corpus,
// between two databases set up alike: equal tenants compare equal (whatever the second
// server's output settings), and a row lost, a value changed, a table or column missing on one
// side are each reported on the table where they happened.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "core/config/config.hpp"
#include "core/portability/compare.hpp"
#include "core/portability/copy.hpp"
#include "core/portability/diff.hpp"
#include "core/portability/journal.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/model/user_triggers.hpp"
#include "core/util/slug.hpp"
#include "tests/support/schema_corpus.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;
using tenantctl::test::exit_of;

namespace {

// Both databases of one comparison, and a context here whose config knows the other as "peer".
struct TwoDatabases {
    const corpus::Pattern& p;
    test::TestDatabase here, there;
    explicit TwoDatabases(const corpus::Pattern& pattern) : p(pattern) {
        for (const auto* db : {&here, &there}) {
            corpus::setup(*db, p);
            corpus::register_tenants(*db, p);
        }
    }
    std::unique_ptr<test::TestContext> context() const {
        auto cfg = config::parse_config(p.config_yaml, p.name + ".yaml");
        cfg.contexts["peer"] = config::ContextConfig{corpus::conninfo_for(there, p), false};
        auto tc = std::make_unique<test::TestContext>(here, cfg);
        (*tc)->set_conninfo(db::ConnInfo{corpus::conninfo_for(here, p), "corpus"});
        return tc;
    }
    portability::DiffResult diff(const std::string& slug = "acme") const {
        return portability::diff(context()->ctx(), portability::DiffOptions{slug, "peer", std::nullopt});
    }
    void exec_there(const std::string& sql) const { there.exec(sql); }
    // A baseline counts a row as new since when its snapshot did not see it (DiffBaseline):
    // transactions the tests beside this one leave open on the shared server change nothing.
    portability::DiffBaseline baseline() const { return portability::baseline(context()->ctx(), "acme", "peer"); }
    // The move's change journal (journal.hpp) on both sides, made as `tenant move --online`
    // makes it, then the baseline that forgets what it saw of it. Returns how many relations
    // each side journals.
    static constexpr const char* kStream = "tenantctl_move_0123456789abcdef01234567";
    portability::journal::Journal journal() const {
        return portability::journal::of(context()->ctx(), kStream);
    }
    std::pair<int, int> make_journal() const {
        auto tc = context();
        pqxx::connection there_connection(corpus::conninfo_for(there, p));
        std::vector<int> made;
        for (pqxx::connection* c : {&tc->ctx().db(), &there_connection}) {
            model::TenantData data;
            {
                pqxx::read_transaction tx(*c);
                data = model::TenantData::load(tc->ctx(), tx);
            }
            made.push_back(portability::journal::install(tc->ctx(), *c, journal(), data, p.tenant_a));
        }
        return {made[0], made[1]};
    }
    portability::DiffBaseline journaled_baseline() const {
        make_journal();
        const auto j = journal();
        return portability::baseline(context()->ctx(), "acme", "peer", &j);
    }
    portability::DiffResult diff_since(const portability::DiffBaseline& since, const std::string& slug = "acme") const {
        return portability::diff(context()->ctx(), portability::DiffOptions{slug, "peer", std::nullopt}, &since);
    }
};

// schema.table of a relation as the corpus writes it in SQL ("public.\"UserAccount\"").
std::string key_of(const test::TestDatabase& db, const std::string& relation) {
    return db.query_value(fmt::format("SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n "
                                      "ON n.oid = c.relnamespace WHERE c.oid = to_regclass('{}')",
                                      relation));
}

const portability::TableDiff* find_table(const portability::DiffResult& r, const std::string& key) {
    auto it = std::find_if(r.tables.begin(), r.tables.end(), [&](const auto& t) { return t.table == key; });
    return it == r.tables.end() ? nullptr : &*it;
}

// Deletes one of tenant A's rows of `relation` at the other database, bypassing triggers and
// foreign keys so that nothing else changes.
void delete_one_row_there(const TwoDatabases& two, const std::string& relation) {
    pqxx::connection c(two.there.conninfo());
    pqxx::work tx(c);
    tx.exec("SET LOCAL session_replication_role = replica");
    tx.exec("SET LOCAL row_security = off");
    auto done = tx.exec_params(fmt::format("WITH one AS (SELECT t.tableoid, t.ctid FROM {0} t WHERE {1} LIMIT 1) "
                                           "DELETE FROM {0} t USING one WHERE t.tableoid = one.tableoid AND t.ctid = one.ctid",
                                           relation, two.p.tenant_predicate(relation)),
                               two.p.tenant_a);
    REQUIRE(done.affected_rows() == 1);
    tx.commit();
}

}  // namespace

TEST_CASE("tenant diff: a tenant set up alike in two databases compares equal on every pattern", "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        TwoDatabases two(p);
        if (p.connect_as) {
            // Bound by FORCE ROW LEVEL SECURITY, the reads could be filtered: refused, not "same".
            CHECK(exit_of([&] { two.diff(); }) == Exit::refused);
            return;
        }
        const auto r = two.diff();
        CHECK(r.differing == 0);
        REQUIRE_FALSE(r.tables.empty());
        long long rows = 0;
        for (const auto& t : r.tables) {
            INFO(t.table);
            CHECK(t.status == "same");
            REQUIRE(t.source);
            REQUIRE(t.target);
            CHECK(*t.source == *t.target);
            rows += t.source->rows;
        }
        // Every one of the tenant's rows was compared.
        CHECK(rows == static_cast<long long>(corpus::row_count(corpus::snapshot_tenant(two.here, p, p.tenant_a))));
    });
}

TEST_CASE("tenant diff: a row missing at the other database is reported on its table, on every pattern", "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        if (p.connect_as) return;  // refused before any comparison (above)
        TwoDatabases two(p);
        // The first relation holding tenant A's rows.
        const auto mine = corpus::snapshot_tenant(two.here, p, p.tenant_a);
        auto it = std::find_if(p.relations.begin(), p.relations.end(),
                               [&](const std::string& rel) { return !mine.at(rel).empty(); });
        REQUIRE(it != p.relations.end());
        delete_one_row_there(two, *it);
        const auto r = two.diff();
        const auto* t = find_table(r, key_of(two.here, *it));
        REQUIRE(t);
        CHECK(t->status == "differs");
        REQUIRE_FALSE(t->details.empty());
        CHECK(t->details[0] == "1 row more at the source");
        CHECK(t->source->rows == t->target->rows + 1);
        CHECK(r.differing >= 1);
        // Tenant B was not touched: it compares equal.
        CHECK(two.diff("globex").differing == 0);
    });
}

TEST_CASE("tenant diff: a changed value with the same row count is found by the checksum", "[integration][portability]") {
    TwoDatabases two(corpus::get("composite_fk"));
    two.exec_there("UPDATE public.tasks SET title = 'Design!' WHERE tenant_id = 1 AND project_id = 1 AND id = 1");
    const auto r = two.diff();
    CHECK(r.differing == 1);
    const auto* t = find_table(r, "public.tasks");
    REQUIRE(t);
    CHECK(t->status == "differs");
    CHECK(t->details == std::vector<std::string>{"same row count, different values"});
    CHECK(t->source->rows == t->target->rows);
    CHECK(t->source->checksum != t->target->checksum);
    // Swapping two values between rows keeps the multiset of values per column but not the rows.
    two.exec_there("UPDATE public.tasks SET title = 'Design' WHERE tenant_id = 1 AND project_id = 1 AND id = 1");
    CHECK(two.diff().differing == 0);
    two.exec_there("UPDATE public.tasks SET title = CASE id WHEN 1 THEN 'Build' ELSE 'Design' END "
                   "WHERE tenant_id = 1 AND project_id = 1");
    CHECK(find_table(two.diff(), "public.tasks")->status == "differs");
}

TEST_CASE("tenant diff: another server's time zone, date and interval styles, bytea and float output compare equal", "[integration][portability]") {
    TwoDatabases two(corpus::get("value_types"));
    two.exec_there(fmt::format("ALTER DATABASE {0} SET TimeZone = 'Asia/Kathmandu'; "
                               "ALTER DATABASE {0} SET DateStyle = 'SQL, DMY'; ALTER DATABASE {0} SET IntervalStyle = 'iso_8601'; "
                               "ALTER DATABASE {0} SET bytea_output = 'escape'; ALTER DATABASE {0} SET extra_float_digits = -3",
                               two.there.name()));
    const auto r = two.diff();
    for (const auto& t : r.tables) {
        INFO(t.table);
        CHECK(t.status == "same");
    }
    CHECK(r.differing == 0);
}

TEST_CASE("tenant diff: tables and columns only one side has", "[integration][portability]") {
    TwoDatabases two(corpus::get("composite_fk"));
    two.exec_there("ALTER TABLE public.users ADD COLUMN nickname text; ALTER TABLE public.users ALTER COLUMN phone TYPE varchar(40); "
                   "ALTER TABLE public.projects DROP COLUMN name; DROP TABLE public.tasks");
    const auto r = two.diff();
    const auto* users = find_table(r, "public.users");
    REQUIRE(users);
    CHECK(users->status == "differs");
    CHECK(users->details == std::vector<std::string>{"column phone: text at the source, character varying(40) at the target",
                                                     "column nickname only at the target"});
    const auto* projects = find_table(r, "public.projects");
    REQUIRE(projects);
    CHECK(projects->details == std::vector<std::string>{"column name missing at the target"});
    const auto* tasks = find_table(r, "public.tasks");
    REQUIRE(tasks);
    CHECK(tasks->status == "only at source");
    CHECK(tasks->source->rows == 3);
    CHECK_FALSE(tasks->target);
    CHECK(r.differing == 3);
}

TEST_CASE("tenant diff: refusals", "[integration][portability]") {
    TwoDatabases two(corpus::get("composite_fk"));
    SECTION("a tenant the other database does not have is exit 4, named with the context") {
        two.exec_there("DELETE FROM tenantctl.tenant_keys; DELETE FROM tenantctl.tenants WHERE slug = 'acme'");
        try {
            two.diff();
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.code() == Exit::not_found);
            CHECK(std::string(e.what()) == "unknown tenant 'acme' at --against peer");
        }
    }
    SECTION("an unknown context is exit 2") {
        auto tc = two.context();
        CHECK(exit_of([&] { portability::diff(tc->ctx(), {"acme", "nope", std::nullopt}); }) == Exit::usage);
    }
    SECTION("the database the command already uses is exit 2") {
        auto cfg = config::parse_config(two.p.config_yaml, "x.yaml");
        cfg.contexts["self"] = config::ContextConfig{two.here.conninfo(), false};
        test::TestContext tc(two.here, cfg);
        tc->set_conninfo(db::ConnInfo{two.here.conninfo(), "test"});
        CHECK(exit_of([&] { portability::diff(tc.ctx(), {"acme", "self", std::nullopt}); }) == Exit::usage);
    }
    SECTION("no platform schema at the other database is exit 5") {
        two.exec_there("DROP SCHEMA tenantctl CASCADE");
        CHECK(exit_of([&] { two.diff(); }) == Exit::refused);
    }
}

// The baseline of `tenant move --online` (DiffBaseline): a relation with a tenancy column
// that only gained rows since on a side is read on that side for those rows only; any other
// change has it read whole.
TEST_CASE("tenant diff since a baseline: unchanged relations are taken from it, on every pattern, with the same result",
          "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        if (p.connect_as) return;  // refused (above)
        TwoDatabases two(p);
        const auto since = two.baseline();
        const auto full = two.diff();
        const auto r = two.diff_since(since);
        CHECK(r.differing == 0);
        REQUIRE(r.tables.size() == full.tables.size());
        int streamed = 0;
        for (std::size_t i = 0; i < r.tables.size(); ++i) {
            INFO(r.tables[i].table);
            CHECK(r.tables[i].status == "same");
            CHECK(r.tables[i].source == full.tables[i].source);
            CHECK(r.tables[i].target == full.tables[i].target);
            if (since.relations.contains(r.tables[i].table)) ++streamed;
        }
        // Every relation with a tenancy column is in the baseline and taken from it on both sides.
        CHECK(r.from_baseline == 2 * streamed);
        CHECK(static_cast<std::size_t>(streamed) == since.relations.size());
    });
}

TEST_CASE("tenant diff since a baseline: rows committed before it count as seen, even with an older transaction still open",
          "[integration][portability]") {
    // An open transaction holds every snapshot's xmin back; rows committed after it began but
    // before the baseline were seen by the baseline, and must not void the derivation (they
    // did, counted as new, when "new" meant "at or after the snapshot's xmin").
    TwoDatabases two(corpus::get("composite_fk"));
    pqxx::connection here(two.here.conninfo()), there(two.there.conninfo());
    pqxx::work open_here(here), open_there(there);
    for (auto* open : {&open_here, &open_there}) open->exec("SELECT pg_current_xact_id()");  // older than the rows below
    for (const auto* db : {&two.here, &two.there})
        db->exec("INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (1, 1, 900, 'after the open one')");
    const auto since = two.baseline();
    const auto r = two.diff_since(since);
    CHECK(r.differing == 0);
    CHECK(r.from_baseline == 2 * static_cast<int>(since.relations.size()));
}

TEST_CASE("tenant diff since a baseline: every kind of change since, on either side, is found", "[integration][portability]") {
    TwoDatabases two(corpus::get("composite_fk"));
    const std::string one_task = "tenant_id = 1 AND project_id = 1 AND id = 1";
    const std::string new_task = "INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (1, 1, 99, 'Other')";
    const auto tasks_of = [](const portability::DiffResult& r) { return find_table(r, "public.tasks"); };
    const auto all_of = [](const portability::DiffBaseline& since) { return 2 * static_cast<int>(since.relations.size()); };
    SECTION("nothing changed: equal, the tables with a tenancy column not read again") {
        const auto since = two.baseline();
        CHECK(since.relations.contains("public.tasks"));
        const auto r = two.diff_since(since);
        CHECK(r.differing == 0);
        CHECK(r.from_baseline == all_of(since));
    }
    SECTION("a row inserted there only: derived from the baseline, and found") {
        const auto since = two.baseline();
        two.exec_there(new_task);
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"1 row more at the target"});
        CHECK(r.from_baseline == all_of(since));
        CHECK(tasks_of(r)->target == tasks_of(two.diff())->target);  // what a full read finds
    }
    SECTION("the same row inserted on both sides: derived on both, equal") {
        const auto since = two.baseline();
        two.here.exec(new_task);
        two.exec_there(new_task);
        const auto r = two.diff_since(since);
        CHECK(r.differing == 0);
        CHECK(r.from_baseline == all_of(since));
        CHECK(tasks_of(r)->source->rows == 4);
    }
    SECTION("rows inserted with different values on each side") {
        const auto since = two.baseline();
        two.here.exec(new_task);
        two.exec_there("INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (1, 1, 99, 'Other!')");
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"same row count, different values"});
    }
    SECTION("a value changed there, the row count the same") {
        const auto since = two.baseline();
        two.exec_there(fmt::format("UPDATE public.tasks SET title = 'Design!' WHERE {}", one_task));
        const auto r = two.diff_since(since);
        CHECK(r.differing == 1);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"same row count, different values"});
        CHECK(r.from_baseline == all_of(since) - 1);  // read whole there
    }
    SECTION("a value changed here") {
        const auto since = two.baseline();
        two.here.exec(fmt::format("UPDATE public.tasks SET title = 'Design!' WHERE {}", one_task));
        CHECK(tasks_of(two.diff_since(since))->status == "differs");
    }
    SECTION("a row deleted and another inserted there: the same count") {
        const auto since = two.baseline();
        two.exec_there(fmt::format("SET session_replication_role = replica; DELETE FROM public.tasks WHERE {}; {}", one_task,
                                   new_task));
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"same row count, different values"});
    }
    SECTION("a row deleted there") {
        const auto since = two.baseline();
        two.exec_there(fmt::format("SET session_replication_role = replica; DELETE FROM public.tasks WHERE {}", one_task));
        CHECK(tasks_of(two.diff_since(since))->details == std::vector<std::string>{"1 row more at the source"});
    }
    SECTION("rows written by transactions that began before the baseline and committed after it") {
        pqxx::connection c(two.there.conninfo());
        pqxx::work late(c);
        late.exec(fmt::format("UPDATE public.tasks SET title = 'late' WHERE {}", one_task));
        late.exec(new_task);
        const auto since = two.baseline();
        CHECK(since.relations.at("public.tasks").target.fingerprint == since.relations.at("public.tasks").source.fingerprint);
        late.commit();
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"1 row more at the target"});
        CHECK(tasks_of(r)->target == tasks_of(two.diff())->target);
    }
    SECTION("a value changed and changed back since: read again, equal") {
        const auto since = two.baseline();
        two.exec_there(fmt::format("UPDATE public.tasks SET title = title WHERE {}", one_task));
        const auto r = two.diff_since(since);
        CHECK(r.differing == 0);
        CHECK(r.from_baseline == all_of(since) - 1);
    }
    SECTION("a table that differed at the baseline and was put right since") {
        two.exec_there(fmt::format("UPDATE public.tasks SET title = 'Design!' WHERE {}", one_task));
        const auto since = two.baseline();
        CHECK(since.relations.at("public.tasks").target.fingerprint != since.relations.at("public.tasks").source.fingerprint);
        two.exec_there(fmt::format("UPDATE public.tasks SET title = 'Design' WHERE {}", one_task));
        CHECK(two.diff_since(since).differing == 0);
    }
    SECTION("a column's type changed there since (no row rewritten): that table is compared anew, over other columns") {
        const auto since = two.baseline();
        two.exec_there("ALTER TABLE public.tasks ALTER COLUMN title TYPE varchar(50)");
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details ==
              std::vector<std::string>{"column title: text at the source, character varying(50) at the target"});
        CHECK(r.from_baseline == all_of(since) - 2);
    }
    SECTION("another table renamed into the table's place there, its rows as many and as old") {
        two.exec_there("CREATE TABLE public.tasks_other (LIKE public.tasks INCLUDING ALL); "
                       "INSERT INTO public.tasks_other SELECT * FROM public.tasks; "
                       "UPDATE public.tasks_other SET title = 'Other' WHERE " + one_task);
        const auto since = two.baseline();
        CHECK(since.relations.at("public.tasks").target.storage ==
              two.there.query_value("SELECT oid || '/' || pg_relation_filenode(oid) FROM pg_class "
                                    "WHERE oid = 'public.tasks'::regclass"));
        two.exec_there("ALTER TABLE public.tasks RENAME TO tasks_old; ALTER TABLE public.tasks_other RENAME TO tasks");
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"same row count, different values"});
    }
}

TEST_CASE("tenant diff since a baseline: a partition swapped since, its rows as many and as old, is found",
          "[integration][portability]") {
    TwoDatabases two(corpus::get("partitioned"));
    two.exec_there("CREATE TABLE public.measurements_swap (LIKE public.measurements_2026_01 INCLUDING ALL); "
                   "INSERT INTO public.measurements_swap SELECT * FROM public.measurements_2026_01; "
                   "UPDATE public.measurements_swap SET reading = reading || '!' WHERE tenant_id = 100");
    const auto since = two.baseline();
    two.exec_there("ALTER TABLE public.measurements DETACH PARTITION public.measurements_2026_01; "
                   "ALTER TABLE public.measurements ATTACH PARTITION public.measurements_swap "
                   "FOR VALUES FROM ('2026-01-01 00:00+00') TO ('2026-02-01 00:00+00')");
    const auto r = two.diff_since(since);
    const auto* measurements = find_table(r, "public.measurements");
    REQUIRE(measurements);
    CHECK(measurements->details == std::vector<std::string>{"same row count, different values"});
    CHECK(r.from_baseline == 2 * static_cast<int>(since.relations.size()) - 1);
}

TEST_CASE("RowChecksum: a multiset hash of lines, independent of order, changed by a lost or repeated line, combined by sum",
          "[unit][portability]") {
    const auto of = [](std::initializer_list<std::string_view> lines) {
        portability::RowChecksum sum;
        for (auto line : lines) sum.add(line);
        return sum.result();
    };
    const auto abc = of({"1\ta", "2\tb", "3\tc"});
    CHECK(abc.rows == 3);
    CHECK(abc.checksum.size() == 16);
    CHECK(of({"3\tc", "1\ta", "2\tb"}) == abc);
    CHECK(of({"1\ta", "2\tb"}) != abc);
    CHECK(of({"1\ta", "2\tb", "3\tc", "3\tc"}).checksum != abc.checksum);
    CHECK(of({"1\ta", "2\tb", "3\td"}) != abc);
    CHECK(of({}) == portability::Fingerprint{0, "0000000000000000"});
    // The first 64 bits of SHA-256(""), big-endian: e3b0c44298fc1c14...
    CHECK(of({""}).checksum == "e3b0c44298fc1c14");
    portability::RowChecksum empties;
    empties.add_empty_rows(3);
    CHECK(empties.result() == of({"", "", ""}));
    // The fingerprint of a union is the two combined, whichever rows are in which part; the sum
    // wraps modulo 2^64.
    CHECK(portability::combined(of({"1\ta", "2\tb"}), of({"3\tc"})) == abc);
    CHECK(portability::combined(of({"2\tb"}), of({"3\tc", "1\ta"})) == abc);
    CHECK(portability::combined(abc, of({})) == abc);
    CHECK(portability::combined(of({"1\ta"}), of({"1\ta"})) == of({"1\ta", "1\ta"}));
    CHECK(portability::combined(portability::Fingerprint{1, "ffffffffffffffff"},
                                portability::Fingerprint{1, "0000000000000002"}) ==
          portability::Fingerprint{2, "0000000000000001"});
}

TEST_CASE("tenant diff: a schema-isolated tenant is compared table by table within its schema", "[integration][portability]") {
    test::TestDatabase here, there;
    const std::string schema = util::schema_name_for_slug("acme");
    for (const auto* db : {&here, &there})
        db->exec(fmt::format("CREATE SCHEMA {0}; "
                             "CREATE TABLE {0}.users (id bigint PRIMARY KEY, email text NOT NULL); "
                             "CREATE TABLE {0}.posts (id bigint PRIMARY KEY, author_id bigint NOT NULL REFERENCES {0}.users, "
                             "  title text); "
                             "INSERT INTO {0}.users VALUES (1, 'alice@example.com'), (2, 'bob@example.com'); "
                             "INSERT INTO {0}.posts VALUES (1, 1, 'a1'), (2, 1, 'a2'), (3, 2, 'b1'); "
                             "INSERT INTO tenantctl.tenants (slug, isolation) VALUES ('acme', 'schema')",
                             schema));
    auto cfg = config::parse_config("tenancy: {mode: schema}\n", "tenantctl.yaml");
    cfg.contexts["peer"] = config::ContextConfig{there.conninfo(), false};
    test::TestContext tc(here, cfg);
    auto r = portability::diff(tc.ctx(), {"acme", "peer", std::nullopt});
    CHECK(r.differing == 0);
    REQUIRE(r.tables.size() == 2);
    CHECK(find_table(r, "users"));
    CHECK(find_table(r, "posts")->source->rows == 3);

    there.exec(fmt::format("UPDATE {}.posts SET title = 'b2' WHERE id = 3", schema));
    r = portability::diff(tc.ctx(), {"acme", "peer", std::nullopt});
    CHECK(r.differing == 1);
    CHECK(find_table(r, "posts")->details == std::vector<std::string>{"same row count, different values"});

    // Its schema here was made by hand, not by tenant-scoped migrations: a copy cannot build it
    // there, and is refused with nothing written (the differences listed).
    test::TestDatabase empty;
    auto copy_cfg = config::parse_config("tenancy: {mode: schema}\n", "tenantctl.yaml");
    copy_cfg.contexts["dest"] = config::ContextConfig{empty.conninfo(), false};
    test::TestContext copier(here, copy_cfg);
    portability::CopyOptions o;
    o.slug = "acme";
    o.to = "dest";
    CHECK(exit_of([&] { portability::copy(copier.ctx(), o); }) == Exit::refused);
    CHECK(empty.query_value("SELECT count(*) FROM tenantctl.tenants") == "0");
    CHECK(empty.query_value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme'") == "0");
}

// The move's change journal (core/portability/journal.hpp): with it, the switch's verification
// reads, on each side, only the rows journaled as inserted since the baseline; a relation with
// an update or delete since is read whole; a journal whose triggers are not as the baseline
// saw them is not trusted (the baseline's xmin rule applies).
namespace {

// The journal's entries on one side, as "op count" pairs, for the relation given.
std::string journal_entries(const test::TestDatabase& db, const portability::journal::Journal& j) {
    return db.query_value(fmt::format("SELECT coalesce(string_agg(op::text || ' ' || relation, ', ' ORDER BY relation, op), '') "
                                      "FROM {}",
                                      j.table));
}

// The first relation with the tenancy column that holds tenant A's rows.
std::string first_streamed_with_rows(const TwoDatabases& two) {
    const auto mine = corpus::snapshot_tenant(two.here, two.p, two.p.tenant_a);
    for (const auto& rel : two.p.relations)
        if (!two.p.attribution.contains(rel) && !two.p.is_shared(rel) && !mine.at(rel).empty()) return rel;
    return "";
}

// One of tenant A's rows of `relation` there, kept in a temporary table of `c` and deleted
// (triggers and foreign keys off); put_back inserts it again, every column it can be given.
void take_out_one_row(pqxx::connection& c, const TwoDatabases& two, const std::string& relation) {
    pqxx::work tx(c);
    tx.exec("SET LOCAL session_replication_role = replica");
    tx.exec(fmt::format("CREATE TEMP TABLE keep AS SELECT t.tableoid AS keep_oid, t.ctid AS keep_ctid, t.* FROM {} t "
                        "WHERE {} LIMIT 1",
                        relation, model::with_literal(two.p.tenant_predicate(relation), tx.quote(two.p.tenant_a))));
    REQUIRE(tx.exec(fmt::format("DELETE FROM {} t USING keep k WHERE t.tableoid = k.keep_oid AND t.ctid = k.keep_ctid",
                                relation))
                .affected_rows() == 1);
    tx.commit();
}

void put_back(pqxx::connection& c, const std::string& relation) {
    pqxx::work tx(c);
    tx.exec("SET LOCAL session_replication_role = replica");
    const std::string columns = tx.exec1(fmt::format("SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) "
                                                     "FROM pg_attribute WHERE attrelid = {}::regclass AND attnum > 0 "
                                                     "AND NOT attisdropped AND attgenerated = ''",
                                                     tx.quote(relation)))[0]
                                    .c_str();
    tx.exec(fmt::format("INSERT INTO {0} ({1}) OVERRIDING SYSTEM VALUE SELECT {1} FROM keep", relation, columns));
    tx.commit();
}

}  // namespace

TEST_CASE("tenant diff since a journaled baseline: every journaled relation is taken from the journal, a row put back "
          "since is read through its key, and a row deleted with triggers off is found, on every pattern",
          "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        if (p.connect_as) return;  // refused (above)
        TwoDatabases two(p);
        // Taken out there before the baseline, put back after it: an insert since, with the
        // pattern's own key types, which the journal finds through the key.
        const std::string rel = first_streamed_with_rows(two);
        REQUIRE_FALSE(rel.empty());
        pqxx::connection keeper(two.there.conninfo());
        take_out_one_row(keeper, two, rel);
        const auto [here, there] = two.make_journal();
        CHECK(here == there);
        const auto j = two.journal();
        const auto since = portability::baseline(two.context()->ctx(), "acme", "peer", &j);
        int journaled = 0;
        for (const auto& [key, entry] : since.relations) journaled += !entry.source.journal.empty() + !entry.target.journal.empty();
        CHECK(journaled == here + there);
        CHECK(find_table(two.diff_since(since), key_of(two.here, rel))->details ==
              std::vector<std::string>{"1 row more at the source"});
        put_back(keeper, rel);
        CHECK(two.there.query_value(fmt::format("SELECT string_agg(op::text, ',') FROM {}", j.table)) == "i");
        const auto full = two.diff();
        const auto r = two.diff_since(since);
        CHECK(r.differing == 0);
        CHECK(r.from_journal == journaled);
        for (std::size_t i = 0; i < r.tables.size(); ++i) {
            INFO(r.tables[i].table);
            CHECK(r.tables[i].source == full.tables[i].source);
            CHECK(r.tables[i].target == full.tables[i].target);
        }
        // session_replication_role = replica does not keep an ALWAYS trigger from firing.
        delete_one_row_there(two, rel);
        const auto after = two.diff_since(since);
        const auto* t = find_table(after, key_of(two.here, rel));
        REQUIRE(t);
        CHECK(t->details == std::vector<std::string>{"1 row more at the source"});
        CHECK(after.from_journal == journaled - (there > 0 ? 1 : 0));  // read whole there
        CHECK(portability::journal::remove(two.context()->ctx().db(), j));
        const auto left = test::stream_objects(two.here, two.there);
        CHECK(left.starts_with("0,0,0,0,"));  // nothing here; the journal there is left
        CHECK_FALSE(left.ends_with(",0"));
    });
}

TEST_CASE("tenant diff since a journaled baseline: each kind of change since is read from the journal or makes the "
          "table read whole",
          "[integration][portability]") {
    TwoDatabases two(corpus::get("composite_fk"));
    const std::string one_task = "tenant_id = 1 AND project_id = 1 AND id = 1";
    const std::string new_task = "INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (1, 1, 99, 'Other')";
    const auto tasks_of = [](const portability::DiffResult& r) { return find_table(r, "public.tasks"); };
    const auto since = two.journaled_baseline();
    const int all = 2 * static_cast<int>(since.relations.size());
    const auto j = two.journal();
    SECTION("rows inserted on both sides: only they are read, through the key; equal") {
        two.here.exec(new_task);
        two.exec_there(new_task);
        CHECK(journal_entries(two.here, j) == "i \"public\".\"tasks\"");
        const auto r = two.diff_since(since);
        CHECK(r.differing == 0);
        CHECK(r.from_journal == all);
        CHECK(tasks_of(r)->source->rows == 4);
        CHECK(tasks_of(r)->target == tasks_of(two.diff())->target);
    }
    SECTION("a row inserted there only, and rows of another tenant: found, and the other tenant's not journaled") {
        two.exec_there(new_task);
        two.here.exec("INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (2, 2, 99, 'B')");
        CHECK(journal_entries(two.here, j).empty());
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"1 row more at the target"});
        CHECK(r.from_journal == all);
        CHECK(tasks_of(r)->target == tasks_of(two.diff())->target);
    }
    SECTION("rows inserted with different values on each side") {
        two.here.exec(new_task);
        two.exec_there("INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (1, 1, 99, 'Other!')");
        CHECK(tasks_of(two.diff_since(since))->details == std::vector<std::string>{"same row count, different values"});
    }
    SECTION("a value changed there with triggers off: journaled, the table read whole there") {
        two.exec_there(fmt::format("SET session_replication_role = replica; UPDATE public.tasks SET title = 'Design!' WHERE {}",
                                   one_task));
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"same row count, different values"});
        CHECK(r.from_journal == all - 1);
        CHECK(r.from_baseline == all - 1);
    }
    SECTION("a row inserted, then deleted there: read whole there, equal") {
        two.exec_there(new_task);
        two.exec_there("DELETE FROM public.tasks WHERE tenant_id = 1 AND project_id = 1 AND id = 99");
        const auto r = two.diff_since(since);
        CHECK(r.differing == 0);
        CHECK(r.from_baseline == all - 1);
    }
    SECTION("a row of another tenant updated into this one there: journaled as a change") {
        two.exec_there("INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (2, 2, 99, 'B')");
        two.exec_there("SET session_replication_role = replica; "
                       "UPDATE public.tasks SET tenant_id = 1, project_id = 1 WHERE tenant_id = 2 AND id = 99");
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"1 row more at the target"});
        CHECK(r.from_baseline == all - 1);
    }
    SECTION("a journal trigger turned off, a row deleted, the trigger on again: not trusted, and the row is found") {
        const std::string trigger = std::string(TwoDatabases::kStream) + "_d";
        two.exec_there(fmt::format("ALTER TABLE public.tasks DISABLE TRIGGER {0}; DELETE FROM public.tasks WHERE {1}; "
                                   "ALTER TABLE public.tasks ENABLE ALWAYS TRIGGER {0}",
                                   trigger, one_task));
        CHECK(journal_entries(two.there, j).empty());
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"1 row more at the source"});
        CHECK(r.from_journal == all - 1);
    }
    SECTION("the journal's function replaced: not trusted on that side") {
        portability::journal::silence(two.context()->ctx().db(), j);
        two.here.exec(new_task);
        const auto r = two.diff_since(since);
        CHECK(tasks_of(r)->details == std::vector<std::string>{"1 row more at the source"});
        CHECK(r.from_journal == all / 2);
        CHECK(r.from_baseline == all);  // the baseline's xmin rule still derives it
    }
    SECTION("a TRUNCATE there, the same rows put back: the table's storage changed, read whole, equal") {
        two.exec_there("SET session_replication_role = replica; CREATE TEMP TABLE keep AS SELECT * FROM public.tasks; "
                       "TRUNCATE public.tasks; INSERT INTO public.tasks SELECT * FROM keep");
        const auto r = two.diff_since(since);
        CHECK(r.differing == 0);
        CHECK(r.from_baseline == all - 1);
    }
    SECTION("the journal's triggers are not the app's: commands that refuse or report user triggers do not see them") {
        pqxx::connection c(two.here.conninfo());
        pqxx::read_transaction tx(c);
        auto tc = two.context();
        const auto data = model::TenantData::load(tc->ctx(), tx);
        std::vector<const model::Relation*> relations;
        for (const auto& r : data.relations()) relations.push_back(&r);
        CHECK(model::user_triggers_of(tx, relations).all().empty());
    }
    SECTION("taken down: nothing of it is left on either side") {
        CHECK(test::stream_objects(two.here, two.there) != "0,0,0,0,0");
        pqxx::connection there(two.there.conninfo());
        CHECK(portability::journal::remove(two.context()->ctx().db(), j));
        CHECK(portability::journal::remove(there, j));
        CHECK(test::stream_objects(two.here, two.there) == "0,0,0,0,0");
        two.here.exec(new_task);  // the app writes as before
    }
}

TEST_CASE("tenant diff since a journaled baseline: rows inserted into partitions, directly or through the parent, "
          "are read through the key",
          "[integration][portability]") {
    TwoDatabases two(corpus::get("partitioned"));
    const auto since = two.journaled_baseline();
    const int all = 2 * static_cast<int>(since.relations.size());
    const std::string row_of = two.here.query_value(
        "SELECT format('(%L, %L, %L, %L, %L)', tenant_id, id + 1000, user_id, recorded_at, reading) "
        "FROM public.measurements_2026_01 "
        "WHERE tenant_id = 100 LIMIT 1");
    REQUIRE_FALSE(row_of.empty());
    const auto insert = [&](const std::string& into) {
        return fmt::format("INSERT INTO {} (tenant_id, id, user_id, recorded_at, reading) VALUES {}", into, row_of);
    };
    two.here.exec(insert("public.measurements"));
    two.exec_there(insert("public.measurements_2026_01"));
    const auto r = two.diff_since(since);
    CHECK(r.differing == 0);
    CHECK(r.from_journal == all);
    CHECK(find_table(r, "public.measurements")->source == find_table(two.diff(), "public.measurements")->source);
}
