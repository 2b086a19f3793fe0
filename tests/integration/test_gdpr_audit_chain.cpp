// Integration: `gdpr erase` pseudonymizes the audit log through the audit chain's own rule
// (audit::pseudonymize_subject), so sealed events keep verifying, the subject's identifiers
// are gone from every column, and the register, our events and the erased events all name the
// person by the same pseudonym.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "core/audit/chain.hpp"
#include "core/audit/pseudonymize.hpp"
#include "core/gdpr/erase.hpp"
#include "core/gdpr/export_subject.hpp"
#include "tests/support/gdpr_fixture.hpp"

using namespace tenantctl;

namespace {

void seal_all(test::TestContext& tc) {
    audit::SealOptions s;
    s.settle = {};
    audit::seal(tc.ctx(), s);
}

audit::VerifyResult verify_tenant(test::TestContext& tc, const char* slug) {
    audit::VerifyOptions v;
    v.scope.tenant_slug = slug;
    auto r = audit::verify(tc.ctx(), v);
    REQUIRE(r.size() == 1);
    return r[0];
}

// Events (any tenant) whose row, as text, still contains `needle`.
std::string rows_mentioning(const test::TestDatabase& db, const std::string& needle) {
    return db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log a WHERE strpos(a::text, '{}') > 0",
                                      needle));
}

}  // namespace

TEST_CASE("gdpr erase keeps the sealed audit chain verifiable and removes the subject from audit_log",
          "[integration][gdpr][audit]") {
    test::GdprFixture f;
    // The fixture has alice acting (with her email in metadata) and bob acting on alice; give
    // alice's own event a network identity too, and one event naming her by email only.
    f.db.exec(fmt::format("UPDATE tenantctl.audit_log SET ip = '198.51.100.7', user_agent = 'AliceBrowser/1.0' "
                          "WHERE actor_id = '{}'",
                          f.alice));
    f.db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, actor_type, actor_id, action, resource_type, "
                          "resource_id) VALUES ('{}', 'system', 'mailer', 'mail.sent', 'email', 'alice@example.com')",
                          f.acme));
    GlobalOptions g;
    g.yes = true;
    test::TestContext tc(f.db, f.config(), g);
    seal_all(tc);
    REQUIRE(verify_tenant(tc, "acme").status == "ok");

    // Before erasure, export finds the subject's events (as actor and as target), sealed or not.
    gdpr::SubjectExportOptions eo{"acme", "email:alice@example.com", "json", std::nullopt, false, std::nullopt};
    auto exported = gdpr::export_subject(tc.ctx(), eo);
    CHECK(exported.audit_events == 3);

    auto r = gdpr::erase_subject(tc.ctx(), gdpr::EraseOptions{"acme", "email:alice@example.com", std::nullopt, false,
                                                              std::nullopt});
    const auto& fields = r.receipt["audit_fields_pseudonymized"];
    CHECK(fields["actor_id"] == 1);
    CHECK(fields["resource_id"] == 3);  // alice's login and bob's update name her id; the mail her email
    CHECK(fields["ip_user_agent"] == 2);
    CHECK(fields["metadata"] == 1);

    // The chain still verifies: every sealed acme event, including the four rewritten ones.
    auto v = verify_tenant(tc, "acme");
    CHECK(v.status == "ok");
    CHECK(v.problem == "");
    CHECK(v.verified >= 4);
    CHECK(verify_tenant(tc, "globex").status == "ok");

    // Nothing in any column of any event names alice any more (id, email, address, browser).
    CHECK(rows_mentioning(f.db, f.alice) == "0");
    CHECK(rows_mentioning(f.db, "alice@example.com") == "0");
    CHECK(rows_mentioning(f.db, "198.51.100.7") == "0");
    CHECK(rows_mentioning(f.db, "AliceBrowser") == "0");
    // The other tenant's alice (same email, different person) is untouched, and bob too.
    CHECK(f.db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log WHERE actor_id = '{}'",
                                       f.globex_alice)) == "1");
    CHECK(f.db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log WHERE actor_id = '{}'", f.bob)) ==
          "2");

    // One pseudonym names her everywhere: the erased events, the register, our own events.
    std::string pseudonym;
    {
        pqxx::work tx(tc->db());
        pseudonym = audit::pseudonym_for(tc.ctx(), tx, f.acme, f.alice);
    }
    CHECK(pseudonym.rfind("pseudonym:", 0) == 0);
    CHECK(f.db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log WHERE actor_id = '{0}' OR "
                                       "resource_id = '{0}'",
                                       pseudonym)) == "2");
    CHECK(f.db.query_value("SELECT string_agg(DISTINCT subject, ',') FROM tenantctl.gdpr_requests") == pseudonym);
    CHECK(f.db.query_value("SELECT metadata->>'subject' FROM tenantctl.audit_log WHERE action = 'gdpr.erase'") ==
          pseudonym);
    CHECK(f.db.query_value("SELECT metadata->>'subject' FROM tenantctl.audit_log WHERE action = 'gdpr.export'") ==
          pseudonym);

    // Sealing what erasure appended and verifying again is clean; tampering with an erased
    // event is still caught (the placeholder must be exactly the recorded pseudonym).
    seal_all(tc);
    CHECK(verify_tenant(tc, "acme").status == "ok");
    f.db.exec(fmt::format("UPDATE tenantctl.audit_log SET actor_id = 'pseudonym:' || repeat('0', 64) "
                          "WHERE actor_id = '{}'",
                          pseudonym));
    auto broken = verify_tenant(tc, "acme");
    CHECK(broken.status == "broken");
    CHECK(broken.problem == "modified");
}

TEST_CASE("gdpr erase --dry-run creates no audit key and names no pseudonym it would not use",
          "[integration][gdpr][audit]") {
    test::GdprFixture f;
    GlobalOptions g;
    g.dry_run = true;
    test::TestContext tc(f.db, f.config(), g);
    auto r = gdpr::erase_subject(tc.ctx(), gdpr::EraseOptions{"acme", "email:alice@example.com", std::nullopt, false,
                                                              std::nullopt});
    CHECK(r.receipt["subject"] == "(assigned on erasure)");
    CHECK(f.db.query_value("SELECT count(*) FROM tenantctl.audit_keys") == "0");
    CHECK(f.db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log WHERE actor_id = '{}'", f.alice)) ==
          "1");
}
