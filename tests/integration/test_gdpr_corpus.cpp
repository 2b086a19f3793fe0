// Integration: GDPR export, erase (dry run and real) and whole-tenant export on every pattern
// of the schema corpus (tests/support/schema_corpus): the other tenant's rows stay
// byte-identical, a dry run changes nothing and ends like the real run, and the whole-tenant
// export holds exactly the tenant's rows of every relation.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/gdpr/erase.hpp"
#include "core/gdpr/export_subject.hpp"
#include "core/gdpr/export_tenant.hpp"
#include "tests/support/schema_corpus.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;

namespace {

Exit code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.code();
    }
    return Exit::ok;
}

}  // namespace

TEST_CASE("gdpr on every corpus pattern: exact rows, the other tenant untouched", "[integration][gdpr][corpus]") {
    for (const auto& p : corpus::all()) {
        DYNAMIC_SECTION(p.name) {
            test::TestDatabase db;
            corpus::setup(db, p);
            corpus::register_tenants(db, p);
            auto config = config::parse_config(p.config_yaml, "tenantctl.yaml");
            const auto before = corpus::snapshot(db, p);
            const auto tenant_a = corpus::snapshot_tenant(db, p, p.tenant_a);
            const auto tenant_b = corpus::snapshot_tenant(db, p, p.tenant_b);

            // Whole-tenant export: exactly tenant A's rows, nothing changed.
            {
                test::TempDir dir;
                test::TestContext tc(db, config);
                auto r = gdpr::export_tenant(tc.ctx(), {"acme", dir / "acme.tar.gz", "ndjson", false, std::nullopt});
                CHECK(static_cast<std::size_t>(r.rows) == corpus::row_count(tenant_a));
            }
            // Subject export reads only.
            {
                test::TestContext tc(db, config);
                auto code = code_of([&] {
                    gdpr::export_subject(tc.ctx(), {"acme", p.subject_a, "json", std::nullopt, false, std::nullopt});
                });
                CHECK((code == Exit::ok || code == Exit::integrity));  // integrity: seeded plaintext in encrypted columns
            }
            const auto after_exports = corpus::snapshot(db, p);
            CHECK(after_exports == before);

            // Dry run: nothing changes, and it ends as the real run does.
            GlobalOptions dry;
            dry.dry_run = true;
            test::TestContext tdry(db, config, dry);
            const Exit dry_code =
                code_of([&] { gdpr::erase_subject(tdry.ctx(), {"acme", p.subject_a, std::nullopt, false, std::nullopt}); });
            const auto after_dry = corpus::snapshot(db, p);
            CHECK(after_dry == before);
            GlobalOptions yes;
            yes.yes = true;
            test::TestContext treal(db, config, yes);
            const Exit real_code =
                code_of([&] { gdpr::erase_subject(treal.ctx(), {"acme", p.subject_a, std::nullopt, false, std::nullopt}); });
            CHECK(dry_code == real_code);
            const auto b_after = corpus::snapshot_tenant(db, p, p.tenant_b);
            CHECK(b_after == tenant_b);
            if (real_code != Exit::ok) {
                const auto after_failed = corpus::snapshot(db, p);
                CHECK(after_failed == before);
            }
        }
    }
}
