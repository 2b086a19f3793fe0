// A small example app for the GDPR tests, equivalent to examples/migrations: users and
// teams (a manager cycle), documents with an encrypted body and their comments (reached only
// through a foreign key), invoices kept for tax law; two tenants, each with its data key.
#pragma once

#include <string>

#include "core/config/config.hpp"
#include "tests/support/test_support.hpp"

namespace tenantctl::test {

// The data map the tests use; `users_erase` / `teams_erase` switch the cycle handling on.
std::string gdpr_yaml(const std::string& users_erase = "anonymize", const std::string& teams_erase = "anonymize");

struct GdprFixture {
    TestDatabase db;
    std::string acme, globex;   // tenant ids
    std::string alice, bob, carol;  // acme users; carol shares bob's full name
    std::string team;           // acme team managed by alice, with alice and bob in it
    std::string globex_alice;   // globex user with alice's email

    explicit GdprFixture(bool deferrable_cycle = false);
    config::Config config(const std::string& yaml = gdpr_yaml()) const;
    // Fernet token of `text` under the tenant's active key.
    std::string encrypt(const std::string& tenant_id, const std::string& text) const;
};

}  // namespace tenantctl::test
