// Integration: `audit import` on sources it was not designed around, and stopped half-way.
// Every committed state verifies; a resumed run imports the rest the same way or not at all;
// keys, times and values that would lose or misplace events are refused, naming the event.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "core/audit/chain.hpp"
#include "core/audit/import.hpp"
#include "core/errors.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace fs = std::filesystem;

namespace {

constexpr const char* kAcme = "11111111-1111-4111-8111-111111111111";
constexpr const char* kOther = "22222222-2222-4222-8222-222222222222";

void add_tenants(const test::TestDatabase& db) {
    db.exec(fmt::format("INSERT INTO tenantctl.tenants (id, slug, tenancy_key) VALUES ('{}', 'acme', '42'), "
                        "('{}', 'other', '7')",
                        kAcme, kOther));
}

// Sealed events of today for acme: any backfill reaches into its sealed range.
void add_sealed_recent(const test::TestDatabase& db, test::TestContext& tc) {
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT '{}', "
                        "now() - make_interval(mins => g), 'app.recent' FROM generate_series(1, 5) g",
                        kAcme));
    audit::SealOptions s;
    s.settle = {};
    audit::seal(tc.ctx(), s);
}

// Every chain: ok or unsealed, never broken.
void check_no_chain_broken(test::TestContext& tc) {
    audit::VerifyOptions v;
    for (const auto& r : audit::verify(tc.ctx(), v)) {
        INFO(r.tenant << ": " << r.status << " " << r.problem << " " << r.detail);
        CHECK(r.status != "broken");
    }
}

std::string verify_status(test::TestContext& tc, const char* slug) {
    audit::VerifyOptions v;
    v.scope.tenant_slug = slug;
    auto r = audit::verify(tc.ctx(), v);
    REQUIRE(r.size() == 1);
    return r[0].status;
}

// Lines {"tenant_id": tenant, "occurred_at": 2025-05-DD, "action": "legacy.event", "n": N}.
std::string ndjson_line(const char* tenant, int n) {
    return fmt::format(R"({{"tenant_id":"{}","occurred_at":"2025-05-{:02}T10:00:00Z","action":"legacy.event","n":{}}})",
                       tenant, 1 + n % 28, n);
}

void write_lines(const fs::path& path, const std::vector<std::string>& lines) {
    std::ofstream f(path, std::ios::binary);
    for (const auto& l : lines) f << l << "\n";
}

std::string legacy_ns(const test::TestDatabase& db) {
    return db.query_value("SELECT coalesce(string_agg(metadata->>'n', ',' ORDER BY (metadata->>'n')::int), '') "
                          "FROM tenantctl.audit_log WHERE action = 'legacy.event'");
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("an import refused half-way leaves every chain verifiable, blocks no other import, and resumes",
          "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    add_sealed_recent(db, tc);
    test::TempDir dir;
    std::vector<std::string> lines;
    for (int n = 0; n < 20; ++n) lines.push_back(ndjson_line("acme", n));
    lines[10] = R"({"tenant_id":"acme","occurred_at":)";  // cut short
    write_lines(dir / "a.ndjson", lines);
    audit::ImportOptions o;
    o.from = (dir / "a.ndjson").string();
    o.batch = 5;
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::usage);
    CHECK(legacy_ns(db) == "0,1,2,3,4,5,6,7,8,9");
    // The ten events are in the log, acme's chain was cut back with them: nothing reads as
    // inserted, and a seal meanwhile is not needed for that.
    check_no_chain_broken(tc);
    CHECK(db.query_value("SELECT error FROM tenantctl.jobs WHERE kind = 'audit.import'").find(":11: not valid JSON") !=
          std::string::npos);

    // Another source imports meanwhile.
    write_lines(dir / "b.ndjson", {ndjson_line("other", 100), ndjson_line("other", 101)});
    audit::ImportOptions ob;
    ob.from = (dir / "b.ndjson").string();
    CHECK(audit::import_events(tc.ctx(), ob).imported == 2);
    check_no_chain_broken(tc);

    // The line fixed (after where it stopped), the first import resumes and finishes.
    lines[10] = ndjson_line("acme", 10);
    write_lines(dir / "a.ndjson", lines);
    auto r = audit::import_events(tc.ctx(), o);
    CHECK(r.resumed);
    CHECK(r.imported == 10);
    CHECK(r.total == 20);
    CHECK(r.resealed == std::vector<std::string>{"acme"});
    CHECK(legacy_ns(db) == "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,100,101");
    CHECK(verify_status(tc, "acme") == "ok");
    CHECK(verify_status(tc, "other") == "ok");
    // The head acme had before the import is kept in the import's event.
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'audit.import' AND "
                         "metadata->'resealed_old_heads' ? 'acme'") == "1");
}

TEST_CASE("a resumed file import refuses a file changed before where it stopped", "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    test::TempDir dir;
    std::vector<std::string> lines;
    for (int n = 0; n < 10; ++n) lines.push_back(ndjson_line("other", n));
    lines[7] = "not json";
    write_lines(dir / "f.ndjson", lines);
    audit::ImportOptions o;
    o.from = (dir / "f.ndjson").string();
    o.batch = 5;
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::usage);
    CHECK(legacy_ns(db) == "0,1,2,3,4");
    // The first line dropped and the bad one fixed: the bytes before the stop differ.
    std::vector<std::string> changed(lines.begin() + 1, lines.end());
    changed[6] = ndjson_line("other", 7);
    write_lines(dir / "f.ndjson", changed);
    const auto err = error_of([&] { audit::import_events(tc.ctx(), o); });
    CHECK(err.find("changed before byte") != std::string::npos);
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::refused);
    CHECK(legacy_ns(db) == "0,1,2,3,4");
    // Restored up to the stop, fixed after it: the rest is imported, each event once.
    lines[7] = ndjson_line("other", 7);
    write_lines(dir / "f.ndjson", lines);
    CHECK(audit::import_events(tc.ctx(), o).imported == 5);
    CHECK(legacy_ns(db) == "0,1,2,3,4,5,6,7,8,9");
    // The same bytes under another name are the same events.
    fs::copy_file(dir / "f.ndjson", dir / "copy.ndjson");
    o.from = (dir / "copy.ndjson").string();
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("imported already") != std::string::npos);
    CHECK(legacy_ns(db) == "0,1,2,3,4,5,6,7,8,9");
    CHECK(verify_status(tc, "other") == "ok");
}

TEST_CASE("an import refuses a key that would skip rows, and a resume with other options",
          "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    db.exec("CREATE TABLE public.dupkey (seq int, company text, created_at timestamptz, event text);"
            "INSERT INTO public.dupkey SELECT g / 2, 'acme', '2025-05-01'::timestamptz + make_interval(mins => g), "
            "'legacy.event' FROM generate_series(1, 20) g");
    audit::ImportOptions o;
    o.from = "public.dupkey";
    o.key = "seq";
    o.map = {{"tenant_id", "company"}, {"occurred_at", "created_at"}, {"action", "event"}};
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("is not unique") != std::string::npos);
    db.exec("UPDATE public.dupkey SET seq = NULL WHERE seq = 0; "
            "UPDATE public.dupkey d SET seq = x.k FROM (SELECT ctid, row_number() OVER () + 100 AS k FROM public.dupkey "
            "WHERE seq IS NOT NULL) x WHERE d.ctid = x.ctid; CREATE UNIQUE INDEX ON public.dupkey (seq)");
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("is NULL in some rows") != std::string::npos);
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::usage);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs") == "0");
    CHECK(legacy_ns(db).empty());

    // --tenant and a tenant column exclude each other.
    db.exec("DELETE FROM public.dupkey WHERE seq IS NULL; ALTER TABLE public.dupkey ADD COLUMN n int; "
            "UPDATE public.dupkey SET n = seq, event = CASE WHEN seq = 105 THEN 'Bad Action' ELSE event END");
    o.tenant_slug = "other";
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::usage);
    o.map.erase("tenant_id");
    o.batch = 2;
    const auto err = error_of([&] { audit::import_events(tc.ctx(), o); });
    CHECK(err.find("key 105 has action 'Bad Action', which is not lowercase words") != std::string::npos);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event'") == "4");
    // Resumed for another tenant: refused, the first part would be one tenant's and the rest another's.
    db.exec("UPDATE public.dupkey SET event = 'legacy.event'");
    o.tenant_slug = "acme";
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("started with other options (tenant_id differ") !=
          std::string::npos);
    o.tenant_slug = "other";
    CHECK(audit::import_events(tc.ctx(), o).total == 19);
    CHECK(db.query_value(fmt::format("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event' AND "
                                     "tenant_id = '{}'",
                                     kOther)) == "19");
    CHECK(verify_status(tc, "other") == "ok");
}

TEST_CASE("an import reads times without a zone in --timezone, never in the server's, and refuses non-times",
          "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    db.exec(fmt::format("ALTER DATABASE {} SET timezone = 'Europe/Berlin'", db.name()));
    test::TestContext tc(db);
    db.exec("CREATE TABLE public.activity_log (id bigserial PRIMARY KEY, causer text, created_at timestamp, "
            "description text, at_text text);"
            "INSERT INTO public.activity_log (causer, created_at, description, at_text) VALUES "
            "('42', '2025-05-01 10:00:00', 'legacy.event', '2025-05-01 10:00:00')");
    audit::ImportOptions o;
    o.from = "activity_log";
    o.map = {{"tenant_id", "causer"}, {"occurred_at", "created_at"}, {"action", "description"}};
    audit::import_events(tc.ctx(), o);
    const std::string utc = "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'HH24:MI') FROM tenantctl.audit_log "
                            "WHERE action = 'legacy.event' ORDER BY id";
    CHECK(db.query_value(utc) == "10:00");

    db.exec("CREATE TABLE public.activity_log2 AS SELECT * FROM public.activity_log; "
            "ALTER TABLE public.activity_log2 ADD PRIMARY KEY (id)");
    o.from = "activity_log2";
    o.timezone = "Europe/Berlin";
    audit::import_events(tc.ctx(), o);
    CHECK(db.query_value(utc + " OFFSET 1") == "08:00");
    o.timezone = "Mars/Olympus";
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::usage);
    o.timezone = "UTC";

    // Words the server would take as times are not times in a backfill.
    db.exec("CREATE TABLE public.activity_log3 AS SELECT * FROM public.activity_log; "
            "ALTER TABLE public.activity_log3 ADD PRIMARY KEY (id); UPDATE public.activity_log3 SET at_text = 'yesterday'");
    o.from = "activity_log3";
    o.map["occurred_at"] = "at_text";
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("has occurred_at 'yesterday', which is not an ISO") !=
          std::string::npos);
    db.exec("CREATE TABLE public.activity_log4 AS SELECT * FROM public.activity_log; "
            "ALTER TABLE public.activity_log4 ADD PRIMARY KEY (id); UPDATE public.activity_log4 SET created_at = 'infinity'");
    o.from = "activity_log4";
    o.map["occurred_at"] = "created_at";
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("which is not a point in time") != std::string::npos);

    test::TempDir dir;
    for (const char* when : {"\"yesterday\"", "1777716000", "\"now\""}) {
        write_lines(dir / "t.ndjson",
                    {fmt::format(R"({{"tenant_id":"acme","occurred_at":{},"action":"legacy.event"}})", when)});
        audit::ImportOptions f;
        f.from = (dir / "t.ndjson").string();
        INFO(when);
        CHECK(error_of([&] { audit::import_events(tc.ctx(), f); }).find("t.ndjson:1: occurred_at") != std::string::npos);
    }
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event'") == "2");
}

TEST_CASE("a value the log refuses is named by its line, the same in a dry run, and nothing is imported",
          "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    test::TempDir dir;
    std::vector<std::string> lines;
    for (int n = 0; n < 6; ++n) lines.push_back(ndjson_line("acme", n));
    lines[4] = R"({"tenant_id":"acme","occurred_at":"2025-05-02T10:00:00Z","action":"legacy.event","ip":"not-an-ip"})";
    write_lines(dir / "ip.ndjson", lines);
    audit::ImportOptions o;
    o.from = (dir / "ip.ndjson").string();
    o.batch = 3;
    const std::string expected = fmt::format("{}:5: invalid input syntax for type inet", (dir / "ip.ndjson").string());
    {
        GlobalOptions g;
        g.dry_run = true;
        test::TestContext dry(db, {}, g);
        CHECK(error_of([&] { audit::import_events(dry.ctx(), o); }).find(expected) != std::string::npos);
        CHECK(test::exit_of([&] { audit::import_events(dry.ctx(), o); }) == Exit::refused);
    }
    CHECK(legacy_ns(db).empty());
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.jobs") == "0");
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find(expected) != std::string::npos);
    CHECK(legacy_ns(db) == "0,1,2");  // the batch before the bad line
    // A dry run of the resumed job changes nothing either, not even the job's record.
    const std::string job = "SELECT error || ' ' || updated_at::text || cursor::text FROM tenantctl.jobs";
    const std::string before = db.query_value(job);
    CHECK(before.find(":5: invalid input syntax for type inet") != std::string::npos);
    {
        GlobalOptions g;
        g.dry_run = true;
        test::TestContext dry(db, {}, g);
        CHECK(error_of([&] { audit::import_events(dry.ctx(), o); }).find(expected) != std::string::npos);
    }
    CHECK(db.query_value(job) == before);
    CHECK(legacy_ns(db) == "0,1,2");

    // A JSON array is not NDJSON.
    write_lines(dir / "array.json", {"[" + ndjson_line("acme", 1) + ", " + ndjson_line("acme", 2) + "]"});
    o.from = (dir / "array.json").string();
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("array.json:1: a JSON array, not an object") !=
          std::string::npos);

    // An unknown tenant is named with its value.
    write_lines(dir / "who.ndjson", {R"({"tenant_id":"99","occurred_at":"2025-05-02T10:00:00Z","action":"a.b"})"});
    o.from = (dir / "who.ndjson").string();
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("names no known tenant ('99')") != std::string::npos);
}

TEST_CASE("an import's source: never tenantctl's own tables, a directory or an empty name, and quoted names",
          "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    audit::ImportOptions o;
    o.tenant_slug = "acme";
    for (const char* own : {"tenantctl.audit_log", "tenantctl.audit_log_default", "\"tenantctl\".\"tenants\""}) {
        o.from = own;
        INFO(own);
        CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("is one of tenantctl's own tables") !=
              std::string::npos);
    }
    test::TempDir dir;
    fs::create_directory(dir / "logs.ndjson");
    o.from = (dir / "logs.ndjson").string();
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("is a directory") != std::string::npos);
    o.from = "";
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::usage);
    o.from = (dir / "x.ndjson").string();
    o.key = "id";
    write_lines(dir / "x.ndjson", {});
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::usage);  // --key with a file

    db.exec("CREATE SCHEMA \"Audit\"; CREATE TABLE \"Audit\".\"Event Log\" (\"Event ID\" int PRIMARY KEY, "
            "\"When\" timestamptz, \"What\" text); INSERT INTO \"Audit\".\"Event Log\" VALUES "
            "(1, '2025-05-01 10:00:00+00', 'legacy.event'), (2, '2025-05-01 11:00:00+00', 'legacy.event')");
    o.from = "\"Audit\".\"Event Log\"";
    o.key = "Event ID";
    o.map = {{"occurred_at", "When"}, {"action", "What"}};
    CHECK(audit::import_events(tc.ctx(), o).imported == 2);
    CHECK(verify_status(tc, "acme") == "ok");
}

TEST_CASE("an import refuses times tenantctl cannot handle, POSIX offsets as zones, views of its own tables, and "
          "values a table's column holds that the log's refuses",
          "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    test::TempDir dir;
    for (const char* when : {"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00"}) {
        write_lines(dir / "far.ndjson",
                    {fmt::format(R"({{"tenant_id":"acme","occurred_at":"{}","action":"legacy.event"}})", when)});
        audit::ImportOptions f;
        f.from = (dir / "far.ndjson").string();
        INFO(when);
        CHECK(error_of([&] { audit::import_events(tc.ctx(), f); }).find("of the years 1678 to 2261") != std::string::npos);
    }
    CHECK(db.query_value("SELECT count(*) FROM pg_inherits WHERE inhparent = 'tenantctl.audit_log'::regclass AND "
                         "inhrelid::regclass::text ~ 'y(0001|9999)'") == "0");

    db.exec("CREATE TABLE public.app (id int PRIMARY KEY, company text, at timestamptz, what text, meta text, "
            "addr text); INSERT INTO public.app VALUES "
            "(1, 'acme', '2025-05-01 10:00+00', 'legacy.event', '{}', '10.0.0.1'), "
            "(2, 'acme', '1600-05-01 10:00+00', 'legacy.event', '{}', '10.0.0.1')");
    audit::ImportOptions o;
    o.from = "public.app";
    o.map = {{"tenant_id", "company"}, {"occurred_at", "at"}, {"action", "what"}, {"metadata", "meta"}, {"ip", "addr"}};
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("key 2 has occurred_at") != std::string::npos);
    db.exec("UPDATE public.app SET at = '2025-05-02 10:00+00', meta = '{bad' WHERE id = 2");
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); })
              .find("the event at key 2: invalid input syntax for type json") != std::string::npos);
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::refused);
    db.exec("UPDATE public.app SET meta = '[1]' WHERE id = 2");
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("key 2 has metadata that is a JSON array") !=
          std::string::npos);
    db.exec("UPDATE public.app SET meta = NULL, addr = '999.0.0.1' WHERE id = 2");
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); })
              .find("the event at key 2: invalid input syntax for type inet") != std::string::npos);
    db.exec("UPDATE public.app SET addr = NULL WHERE id = 2");
    o.timezone = "+05:00";  // POSIX: five hours *behind* UTC
    CHECK(error_of([&] { audit::import_events(tc.ctx(), o); }).find("is not the name of a time zone") != std::string::npos);
    o.timezone = "UTC";
    CHECK(audit::import_events(tc.ctx(), o).total == 2);
    CHECK(verify_status(tc, "acme") == "ok");

    // A view of tenantctl's own log is the log.
    db.exec("CREATE VIEW public.own AS SELECT * FROM tenantctl.audit_log; CREATE VIEW public.own2 AS SELECT * FROM "
            "public.own");
    audit::ImportOptions v;
    v.tenant_slug = "acme";
    for (const char* view : {"public.own", "public.own2"}) {
        v.from = view;
        INFO(view);
        CHECK(error_of([&] { audit::import_events(tc.ctx(), v); }).find("own tables, or reads one") != std::string::npos);
    }
    // --tenant beside a tenant_id column, or a line that names its tenant: one of them would be ignored.
    db.exec("CREATE TABLE public.with_tenant (id int PRIMARY KEY, tenant_id text, occurred_at timestamptz, action text)");
    v.from = "public.with_tenant";
    CHECK(error_of([&] { audit::import_events(tc.ctx(), v); }).find("has a tenant_id column, and --tenant") !=
          std::string::npos);
    write_lines(dir / "named.ndjson", {ndjson_line("other", 1)});
    v.from = (dir / "named.ndjson").string();
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), v); }) == Exit::usage);
}

TEST_CASE("an import's metadata is an object, keeps every key, and a file is found by its content and one name",
          "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    test::TempDir dir;
    auto import_file = [&](const std::string& path) {
        audit::ImportOptions o;
        o.from = path;
        o.batch = 4;
        return audit::import_events(tc.ctx(), o);
    };
    write_lines(dir / "m.ndjson", {R"({"tenant_id":"acme","occurred_at":"2025-05-01T10:00:00Z","action":"a.b","metadata":5})"});
    CHECK(test::exit_of([&] { import_file((dir / "m.ndjson").string()); }) == Exit::refused);
    write_lines(dir / "k.ndjson",
                {R"({"tenant_id":"acme","occurred_at":"2025-05-01T10:00:00Z","action":"a.b","metadata":{"x":1},"x":2})"});
    CHECK(error_of([&] { import_file((dir / "k.ndjson").string()); }).find("key 'x' is both in metadata and beside it") !=
          std::string::npos);

    // Ten lines imported in full; a copy with a line added starts with them.
    std::vector<std::string> lines;
    for (int n = 0; n < 10; ++n) lines.push_back(ndjson_line("acme", n));
    write_lines(dir / "full.ndjson", lines);
    // Named with "..": the job is the file's, whatever the spelling.
    fs::create_directory(dir / "sub");
    CHECK(import_file((dir / "sub" / ".." / "full.ndjson").string()).imported == 10);
    CHECK(test::exit_of([&] { import_file((dir / "full.ndjson").string()); }) == Exit::refused);  // imported already
    auto grown = lines;
    grown.push_back(ndjson_line("acme", 10));
    write_lines(dir / "grown.ndjson", grown);
    CHECK(error_of([&] { import_file((dir / "grown.ndjson").string()); }).find("starts with the") != std::string::npos);

    // An unfinished import of 12 lines stopped after 8; a file of its first 4 lines is part of it.
    std::vector<std::string> twelve;
    for (int n = 20; n < 32; ++n) twelve.push_back(ndjson_line("other", n));
    twelve[9] = "not json";
    write_lines(dir / "twelve.ndjson", twelve);
    CHECK(test::exit_of([&] { import_file((dir / "twelve.ndjson").string()); }) == Exit::usage);
    write_lines(dir / "head.ndjson", std::vector<std::string>(twelve.begin(), twelve.begin() + 4));
    CHECK(error_of([&] { import_file((dir / "head.ndjson").string()); }).find("is the first") != std::string::npos);
    CHECK(legacy_ns(db) == "0,1,2,3,4,5,6,7,8,9,20,21,22,23,24,25,26,27");
    CHECK(test::exit_of([&] { import_file("/dev/null"); }) == Exit::usage);
}
