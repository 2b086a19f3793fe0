#include "tests/support/gdpr_fixture.hpp"

#include <fmt/format.h>

#include "core/crypto/fernet.hpp"
#include "core/keys/data_keys.hpp"

namespace tenantctl::test {

std::string gdpr_yaml(const std::string& users_erase, const std::string& teams_erase) {
    std::string users_extra = users_erase == "anonymize" ? ", anonymize: {email: hash, full_name: redact}" : "";
    std::string teams_extra = teams_erase == "anonymize" ? ", anonymize: {manager_id: null}" : "";
    return fmt::format(R"(data:
  subjects: {{table: users, key: id, lookup: [email]}}
  tables:
    users: {{subject: id, pii: [email, full_name], encrypted: [phone], non_pii: [created_at], erase: {}{}}}
    teams: {{non_pii: [name], erase: {}{}}}
    documents: {{subject: owner_id, pii: [title], encrypted: [body], erase: delete}}
    comments: {{pii: [body], erase: delete}}
    invoices: {{subject: user_id, non_pii: [amount], erase: retain, basis: "tax law, 10y"}}
  processing:
    purposes: [providing the service, billing]
    recipients: [payment processor]
    retention: "account data until deletion; invoices 10 years"
    source: the data subject
)",
                       users_erase, users_extra, teams_erase, teams_extra);
}

GdprFixture::GdprFixture(bool deferrable_cycle) {
    std::string deferrable = deferrable_cycle ? " DEFERRABLE INITIALLY IMMEDIATE" : "";
    db.exec(fmt::format(R"(
CREATE TABLE teams (tenant_id uuid NOT NULL, id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL,
                    manager_id uuid);
CREATE TABLE users (tenant_id uuid NOT NULL, id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL,
                    full_name text, phone text, team_id uuid REFERENCES teams (id){0},
                    created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (tenant_id, email));
ALTER TABLE teams ADD CONSTRAINT teams_manager_fk FOREIGN KEY (manager_id) REFERENCES users (id){0};
CREATE TABLE documents (tenant_id uuid NOT NULL, id bigserial PRIMARY KEY, owner_id uuid NOT NULL REFERENCES users (id),
                        title text, body text);
CREATE TABLE comments (tenant_id uuid NOT NULL, id bigserial PRIMARY KEY,
                       document_id bigint NOT NULL REFERENCES documents (id), body text);
CREATE TABLE invoices (tenant_id uuid NOT NULL, id bigserial PRIMARY KEY, user_id uuid REFERENCES users (id),
                       amount numeric NOT NULL);
)",
                        deferrable));
    acme = db.query_value("INSERT INTO tenantctl.tenants (slug, name) VALUES ('acme', 'Acme') RETURNING id");
    globex = db.query_value("INSERT INTO tenantctl.tenants (slug, name) VALUES ('globex', 'Globex') RETURNING id");
    {
        TestContext tc(db);
        pqxx::work tx(tc->db());
        keys::create_data_key(tc.ctx(), tx, acme);
        keys::create_data_key(tc.ctx(), tx, globex);
        tx.commit();
    }
    auto insert_user = [&](const std::string& tenant, const std::string& email, const std::string& name,
                           const std::string& phone) {
        return db.query_value(fmt::format(
            "INSERT INTO users (tenant_id, email, full_name, phone) VALUES ('{}', '{}', '{}', '{}') RETURNING id",
            tenant, email, name, encrypt(tenant, phone)));
    };
    alice = insert_user(acme, "alice@example.com", "Alice Liddell", "+33 6 11 11 11 11");
    bob = insert_user(acme, "bob@example.com", "Sam Smith", "+33 6 22 22 22 22");
    carol = insert_user(acme, "carol@example.com", "Sam Smith", "+33 6 33 33 33 33");
    globex_alice = insert_user(globex, "alice@example.com", "Alice Other", "+1 555 0100");
    team = db.query_value(fmt::format(
        "INSERT INTO teams (tenant_id, name, manager_id) VALUES ('{}', 'Wonderland', '{}') RETURNING id", acme, alice));
    db.exec(fmt::format("UPDATE users SET team_id = '{}' WHERE id IN ('{}', '{}')", team, alice, bob));
    for (int i = 0; i < 3; ++i) {
        std::string doc = db.query_value(fmt::format(
            "INSERT INTO documents (tenant_id, owner_id, title, body) VALUES ('{}', '{}', 'Alice doc {}', '{}') "
            "RETURNING id",
            acme, alice, i, encrypt(acme, "secret body " + std::to_string(i))));
        db.exec(fmt::format("INSERT INTO comments (tenant_id, document_id, body) VALUES ('{}', {}, 'nice {}')", acme,
                            doc, i));
    }
    db.exec(fmt::format("INSERT INTO documents (tenant_id, owner_id, title, body) VALUES ('{}', '{}', 'Bob doc', '{}')",
                        acme, bob, encrypt(acme, "bob body")));
    db.exec(fmt::format("INSERT INTO documents (tenant_id, owner_id, title, body) VALUES ('{}', '{}', 'Other', '{}')",
                        globex, globex_alice, encrypt(globex, "globex body")));
    db.exec(fmt::format("INSERT INTO invoices (tenant_id, user_id, amount) VALUES ('{0}', '{1}', 10), ('{0}', '{1}', 20), "
                        "('{0}', '{2}', 30)",
                        acme, alice, bob));
    // Audit events: alice acting, bob acting on alice (bob's identity is redacted in alice's export).
    db.exec(fmt::format(
        "INSERT INTO tenantctl.audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata) "
        "VALUES ('{0}', 'user', '{1}', 'user.login', 'user', '{1}', '{{\"email\": \"alice@example.com\"}}'), "
        "       ('{0}', 'user', '{2}', 'user.update', 'user', '{1}', '{{}}'), "
        "       ('{0}', 'user', '{2}', 'user.login', 'user', '{2}', '{{}}'), "
        "       ('{3}', 'user', '{4}', 'user.login', 'user', '{4}', '{{}}')",
        acme, alice, bob, globex, globex_alice));
}

config::Config GdprFixture::config(const std::string& yaml) const { return config::parse_config(yaml, "tenantctl.yaml"); }

std::string GdprFixture::encrypt(const std::string& tenant_id, const std::string& text) const {
    TestContext tc(db);
    pqxx::read_transaction tx(tc->db());
    auto keys = keys::load_usable_keys(tc.ctx(), tx, tenant_id);
    return crypto::fernet_encrypt(keys.front().key, text, 1700000000);
}

}  // namespace tenantctl::test
