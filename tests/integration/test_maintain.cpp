// maintain against the real server: --max-duration stopping a re-encryption between batches
// (resumed by the next run), the connection going away mid-run (exit 7, checkpoints kept),
// and a failing task not stopping the others.
#include <catch2/catch.hpp>

#include "core/keys/data_keys.hpp"
#include "core/maintain/maintain.hpp"
#include "tests/integration/keys_fixture.hpp"

using namespace tenantctl;

namespace {

struct Fixture {
    test::TestDatabase db;
    std::string acme;
    std::unique_ptr<test::TestContext> tc;
    Fixture() {
        test::create_app_tables(db);
        tc = std::make_unique<test::TestContext>(db, test::keys_config());
        acme = test::add_tenant(ctx(), "acme");
        test::insert_values(db, ctx(), acme, "acme", 30, 1);  // 85 encrypted values
        keys::rotate(ctx(), {std::string("acme"), false});    // now due for re-encryption
    }
    Context& ctx() { return tc->ctx(); }
    const maintain::Task& builtin(const std::string& name) {
        for (const auto& t : maintain::builtin_tasks())
            if (t.name == name) return t;
        FAIL("no task " << name);
        throw;
    }
    // A task that moves the test clock past any --max-duration deadline.
    maintain::Task time_passes() {
        return {"time-passes", "", false, [this](Context&, const maintain::Window&) {
                    tc->clock().advance(std::chrono::hours(1));
                    return maintain::Outcome{};
                }};
    }
    std::string running_jobs() {
        return db.query_value("SELECT count(*) FROM tenantctl.jobs WHERE kind = 'keys.reencrypt' AND state = 'running'");
    }
};

maintain::Options window(long batch) {
    maintain::Options o;
    o.max_duration = std::chrono::seconds(60);
    o.batch_size = batch;
    return o;
}

}  // namespace

TEST_CASE("maintain: --max-duration stops re-encryption between batches, the next run resumes", "[maintain]") {
    Fixture f;
    auto first = maintain::run(f.ctx(), window(10), {f.time_passes(), f.builtin("key-reencrypt")});
    REQUIRE(first.results.size() == 2);
    const auto& r1 = first.results[1].outcome;
    INFO(r1.detail);
    CHECK(r1.status == "partial");
    CHECK(r1.items > 0);
    CHECK(r1.items < 85);
    CHECK(r1.detail.find("the next run resumes acme") != std::string::npos);
    CHECK_FALSE(first.any_failed());
    CHECK(f.running_jobs() == "1");

    auto second = maintain::run(f.ctx(), {}, {f.builtin("key-reencrypt")});
    const auto& r2 = second.results[0].outcome;
    INFO(r2.detail);
    CHECK(r2.status == "ok");
    INFO(r1.items << " + " << r2.items);
    CHECK(r1.items + r2.items == 85);  // nothing re-encrypted twice, nothing left
    CHECK(f.running_jobs() == "0");

    auto third = maintain::run(f.ctx(), {}, {f.builtin("key-reencrypt")});
    CHECK(third.results[0].outcome.items == 0);
    CHECK(third.nothing_done());
}

TEST_CASE("maintain: the database going away stops the run with exit 7 and keeps checkpoints", "[maintain]") {
    Fixture f;
    bool later_task_ran = false;
    maintain::Task cut{"cut", "", true, [](Context& ctx, const maintain::Window&) {
                           pqxx::nontransaction tx(ctx.db());
                           tx.exec("SELECT pg_terminate_backend(pg_backend_pid())");
                           return maintain::Outcome{};
                       }};
    maintain::Task later{"later", "", true, [&](Context&, const maintain::Window&) {
                             later_task_ran = true;
                             return maintain::Outcome{};
                         }};
    try {
        maintain::run(f.ctx(), window(10), {f.time_passes(), f.builtin("key-reencrypt"), cut, later});
        FAIL("the run went on without its connection");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::db_unavailable);
    }
    CHECK_FALSE(later_task_ran);
    CHECK(f.running_jobs() == "1");  // the checkpoint of the stopped re-encryption stays

    f.ctx().reset_db();
    auto rerun = maintain::run(f.ctx(), {}, {f.builtin("key-reencrypt")});
    CHECK(rerun.results[0].outcome.status == "ok");
    CHECK(rerun.results[0].outcome.items > 0);
    INFO(rerun.results[0].outcome.detail);
    CHECK(rerun.results[0].outcome.items < 85);  // resumed, not restarted
    CHECK(f.running_jobs() == "0");
}

TEST_CASE("maintain: a failing task is a failed row and the next task still runs", "[maintain]") {
    Fixture f;
    maintain::Task broken{"broken", "", true, [](Context&, const maintain::Window&) -> maintain::Outcome {
                              throw Refused("something is in the way");
                          }};
    auto report = maintain::run(f.ctx(), {}, {broken, f.builtin("key-reencrypt")});
    REQUIRE(report.results.size() == 2);
    CHECK(report.results[0].outcome.status == "failed");
    CHECK(report.results[0].outcome.detail == "something is in the way");
    CHECK(report.results[1].outcome.status == "ok");
    CHECK(report.results[1].outcome.items == 85);
    CHECK(report.any_failed());
}
