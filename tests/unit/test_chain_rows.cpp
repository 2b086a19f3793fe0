#include <catch2/catch.hpp>

#include "core/audit/chain_rows.hpp"
#include "core/db/copy_text.hpp"

using namespace tenantctl::audit;

TEST_CASE("chain rows: UTC timestamps as PostgreSQL prints them, to microseconds", "[unit][audit]") {
    CHECK(parse_utc_timestamp("1970-01-01 00:00:00+00") == 0);
    CHECK(parse_utc_timestamp("1970-01-01 00:00:01.5+00") == 1'500'000);
    CHECK(parse_utc_timestamp("2024-02-29 23:59:59.000001+00") == 1709251199000001LL);
    CHECK(parse_utc_timestamp("2026-11-21 13:00:00.123456+00") == 1795266000123456LL);
    CHECK(parse_utc_timestamp("1969-12-31 23:59:59.999999+00") == -1);
    // Anything else is refused rather than guessed: another zone, a bad date, junk.
    CHECK_FALSE(parse_utc_timestamp("2026-11-21 13:00:00+01"));
    CHECK_FALSE(parse_utc_timestamp("2026-11-21T13:00:00Z"));
    CHECK_FALSE(parse_utc_timestamp("2023-02-29 00:00:00+00"));
    CHECK_FALSE(parse_utc_timestamp("2026-11-21 24:00:00+00"));
    CHECK_FALSE(parse_utc_timestamp("2026-11-21 13:00:00.+00"));
    CHECK_FALSE(parse_utc_timestamp("2026-11-21 13:00:00.1234567+00"));
    CHECK_FALSE(parse_utc_timestamp(""));
}

TEST_CASE("chain rows: an event and a ledger row from COPY lines", "[unit][audit]") {
    CopyFields f;
    std::string line =
        "42\t2026-01-02 03:04:05.6+00\tuser\tu-1\tdoc.edit\tdocument\t"
        "d-9\t\\N\t10.0.0.1\tcurl/8\t{\"a\": \"tab\\there\"}\t\\N\n";
    REQUIRE(tenantctl::db::split_copy_line(line, kChainEventFieldCount, f));
    ChainEvent e;
    e.request_id = "stale";  // reused objects are overwritten, NULLs included
    REQUIRE(event_from_fields(f, "00000000-0000-4000-8000-000000000001", e));
    CHECK(e.id == 42);
    CHECK(e.tenant_id == "00000000-0000-4000-8000-000000000001");
    CHECK(e.occurred_us == *parse_utc_timestamp("2026-01-02 03:04:05.600000+00"));
    CHECK(e.actor_id == "u-1");
    CHECK_FALSE(e.request_id.has_value());
    CHECK(e.metadata == "{\"a\": \"tab\there\"}");
    CHECK_FALSE(e.pseudonyms.has_value());

    std::string bad = "x\t2026-01-02 03:04:05+00\tuser\t\\N\ta\t\\N\t\\N\t\\N\t\\N\t\\N\t{}\t\\N";
    REQUIRE(tenantctl::db::split_copy_line(bad, kChainEventFieldCount, f));
    CHECK_FALSE(event_from_fields(f, "t", e));  // the id is not a number

    LedgerRow row;
    std::string ledger = "7\t2026-01-02 03:04:05+00\t42\t" + std::string(64, 'a');
    REQUIRE(tenantctl::db::split_copy_line(ledger, 4, f));
    REQUIRE(ledger_from_fields(f, row));
    CHECK(row.seq == 7);
    CHECK(row.event_id == 42);
    CHECK(row.hash[0] == 0xaa);
    std::string short_hash = "7\t2026-01-02 03:04:05+00\t42\tabc";
    REQUIRE(tenantctl::db::split_copy_line(short_hash, 4, f));
    CHECK_FALSE(ledger_from_fields(f, row));
}
