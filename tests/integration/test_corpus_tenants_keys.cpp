// Every schema pattern of the corpus (tests/support/schema_corpus) through the commands that
// read and write the app's rows from the data model: `tenant show`, `tenant purge`, and keys
// reencrypt/status/verify. Each asserts exact row sets for both tenants: nothing lost, nothing
// left behind, the other tenant's rows byte-identical.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "core/config/config.hpp"
#include "core/gdpr/erase.hpp"
#include "core/keys/data_keys.hpp"
#include "core/keys/reencrypt.hpp"
#include "core/keys/rewrap.hpp"
#include "core/model/tenant_data.hpp"
#include "core/tenants/purge.hpp"
#include "core/tenants/show.hpp"
#include "tests/support/schema_corpus.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace corpus = tenantctl::test::corpus;
using tenantctl::test::exit_of;

namespace {

config::Config config_of(const corpus::Pattern& p) { return config::parse_config(p.config_yaml, p.name + ".yaml"); }

// A context connected the way the pattern says tenantctl runs (its own role, or superuser).
std::unique_ptr<test::TestContext> context_for(const test::TestDatabase& db, const corpus::Pattern& p,
                                               GlobalOptions globals = {}) {
    auto tc = std::make_unique<test::TestContext>(db, config_of(p), globals);
    (*tc)->set_conninfo(db::ConnInfo{corpus::conninfo_for(db, p), "corpus"});
    return tc;
}

std::size_t tenant_rows(const corpus::Snapshot& s) { return corpus::row_count(s); }

}  // namespace

TEST_CASE("corpus: tenant show counts exactly the tenant's rows on every pattern", "[integration][corpus]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        test::TestDatabase db;
        corpus::setup(db, p);
        corpus::register_tenants(db, p);
        const auto mine = corpus::snapshot_tenant(db, p, p.tenant_a);
        auto tc = context_for(db, p);
        auto doc = tenants::show(tc->ctx(), "acme", 1);
        if (p.connect_as) {
            // A session the policies bind gets no counts rather than counts through a policy.
            CHECK(doc["row_counts"].is_null());
            return;
        }
        long long total = 0;
        for (const auto& [table, n] : doc["row_counts"].items()) total += n.get<long long>();
        CHECK(total == static_cast<long long>(tenant_rows(mine)));
    });
}

TEST_CASE("corpus: purge removes exactly the tenant's rows on every pattern", "[integration][corpus]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        test::TestDatabase db;
        corpus::setup(db, p);
        const auto ids = corpus::register_tenants(db, p);
        const auto before = corpus::snapshot(db, p);
        const auto mine = corpus::snapshot_tenant(db, p, p.tenant_a);
        const auto theirs = corpus::snapshot_tenant(db, p, p.tenant_b);
        REQUIRE(tenant_rows(mine) > 0);
        tenants::PurgeOptions po;
        po.force = true;
        po.batch_size = 2;  // batches that end inside tables and partitions

        // Dry run: the whole plan is prepared, nothing changes.
        GlobalOptions dry;
        dry.dry_run = true;
        if (!p.connect_as) {
            auto plan = tenants::purge(context_for(db, p, dry)->ctx(), "acme", po);
            CHECK(plan.outcome == "would_purge");
            CHECK(plan.rows_deleted == static_cast<long long>(tenant_rows(mine)));
            CHECK(corpus::snapshot(db, p) == before);
        }

        if (p.connect_as) {
            // Bound by FORCE ROW LEVEL SECURITY: refused up front, the tenant untouched.
            CHECK(exit_of([&] { tenants::purge(context_for(db, p)->ctx(), "acme", po); }) == Exit::refused);
            CHECK(corpus::snapshot(db, p) == before);
            CHECK(db.query_value("SELECT status FROM tenantctl.tenants WHERE slug = 'acme'") == "active");
            CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs") == "0");
            // As a role row security does not bind, it works.
            test::TestContext admin(db, config_of(p));
            auto r = tenants::purge(admin.ctx(), "acme", po);
            CHECK(r.outcome == "purged");
        } else {
            auto r = tenants::purge(context_for(db, p)->ctx(), "acme", po);
            CHECK(r.outcome == "purged");
            CHECK(r.rows_deleted == static_cast<long long>(tenant_rows(mine)));
        }
        CHECK(corpus::snapshot(db, p) == corpus::minus(before, mine));
        CHECK(corpus::snapshot_tenant(db, p, p.tenant_b) == theirs);
        CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys WHERE tenant_id = '" + ids.a +
                             "' AND state <> 'destroyed'") == "0");
        CHECK(db.query_value("SELECT count(*) FROM tenantctl.tenant_keys WHERE tenant_id = '" + ids.b +
                             "' AND state = 'active'") == "1");
    });
}

TEST_CASE("corpus: re-encryption keeps every value in its own row on every pattern", "[integration][corpus]") {
    corpus::for_each_pattern([](const corpus::Pattern& p) {
        test::TestDatabase db;
        corpus::setup(db, p);
        const auto ids = corpus::register_tenants(db, p);
        const auto plain = corpus::plain_snapshot(db, p, ids);
        corpus::encrypt_seeded(db, p, ids);
        const auto theirs = corpus::snapshot_tenant(db, p, p.tenant_b);
        auto tc = context_for(db, p);
        keys::ReencryptOptions o;
        o.tenant = "acme";
        o.batch_size = 2;
        if (p.connect_as) {
            CHECK(exit_of([&] { keys::reencrypt(tc->ctx(), o); }) == Exit::refused);
            return;
        }
        // A table with encrypted columns and no row identity cannot be written back safely.
        bool needs_identity = false;
        {
            pqxx::work tx((*tc)->db());
            auto data = model::TenantData::load(tc->ctx(), tx);
            for (const auto& t : tc->ctx().config().data.tables) {
                const auto* r = data.find({t.table.schema, t.table.name});
                if (!t.encrypted.empty() && r && !r->identity) needs_identity = true;
            }
        }
        keys::rotate(tc->ctx(), keys::RotateOptions{"acme", false});
        if (needs_identity) {
            CHECK(exit_of([&] { keys::reencrypt(tc->ctx(), o); }) == Exit::refused);
            CHECK(corpus::plain_snapshot(db, p, ids) == plain);
            return;
        }
        auto rec = keys::reencrypt(tc->ctx(), o);
        CHECK(rec.exit == Exit::ok);
        CHECK((*rec.document)["totals"]["undecryptable"] == 0);
        // Same plaintexts row for row; the other tenant's rows untouched, byte for byte.
        CHECK(corpus::plain_snapshot(db, p, ids) == plain);
        CHECK(corpus::snapshot_tenant(db, p, p.tenant_b) == theirs);
        // Every value of A is now under the new key; the old one can be retired.
        keys::StatusOptions so;
        so.tenant = "acme";
        so.usage = true;
        auto status = keys::status(tc->ctx(), so);
        CHECK(status.exit == Exit::ok);
        for (const auto& row : status.rows)
            if (row[1] == 1) CHECK((row[5].is_null() || row[5] == 0));
        keys::VerifyOptions vo;
        vo.tenant = "acme";
        vo.all = true;
        CHECK(keys::verify(tc->ctx(), vo).exit == Exit::ok);
    });
}

TEST_CASE("re-encryption keeps the app's triggers quiet: no history row per value, no write cancelled, and "
          "--fire-triggers runs them",
          "[integration][keys]") {
    const auto& p = corpus::get("app_triggers");
    test::TestDatabase db;
    corpus::setup(db, p);
    const auto ids = corpus::register_tenants(db, p);
    const auto plain = corpus::plain_snapshot(db, p, ids);
    corpus::encrypt_seeded(db, p, ids);
    // The app keeps every old version of a member, and refuses any update of a member on the
    // 'team' plan (carol, tenant A) by cancelling it.
    db.exec("CREATE TABLE public.members_history (member_id bigint, email text, phone text); "
            "CREATE FUNCTION public.keep_member() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO public.members_history VALUES (OLD.id, OLD.email, OLD.phone); RETURN NULL; END $$; "
            "CREATE TRIGGER members_kept AFTER UPDATE ON public.members FOR EACH ROW EXECUTE FUNCTION public.keep_member(); "
            "CREATE FUNCTION public.frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF OLD.plan_id = 'team' THEN RETURN NULL; END IF; RETURN NEW; END $$; "
            "CREATE TRIGGER members_frozen BEFORE UPDATE ON public.members FOR EACH ROW EXECUTE FUNCTION public.frozen()");
    auto tc = context_for(db, p);
    keys::rotate(tc->ctx(), keys::RotateOptions{"acme", false});
    keys::ReencryptOptions o;
    o.tenant = "acme";
    o.fire_triggers = true;
    {
        // Let fire: a history row per rewritten member, and carol's write cancelled: counted
        // as a conflict, her value still under the old key.
        const auto rec = keys::reencrypt(tc->ctx(), o);
        CHECK((*rec.document)["tenants"][0]["conflicts"] == 1);
        CHECK((*rec.document)["tenants"][0]["reencrypted"] == 1);  // alice's phone; carol's write was cancelled
        CHECK(db.query_value("SELECT count(*) FROM public.members_history") == "1");  // bob has no phone
        db.exec("TRUNCATE public.members_history");
    }
    o.fire_triggers = false;
    const auto rec = keys::reencrypt(tc->ctx(), o);
    CHECK(rec.exit == Exit::ok);
    CHECK((*rec.document)["tenants"][0]["conflicts"] == 0);
    CHECK((*rec.document)["tenants"][0]["reencrypted"] == 1);  // carol's phone, left by the first run
    CHECK(db.query_value("SELECT count(*) FROM public.members_history") == "0");
    CHECK(corpus::plain_snapshot(db, p, ids) == plain);
    keys::StatusOptions so;
    so.tenant = "acme";
    so.usage = true;
    for (const auto& row : keys::status(tc->ctx(), so).rows)
        if (row[1] == 1) CHECK((row[5].is_null() || row[5] == 0));  // no value left under version 1
    // The app's rules hold again afterwards.
    db.exec(fmt::format("UPDATE public.members SET email = 'dan@example.com' WHERE id = 1"));
    CHECK(db.query_value("SELECT count(*) FROM public.members_history") == "1");
}

TEST_CASE("erase and purge name the app's triggers that fire on their writes: what those copy elsewhere is beyond them",
          "[integration][gdpr]") {
    const auto& p = corpus::get("app_triggers");
    test::TestDatabase db;
    corpus::setup(db, p);
    corpus::register_tenants(db, p);
    // The app archives every member it changes or deletes, personal data included, in a table
    // no tenant owns and no data map lists.
    db.exec("CREATE TABLE public.member_archive (member_id bigint, email text); "
            "CREATE FUNCTION public.archive_member() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO public.member_archive VALUES (OLD.id, OLD.email); RETURN NULL; END $$; "
            "CREATE TRIGGER members_archived AFTER UPDATE OR DELETE ON public.members FOR EACH ROW "
            "EXECUTE FUNCTION public.archive_member()");
    GlobalOptions yes;
    yes.yes = true;
    {
        auto tc = context_for(db, p, yes);
        const auto r = gdpr::erase_subject(tc->ctx(), {"acme", "email:alice@example.com", std::nullopt, false, std::nullopt});
        CHECK(r.receipt["verified"] == true);
        CHECK(r.receipt["triggers_fired"] == nlohmann::json::array({"public.members: members_archived"}));
        CHECK(tc->log_text().find("1 trigger of the app fires on the rows this erasure changes (public.members: "
                                  "members_archived): what they write outside the tables of the data map is not "
                                  "erased, nor checked") != std::string::npos);
        // What the receipt does not claim: the archive kept the address.
        CHECK(db.query_value("SELECT count(*) FROM public.member_archive WHERE email = 'alice@example.com'") == "1");
    }
    // An updated_at trigger fires on updates only, and the purge of this schema updates nothing.
    db.exec("CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; "
            "CREATE TRIGGER members_touched BEFORE UPDATE ON public.members FOR EACH ROW EXECUTE FUNCTION public.touch()");
    {
        auto tc = context_for(db, p, yes);
        tenants::PurgeOptions po;
        po.force = true;
        CHECK(tenants::purge(tc->ctx(), "acme", po).outcome == "purged");
        CHECK(tc->log_text().find("tenant 'acme': 1 trigger of the app fires on the purge's deletes (public.members: "
                                  "members_archived): what they write outside the tenant's tables is not purged") !=
              std::string::npos);
    }
    {
        // A trigger that fires on inserts only is not named.
        db.exec("DROP TRIGGER members_archived ON public.members; DROP TRIGGER members_touched ON public.members");
        auto tc = context_for(db, p, yes);
        const auto r =
            gdpr::erase_subject(tc->ctx(), {"globex", "email:alice@example.com", std::nullopt, false, std::nullopt});
        CHECK(r.receipt["triggers_fired"] == nlohmann::json::array());
        CHECK(tc->log_text().find("trigger") == std::string::npos);
    }
}

TEST_CASE("erase takes the rows the app's triggers write for the subject during it, and refuses a trigger that never "
          "stops with nothing changed",
          "[integration][gdpr]") {
    const auto& p = corpus::get("app_triggers");
    test::TestDatabase db;
    corpus::setup(db, p);
    corpus::register_tenants(db, p);
    // The app tells a member their address changed, at the old address: anonymizing the
    // e-mail queues alice's address again in the outbox, a table the map erases by delete.
    db.exec("CREATE FUNCTION public.email_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO public.outbox (tenant_id, member_id, kind, sent_to) "
            "VALUES (OLD.tenant_id, OLD.id, 'email_changed', OLD.email); RETURN NULL; END $$; "
            "CREATE TRIGGER members_email_changed AFTER UPDATE OF email ON public.members FOR EACH ROW "
            "EXECUTE FUNCTION public.email_changed()");
    const std::string alice_left =
        fmt::format("SELECT count(*) FROM public.outbox WHERE tenant_id = '{}' AND sent_to = 'alice@example.com'", p.tenant_a);
    const std::string outbox_rows = "SELECT count(*) FROM public.outbox";
    const std::string before = db.query_value(outbox_rows);
    GlobalOptions yes;
    yes.yes = true;
    for (const bool dry : {true, false}) {
        GlobalOptions g = yes;
        g.dry_run = dry;
        auto tc = context_for(db, p, g);
        const auto r = gdpr::erase_subject(tc->ctx(), {"acme", "email:alice@example.com", std::nullopt, false, std::nullopt});
        CHECK(r.receipt["verified"] == true);
        const auto& outbox = r.receipt["tables"][1];
        REQUIRE(outbox["table"] == "public.outbox");
        CHECK(outbox["rows"] == 2);  // the welcome mail, and the notice the erasure's update queued
        CHECK(outbox["written_during_erasure"] == 1);
        CHECK(db.query_value(alice_left) == (dry ? "1" : "0"));
        CHECK(db.query_value(outbox_rows) == (dry ? before : std::to_string(std::stoi(before) - 1)));
    }

    // A trigger that queues a row each time one is deleted would feed the erasure forever.
    db.exec("CREATE FUNCTION public.deleted_notice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO public.outbox (tenant_id, member_id, kind, sent_to) "
            "VALUES (OLD.tenant_id, OLD.member_id, 'deleted', OLD.sent_to); RETURN NULL; END $$; "
            "CREATE TRIGGER outbox_deleted AFTER DELETE ON public.outbox FOR EACH ROW "
            "EXECUTE FUNCTION public.deleted_notice()");
    const std::string dave_email = "SELECT email FROM public.members WHERE id = 12";
    const std::string outbox_before = db.query_value(outbox_rows);
    auto tc = context_for(db, p, yes);
    try {
        gdpr::erase_subject(tc->ctx(), {"globex", "email:dave@example.com", std::nullopt, false, std::nullopt});
        FAIL("the erasure finished");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::integrity);
        CHECK(std::string(e.what()) == "the app's triggers still write rows of the subject after 8 rounds of erasure: "
                                       "rolled back, nothing changed");
    }
    CHECK(db.query_value(dave_email) == "dave@example.com");
    CHECK(db.query_value(outbox_rows) == outbox_before);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.gdpr_requests") == "1");  // alice's only
}

TEST_CASE("erase by delete takes the rows a trigger writes as the subject's row goes, reached through a link to that "
          "very row (PaperTrail's versions)",
          "[integration][gdpr]") {
    corpus::Pattern p = corpus::get("app_triggers");
    test::TestDatabase db;
    corpus::setup(db, p);
    corpus::register_tenants(db, p);
    // The app keeps a version of each deleted member, personal data included, linked by item_id
    // (no foreign key: the member is gone).
    db.exec("CREATE TABLE public.member_versions (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL, item_id bigint, "
            "object jsonb); "
            "CREATE FUNCTION public.keep_member_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO public.member_versions (tenant_id, item_id, object) VALUES (OLD.tenant_id, OLD.id, "
            "to_jsonb(OLD)); RETURN OLD; END $$; "
            "CREATE TRIGGER members_versions AFTER DELETE ON public.members FOR EACH ROW "
            "EXECUTE FUNCTION public.keep_member_version()");
    const std::string map = "    members: {subject: id, pii: [email], encrypted: [phone], non_pii: [plan_id], erase: "
                            "anonymize, anonymize: {email: hash}}\n";
    REQUIRE(p.config_yaml.find(map) != std::string::npos);
    p.config_yaml.replace(p.config_yaml.find(map), map.size(),
                          "    members: {subject: id, pii: [email], encrypted: [phone], non_pii: [plan_id], erase: "
                          "delete}\n"
                          "    member_versions: {pii: [object], non_pii: [item_id], erase: delete}\n");
    p.config_yaml += "  links: [{from: member_versions.item_id, to: members.id}]\n";
    GlobalOptions yes;
    yes.yes = true;
    auto tc = context_for(db, p, yes);
    const auto r = gdpr::erase_subject(tc->ctx(), {"acme", "email:alice@example.com", std::nullopt, false, std::nullopt});
    CHECK(r.receipt["verified"] == true);
    CHECK(db.query_value("SELECT count(*) FROM public.member_versions") == "0");
    CHECK(db.query_value("SELECT count(*) FROM public.members WHERE email = 'alice@example.com'") == "1");  // globex's
    bool versions_listed = false;
    for (const auto& t : r.receipt["tables"])
        if (t["table"] == "public.member_versions") {
            versions_listed = true;
            CHECK(t["rows"] == 1);
            CHECK(t["written_during_erasure"] == 1);
        }
    CHECK(versions_listed);
}
