// Doctor's isolation checks and probe (issue 13) against a clean RLS schema and against each
// known cross-tenant fault planted on it, one at a time.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/doctor/doctor.hpp"
#include "core/doctor/isolation.hpp"
#include "core/doctor/probe.hpp"
#include "tests/support/isolation_schema.hpp"

using namespace tenantctl;

namespace {

std::vector<doctor::Finding> failures(const doctor::Report& r) {
    std::vector<doctor::Finding> out;
    for (const auto& f : r.findings)
        if (f.status == "fail") out.push_back(f);
    return out;
}

std::string describe(const std::vector<doctor::Finding>& fs) {
    std::string s;
    for (const auto& f : fs) s += f.check + " | " + f.subject + " | " + f.detail + " | " + f.hint + "\n";
    return s;
}

std::string describe(const doctor::ProbeResult& p) {
    std::string s;
    for (const auto& r : p.rows)
        s += r.relation + " " + r.kind + " read=" + r.read.outcome + " insert=" + r.insert.outcome +
             " update=" + r.update.outcome + " delete=" + r.del.outcome + " unset=" + r.unset.outcome + " " +
             r.detail() + "\n";
    return s;
}

const doctor::ProbeRow* row_of(const doctor::ProbeResult& p, const std::string& relation) {
    for (const auto& r : p.rows)
        if (r.relation == relation) return &r;
    return nullptr;
}

struct Fault {
    const char* name;
    const char* sql;        // @app@ is the app role
    const char* check;      // the static check that must catch it
    const char* subject;    // the subject it must name
    const char* words;      // words the detail must contain
    const char* leaks_in;   // relation where the probe must see a leak ("" when it cannot leak to the probe)
    const char* leak_cell;  // read insert update delete unset
};

const Fault kFaults[] = {
    {"a second permissive policy with a bypass switch",
     "CREATE POLICY bypass ON public.users USING (current_setting('app.bypass_rls', true) = 'on')", "policies",
     "public.users", "app.bypass_rls", "", ""},
    {"a policy that admits every row when the setting is unset",
     "ALTER POLICY tenant_isolation ON public.users USING (current_setting('app.tenant_id', true) IS NULL "
     "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)",
     "policies", "public.users", "unset", "public.users", "unset"},
    {"a partition granted to the app role", "GRANT SELECT ON public.events_now TO @app@", "partitions",
     "public.events_now", "RLS of the parent", "public.events_now", "read"},
    {"a view owned by a superuser", "CREATE VIEW public.all_users AS SELECT * FROM public.users; "
     "GRANT SELECT ON public.all_users TO @app@", "views", "all_users", "superuser", "public.all_users", "read"},
    {"a SECURITY DEFINER function owned by a superuser",
     "CREATE FUNCTION public.users_of(t uuid) RETURNS SETOF public.users LANGUAGE sql SECURITY DEFINER "
     "AS 'SELECT * FROM public.users WHERE tenant_id = t'",
     "definer_functions", "public.users_of(t uuid)", "SECURITY DEFINER", "public.users_of(t uuid)", "read"},
    {"a tenant policy OR'ed with something always true",
     "ALTER POLICY tenant_isolation ON crm.deals USING (tenant_id = nullif(current_setting('app.tenant_id', true), "
     "'')::uuid OR 1 = 1)",
     "policies", "crm.deals", "true for every row", "crm.deals", "read"},
    {"a debug policy FOR SELECT TO PUBLIC USING (true)",
     "CREATE POLICY debug ON public.users FOR SELECT TO PUBLIC USING (true)", "policies", "public.users",
     "true for every row", "public.users", "read"},
    {"an INSERT policy WITH CHECK (true)", "CREATE POLICY ins ON crm.deals FOR INSERT WITH CHECK (true)", "policies",
     "crm.deals", "WITH CHECK", "crm.deals", "insert"},
    {"an UPDATE policy WITH CHECK (true)",
     "CREATE POLICY upd ON crm.notes FOR UPDATE USING (tenant_id = current_setting('app.tenant_id', true)) "
     "WITH CHECK (true)",
     "policies", "crm.notes", "WITH CHECK", "crm.notes", "update"},
    {"a permissive policy without a check", "CREATE POLICY shared ON crm.deals USING (stage = 'public'); "
     "UPDATE crm.deals SET stage = 'public' WHERE amount = 20",
     "policies", "crm.deals", "no WITH CHECK, so USING checks new rows", "crm.deals", "read"},
    {"a policy comparing the tenancy column with something else",
     "ALTER POLICY tenant_isolation ON crm.notes USING (tenant_id IS NOT NULL)", "policies", "crm.notes",
     "does not compare tenant_id", "crm.notes", "read"},
    {"a policy comparing with another setting",
     "ALTER POLICY tenant_isolation ON crm.deals USING (tenant_id = nullif(current_setting('app.org_id', true), "
     "'')::uuid)",
     "policies", "crm.deals", "app.org_id", "", ""},
    {"a readable tenant table without RLS",
     "CREATE TABLE public.exports (tenant_id uuid NOT NULL, body text); "
     "INSERT INTO public.exports VALUES ('22222222-2222-4222-8222-222222222222', 'x'); "
     "GRANT SELECT ON public.exports TO @app@",
     "rls", "public.exports", "can read it", "public.exports", "read"},
    {"a materialized view of a tenant table",
     "CREATE MATERIALIZED VIEW public.user_counts AS SELECT tenant_id, count(*) FROM public.users GROUP BY 1; "
     "GRANT SELECT ON public.user_counts TO @app@",
     "matviews", "user_counts", "no RLS", "public.user_counts", "read"},
    {"a tenant table inside the platform schema",
     "CREATE TABLE tenantctl.app_notes (tenant_id uuid NOT NULL, body text); "
     "INSERT INTO tenantctl.app_notes VALUES ('22222222-2222-4222-8222-222222222222', 'x'); "
     "GRANT USAGE ON SCHEMA tenantctl TO @app@; GRANT SELECT ON tenantctl.app_notes TO @app@",
     "platform_isolation", "tenantctl.app_notes", "platform", "tenantctl.app_notes", "read"},
    {"the app role owning a tenant table", "ALTER TABLE crm.deals OWNER TO @app@", "app_role", "@app@",
     "crm.deals", "", ""},
    {"a view owned by the table owner on a table without FORCE",
     "CREATE ROLE @app@_owner NOLOGIN; ALTER TABLE public.users OWNER TO @app@_owner; "
     "ALTER TABLE public.users NO FORCE ROW LEVEL SECURITY; "
     "CREATE VIEW public.owner_users AS SELECT * FROM public.users; "
     "ALTER VIEW public.owner_users OWNER TO @app@_owner; GRANT SELECT ON public.owner_users TO @app@",
     "views", "owner_users", "not forced", "public.owner_users", "read"},
};

}  // namespace

TEST_CASE("the clean RLS schema passes the isolation checks and the probe", "[integration][doctor]") {
    test::TestDatabase db;
    test::IsolationSchema schema(db);
    test::TestContext tc(db, schema.config());
    auto report = doctor::run(tc.ctx(), {});
    auto fails = failures(report);
    INFO(describe(fails));
    CHECK(fails.empty());
    for (const char* check : {"policies", "partitions", "views", "matviews", "definer_functions", "role_membership",
                              "platform_isolation"}) {
        INFO(check);
        CHECK(std::any_of(report.findings.begin(), report.findings.end(),
                          [&](const auto& f) { return f.check == check && f.status == "ok"; }));
    }

    auto probe = doctor::run_probe(tc.ctx());
    INFO(describe(probe));
    CHECK(probe.leaks == 0);
    // Every path was really tried, not skipped.
    for (const char* rel : {"public.users", "crm.deals", "crm.notes", "public.events"}) {
        const auto* r = row_of(probe, rel);
        REQUIRE(r);
        CHECK(r->read.outcome == "isolated");
        CHECK(r->insert.outcome == "isolated");
        CHECK(r->update.outcome == "isolated");
        CHECK(r->del.outcome == "isolated");
        CHECK(r->unset.outcome != "leak");
    }
    const auto* part = row_of(probe, "public.events_now");
    REQUIRE(part);
    CHECK(part->read.outcome == "denied");
    const auto* view = row_of(probe, "public.user_emails");
    REQUIRE(view);
    CHECK(view->read.outcome == "isolated");
    const auto* fn = row_of(probe, "public.my_users()");
    REQUIRE(fn);
    CHECK(fn->read.outcome == "isolated");
    // Nothing stayed behind.
    CHECK(db.query_value("SELECT count(*) FROM public.users") == "2");
    CHECK(db.query_value("SELECT last_value FROM public.users_id_seq") == "2");
}

TEST_CASE("each planted fault is caught by the static checks and, where it leaks, by the probe",
          "[integration][doctor]") {
    for (const auto& fault : kFaults) {
        DYNAMIC_SECTION(fault.name) {
            test::TestDatabase db;
            test::IsolationSchema schema(db);
            db.exec(schema.sql(fault.sql));
            test::TestContext tc(db, schema.config());
            auto report = doctor::run(tc.ctx(), {});
            auto fails = failures(report);
            INFO(describe(fails));
            const std::string subject = schema.sql(fault.subject);
            bool caught = std::any_of(fails.begin(), fails.end(), [&](const auto& f) {
                return f.check == fault.check && (f.subject.find(subject) != std::string::npos ||
                                                  f.detail.find(subject) != std::string::npos) &&
                       f.detail.find(fault.words) != std::string::npos;
            });
            CHECK(caught);
            for (const auto& f : fails)
                if (f.check.rfind("gdpr", 0) != 0) CHECK_FALSE(f.hint.empty());

            if (std::string(fault.leaks_in).empty()) continue;
            auto probe = doctor::run_probe(tc.ctx());
            INFO(describe(probe));
            CHECK(probe.leaks > 0);
            const auto* r = row_of(probe, fault.leaks_in);
            REQUIRE(r);
            const std::string cell = fault.leak_cell;
            const auto& c = cell == "read" ? r->read : cell == "insert" ? r->insert : cell == "update" ? r->update
                                                     : cell == "delete" ? r->del : r->unset;
            CHECK(c.outcome == "leak");
            CHECK_FALSE(c.statement.empty());
            CHECK(db.query_value("SELECT count(*) FROM public.users") == "2");
            db.exec(schema.sql("DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '@app@_owner') THEN "
                               "ALTER TABLE public.users OWNER TO CURRENT_USER; DROP OWNED BY @app@_owner CASCADE; "
                               "DROP ROLE @app@_owner; END IF; END $$"));
        }
    }
}

TEST_CASE("the app role reaching a BYPASSRLS role through another role is caught", "[integration][doctor]") {
    test::TestDatabase db;
    test::IsolationSchema schema(db);
    const std::string mid = schema.app() + "_mid", top = schema.app() + "_ops";
    db.exec("CREATE ROLE " + top + " NOLOGIN BYPASSRLS; CREATE ROLE " + mid + " NOLOGIN NOINHERIT; GRANT " + top +
            " TO " + mid + "; GRANT " + mid + " TO " + schema.app());
    test::TestContext tc(db, schema.config());
    std::vector<doctor::Finding> out;
    doctor::check_role_membership(tc.ctx(), out);
    db.exec("DROP ROLE " + mid + "; DROP ROLE " + top);
    INFO(describe(out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].status == "fail");
    CHECK(out[0].detail.find(schema.app() + " -> " + mid + " -> " + top) != std::string::npos);
    CHECK(out[0].detail.find("has BYPASSRLS") != std::string::npos);
    CHECK(out[0].hint == "REVOKE \"" + mid + "\" FROM \"" + schema.app() + "\";");
}
