// Reading RLS expressions as pg_get_expr prints them: which confine rows to the tenant named
// by the tenancy setting, and which leak (and why).
#include <catch2/catch.hpp>

#include "core/doctor/policy_expr.hpp"

using namespace tenantctl::doctor;

namespace {
ExprVerdict verdict(const char* expr, const char* column = "tenant_id") {
    return analyze_policy_expr(expr, column, "app.tenant_id").verdict;
}
}  // namespace

TEST_CASE("policy expressions that confine the tenant", "[unit][doctor]") {
    CHECK(verdict("(tenant_id = (current_setting('app.tenant_id'::text))::uuid)") == ExprVerdict::restricts);
    CHECK(verdict("(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)") ==
          ExprVerdict::restricts);
    CHECK(verdict("((tenant_id)::text = current_setting('app.tenant_id'::text, true))") == ExprVerdict::restricts);
    CHECK(verdict("(tenant_id = (current_setting('app.tenant_id'::text))::bigint)") == ExprVerdict::restricts);
    CHECK(verdict("((current_setting('app.tenant_id'::text))::character varying(64) = org)", "org") ==
          ExprVerdict::restricts);
    // AND with a confining conjunct confines.
    CHECK(verdict("((tenant_id = (current_setting('app.tenant_id'::text))::uuid) AND (deleted_at IS NULL))") ==
          ExprVerdict::restricts);
    // OR of confining disjuncts confines.
    CHECK(verdict("((tenant_id = (current_setting('app.tenant_id'::text))::uuid) OR "
                  "(tenant_id = (current_setting('app.tenant_id'::text, true))::uuid))") == ExprVerdict::restricts);
    CHECK(verdict("false") == ExprVerdict::restricts);
    CHECK(verdict("(\"Tenant\" = current_setting('app.tenant_id'::text))", "Tenant") == ExprVerdict::restricts);
}

TEST_CASE("policy expressions that leak, and why", "[unit][doctor]") {
    CHECK(verdict("true") == ExprVerdict::always_true);
    CHECK(verdict("(1 = 1)") == ExprVerdict::always_true);
    auto a = analyze_policy_expr(
        "((tenant_id = (current_setting('app.tenant_id'::text))::uuid) OR true)", "tenant_id", "app.tenant_id");
    CHECK(a.verdict == ExprVerdict::always_true);
    CHECK(a.culprit == "true");
    a = analyze_policy_expr("((current_setting('app.tenant_id'::text, true) IS NULL) OR (tenant_id = "
                            "(current_setting('app.tenant_id'::text, true))::uuid))",
                            "tenant_id", "app.tenant_id");
    CHECK(a.verdict == ExprVerdict::unset_admits);
    CHECK(a.culprit == "current_setting('app.tenant_id'::text, true) IS NULL");
    CHECK(explain(a, "tenant_id", "app.tenant_id").find("unset") != std::string::npos);
    a = analyze_policy_expr("(current_setting('app.bypass_rls'::text, true) = 'on'::text)", "tenant_id",
                            "app.tenant_id");
    CHECK(a.verdict == ExprVerdict::other_setting);
    CHECK(a.other == "app.bypass_rls");
    CHECK(verdict("(tenant_id = (current_setting('app.org_id'::text))::uuid)") == ExprVerdict::other_compare);
    CHECK(verdict("(tenant_id IS NOT NULL)") == ExprVerdict::other_compare);
    CHECK(verdict("(tenant_id = owner_tenant)") == ExprVerdict::other_compare);
    // The column on the setting side: admits every row when the setting is unset.
    CHECK(verdict("(tenant_id = COALESCE((current_setting('app.tenant_id'::text, true))::uuid, tenant_id))") ==
          ExprVerdict::other_compare);
    CHECK(verdict("(tenant_id = ANY (ARRAY[(current_setting('app.tenant_id'::text))::uuid, owner]))") ==
          ExprVerdict::other_compare);
    CHECK(verdict("(owner = CURRENT_USER)") == ExprVerdict::not_restricting);
    // CASE ... END hides its ANDs and ORs from the split.
    CHECK(verdict("CASE WHEN (a OR b) THEN true ELSE false END") == ExprVerdict::not_restricting);
}
