// The data model on shapes our first tests did not have: a time-partitioned table written in
// one transaction (ctid and xmin repeat across partitions), a bigint tenancy column, and an
// owner under FORCE ROW LEVEL SECURITY whose policy reads another setting.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "core/crypto/fernet.hpp"
#include "core/keys/data_keys.hpp"
#include "core/keys/reencrypt.hpp"
#include "core/model/tenant_data.hpp"
#include "core/tenants/apply.hpp"
#include "core/tenants/create.hpp"
#include "core/tenants/lifecycle.hpp"
#include "core/tenants/manifest.hpp"
#include "core/tenants/purge.hpp"
#include "core/tenants/show.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
using tenantctl::test::exit_of;

namespace {

config::Config events_config() {
    config::Config cfg;
    config::TableConfig events;
    events.table = config::parse_qualified_name("events");
    events.encrypted = {"payload"};
    cfg.data.tables = {events};
    return cfg;
}

// Monthly RANGE partitions, bigint tenancy, primary key (tenant_id, id, at).
void create_events(const test::TestDatabase& db) {
    db.exec(R"SQL(
CREATE TABLE public.events (tenant_id bigint NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL, payload text,
                            PRIMARY KEY (tenant_id, id, at)) PARTITION BY RANGE (at);
CREATE TABLE public.events_2026_01 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE public.events_2026_02 PARTITION OF public.events FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
CREATE TABLE public.events_2026_03 PARTITION OF public.events FOR VALUES FROM ('2026-03-01') TO ('2026-04-01');
ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.events USING (tenant_id = current_setting('app.tenant_id')::bigint);
)SQL");
}

// `n` rows per tenant per partition, all in ONE transaction, so the first row of each
// partition has the same ctid and every row the same xmin.
void seed_events(const test::TestDatabase& db, Context& ctx, const std::map<std::string, std::string>& tenant_ids, int n) {
    std::map<std::string, crypto::FernetKey> keys_of;
    for (const auto& [key, id] : tenant_ids) {
        pqxx::work ktx(ctx.db());
        keys_of.emplace(key, keys::load_keyring(ctx, ktx, id).keys.front().key);
    }
    pqxx::connection c(db.conninfo());
    pqxx::work tx(c);
    for (int month = 1; month <= 3; ++month)
        for (const auto& [key, fk] : keys_of) {
            for (int i = 0; i < n; ++i)
                tx.exec_params("INSERT INTO public.events VALUES ($1::bigint, $2, $3::timestamptz, $4)", key, i,
                               fmt::format("2026-{:02}-1{} 10:00:00Z", month, i % 9),
                               crypto::fernet_encrypt(fk, fmt::format("t{}-m{}-i{}", key, month, i), 1700000000));
        }
    tx.commit();
}

tenants::NewTenant with_key(std::string slug, std::string key) {
    tenants::NewTenant t;
    t.slug = std::move(slug);
    t.tenancy_key = std::move(key);
    return t;
}

}  // namespace

TEST_CASE("reencryption of a time-partitioned table keeps every value in its own row", "[integration][model][keys]") {
    test::TestDatabase db;
    create_events(db);
    test::TestContext tc(db, events_config());
    tenants::create(tc.ctx(), with_key("acme", "1"), false);
    tenants::create(tc.ctx(), with_key("globex", "2"), false);
    const std::string acme = db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'acme'");
    const std::string globex = db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'globex'");
    seed_events(db, tc.ctx(), {{"1", acme}, {"2", globex}}, 7);
    // The corruption needs repeated tuple ids: make sure the shape has them.
    REQUIRE(db.query_value("SELECT count(*) > count(DISTINCT ctid) FROM public.events") == "t");
    const std::string globex_before = db.query_value("SELECT md5(string_agg(payload, ',' ORDER BY id, at)) FROM events "
                                                     "WHERE tenant_id = 2");

    keys::rotate(tc.ctx(), keys::RotateOptions{"acme", false});
    keys::ReencryptOptions o;
    o.tenant = "acme";
    o.batch_size = 4;  // batches that end inside and across partitions
    auto rec = keys::reencrypt(tc.ctx(), o);
    REQUIRE(rec.exit == Exit::ok);
    CHECK((*rec.document)["tenants"][0]["reencrypted"] == 21);

    // Every value decrypts under the new key to the plaintext of its own row.
    const crypto::FernetKey active = [&] {
        pqxx::work tx(tc->db());
        return keys::load_keyring(tc.ctx(), tx, acme).keys.front().key;
    }();
    pqxx::connection c(db.conninfo());
    pqxx::work tx(c);
    int checked = 0;
    for (const auto& r : tx.exec("SELECT id, extract(month FROM at AT TIME ZONE 'UTC')::int, payload FROM events "
                                 "WHERE tenant_id = 1")) {
        REQUIRE(crypto::fernet_verify(active, r[2].c_str()));
        CHECK(crypto::fernet_decrypt(active, r[2].c_str()).plaintext.view() ==
              fmt::format("t1-m{}-i{}", r[1].as<int>(), r[0].as<int>()));
        ++checked;
    }
    CHECK(checked == 21);
    CHECK(db.query_value("SELECT md5(string_agg(payload, ',' ORDER BY id, at)) FROM events WHERE tenant_id = 2") ==
          globex_before);
}

TEST_CASE("a run with nothing to re-encrypt writes no job and no audit event", "[integration][model][keys]") {
    test::TestDatabase db;
    create_events(db);
    test::TestContext tc(db, events_config());
    tenants::create(tc.ctx(), with_key("acme", "1"), false);
    const std::string acme = db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'acme'");
    seed_events(db, tc.ctx(), {{"1", acme}}, 3);
    const std::string events_before = db.query_value("SELECT count(*) FROM tenantctl.audit_log");
    keys::ReencryptOptions o;
    o.all = true;
    for (int run = 0; run < 2; ++run) {
        auto rec = keys::reencrypt(tc.ctx(), o);
        CHECK(rec.exit == Exit::ok);
    }
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs") == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log") == events_before);
}

TEST_CASE("a bigint tenancy column: create needs --key, show and purge use it", "[integration][model][tenants]") {
    test::TestDatabase db;
    create_events(db);
    test::TestContext tc(db, events_config());
    CHECK(exit_of([&] {
              tenants::NewTenant t;
              t.slug = "nokey";
              tenants::create(tc.ctx(), t, false);
          }) == Exit::refused);
    CHECK(exit_of([&] { tenants::create(tc.ctx(), with_key("badkey", "12x"), false); }) == Exit::usage);
    tenants::create(tc.ctx(), with_key("acme", " 007"), false);
    CHECK(db.query_value("SELECT tenancy_key FROM tenantctl.tenants WHERE slug = 'acme'") == "7");
    tenants::create(tc.ctx(), with_key("globex", "8"), false);
    const std::string acme = db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'acme'");
    const std::string globex = db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'globex'");
    seed_events(db, tc.ctx(), {{"7", acme}, {"8", globex}}, 5);
    const std::string globex_before =
        db.query_value("SELECT md5(string_agg(e::text, ',' ORDER BY id, at)) FROM events e WHERE tenant_id = 8");

    auto doc = tenants::show(tc.ctx(), "acme", 5);
    CHECK(doc["row_counts"]["public.events"] == 15);
    CHECK(doc["tenancy_key"] == "7");

    tenants::PurgeOptions po;
    po.force = true;
    po.batch_size = 4;
    auto r = tenants::purge(tc.ctx(), "acme", po);
    CHECK(r.outcome == "purged");
    CHECK(r.rows_deleted == 15);
    CHECK(db.query_value("SELECT count(*) FROM events WHERE tenant_id = 7") == "0");
    CHECK(db.query_value("SELECT md5(string_agg(e::text, ',' ORDER BY id, at)) FROM events e WHERE tenant_id = 8") ==
          globex_before);
}

TEST_CASE("an owner bound by FORCE RLS with a policy on another setting: purge and reencrypt refuse, nothing changes",
          "[integration][model][tenants][keys]") {
    test::TestDatabase db;
    const std::string role = db.name() + "_own";
    db.exec("CREATE ROLE \"" + role + "\" LOGIN NOSUPERUSER NOBYPASSRLS");
    db.exec(R"SQL(
CREATE TABLE public.notes (tenant_id uuid NOT NULL, id int NOT NULL, body text, PRIMARY KEY (tenant_id, id));
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.notes FORCE ROW LEVEL SECURITY;
CREATE POLICY by_current_tenant ON public.notes USING (tenant_id::text = current_setting('app.current_tenant', true));
)SQL");
    db.exec("ALTER TABLE public.notes OWNER TO \"" + role + "\"");
    db.exec("GRANT ALL ON SCHEMA tenantctl TO \"" + role + "\"; GRANT ALL ON ALL TABLES IN SCHEMA tenantctl TO \"" + role +
            "\"; GRANT ALL ON ALL SEQUENCES IN SCHEMA tenantctl TO \"" + role + "\"");
    config::Config cfg;
    config::TableConfig notes;
    notes.table = config::parse_qualified_name("notes");
    notes.encrypted = {"body"};
    cfg.data.tables = {notes};
    test::TestContext setup(db, cfg);
    tenants::NewTenant t;
    t.slug = "acme";
    tenants::create(setup.ctx(), t, false);
    const std::string acme = db.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'acme'");
    db.exec("INSERT INTO public.notes SELECT '" + acme + "', g, 'x' FROM generate_series(1, 5) g");

    test::TestContext owner(db, cfg);
    owner->set_conninfo(db::ConnInfo{db.conninfo() + " user=" + role, "test owner"});
    tenants::PurgeOptions po;
    po.force = true;
    CHECK(exit_of([&] { tenants::purge(owner.ctx(), "acme", po); }) == Exit::refused);
    CHECK(db.query_value("SELECT count(*) FROM public.notes") == "5");
    CHECK(db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs") == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys WHERE state = 'active'") == "1");
    keys::ReencryptOptions o;
    o.tenant = "acme";
    CHECK(exit_of([&] { keys::reencrypt(owner.ctx(), o); }) == Exit::refused);
    // Restore still works: nothing was started.
    tenants::TransitionOptions del;
    del.grace = util::parse_duration("30d");
    tenants::change_status(setup.ctx(), "acme", tenants::Transition::remove, del);
    CHECK(tenants::change_status(setup.ctx(), "acme", tenants::Transition::restore, {}).changed);
}

TEST_CASE("tenant apply on a bigint tenancy column: `key:` in the manifest, required, exact and fixed",
          "[integration][model][tenants]") {
    test::TestDatabase db;
    create_events(db);
    test::TestContext tc(db, events_config());
    auto apply = [&](const std::string& yaml) {
        return tenants::apply(tc.ctx(), tenants::parse_manifest(yaml, "t.yaml"), {"t.yaml"});
    };
    // Without a key nothing could tie the tenant to its rows: refused before anything is written.
    CHECK(exit_of([&] { apply("tenants:\n  - slug: acme\n"); }) == Exit::refused);
    CHECK(exit_of([&] { apply("tenants:\n  - slug: acme\n    key: forty-two\n"); }) == Exit::usage);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenants") == "0");

    auto r = apply("tenants:\n  - slug: acme\n    key: 9007199254740993\n  - slug: globex\n    key: 2\n");
    CHECK(r.applied);
    // Past 2^53: a double would have made it ...992.
    CHECK(db.query_value("SELECT string_agg(slug || '=' || tenancy_key, ',' ORDER BY slug) FROM tenantctl.tenants") ==
          "acme=9007199254740993,globex=2");
    // Re-applied: nothing to do; a different key is refused and nothing changes.
    CHECK_FALSE(apply("tenants:\n  - slug: acme\n    key: 9007199254740993\n  - slug: globex\n    key: 2\n").applied);
    CHECK(exit_of([&] { apply("tenants:\n  - slug: acme\n    key: 3\n  - slug: globex\n    key: 2\n"); }) ==
          Exit::refused);
    CHECK(db.query_value("SELECT tenancy_key FROM tenantctl.tenants WHERE slug = 'acme'") == "9007199254740993");
}
