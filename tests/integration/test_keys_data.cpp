// Integration: tenant data keys against the real server: rotate, status, re-encryption
// (resume, locks, bad tokens, composite keys, --all), retire and destroy.
#include <catch2/catch.hpp>

#include "core/crypto/envelope.hpp"
#include "core/errors.hpp"
#include "core/keys/data_keys.hpp"
#include "core/keys/reencrypt.hpp"
#include "tests/integration/keys_fixture.hpp"

using namespace tenantctl;
using test::exit_of;

namespace {

std::string q(const test::TestDatabase& db, const std::string& sql) { return db.query_value(sql); }

}  // namespace

TEST_CASE("rotate then reencrypt moves every value to the new key, keeping plaintext and timestamps",
          "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    const auto beta = test::add_tenant(ctx, "beta");
    test::insert_values(db, ctx, acme, "acme", 250, 1);
    test::insert_values(db, ctx, beta, "beta", 40, 100000);
    const auto before = test::decrypt_all(db, ctx, acme);
    const auto beta_before = q(db, "SELECT md5(string_agg(secret, ',' ORDER BY id)) FROM secrets WHERE tenant_id = '" + beta + "'");

    auto rotated = keys::rotate(ctx, keys::RotateOptions{"acme", false});
    REQUIRE(rotated.rows.size() == 1);
    CHECK(rotated.rows[0][1] == 1);
    CHECK(rotated.rows[0][2] == 2);
    CHECK(q(db, "SELECT state FROM tenantctl.tenant_keys WHERE tenant_id = '" + acme + "' AND version = 1") == "decrypt_only");

    // Status counts values per version and column before re-encryption.
    auto st = keys::status(ctx, keys::StatusOptions{"acme", true});
    REQUIRE(st.rows.size() == 2);
    CHECK(st.rows[0][1] == 2);
    CHECK(st.rows[0][5] == 0);
    CHECK(st.rows[1][1] == 1);
    CHECK(st.rows[1][5] == before.values);
    CHECK(st.rows[1][6]["public.secrets.secret"] == 250);
    CHECK(st.rows[1][6]["app.docs.body"] == 250);

    keys::ReencryptOptions o;
    o.tenant = "acme";
    o.batch_size = 64;  // several batches per table
    auto rec = keys::reencrypt(ctx, o);
    CHECK(rec.exit == Exit::ok);
    const auto& t0 = (*rec.document)["tenants"][0];
    CHECK(t0["reencrypted"] == before.values);
    CHECK(t0["undecryptable"] == 0);
    CHECK(t0["completed"] == true);

    const auto after = test::decrypt_all(db, ctx, acme);
    CHECK(after.values == before.values);
    CHECK(after.under_active == after.values);
    CHECK(after.checksum == before.checksum);
    CHECK(after.timestamps == before.timestamps);  // MultiFernet.rotate keeps the timestamp
    // The other tenant was not touched.
    CHECK(q(db, "SELECT md5(string_agg(secret, ',' ORDER BY id)) FROM secrets WHERE tenant_id = '" + beta + "'") ==
          beta_before);
    CHECK(q(db, "SELECT state FROM tenantctl.jobs WHERE kind = 'keys.reencrypt'") == "done");
    CHECK(q(db, "SELECT count(*) FROM tenantctl.audit_log WHERE action IN ('keys.rotate', 'keys.reencrypt')") == "2");
    // Audit events never carry key material.
    CHECK(q(db, "SELECT count(*) FROM tenantctl.audit_log WHERE metadata::text ~ 'wrapped|gAAAAA'") == "0");

    // A second run has nothing to do.
    auto again = keys::reencrypt(ctx, o);
    CHECK((*again.document)["tenants"][0]["reencrypted"] == 0);
    CHECK((*again.document)["tenants"][0]["current"] == before.values);

    // Now version 1 can be retired, then destroyed.
    auto retired = keys::retire(ctx, "acme", 1);
    CHECK(retired.rows[0][2] == "retired");
    GlobalOptions yes;
    yes.yes = true;
    test::TestContext tc_yes(db, test::keys_config(), yes);
    keys::destroy(tc_yes.ctx(), "acme", 1, false);
    CHECK(q(db, "SELECT state || ':' || (wrapped_key IS NULL)::text FROM tenantctl.tenant_keys WHERE tenant_id = '" + acme +
                    "' AND version = 1") == "destroyed:true");
    CHECK(test::decrypt_all(db, ctx, acme).checksum == before.checksum);
}

TEST_CASE("retire and destroy refuse what would lose data", "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    test::insert_values(db, ctx, acme, "acme", 20, 1);
    keys::rotate(ctx, keys::RotateOptions{"acme", false});
    const auto keys_before = q(db, "SELECT md5(string_agg(version || state || encode(wrapped_key, 'hex'), ',' ORDER BY version)) "
                                   "FROM tenantctl.tenant_keys");

    CHECK(exit_of([&] { keys::retire(ctx, "acme", 2); }) == Exit::refused);   // active
    CHECK(exit_of([&] { keys::retire(ctx, "acme", 1); }) == Exit::refused);   // still used
    CHECK(exit_of([&] { keys::retire(ctx, "acme", 9); }) == Exit::not_found);
    CHECK(exit_of([&] { keys::retire(ctx, "nope", 1); }) == Exit::not_found);
    CHECK(exit_of([&] { keys::destroy(ctx, "acme", 2, true); }) == Exit::refused);  // active, even forced
    CHECK(exit_of([&] { keys::destroy(ctx, "acme", 1, false); }) == Exit::refused);  // still used
    // Forced, but stdin is not a terminal and there is no --yes: aborted.
    CHECK(exit_of([&] { keys::destroy(ctx, "acme", 1, true); }) == Exit::aborted);
    CHECK(q(db, "SELECT md5(string_agg(version || state || encode(wrapped_key, 'hex'), ',' ORDER BY version)) "
                "FROM tenantctl.tenant_keys") == keys_before);
    CHECK(q(db, "SELECT count(*) FROM tenantctl.audit_log WHERE action IN ('keys.retire', 'keys.destroy')") == "0");
}

TEST_CASE("values that do not decrypt are reported, left untouched, and make exit 8", "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    const auto beta = test::add_tenant(ctx, "beta");
    test::insert_values(db, ctx, acme, "acme", 30, 1);
    auto other = test::active_key(ctx, beta);
    const std::string foreign = crypto::fernet_encrypt(other, "beta's secret", 1700000000);
    std::string tampered = q(db, "SELECT secret FROM secrets WHERE id = 5");
    tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
    db.exec("UPDATE secrets SET secret = left(secret, 30) WHERE id = 2");                   // truncated
    db.exec("UPDATE secrets SET secret = 'not base64 at all!' WHERE id = 3");               // not base64
    db.exec("UPDATE secrets SET secret = '" + foreign + "' WHERE id = 4");                  // other tenant's key
    db.exec("UPDATE secrets SET secret = '" + tampered + "' WHERE id = 5");                 // tampered
    const auto bad_before = q(db, "SELECT string_agg(secret, ',' ORDER BY id) FROM secrets WHERE id BETWEEN 2 AND 5");
    keys::rotate(ctx, keys::RotateOptions{"acme", false});

    keys::ReencryptOptions o;
    o.tenant = "acme";
    o.batch_size = 7;
    auto rec = keys::reencrypt(ctx, o);
    CHECK(rec.exit == Exit::integrity);
    const auto& t0 = (*rec.document)["tenants"][0];
    CHECK(t0["undecryptable"] == 4);
    REQUIRE(t0["failures"].size() == 4);
    CHECK(t0["failures"][0]["table"] == "public.secrets");
    CHECK(t0["failures"][0]["column"] == "secret");
    CHECK(t0["failures"][0]["pk"] == "2");
    CHECK(t0["failures"][3]["pk"] == "5");
    CHECK(tc.log_text().find("primary key 3 does not decrypt") != std::string::npos);
    // Untouched, and everything else moved.
    CHECK(q(db, "SELECT string_agg(secret, ',' ORDER BY id) FROM secrets WHERE id BETWEEN 2 AND 5") == bad_before);
    auto d = test::decrypt_all(db, ctx, acme);
    CHECK(d.undecryptable == 4);
    CHECK(d.under_active == d.values - 4);
    // Status shows them too, with exit 8.
    auto st = keys::status(ctx, keys::StatusOptions{"acme", true});
    CHECK(st.exit == Exit::integrity);
    CHECK(st.rows.back()[2] == "undecryptable");
    CHECK(st.rows.back()[5] == 4);
}

TEST_CASE("an interrupted re-encryption resumes from its checkpoint", "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    test::insert_values(db, ctx, acme, "acme", 100, 1);
    const auto before = test::decrypt_all(db, ctx, acme);
    keys::rotate(ctx, keys::RotateOptions{"acme", false});

    pqxx::work lookup(ctx.db());
    auto t = tenants::resolve(ctx, lookup, "acme");
    lookup.commit();
    keys::ReencryptOptions o;
    o.batch_size = 30;
    o.deadline = ctx.now();  // stop after the first batch, as maintain --max-duration would
    auto first = keys::reencrypt_tenant(ctx, t, o);
    CHECK_FALSE(first.completed);
    CHECK(first.reencrypted == 30);  // app.docs comes first; its key is (tenant_id, id)
    CHECK(q(db, "SELECT state || ' ' || (cursor->>'table') || ' ' || (cursor->'after'->>1) FROM tenantctl.jobs") ==
          "running app.docs 30");
    o.deadline.reset();
    auto second = keys::reencrypt_tenant(ctx, t, o);
    CHECK(second.resumed);
    CHECK(second.completed);
    CHECK(second.job_id == first.job_id);
    CHECK(second.reencrypted == before.values);  // counts carry over from the first run
    auto after = test::decrypt_all(db, ctx, acme);
    CHECK(after.under_active == after.values);
    CHECK(after.checksum == before.checksum);

    // A rotation in between makes the next run a new job (the old one is superseded).
    keys::rotate(ctx, keys::RotateOptions{"acme", false});
    o.deadline = ctx.now();
    keys::reencrypt_tenant(ctx, t, o);
    keys::rotate(ctx, keys::RotateOptions{"acme", false});
    o.deadline.reset();
    auto fresh = keys::reencrypt_tenant(ctx, t, o);
    CHECK_FALSE(fresh.resumed);
    CHECK(q(db, "SELECT string_agg(state, ',' ORDER BY started_at) FROM tenantctl.jobs") == "done,cancelled,done");
    CHECK(test::decrypt_all(db, ctx, acme).under_active == before.values);
}

TEST_CASE("a second re-encryption of the same tenant reports busy", "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    const auto acme = test::add_tenant(tc.ctx(), "acme");
    auto held = tc->lock("keys:reencrypt:" + acme);  // as if another run were going
    test::TestContext second(db, test::keys_config());
    keys::ReencryptOptions o;
    o.tenant = "acme";
    CHECK(exit_of([&] { keys::reencrypt(second.ctx(), o); }) == Exit::busy);
    CHECK(q(db, "SELECT count(*) FROM tenantctl.jobs") == "0");
}

TEST_CASE("a wrong master key is detected before anything is written", "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    const auto acme = test::add_tenant(tc.ctx(), "acme");
    test::insert_values(db, tc.ctx(), acme, "acme", 10, 1);
    const auto snapshot = q(db, "SELECT md5(string_agg(secret, ',' ORDER BY id)) FROM secrets");
    test::TestContext wrong(db, test::keys_config());
    wrong->set_master_key(crypto::master_key_from_bytes(crypto::SecureBytes(std::string(32, 'x'))));
    CHECK(exit_of([&] { keys::rotate(wrong.ctx(), keys::RotateOptions{"acme", false}); }) == Exit::integrity);
    keys::ReencryptOptions o;
    o.tenant = "acme";
    CHECK(exit_of([&] { keys::reencrypt(wrong.ctx(), o); }) == Exit::integrity);
    CHECK(exit_of([&] { keys::status(wrong.ctx(), keys::StatusOptions{"acme", true}); }) == Exit::integrity);
    CHECK(q(db, "SELECT count(*) FROM tenantctl.tenant_keys") == "1");
    CHECK(q(db, "SELECT count(*) FROM tenantctl.jobs") == "0");
    CHECK(q(db, "SELECT md5(string_agg(secret, ',' ORDER BY id)) FROM secrets") == snapshot);
}

TEST_CASE("rotate and reencrypt with --all carry on past a failing tenant and report a partial failure", "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto a = test::add_tenant(ctx, "alpha");
    const auto b = test::add_tenant(ctx, "bravo");
    const auto c = test::add_tenant(ctx, "charlie");
    test::insert_values(db, ctx, a, "alpha", 10, 1);
    test::insert_values(db, ctx, c, "charlie", 10, 1000);
    // bravo's wrapped key is corrupt.
    db.exec("UPDATE tenantctl.tenant_keys SET wrapped_key = set_byte(wrapped_key, 20, get_byte(wrapped_key, 20) # 1) "
            "WHERE tenant_id = '" + b + "'");
    auto rotated = keys::rotate(ctx, keys::RotateOptions{std::nullopt, true});
    CHECK(rotated.exit == Exit::partial);
    CHECK(q(db, "SELECT max(version) FROM tenantctl.tenant_keys WHERE tenant_id = '" + a + "'") == "2");
    CHECK(q(db, "SELECT max(version) FROM tenantctl.tenant_keys WHERE tenant_id = '" + b + "'") == "1");
    CHECK(q(db, "SELECT max(version) FROM tenantctl.tenant_keys WHERE tenant_id = '" + c + "'") == "2");

    keys::ReencryptOptions o;
    o.all = true;
    auto rec = keys::reencrypt(ctx, o);
    CHECK(rec.exit == Exit::partial);
    CHECK((*rec.document)["totals"]["failed_tenants"] == 1);
    CHECK(test::decrypt_all(db, ctx, a).under_active == 10 + 8 + 10);
    CHECK(test::decrypt_all(db, ctx, c).under_active == 10 + 8 + 10);
}

TEST_CASE("dry runs change nothing", "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    const auto acme = test::add_tenant(tc.ctx(), "acme");
    test::insert_values(db, tc.ctx(), acme, "acme", 10, 1);
    keys::rotate(tc.ctx(), keys::RotateOptions{"acme", false});
    GlobalOptions g;
    g.dry_run = true;
    test::TestContext dry(db, test::keys_config(), g);
    const auto snapshot = q(db, "SELECT md5(string_agg(secret, ',' ORDER BY id)) FROM secrets");
    auto rotated = keys::rotate(dry.ctx(), keys::RotateOptions{"acme", false});
    CHECK(rotated.rows[0][2] == 3);
    keys::ReencryptOptions o;
    o.tenant = "acme";
    auto rec = keys::reencrypt(dry.ctx(), o);
    CHECK((*rec.document)["tenants"][0]["reencrypted"] == 28);
    CHECK(q(db, "SELECT count(*) FROM tenantctl.tenant_keys") == "2");
    CHECK(q(db, "SELECT count(*) FROM tenantctl.jobs") == "0");
    CHECK(q(db, "SELECT md5(string_agg(secret, ',' ORDER BY id)) FROM secrets") == snapshot);
}
