// Integration: retention without gaps (rows in the default partition, late events of pruned
// months, archives never overwritten), the doctor check of the partitions, and `audit import`
// from a table and from NDJSON, with the chain verifying after each.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/audit/chain.hpp"
#include "core/audit/doctor_checks.hpp"
#include "core/audit/import.hpp"
#include "core/audit/partitions.hpp"
#include "core/doctor/isolation.hpp"
#include "core/errors.hpp"
#include "core/util/duration.hpp"
#include "core/util/process.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
namespace fs = std::filesystem;

namespace {

constexpr const char* kAcme = "11111111-1111-4111-8111-111111111111";
constexpr const char* kOther = "22222222-2222-4222-8222-222222222222";

void add_tenants(const test::TestDatabase& db) {
    db.exec(fmt::format("INSERT INTO tenantctl.tenants (id, slug, tenancy_key) VALUES ('{}', 'acme', 'company-1'), "
                        "('{}', 'other', NULL)",
                        kAcme, kOther));
}

// n events `months_ago` whole months before the start of this month (plus g minutes).
void add_old_events(const test::TestDatabase& db, const char* tenant, int n, int months_ago, const char* action) {
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action, actor_id) SELECT '{}', "
                        "date_trunc('month', now()) - interval '{} months' + make_interval(mins => g), '{}', 'u' || g "
                        "FROM generate_series(1, {}) g",
                        tenant, months_ago, action, n));
}

void seal_all(test::TestContext& tc) {
    audit::SealOptions s;
    s.settle = {};
    audit::seal(tc.ctx(), s);
}

std::string verify_status(test::TestContext& tc, const char* slug, std::int64_t* verified = nullptr) {
    audit::VerifyOptions v;
    v.scope.tenant_slug = slug;
    auto r = audit::verify(tc.ctx(), v);
    REQUIRE(r.size() == 1);
    if (verified) *verified = r[0].verified;
    return r[0].status + (r[0].problem.empty() ? "" : " " + r[0].problem);
}

long gz_lines(const fs::path& gz) {
    auto r = util::run_process({"sh", "-c", "zcat '" + gz.string() + "' | wc -l"});
    REQUIRE(r.exit_code == 0);
    return std::stol(r.out);
}

std::string default_rows(const test::TestDatabase& db) {
    return db.query_value("SELECT count(*) FROM tenantctl.audit_log_default");
}

}  // namespace

TEST_CASE("a late event for a pruned month never overwrites the month's archive (issue 12 item 2)",
          "[integration][audit][partitions]") {
    test::TestDatabase db;
    add_tenants(db);
    add_old_events(db, kAcme, 200, 15, "old.event");
    config::Config cfg;
    cfg.audit.retention = util::parse_duration("3y");  // ensure would re-create the month
    test::TestContext tc(db, cfg);
    audit::ensure_partitions(tc.ctx(), 0);
    REQUIRE(default_rows(db) == "0");
    seal_all(tc);
    test::TempDir dir;
    audit::PruneOptions o;
    o.older_than = util::parse_duration("13mo");
    o.archive_dir = dir.path();
    auto first = audit::prune_partitions(tc.ctx(), o);
    REQUIRE(first.size() == 1);
    const std::string month = first[0].partition;
    const fs::path first_archive = first[0].archive;
    CHECK(first_archive.filename() == month + ".ndjson.gz");
    CHECK(gz_lines(first_archive) == 200);

    // A late event of that month lands in the default partition; ensure does not bring the
    // month back for it.
    add_old_events(db, kAcme, 1, 15, "late.event");
    auto ens = audit::ensure_partitions(tc.ctx(), 0);
    CHECK(ens.created.empty());
    REQUIRE(ens.pruned_before.size() == 1);
    CHECK(ens.pruned_before[0] == month);
    CHECK(default_rows(db) == "1");

    // The next prune archives the late event as a second file; the first one is intact.
    auto second = audit::prune_partitions(tc.ctx(), o);
    REQUIRE(second.size() == 1);
    CHECK(second[0].partition == month);
    CHECK(second[0].rows == 1);
    CHECK(fs::path(second[0].archive).filename() == month + ".2.ndjson.gz");
    CHECK(gz_lines(second[0].archive) == 1);
    CHECK(gz_lines(first_archive) == 200);
    CHECK(test::read_file(first_archive.string() + ".sha256").rfind(first[0].sha256, 0) == 0);
    CHECK(test::read_file(second[0].archive + ".sha256").rfind(second[0].sha256, 0) == 0);
    CHECK(default_rows(db) == "0");

    // A month re-created by hand (the old behaviour of ensure) is archived under a third name.
    db.exec(fmt::format("CREATE TABLE tenantctl.{0} PARTITION OF tenantctl.audit_log FOR VALUES FROM "
                        "(date_trunc('month', now()) - interval '15 months') TO (date_trunc('month', now()) - interval "
                        "'14 months')",
                        month));
    add_old_events(db, kAcme, 3, 15, "later.event");
    auto third = audit::prune_partitions(tc.ctx(), o);
    REQUIRE(third.size() == 1);
    CHECK(fs::path(third[0].archive).filename() == month + ".3.ndjson.gz");
    CHECK(gz_lines(third[0].archive) == 3);
    CHECK(gz_lines(first_archive) == 200);
    CHECK(gz_lines(second[0].archive) == 1);
    CHECK(verify_status(tc, "acme") != "broken");
}

TEST_CASE("prune archives and removes default-partition rows past retention - rows within it are kept and moved",
          "[integration][audit][partitions]") {
    test::TestDatabase db;
    add_tenants(db);
    // Backfilled rows with no partition of their own: 20 and 17 months old (past 13mo) and
    // 2 months old (within). Default retention (400 days): ensure leaves the old ones.
    add_old_events(db, kAcme, 30, 20, "backfill.old");
    add_old_events(db, kOther, 20, 17, "backfill.old");
    add_old_events(db, kAcme, 25, 2, "backfill.recent");
    REQUIRE(default_rows(db) == "75");
    test::TestContext tc(db);
    seal_all(tc);
    REQUIRE(verify_status(tc, "acme") == "ok");

    // doctor names them.
    std::vector<doctor::Finding> findings;
    audit::check_partitions(tc.ctx(), findings);
    auto warn = std::find_if(findings.begin(), findings.end(), [](const auto& f) { return f.subject == "audit_log_default"; });
    REQUIRE(warn != findings.end());
    CHECK(warn->status == "warn");
    CHECK(warn->detail.find("75 rows in the default partition") != std::string::npos);
    CHECK(warn->detail.find("oldest ") != std::string::npos);

    auto ens = audit::ensure_partitions(tc.ctx(), 3);
    CHECK(ens.moved_rows == 25);
    CHECK(ens.past_retention.size() == 2);
    CHECK(default_rows(db) == "50");  // what ensure leaves is past retention

    test::TempDir dir;
    audit::PruneOptions o;
    o.older_than = util::parse_duration("13mo");
    o.archive_dir = dir.path();
    auto dry = [&] {
        GlobalOptions g;
        g.dry_run = true;
        test::TestContext dtc(db, {}, g);
        return audit::prune_partitions(dtc.ctx(), o);
    }();
    CHECK(dry.size() == 2);
    CHECK(default_rows(db) == "50");
    auto pruned = audit::prune_partitions(tc.ctx(), o);
    REQUIRE(pruned.size() == 2);
    std::int64_t archived = 0;
    for (const auto& p : pruned) {
        CHECK(p.status == "dropped");
        CHECK(gz_lines(p.archive) == p.rows);
        archived += p.rows;
    }
    CHECK(archived == 50);
    CHECK(default_rows(db) == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'backfill.old'") == "0");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'backfill.recent'") == "25");
    std::int64_t verified = 0;
    CHECK(verify_status(tc, "acme", &verified) == "ok");
    CHECK(verified >= 25);
    CHECK(verify_status(tc, "other") == "ok");

    findings.clear();
    audit::check_partitions(tc.ctx(), findings);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].status == "ok");
}

TEST_CASE("doctor reports a partition that is not a calendar month, and a month detached from the log",
          "[integration][audit][partitions]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    // Made by hand across two months, older than any retention: prune never drops it.
    db.exec("CREATE TABLE tenantctl.audit_log_cross PARTITION OF tenantctl.audit_log FOR VALUES FROM "
            "('2001-10-15 00:00:00+00') TO ('2001-11-20 00:00:00+00')");
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) VALUES ('{}', "
                        "'2001-10-20 00:00:00+00', 'old.event')",
                        kAcme));
    // And this month detached, with an event in it.
    add_old_events(db, kAcme, 3, 0, "new.event");
    const std::string month = db.query_value("SELECT to_char(now() AT TIME ZONE 'UTC', '\"audit_log_y\"YYYY\"m\"MM')");
    const std::string in_month = db.query_value("SELECT count(*) FROM tenantctl." + month);
    REQUIRE(std::stoi(in_month) >= 3);
    db.exec("ALTER TABLE tenantctl.audit_log DETACH PARTITION tenantctl." + month);
    std::vector<doctor::Finding> findings;
    audit::check_partitions(tc.ctx(), findings);
    std::map<std::string, doctor::Finding> by_subject;
    for (const auto& f : findings) by_subject[f.subject] = f;
    REQUIRE(by_subject.count("audit_log_cross"));
    CHECK(by_subject["audit_log_cross"].status == "warn");
    CHECK(by_subject["audit_log_cross"].detail.find("not one calendar month") != std::string::npos);
    REQUIRE(by_subject.count(month));
    CHECK(by_subject[month].status == "fail");
    CHECK(by_subject[month].detail.find("with " + in_month + " rows") != std::string::npos);
    // The isolation check leaves it to this one (its advice, moving it out of the schema, would
    // take it further from the log).
    std::vector<doctor::Finding> isolation;
    doctor::check_platform_isolation(tc.ctx(), isolation);
    for (const auto& f : isolation) CHECK(f.subject.find(month) == std::string::npos);
    // The hint attaches it back, and then the month is whole again.
    db.exec(by_subject[month].hint);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'new.event'") == "3");
}

TEST_CASE("doctor reports months missing from the premake window", "[integration][audit][partitions]") {
    test::TestDatabase db;
    config::Config cfg;
    cfg.audit.premake = 5;  // init made 3 ahead
    test::TestContext tc(db, cfg);
    std::vector<doctor::Finding> findings;
    audit::check_partitions(tc.ctx(), findings);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].status == "warn");
    CHECK(findings[0].detail.find("missing for the premake window") != std::string::npos);
}

TEST_CASE("audit import from a table maps columns, creates months, re-seals the chain it reaches into",
          "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    // The tenant already has sealed events of today.
    db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, action) SELECT '{}', "
                        "now() - make_interval(mins => g), 'app.recent' FROM generate_series(1, 5) g",
                        kAcme));
    seal_all(tc);
    db.exec("CREATE SCHEMA app; CREATE TABLE app.audit_events (id bigserial PRIMARY KEY, company text, "
            "created_at timestamptz, event text, who text, details jsonb);"
            "INSERT INTO app.audit_events (company, created_at, event, who, details) SELECT "
            "CASE WHEN g % 3 = 0 THEN 'other' ELSE 'company-1' END, "
            "date_trunc('month', now()) - interval '5 months' + make_interval(hours => g), 'legacy.event', "
            "'user-' || g, jsonb_build_object('n', g) FROM generate_series(1, 3000) g");
    audit::ImportOptions o;
    o.from = "app.audit_events";
    o.map = {{"tenant_id", "company"}, {"occurred_at", "created_at"}, {"action", "event"}, {"actor_id", "who"},
             {"metadata", "details"}};
    o.batch = 700;
    auto r = audit::import_events(tc.ctx(), o);
    CHECK(r.status == "imported");
    CHECK(r.imported == 3000);
    CHECK_FALSE(r.months_created.empty());
    CHECK(r.resealed == std::vector<std::string>{"acme"});
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event' AND tenant_id = "
                         "'" + std::string(kAcme) + "'") == "2000");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.event' AND tenant_id = "
                         "'" + std::string(kOther) + "'") == "1000");
    CHECK(db.query_value("SELECT count(DISTINCT metadata->>'n') FROM tenantctl.audit_log WHERE action = "
                         "'legacy.event'") == "3000");
    CHECK(default_rows(db) == "0");
    std::int64_t verified = 0;
    CHECK(verify_status(tc, "acme", &verified) == "ok");
    CHECK(verified >= 2005);
    CHECK(verify_status(tc, "other") == "ok");
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'audit.import'") == "1");
    // A source is imported once.
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::refused);

    // Then the chain is pruned past the imported months and still verifies.
    test::TempDir dir;
    audit::PruneOptions po;
    po.older_than = util::parse_duration("3mo");
    po.archive_dir = dir.path();
    CHECK_FALSE(audit::prune_partitions(tc.ctx(), po).empty());
    CHECK(verify_status(tc, "acme") == "ok");
    CHECK(verify_status(tc, "other") == "ok");
}

TEST_CASE("audit import from NDJSON keeps unmapped keys in metadata and refuses unknown tenants",
          "[integration][audit][import]") {
    test::TestDatabase db;
    add_tenants(db);
    test::TestContext tc(db);
    test::TempDir dir;
    {
        std::ofstream f(dir / "log.ndjson");
        for (int i = 1; i <= 1200; ++i)
            f << fmt::format(R"({{"tenant":"acme","ts":"2025-0{}-1{}T10:00:0{}Z","action":"legacy.login","ip":"10.0.0.{}","country":"DE","n":{}}})",
                             1 + i % 3, i % 10, i % 10, i % 200, i)
              << "\n";
    }
    audit::ImportOptions o;
    o.from = (dir / "log.ndjson").string();
    o.map = {{"tenant_id", "tenant"}, {"occurred_at", "ts"}};
    o.batch = 500;
    auto r = audit::import_events(tc.ctx(), o);
    CHECK(r.imported == 1200);
    CHECK(db.query_value("SELECT count(DISTINCT metadata->>'n') FROM tenantctl.audit_log WHERE action = "
                         "'legacy.login' AND metadata->>'country' = 'DE' AND ip IS NOT NULL") == "1200");
    CHECK(verify_status(tc, "acme") == "ok");

    {
        std::ofstream f(dir / "bad.ndjson");
        f << R"({"tenant":"acme","ts":"2025-01-01T00:00:00Z","action":"legacy.login"})" << "\n";
        f << R"({"tenant":"nobody","ts":"2025-01-01T00:00:00Z","action":"legacy.login"})" << "\n";
    }
    o.from = (dir / "bad.ndjson").string();
    CHECK(test::exit_of([&] { audit::import_events(tc.ctx(), o); }) == Exit::refused);
    CHECK(db.query_value("SELECT count(*) FROM tenantctl.audit_log WHERE action = 'legacy.login'") == "1200");
}

namespace {

// The lines of a gzip file, sorted.
std::vector<std::string> gz_sorted_lines(const fs::path& gz) {
    auto r = util::run_process({"sh", "-c", "zcat '" + gz.string() + "'"});
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t nl; (nl = r.out.find('\n', start)) != std::string::npos; start = nl + 1)
        lines.push_back(r.out.substr(start, nl - start));
    CHECK(start == r.out.size());  // every line ends with a newline
    std::sort(lines.begin(), lines.end());
    return lines;
}

// What row_to_json() prints for each event of the month `months_ago` months back, sorted,
// under TimeZone 'UTC' (the database's setting, so every new session has it).
std::vector<std::string> server_json_lines(const test::TestDatabase& db, int months_ago) {
    db.exec(fmt::format("ALTER DATABASE {} SET TimeZone = 'UTC'", db.name()));
    const std::string all = db.query_value(fmt::format(
        "SELECT string_agg(row_to_json(p)::text, E'\\n') FROM tenantctl.audit_log p "
        "WHERE occurred_at >= date_trunc('month', now()) - interval '{0} months' "
        "AND occurred_at < date_trunc('month', now()) - interval '{1} months'",
        months_ago, months_ago - 1));
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1)
        lines.push_back(all.substr(start, nl - start));
    lines.push_back(all.substr(start));
    std::sort(lines.begin(), lines.end());
    return lines;
}

// Events whose every field is hard to write as JSON: control characters, quotes and
// backslashes, COPY's own escapes, non-ASCII, empty strings and NULLs, IPv6 and networks,
// nested and escaped jsonb, fractions of seconds with and without trailing zeros.
void add_hostile_events(const test::TestDatabase& db, int months_ago) {
    db.exec(fmt::format(
        "INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, "
        "resource_id, request_id, ip, user_agent, metadata, pseudonyms) VALUES "
        "('{0}', date_trunc('month', now()) - interval '{1} months' + interval '1 day 00:00:00.1', 'user', "
        "  E'a\\x01b\\x1fc\\td\\ne\\rf\\bg\\fh\\vi', 'x.y', E'\"quoted\" \\\\back', E'\\\\N', '', '::1', "
        "  'caf\u00e9 \U0001F600 \u2028', '{{\"k\": \"x\\\"y\\\\\\\\z\\n\", \"b\": [1, 2.5e10, null, true, {{}}]}}', "
        "  NULL), "
        "('{0}', date_trunc('month', now()) - interval '{1} months' + interval '2 days 00:00:00.000001', 'system', "
        "  NULL, 'a.b', NULL, NULL, NULL, '10.0.0.0/8', NULL, '{{}}', NULL), "
        "('{0}', date_trunc('month', now()) - interval '{1} months' + interval '3 days', 'user', "
        "  'tab\\there', 'x.z', E'\\\\', NULL, 'r', '2001:db8::ff00:42:8329', '/', '{{\"\\u00e9\": \"\\u0007\"}}', NULL)",
        kAcme, months_ago));
}

// Prunes the one month older than 13 months into a fresh archive directory; checks that it
// held `rows` events and that its archive has, line for line, what row_to_json printed for
// them before (`expected`).
void prune_and_compare(test::TestContext& tc, std::int64_t rows, const std::vector<std::string>& expected) {
    test::TempDir dir;
    audit::PruneOptions o;
    o.older_than = util::parse_duration("13mo");
    o.archive_dir = dir.path();
    auto pruned = audit::prune_partitions(tc.ctx(), o);
    REQUIRE(pruned.size() == 1);
    CHECK(pruned[0].rows == rows);
    CHECK(gz_sorted_lines(pruned[0].archive) == expected);
}

}  // namespace

TEST_CASE("a pruned month's archive holds every event exactly as row_to_json prints it (client-encoded)",
          "[integration][audit][partitions]") {
    test::TestDatabase db;
    add_tenants(db);
    add_old_events(db, kAcme, 50, 15, "old.event");
    add_hostile_events(db, 15);
    config::Config cfg;
    cfg.audit.retention = util::parse_duration("3y");
    test::TestContext tc(db, cfg);
    audit::ensure_partitions(tc.ctx(), 0);
    seal_all(tc);
    const auto expected = server_json_lines(db, 15);
    REQUIRE(expected.size() == 53);
    prune_and_compare(tc, 53, expected);
    CHECK(tc.log_text().find("the server writes the JSON") == std::string::npos);
    CHECK(verify_status(tc, "acme") == "ok");
}

TEST_CASE("a month with columns the client cannot encode is archived by the server, byte for byte the same",
          "[integration][audit][partitions]") {
    // The application added its own columns to the log: an array (not encoded by the client at
    // all), and a timestamp whose BC value the client does not write (it notices mid-stream and
    // the server encodes the whole month again in the same snapshot).
    for (const char* added : {"tags text[] DEFAULT ARRAY['a', 'b\"c']", "legacy_at timestamp"}) {
        DYNAMIC_SECTION(added) {
            test::TestDatabase db;
            add_tenants(db);
            db.exec(fmt::format("ALTER TABLE tenantctl.audit_log ADD COLUMN {}", added));
            add_old_events(db, kAcme, 20, 15, "old.event");
            add_hostile_events(db, 15);
            if (std::string_view(added).rfind("legacy_at", 0) == 0)
                db.exec("UPDATE tenantctl.audit_log SET legacy_at = CASE WHEN actor_id = 'u7' THEN "
                        "'0044-03-15 12:00:00 BC'::timestamp ELSE '2020-01-02 03:04:05.5' END");
            config::Config cfg;
            cfg.audit.retention = util::parse_duration("3y");
            test::TestContext tc(db, cfg);
            audit::ensure_partitions(tc.ctx(), 0);
            const auto expected = server_json_lines(db, 15);
            REQUIRE(expected.size() == 23);
            prune_and_compare(tc, 23, expected);
            // The BC value is met mid-stream: the client's attempt is dropped, the server's kept.
            if (std::string_view(added).rfind("legacy_at", 0) == 0)
                CHECK(tc.log_text().find("the server writes the JSON") != std::string::npos);
        }
    }
}
