// The schema corpus (issue 11): small multi-tenant app schemas in the shapes real apps have,
// each with rows for two tenants, for tests that run every command on every shape and assert
// exact row sets before and after.
//
// Every pattern:
//   - is independent: `setup_sql` creates everything it needs on a fresh TestDatabase (which
//     already has the platform schema) and is run once, as the superuser, in one db.exec;
//   - has RLS enabled AND forced on every table with the tenancy column, with a policy that
//     casts the setting to the column's type (`tenant_id = current_setting('app.tenant_id')::bigint`),
//     and the NOLOGIN role `app` with grants (roles are cluster-wide: created if missing, never
//     dropped);
//   - has a users-like subject table with `email` and a full name; tenant A and tenant B both
//     have a user with the email alice@example.com (selectors must stay inside the tenant);
//   - has columns the data map declares `encrypted`, seeded with PLAINTEXT: a test that needs
//     Fernet tokens there encrypts them itself (see register_tenants for the data keys);
//   - shares id ranges between the tenants wherever the key lets it (composite keys led by the
//     tenancy column: both tenants have users 1, 2, 3). Single-column keys are unique across the
//     table, so there the tenants' ids differ;
//   - has deterministic rows (no now(), no random defaults), so snapshots are reproducible.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/test_support.hpp"

namespace tenantctl::test::corpus {

struct Pattern {
    std::string name;           // "composite_fk"
    std::string description;    // one line
    std::string setup_sql;      // DDL + rows for both tenants (see above)
    std::string config_yaml;    // a complete tenantctl.yaml: tenancy (+ tenants_table when the pattern has one) and data
    std::string tenancy_column; // as written, unquoted: "tenant_id", "org_id", "tenantId"
    std::string tenancy_type;   // uuid, bigint, integer, text, varchar(36): a cast target for $1
    std::string tenant_a, tenant_b;  // the two tenants' tenancy values as text
    // Every app relation holding rows, schema-qualified as written in SQL ("public.users",
    // "public.\"UserAccount\""): tables with the tenancy column, tables without it that hang
    // off tenant rows, the app's tenants table, and global tables no tenant owns (below).
    // A partitioned table is listed once, by its parent; its partitions are not listed
    // (reading the parent reads them all).
    std::vector<std::string> relations;
    // How a relation's rows belong to a tenant, for relations where it is not
    // `t.<tenancy_column> = $1::<tenancy_type>`: an SQL predicate over the row alias `t`, with
    // $1 the tenancy value as text. Tables without the tenancy column are attributed through
    // their foreign-key parent (`EXISTS (SELECT 1 FROM public.posts p WHERE p.id = t.post_id
    // AND p.tenant_id = $1::uuid)`); the app's tenants table through its key (`t.id = $1::bigint`).
    std::map<std::string, std::string> attribution;
    // Relations in `relations` that belong to no tenant (plans, staff accounts): every
    // tenant-scoped command must leave them alone. snapshot_tenant gives them no rows.
    std::vector<std::string> shared_relations;
    // The owner-under-FORCE-RLS pattern: run tenantctl as this LOGIN role (see conninfo_for);
    // nullopt: as the superuser.
    std::optional<std::string> connect_as;
    // The setting the RLS policies read. It equals the config's tenancy.setting except in
    // owner_force_rls, where the app sets app.current_tenant and tenantctl is configured with
    // app.tenant_id (so the owner, under FORCE RLS, sees no rows through tenantctl's setting).
    std::string policy_setting = "app.tenant_id";
    std::string subject_a;      // a data-subject selector of tenant A: "email:alice@example.com"

    bool is_shared(const std::string& relation) const;
    // The predicate selecting one tenant's rows of `relation` (over alias `t`, value in $1).
    std::string tenant_predicate(const std::string& relation) const;
};

// The patterns, in a fixed order.
const std::vector<Pattern>& all();
// The pattern of that name; fails the test (Catch2 FAIL) on an unknown name.
const Pattern& get(std::string_view name);

// Runs `body` for every pattern; a failure in one pattern is reported with its name and the
// others still run.
template <class F>
void for_each_pattern(F&& body) {
    for (const auto& p : all()) {
        INFO("pattern " << p.name);
        try {
            body(p);
        } catch (const std::exception& e) {
            FAIL_CHECK("pattern " << p.name << ": " << e.what());
        }
    }
}

// Runs p.setup_sql on db.
void setup(const TestDatabase& db, const Pattern& p);

// Every row of every relation of the pattern as text (`SELECT t::text FROM rel t`), sorted
// bytewise, per relation (keys are p.relations); duplicates are kept. Read as the superuser
// with row_security off. Use it to assert exact row sets before/after a command.
using Snapshot = std::map<std::string, std::vector<std::string>>;
Snapshot snapshot(const TestDatabase& db, const Pattern& p);
// The same restricted to one tenant's rows, selected by p.tenant_predicate (tables without
// the tenancy column through their foreign-key parent, at the time of the snapshot). Shared
// relations are present with no rows. Every row of snapshot() is in exactly one tenant's
// snapshot or in a shared relation (the corpus test checks this), so after purging tenant A:
// snapshot(after) == snapshot(before) minus snapshot_tenant(before, A), row for row.
Snapshot snapshot_tenant(const TestDatabase& db, const Pattern& p, const std::string& tenancy_value);
// `from` with the rows of `remove` taken out (as multisets), e.g. the expected state after a purge.
Snapshot minus(const Snapshot& from, const Snapshot& remove);
// Total number of rows.
std::size_t row_count(const Snapshot& s);

// Registers both tenants in the platform schema (slugs "acme" and "globex"), each with its
// first data key, and returns their platform ids (a, b). A uuid tenancy value becomes the
// tenant's id (tenancy_key NULL); any other value is stored in tenants.tenancy_key.
struct Registered {
    std::string a, b;
};
Registered register_tenants(const TestDatabase& db, const Pattern& p);

// Replaces the plaintext seeded in every `encrypted` column of the pattern's data map by a
// Fernet token under the row's tenant's active data key (call register_tenants first). NULLs
// stay NULL; one token per distinct plaintext per tenant and column.
void encrypt_seeded(const TestDatabase& db, const Pattern& p, const Registered& ids);
// Like snapshot(), but every row is its to_jsonb text (keys sorted) with each `encrypted`
// column decrypted when it holds a token that one of the row's tenant's usable keys opens
// (other values are left as they are). Taken before encrypt_seeded, it holds the seeded
// plaintexts; after encrypting and any re-encryption it must be the same, row for row, which
// catches a value written back to the wrong row. Rows of non-shared relations that belong to
// neither tenant (see snapshot_tenant) are left out.
Snapshot plain_snapshot(const TestDatabase& db, const Pattern& p, const Registered& ids);

// Deletes every app row of one tenant at `db` (through p.tenant_predicate, rows picked first
// and deleted after, with triggers and foreign keys off); its platform rows stay: what an app
// bug or a mistaken bulk delete leaves, for `tenant restore-from` to repair.
void remove_rows(const TestDatabase& db, const Pattern& p, const std::string& tenancy_value);
// Deletes every row of one tenant at `db` (app rows through p.tenant_predicate, then its
// platform row `tenant_id` and its data keys), as if it had never been there: the destination
// of a tenant copy. Rows are picked first and deleted after, with triggers and foreign keys
// off, so a dependent is found through its parent before either goes.
void remove_tenant(const TestDatabase& db, const Pattern& p, const std::string& tenancy_value, const std::string& tenant_id);

// Connection string / URL of `db` for p.connect_as (the superuser's when nullopt).
std::string conninfo_for(const TestDatabase& db, const Pattern& p);
std::string url_for(const TestDatabase& db, const Pattern& p);

}  // namespace tenantctl::test::corpus
