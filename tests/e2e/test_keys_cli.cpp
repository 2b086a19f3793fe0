// End-to-end: the keys and apikey commands through the binary: output, stderr, exit codes,
// and the bad inputs of the master key.
#include <catch2/catch.hpp>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "core/crypto/master_key.hpp"
#include "tests/integration/keys_fixture.hpp"

using namespace tenantctl;
using test::run_cli;

namespace {

const char* kConfig = R"YAML(
tenancy:
  app_role: tenantctl_keys_test_app
data:
  tables:
    secrets: {encrypted: [secret, note]}
    app.docs: {encrypted: [body]}
)YAML";

struct Setup {
    test::TestDatabase db;
    test::TempDir dir;
    std::string config_path;
    std::string acme;
    Setup() {
        test::create_app_tables(db);
        test::TestContext tc(db, test::keys_config());
        acme = test::add_tenant(tc.ctx(), "acme");
        test::insert_values(db, tc.ctx(), acme, "acme", 30, 1);
        config_path = (dir / "tenantctl.yaml").string();
        test::write_file(config_path, kConfig);
    }
    test::CliResult run(std::vector<std::string> args, test::CliOptions opts = {}) {
        args.insert(args.begin(), {"-c", config_path});
        return run_cli(args, &db, opts);
    }
    std::string q(const std::string& sql) const { return db.query_value(sql); }
};

}  // namespace

TEST_CASE("keys rotate --reencrypt, status, retire and destroy through the CLI", "[e2e][keys]") {
    Setup s;
    auto rot = s.run({"keys", "rotate", "--tenant", "acme", "--reencrypt", "-o", "json"});
    INFO(rot.err);
    REQUIRE(rot.exit_code == 0);
    auto doc = nlohmann::json::parse(rot.out);
    CHECK(doc["rotated"][0]["new_version"] == 2);
    CHECK(doc["tenants"][0]["reencrypted"] == 30 + 25 + 30);
    CHECK(doc["totals"]["undecryptable"] == 0);

    auto st = s.run({"keys", "status", "--tenant", "acme", "-o", "json"});
    REQUIRE(st.exit_code == 0);
    auto rows = nlohmann::json::parse(st.out);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["version"] == 2);
    CHECK(rows[0]["values"] == 85);
    CHECK(rows[0]["by_column"]["app.docs.body"] == 30);
    CHECK(rows[1]["values"] == 0);
    auto table = s.run({"keys", "status"});
    CHECK(table.out.find("decrypt_only") != std::string::npos);

    auto retire_active = s.run({"keys", "retire", "--tenant", "acme", "--version", "2"});
    CHECK(retire_active.exit_code == 5);
    CHECK(retire_active.err.find("tenantctl: version 2 is the active key of tenant 'acme'") != std::string::npos);
    CHECK(s.run({"keys", "retire", "--tenant", "acme", "--version", "1"}).exit_code == 0);
    auto no_yes = s.run({"keys", "destroy", "--tenant", "acme", "--version", "1"});
    CHECK(no_yes.exit_code == 10);
    CHECK(s.q("SELECT state FROM tenantctl.tenant_keys WHERE version = 1") == "retired");
    CHECK(s.run({"keys", "destroy", "--tenant", "acme", "--version", "1", "--yes"}).exit_code == 0);
    CHECK(s.q("SELECT state FROM tenantctl.tenant_keys WHERE version = 1") == "destroyed");
    CHECK(s.run({"keys", "verify", "--all"}).exit_code == 0);
    CHECK(s.run({"keys", "retire", "--tenant", "ghost", "--version", "1"}).exit_code == 4);
}

TEST_CASE("keys reencrypt exits 8 and names undecryptable values", "[e2e][keys]") {
    Setup s;
    s.db.exec("UPDATE secrets SET note = 'gAAAAA-truncated' WHERE id = 3");
    CHECK(s.run({"keys", "rotate", "--tenant", "acme"}).exit_code == 0);
    auto r = s.run({"keys", "reencrypt", "--tenant", "acme", "--batch-size", "8", "-o", "json"});
    CHECK(r.exit_code == 8);
    CHECK(r.err.find("public.secrets.note with primary key 3 does not decrypt") != std::string::npos);
    CHECK(r.err.find("gAAAAA-truncated") == std::string::npos);  // values never reach logs
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["tenants"][0]["failures"][0]["pk"] == "3");
    CHECK(s.q("SELECT note FROM secrets WHERE id = 3") == "gAAAAA-truncated");
    CHECK(s.run({"keys", "verify", "--tenant", "acme", "--sample", "1000"}).exit_code == 8);
    CHECK(s.run({"keys", "reencrypt", "--tenant", "acme", "--batch-size", "0"}).exit_code == 2);
}

TEST_CASE("bad master keys are refused with a clear message and change nothing", "[e2e][keys]") {
    Setup s;
    const auto before = s.q("SELECT count(*) || ':' || max(version) FROM tenantctl.tenant_keys");
    auto with_source = [&](const std::string& source, std::map<std::string, std::string> extra = {}) {
        test::CliOptions o;
        o.env = std::move(extra);
        o.env["TENANTCTL_MASTER_KEY_SOURCE"] = source;
        return s.run({"keys", "rotate", "--tenant", "acme"}, o);
    };
    test::TempDir dir;
    test::write_file(dir / "open.key", test::test_master_key_base64() + "\n", 0644);
    auto open = with_source("file:" + (dir / "open.key").string());
    CHECK(open.exit_code == 5);
    CHECK(open.err.find("accessible by group or others (mode 0644)") != std::string::npos);
    CHECK(open.err.find("hint: chmod 600") != std::string::npos);

    auto missing = with_source("env:NO_SUCH_VARIABLE");
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("NO_SUCH_VARIABLE") != std::string::npos);
    auto short_key = with_source("env:K", {{"K", "c2hvcnQ="}});
    CHECK(short_key.exit_code == 2);
    CHECK(short_key.err.find("must decode to 32 bytes") != std::string::npos);
    auto not_b64 = with_source("env:K", {{"K", "this is not base64 at all, friend!!"}});
    CHECK(not_b64.exit_code == 2);
    CHECK(not_b64.err.find("not valid base64") != std::string::npos);
    auto wrong = with_source("env:K", {{"K", crypto::generate_master_key_base64()}});
    CHECK(wrong.exit_code == 8);
    CHECK(wrong.err.find("wrapped by master key") != std::string::npos);
    CHECK(s.q("SELECT count(*) || ':' || max(version) FROM tenantctl.tenant_keys") == before);
}

TEST_CASE("JWT keys and the JWKS through the CLI", "[e2e][keys][jwt]") {
    Setup s;
    auto first = s.run({"keys", "jwt", "rotate", "-o", "json"});
    REQUIRE(first.exit_code == 0);
    const std::string k1 = nlohmann::json::parse(first.out)[0]["kid"];
    auto second = s.run({"keys", "jwt", "rotate", "--alg", "ES256", "-o", "json"});
    REQUIRE(second.exit_code == 0);
    const std::string k2 = nlohmann::json::parse(second.out)[0]["kid"];
    CHECK(s.run({"keys", "jwt", "rotate"}).exit_code == 5);
    auto jwks = s.run({"keys", "jwks"});
    REQUIRE(jwks.exit_code == 0);
    auto set = nlohmann::json::parse(jwks.out);
    REQUIRE(set["keys"].size() == 2);
    CHECK(set["keys"][1]["kid"] == k2);
    CHECK(set["keys"][1]["crv"] == "P-256");
    CHECK(set["keys"][0].contains("d") == false);  // public only
    CHECK(s.run({"keys", "jwt", "activate", k2}).exit_code == 5);   // published too recently
    CHECK(s.run({"keys", "jwt", "activate", "nope"}).exit_code == 4);
    CHECK(s.run({"keys", "jwt", "activate", k2, "--force"}).exit_code == 0);
    auto list = s.run({"keys", "jwt", "list", "-o", "json"});
    auto keys = nlohmann::json::parse(list.out);
    REQUIRE(keys.size() == 2);
    CHECK(keys[0]["state"] == "active");
    CHECK(keys[1]["state"] == "retiring");
    CHECK(keys[1]["published"] == true);
    CHECK(s.run({"keys", "jwt", "retire", k2}).exit_code == 5);
    CHECK(s.run({"keys", "jwt", "retire", k1}).exit_code == 0);
    CHECK(nlohmann::json::parse(s.run({"keys", "jwks"}).out)["keys"].size() == 1);
}

TEST_CASE("apikey create shows the key once - list, rotate and revoke never show it", "[e2e][keys][apikey]") {
    Setup s;
    auto created = s.run({"apikey", "create", "--tenant", "acme", "--name", "ci", "--scope", "read:x", "--scope",
                          "write:y", "--expires", "30d", "-o", "json"});
    INFO(created.err);
    REQUIRE(created.exit_code == 0);
    auto row = nlohmann::json::parse(created.out)[0];
    const std::string key = row["key"];
    CHECK(key.rfind("tk_", 0) == 0);
    CHECK(created.err.find("shown only this once") != std::string::npos);
    auto list = s.run({"apikey", "list", "--tenant", "acme"});
    CHECK(list.exit_code == 0);
    CHECK(list.out.find(key) == std::string::npos);
    CHECK(list.out.find(row["prefix"].get<std::string>()) != std::string::npos);
    auto rot = s.run({"apikey", "rotate", "--tenant", "acme", row["prefix"], "--overlap", "1h", "-o", "json"});
    REQUIRE(rot.exit_code == 0);
    const std::string new_prefix = nlohmann::json::parse(rot.out)[0]["prefix"];
    // Revoking asks first; without a terminal it needs --yes.
    auto unconfirmed = s.run({"apikey", "revoke", "--tenant", "acme", new_prefix});
    CHECK(unconfirmed.exit_code == 10);
    CHECK(unconfirmed.err.find("revoke API key " + new_prefix + " of tenant 'acme'?") != std::string::npos);
    CHECK(s.q("SELECT count(*) FROM tenantctl.api_keys WHERE revoked_at IS NOT NULL") == "0");
    CHECK(s.run({"apikey", "revoke", "--tenant", "acme", new_prefix, "--yes"}).exit_code == 0);
    CHECK(s.run({"apikey", "revoke", "--tenant", "acme", "zzzzzzzz"}).exit_code == 4);
    CHECK(s.run({"apikey", "create", "--tenant", "acme", "--name", "x", "--scope", "r", "--expires", "soon"}).exit_code == 2);
    CHECK(s.q("SELECT string_agg(action, ',' ORDER BY id) FROM tenantctl.audit_log WHERE action LIKE 'apikey.%'") ==
          "apikey.create,apikey.rotate,apikey.revoke");
}

TEST_CASE("keys rewrap re-wraps the audit keys: audit verify passes with the new master key, exits 8 with the old",
          "[e2e][keys][audit]") {
    Setup s;
    s.db.exec("INSERT INTO tenantctl.audit_log (tenant_id, actor_id, action) VALUES ('" + s.acme +
              "', 'user-1', 'user.login'), ('" + s.acme + "', 'user-2', 'doc.edit')");
    REQUIRE(s.run({"audit", "seal", "--settle", "0s"}).exit_code == 0);
    REQUIRE(s.run({"audit", "verify", "--all"}).exit_code == 0);
    const auto audit_keys = s.q("SELECT count(*) FROM tenantctl.audit_keys");
    REQUIRE(audit_keys != "0");

    const std::string new_key = crypto::generate_master_key_base64();
    ::setenv("TENANTCTL_TEST_REWRAP_KEY", new_key.c_str(), 1);
    const std::string new_id = crypto::load_master_key("env:TENANTCTL_TEST_REWRAP_KEY").id;
    ::unsetenv("TENANTCTL_TEST_REWRAP_KEY");
    test::CliOptions with_new;
    with_new.env = {{"K_NEW", new_key}, {"TENANTCTL_MASTER_KEY_SOURCE", "env:K_NEW"}};

    auto rewrap = s.run({"keys", "rewrap", "--new-master-key", "env:K_NEW", "-o", "json"}, test::with_env({{"K_NEW", new_key}}));
    INFO(rewrap.err);
    REQUIRE(rewrap.exit_code == 0);
    bool counted = false;
    for (const auto& row : nlohmann::json::parse(rewrap.out))
        if (row["kind"] == "audit_keys") counted = std::to_string(row["rewrapped"].get<long long>()) == audit_keys;
    CHECK(counted);
    CHECK(s.q("SELECT string_agg(DISTINCT kek_id, ',') FROM tenantctl.audit_keys") == new_id);

    auto with_new_key = s.run({"audit", "verify", "--all"}, with_new);
    INFO(with_new_key.out << with_new_key.err);
    CHECK(with_new_key.exit_code == 0);
    auto with_old_key = s.run({"audit", "verify", "--all"});
    CHECK(with_old_key.exit_code == 8);
    CHECK(with_old_key.err.find("is wrapped by master key " + new_id + ", not by the configured one") !=
          std::string::npos);
    CHECK(with_old_key.err.find("hint:") != std::string::npos);

    auto keys_verify = s.run({"keys", "verify", "-o", "json"}, with_new);
    INFO(keys_verify.out << keys_verify.err);
    CHECK(keys_verify.exit_code == 0);
    std::size_t audit_ok = 0;
    for (const auto& row : nlohmann::json::parse(keys_verify.out))
        audit_ok += row["check"] == "audit_key" && row["status"] == "ok";
    CHECK(std::to_string(audit_ok) == audit_keys);
    CHECK(s.run({"keys", "verify"}).exit_code == 8);
}
