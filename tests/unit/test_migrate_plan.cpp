#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/migrate/plan.hpp"

using namespace tenantctl;
using namespace tenantctl::migrate;

namespace {

const std::string V1 = "20240101000000";
const std::string V2 = "20240201000000";
const std::string V3 = "20240301000000";
const std::string V4 = "20240401000000";

MigrationFile migration(const std::string& version, const std::string& name, const std::string& up = "SELECT 1;\n",
                        const std::optional<std::string>& down = "SELECT 0;\n", const std::string& header = "") {
    std::string content = header + "-- migrate:up\n" + up + (down ? "-- migrate:down\n" + *down : "");
    return parse_migration(content, "migrations/" + version + "_" + name + ".sql");
}

AppliedMigration applied(const MigrationFile& f) { return {f.version, f.name, f.checksum}; }

AppliedMigration failed_at(const MigrationFile& f, int statements_done) {
    AppliedMigration row = applied(f);
    row.failed = true;
    row.statements_done = statements_done;
    return row;
}

AppliedMigration baseline(const std::string& version) {
    AppliedMigration row{version, "baseline", ""};
    row.baseline = true;
    return row;
}

std::vector<std::string> versions(const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& m : plan.migrations) out.push_back(m.file.version);
    return out;
}

template <typename E, typename F>
E error_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e;
    }
    FAIL("expected an exception");
    throw std::logic_error("unreachable");
}

using Versions = std::vector<std::string>;

const std::vector<MigrationFile> kFiles{migration(V1, "one"), migration(V2, "two"), migration(V3, "three"),
                                        migration(V4, "four")};

}  // namespace

TEST_CASE("migrate plan_up: pending files in version order", "[migrate][plan]") {
    auto all = plan_up(kFiles, {}, std::nullopt, false);
    CHECK(all.direction == Direction::up);
    CHECK(versions(all) == Versions{V1, V2, V3, V4});
    for (const auto& m : all.migrations) {
        CHECK(m.first_statement == 0);
        CHECK_FALSE(m.resume);
        CHECK_FALSE(m.out_of_order);
    }

    // Input order does not matter.
    std::vector<MigrationFile> shuffled{kFiles[2], kFiles[0], kFiles[3], kFiles[1]};
    CHECK(versions(plan_up(shuffled, {applied(kFiles[0])}, std::nullopt, false)) == Versions{V2, V3, V4});

    CHECK(plan_up(kFiles, {applied(kFiles[0]), applied(kFiles[1]), applied(kFiles[2]), applied(kFiles[3])},
                  std::nullopt, false)
              .empty());
    CHECK(plan_up({}, {}, std::nullopt, false).empty());
}

TEST_CASE("migrate plan_up: --to is inclusive and validated", "[migrate][plan]") {
    CHECK(versions(plan_up(kFiles, {applied(kFiles[0])}, V3, false)) == Versions{V2, V3});
    CHECK(plan_up(kFiles, {applied(kFiles[0]), applied(kFiles[1])}, V1, false).empty());

    auto unknown = error_of<NotFound>([] { plan_up(kFiles, {}, std::string("20240115000000"), false); });
    CHECK(std::string(unknown.what()) == "no migration file has version 20240115000000");
    CHECK(unknown.code() == Exit::not_found);

    for (const char* bad : {"2024010100000a", "", "latest", "1..2", "2024-01-01"}) {
        INFO(bad);
        CHECK_THROWS_AS(plan_up(kFiles, {}, std::string(bad), false), UsageError);
    }
    // Digits are a version of some layout (golang-migrate 000001, Flyway 1.2): not found, not malformed.
    for (const char* other : {"2024", "202401010000000", "20241301000000", "1.2"}) {
        INFO(other);
        CHECK_THROWS_AS(plan_up(kFiles, {}, std::string(other), false), NotFound);
    }
}

TEST_CASE("migrate plan_up: out-of-order files are refused with the list", "[migrate][plan]") {
    std::vector<AppliedMigration> ledger{applied(kFiles[0]), applied(kFiles[3])};  // V2, V3 merged late
    auto refused = error_of<Refused>([&] { plan_up(kFiles, ledger, std::nullopt, false); });
    CHECK(refused.code() == Exit::refused);
    CHECK(std::string(refused.what()) ==
          "migration 20240201000000_two is older than the newest applied 20240401000000_four; missing: "
          "20240201000000_two, 20240301000000_three");
    CHECK(refused.hint().find("--allow-out-of-order") != std::string::npos);
    CHECK(refused.details() == std::vector<std::string>{"20240201000000_two", "20240301000000_three"});

    auto allowed = plan_up(kFiles, ledger, std::nullopt, true);
    REQUIRE(versions(allowed) == Versions{V2, V3});
    CHECK(allowed.migrations[0].out_of_order);
    CHECK(allowed.migrations[1].out_of_order);

    // Newer files are not out of order; only the old ones are flagged.
    auto five = kFiles;
    five.push_back(migration("20240501000000", "five"));
    auto mixed = plan_up(five, ledger, std::nullopt, true);
    REQUIRE(mixed.migrations.size() == 3);
    CHECK_FALSE(mixed.migrations[2].out_of_order);
    // --to below the out-of-order files avoids them entirely.
    CHECK(plan_up(five, ledger, V1, false).empty());
}

TEST_CASE("migrate plan_up: a failed no-transaction migration resumes where it stopped", "[migrate][plan]") {
    const std::string up = "CREATE INDEX CONCURRENTLY a ON t (x);\nCREATE INDEX CONCURRENTLY b ON t (y);\nSELECT 3;\n";
    auto file = migration(V2, "indexes", up, std::nullopt, "-- tenantctl:no-transaction\n");
    std::vector<MigrationFile> files{kFiles[0], file, kFiles[2]};

    auto plan = plan_up(files, {applied(kFiles[0]), failed_at(file, 2)}, std::nullopt, false);
    REQUIRE(versions(plan) == Versions{V2, V3});
    CHECK(plan.migrations[0].resume);
    CHECK(plan.migrations[0].first_statement == 2);
    CHECK_FALSE(plan.migrations[0].changed_since_failure);
    CHECK_FALSE(plan.migrations[0].out_of_order);
    CHECK_FALSE(plan.migrations[1].resume);

    SECTION("a failed row does not count as applied, and is not drift") {
        auto st = status(files, {applied(kFiles[0]), failed_at(file, 2)});
        CHECK(verify(files, {failed_at(file, 2)}).empty());
        CHECK(st[1].state == MigrationState::failed);
    }

    SECTION("the failed statement was fixed: resume, flagged as changed without proof") {
        auto fixed = migration(
            V2, "indexes", "CREATE INDEX CONCURRENTLY a ON t (x);\nCREATE INDEX CONCURRENTLY b ON t (y);\nSELECT 4;\n",
            std::nullopt, "-- tenantctl:no-transaction\n");
        auto p = plan_up({kFiles[0], fixed}, {applied(kFiles[0]), failed_at(file, 2)}, std::nullopt, false);
        REQUIRE(p.migrations.size() == 1);
        CHECK(p.migrations[0].first_statement == 2);
        CHECK(p.migrations[0].changed_since_failure);
        CHECK(p.migrations[0].file.checksum == fixed.checksum);

        // With the prefix checksum recorded, the fix is proven not to touch what already ran.
        auto row = failed_at(file, 2);
        row.done_checksum = prefix_checksum(file, 2);
        auto proven = plan_up({kFiles[0], fixed}, {applied(kFiles[0]), row}, std::nullopt, false);
        CHECK_FALSE(proven.migrations[0].changed_since_failure);
    }

    SECTION("editing statements that already ran is refused when the prefix checksum proves it") {
        auto edited = migration(
            V2, "indexes", "CREATE INDEX CONCURRENTLY a2 ON t (x);\nCREATE INDEX CONCURRENTLY b ON t (y);\nSELECT 3;\n",
            std::nullopt, "-- tenantctl:no-transaction\n");
        auto row = failed_at(file, 2);
        row.done_checksum = prefix_checksum(file, 2);
        auto e = error_of<Refused>([&] {
            plan_up({kFiles[0], edited}, {applied(kFiles[0]), row}, std::nullopt, false);
        });
        CHECK(std::string(e.what()) ==
              "migration 20240201000000_indexes stopped after statement 2 and the statements that already ran have "
              "been edited since");
    }

    SECTION("a file shorter than the progress is refused") {
        auto shorter = migration(V2, "indexes", "SELECT 1;\n", std::nullopt, "-- tenantctl:no-transaction\n");
        auto e = error_of<Refused>([&] { plan_up({shorter}, {failed_at(file, 2)}, std::nullopt, false); });
        CHECK(std::string(e.what()) ==
              "migration 20240201000000_indexes stopped after statement 2 but the file now has only 1");
    }

    SECTION("pending files older than a started migration are out of order") {
        auto e = error_of<Refused>([&] { plan_up({kFiles[0], file}, {failed_at(file, 1)}, std::nullopt, false); });
        CHECK(e.details() == std::vector<std::string>{"20240101000000_one"});
    }
}

TEST_CASE("migrate plan_up and plan_down refuse on drift", "[migrate][plan]") {
    auto changed = applied(kFiles[0]);
    changed.checksum = std::string(64, 'a');
    auto e = error_of<IntegrityError>([&] { plan_up(kFiles, {changed}, std::nullopt, false); });
    CHECK(e.code() == Exit::integrity);
    CHECK(std::string(e.what()) ==
          "20240101000000_one: changed since it was applied (checksum aaaaaaaaaaaa, file now " +
              kFiles[0].checksum.substr(0, 12) + ")");
    CHECK(e.hint().find("migrate repair") != std::string::npos);

    AppliedMigration gone{"20231201000000", "removed", std::string(64, 'b')};
    auto both = error_of<IntegrityError>([&] { plan_up(kFiles, {gone, changed}, std::nullopt, false); });
    CHECK(std::string(both.what()) == "20231201000000_removed: in the ledger but its file is missing (and 1 more)");
    CHECK(both.details().size() == 2);

    CHECK_THROWS_AS(plan_down(kFiles, {changed}, DownTarget{}), IntegrityError);
}

TEST_CASE("migrate plan: baseline covers older files", "[migrate][plan]") {
    std::vector<AppliedMigration> ledger{baseline(V2)};
    CHECK(versions(plan_up(kFiles, ledger, std::nullopt, false)) == Versions{V3, V4});
    CHECK(verify(kFiles, {baseline("20231231000000")}).empty());  // a marker needs no file

    auto st = status(kFiles, ledger);
    REQUIRE(st.size() == 4);
    CHECK(st[0].state == MigrationState::baselined);
    CHECK(st[1].state == MigrationState::baselined);
    CHECK(st[2].state == MigrationState::pending);
    CHECK_FALSE(st[2].out_of_order);

    // down never reverts what the baseline covers.
    std::vector<AppliedMigration> later{baseline(V2), applied(kFiles[2])};
    CHECK(versions(plan_down(kFiles, later, DownTarget{})) == Versions{V3});
    CHECK(versions(plan_down(kFiles, later, DownTarget{V2, 1})) == Versions{V3});
    CHECK_THROWS_AS(plan_down(kFiles, later, DownTarget{std::nullopt, 2}), Refused);
}

TEST_CASE("migrate plan_down: steps and --to", "[migrate][plan]") {
    std::vector<AppliedMigration> ledger{applied(kFiles[0]), applied(kFiles[1]), applied(kFiles[2])};

    auto one = plan_down(kFiles, ledger, DownTarget{});
    CHECK(one.direction == Direction::down);
    CHECK(versions(one) == Versions{V3});
    CHECK(versions(plan_down(kFiles, ledger, DownTarget{std::nullopt, 2})) == Versions{V3, V2});
    CHECK(versions(plan_down(kFiles, ledger, DownTarget{std::nullopt, 3})) == Versions{V3, V2, V1});
    CHECK(versions(plan_down(kFiles, ledger, DownTarget{V1, 1})) == Versions{V3, V2});  // V1 stays applied
    CHECK(plan_down(kFiles, ledger, DownTarget{V3, 1}).empty());
    CHECK(plan_down(kFiles, {}, DownTarget{}).empty());

    auto too_many = error_of<Refused>([&] { plan_down(kFiles, ledger, DownTarget{std::nullopt, 30}); });
    CHECK(std::string(too_many.what()) == "--steps 30 exceeds the 3 applied migrations");
    CHECK(too_many.hint() == "use --steps 3 to revert them all");
    CHECK_THROWS_WITH(plan_down(kFiles, ledger, DownTarget{std::nullopt, 0}), "--steps must be at least 1");
    CHECK_THROWS_AS(plan_down(kFiles, ledger, DownTarget{std::nullopt, -1}), UsageError);

    auto pending = error_of<NotFound>([&] { plan_down(kFiles, ledger, DownTarget{V4, 1}); });
    CHECK(std::string(pending.what()) == "no applied migration has version 20240401000000");
    CHECK_THROWS_AS(plan_down(kFiles, ledger, DownTarget{std::string("20200101000000"), 1}), NotFound);
    CHECK_THROWS_AS(plan_down(kFiles, ledger, DownTarget{std::string("2020"), 1}), NotFound);
    CHECK_THROWS_AS(plan_down(kFiles, ledger, DownTarget{std::string("20-20"), 1}), UsageError);
}

TEST_CASE("migrate plan_down: refuses files without a down section, and partial migrations", "[migrate][plan]") {
    auto irreversible = migration(V2, "irreversible", "SELECT 1;\n", std::nullopt);
    auto empty_down = migration(V3, "empty_down", "SELECT 1;\n", std::string("-- TODO\n"));
    std::vector<MigrationFile> files{kFiles[0], irreversible, empty_down};
    std::vector<AppliedMigration> ledger{applied(kFiles[0]), applied(irreversible), applied(empty_down)};

    auto e = error_of<Refused>([&] { plan_down(files, ledger, DownTarget{V1, 1}); });
    CHECK(std::string(e.what()) == "migration 20240301000000_empty_down has no down section (nor 1 more)");
    CHECK(e.details() == std::vector<std::string>{"20240301000000_empty_down", "20240201000000_irreversible"});

    auto partial =
        migration(V2, "partial", "SELECT 1;\nSELECT 2;\n", std::string("SELECT 0;\n"), "-- tenantctl:no-transaction\n");
    auto stopped = error_of<Refused>([&] {
        plan_down({kFiles[0], partial}, {applied(kFiles[0]), failed_at(partial, 1)}, DownTarget{});
    });
    CHECK(std::string(stopped.what()) ==
          "migration 20240201000000_partial stopped part-way (after statement 1) and cannot be reverted as a whole");
}

TEST_CASE("migrate verify: changed and missing files", "[migrate][plan]") {
    auto changed = applied(kFiles[1]);
    changed.checksum = std::string(64, 'c');
    AppliedMigration gone{"20231201000000", "removed", std::string(64, 'd')};
    AppliedMigration gone_failed{"20231215000000", "removed_partial", std::string(64, 'e'), true, 1};
    auto failed_changed = failed_at(kFiles[2], 1);
    failed_changed.checksum = std::string(64, 'f');  // fixing a failed file is not drift

    auto drift = verify(kFiles, {applied(kFiles[0]), changed, gone, gone_failed, failed_changed});
    REQUIRE(drift.size() == 3);
    CHECK(drift[0].kind == DriftKind::file_missing);
    CHECK(drift[0].version == "20231201000000");
    CHECK(drift[0].path.empty());
    CHECK(to_string(drift[0].kind) == "file-missing");
    CHECK(describe(drift[0]) == "20231201000000_removed: in the ledger but its file is missing");
    CHECK(drift[1].version == "20231215000000");
    CHECK(drift[2].kind == DriftKind::checksum_changed);
    CHECK(drift[2].path == kFiles[1].path);
    CHECK(drift[2].file_checksum == kFiles[1].checksum);
    CHECK(drift[2].applied_checksum == changed.checksum);
    CHECK(to_string(drift[2].kind) == "checksum-changed");

    CHECK(verify(kFiles, {applied(kFiles[0]), applied(kFiles[1])}).empty());
}

TEST_CASE("migrate status: one row per version with its state", "[migrate][plan]") {
    auto changed = applied(kFiles[1]);
    changed.checksum = std::string(64, 'c');
    AppliedMigration gone{"20240115000000", "removed", std::string(64, 'd')};
    auto partial =
        migration(V3, "three", "SELECT 1;\nSELECT 2;\nSELECT 3;\n", std::nullopt, "-- tenantctl:no-transaction\n");
    auto newer = migration("20240501000000", "five");
    std::vector<MigrationFile> files{kFiles[0], kFiles[1], partial, kFiles[3], newer};
    std::vector<AppliedMigration> ledger{applied(kFiles[0]), changed, gone, failed_at(partial, 2), applied(newer)};

    auto rows = status(files, ledger);
    REQUIRE(rows.size() == 6);
    CHECK(rows[0].version == V1);
    CHECK(rows[0].state == MigrationState::applied);
    CHECK(rows[0].applied_checksum == rows[0].file_checksum);
    CHECK(rows[1].version == "20240115000000");
    CHECK(rows[1].state == MigrationState::missing_file);
    CHECK(rows[1].name == "removed");
    CHECK(rows[1].path.empty());
    CHECK(rows[1].file_checksum.empty());
    CHECK(rows[2].state == MigrationState::changed);
    CHECK(rows[2].applied_checksum != rows[2].file_checksum);
    CHECK(rows[3].state == MigrationState::failed);
    CHECK(rows[3].statements_done == 2);
    CHECK(rows[3].statements_total == 3);
    CHECK(rows[4].version == V4);
    CHECK(rows[4].state == MigrationState::pending);
    CHECK(rows[4].out_of_order);  // older than the applied 20240501000000
    CHECK(rows[4].applied_checksum.empty());
    CHECK(rows[5].state == MigrationState::applied);
    CHECK_FALSE(rows[5].out_of_order);

    CHECK(to_string(MigrationState::missing_file) == "missing-file");
    CHECK(to_string(MigrationState::pending) == "pending");

    auto summary = summarize(rows);
    CHECK(summary.applied == 2);
    CHECK(summary.pending == 1);
    CHECK(summary.failed == 1);
    CHECK(summary.changed == 1);
    CHECK(summary.missing_file == 1);
    CHECK(summary.has_pending_work());
    CHECK(summary.has_drift());

    auto clean =
        summarize(status(kFiles, {applied(kFiles[0]), applied(kFiles[1]), applied(kFiles[2]), applied(kFiles[3])}));
    CHECK(clean.applied == 4);
    CHECK_FALSE(clean.has_pending_work());
    CHECK_FALSE(clean.has_drift());
}

TEST_CASE("migrate prefix_checksum covers exactly the first statements", "[migrate][plan]") {
    auto a = migration(V1, "a", "SELECT 1;\nSELECT 2;\nSELECT 3;\n");
    auto b = migration(V1, "a", "SELECT 1;\n\n  SELECT 2; -- comments and spacing do not count\nSELECT 30;\n");
    CHECK(prefix_checksum(a, 2) == prefix_checksum(b, 2));
    CHECK(prefix_checksum(a, 3) != prefix_checksum(b, 3));
    CHECK(prefix_checksum(a, 1) != prefix_checksum(a, 2));
    CHECK(prefix_checksum(a, 99) == prefix_checksum(a, 3));
    CHECK(prefix_checksum(a, 0).size() == 64);
    // Statement boundaries matter: "SELECT 1" + "2" differs from "SELECT 12".
    CHECK(prefix_checksum(migration(V1, "a", "SELECT 1;2;"), 2) !=
          prefix_checksum(migration(V1, "a", "SELECT 12;"), 1));
}

TEST_CASE("migrate plan: duplicate file versions are a usage error", "[migrate][plan]") {
    std::vector<MigrationFile> dup{migration(V1, "a"), migration(V1, "b")};
    CHECK_THROWS_AS(plan_up(dup, {}, std::nullopt, false), UsageError);
    CHECK_THROWS_AS(status(dup, {}), UsageError);
}
