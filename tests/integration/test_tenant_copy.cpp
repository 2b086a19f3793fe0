// Integration: `tenant copy` (core/portability/copy) on every pattern of the schema corpus.
// The destination has the same schema and the other tenant's rows, not this one's; after the
// copy the tenant's rows there are exactly the source's (as text, encrypted values decrypted
// with the keys that travelled), the other tenant's rows are untouched, and `tenant diff`
// finds nothing. A dry run, a refusal or a failed verification leaves the destination as it was.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/audit/append.hpp"
#include "core/audit/chain.hpp"
#include "core/config/config.hpp"
#include "core/crypto/fernet.hpp"
#include "core/crypto/master_key.hpp"
#include "core/db/connection.hpp"
#include "core/keys/data_keys.hpp"
#include "core/model/tenant_data.hpp"
#include "core/portability/app_triggers.hpp"
#include "core/portability/binary_copy.hpp"
#include "core/portability/copy.hpp"
#include "core/portability/diff.hpp"
#include "core/util/strings.hpp"
#include "tests/support/schema_corpus.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;
using tenantctl::test::exit_of;

namespace {

audit::Event edit_event(const std::string& tenant_id, const std::string& doc) {
    audit::Event ev;
    ev.tenant_id = tenant_id;
    ev.action = "doc.edit";
    ev.resource_type = "doc";
    ev.resource_id = doc;
    return ev;
}

struct CopySetup {
    const corpus::Pattern& p;
    test::TestDatabase here, there;
    corpus::Registered ids;
    explicit CopySetup(const corpus::Pattern& pattern) : p(pattern) {
        corpus::setup(here, p);
        ids = corpus::register_tenants(here, p);
        corpus::setup(there, p);
        const auto there_ids = corpus::register_tenants(there, p);  // random ids where the tenancy key is not a uuid
        corpus::remove_tenant(there, p, p.tenant_a, there_ids.a);
    }
    std::unique_ptr<test::TestContext> context(GlobalOptions globals = {}) const {
        auto cfg = config::parse_config(p.config_yaml, p.name + ".yaml");
        cfg.contexts["dest"] = config::ContextConfig{corpus::conninfo_for(there, p), false};
        auto tc = std::make_unique<test::TestContext>(here, cfg, globals);
        (*tc)->set_conninfo(db::ConnInfo{corpus::conninfo_for(here, p), "corpus"});
        return tc;
    }
    portability::CopyResult copy(GlobalOptions globals = {}, std::optional<std::string> key = std::nullopt) const {
        return copy_with(options(std::move(key)), globals);
    }
    static portability::CopyOptions options(std::optional<std::string> key = std::nullopt) {
        portability::CopyOptions o;
        o.slug = "acme";
        o.to = "dest";
        o.to_master_key = std::move(key);
        return o;
    }
    portability::CopyResult copy_with(const portability::CopyOptions& o, GlobalOptions globals = {}) const {
        return portability::copy(context(globals)->ctx(), o);
    }
};

}  // namespace

TEST_CASE("tenant copy: the tenant arrives whole, verified, on every pattern", "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        CopySetup s(p);
        corpus::encrypt_seeded(s.here, p, s.ids);
        const auto mine = corpus::snapshot_tenant(s.here, p, p.tenant_a);
        const auto theirs_before = corpus::snapshot(s.there, p);
        REQUIRE(corpus::row_count(corpus::snapshot_tenant(s.there, p, p.tenant_a)) == 0);

        if (p.connect_as) {
            // Bound by FORCE ROW LEVEL SECURITY the source's reads could be filtered: refused.
            CHECK(exit_of([&] { s.copy(); }) == Exit::refused);
            CHECK(corpus::snapshot(s.there, p) == theirs_before);
            return;
        }
        GlobalOptions dry;
        dry.dry_run = true;
        const auto plan = s.copy(dry);
        CHECK(plan.dry_run);
        CHECK(plan.rows == static_cast<long long>(corpus::row_count(mine)));
        CHECK(corpus::snapshot(s.there, p) == theirs_before);
        CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme'") == "0");

        const auto r = s.copy();
        CHECK_FALSE(r.dry_run);
        CHECK(r.rows == static_cast<long long>(corpus::row_count(mine)));
        CHECK(r.data_keys == 1);
        // Row for row, value for value, and the other tenant's rows untouched.
        CHECK(corpus::snapshot_tenant(s.there, p, p.tenant_a) == mine);
        CHECK(corpus::minus(corpus::snapshot(s.there, p), mine) == theirs_before);
        // The data key travelled: the encrypted values decrypt there to what they were here.
        CHECK(corpus::plain_snapshot(s.there, p, s.ids) == corpus::plain_snapshot(s.here, p, s.ids));
        CHECK(s.there.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
        CHECK(portability::diff(s.context()->ctx(), {"acme", "dest", std::nullopt}).differing == 0);
        // Both sides recorded it.
        CHECK(s.here.query_value("SELECT metadata->>'direction' FROM tenantctl.audit_log WHERE action = 'tenant.copy'") == "out");
        CHECK(s.there.query_value("SELECT metadata->>'direction' FROM tenantctl.audit_log WHERE action = 'tenant.copy'") == "in");
        // A second copy is refused: the tenant is there now.
        CHECK(exit_of([&] { s.copy(); }) == Exit::refused);
    });
}

TEST_CASE("tenant copy: identity and serial sequences move past the copied ids", "[integration][portability]") {
    CopySetup s(corpus::get("generated_pii"));
    s.there.exec("SELECT setval(pg_get_serial_sequence('public.users', 'id'), 1, false); "
                 "SELECT setval(pg_get_serial_sequence('public.sessions', 'id'), 1, false)");
    s.copy();
    // The app's next rows at the destination get ids no copied row has.
    s.there.exec("INSERT INTO public.users (tenant_id, email, full_name, external_id) VALUES ('" + s.p.tenant_a +
                 "', 'new@example.com', 'New', gen_random_uuid())");
    CHECK(std::stol(s.there.query_value("SELECT max(id) FROM public.users WHERE email = 'new@example.com'")) > 3);
}

TEST_CASE("tenant copy: refused before writing anything", "[integration][portability]") {
    CopySetup s(corpus::get("composite_fk"));
    // Runs `f`, which must throw; the destination's rows and tenants are as they were before.
    auto refused = [&](const std::function<void()>& f) {
        const auto before = corpus::snapshot(s.there, s.p);
        const auto tenants = s.there.query_value("SELECT string_agg(slug, ',' ORDER BY slug) FROM tenantctl.tenants");
        try {
            f();
        } catch (const Error& e) {
            CHECK(corpus::snapshot(s.there, s.p) == before);
            CHECK(s.there.query_value("SELECT string_agg(slug, ',' ORDER BY slug) FROM tenantctl.tenants") == tenants);
            return std::make_pair(e.code(), std::string(e.what()) + " | " + [&] {
                std::string all;
                for (const auto& d : e.details()) all += d + "\n";
                return all;
            }());
        }
        FAIL("no error");
        return std::make_pair(Exit::ok, std::string());
    };
    SECTION("a schema that differs, every difference listed") {
        s.there.exec("ALTER TABLE public.tasks ALTER COLUMN notes TYPE varchar(500); ALTER TABLE public.users DROP COLUMN phone; "
                     "ALTER TABLE public.projects ADD COLUMN budget int NOT NULL DEFAULT 0; "
                     "ALTER TABLE public.projects ADD COLUMN code text NOT NULL DEFAULT 'x'; "
                     "ALTER TABLE public.projects ALTER COLUMN code DROP DEFAULT");
        const auto [code, text] = refused([&] { s.copy(); });
        CHECK(code == Exit::refused);
        CHECK(text.find("does not match the tenant's data here (3 differences)") != std::string::npos);
        CHECK(text.find("public.users: column phone missing at the destination") != std::string::npos);
        CHECK(text.find("public.tasks: column notes is text here, character varying(500) at the destination") != std::string::npos);
        CHECK(text.find("public.projects: column code exists only at the destination, is NOT NULL and has no default") != std::string::npos);
        CHECK(text.find("budget") == std::string::npos);  // filled by its default: fine
    }
    SECTION("rows of the tenant's tenancy value already at the destination") {
        s.there.exec("INSERT INTO public.companies VALUES (1, 'acme-old', 'Acme (old)')");
        const auto [code, text] = refused([&] { s.copy(); });
        CHECK(code == Exit::refused);
        CHECK(text.find("public.companies already holds 1 row of tenant 'acme' at --to dest") != std::string::npos);
    }
    SECTION("the tenant already at the destination, under its slug or its id") {
        s.there.exec("INSERT INTO tenantctl.tenants (id, slug, tenancy_key) VALUES (gen_random_uuid(), 'acme', '99')");
        CHECK(refused([&] { s.copy(); }).second.find("tenant 'acme' already exists at --to dest") != std::string::npos);
    }
    SECTION("a destination master key its stored keys were not wrapped with") {
        ::setenv("TENANTCTL_TEST_OTHER_KEY", crypto::generate_master_key_base64().c_str(), 1);
        const auto [code, text] = refused([&] { s.copy({}, std::string("env:TENANTCTL_TEST_OTHER_KEY")); });
        CHECK(code == Exit::integrity);
    }
    SECTION("a trigger at the destination that changes rows, let fire: the verification fails, nothing is committed") {
        s.there.exec("CREATE FUNCTION public.shout() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$BEGIN NEW.title := upper(NEW.title); RETURN NEW; END$$; "
                     "CREATE TRIGGER shout BEFORE INSERT ON public.tasks FOR EACH ROW EXECUTE FUNCTION public.shout()");
        auto o = CopySetup::options();
        o.fire_triggers = true;
        const auto [code, text] = refused([&] { s.copy_with(o); });
        CHECK(code == Exit::integrity);
        CHECK(text.find("public.tasks at --to dest does not match the source after the copy") != std::string::npos);
    }
}

TEST_CASE("tenant copy: the app's triggers stay quiet on the rows written, and the keys they would check are checked",
          "[integration][portability]") {
    CopySetup s(corpus::get("app_triggers"));
    const auto signups = [](const test::TestDatabase& db) {
        return db.query_value("SELECT signups FROM public.signup_totals");
    };
    const auto mine = corpus::snapshot_tenant(s.here, s.p, s.p.tenant_a);
    const std::string signups_there = signups(s.there);
    const auto message = [&](const std::function<void()>& f) {
        try {
            f();
        } catch (const Error& e) {
            CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme'") == "0");
            CHECK(corpus::row_count(corpus::snapshot_tenant(s.there, s.p, s.p.tenant_a)) == 0);
            return std::make_pair(e.code(), std::string(e.what()) + " | " + util::join(e.details(), " | ") + " | " + e.hint());
        }
        FAIL("no error");
        return std::make_pair(Exit::ok, std::string());
    };

    SECTION("quiet: no welcome email queued twice, no counter bumped, every row as it was") {
        GlobalOptions dry;
        dry.dry_run = true;
        CHECK(s.copy(dry).triggers_quieted == 1);
        const auto r = s.copy();
        CHECK(r.triggers_quieted == 1);
        CHECK(corpus::snapshot_tenant(s.there, s.p, s.p.tenant_a) == mine);  // the outbox as it was here, no more
        CHECK(signups(s.there) == signups_there);
        // Only this transaction was quiet: the app's next member there is welcomed.
        s.there.exec(fmt::format("INSERT INTO public.members VALUES (4, '{}', 'dan@example.com', NULL, 'free')",
                                 s.p.tenant_a));
        CHECK(s.there.query_value("SELECT count(*) FROM public.outbox WHERE member_id = 4") == "1");
        CHECK(signups(s.there) == std::to_string(std::stoll(signups_there) + 1));
    }
    SECTION("a key the server would have checked is checked: a plan missing there is refused") {
        s.there.exec("DELETE FROM public.plans WHERE id = 'pro'");  // only tenant A's members are on it
        const auto [code, text] = message([&] { s.copy(); });
        CHECK(code == Exit::refused);
        CHECK(text.find("public.members: 2 rows of the tenant reference no row of public.plans at --to dest (foreign key "
                        "members_plan_id_fkey)") != std::string::npos);
    }
    SECTION("--fire-triggers lets them run: here the email they queue again makes the copy differ, and nothing is "
            "committed") {
        auto o = CopySetup::options();
        o.fire_triggers = true;
        const auto [code, text] = message([&] { s.copy_with(o); });
        CHECK(code == Exit::integrity);
        CHECK(text.find("public.outbox at --to dest does not match the source after the copy") != std::string::npos);
        CHECK(signups(s.there) == signups_there);
    }
    SECTION("--fire-triggers where running them is what the operator wants: the counter counts the arrivals") {
        s.there.exec("CREATE OR REPLACE FUNCTION public.member_signed_up() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                     "UPDATE public.signup_totals SET signups = signups + 1 WHERE id = 1; RETURN NULL; END $$");
        auto o = CopySetup::options();
        o.fire_triggers = true;
        CHECK(s.copy_with(o).triggers_quieted == 0);
        CHECK(corpus::snapshot_tenant(s.there, s.p, s.p.tenant_a) == mine);
        CHECK(signups(s.there) == std::to_string(std::stoll(signups_there) + 3));
    }
    SECTION("an ENABLE ALWAYS trigger fires, as on a replica, with a warning") {
        s.there.exec("CREATE OR REPLACE FUNCTION public.member_signed_up() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                     "UPDATE public.signup_totals SET signups = signups + 1 WHERE id = 1; RETURN NULL; END $$; "
                     "ALTER TABLE public.members ENABLE ALWAYS TRIGGER members_signed_up");
        auto tc = s.context();
        const auto r = portability::copy(tc->ctx(), CopySetup::options());
        CHECK(r.triggers_quieted == 0);
        CHECK(tc->log_text().find("trigger public.members: members_signed_up is ENABLE ALWAYS: it fires on the rows written") !=
              std::string::npos);
        CHECK(signups(s.there) == std::to_string(std::stoll(signups_there) + 3));
    }
    SECTION("a role that may not keep them quiet is refused before anything is committed, and copies once granted") {
        // Roles are cluster-wide and tests run in parallel: made once, never dropped.
        s.there.exec("DO $$ BEGIN CREATE ROLE tenantctl_copier LOGIN BYPASSRLS; EXCEPTION WHEN duplicate_object OR "
                     "unique_violation THEN NULL; END $$; "
                     "GRANT USAGE ON SCHEMA public, tenantctl TO tenantctl_copier; "
                     "GRANT ALL ON ALL TABLES IN SCHEMA public, tenantctl TO tenantctl_copier; "
                     "GRANT ALL ON ALL SEQUENCES IN SCHEMA public, tenantctl TO tenantctl_copier; "
                     "REVOKE SET ON PARAMETER session_replication_role FROM tenantctl_copier");  // an earlier run's
        auto cfg = config::parse_config(s.p.config_yaml, "app_triggers.yaml");
        cfg.contexts["dest"] = config::ContextConfig{s.there.conninfo() + " user=tenantctl_copier", false};
        const auto copy_as_copier = [&] {
            test::TestContext tc(s.here, cfg, GlobalOptions{});
            tc->set_conninfo(db::ConnInfo{s.here.conninfo(), "corpus"});
            return portability::copy(tc.ctx(), CopySetup::options());
        };
        const auto [code, text] = message([&] { copy_as_copier(); });
        INFO(text);
        CHECK(code == Exit::refused);
        CHECK(text.find("this role may not keep them quiet (session_replication_role)") != std::string::npos);
        CHECK(text.find("public.members: members_signed_up") != std::string::npos);
        CHECK(text.find("GRANT SET ON PARAMETER session_replication_role") != std::string::npos);
        s.there.exec("GRANT SET ON PARAMETER session_replication_role TO tenantctl_copier");
        CHECK(copy_as_copier().triggers_quieted == 1);
        CHECK(corpus::snapshot_tenant(s.there, s.p, s.p.tenant_a) == mine);
        CHECK(signups(s.there) == signups_there);
    }
}

TEST_CASE("foreign keys checked by query, as a replica skips them: each key of every pattern holds, and each one broken "
          "is named",
          "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        if (p.connect_as) return;  // the check runs as the copy's role: unfiltered (the copy refuses otherwise)
        test::TestDatabase db;
        corpus::setup(db, p);
        corpus::register_tenants(db, p);
        auto cfg = config::parse_config(p.config_yaml, p.name + ".yaml");
        test::TestContext tc(db, cfg);
        tc->set_conninfo(db::ConnInfo{corpus::conninfo_for(db, p), "corpus"});
        pqxx::connection c(corpus::conninfo_for(db, p));
        struct Key {
            std::string name, child, parent, child_oid, parent_oid;
            long long of_a = 0, all = 0;  // rows with the whole key set: tenant A's, and in the whole table
        };
        std::vector<Key> keys;
        {
            pqxx::read_transaction tx(c);
            for (const auto& k : tx.exec(
                     "SELECT c.conname, format('%I.%I', cn.nspname, cr.relname), format('%I.%I', pn.nspname, pr.relname), "
                     "c.conrelid::oid::text, c.confrelid::oid::text, "
                     "(SELECT string_agg(format('t.%I IS NOT NULL', a.attname), ' AND ') FROM pg_attribute a "
                     "  WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)) "
                     "FROM pg_constraint c JOIN pg_class cr ON cr.oid = c.conrelid JOIN pg_namespace cn ON "
                     "cn.oid = cr.relnamespace JOIN pg_class pr ON pr.oid = c.confrelid JOIN pg_namespace pn ON "
                     "pn.oid = pr.relnamespace WHERE c.contype = 'f' AND c.conparentid = 0 AND c.conrelid <> c.confrelid "
                     "AND cn.nspname <> 'tenantctl' ORDER BY 1")) {
                Key key{k[0].c_str(), k[1].c_str(), k[2].c_str(), k[3].c_str(), k[4].c_str()};
                const std::string set = k[5].c_str();
                key.of_a = tx.exec_params1(fmt::format("SELECT count(*) FROM {} t WHERE ({}) AND {}", key.child,
                                                       p.tenant_predicate(key.child), set),
                                           p.tenant_a)[0]
                               .as<long long>();
                key.all = tx.exec1(fmt::format("SELECT count(*) FROM {} t WHERE {}", key.child, set))[0].as<long long>();
                keys.push_back(std::move(key));
            }
        }
        // The model's relation of that oid, if the table is one.
        const auto relation = [](pqxx::transaction_base& tx, const model::TenantData& data,
                                 const std::string& oid) -> const model::Relation* {
            for (const auto& r : data.relations())
                if (tx.exec_params1("SELECT $1::regclass::oid::text", r.name.quoted())[0].c_str() == oid) return &r;
            return nullptr;
        };
        {
            pqxx::work tx(c);
            const auto data = model::TenantData::load(tc.ctx(), tx);
            std::vector<const model::Relation*> all;
            for (const auto& r : data.relations()) all.push_back(&r);
            CHECK_NOTHROW(portability::check_foreign_keys(tx, data, all, p.tenant_a,
                                                          portability::KeysChecked::out_of_and_into, "here"));
        }
        int found = 0;
        for (const auto& k : keys) {
            INFO(k.name << ": " << k.child << " -> " << k.parent);
            pqxx::work tx(c);
            const auto data = model::TenantData::load(tc.ctx(), tx);
            tx.exec("SET LOCAL session_replication_role = replica");  // no key stops the delete
            tx.exec("DELETE FROM " + k.parent);
            tx.exec("SET LOCAL session_replication_role = origin");
            // Rows of the parent deleted (restore's replace): the keys into it, over the whole
            // referencing table. A parent outside the tenant's data (shared reference data
            // missing there): the keys out of the child, over the tenant's rows.
            const auto* parent = relation(tx, data, k.parent_oid);
            const auto* child = relation(tx, data, k.child_oid);
            if (!parent && !child) continue;  // neither is the tenant's
            const bool into = parent != nullptr;
            const long long dangling = into ? k.all : k.of_a;
            try {
                portability::check_foreign_keys(tx, data, {into ? parent : child}, p.tenant_a,
                                                into ? portability::KeysChecked::out_of_and_into
                                                     : portability::KeysChecked::out_of,
                                                "here");
                CHECK(dangling == 0);
            } catch (const Refused& e) {
                ++found;
                CHECK(dangling > 0);
                // The first key found broken may be another one into the same parent.
                CHECK(std::string(e.what()).find(fmt::format(" no row of {} here (foreign key ",
                                                             k.parent)) != std::string::npos);
            }
        }
        if (p.name == "composite_fk" || p.name == "app_triggers" || p.name == "partitioned" ||
            p.name == "cascade_set_null" || p.name == "tenants_table_uuid")
            CHECK(found > 0);
    });
}

TEST_CASE("tenant copy: binary COPY only for built-in types and domains over them", "[integration][portability]") {
    test::TestDatabase db;
    db.exec("CREATE TYPE public.tier AS ENUM ('free', 'pro'); CREATE DOMAIN public.positive AS int CHECK (VALUE > 0); "
            "CREATE TABLE public.plain (id bigint, tags text[], n public.positive, price numeric, doc jsonb); "
            "CREATE TABLE public.custom (id bigint, tier public.tier, tiers public.tier[])");
    pqxx::connection a(db.conninfo()), b(db.conninfo());
    pqxx::work src(a), dst(b);
    const auto possible = [&](const std::string& table, const std::vector<std::string>& columns) {
        return portability::binary_copy_possible(src, table, dst, table, columns);
    };
    CHECK(possible("public.plain", {"id", "tags", "n", "price", "doc"}));
    CHECK(possible("public.custom", {"id"}));
    // An array of a user type names its element type's OID, which differs between databases.
    CHECK_FALSE(possible("public.custom", {"id", "tiers"}));
    CHECK_FALSE(possible("public.custom", {"id", "tier"}));
    CHECK_FALSE(possible("public.plain", {"id", "no_such_column"}));
}

TEST_CASE("tenant copy: --to-master-key wraps the data keys under the destination's master key", "[integration][portability]") {
    CopySetup s(corpus::get("single_fk"));
    corpus::encrypt_seeded(s.here, s.p, s.ids);
    // The destination has its own master key: its stored keys are wrapped by it.
    const std::string other = crypto::generate_master_key_base64();
    ::setenv("TENANTCTL_TEST_DEST_KEY", other.c_str(), 1);
    const auto dest_key = crypto::load_master_key("env:TENANTCTL_TEST_DEST_KEY");
    s.there.exec("DELETE FROM tenantctl.tenant_keys");  // the other tenant's key, wrapped by the test key
    s.copy({}, std::string("env:TENANTCTL_TEST_DEST_KEY"));
    CHECK(s.there.query_value("SELECT string_agg(DISTINCT kek_id, ',') FROM tenantctl.tenant_keys") == dest_key.id);
    // Under the destination's key, the tenant's key opens and decrypts the copied values.
    test::TestContext there(s.there, config::parse_config(s.p.config_yaml, "x.yaml"));
    there->set_master_key(dest_key);
    pqxx::work tx(there->db());
    const auto keys = keys::load_usable_keys(there.ctx(), tx, s.ids.a);
    REQUIRE(keys.size() == 1);
    const auto token = s.there.query_value("SELECT phone FROM public.users WHERE tenant_id = '" + s.p.tenant_a +
                                           "' AND phone IS NOT NULL ORDER BY id LIMIT 1");
    CHECK(crypto::fernet_verify(keys[0].key, token));
    CHECK(crypto::fernet_decrypt(keys[0].key, token).plaintext.size() > 0);
}

TEST_CASE("tenant copy: the tenant's audit trail arrives and its hash chain verifies there", "[integration][portability]") {
    CopySetup s(corpus::get("composite_fk"));
    {
        auto tc = s.context();
        pqxx::work tx(tc->ctx().db());
        for (int i = 0; i < 5; ++i)
            audit::append(tc->ctx(), tx, edit_event(s.ids.a, std::to_string(i)));
        audit::append(tc->ctx(), tx, edit_event(s.ids.b, "other tenant"));
        tx.commit();
        audit::SealOptions so;
        so.settle = {};
        audit::seal(tc->ctx(), so);
        // One more event after the seal: it travels unsealed, as it is here.
        pqxx::work more(tc->ctx().db());
        audit::append(tc->ctx(), more, edit_event(s.ids.a, "late"));
        more.commit();
    }
    const auto r = s.copy();
    CHECK(r.audit_events == 6);
    const auto events_there = [&](const std::string& id) {
        return s.there.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE tenant_id = '" + id +
                                   "' AND action = 'doc.edit'");
    };
    CHECK(events_there(s.ids.a) == "6");
    CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.audit_chain WHERE tenant_id = '" + s.ids.a + "'") == "5");
    // The chain, recomputed at the destination with the commitment key that travelled.
    test::TestContext there(s.there, config::parse_config(s.p.config_yaml, "x.yaml"));
    audit::VerifyOptions v;
    v.scope.tenant_slug = "acme";
    const auto verified = audit::verify(there.ctx(), v);
    REQUIRE(verified.size() == 1);
    CHECK(verified[0].verified == 5);
    CHECK(verified[0].status != "broken");
}

namespace {

// Every occurrence of `from` in the snapshot's row texts replaced by `to`.
corpus::Snapshot replaced(corpus::Snapshot s, const std::string& from, const std::string& to) {
    for (auto& [relation, rows] : s) {
        for (auto& row : rows)
            for (auto at = row.find(from); at != std::string::npos; at = row.find(from, at + to.size()))
                row.replace(at, from.size(), to);
        std::sort(rows.begin(), rows.end());
    }
    return s;
}

// A tenancy key for the copy that no row of the corpus holds, of the pattern's type.
std::string fresh_key(const corpus::Pattern& p) {
    return p.tenancy_type.find("int") != std::string::npos ? "987654321" : "zz-copy-key";
}

}  // namespace

TEST_CASE("tenant copy --as: a new tenant with the same rows, the tenancy value rewritten, on every pattern",
          "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        if (p.connect_as) return;  // refused like a plain copy (above)
        CopySetup s(p);
        corpus::encrypt_seeded(s.here, p, s.ids);
        const auto mine = corpus::snapshot_tenant(s.here, p, p.tenant_a);
        const auto theirs_before = corpus::snapshot(s.there, p);
        const bool keyed = p.tenancy_type != "uuid";
        auto o = CopySetup::options();
        o.as_slug = "acme-copy";
        if (keyed) o.as_key = fresh_key(p);

        const auto r = s.copy_with(o);
        CHECK(r.copy_slug == "acme-copy");
        CHECK(r.copy_id != s.ids.a);
        CHECK(r.rewritten_columns >= 1);
        const std::string value = keyed ? fresh_key(p) : r.copy_id;
        CHECK(s.there.query_value("SELECT coalesce(tenancy_key, id::text) FROM tenantctl.tenants WHERE slug = 'acme-copy'") ==
              value);
        // Row for row the source's, with the new value wherever the old one was, and nothing
        // left under the old value.
        // (The app's own tenants table, where it has one, carries the copy's slug.)
        CHECK(replaced(replaced(corpus::snapshot_tenant(s.there, p, value), value, p.tenant_a), "acme-copy", "acme") == mine);
        CHECK(corpus::row_count(corpus::snapshot_tenant(s.there, p, p.tenant_a)) == 0);
        CHECK(corpus::minus(corpus::snapshot(s.there, p), corpus::snapshot_tenant(s.there, p, value)) == theirs_before);
        // The data key travelled wrapped for the new id: it opens there and is the source's key.
        test::TestContext there(s.there, config::parse_config(p.config_yaml, "x.yaml"));
        test::TestContext here(s.here, config::parse_config(p.config_yaml, "x.yaml"));
        pqxx::work tx_there(there->db());
        pqxx::work tx_here(here->db());
        const auto keys_there = keys::load_usable_keys(there.ctx(), tx_there, r.copy_id);
        const auto keys_here = keys::load_usable_keys(here.ctx(), tx_here, s.ids.a);
        REQUIRE(keys_there.size() == keys_here.size());
        CHECK(keys_there[0].key.to_base64url() == keys_here[0].key.to_base64url());
        // Credentials, the register and the audit trail stay behind; the copy's trail starts with the copy.
        CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE tenant_id = '" + r.copy_id + "'") == "1");
        CHECK(s.there.query_value("SELECT metadata->>'copy_of' FROM tenantctl.audit_log WHERE tenant_id = '" + r.copy_id +
                                  "'") == "acme");
        tx_there.abort();
        tx_here.abort();

        // `tenant diff --as` reads this side as the copy rewrote it: equal on every table...
        auto tc = s.context();
        portability::DiffOptions d{"acme", "dest", "acme-copy"};
        const auto same = portability::diff(tc->ctx(), d);
        CHECK(same.differing == 0);
        for (const auto& t : same.tables) CHECK(t.status == "same");
        // ...and a row the copy lost is found on its table.
        {
            pqxx::connection c(s.there.conninfo());
            pqxx::work tx(c);
            tx.exec("SET LOCAL session_replication_role = replica");
            tx.exec("SET LOCAL row_security = off");
            bool deleted = false;
            for (const auto& relation : p.relations) {
                if (deleted || p.is_shared(relation)) continue;
                deleted = tx.exec_params(fmt::format("WITH one AS (SELECT t.tableoid, t.ctid FROM {0} t WHERE {1} LIMIT 1) "
                                                     "DELETE FROM {0} t USING one WHERE t.tableoid = one.tableoid AND "
                                                     "t.ctid = one.ctid",
                                                     relation, p.tenant_predicate(relation)),
                                         value)
                              .affected_rows() == 1;
            }
            REQUIRE(deleted);
            tx.commit();
        }
        const auto after = portability::diff(tc->ctx(), d);
        CHECK(after.differing == 1);
    });
}

TEST_CASE("tenant diff --as: the copy's slug must name another tenant there", "[integration][portability]") {
    CopySetup s(corpus::get("composite_fk"));
    auto tc = s.context();
    CHECK(exit_of([&] { portability::diff(tc->ctx(), {"acme", "dest", "acme"}); }) == Exit::usage);
    CHECK(exit_of([&] { portability::diff(tc->ctx(), {"acme", "dest", "-x"}); }) == Exit::usage);
    CHECK(exit_of([&] { portability::diff(tc->ctx(), {"acme", "dest", "nobody"}); }) == Exit::not_found);
}

TEST_CASE("tenant copy --as: bad combinations are usage errors, and the copy's slug, id or key must be free",
          "[integration][portability]") {
    CopySetup s(corpus::get("composite_fk"));  // bigint tenancy column: tenants have keys
    auto o = CopySetup::options();
    o.as_key = "5";
    CHECK(exit_of([&] { s.copy_with(o); }) == Exit::usage);  // --as-key without --as
    o.as_slug = "acme-copy";
    o.as_key.reset();
    CHECK(exit_of([&] { s.copy_with(o); }) == Exit::usage);  // a keyed tenant needs --as-key
    o.as_key = "not a number";
    CHECK(exit_of([&] { s.copy_with(o); }) == Exit::usage);
    o.as_key = "01";  // the tenant's own key (1), as the column's type prints it
    CHECK(exit_of([&] { s.copy_with(o); }) == Exit::usage);
    o.as_slug = "acme";
    o.as_key = "5";
    CHECK(exit_of([&] { s.copy_with(o); }) == Exit::usage);  // its own slug
    o.as_slug = "globex";  // taken at the destination
    CHECK(exit_of([&] { s.copy_with(o); }) == Exit::refused);
    o.as_slug = "acme-copy";
    o.as_key = s.p.tenant_b;  // the other tenant's key, taken at the destination
    CHECK(exit_of([&] { s.copy_with(o); }) == Exit::refused);
    CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme-copy'") == "0");
}

namespace {

// Every value of the tenant's pii and encrypted columns of the data map, as text (values of
// fewer than 6 characters left out: `root` is a folder's name and part of a node's label).
std::vector<std::string> personal_values(const test::TestDatabase& db, const corpus::Pattern& p) {
    const auto cfg = config::parse_config(p.config_yaml, "x.yaml");
    std::vector<std::string> out;
    for (const auto& tc : cfg.data.tables) {
        const std::string schema = tc.table.schema;
        const std::string relation = db::quote_ident(schema) + "." + db::quote_ident(tc.table.name);
        std::string written;  // the relation as the pattern lists it
        for (const auto& name : p.relations)
            if (name == schema + "." + tc.table.name || name == relation || name == schema + "." + db::quote_ident(tc.table.name))
                written = name;
        REQUIRE_FALSE(written.empty());
        for (const auto* list : {&tc.pii, &tc.encrypted})
            for (const auto& c : *list) {
                pqxx::connection conn(db.conninfo());
                pqxx::nontransaction tx(conn);
                tx.exec("SET row_security = off");
                for (const auto& row : tx.exec_params(fmt::format("SELECT DISTINCT t.{}::text FROM {} t WHERE ({}) AND "
                                                                  "length(t.{}::text) >= 6",
                                                                  db::quote_ident(c), written,
                                                                  p.tenant_predicate(written), db::quote_ident(c)),
                                                      p.tenant_a))
                    out.push_back(row[0].c_str());
            }
    }
    return out;
}

// Where in the whole database (every table of every schema) any of `values` occurs in a row's text.
std::vector<std::string> found_anywhere(const test::TestDatabase& db, const std::vector<std::string>& values) {
    std::vector<std::string> patterns;
    for (const auto& v : values) {
        std::string escaped;
        for (char ch : v) {
            if (ch == '%' || ch == '_' || ch == '\\') escaped += '\\';
            escaped += ch;
        }
        patterns.push_back("%" + escaped + "%");
    }
    pqxx::connection conn(db.conninfo());
    pqxx::work tx(conn);
    tx.exec("SET LOCAL row_security = off");
    std::vector<std::string> out;
    for (const auto& t : tx.exec("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON "
                                 "n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', "
                                 "'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'")) {
        const std::string table = t[0].c_str();
        // The patterns as one text split on a separator no value holds (U+001F).
        for (const auto& hit : tx.exec_params(
                 fmt::format("SELECT left(x::text, 200) FROM {} x WHERE x::text LIKE ANY(string_to_array($1, chr(31)))",
                             table),
                 util::join(patterns, "\x1f")))
            out.push_back(table + ": " + hit[0].c_str());
    }
    return out;
}

}  // namespace

TEST_CASE("tenant copy --anonymize: no personal value of the tenant reaches the destination, on every pattern",
          "[integration][portability]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        if (p.connect_as) return;
        CopySetup s(p);
        auto values = personal_values(s.here, p);  // the seeded plaintexts
        corpus::encrypt_seeded(s.here, p, s.ids);
        for (auto& token : personal_values(s.here, p)) values.push_back(std::move(token));  // and the tokens
        const auto admin = s.here.query_value("SELECT coalesce(admin_email, '') FROM tenantctl.tenants WHERE slug = 'acme'");
        if (!admin.empty()) values.push_back(admin);
        REQUIRE(values.size() >= 2);
        // The other tenant has the same e-mail addresses: it leaves the destination, so that
        // whatever is found there came with this copy.
        corpus::remove_tenant(s.there, p, p.tenant_b, s.there.query_value("SELECT id FROM tenantctl.tenants WHERE slug = 'globex'"));
        // What is there already (a shared table's staff account with the same e-mail) is no leak.
        const auto before_copy = found_anywhere(s.there, values);
        const auto mine = corpus::snapshot_tenant(s.here, p, p.tenant_a);

        // Without --allow-unclassified a column the data map does not classify is refused,
        // with nothing written; with it, such columns travel as they are.
        auto o = CopySetup::options();
        o.anonymize = true;
        portability::CopyResult r;
        try {
            r = s.copy_with(o);
            CHECK(r.unclassified.empty());
        } catch (const Refused& e) {
            CHECK(std::string(e.what()).find("not classified by the data map") != std::string::npos);
            CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme'") == "0");
            o.allow_unclassified = true;
            r = s.copy_with(o);
            CHECK_FALSE(r.unclassified.empty());
        }
        CHECK(r.rows == static_cast<long long>(corpus::row_count(mine)));
        CHECK(r.data_keys == 1);
        CHECK(r.api_keys == 0);
        CHECK(r.audit_events == 0);
        CHECK_FALSE(r.anonymized.empty());
        CHECK(found_anywhere(s.there, values) == before_copy);
        // Encrypted columns hold tokens the copy's own data key opens, of a redacted text.
        const auto cfg = config::parse_config(p.config_yaml, "x.yaml");
        test::TestContext there(s.there, cfg);
        pqxx::work tx(there->db());
        tx.exec("SET LOCAL row_security = off");
        const auto keys = keys::load_usable_keys(there.ctx(), tx, r.copy_id);
        REQUIRE(keys.size() == 1);
        for (const auto& tc : cfg.data.tables)
            for (const auto& c : tc.encrypted) {
                const std::string table = db::quote_ident(tc.table.schema) + "." + db::quote_ident(tc.table.name);
                for (const auto& row : tx.exec(fmt::format("SELECT DISTINCT {}::text FROM {} WHERE {} IS NOT NULL",
                                                           db::quote_ident(c), table, db::quote_ident(c))))
                    CHECK(crypto::fernet_decrypt(keys[0].key, row[0].c_str()).plaintext.view() == "[erased]");
            }
    });
}

TEST_CASE("tenant copy refuses a tenant with rows in a join table that has no tenancy column and keys that do not "
          "cascade (Rails' has_and_belongs_to_many): they would stay behind, and copies them once the keys cascade",
          "[integration][portability]") {
    CopySetup s(corpus::get("single_fk"));
    for (auto* db : {&s.here, &s.there})
        db->exec("CREATE TABLE public.documents_users (document_id bigint NOT NULL REFERENCES public.documents (id), "
                 "user_id bigint NOT NULL REFERENCES public.users (id))");
    s.here.exec("INSERT INTO public.documents_users VALUES (1, 2), (3, 1), (11, 12)");  // two of acme's, one of globex's
    try {
        s.copy();
        FAIL("the copy went through");
    } catch (const Refused& e) {
        CHECK(std::string(e.what()) ==
              "public.documents_users references public.documents (documents_users_document_id_fkey) and has no "
              "tenant_id column: its 2 rows that reference the tenant's rows are not part of the tenant's data and "
              "would not be copied at --to dest");
    }
    CHECK(s.there.query_value("SELECT count(*) FROM tenantctl.tenants WHERE slug = 'acme'") == "0");
    // With keys that cascade, its rows are the tenant's through them: copied and verified. Here
    // first: the destination, whose keys do not cascade yet, has no such table of the tenant's.
    const std::string cascade =
        "ALTER TABLE public.documents_users DROP CONSTRAINT documents_users_document_id_fkey, "
        "DROP CONSTRAINT documents_users_user_id_fkey, "
        "ADD FOREIGN KEY (document_id) REFERENCES public.documents (id) ON DELETE CASCADE, "
        "ADD FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE";
    s.here.exec(cascade);
    try {
        s.copy();
        FAIL("the copy went through");
    } catch (const Refused& e) {
        CHECK(e.details() == std::vector<std::string>{"public.documents_users: missing at the destination, or not a "
                                                      "table of the tenant's data there (no tenancy column, and no "
                                                      "cascading foreign key into one)"});
    }
    s.there.exec(cascade);
    const auto r = s.copy();
    CHECK(s.there.query_value("SELECT string_agg(document_id || ':' || user_id, ',' ORDER BY document_id) FROM "
                              "public.documents_users") == "1:2,3:1");
    CHECK(std::any_of(r.tables.begin(), r.tables.end(),
                      [](const auto& t) { return t.table == "public.documents_users" && t.copied.rows == 2; }));
}
