// Integration: audit log core against the real server: chain sealing and verification
// (tampering, GDPR pseudonyms), queries with cursors, partition maintenance, live tail.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "core/audit/chain.hpp"
#include "core/db/connection.hpp"
#include "core/audit/partitions.hpp"
#include "core/audit/pseudonymize.hpp"
#include "core/audit/query.hpp"
#include "core/audit/tail.hpp"
#include "core/util/duration.hpp"
#include "core/errors.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;

namespace {

constexpr const char* kAcme = "11111111-1111-4111-8111-111111111111";
constexpr const char* kOther = "22222222-2222-4222-8222-222222222222";

void add_tenants(const test::TestDatabase& db) {
    db.exec(fmt::format("INSERT INTO tenantctl.tenants (id, slug) VALUES ('{}', 'acme'), ('{}', 'other')", kAcme,
                        kOther));
}

// n events for a tenant, one per minute ending `minutes_ago` minutes ago.
void add_events(const test::TestDatabase& db, const char* tenant, int n, int minutes_ago = 10) {
    db.exec(fmt::format(
        "INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, "
        "resource_id, ip, user_agent, metadata) "
        "SELECT '{}', now() - make_interval(mins => {} + {} - g), 'user', 'user-' || (g % 3), "
        "CASE WHEN g % 2 = 0 THEN 'user.login' ELSE 'doc.edit' END, 'doc', 'doc-' || g, ('10.0.0.' || (g % 5))::inet, "
        "'curl/8', jsonb_build_object('n', g, 'email', 'u' || (g % 3) || '@example.com') "
        "FROM generate_series(1, {}) g",
        tenant, minutes_ago, n, n));
}

audit::VerifyResult verify_one(test::TestContext& tc, const char* slug) {
    audit::VerifyOptions v;
    v.scope.tenant_slug = slug;
    auto r = audit::verify(tc.ctx(), v);
    REQUIRE(r.size() == 1);
    return r[0];
}

void seal_all(test::TestContext& tc) {
    audit::SealOptions s;
    s.settle = {};
    audit::seal(tc.ctx(), s);
}

// n events for a tenant 15 months ago, one per second: a month past 13mo retention.
void add_old_events(const test::TestDatabase& db, const char* tenant, int n) {
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action, actor_id) SELECT '{}', "
                        "now() - interval '15 months' + make_interval(secs => g), 'old.event', 'u' || g "
                        "FROM generate_series(1, {}) g",
                        tenant, n));
}

// Prunes every month that ended more than 13 months ago, archiving it into `dir`.
std::vector<audit::PruneResult> prune_13mo(test::TestContext& tc, const test::TempDir& dir) {
    audit::PruneOptions o;
    o.older_than = util::parse_duration("13mo");
    o.archive_dir = dir.path();
    return audit::prune_partitions(tc.ctx(), o);
}

}  // namespace

TEST_CASE("sealing then verifying an untouched chain is clean", "[integration][audit]") {
    test::TestDatabase db;
    add_tenants(db);
    add_events(db, kAcme, 50);
    test::TestContext tc(db);
    audit::SealOptions s;
    s.settle = {};
    s.batch = 7;  // several batches, several checkpoints
    auto sealed = audit::seal(tc.ctx(), s);
    std::int64_t acme = 0;
    for (const auto& r : sealed)
        if (r.tenant == "acme") acme = r.sealed;
    CHECK(acme == 50);
    CHECK(db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_seals WHERE tenant_id = '{}'", kAcme)) == "8");
    auto v = verify_one(tc, "acme");
    CHECK(v.status == "ok");
    CHECK(v.verified == 50);
    // Sealing again seals nothing new; new events extend the chain.
    add_events(db, kAcme, 5, 1);
    seal_all(tc);
    CHECK(verify_one(tc, "acme").verified == 55);
    CHECK(verify_one(tc, "other").status == "unsealed");
}

TEST_CASE("a long chain verified as two parallel stretches reports what one stretch would", "[integration][audit]") {
    test::TestDatabase db;
    add_tenants(db);
    add_events(db, kAcme, 40);
    test::TestContext tc(db);
    seal_all(tc);
    auto verify_split = [&]() {
        audit::VerifyOptions v;
        v.scope.tenant_slug = "acme";
        v.split_above = 10;  // 40 events: stretches 1..20 and 21..40
        auto r = audit::verify(tc.ctx(), v);
        REQUIRE(r.size() == 1);
        return r[0];
    };
    auto nth = [&](int n) {
        return db.query_value(fmt::format("SELECT id FROM tenantctl.audit_log WHERE tenant_id = '{}' "
                                          "ORDER BY occurred_at, id DESC OFFSET {} LIMIT 1",
                                          kAcme, n - 1));
    };
    SECTION("untouched") {
        auto v = verify_split();
        CHECK(v.status == "ok");
        CHECK(v.verified == 40);
    }
    SECTION("a change in the second stretch") {
        const auto id = nth(30);
        db.exec("UPDATE tenantctl.audit_log SET action = 'x' WHERE id = " + id);
        auto v = verify_split();
        CHECK(v.problem == "modified");
        CHECK(std::to_string(*v.event_id) == id);
        CHECK(v.verified == 29);
    }
    SECTION("changes in both stretches: the earliest is reported") {
        const auto early = nth(5), late = nth(33);
        db.exec(fmt::format("UPDATE tenantctl.audit_log SET action = 'x' WHERE id IN ({}, {})", early, late));
        auto v = verify_split();
        CHECK(v.problem == "modified");
        CHECK(std::to_string(*v.event_id) == early);
        CHECK(v.verified == 4);
    }
    SECTION("the event at the boundary deleted") {
        const auto id = nth(20);
        db.exec("DELETE FROM tenantctl.audit_log WHERE id = " + id);
        auto v = verify_split();
        CHECK(v.problem == "deleted");
        CHECK(std::to_string(*v.event_id) == id);
        CHECK(v.seq == 20);
    }
    SECTION("the boundary ledger row rewritten to fit an edited event") {
        // Changing the middle chain row's hash would let the second stretch start from a lie;
        // the first stretch recomputes that row and catches it.
        db.exec(fmt::format("UPDATE tenantctl.audit_chain SET hash = decode(repeat('00', 32), 'hex') "
                            "WHERE tenant_id = '{}' AND seq = 20",
                            kAcme));
        auto v = verify_split();
        CHECK(v.problem == "modified");
        CHECK(v.seq == 20);
    }
}

TEST_CASE("verify names a modified, a deleted and an inserted sealed event", "[integration][audit]") {
    test::TestDatabase db;
    add_tenants(db);
    add_events(db, kAcme, 20);
    test::TestContext tc(db);
    seal_all(tc);
    const std::string tenth =
        db.query_value(fmt::format("SELECT id FROM tenantctl.audit_log WHERE tenant_id = '{}' "
                                   "ORDER BY occurred_at, id OFFSET 9 LIMIT 1",
                                   kAcme));

    SECTION("modified") {
        db.exec("UPDATE tenantctl.audit_log SET actor_id = 'mallory' WHERE id = " + tenth);
        auto v = verify_one(tc, "acme");
        CHECK(v.status == "broken");
        CHECK(v.problem == "modified");
        CHECK(std::to_string(*v.event_id) == tenth);
        CHECK(v.verified == 9);
    }
    SECTION("metadata modified") {
        db.exec("UPDATE tenantctl.audit_log SET metadata = metadata || '{\"n\": 0}' WHERE id = " + tenth);
        auto v = verify_one(tc, "acme");
        CHECK(v.problem == "modified");
        CHECK(std::to_string(*v.event_id) == tenth);
    }
    SECTION("deleted") {
        db.exec("DELETE FROM tenantctl.audit_log WHERE id = " + tenth);
        auto v = verify_one(tc, "acme");
        CHECK(v.problem == "deleted");
        CHECK(std::to_string(*v.event_id) == tenth);
    }
    SECTION("inserted (back-dated)") {
        db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, actor_id, action) SELECT "
                            "'{}', occurred_at + interval '1 second', 'mallory', 'user.login' "
                            "FROM tenantctl.audit_log WHERE id = {}",
                            kAcme, tenth));
        auto v = verify_one(tc, "acme");
        CHECK(v.problem == "inserted");
        CHECK(std::to_string(*v.event_id) == db.query_value("SELECT max(id) FROM tenantctl.audit_log"));
    }
    SECTION("a laundering attempt through the pseudonyms column") {
        db.exec("UPDATE tenantctl.audit_log SET actor_id = 'alice', pseudonyms = jsonb_build_object('actor_id', "
                "repeat('ab', 32)) WHERE id = " + tenth);
        CHECK(verify_one(tc, "acme").problem == "modified");
    }
    SECTION("a rewritten chain row") {
        db.exec(fmt::format("UPDATE tenantctl.audit_chain SET hash = sha256('x') WHERE tenant_id = '{}' AND seq = 4",
                            kAcme));
        auto v = verify_one(tc, "acme");
        CHECK(v.status == "broken");
        CHECK(*v.seq == 4);
    }
    // Events after the sealed range are not checked yet and never reported.
    add_events(db, kOther, 3);
    CHECK(verify_one(tc, "other").status == "unsealed");
}

TEST_CASE("GDPR pseudonymization keeps sealed and unsealed events verifiable", "[integration][audit][gdpr]") {
    test::TestDatabase db;
    add_tenants(db);
    add_events(db, kAcme, 30);
    test::TestContext tc(db);
    seal_all(tc);
    add_events(db, kAcme, 6, 2);  // not sealed yet when erased
    {
        pqxx::work tx(tc->db());
        auto r = audit::pseudonymize_subject(tc.ctx(), tx, kAcme, {"user-1", "u1@example.com"});
        CHECK(r.actor_fields == 12);
        CHECK(r.metadata_fields == 12);
        CHECK(r.network_fields > 0);
        tx.commit();
    }
    CHECK(db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log WHERE tenant_id = '{}' AND "
                                     "(actor_id = 'user-1' OR metadata::text LIKE '%u1@example.com%')",
                                     kAcme)) == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE actor_id LIKE 'pseudonym:%'") == "12");
    // One person, one pseudonym, computable by the key holder.
    {
        pqxx::work tx(tc->db());
        auto p = audit::pseudonym_for(tc.ctx(), tx, kAcme, "user-1");
        CHECK(db.query_value("SELECT count(DISTINCT actor_id) FROM tenantctl.audit_log WHERE actor_id LIKE 'pseudonym:%'") ==
              "1");
        CHECK(db.query_value("SELECT min(actor_id) FROM tenantctl.audit_log WHERE actor_id LIKE 'pseudonym:%'") == p);
    }
    CHECK(verify_one(tc, "acme").status == "ok");
    seal_all(tc);
    auto v = verify_one(tc, "acme");
    CHECK(v.status == "ok");
    CHECK(v.verified == 36);
    // Running erasure again changes nothing.
    pqxx::work tx(tc->db());
    CHECK(audit::pseudonymize_subject(tc.ctx(), tx, kAcme, {"user-1", "u1@example.com"}).total() == 0);
}

TEST_CASE("query pages by cursor without gaps or repeats, with filters", "[integration][audit]") {
    test::TestDatabase db;
    add_tenants(db);
    add_events(db, kAcme, 25);
    add_events(db, kOther, 5);
    // Ties on occurred_at: one transaction, one timestamp.
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT '{}', "
                        "now() - interval '5 minutes', 'tie.event' FROM generate_series(1, 7)",
                        kAcme));
    test::TestContext tc(db);
    audit::QueryOptions q;
    q.filter.tenant_id = kAcme;
    std::tie(q.filter.since, q.filter.until) = audit::parse_window(std::nullopt, std::nullopt, tc->now());
    q.limit = 4;
    std::set<std::int64_t> seen;
    int pages = 0;
    for (;;) {
        CollectingSink sink;
        auto r = audit::run_query(tc.ctx(), q, sink);
        for (const auto& row : sink.result.rows) CHECK(seen.insert(row[0].get<std::int64_t>()).second);
        ++pages;
        if (!r.next) break;
        q.after = audit::decode_cursor(audit::encode_cursor(*r.next));
    }
    CHECK(seen.size() == 32);
    CHECK(pages == 9);

    q.after.reset();
    q.limit = 0;
    q.filter.action_like = audit::action_glob_to_like("user.*");
    q.filter.where = {audit::parse_where("metadata.email=u1@example.com")};
    CollectingSink sink;
    audit::run_query(tc.ctx(), q, sink);
    CHECK(sink.result.rows.size() == 4);  // even g with g % 3 == 1 in 1..25: 4, 10, 16, 22
    for (const auto& row : sink.result.rows) CHECK(row[5] == "user.login");

    auto e = audit::explain_query(tc.ctx(), q);
    CHECK(e.partitions.size() <= 2);  // this month (and the previous one near a month start)
    CHECK_FALSE(e.plan.empty());
}

TEST_CASE("ensure moves rows out of the default partition and skips months past retention",
          "[integration][audit][partitions]") {
    test::TestDatabase db;
    add_tenants(db);
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) VALUES "
                        "('{0}', now() - interval '2 months', 'old.event'), ('{0}', now() - interval '2 months', 'old.event'), "
                        "('{0}', now() - interval '5 years', 'ancient.event')",
                        kAcme));
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log_default") == "3");
    test::TestContext tc(db);
    auto r = audit::ensure_partitions(tc.ctx(), 3);
    CHECK(r.created.size() == 1);
    CHECK(r.moved_rows == 2);
    CHECK(r.past_retention.size() == 1);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log_default") == "1");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "2");
    CHECK(audit::ensure_partitions(tc.ctx(), 3).created.empty());  // idempotent
}

TEST_CASE("prune archives a month, verifies it, drops it and keeps the chain verifiable",
          "[integration][audit][partitions]") {
    test::TestDatabase db;
    add_tenants(db);
    add_old_events(db, kAcme, 100);
    config::Config cfg;
    cfg.audit.retention = util::parse_duration("2y");  // the 15-month-old month is still kept
    test::TestContext tc(db, cfg);
    audit::ensure_partitions(tc.ctx(), 0);
    add_events(db, kAcme, 10);
    seal_all(tc);
    test::TempDir dir;
    auto results = prune_13mo(tc, dir);
    REQUIRE(results.size() == 1);
    CHECK(results[0].rows == 100);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "0");
    const auto gz = std::filesystem::path(results[0].archive);
    CHECK(std::filesystem::exists(gz));
    CHECK((std::filesystem::status(gz).permissions() & std::filesystem::perms::others_read) ==
          std::filesystem::perms::none);
    CHECK(test::read_file(gz.string() + ".sha256").rfind(results[0].sha256, 0) == 0);
    auto v = verify_one(tc, "acme");
    CHECK(v.status == "ok");
    CHECK(v.verified == 10);
}

TEST_CASE("prune with no connection free for its archive archives each month before cutting its chain",
          "[integration][audit][partitions]") {
    test::TestDatabase db;
    add_tenants(db);
    add_old_events(db, kAcme, 40);
    add_old_events(db, kOther, 30);
    config::Config cfg;
    cfg.audit.retention = util::parse_duration("2y");
    {
        test::TestContext tc(db, cfg);
        audit::ensure_partitions(tc.ctx(), 0);
        add_events(db, kAcme, 10);
        seal_all(tc);
    }
    // A role allowed two sessions, the lock's and the work connection, that owns the log
    // through membership of the owner's role: the archive's own connection is refused.
    const std::string role = "prune_limited_" + db.name();
    db.exec(fmt::format("CREATE ROLE {0} LOGIN CONNECTION LIMIT 2; GRANT {1} TO {0}", role,
                        db.query_value("SELECT quote_ident(current_user)")));
    test::TempDir dir;
    {
        test::TestContext tc(db, cfg);
        tc->set_conninfo(db::ConnInfo{db.conninfo() + " user=" + role, "a role with two sessions"});
        auto results = prune_13mo(tc, dir);
        REQUIRE(results.size() == 1);
        CHECK(results[0].rows == 70);
        CHECK(test::read_file(results[0].archive + ".sha256").rfind(results[0].sha256, 0) == 0);
    }
    db.exec(fmt::format("DROP OWNED BY {0}; DROP ROLE {0}", role));
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'old.event'") == "0");
    CHECK(db.query_value("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM tenantctl.audit_seals "
                         "WHERE kind = 'prune'") == "30,40");
    test::TestContext tc(db, cfg);
    CHECK(verify_one(tc, "acme").status == "ok");
    CHECK(verify_one(tc, "acme").verified == 10);
    CHECK(verify_one(tc, "other").status == "ok");
}

TEST_CASE("prune cuts every tenant's chain at the cutoff with one anchor each, also a chain it removes whole",
          "[integration][audit][partitions]") {
    test::TestDatabase db;
    add_tenants(db);
    // acme: 100 old events and 10 recent; other: 30 old events only (its chain goes entirely).
    add_old_events(db, kAcme, 100);
    add_old_events(db, kOther, 30);
    config::Config cfg;
    cfg.audit.retention = util::parse_duration("2y");
    test::TestContext tc(db, cfg);
    audit::ensure_partitions(tc.ctx(), 0);
    add_events(db, kAcme, 10);
    audit::SealOptions s;
    s.settle = {};
    s.batch = 16;    // several checkpoints on either side of the cutoff
    s.parallel = 3;  // more workers than tenants with events
    audit::seal(tc.ctx(), s);
    test::TempDir dir;
    auto results = prune_13mo(tc, dir);
    REQUIRE(results.size() == 1);
    CHECK(results[0].rows == 130);
    // Only the recent chain rows are left, and each tenant has one anchor: the last row removed.
    CHECK(db.query_value(fmt::format("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM tenantctl.audit_chain "
                                     "WHERE tenant_id = '{}'",
                                     kAcme)) == "101,102,103,104,105,106,107,108,109,110");
    CHECK(db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_chain WHERE tenant_id = '{}'", kOther)) ==
          "0");
    CHECK(db.query_value("SELECT string_agg(seq::text, ',' ORDER BY tenant_id) FROM tenantctl.audit_seals "
                         "WHERE kind = 'prune'") == "100,30");
    CHECK(verify_one(tc, "acme").status == "ok");
    CHECK(verify_one(tc, "acme").verified == 10);
    // A chain pruned whole is not "unsealed": its anchor stands for what was sealed.
    CHECK(verify_one(tc, "other").status == "ok");
    CHECK(verify_one(tc, "other").verified == 0);
    // The emptied chain goes on from its anchor.
    add_events(db, kOther, 4, 1);
    seal_all(tc);
    auto v = verify_one(tc, "other");
    CHECK(v.status == "ok");
    CHECK(v.verified == 4);
    CHECK(db.query_value(fmt::format("SELECT min(seq) FROM tenantctl.audit_chain WHERE tenant_id = '{}'", kOther)) ==
          "31");
}

TEST_CASE("seal with parallel workers gives every tenant the chain one worker gives it", "[integration][audit]") {
    test::TestDatabase db;
    add_tenants(db);
    add_events(db, kAcme, 40);
    add_events(db, kOther, 25);
    test::TestContext tc(db);
    audit::SealOptions s;
    s.settle = {};
    s.batch = 9;
    s.parallel = 4;
    auto sealed = audit::seal(tc.ctx(), s);
    std::map<std::string, std::int64_t> by_tenant;
    for (const auto& r : sealed) by_tenant[r.tenant] = r.sealed;
    CHECK(by_tenant["acme"] == 40);
    CHECK(by_tenant["other"] == 25);
    // Recomputed by one worker from the stored events and keys, the heads are the same.
    // (The platform's chain is left out: the first run's own audit.seal event joins it.)
    const std::string tenant_chains = fmt::format("SELECT string_agg(encode(hash, 'hex'), ',' ORDER BY tenant_id, seq) "
                                                  "FROM tenantctl.audit_chain WHERE tenant_id IN ('{}', '{}')",
                                                  kAcme, kOther);
    const auto heads = db.query_value(tenant_chains);
    REQUIRE(std::count(heads.begin(), heads.end(), ',') == 64);
    db.exec("DELETE FROM tenantctl.audit_chain; DELETE FROM tenantctl.audit_seals");
    s.parallel = 1;
    audit::seal(tc.ctx(), s);
    CHECK(db.query_value(tenant_chains) == heads);
    CHECK(verify_one(tc, "acme").verified == 40);
    CHECK(verify_one(tc, "other").verified == 25);
}

TEST_CASE("seal with fewer free connections than --parallel seals everything on the ones it gets",
          "[integration][audit]") {
    test::TestDatabase db;
    add_tenants(db);
    add_events(db, kAcme, 20);
    add_events(db, kOther, 20);
    // A role allowed two sessions: the lock's and the work connection. A worker's is refused.
    const std::string role = "seal_limited_" + db.name();
    db.exec(fmt::format("CREATE ROLE {0} LOGIN CONNECTION LIMIT 2; GRANT USAGE ON SCHEMA tenantctl TO {0}; "
                        "GRANT ALL ON ALL TABLES IN SCHEMA tenantctl TO {0}; "
                        "GRANT ALL ON ALL SEQUENCES IN SCHEMA tenantctl TO {0}",
                        role));
    {
        test::TestContext tc(db);
        tc->set_conninfo(db::ConnInfo{db.conninfo() + " user=" + role, "a role with two sessions"});
        audit::SealOptions s;
        s.settle = {};
        s.parallel = 4;
        std::map<std::string, std::int64_t> by_tenant;
        for (const auto& r : audit::seal(tc.ctx(), s)) by_tenant[r.tenant] = r.sealed;
        CHECK(by_tenant["acme"] == 20);
        CHECK(by_tenant["other"] == 20);
    }
    db.exec(fmt::format("DROP OWNED BY {0}; DROP ROLE {0}", role));
    test::TestContext tc(db);
    CHECK(verify_one(tc, "acme").status == "ok");
    CHECK(verify_one(tc, "other").verified == 20);
}

TEST_CASE("tail follows new events and survives a dropped connection", "[integration][audit][tail]") {
    test::TestDatabase db;
    add_tenants(db);
    add_events(db, kAcme, 3);
    test::TestContext tc(db);
    std::atomic<bool> stop{false};
    audit::TailOptions o;
    o.tenant_slug = "acme";
    o.lines = 2;
    o.follow = true;
    o.stop = [&] { return stop.load(); };

    class Sink : public RecordSink {
    public:
        std::atomic<int> rows{0};
        std::mutex m;
        std::vector<std::int64_t> ids;
        void begin(const std::vector<std::string>&) override {}
        void row(const std::vector<json>& v) override {
            std::lock_guard<std::mutex> g(m);
            ids.push_back(v[0].get<std::int64_t>());
            ++rows;
        }
        void end() override {}
        void document(const json&) override {}
    } sink;
    std::thread t([&] { audit::tail(tc.ctx(), o, sink); });
    auto wait_for = [&](int n) {
        for (int i = 0; i < 200 && sink.rows < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return sink.rows.load();
    };
    CHECK(wait_for(2) == 2);
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, action) VALUES ('{}', 'live.one')", kAcme));
    CHECK(wait_for(3) == 3);
    // The server ends the tail's session, as a restart or failover would.
    db.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()");
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, action) VALUES ('{}', 'live.two')", kAcme));
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, action) VALUES ('{}', 'other.tenant')", kOther));
    CHECK(wait_for(4) == 4);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    stop = true;
    t.join();
    std::lock_guard<std::mutex> g(sink.m);
    CHECK(sink.ids.size() == 4);
    CHECK(std::set<std::int64_t>(sink.ids.begin(), sink.ids.end()).size() == 4);
}

TEST_CASE("verify reading a month at a time finds what reading the index in chain order finds",
          "[integration][audit]") {
    // Events over five months: three with their partitions, one (five months ago) left in the
    // default partition, ties on one instant at a month's first microsecond, and one event a
    // microsecond before it.
    test::TestDatabase db;
    add_tenants(db);
    auto add_month = [&](int months_ago, int n) {
        db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action, actor_id) SELECT '{}', "
                            "date_trunc('month', now()) - interval '{} months' + make_interval(hours => g), "
                            "'e.month{}', 'u' || g FROM generate_series(1, {}) g",
                            kAcme, months_ago, months_ago, n));
    };
    for (int m : {4, 3, 2}) add_month(m, 30);
    test::TestContext tc(db);
    audit::ensure_partitions(tc.ctx(), 0);
    add_month(5, 20);  // no partition for it now: the default partition
    const std::string boundary = "date_trunc('month', now()) - interval '2 months'";
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT '{0}', {1}, 'tie' "
                        "FROM generate_series(1, 3); "
                        "INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) VALUES "
                        "('{0}', {1} - interval '1 microsecond', 'just.before')",
                        kAcme, boundary));
    add_events(db, kOther, 10);
    REQUIRE(db.query_value("SELECT count(*) FROM tenantctl.audit_log_default WHERE action = 'e.month5'") == "20");
    seal_all(tc);

    auto run = [&](std::int64_t by_month_above, std::int64_t split_above) {
        audit::VerifyOptions v;
        v.scope.tenant_slug = "acme";
        v.by_month_above = by_month_above;
        v.split_above = split_above;
        auto r = audit::verify(tc.ctx(), v);
        REQUIRE(r.size() == 1);
        return r[0];
    };
    // By month (one stretch, and two), against the index read; all must say the same.
    auto same_as_index = [&]() {
        const auto by_index = run(1000000, 1000000);
        for (auto split : {std::int64_t{1000000}, std::int64_t{50}}) {
            const auto by_month = run(0, split);
            INFO("split_above " << split);
            CHECK(by_month.status == by_index.status);
            CHECK(by_month.problem == by_index.problem);
            CHECK(by_month.event_id == by_index.event_id);
            CHECK(by_month.seq == by_index.seq);
            CHECK(by_month.verified == by_index.verified);
        }
        return by_index;
    };
    auto id_of = [&](const std::string& where) {
        return db.query_value(fmt::format("SELECT id FROM tenantctl.audit_log WHERE tenant_id = '{}' AND {} "
                                          "ORDER BY occurred_at, id DESC LIMIT 1",
                                          kAcme, where));
    };

    SECTION("untouched") {
        auto v = same_as_index();
        CHECK(v.status == "ok");
        CHECK(v.verified == 114);
    }
    SECTION("an event of the month in the middle modified") {
        const auto id = id_of("action = 'e.month3' AND actor_id = 'u7'");
        db.exec("UPDATE tenantctl.audit_log SET actor_id = 'mallory' WHERE id = " + id);
        auto v = same_as_index();
        CHECK(v.problem == "modified");
        CHECK(std::to_string(*v.event_id) == id);
    }
    SECTION("a tied event at the month's first instant deleted") {
        const auto id = id_of("action = 'tie'");
        db.exec("DELETE FROM tenantctl.audit_log WHERE id = " + id);
        auto v = same_as_index();
        CHECK(v.problem == "deleted");
        CHECK(std::to_string(*v.event_id) == id);
    }
    SECTION("an event back-dated into the month in the default partition") {
        db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) VALUES ('{}', "
                            "date_trunc('month', now()) - interval '5 months' + interval '90 minutes', 'forged')",
                            kAcme));
        auto v = same_as_index();
        CHECK(v.problem == "inserted");
        CHECK(std::to_string(*v.event_id) == id_of("action = 'forged'"));
    }
}
