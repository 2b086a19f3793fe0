// Integration: master-key rotation (rewrap), verify, JWT signing keys and API keys.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/audit/chain.hpp"
#include "core/crypto/api_key.hpp"
#include "core/crypto/master_key.hpp"
#include "core/errors.hpp"
#include "core/keys/api_keys.hpp"
#include "core/keys/rewrap.hpp"
#include "core/keys/signing_keys.hpp"
#include "tests/integration/keys_fixture.hpp"

using namespace tenantctl;
using test::exit_of;

namespace {

std::string q(const test::TestDatabase& db, const std::string& sql) { return db.query_value(sql); }

const char* kNewKeyVar = "TENANTCTL_TEST_NEW_MASTER_KEY";

}  // namespace

TEST_CASE("rewrap moves every wrapped key to the new master key in one go", "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    test::add_tenant(ctx, "beta");
    keys::rotate(ctx, keys::RotateOptions{"acme", false});
    keys::jwt_rotate(ctx, std::string("ES256"));
    test::insert_values(db, ctx, acme, "acme", 5, 1);
    const auto before = test::decrypt_all(db, ctx, acme);
    // A sealed audit chain: acme's and the platform's audit keys exist, wrapped by the old key.
    db.exec("INSERT INTO tenantctl.audit_log (tenant_id, actor_id, action) VALUES ('" + acme +
            "', 'user-1', 'user.login'), ('" + acme + "', 'user-2', 'user.login')");
    audit::SealOptions seal;
    seal.settle = {};
    audit::seal(ctx, seal);
    const auto audit_keys_before = q(db, "SELECT count(*) FROM tenantctl.audit_keys");
    REQUIRE(audit_keys_before != "0");
    const auto audit_plain_before = q(db, "SELECT md5(string_agg(encode(wrapped_key, 'hex'), ',')) FROM tenantctl.audit_keys");
    auto verify_acme = [](Context& c) {
        audit::VerifyOptions v;
        v.scope.tenant_slug = "acme";
        return audit::verify(c, v).at(0);
    };

    const std::string new_key = crypto::generate_master_key_base64();
    ::setenv(kNewKeyVar, new_key.c_str(), 1);
    auto out = keys::rewrap(ctx, std::string("env:") + kNewKeyVar);
    CHECK(out.rows[0][1] == 3);
    CHECK(out.rows[1][1] == 1);
    CHECK(out.rows[2][0] == "audit_keys");
    CHECK(std::to_string(out.rows[2][1].get<long long>()) == audit_keys_before);
    const auto new_id = crypto::load_master_key(std::string("env:") + kNewKeyVar).id;
    CHECK(q(db, "SELECT string_agg(DISTINCT kek_id, ',') FROM tenantctl.tenant_keys") == new_id);
    CHECK(q(db, "SELECT kek_id FROM tenantctl.signing_keys") == new_id);
    CHECK(q(db, "SELECT string_agg(DISTINCT kek_id, ',') FROM tenantctl.audit_keys") == new_id);
    CHECK(q(db, "SELECT md5(string_agg(encode(wrapped_key, 'hex'), ',')) FROM tenantctl.audit_keys") !=
          audit_plain_before);
    CHECK(q(db, "SELECT metadata->>'to_kek' FROM tenantctl.audit_log WHERE action = 'keys.rewrap'") == new_id);

    // The old master key is now refused (exit 8); the new one opens everything.
    CHECK(exit_of([&] { keys::status(ctx, keys::StatusOptions{"acme", true}); }) == Exit::integrity);
    test::TestContext renewed(db, test::keys_config());
    renewed->set_master_key(crypto::load_master_key(std::string("env:") + kNewKeyVar));
    CHECK(test::decrypt_all(db, renewed.ctx(), acme).checksum == before.checksum);
    auto v = keys::verify(renewed.ctx(), keys::VerifyOptions{std::nullopt, 0, true});
    CHECK(v.exit == Exit::ok);
    std::size_t audit_rows = 0;
    for (const auto& row : v.rows) audit_rows += row[0] == "audit_key" && row[2] == "ok";
    CHECK(std::to_string(audit_rows) == audit_keys_before);
    // The same commitment key, re-wrapped: the chain sealed under the old master key verifies
    // under the new one, and the old one is refused (exit 8) instead of reporting tampering.
    CHECK(verify_acme(renewed.ctx()).status == "ok");
    CHECK(verify_acme(renewed.ctx()).verified >= 2);
    CHECK(exit_of([&] { verify_acme(ctx); }) == Exit::integrity);
    CHECK(keys::verify(ctx, keys::VerifyOptions{}).exit == Exit::integrity);
    // Running it again under the new key is harmless.
    auto again = keys::rewrap(renewed.ctx(), std::string("env:") + kNewKeyVar);
    CHECK(again.rows[0][1] == 0);
    CHECK(again.rows[2][1] == 0);
    ::unsetenv(kNewKeyVar);
}

TEST_CASE("rewrap changes nothing when a wrapped key is corrupt or the new key is bad", "[integration][keys]") {
    test::TestDatabase db;
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    test::add_tenant(ctx, "acme");
    const auto beta = test::add_tenant(ctx, "beta");
    const auto snapshot = q(db, "SELECT md5(string_agg(encode(wrapped_key, 'hex') || kek_id, ',' ORDER BY tenant_id)) "
                                "FROM tenantctl.tenant_keys");
    // Bad new master keys: missing, short, not base64.
    ::setenv(kNewKeyVar, "c2hvcnQ=", 1);
    CHECK(exit_of([&] { keys::rewrap(ctx, std::string("env:") + kNewKeyVar); }) == Exit::usage);
    ::setenv(kNewKeyVar, "!!!not base64!!!", 1);
    CHECK(exit_of([&] { keys::rewrap(ctx, std::string("env:") + kNewKeyVar); }) == Exit::usage);
    ::unsetenv(kNewKeyVar);
    CHECK(exit_of([&] { keys::rewrap(ctx, std::string("env:") + kNewKeyVar); }) == Exit::usage);
    CHECK(exit_of([&] { keys::rewrap(ctx, "literal-key-on-the-command-line"); }) == Exit::usage);

    db.exec("UPDATE tenantctl.tenant_keys SET wrapped_key = substring(wrapped_key FROM 1 FOR 20) WHERE tenant_id = '" +
            beta + "'");
    const auto corrupted = q(db, "SELECT md5(string_agg(encode(wrapped_key, 'hex') || kek_id, ',' ORDER BY tenant_id)) "
                                 "FROM tenantctl.tenant_keys");
    CHECK(corrupted != snapshot);
    ::setenv(kNewKeyVar, crypto::generate_master_key_base64().c_str(), 1);
    CHECK(exit_of([&] { keys::rewrap(ctx, std::string("env:") + kNewKeyVar); }) == Exit::integrity);
    ::unsetenv(kNewKeyVar);
    CHECK(q(db, "SELECT md5(string_agg(encode(wrapped_key, 'hex') || kek_id, ',' ORDER BY tenant_id)) "
                "FROM tenantctl.tenant_keys") == corrupted);
    // verify names the broken key.
    auto v = keys::verify(ctx, keys::VerifyOptions{});
    CHECK(v.exit == Exit::integrity);
    bool named = false;
    for (const auto& row : v.rows) named |= row[1] == "beta/v1" && row[2] == "fail";
    CHECK(named);
}

TEST_CASE("rewrap changes nothing when an audit key is corrupt, and verify names it", "[integration][keys][audit]") {
    test::TestDatabase db;
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    const auto beta = test::add_tenant(ctx, "beta");
    db.exec("INSERT INTO tenantctl.audit_log (tenant_id, actor_id, action) VALUES ('" + acme + "', 'u', 'user.login'), ('" +
            beta + "', 'u', 'user.login')");
    audit::SealOptions seal;
    seal.settle = {};
    audit::seal(ctx, seal);
    // beta's wrapped audit key copied onto acme's row: authentic bytes, wrong AAD.
    db.exec("UPDATE tenantctl.audit_keys SET wrapped_key = (SELECT wrapped_key FROM tenantctl.audit_keys WHERE "
            "tenant_id = '" + beta + "') WHERE tenant_id = '" + acme + "'");
    const auto snapshot = [&] {
        return q(db, "SELECT md5(string_agg(encode(wrapped_key, 'hex') || kek_id, ',' ORDER BY tenant_id)) FROM "
                     "tenantctl.audit_keys") +
               q(db, "SELECT md5(string_agg(encode(wrapped_key, 'hex') || kek_id, ',' ORDER BY tenant_id)) FROM "
                     "tenantctl.tenant_keys");
    };
    const auto before = snapshot();
    ::setenv(kNewKeyVar, crypto::generate_master_key_base64().c_str(), 1);
    try {
        keys::rewrap(ctx, std::string("env:") + kNewKeyVar);
        FAIL("rewrap accepted a corrupt audit key");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::integrity);
        CHECK(std::string(e.what()).find("audit key of tenant " + acme + " does not unwrap") != std::string::npos);
    }
    ::unsetenv(kNewKeyVar);
    CHECK(snapshot() == before);
    auto v = keys::verify(ctx, keys::VerifyOptions{});
    CHECK(v.exit == Exit::integrity);
    bool named = false;
    for (const auto& row : v.rows) named |= row[0] == "audit_key" && row[1] == "acme" && row[2] == "fail";
    CHECK(named);
}

TEST_CASE("verify decrypts sampled or all values and reports tampering", "[integration][keys]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    test::insert_values(db, ctx, acme, "acme", 50, 1);
    CHECK(keys::verify(ctx, keys::VerifyOptions{"acme", 10, false}).exit == Exit::ok);
    CHECK(keys::verify(ctx, keys::VerifyOptions{"acme", 0, true}).exit == Exit::ok);
    db.exec("UPDATE app.docs SET body = 'gAAAAAB' || substring(body FROM 8) WHERE id = 3");
    db.exec("UPDATE app.docs SET body = overlay(body PLACING 'zz' FROM 30) WHERE id = 4");
    auto v = keys::verify(ctx, keys::VerifyOptions{"acme", 0, true});
    CHECK(v.exit == Exit::integrity);
    bool found = false;
    for (const auto& row : v.rows)
        if (row[1] == "acme:app.docs.body") {
            found = true;
            CHECK(row[2] == "fail");
            CHECK(row[3].get<std::string>().find("of 50 value(s) do not decrypt") != std::string::npos);
        }
    CHECK(found);
    CHECK(exit_of([&] { keys::verify(ctx, keys::VerifyOptions{"acme", 5, true}); }) == Exit::usage);
}

TEST_CASE("JWT keys go next -> active -> retiring -> retired with a JWKS that follows", "[integration][keys][jwt]") {
    test::TestDatabase db;
    config::Config cfg = test::keys_config();
    test::TestContext tc(db, cfg);
    auto& ctx = tc.ctx();

    // The first key is active at once: there is nothing to overlap with.
    auto first = keys::jwt_rotate(ctx, std::nullopt);
    const std::string k1 = first.rows[0][0];
    CHECK(first.rows[0][1] == "RS256");
    CHECK(first.rows[0][2] == "active");
    // The next one is published but does not sign.
    auto second = keys::jwt_rotate(ctx, std::string("ES256"));
    const std::string k2 = second.rows[0][0];
    CHECK(second.rows[0][2] == "next");
    CHECK(exit_of([&] { keys::jwt_rotate(ctx, std::nullopt); }) == Exit::refused);  // one next at a time
    {
        pqxx::work tx(ctx.db());
        auto set = keys::jwks_document(ctx, tx);
        REQUIRE(set["keys"].size() == 2);
        CHECK(set["keys"][0]["kid"] == k1);
        CHECK(set["keys"][1]["kid"] == k2);
        CHECK(keys::load_active_signing_key(ctx, tx).thumbprint() == k1);
    }
    // Too fresh to activate without --force; unknown kid; the active key cannot retire.
    CHECK(exit_of([&] { keys::jwt_activate(ctx, k2, false, false); }) == Exit::refused);
    CHECK(exit_of([&] { keys::jwt_activate(ctx, "no-such-kid", false, false); }) == Exit::not_found);
    CHECK(exit_of([&] { keys::jwt_retire(ctx, "no-such-kid"); }) == Exit::not_found);
    CHECK(exit_of([&] { keys::jwt_retire(ctx, k1); }) == Exit::refused);

    tc.clock().advance(std::chrono::minutes(6));
    keys::jwt_activate(ctx, k2, false, false);
    CHECK(q(db, "SELECT state FROM tenantctl.signing_keys WHERE kid = '" + k1 + "'") == "retiring");
    CHECK(q(db, "SELECT round(extract(epoch FROM retire_after - retiring_at))::int FROM tenantctl.signing_keys WHERE kid = '" +
                    k1 + "'") == std::to_string(7 * 86400));
    {
        pqxx::work tx(ctx.db());
        auto key = keys::load_active_signing_key(ctx, tx);
        CHECK(key.thumbprint() == k2);
        const std::string token = key.sign_jwt(nullptr, {{"sub", "u1"}});
        auto set = keys::jwks_document(ctx, tx);
        REQUIRE(set["keys"].size() == 2);  // active + retiring
        CHECK(crypto::verify_jwt(token, set["keys"][0]));
    }
    // After the refresh-token lifetime the retiring key leaves the JWKS and is swept.
    tc.clock().advance(std::chrono::hours(24 * 7 + 1));
    {
        pqxx::work tx(ctx.db());
        CHECK(keys::jwks_document(ctx, tx)["keys"].size() == 1);
    }
    auto third = keys::jwt_rotate(ctx, std::nullopt);
    CHECK(q(db, "SELECT state FROM tenantctl.signing_keys WHERE kid = '" + k1 + "'") == "retired");

    // Emergency: activate at once and drop the leaked key from the JWKS.
    const std::string k3 = third.rows[0][0];
    keys::jwt_activate(ctx, k3, true, true);
    CHECK(q(db, "SELECT state FROM tenantctl.signing_keys WHERE kid = '" + k2 + "'") == "retired");
    {
        pqxx::work tx(ctx.db());
        auto set = keys::jwks_document(ctx, tx);
        REQUIRE(set["keys"].size() == 1);
        CHECK(set["keys"][0]["kid"] == k3);
    }
    CHECK(q(db, "SELECT count(*) FROM tenantctl.audit_log WHERE action LIKE 'keys.jwt.%'") == "5");
    CHECK(q(db, "SELECT count(*) FROM tenantctl.audit_log WHERE metadata::text ILIKE '%private%'") == "0");
    CHECK(keys::verify(ctx, keys::VerifyOptions{}).exit == Exit::ok);
}

TEST_CASE("API keys: shown once, stored hashed, rotated with an overlap, revoked", "[integration][keys][apikey]") {
    test::TestDatabase db;
    GlobalOptions yes;
    yes.yes = true;  // revoke asks first
    test::TestContext tc(db, test::keys_config(), yes);
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    auto created = keys::apikey_create(ctx, keys::ApiKeyCreate{"acme", "ci", {"read:invoices", "write:docs"}, "90d"});
    const std::string id = created.rows[0][0];
    const std::string prefix = created.rows[0][1];
    const std::string plaintext = created.rows[0][5];
    CHECK(crypto::api_key_prefix(plaintext) == prefix);
    CHECK(q(db, "SELECT key_hash FROM tenantctl.api_keys WHERE id = '" + id + "'") == crypto::hash_api_key(plaintext));
    CHECK(q(db, "SELECT count(*) FROM tenantctl.api_keys WHERE key_hash = '" + plaintext + "' OR prefix = '" + plaintext +
                    "'") == "0");
    CHECK(q(db, "SELECT count(*) FROM tenantctl.audit_log WHERE metadata::text LIKE '%" + plaintext.substr(12) + "%'") ==
          "0");
    CHECK(q(db, "SELECT array_to_string(scopes, ' ') FROM tenantctl.api_keys") == "read:invoices write:docs");

    auto listed = keys::apikey_list(ctx, "acme", false);
    REQUIRE(listed.rows.size() == 1);
    CHECK(listed.rows[0][7] == "active");
    CHECK(listed.columns.end() == std::find(listed.columns.begin(), listed.columns.end(), "key"));

    auto rotated = keys::apikey_rotate(ctx, "acme", prefix, "2h");
    const std::string new_id = rotated.rows[0][0];
    CHECK(rotated.rows[0][6] == prefix);
    CHECK(q(db, "SELECT replaced_by::text FROM tenantctl.api_keys WHERE id = '" + id + "'") == new_id);
    CHECK(q(db, "SELECT round(extract(epoch FROM expires_at - created_at) / 60) FROM tenantctl.api_keys WHERE id = '" +
                    id + "'") == "120");
    CHECK(keys::apikey_list(ctx, "acme", false).rows.size() == 2);  // both work during the overlap
    tc.clock().advance(std::chrono::hours(3));
    CHECK(keys::apikey_list(ctx, "acme", false).rows.size() == 1);
    CHECK(exit_of([&] { keys::apikey_rotate(ctx, "acme", prefix, "2h"); }) == Exit::refused);  // expired

    keys::apikey_revoke(ctx, "acme", new_id);
    CHECK(keys::apikey_list(ctx, "acme", false).rows.empty());
    CHECK(keys::apikey_list(ctx, "acme", true).rows.size() == 2);
    CHECK(exit_of([&] { keys::apikey_revoke(ctx, "acme", "nosuchky"); }) == Exit::not_found);
    CHECK(exit_of([&] { keys::apikey_create(ctx, keys::ApiKeyCreate{"acme", "x", {}, std::nullopt}); }) == Exit::usage);
    CHECK(exit_of([&] { keys::apikey_create(ctx, keys::ApiKeyCreate{"acme", "x", {"a b"}, std::nullopt}); }) == Exit::usage);
    CHECK(exit_of([&] { keys::apikey_create(ctx, keys::ApiKeyCreate{"acme", "x", {"r"}, "2001-01-01"}); }) == Exit::usage);
    CHECK(exit_of([&] { keys::apikey_create(ctx, keys::ApiKeyCreate{"nope", "x", {"r"}, std::nullopt}); }) == Exit::not_found);
    CHECK(q(db, "SELECT string_agg(action, ',' ORDER BY id) FROM tenantctl.audit_log WHERE action LIKE 'apikey.%'") ==
          "apikey.create,apikey.rotate,apikey.revoke");
    (void)acme;
}
