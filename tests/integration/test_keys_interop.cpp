// Integration: a Python app (Debian's python3-cryptography, python3-jwt, python3-psycopg2)
// and tenantctl read each other's keys and values: Python unwraps a data key with AESGCM,
// decrypts what tenantctl encrypted, encrypts values that tenantctl then decrypts and
// re-encrypts, and PyJWT verifies a token signed with an unwrapped private key against the
// JWKS printed by `tenantctl keys jwks`.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/keys/data_keys.hpp"
#include "core/keys/reencrypt.hpp"
#include "core/keys/signing_keys.hpp"
#include "core/util/process.hpp"
#include "tests/integration/keys_fixture.hpp"

using namespace tenantctl;

namespace {

json run_python(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/python3", TENANTCTL_SOURCE_DIR "/tests/interop/keys_interop.py"};
    argv.insert(argv.end(), args.begin(), args.end());
    ::setenv("TENANTCTL_TEST_MASTER_KEY", test::test_master_key_base64().c_str(), 1);
    auto r = util::run_process(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

// The same checksum the Python script computes, over public.secrets only.
std::string secrets_checksum(const test::TestDatabase& db, Context& ctx, const std::string& tenant_id) {
    pqxx::work tx(ctx.db());
    auto ring = keys::load_keyring(ctx, tx, tenant_id);
    tx.commit();
    crypto::Sha256Stream sha;
    pqxx::connection c(db.conninfo());
    pqxx::work read(c);
    for (const auto& r : read.exec_params("SELECT id::text AS k, secret, note FROM secrets WHERE tenant_id = $1 ORDER BY id",
                                          tenant_id)) {
        for (auto [column, i] : {std::pair{"secret", 1}, std::pair{"note", 2}}) {
            if (r[i].is_null()) continue;
            const int k = crypto::fernet_match(ring.ptrs, r[i].c_str());
            REQUIRE(k >= 0);
            auto plain = crypto::fernet_decrypt(*ring.ptrs[static_cast<std::size_t>(k)], r[i].c_str());
            sha.update(fmt::format("secrets|{}|{}|{}\n", r[0].c_str(), column, plain.plaintext.view()));
        }
    }
    return sha.hex_final();
}

}  // namespace

TEST_CASE("Python reads and writes what tenantctl writes, both ways", "[integration][keys][interop]") {
    test::TestDatabase db;
    test::create_app_tables(db);
    test::TestContext tc(db, test::keys_config());
    auto& ctx = tc.ctx();
    const auto acme = test::add_tenant(ctx, "acme");
    test::insert_values(db, ctx, acme, "acme", 40, 1);
    keys::rotate(ctx, keys::RotateOptions{"acme", false});  // Python must use a MultiFernet
    test::insert_values(db, ctx, acme, "acme2", 10, 500);
    keys::jwt_rotate(ctx, std::nullopt);

    // Python decrypts everything tenantctl encrypted, under both versions.
    auto read = run_python({db.conninfo(), acme, "read"});
    CHECK(read["values"] == 40 + 34 + 10 + 8);
    const std::string before = read["checksum"];

    // tenantctl decrypts what Python encrypted and re-encrypts it under a new key.
    CHECK(secrets_checksum(db, ctx, acme) != before);  // Python's five rows are in now
    keys::rotate(ctx, keys::RotateOptions{"acme", false});
    keys::ReencryptOptions o;
    o.tenant = "acme";
    auto rec = keys::reencrypt(ctx, o);
    CHECK(rec.exit == Exit::ok);
    CHECK(test::decrypt_all(db, ctx, acme).undecryptable == 0);
    const std::string after_cpp = secrets_checksum(db, ctx, acme);
    auto check = run_python({db.conninfo(), acme, "check"});
    CHECK(check["checksum"] == after_cpp);
    CHECK(check["values"] == 40 + 34 + 10 + 8 + 5);
    CHECK(test::decrypt_all(db, ctx, acme).under_active == test::decrypt_all(db, ctx, acme).values);

    // PyJWT verifies a token signed with the unwrapped private key against `tenantctl keys jwks`.
    auto jwks = test::run_cli({"keys", "jwks"}, &db);
    REQUIRE(jwks.exit_code == 0);
    test::TempDir dir;
    test::write_file(dir / "jwks.json", jwks.out);
    auto claims = run_python({(dir / "jwks.json").string(), read["token"], "verify-jwt"});
    CHECK(claims["sub"] == "user-1");
}
