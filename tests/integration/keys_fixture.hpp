// Shared set-up for the keys tests: a fresh database with the platform schema, two
// application tables with encrypted columns under forced row-level security (one with a
// single-column key, one with a composite (tenant_id, id) key), an app role to go through
// RLS as, and a config whose data map lists them.
#pragma once

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <map>
#include <memory>
#include <string>

#include "core/crypto/fernet.hpp"
#include "core/crypto/hash.hpp"
#include "core/keys/data_keys.hpp"
#include "tests/support/test_support.hpp"

namespace tenantctl::test {

inline constexpr const char* kAppRole = "tenantctl_keys_test_app";

inline config::Config keys_config() {
    config::Config cfg;
    cfg.tenancy.app_role = kAppRole;
    config::TableConfig secrets;
    secrets.table = config::parse_qualified_name("secrets");
    secrets.encrypted = {"secret", "note"};
    config::TableConfig docs;
    docs.table = config::parse_qualified_name("app.docs");
    docs.encrypted = {"body"};
    cfg.data.tables = {secrets, docs};
    return cfg;
}

inline void create_app_tables(const TestDatabase& db) {
    db.exec(fmt::format(R"SQL(
DO $$ BEGIN CREATE ROLE {0} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE TABLE public.secrets (tenant_id uuid NOT NULL, id bigint PRIMARY KEY, secret text, note text);
CREATE SCHEMA app;
CREATE TABLE app.docs (tenant_id uuid NOT NULL, id integer NOT NULL, body text, PRIMARY KEY (tenant_id, id));
ALTER TABLE public.secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.secrets USING (tenant_id = current_setting('app.tenant_id')::uuid);
ALTER TABLE app.docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.docs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app.docs USING (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT USAGE ON SCHEMA app TO {0};
GRANT SELECT, UPDATE ON public.secrets, app.docs TO {0};
)SQL",
                        kAppRole));
}

// A tenant row plus its first data key, as `tenant create` makes them. Returns the id.
inline std::string add_tenant(Context& ctx, const std::string& slug) {
    pqxx::work tx(ctx.db());
    std::string id = tx.exec_params1(fmt::format("INSERT INTO {} (slug, name) VALUES ($1, $1) RETURNING id::text",
                                                 ctx.platform_table("tenants")),
                                     slug)[0]
                         .c_str();
    keys::create_data_key(ctx, tx, id);
    tx.commit();
    return id;
}

// The tenant's active key, unwrapped.
inline crypto::FernetKey active_key(Context& ctx, const std::string& tenant_id) {
    pqxx::work tx(ctx.db());
    auto ring = keys::load_keyring(ctx, tx, tenant_id);
    return ring.keys.front().key;
}

// Inserts `n` rows into both tables for the tenant, values encrypted under its active key.
// Plaintexts are "<column>-<slug>-<i>"; a few notes are NULL. Ids start at `first_id`.
inline void insert_values(const TestDatabase& db, Context& ctx, const std::string& tenant_id, const std::string& slug,
                          long n, long first_id, std::uint64_t timestamp = 1700000000) {
    auto key = active_key(ctx, tenant_id);
    pqxx::connection c(db.conninfo());
    pqxx::work tx(c);
    {
        pqxx::stream_to s(tx, "public.secrets", std::vector<std::string>{"tenant_id", "id", "secret", "note"});
        for (long i = 0; i < n; ++i) {
            std::optional<std::string> note;
            if (i % 7 != 0) note = crypto::fernet_encrypt(key, fmt::format("note-{}-{}", slug, i), timestamp);
            s << std::make_tuple(tenant_id, first_id + i, crypto::fernet_encrypt(key, fmt::format("secret-{}-{}", slug, i), timestamp),
                                 note);
        }
        s.complete();
    }
    {
        pqxx::stream_to s(tx, "app.docs", std::vector<std::string>{"tenant_id", "id", "body"});
        for (long i = 0; i < n; ++i)
            s << std::make_tuple(tenant_id, static_cast<int>(first_id + i),
                                 crypto::fernet_encrypt(key, fmt::format("body-{}-{}", slug, i), timestamp));
        s.complete();
    }
    tx.commit();
}

struct Decrypted {
    long long values = 0;
    long long under_active = 0;
    long long undecryptable = 0;
    std::string checksum;  // SHA-256 over "table|pk|column|plaintext\n" in key order
    std::map<std::uint64_t, long long> timestamps;
};

// Reads every encrypted value of the tenant directly (as superuser) and decrypts it.
inline Decrypted decrypt_all(const TestDatabase& db, Context& ctx, const std::string& tenant_id) {
    std::vector<keys::UnwrappedKey> ring;
    {
        pqxx::work tx(ctx.db());
        ring = keys::load_usable_keys(ctx, tx, tenant_id);
    }
    int active = 0;
    for (const auto& k : ring)
        if (k.state == "active") active = k.version;
    Decrypted d;
    crypto::Sha256Stream sha;
    pqxx::connection c(db.conninfo());
    pqxx::work tx(c);
    auto one = [&](const std::string& label, const std::string& pk, const std::string& column, const pqxx::field& f) {
        if (f.is_null()) return;
        ++d.values;
        const std::string token = f.c_str();
        for (const auto& k : ring) {
            if (!crypto::fernet_verify(k.key, token)) continue;
            auto plain = crypto::fernet_decrypt(k.key, token);
            if (k.version == active) ++d.under_active;
            ++d.timestamps[plain.timestamp];
            sha.update(fmt::format("{}|{}|{}|{}\n", label, pk, column, plain.plaintext.view()));
            return;
        }
        ++d.undecryptable;
        sha.update(fmt::format("{}|{}|{}|?\n", label, pk, column));
    };
    for (const auto& r : tx.exec_params("SELECT id::text AS k, secret, note FROM public.secrets WHERE tenant_id = $1 ORDER BY id",
                                        tenant_id)) {
        one("secrets", r[0].c_str(), "secret", r[1]);
        one("secrets", r[0].c_str(), "note", r[2]);
    }
    for (const auto& r : tx.exec_params("SELECT id::text AS k, body FROM app.docs WHERE tenant_id = $1 ORDER BY id", tenant_id))
        one("docs", r[0].c_str(), "body", r[1]);
    d.checksum = sha.hex_final();
    return d;
}

}  // namespace tenantctl::test
