// Integration: the data map, subject export, erasure and the request register against the
// real server, on the example app of tests/support/gdpr_fixture.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/gdpr/erase.hpp"
#include "core/gdpr/export_subject.hpp"
#include "core/gdpr/export_tenant.hpp"
#include "core/gdpr/anonymize_hash.hpp"
#include "core/gdpr/register.hpp"
#include "core/tenants/lookup.hpp"
#include "core/gdpr/doctor_checks.hpp"
#include "core/doctor/doctor.hpp"
#include "tests/support/gdpr_fixture.hpp"

using namespace tenantctl;

namespace {

Exit code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.code();
    }
    return Exit::ok;
}

gdpr::SubjectExportOptions json_options(const std::string& tenant, const std::string& selector,
                                        std::optional<std::string> request = std::nullopt) {
    return {tenant, selector, "json", std::nullopt, false, std::move(request)};
}

gdpr::EraseOptions erase_options(const std::string& tenant, const std::string& selector) {
    return {tenant, selector, std::nullopt, false, std::nullopt};
}

gdpr::DataMap map_of(Context& ctx, pqxx::transaction_base& tx) {
    return gdpr::load_data_map(ctx, tx, tenants::resolve(ctx, tx, "acme"));
}

json export_json(test::TestContext& tc, const std::string& selector, const std::string& tenant = "acme") {
    auto r = gdpr::export_subject(tc.ctx(), json_options(tenant, selector));
    return *r.document;
}

}  // namespace

TEST_CASE("the data map reaches tables by subject column and by foreign key, within the tenant", "[integration][gdpr]") {
    test::GdprFixture f;
    test::TestContext tc(f.db, f.config());
    pqxx::read_transaction tx(tc->db());
    auto map = map_of(tc.ctx(), tx);
    std::vector<std::string> names;
    for (const auto& t : map.reached) names.push_back(t.name.display());
    CHECK(names == std::vector<std::string>{"public.users", "public.documents", "public.invoices", "public.teams",
                                            "public.comments"});
    CHECK(gdpr::lint(map, tc->config().data).empty());
}

TEST_CASE("lint lists unclassified columns and unmapped reached tables", "[integration][gdpr]") {
    test::GdprFixture f;
    f.db.exec("ALTER TABLE users ADD COLUMN address text; "
              "CREATE TABLE likes (tenant_id uuid NOT NULL, id bigserial PRIMARY KEY, "
              "user_id uuid REFERENCES users (id), emoji text)");
    test::TestContext tc(f.db, f.config());
    pqxx::read_transaction tx(tc->db());
    auto findings = gdpr::lint(map_of(tc.ctx(), tx), tc->config().data);
    std::vector<std::string> got;
    for (const auto& x : findings) got.push_back(x.table + "." + x.column);
    CHECK(got == std::vector<std::string>{"public.likes.*", "public.likes.emoji", "public.users.address"});
}

TEST_CASE("a data map naming a missing table or column is a usage error", "[integration][gdpr]") {
    test::GdprFixture f;
    auto yaml = test::gdpr_yaml();
    auto bad_column = yaml;
    bad_column.replace(bad_column.find("pii: [title]"), 12, "pii: [titel]");
    test::TestContext tc(f.db, f.config(bad_column));
    pqxx::read_transaction tx(tc->db());
    try {
        map_of(tc.ctx(), tx);
        FAIL("expected a usage error");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::usage);
        CHECK(std::string(e.what()).find("'titel' does not exist in public.documents") != std::string::npos);
        CHECK(e.hint() == "did you mean 'title'?");
    }
    auto bad_table = yaml + "";
    bad_table.replace(bad_table.find("    invoices:"), 13, "    invoicez:");
    test::TestContext tc2(f.db, f.config(bad_table));
    pqxx::read_transaction tx2(tc2->db());
    CHECK(code_of([&] { map_of(tc2.ctx(), tx2); }) == Exit::usage);
}

TEST_CASE("subject export finds every row, decrypts, and includes audit events with third parties redacted",
          "[integration][gdpr]") {
    test::GdprFixture f;
    test::TestContext tc(f.db, f.config());
    auto doc = export_json(tc, "email:alice@example.com");
    CHECK(doc["manifest"]["subject"] == "key:" + f.alice);
    CHECK(doc["data"]["public.users"].size() == 1);
    CHECK(doc["data"]["public.users"][0]["phone"] == "+33 6 11 11 11 11");
    CHECK(doc["data"]["public.documents"].size() == 3);
    CHECK(doc["data"]["public.documents"][0]["body"] == "secret body 0");
    CHECK(doc["data"]["public.comments"].size() == 3);
    CHECK(doc["data"]["public.invoices"].size() == 2);
    CHECK(doc["data"]["public.teams"].size() == 1);
    // Two events concern alice; the one bob made has bob redacted. globex's alice is not here.
    REQUIRE(doc["audit"].size() == 2);
    CHECK(doc["audit"][1]["actor_id"] == "[redacted]");
    CHECK(doc["processing"]["recipients"][0] == "payment processor");
    // Registered and audited without personal data.
    CHECK(f.db.query_value("SELECT kind || ' ' || status || ' ' || subject FROM tenantctl.gdpr_requests") ==
          "export completed key:" + f.alice);
    auto meta = f.db.query_value("SELECT metadata::text FROM tenantctl.audit_log WHERE action = 'gdpr.export'");
    CHECK(meta.find("alice@example.com") == std::string::npos);
    CHECK(meta.find("+33") == std::string::npos);
    CHECK(meta.find("pseudonym:") != std::string::npos);
}

TEST_CASE("an undecryptable value is marked and counted, and the export continues", "[integration][gdpr]") {
    test::GdprFixture f;
    f.db.exec(fmt::format("UPDATE users SET phone = '{}' WHERE id = '{}'", f.encrypt(f.globex, "wrong key"), f.alice));
    test::TestContext tc(f.db, f.config());
    auto r = gdpr::export_subject(tc.ctx(), json_options("acme", "id:" + f.alice));
    CHECK(r.undecryptable == 1);
    CHECK((*r.document)["data"]["public.users"][0]["phone"] == json{{"undecryptable", true}});
    CHECK((*r.document)["data"]["public.documents"][0]["body"] == "secret body 0");
}

TEST_CASE("selectors: unknown subject, several subjects, unknown column, bad value", "[integration][gdpr]") {
    test::GdprFixture f;
    test::TestContext tc(f.db, f.config());
    CHECK(code_of([&] { export_json(tc, "email:nobody@example.com"); }) == Exit::not_found);
    CHECK(code_of([&] { export_json(tc, "full_name:Sam Smith"); }) == Exit::refused);
    CHECK(code_of([&] { export_json(tc, "emial:alice@example.com"); }) == Exit::usage);
    CHECK(code_of([&] { export_json(tc, "id:not-a-uuid"); }) == Exit::usage);
    CHECK(code_of([&] { export_json(tc, "no-colon"); }) == Exit::usage);
    CHECK(code_of([&] { export_json(tc, "email:alice@example.com", "nope"); }) == Exit::not_found);
    // None of these registered anything.
    CHECK(f.db.query_value("SELECT count(*) FROM tenantctl.gdpr_requests") == "0");
}

TEST_CASE("erase applies delete, anonymize and retain, pseudonymizes the audit log, and stores the receipt",
          "[integration][gdpr]") {
    test::GdprFixture f;
    GlobalOptions g;
    g.yes = true;
    test::TestContext tc(f.db, f.config(), g);
    auto r = gdpr::erase_subject(tc.ctx(), erase_options("acme", "email:alice@example.com"));
    const auto& receipt = r.receipt;
    CHECK(receipt["verified"] == true);
    std::map<std::string, std::pair<std::string, long long>> by_table;
    for (const auto& t : receipt["tables"]) by_table[t["table"]] = {t["action"], t["rows"]};
    CHECK(by_table["public.users"] == std::pair<std::string, long long>{"anonymize", 1});
    CHECK(by_table["public.documents"] == std::pair<std::string, long long>{"delete", 3});
    CHECK(by_table["public.comments"] == std::pair<std::string, long long>{"delete", 3});
    CHECK(by_table["public.invoices"] == std::pair<std::string, long long>{"retain", 2});
    CHECK(by_table["public.teams"] == std::pair<std::string, long long>{"anonymize", 1});

    // users: email hashed (matches the C++ pseudonym), name redacted, phone nulled.
    const auto key = [&] {
        pqxx::work tx(tc->db());
        return gdpr::anonymize_key(tc.ctx(), tx, f.acme);
    }();
    CHECK(f.db.query_value(fmt::format("SELECT email FROM users WHERE id = '{}'", f.alice)) ==
          gdpr::anonymized(key, "alice@example.com"));
    CHECK(f.db.query_value(fmt::format("SELECT full_name || coalesce(phone, '-') FROM users WHERE id = '{}'", f.alice)) ==
          "[erased]-");
    CHECK(f.db.query_value("SELECT count(*) FROM documents WHERE title LIKE 'Alice%'") == "0");
    CHECK(f.db.query_value("SELECT count(*) FROM documents") == "2");  // bob's and globex's stay
    CHECK(f.db.query_value("SELECT count(*) FROM comments") == "0");
    CHECK(f.db.query_value("SELECT count(*) FROM invoices") == "3");
    CHECK(f.db.query_value("SELECT manager_id IS NULL FROM teams") == "t");
    // The other tenant's alice is untouched.
    CHECK(f.db.query_value(fmt::format("SELECT email FROM users WHERE id = '{}'", f.globex_alice)) == "alice@example.com");
    // Audit: nothing names alice any more; events are kept; the erasure event was appended.
    CHECK(f.db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log WHERE actor_id = '{0}' OR "
                                       "resource_id = '{0}' OR metadata::text LIKE '%alice@%'",
                                       f.alice)) == "0");
    CHECK(f.db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE actor_id LIKE 'pseudonym:%'") == "1");
    CHECK(f.db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'gdpr.erase'") == "1");
    // The receipt is in the register.
    auto shown = [&] {
        pqxx::read_transaction tx(tc->db());
        return gdpr::show_request(tc.ctx(), tx, r.request_id);
    }();
    CHECK(shown["kind"] == "erase");
    CHECK(nlohmann::json::parse(shown["receipt"]["tables"].dump()) == nlohmann::json::parse(receipt["tables"].dump()));
    CHECK(shown["subject"].get<std::string>().rfind("pseudonym:", 0) == 0);
    // The selector no longer finds the person.
    CHECK(code_of([&] { export_json(tc, "email:alice@example.com"); }) == Exit::not_found);
}

TEST_CASE("erase --dry-run plans and changes nothing", "[integration][gdpr]") {
    test::GdprFixture f;
    GlobalOptions g;
    g.dry_run = true;
    test::TestContext tc(f.db, f.config(), g);
    auto r = gdpr::erase_subject(tc.ctx(), erase_options("acme", "email:alice@example.com"));
    CHECK(r.receipt["dry_run"] == true);
    CHECK(r.receipt["tables"].size() == 5);
    CHECK(f.db.query_value("SELECT count(*) FROM documents") == "5");
    CHECK(f.db.query_value("SELECT count(*) FROM tenantctl.gdpr_requests") == "0");
}

TEST_CASE("erase deletes through a users <-> teams foreign-key cycle", "[integration][gdpr]") {
    for (bool deferrable : {false, true}) {
        DYNAMIC_SECTION("deferrable " << deferrable) {
            test::GdprFixture f(deferrable);
            GlobalOptions g;
            g.yes = true;
            test::TestContext tc(f.db, f.config(test::gdpr_yaml("delete", "delete")), g);
            auto r = gdpr::erase_subject(tc.ctx(), erase_options("acme", "id:" + f.alice));
            CHECK(f.db.query_value(fmt::format("SELECT count(*) FROM users WHERE id = '{}'", f.alice)) == "0");
            CHECK(f.db.query_value("SELECT count(*) FROM teams") == "0");
            // bob stays, his team reference cleared; alice's invoices are retained without the reference.
            CHECK(f.db.query_value(fmt::format("SELECT team_id IS NULL FROM users WHERE id = '{}'", f.bob)) == "t");
            CHECK(f.db.query_value("SELECT count(*) FROM invoices WHERE user_id IS NULL") == "2");
            CHECK(r.receipt["references_cleared"].size() == 2);
        }
    }
}

TEST_CASE("erase rolls back and exits 8 when something erasable survives", "[integration][gdpr]") {
    test::GdprFixture f;
    // An app trigger that silently keeps the name: verification must catch it.
    f.db.exec("CREATE FUNCTION keep_name() RETURNS trigger LANGUAGE plpgsql AS "
              "$$ BEGIN NEW.full_name := OLD.full_name; RETURN NEW; END $$; "
              "CREATE TRIGGER keep BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION keep_name()");
    GlobalOptions g;
    g.yes = true;
    test::TestContext tc(f.db, f.config(), g);
    CHECK(code_of([&] { gdpr::erase_subject(tc.ctx(), erase_options("acme", "email:alice@example.com")); }) == Exit::integrity);
    CHECK(f.db.query_value("SELECT count(*) FROM documents") == "5");
    CHECK(f.db.query_value("SELECT count(*) FROM tenantctl.gdpr_requests") == "0");
    CHECK(f.db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE actor_id LIKE 'pseud%'") == "0");
}

TEST_CASE("whole-tenant export writes every tenant-scoped table of one tenant", "[integration][gdpr]") {
    test::GdprFixture f;
    test::TempDir dir;
    test::TestContext tc(f.db, f.config());
    auto r = gdpr::export_tenant(tc.ctx(), {"acme", dir / "acme.tar.gz", "ndjson", false, std::nullopt});
    CHECK(r.rows == 3 + 1 + 4 + 3 + 3);
    CHECK(std::filesystem::exists(dir / "acme.tar.gz"));
    CHECK((std::filesystem::status(dir / "acme.tar.gz").permissions() & std::filesystem::perms::group_all) ==
          std::filesystem::perms::none);
    CHECK(f.db.query_value("SELECT kind FROM tenantctl.gdpr_requests") == "export_all");
    // Only the partial-file-free directory: one archive, no spool files.
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("the register: add, complete with --request, close, and doctor reports overdue", "[integration][gdpr]") {
    test::GdprFixture f;
    test::TestContext tc(f.db, f.config());
    std::string id;
    {
        pqxx::work tx(tc->db());
        id = gdpr::add_request(tc.ctx(), tx, f.acme, "export", "key:" + f.alice, std::string("2000-01-01T00:00:00Z"),
                               std::nullopt);
        tx.commit();
    }
    std::vector<doctor::Finding> findings;
    gdpr::check_overdue_requests(tc.ctx(), findings);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].status == "fail");
    auto r = gdpr::export_subject(tc.ctx(), json_options("acme", "id:" + f.alice, id));
    CHECK(r.request_id == id);
    CHECK((*r.document)["manifest"]["request_id"] == id);
    findings.clear();
    gdpr::check_overdue_requests(tc.ctx(), findings);
    CHECK(findings[0].status == "ok");
    pqxx::work tx(tc->db());
    CHECK(gdpr::close_request(tc.ctx(), tx, id, std::string("sent"))["status"] == "closed");
    CHECK(code_of([&] { gdpr::close_request(tc.ctx(), tx, id, std::nullopt); }) == Exit::refused);
}
