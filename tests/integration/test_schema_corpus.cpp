// Integration: the schema corpus itself (tests/support/schema_corpus). Every pattern sets up on
// a fresh database, gives both tenants rows in every relation, lists every app relation, has
// the RLS and grants it claims, a config that parses and names only what exists, and
// snapshots that attribute every row to exactly one tenant (or to no tenant, for shared tables).
#include <catch2/catch.hpp>

#include <pqxx/pqxx>

#include <algorithm>
#include <set>

#include "core/config/config.hpp"
#include "tests/support/schema_corpus.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;

namespace {

std::string expected_format_type(const std::string& type) {
    if (type == "varchar(36)") return "character varying(36)";
    return type;
}

std::string sql_name(const config::QualifiedName& n) {
    auto q = [](const std::string& s) {
        std::string out = "\"";
        for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    };
    return q(n.schema) + "." + q(n.name);
}

std::string oid_of(pqxx::transaction_base& tx, const std::string& relation) {
    auto r = tx.exec_params1("SELECT to_regclass($1)::oid", relation);
    REQUIRE_FALSE(r[0].is_null());
    return r[0].as<std::string>();
}

bool has_column(pqxx::transaction_base& tx, const std::string& relation, const std::string& column) {
    return tx
               .exec_params1("SELECT count(*) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 "
                             "AND attnum > 0 AND NOT attisdropped",
                             relation, column)[0]
               .as<int>() == 1;
}

// Counts the rows of `relation` visible to `role` with `setting` set to `value`.
long visible_rows(pqxx::connection& c, const std::string& role, const std::string& setting, const std::string& value,
                  const std::string& relation) {
    pqxx::work tx(c);
    tx.exec("SET LOCAL ROLE " + c.quote_name(role));
    tx.exec_params("SELECT set_config($1, $2, true)", setting, value);
    return tx.exec1("SELECT count(*) FROM " + relation)[0].as<long>();
}

void check_pattern(const std::string& name) {
    const corpus::Pattern& p = corpus::get(name);
    INFO("pattern " << p.name);
    test::TestDatabase db;
    corpus::setup(db, p);

    // The config parses and names only tables and columns that exist.
    const config::Config cfg = config::parse_config(p.config_yaml, "tenantctl.yaml");
    CHECK(cfg.tenancy.column == p.tenancy_column);
    REQUIRE(cfg.data.subjects);
    pqxx::connection c(db.conninfo());
    std::string tenants_table;
    {
        pqxx::read_transaction tx(c);
        const auto column_exists = [&](const config::QualifiedName& table, const std::string& column) {
            INFO(table.to_string() << "." << column);
            CHECK(has_column(tx, sql_name(table), column));
        };
        column_exists(cfg.data.subjects->table, cfg.data.subjects->key);
        for (const auto& l : cfg.data.subjects->lookup) column_exists(cfg.data.subjects->table, l);
        for (const auto& t : cfg.data.tables) {
            INFO("data table " << t.table.to_string());
            REQUIRE_FALSE(tx.exec_params1("SELECT to_regclass($1)", sql_name(t.table))[0].is_null());
            if (t.subject) column_exists(t.table, *t.subject);
            for (const auto* list : {&t.pii, &t.encrypted, &t.non_pii})
                for (const auto& col : *list) column_exists(t.table, col);
            for (const auto& [col, _] : t.anonymize) column_exists(t.table, col);
        }
        if (cfg.tenancy.tenants_table) {
            const auto& tt = *cfg.tenancy.tenants_table;
            column_exists(tt.table, tt.key);
            if (tt.slug) column_exists(tt.table, *tt.slug);
            if (tt.name) column_exists(tt.table, *tt.name);
            for (const auto& r : p.relations)
                if (oid_of(tx, r) == oid_of(tx, sql_name(tt.table))) tenants_table = r;
            CHECK_FALSE(tenants_table.empty());
        }

        // `relations` is exactly the app's tables (partitions are read through their parent).
        std::set<std::string> listed, found;
        for (const auto& r : p.relations) listed.insert(oid_of(tx, r));
        CHECK(listed.size() == p.relations.size());
        for (const auto& row : tx.exec(
                 "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
                 "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'tenantctl')"))
            found.insert(row[0].as<std::string>());
        CHECK(found == listed);

        // Tables attributed by the tenancy column have it, with the pattern's type, and RLS
        // enabled and forced with a policy; the others do not have the column.
        for (const auto& r : p.relations) {
            INFO("relation " << r);
            const bool by_column = !p.is_shared(r) && p.attribution.count(r) == 0;
            CHECK(has_column(tx, r, p.tenancy_column) == by_column);
            if (!by_column) continue;
            CHECK(tx.exec_params1("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                  "WHERE attrelid = $1::regclass AND attname = $2",
                                  r, p.tenancy_column)[0]
                      .as<std::string>() == expected_format_type(p.tenancy_type));
            auto rls = tx.exec_params1("SELECT relrowsecurity, relforcerowsecurity, "
                                       "(SELECT count(*) FROM pg_policy WHERE polrelid = c.oid) "
                                       "FROM pg_class c WHERE c.oid = $1::regclass",
                                       r);
            CHECK(rls[0].as<bool>());
            CHECK(rls[1].as<bool>());
            CHECK(rls[2].as<int>() >= 1);
        }

        // The subject selector finds one subject in tenant A.
        const auto colon = p.subject_a.find(':');
        REQUIRE(colon != std::string::npos);
        CHECK(tx.exec_params1("SELECT count(*) FROM " + sql_name(cfg.data.subjects->table) + " t WHERE t." +
                                  c.quote_name(p.subject_a.substr(0, colon)) + " = $2 AND " +
                                  p.tenant_predicate(sql_name(cfg.data.subjects->table)),
                              p.tenant_a, p.subject_a.substr(colon + 1))[0]
                  .as<int>() == 1);
    }

    // Snapshots: both tenants have rows in every tenant relation (at least two, so batches of
    // size 2 have work, except in the tenants table), shared relations have rows and belong to
    // nobody, and every row belongs to exactly one tenant.
    const auto all_rows = corpus::snapshot(db, p);
    const auto a = corpus::snapshot_tenant(db, p, p.tenant_a);
    const auto b = corpus::snapshot_tenant(db, p, p.tenant_b);
    CHECK(corpus::snapshot(db, p) == all_rows);
    CHECK(all_rows.size() == p.relations.size());
    for (const auto& r : p.relations) {
        INFO("relation " << r);
        if (p.is_shared(r)) {
            CHECK_FALSE(all_rows.at(r).empty());
            CHECK(a.at(r).empty());
            CHECK(b.at(r).empty());
            continue;
        }
        const std::size_t min_rows = r == tenants_table ? 1 : 2;
        CHECK(a.at(r).size() >= min_rows);
        CHECK(b.at(r).size() >= min_rows);
        std::vector<std::string> both = a.at(r);
        both.insert(both.end(), b.at(r).begin(), b.at(r).end());
        std::sort(both.begin(), both.end());
        CHECK(both == all_rows.at(r));
    }
    const auto without_a = corpus::minus(all_rows, a);
    for (const auto& r : p.relations) CHECK(without_a.at(r) == (p.is_shared(r) ? all_rows.at(r) : b.at(r)));
    CHECK(corpus::row_count(without_a) == corpus::row_count(all_rows) - corpus::row_count(a));

    // The app role sees exactly one tenant's rows through the policies' setting.
    for (const auto& r : p.relations) {
        if (p.is_shared(r) || p.attribution.count(r)) continue;
        INFO("relation " << r);
        CHECK(visible_rows(c, "app", p.policy_setting, p.tenant_a, r) == static_cast<long>(a.at(r).size()));
        CHECK(visible_rows(c, "app", p.policy_setting, p.tenant_b, r) == static_cast<long>(b.at(r).size()));
    }

    // Partitioned tables: (ctid, xmin) repeats across partitions, so it is no row identity.
    {
        pqxx::read_transaction tx(c);
        for (const auto& r : p.relations) {
            if (tx.exec_params1("SELECT relkind FROM pg_class WHERE oid = $1::regclass", r)[0].as<std::string>() != "p")
                continue;
            INFO("partitioned " << r);
            CHECK(tx.exec1("SELECT count(*) FROM (SELECT ctid, xmin::text FROM " + r +
                           " GROUP BY 1, 2 HAVING count(*) > 1) d")[0]
                      .as<int>() > 0);
            CHECK(tx.exec1("SELECT count(DISTINCT xmin::text) FROM " + r)[0].as<int>() == 1);
            // Both tenants have rows in at least two partitions or own one each (LIST).
            CHECK(tx.exec1("SELECT count(DISTINCT tableoid) FROM " + r)[0].as<int>() >= 2);
        }
    }

    // The owner pattern: the owner is subject to its own policies, which read another setting.
    if (p.connect_as) {
        pqxx::connection owner(corpus::conninfo_for(db, p));
        pqxx::work tx(owner);
        CHECK(tx.exec1("SELECT current_user")[0].as<std::string>() == *p.connect_as);
        for (const auto& r : p.relations) {
            INFO("relation " << r);
            CHECK(tx.exec_params1("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = $1::regclass", r)[0]
                      .as<std::string>() == *p.connect_as);
            tx.exec_params("SELECT set_config($1, $2, true)", cfg.tenancy.setting, p.tenant_a);
            CHECK(tx.exec1("SELECT count(*) FROM " + r)[0].as<long>() == 0);
            tx.exec_params("SELECT set_config($1, $2, true)", p.policy_setting, p.tenant_a);
            CHECK(tx.exec1("SELECT count(*) FROM " + r)[0].as<long>() == static_cast<long>(a.at(r).size()));
            tx.exec_params("SELECT set_config($1, '', true)", p.policy_setting);
        }
        // The owner can use the platform schema, as if `tenantctl init` had run as it.
        CHECK(tx.exec1("SELECT count(*) FROM tenantctl.tenants")[0].as<long>() == 0);
        CHECK(tx.exec1("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'tenantctl'")[0]
                  .as<std::string>() == *p.connect_as);
    } else {
        CHECK(corpus::conninfo_for(db, p) == db.conninfo());
        CHECK(corpus::url_for(db, p) == db.url());
    }

    // Registering the tenants in the platform maps each to its tenancy value, with a data key.
    const auto ids = corpus::register_tenants(db, p);
    {
        pqxx::read_transaction tx(c);
        for (const auto& [id, value] : {std::pair{ids.a, p.tenant_a}, std::pair{ids.b, p.tenant_b}}) {
            CHECK(tx.exec_params1("SELECT coalesce(tenancy_key, id::text) FROM tenantctl.tenants WHERE id = $1::uuid",
                                  id)[0]
                      .as<std::string>() == value);
            CHECK(tx.exec_params1("SELECT count(*) FROM tenantctl.tenant_keys WHERE tenant_id = $1::uuid", id)[0]
                      .as<int>() == 1);
        }
    }
    // Nothing above changed an app row.
    CHECK(corpus::snapshot(db, p) == all_rows);

    // Encrypting the seeded plaintexts changes exactly the encrypted columns: the decrypted
    // view is what was seeded, and every encrypted value is now a token.
    const auto plain = corpus::plain_snapshot(db, p, ids);
    CHECK(corpus::row_count(plain) == corpus::row_count(all_rows));
    corpus::encrypt_seeded(db, p, ids);
    CHECK(corpus::plain_snapshot(db, p, ids) == plain);
    CHECK(corpus::snapshot(db, p) != all_rows);
    {
        pqxx::read_transaction tx(c);
        int columns = 0;
        for (const auto& t : cfg.data.tables)
            for (const auto& col : t.encrypted) {
                ++columns;
                INFO(t.table.to_string() << "." << col);
                const std::string column = c.quote_name(col);
                auto r = tx.exec1("SELECT count(*) FILTER (WHERE " + column + " LIKE 'gAAAAA%'), count(" + column +
                                  ") FROM " + sql_name(t.table));
                CHECK(r[1].as<int>() > 0);
                CHECK(r[0].as<int>() == r[1].as<int>());
            }
        CHECK(columns > 0);
    }
}

}  // namespace

TEST_CASE("schema corpus: the patterns have distinct names and cover every tenancy type", "[integration][corpus]") {
    std::set<std::string> names, types;
    for (const auto& p : corpus::all()) {
        CHECK(names.insert(p.name).second);
        types.insert(p.tenancy_type);
        CHECK_FALSE(p.description.empty());
        CHECK(p.description.find('\n') == std::string::npos);
    }
    CHECK(names == std::set<std::string>{"composite_fk", "single_fk", "self_reference", "cycle_nullable",
                                         "cycle_deferrable", "cascade_set_null", "non_public_schema", "quoted_names",
                                         "tenants_table_uuid", "partitioned", "generated_pii", "no_primary_key",
                                         "owner_force_rls", "value_types", "app_triggers"});
    CHECK(types == std::set<std::string>{"uuid", "bigint", "integer", "text", "varchar(36)"});
}

// One test per pattern, so they run in parallel and fail separately.
#define CORPUS_PATTERN_TEST(NAME)                                                                  \
    TEST_CASE("schema corpus: " NAME " sets up with both tenants' rows", "[integration][corpus]") { \
        check_pattern(NAME);                                                                       \
    }

CORPUS_PATTERN_TEST("composite_fk")
CORPUS_PATTERN_TEST("app_triggers")
CORPUS_PATTERN_TEST("single_fk")
CORPUS_PATTERN_TEST("self_reference")
CORPUS_PATTERN_TEST("cycle_nullable")
CORPUS_PATTERN_TEST("cycle_deferrable")
CORPUS_PATTERN_TEST("cascade_set_null")
CORPUS_PATTERN_TEST("non_public_schema")
CORPUS_PATTERN_TEST("quoted_names")
CORPUS_PATTERN_TEST("tenants_table_uuid")
CORPUS_PATTERN_TEST("partitioned")
CORPUS_PATTERN_TEST("generated_pii")
CORPUS_PATTERN_TEST("no_primary_key")
CORPUS_PATTERN_TEST("owner_force_rls")
CORPUS_PATTERN_TEST("value_types")
