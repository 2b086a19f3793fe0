// Integration: `tenant move` (core/portability/move) with the app writing meanwhile. The
// writer follows the documented contract: in one transaction it reads the tenant's status and
// writes only when it is `active`; when the source says `moved` it writes to the destination.
// Every row it committed must be at the destination exactly once, and the source keeps its
// rows until the grace period ends.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "core/audit/chain.hpp"
#include "core/config/config.hpp"
#include "core/gdpr/erase.hpp"
#include "core/keys/api_keys.hpp"
#include "core/keys/data_keys.hpp"
#include "core/portability/copy.hpp"
#include "core/portability/move.hpp"
#include "core/tenants/purge.hpp"
#include "tests/support/schema_corpus.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;
using tenantctl::test::exit_of;

namespace {

struct MoveSetup {
    const corpus::Pattern& p;
    test::TestDatabase here, there;
    long long batch_size = portability::MoveOptions{}.batch_size;
    explicit MoveSetup(const corpus::Pattern& pattern) : p(pattern) {
        corpus::setup(here, p);
        corpus::register_tenants(here, p);
        corpus::setup(there, p);
        const auto there_ids = corpus::register_tenants(there, p);
        corpus::remove_tenant(there, p, p.tenant_a, there_ids.a);
    }
    portability::MoveResult move(GlobalOptions globals = {}, bool online = false) const {
        auto cfg = config::parse_config(p.config_yaml, p.name + ".yaml");
        cfg.contexts["dest"] = config::ContextConfig{corpus::conninfo_for(there, p), false};
        test::TestContext tc(here, cfg, globals);
        tc->set_conninfo(db::ConnInfo{corpus::conninfo_for(here, p), "corpus"});
        portability::MoveOptions o;
        o.slug = "acme";
        o.to = "dest";
        o.online = online;
        o.batch_size = batch_size;
        return portability::move(tc.ctx(), o);
    }
    portability::MoveResult move_online() const { return move({}, true); }
    // What a stream (tenant move --online) leaves behind: "0,0,0,0,0" once a move has finished or given up.
    std::string stream_objects() const { return test::stream_objects(here, there); }
};

// The statements the refusal of an online move tells the operator to run, one per table.
std::vector<std::string> replica_identity_fixes(const Error& e) {
    std::vector<std::string> out;
    for (const auto& d : e.details()) {
        const auto from = d.find("ALTER TABLE ");
        const auto to = d.find(" REPLICA IDENTITY FULL");
        if (from != std::string::npos && to != std::string::npos)
            out.push_back(d.substr(from, to + std::string(" REPLICA IDENTITY FULL").size() - from));
    }
    return out;
}

// The app: writes tasks of tenant 1 (composite_fk) wherever the tenant is active.
struct Writer {
    std::atomic<bool> stop{false};
    std::atomic<int> written{0};
    std::atomic<int> written_there{0};
    std::vector<long long> committed;  // read after join()
    std::string error;

    void run(const std::string& here, const std::string& there) {
        try {
            pqxx::connection source(here), destination(there);
            bool switched = false;
            long long next = 1000;
            while (!stop) {
                pqxx::work tx(switched ? destination : source);
                const std::string status =
                    tx.exec1("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'")[0].as<std::string>("absent");
                if (!switched && status == "moved") {
                    switched = true;
                    continue;
                }
                if (status != "active") {  // the contract: moving (or not there yet) means wait
                    tx.abort();
                    std::this_thread::sleep_for(std::chrono::milliseconds(2));
                    continue;
                }
                tx.exec_params("INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (1, 1, $1, 'written')",
                               next);
                tx.commit();
                committed.push_back(next++);
                ++written;
                if (switched) ++written_there;
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
    }
};

void wait_until(const std::function<bool()>& done) {
    while (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

}  // namespace

TEST_CASE("tenant move with the app writing through the contract: no row lost or duplicated", "[integration][portability]") {
    const bool online = GENERATE(false, true);
    INFO((online ? "--online" : "offline"));
    MoveSetup s(corpus::get("composite_fk"));
    Writer writer;
    std::thread app([&] { writer.run(s.here.conninfo(), s.there.conninfo()); });
    wait_until([&] { return writer.written >= 20 || !writer.error.empty(); });
    portability::MoveResult r;
    const Exit code = exit_of([&] { r = s.move({}, online); });
    // A failed move leaves the tenant moving, where the writer waits forever: stop it then.
    if (code == Exit::ok) wait_until([&] { return writer.written_there >= 20 || !writer.error.empty(); });
    writer.stop = true;
    app.join();
    REQUIRE(writer.error.empty());
    REQUIRE(code == Exit::ok);
    if (online)
        CHECK(r.steps == std::vector<std::string>{"streaming", "synced", "journaled", "compared", "froze", "drained", "caught up", "copied",
                                                  "verified", "activated", "retired"});
    else
        CHECK(r.steps == std::vector<std::string>{"froze", "drained", "copied", "verified", "activated", "retired"});
    CHECK(s.stream_objects() == "0,0,0,0,0");
    // Every committed row, once, at the destination; the source has the ones written before the move.
    std::string ids;
    for (auto id : writer.committed) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    CHECK(s.there.query_value("SELECT count(*) || ':' || count(DISTINCT id) FROM public.tasks WHERE tenant_id = 1 AND id >= 1000") ==
          fmt::format("{}:{}", writer.committed.size(), writer.committed.size()));
    CHECK(s.there.query_value("SELECT string_agg(id::text, ',' ORDER BY id) FROM public.tasks WHERE tenant_id = 1 AND id >= 1000") ==
          ids);
    CHECK(std::stoi(s.here.query_value("SELECT count(*) FROM public.tasks WHERE tenant_id = 1 AND id >= 1000")) ==
          writer.written - writer.written_there);
    CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "moved");
    CHECK(s.there.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
}

TEST_CASE("tenant move: a transaction older than the freeze is waited for, and one that stays open stops the move "
          "with the tenant moving",
          "[integration][portability]") {
    MoveSetup s(corpus::get("composite_fk"));
    // An app transaction that read `active` before the freeze and has not committed yet.
    pqxx::connection app(s.here.conninfo());
    pqxx::work open(app);
    open.exec("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'");
    auto cfg = config::parse_config(s.p.config_yaml, "x.yaml");
    cfg.contexts["dest"] = config::ContextConfig{s.there.conninfo(), false};
    test::TestContext tc(s.here, cfg);
    portability::MoveOptions o;
    o.slug = "acme";
    o.to = "dest";
    o.drain_timeout = "1s";
    CHECK(exit_of([&] { portability::move(tc.ctx(), o); }) == Exit::busy);
    CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "moving");
    CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme'") == "0");
    // It writes under the old status and commits; the resumed move then copies its row too.
    open.exec("INSERT INTO public.tasks (tenant_id, project_id, id, title) VALUES (1, 1, 999, 'late')");
    open.commit();
    const auto r = portability::move(tc.ctx(), o);
    CHECK(r.resumed);
    CHECK(s.there.query_value("SELECT title FROM public.tasks WHERE tenant_id = 1 AND id = 999") == "late");
}

TEST_CASE("tenant move on every pattern: the tenant is there, verified, and moved here", "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        MoveSetup s(p);
        // One row per batch: every table with a key to page by (composite, text, uuid, a
        // partitioned table's) is copied in as many batches as it has rows.
        s.batch_size = 1;
        const auto mine = corpus::snapshot_tenant(s.here, p, p.tenant_a);
        if (p.connect_as) {
            CHECK(exit_of([&] { s.move(); }) == Exit::refused);
            return;
        }
        const auto r = s.move();
        CHECK(r.steps.back() == "retired");
        CHECK(corpus::snapshot_tenant(s.there, p, p.tenant_a) == mine);
        CHECK(corpus::snapshot_tenant(s.here, p, p.tenant_a) == mine);  // until the grace period ends
        // The checkpoint there is done, and counts every row copied, the last transaction's too.
        CHECK(s.there.query_value("SELECT string_agg(state || ' ' || (counts->>'rows'), ',') FROM tenantctl.jobs "
                                  "WHERE kind = 'tenant.move.copy'") == "done " + std::to_string(r.rows));
    });
}

TEST_CASE("tenant move in more batches than one numbering of the keys gives, on a table keyed by a bare id with an "
          "index on the tenancy column alone: every row once, in order",
          "[integration][portability]") {
    const auto& p = corpus::get("single_fk");
    MoveSetup s(p);
    // 300 more documents of each tenant, interleaved, so the tenant's ids are not contiguous:
    // with one row a batch, its first keys are numbered twice (256 at a time).
    s.here.exec("INSERT INTO public.documents SELECT 100 + g, CASE WHEN g % 2 = 0 THEN '" + p.tenant_a + "' ELSE '" +
                p.tenant_b + "' END::uuid, CASE WHEN g % 2 = 0 THEN 1 ELSE 11 END, 'doc ' || g, 'body ' || g "
                "FROM generate_series(1, 600) g");
    s.batch_size = 1;
    const auto mine = corpus::snapshot_tenant(s.here, p, p.tenant_a);
    const auto r = s.move();
    CHECK(r.steps.back() == "retired");
    CHECK(corpus::snapshot_tenant(s.there, p, p.tenant_a) == mine);
    CHECK(s.there.query_value("SELECT count(*) FROM public.documents WHERE tenant_id = '" + p.tenant_a + "'") == "303");
    CHECK(s.there.query_value("SELECT (cursor->'tables'->'public.documents'->>'rows') || ' ' || state FROM tenantctl.jobs "
                              "WHERE kind = 'tenant.move.copy'") == "303 done");
}

TEST_CASE("tenant move: once moved, key rotation and erasure refuse the tenant here, and --all fan-outs leave it out",
          "[integration][portability]") {
    MoveSetup s(corpus::get("composite_fk"));
    s.move();
    const auto cfg = config::parse_config(s.p.config_yaml, "x.yaml");
    GlobalOptions yes;
    yes.yes = true;
    test::TestContext tc(s.here, cfg, yes);
    const std::string versions = "SELECT count(*) FROM tenantctl.tenant_keys";
    const auto keys_before = s.here.query_value(versions);
    keys::RotateOptions one;
    one.tenant = "acme";
    CHECK(exit_of([&] { keys::rotate(tc.ctx(), one); }) == Exit::refused);
    keys::RotateOptions all;
    all.all = true;
    const auto rotated = keys::rotate(tc.ctx(), all);
    CHECK(rotated.rows.size() == 1);  // globex only
    CHECK(std::stoi(s.here.query_value(versions)) == std::stoi(keys_before) + 1);
    CHECK(exit_of([&] {
              gdpr::erase_subject(tc.ctx(), {"acme", s.p.subject_a, std::nullopt, false, std::nullopt});
          }) == Exit::refused);
    // Nor may its key versions be retired or destroyed here (version 1 is its only one: the
    // refusal comes before the state checks, which would refuse the active key anyway).
    const std::string states = "SELECT string_agg(state, ',' ORDER BY tenant_id, version) FROM tenantctl.tenant_keys";
    const auto states_before = s.here.query_value(states);
    auto refused_as_moved = [&](const std::function<void()>& change) {
        try {
            change();
        } catch (const Refused& e) {
            return std::string(e.what()).find("it has moved to another database") != std::string::npos;
        }
        return false;
    };
    CHECK(refused_as_moved([&] { keys::retire(tc.ctx(), "acme", 1); }));
    CHECK(refused_as_moved([&] { keys::destroy(tc.ctx(), "acme", 1, true); }));
    // Its API keys count at the destination now: neither revoked nor rotated here.
    CHECK(refused_as_moved([&] { keys::apikey_revoke(tc.ctx(), "acme", "tc_live_whatever"); }));
    CHECK(refused_as_moved([&] { keys::apikey_rotate(tc.ctx(), "acme", "tc_live_whatever", "1h"); }));
    CHECK(s.here.query_value(states) == states_before);
}

TEST_CASE("tenant move: while the tenant is moving a leaked API key is still revoked at once, with a warning to revoke "
          "it at the destination too",
          "[integration][portability]") {
    MoveSetup s(corpus::get("composite_fk"));
    GlobalOptions yes;
    yes.yes = true;
    test::TestContext tc(s.here, config::parse_config(s.p.config_yaml, "x.yaml"), yes);
    const auto created = keys::apikey_create(tc.ctx(), keys::ApiKeyCreate{"acme", "ci", {"read:invoices"}, "90d"});
    const std::string id = created.rows.at(0).at(0).get<std::string>();
    // Where a move stops between its freeze and its switch (a kill, an open transaction).
    s.here.exec("UPDATE tenantctl.tenants SET status = 'moving' WHERE slug = 'acme'");

    CHECK(exit_of([&] { keys::apikey_rotate(tc.ctx(), "acme", id, "1h"); }) == Exit::refused);
    keys::apikey_revoke(tc.ctx(), "acme", id);
    CHECK(s.here.query_value("SELECT revoked_at IS NOT NULL FROM tenantctl.api_keys WHERE id = '" + id + "'") == "t");
    CHECK(s.here.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'apikey.revoke' AND "
                             "resource_id = '" + id + "'") == "1");
    CHECK(tc.log_text().find("tenant 'acme' is moving to another database: revoke this key there too once the move has "
                             "finished") != std::string::npos);
}

TEST_CASE("tenant move --online on every pattern: streamed, switched, verified, and what cannot stream is refused first",
          "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        MoveSetup s(p);
        const auto mine = corpus::snapshot_tenant(s.here, p, p.tenant_a);
        if (p.connect_as) {  // refused as the move without --online is, before anything streams
            CHECK(exit_of([&] { s.move_online(); }) == Exit::refused);
            CHECK(s.stream_objects() == "0,0,0,0,0");
            return;
        }
        std::vector<std::string> fixes;
        try {
            const auto r = s.move_online();
            CHECK(r.online);
        } catch (const Refused& e) {
            // Refused before anything is made: the tenant is active, nothing streams.
            CHECK(std::string(e.what()).find("cannot move --online") != std::string::npos);
            CHECK(s.stream_objects() == "0,0,0,0,0");
            CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
            // The operator runs what the refusal names, and the move goes.
            fixes = replica_identity_fixes(e);
            REQUIRE(fixes.size() == e.details().size());
            for (const auto& sql : fixes) s.here.exec(sql);
            const auto r = s.move_online();
            CHECK(r.online);
        }
        if (p.name == "no_primary_key") CHECK_FALSE(fixes.empty());
        if (p.name == "composite_fk") CHECK(fixes.empty());
        CHECK(s.stream_objects() == "0,0,0,0,0");
        CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "moved");
        CHECK(s.there.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
        CHECK(corpus::snapshot_tenant(s.there, p, p.tenant_a) == mine);
        CHECK(corpus::snapshot_tenant(s.here, p, p.tenant_a) == mine);
    });
}

TEST_CASE("tenant move --online: a stream that fails at the destination is taken down and its rows deleted there, and the "
          "tenant stays active here",
          "[integration][portability]") {
    MoveSetup s(corpus::get("composite_fk"));
    // A constraint the checks before the move do not compare: the destination's tasks may
    // not be acme's. Its rows break it as they arrive.
    s.there.exec("ALTER TABLE public.tasks ADD CONSTRAINT tasks_not_acme CHECK (tenant_id <> 1)");
    try {
        s.move_online();
        FAIL("the move went through");
    } catch (const IntegrityError& e) {
        CHECK(std::string(e.what()).find("failed at the destination") != std::string::npos);
    }
    CHECK(s.stream_objects() == "0,0,0,0,0");
    CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    CHECK(s.there.query_value("SELECT (SELECT count(*) FROM public.users WHERE tenant_id = 1) + (SELECT count(*) FROM "
                              "public.projects WHERE tenant_id = 1) + (SELECT count(*) FROM public.tasks WHERE "
                              "tenant_id = 1)") == "0");
    CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme'") == "0");
    // Without the clash, the same command goes through.
    s.there.exec("ALTER TABLE public.tasks DROP CONSTRAINT tasks_not_acme");
    CHECK(s.move_online().steps.back() == "retired");
}

TEST_CASE("tenant move --online: a row of shared reference data missing at the destination stops the move before "
          "the freeze, and the move goes on from the stream once it is there",
          "[integration][portability]") {
    MoveSetup s(corpus::get("app_triggers"));
    const auto mine = corpus::snapshot_tenant(s.here, s.p, s.p.tenant_a);
    // Its keys do not include tenant_id: the row filters need every column (what the refusal says).
    s.here.exec("ALTER TABLE public.members REPLICA IDENTITY FULL; ALTER TABLE public.outbox REPLICA IDENTITY FULL");
    // The stream's apply worker checks no foreign key: the members arrive, their plan does not.
    s.there.exec("DELETE FROM public.plans WHERE id = 'pro'");
    try {
        s.move_online();
        FAIL("the move went through");
    } catch (const Refused& e) {
        CHECK(std::string(e.what()).find("public.members: 2 rows of the tenant reference no row of public.plans at --to "
                                         "dest (foreign key members_plan_id_fkey)") != std::string::npos);
        CHECK(e.hint() == "the rows they reference are missing at --to dest: add them there first (shared reference "
                          "data?)");
    }
    // Found while streaming: the app was never paused, and the stream goes on.
    CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    CHECK(s.stream_objects() != "0,0,0,0,0");
    s.there.exec("INSERT INTO public.plans VALUES ('pro', 100)");
    const auto r = s.move_online();
    CHECK(r.resumed);
    CHECK(s.there.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    CHECK(corpus::snapshot_tenant(s.there, s.p, s.p.tenant_a) == mine);
    CHECK(s.stream_objects() == "0,0,0,0,0");
}

TEST_CASE("tenant move, online or not, refuses a tenant whose rows reference another tenant's rows before anything is "
          "frozen or streamed: copied, the references would dangle or find a stranger's row",
          "[integration][portability]") {
    MoveSetup s(corpus::get("single_fk"));
    s.here.exec("ALTER TABLE public.users REPLICA IDENTITY FULL; ALTER TABLE public.documents REPLICA IDENTITY FULL; "
                "ALTER TABLE public.invoices REPLICA IDENTITY FULL");
    // An app's cross-tenant link: acme's invoice 2 names globex's user 14. At the destination
    // the stream's apply worker would write it without checking the key.
    s.here.exec(fmt::format("INSERT INTO public.users VALUES (14, '{}', 'frank@example.com', 'Frank', NULL); "
                            "UPDATE public.invoices SET user_id = 14 WHERE id = 2",
                            s.p.tenant_b));
    for (const bool online : {true, false}) {
        try {
            s.move({}, online);
            FAIL("the move went through");
        } catch (const Refused& e) {
            CHECK(std::string(e.what()) == "public.invoices: 1 row of the tenant references rows of public.users that "
                                           "are not the tenant's (foreign key invoices_user_id_fkey): copied at --to "
                                           "dest, it would reference nothing, or another tenant's row");
            CHECK(e.hint() == "make the references the tenant's own first: another tenant's rows are not copied");
        }
        CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
        CHECK(s.stream_objects() == "0,0,0,0,0");
        CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme'") == "0");
    }
    // A user of the same id there is another tenant's: the check does not lean on the
    // destination's key, which would hold.
    s.there.exec(fmt::format("INSERT INTO public.users VALUES (14, '{}', 'x@example.com', 'X', NULL)", s.p.tenant_b));
    CHECK(exit_of([&] { s.move(); }) == Exit::refused);
    // Once the link is the tenant's own, the online move goes.
    s.here.exec("UPDATE public.invoices SET user_id = 1 WHERE id = 2");
    CHECK(s.move_online().online);
    CHECK(s.there.query_value("SELECT user_id FROM public.invoices WHERE id = 2") == "1");
}

TEST_CASE("tenant move --abort rolls back a move that cannot finish: the copy deleted there, the status back here",
          "[integration][portability]") {
    const bool online = GENERATE(false, true);
    INFO((online ? "--online" : "offline"));
    MoveSetup s(corpus::get("composite_fk"));
    auto cfg = config::parse_config(s.p.config_yaml, "x.yaml");
    cfg.contexts["dest"] = config::ContextConfig{s.there.conninfo(), false};
    const auto run = [&](bool abort, bool dry_run = false) {
        GlobalOptions globals;
        globals.dry_run = dry_run;
        test::TestContext tc(s.here, cfg, globals);
        portability::MoveOptions o;
        o.slug = "acme";
        o.to = "dest";
        o.online = online;
        o.abort = abort;
        o.drain_timeout = "1s";
        return portability::move(tc.ctx(), o);
    };
    const std::string status_here = "SELECT status FROM tenantctl.tenants WHERE slug = 'acme'";
    const std::string acme_there = "SELECT (SELECT count(*) FROM public.users WHERE tenant_id = 1) + (SELECT count(*) FROM "
                                   "public.tasks WHERE tenant_id = 1) + (SELECT count(*) FROM public.companies WHERE id = 1)";
    const std::string globex_there = "SELECT count(*) FROM public.tasks WHERE tenant_id = 2";
    const auto globex_before = s.there.query_value(globex_there);

    // Nothing to abort yet.
    CHECK(exit_of([&] { run(true); }) == Exit::refused);
    // A transaction that read `active` before the freeze and never ends: the move stops at the
    // drain, the tenant moving (and, --online, its rows already streamed there).
    pqxx::connection app(s.here.conninfo());
    pqxx::work open(app);
    open.exec("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'");
    CHECK(exit_of([&] { run(false); }) == Exit::busy);
    CHECK(s.here.query_value(status_here) == "moving");
    CHECK(s.there.query_value(acme_there) == (online ? "7" : "0"));

    // A dry run deletes nothing and unfreezes nothing.
    const auto dry = run(true, true);
    CHECK(dry.steps == std::vector<std::string>{"removed the copy (rolled back)"});
    CHECK(dry.rows == (online ? 9 : 0));
    CHECK(s.here.query_value(status_here) == "moving");
    CHECK(s.there.query_value(acme_there) == (online ? "7" : "0"));

    const auto aborted = run(true);
    if (online)
        CHECK(aborted.steps == std::vector<std::string>{"stream stopped", "copy removed", "unfrozen"});
    else
        CHECK(aborted.steps == std::vector<std::string>{"copy removed", "unfrozen"});
    CHECK(s.here.query_value(status_here) == "active");
    CHECK(s.here.query_value("SELECT moved_to IS NULL AND moving_from_status IS NULL FROM tenantctl.tenants WHERE slug = "
                             "'acme'") == "t");
    CHECK(s.there.query_value(acme_there) == "0");
    CHECK(s.there.query_value(globex_there) == globex_before);
    CHECK(s.stream_objects() == "0,0,0,0,0");
    CHECK(s.here.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'tenant.move' AND "
                             "metadata->>'phase' = 'aborted'") == "1");
    CHECK(exit_of([&] { run(true); }) == Exit::refused);  // nothing left to abort

    // Once the transaction has ended, the same move goes through.
    open.abort();
    CHECK(run(false).steps.back() == "retired");
    // After the switch, --abort refuses: the destination is the tenant's now.
    CHECK(exit_of([&] { run(true); }) == Exit::refused);
}

namespace {

// A context on `db` for the pattern's tenantctl config, with context `back` naming `other`.
struct ContextAt {
    test::TestContext tc;
    ContextAt(const corpus::Pattern& p, const test::TestDatabase& db, const test::TestDatabase& other,
              GlobalOptions globals = {})
        : tc(db, config_for(p, other), globals) {
        tc->set_conninfo(db::ConnInfo{corpus::conninfo_for(db, p), "corpus"});
    }
    static config::Config config_for(const corpus::Pattern& p, const test::TestDatabase& other) {
        auto cfg = config::parse_config(p.config_yaml, p.name + ".yaml");
        cfg.contexts["back"] = config::ContextConfig{corpus::conninfo_for(other, p), false};
        return cfg;
    }
    Context& ctx() { return tc.ctx(); }
};

void seal_now(const corpus::Pattern& p, const test::TestDatabase& db, const test::TestDatabase& other) {
    ContextAt at(p, db, other);
    audit::SealOptions o;
    o.settle = util::Duration{0, std::chrono::seconds(0)};
    audit::seal(at.ctx(), o);
}

std::string verify_acme(const corpus::Pattern& p, const test::TestDatabase& db, const test::TestDatabase& other) {
    ContextAt at(p, db, other);
    audit::VerifyOptions o;
    o.scope.tenant_slug = "acme";
    const auto r = audit::verify(at.ctx(), o).at(0);
    return r.status + (r.problem.empty() ? "" : " " + r.problem + ": " + r.detail);
}

void purge_acme(const corpus::Pattern& p, const test::TestDatabase& db, const test::TestDatabase& other) {
    GlobalOptions yes;
    yes.yes = true;
    ContextAt at(p, db, other, yes);
    tenants::PurgeOptions o;
    o.force = true;
    CHECK(tenants::purge(at.ctx(), "acme", o).outcome == "purged");
}

portability::MoveResult move_back(const corpus::Pattern& p, const test::TestDatabase& from, const test::TestDatabase& to,
                                  bool online = false, bool abort = false) {
    ContextAt at(p, from, to);
    portability::MoveOptions o;
    o.slug = "acme";
    o.to = "back";
    o.online = online;
    o.abort = abort;
    o.drain_timeout = "1s";
    return portability::move(at.ctx(), o);
}

// An audit event's key (ids alone repeat between databases), in SQL over alias `l`.
constexpr const char* kEventKey = "(l.id::text || '@' || extract(epoch FROM l.occurred_at)::text)";

// The keys of acme's audit events at `db`, as a SQL array literal.
std::string acme_event_ids(const test::TestDatabase& db) {
    return db.query_value(fmt::format("SELECT '{{' || coalesce(string_agg({}, ','), '') || '}}' FROM tenantctl.audit_log l "
                                      "JOIN tenantctl.tenants t ON t.id = l.tenant_id WHERE t.slug = 'acme'",
                                      kEventKey));
}

long long acme_events_among(const test::TestDatabase& db, const std::string& ids) {
    return std::stoll(db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log l JOIN tenantctl.tenants t ON "
                                                 "t.id = l.tenant_id WHERE t.slug = 'acme' AND {} = ANY ('{}'::text[])",
                                                 kEventKey, ids)));
}

long long count_of(const std::string& ids) {
    return ids == "{}" ? 0 : static_cast<long long>(std::count(ids.begin(), ids.end(), ',') + 1);
}

}  // namespace

TEST_CASE("tenant move back into a database the tenant left, once purged there: into its purged row on every pattern, "
          "its audit trail there kept whole, given the events recorded since, and sealed again",
          "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        if (p.connect_as) return;  // a move refuses it (above)
        MoveSetup s(p);
        s.move();
        seal_now(p, s.there, s.here);
        purge_acme(p, s.here, s.there);
        seal_now(p, s.here, s.there);  // its move and purge there, sealed after what came from there
        // What happened to the tenant where it is now, recorded and sealed there.
        s.there.exec("INSERT INTO tenantctl.audit_log (tenant_id, action) SELECT id, 'doc.edit' FROM tenantctl.tenants "
                     "WHERE slug = 'acme'");
        seal_now(p, s.there, s.here);
        const auto theirs = corpus::snapshot_tenant(s.there, p, p.tenant_a);
        const auto kept_here = acme_event_ids(s.here);
        const auto r = move_back(p, s.there, s.here);
        CHECK(r.steps.back() == "retired");
        CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
        CHECK(s.there.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "moved");
        CHECK(corpus::snapshot_tenant(s.here, p, p.tenant_a) == theirs);
        // Its keys are the ones it had there: a data key unwraps (the purge had destroyed them here).
        CHECK(s.here.query_value("SELECT string_agg(state, ',' ORDER BY version) FROM tenantctl.tenant_keys k JOIN "
                                 "tenantctl.tenants t ON t.id = k.tenant_id WHERE t.slug = 'acme'") ==
              s.there.query_value("SELECT string_agg(state, ',' ORDER BY version) FROM tenantctl.tenant_keys k JOIN "
                                  "tenantctl.tenants t ON t.id = k.tenant_id WHERE t.slug = 'acme'"));
        // Every event it had here is still here, and every event from there (the edit too).
        CHECK(acme_events_among(s.here, kept_here) == count_of(kept_here));
        const auto from_there = s.there.query_value(fmt::format(
            "SELECT '{{' || string_agg({}, ',') || '}}' FROM tenantctl.audit_log l JOIN tenantctl.tenants t ON "
            "t.id = l.tenant_id WHERE t.slug = 'acme' AND (l.action = 'doc.edit' OR l.id < (SELECT min(id) FROM "
            "tenantctl.audit_log WHERE action = 'tenant.copy' AND metadata->>'direction' = 'out'))",
            kEventKey));
        CHECK(acme_events_among(s.here, from_there) == count_of(from_there));
        CHECK(s.here.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'doc.edit'") == "1");
        // The chain here was cut back for them, recorded, and seals and verifies over all of them.
        // (The event of its first arrival there came back too.)
        CHECK(s.here.query_value("SELECT count(*) || ' ' || bool_and(metadata ? 'audit_chain_cut') FROM tenantctl.audit_log "
                                 "WHERE action = 'tenant.copy' AND metadata->>'direction' = 'in' AND "
                                 "metadata->>'into_purged_row' = 'true'") == "1 true");
        CHECK(verify_acme(p, s.here, s.there) == "ok");
        seal_now(p, s.here, s.there);
        CHECK(verify_acme(p, s.here, s.there) == "ok");
        CHECK(s.here.query_value("SELECT count(*) = (SELECT count(*) FROM tenantctl.audit_chain c JOIN tenantctl.tenants t "
                                 "ON t.id = c.tenant_id WHERE t.slug = 'acme') FROM tenantctl.audit_log l JOIN "
                                 "tenantctl.tenants t ON t.id = l.tenant_id WHERE t.slug = 'acme'") == "t");
    });
}

TEST_CASE("tenant move back: refused while the copy it left is only moved, then --online into its purged row, and an "
          "aborted move back leaves that row purged with its audit trail whole",
          "[integration][portability]") {
    const auto& p = corpus::get("composite_fk");
    MoveSetup s(p);
    s.move();
    const std::string status = "SELECT status FROM tenantctl.tenants WHERE slug = 'acme'";
    const std::string rows_of_acme = "SELECT (SELECT count(*) FROM public.users WHERE tenant_id = 1) + (SELECT count(*) "
                                     "FROM public.tasks WHERE tenant_id = 1)";
    const auto rows_here = s.here.query_value(rows_of_acme);
    // Its rows are still here: the move back names the purge that clears them, and changes nothing.
    try {
        move_back(p, s.there, s.here);
        FAIL("the move back was not refused");
    } catch (const Refused& e) {
        CHECK(std::string(e.what()).find("the copy an earlier move left there") != std::string::npos);
        CHECK(e.hint().find("tenantctl --context back tenant purge acme --force --yes") != std::string::npos);
    }
    CHECK(s.there.query_value(status) == "active");
    CHECK(s.here.query_value(status) == "moved");
    CHECK(s.here.query_value(rows_of_acme) == rows_here);
    purge_acme(p, s.here, s.there);
    const auto events_here = acme_event_ids(s.here);

    // A move back that cannot finish (a transaction that read `active` there never ends), aborted
    // before anything reached its purged row here: that row is left as it was.
    const std::string purged_row = "SELECT row_to_json(t)::text FROM tenantctl.tenants t WHERE slug = 'acme'";
    const auto purged_before = s.here.query_value(purged_row);
    {
        pqxx::connection app(s.there.conninfo());
        pqxx::work open(app);
        open.exec(status);
        CHECK(exit_of([&] { move_back(p, s.there, s.here); }) == Exit::busy);
        CHECK(s.there.query_value(status) == "moving");
        const auto aborted = move_back(p, s.there, s.here, false, true);
        CHECK(aborted.steps == std::vector<std::string>{"copy removed", "unfrozen"});
    }
    CHECK(s.here.query_value(purged_row) == purged_before);
    CHECK(s.there.query_value(status) == "active");
    CHECK(s.here.query_value(status) == "purged");
    CHECK(s.here.query_value(rows_of_acme) == "0");
    CHECK(s.here.query_value("SELECT count(*) FILTER (WHERE state <> 'destroyed') FROM tenantctl.tenant_keys k JOIN "
                             "tenantctl.tenants t ON t.id = k.tenant_id WHERE t.slug = 'acme'") == "0");
    CHECK(acme_events_among(s.here, events_here) == count_of(events_here));
    seal_now(p, s.here, s.there);
    CHECK(verify_acme(p, s.here, s.there) == "ok");

    // Then back for real, streamed.
    const auto theirs = corpus::snapshot_tenant(s.there, p, p.tenant_a);
    const auto r = move_back(p, s.there, s.here, true);
    CHECK(r.online);
    CHECK(s.here.query_value(status) == "active");
    CHECK(s.there.query_value(status) == "moved");
    CHECK(corpus::snapshot_tenant(s.here, p, p.tenant_a) == theirs);
    CHECK(acme_events_among(s.here, events_here) == count_of(events_here));
    seal_now(p, s.here, s.there);
    CHECK(verify_acme(p, s.here, s.there) == "ok");
    CHECK(test::stream_objects(s.there, s.here) == "0,0,0,0,0");
}

TEST_CASE("tenant move back: the chain there is verified page by page from where it is cut back, a tampered event "
          "stops the move before the freeze with nothing changed, and once undone the move goes through",
          "[integration][portability]") {
    const auto& p = corpus::get("composite_fk");
    MoveSetup s(p);
    s.move();
    purge_acme(p, s.here, s.there);
    // More events of the tenant recorded here since it left than one page of the check holds.
    s.here.exec("INSERT INTO tenantctl.audit_log (tenant_id, action, metadata) SELECT id, 'doc.view', "
                "jsonb_build_object('n', g) FROM tenantctl.tenants, generate_series(1, 12000) g WHERE slug = 'acme'");
    seal_now(p, s.here, s.there);
    s.there.exec("INSERT INTO tenantctl.audit_log (tenant_id, action) SELECT id, 'doc.edit' FROM tenantctl.tenants "
                 "WHERE slug = 'acme'");
    const std::string chain_here = "SELECT count(*) || ' ' || max(seq) FROM tenantctl.audit_chain c JOIN tenantctl.tenants t "
                                   "ON t.id = c.tenant_id WHERE t.slug = 'acme'";
    const auto chain_before = s.here.query_value(chain_here);
    const std::string events_here = "SELECT count(*) FROM tenantctl.audit_log l JOIN tenantctl.tenants t ON t.id = "
                                    "l.tenant_id WHERE t.slug = 'acme'";
    const auto events_before = s.here.query_value(events_here);
    const std::string one = " WHERE action = 'doc.view' AND metadata->>'n' = '11000'";
    s.here.exec("UPDATE tenantctl.audit_log SET actor_id = 'mallory'" + one);
    try {
        move_back(p, s.there, s.here);
        FAIL("the move back went through a tampered chain");
    } catch (const IntegrityError& e) {
        CHECK(std::string(e.what()).find("does not verify from row") != std::string::npos);
        CHECK(std::string(e.what()).find("modified") != std::string::npos);
    }
    // Found before the freeze: the app was never paused.
    CHECK(s.there.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "purged");
    CHECK(s.here.query_value(chain_here) == chain_before);
    CHECK(s.here.query_value(events_here) == events_before);
    s.here.exec("UPDATE tenantctl.audit_log SET actor_id = NULL" + one);
    CHECK(move_back(p, s.there, s.here).steps.back() == "retired");
    CHECK(s.here.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'doc.edit'") == "1");
    seal_now(p, s.here, s.there);
    CHECK(verify_acme(p, s.here, s.there) == "ok");
}

TEST_CASE("tenant move back --dry-run is the move back rolled back, and tenant copy comes back into the purged row too",
          "[integration][portability]") {
    const auto& p = corpus::get("partitioned");
    MoveSetup s(p);
    s.move();
    seal_now(p, s.there, s.here);
    purge_acme(p, s.here, s.there);
    seal_now(p, s.here, s.there);
    const std::string everything_of_acme_here =
        "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (SELECT row_to_json(t)::text AS x FROM tenantctl.tenants t WHERE "
        "slug = 'acme' UNION ALL SELECT row_to_json(l)::text FROM tenantctl.audit_log l JOIN tenantctl.tenants t ON t.id = "
        "l.tenant_id WHERE t.slug = 'acme' UNION ALL SELECT row_to_json(c)::text FROM tenantctl.audit_chain c JOIN "
        "tenantctl.tenants t ON t.id = c.tenant_id WHERE t.slug = 'acme' UNION ALL SELECT row_to_json(k)::text FROM "
        "tenantctl.tenant_keys k JOIN tenantctl.tenants t ON t.id = k.tenant_id WHERE t.slug = 'acme') rows";
    const auto before = s.here.query_value(everything_of_acme_here);
    {
        GlobalOptions dry;
        dry.dry_run = true;
        ContextAt at(p, s.there, s.here, dry);
        portability::MoveOptions o;
        o.slug = "acme";
        o.to = "back";
        const auto r = portability::move(at.ctx(), o);
        CHECK(r.steps == std::vector<std::string>{"copied (rolled back)"});
        CHECK(r.rows == static_cast<long long>(corpus::row_count(corpus::snapshot_tenant(s.there, p, p.tenant_a))));
    }
    CHECK(s.here.query_value(everything_of_acme_here) == before);
    CHECK(s.there.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");

    // A copy (not a move) comes back the same way: active here, and still active there.
    const auto theirs = corpus::snapshot_tenant(s.there, p, p.tenant_a);
    ContextAt at(p, s.there, s.here);
    portability::CopyOptions o;
    o.slug = "acme";
    o.to = "back";
    const auto r = portability::copy(at.ctx(), o);
    CHECK(r.reinstated);
    CHECK(r.audit_events > 0);
    CHECK(s.here.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    CHECK(corpus::snapshot_tenant(s.here, p, p.tenant_a) == theirs);
    CHECK(r.audit_chain_cut.contains("old_head"));
    seal_now(p, s.here, s.there);
    CHECK(verify_acme(p, s.here, s.there) == "ok");
}

TEST_CASE("tenant copy does not bring back a tenant purged after its deletion: refused, its purged row left as it was",
          "[integration][portability]") {
    const auto& p = corpus::get("single_fk");  // a uuid tenancy column: the tenant's id is the same in both
    test::TestDatabase here, there;
    corpus::setup(here, p);
    corpus::register_tenants(here, p);
    corpus::setup(there, p);
    corpus::register_tenants(there, p);
    purge_acme(p, there, here);
    const std::string row = "SELECT row_to_json(t)::text FROM tenantctl.tenants t WHERE slug = 'acme'";
    const auto before = there.query_value(row);
    ContextAt at(p, here, there);
    portability::CopyOptions o;
    o.slug = "acme";
    o.to = "back";
    try {
        portability::copy(at.ctx(), o);
        FAIL("a deleted tenant came back");
    } catch (const Refused& e) {
        CHECK(std::string(e.what()).find("purged there after it was deleted, not after a move away") != std::string::npos);
    }
    CHECK(there.query_value(row) == before);
    CHECK(corpus::row_count(corpus::snapshot_tenant(there, p, p.tenant_a)) == 0);
}
