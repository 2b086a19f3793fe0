// Unit: what `audit import` reads. Table names as written or quoted; a file's SHA-256 so far,
// the same whether taken while reading its lines or in one pass at chosen offsets.
#include <catch2/catch.hpp>

#include <fstream>

#include "core/audit/import_source.hpp"
#include "core/crypto/hash.hpp"
#include "core/errors.hpp"
#include "tests/support/test_support.hpp"

using namespace tenantctl;
using audit::parse_table_name;

TEST_CASE("import table names: as written, or in double quotes", "[unit][audit][import]") {
    using P = std::pair<std::string, std::string>;
    CHECK(parse_table_name("audit_events") == P{"public", "audit_events"});
    CHECK(parse_table_name("app.audit_events") == P{"app", "audit_events"});
    CHECK(parse_table_name("Audit.EventLog") == P{"Audit", "EventLog"});  // as written: no case folding
    CHECK(parse_table_name("\"Audit\".\"EventLog\"") == P{"Audit", "EventLog"});
    CHECK(parse_table_name("\"a.b\".\"say \"\"hi\"\"\"") == P{"a.b", "say \"hi\""});
    CHECK(parse_table_name("app.\"Event Log\"") == P{"app", "Event Log"});
    for (const char* bad : {"", ".", "a.", ".b", "a.b.c", "\"a", "\"\"", "\"a\"b", "a\"b\"", "\"a\".", "a..b"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_table_name(bad), UsageError);
    }
}

TEST_CASE("an NDJSON reader hashes exactly the bytes it has passed", "[unit][audit][import]") {
    test::TempDir dir;
    const auto file = dir / "log.ndjson";
    const std::string text = "{\"a\":1}\r\n\n  \n{\"a\":2}\n{\"a\":3}";  // CRLF, blank lines, no final newline
    std::ofstream(file, std::ios::binary) << text;

    audit::NdjsonReader r(file);
    auto b = r.next_batch(1);
    REQUIRE(b.lines.size() == 1);
    CHECK(b.line_numbers == std::vector<std::int64_t>{1});
    CHECK(r.offset() == 9);
    CHECK(r.prefix_sha256() == crypto::sha256_hex(text.substr(0, 9)));
    CHECK_FALSE(r.at_end());
    b = r.next_batch(5);
    CHECK(b.line_numbers == std::vector<std::int64_t>{4, 5});  // numbered as in the file, blanks counted
    CHECK(r.at_end());
    CHECK(r.offset() == static_cast<std::int64_t>(text.size()));
    CHECK(r.prefix_sha256() == crypto::sha256_hex(text));

    const auto digests = audit::file_prefix_digests(file, {9, 0, 9, static_cast<std::int64_t>(text.size()) + 5});
    CHECK(digests.at(0) == crypto::sha256_hex(""));
    CHECK(digests.at(9) == crypto::sha256_hex(text.substr(0, 9)));
    CHECK(digests.at(-1) == crypto::sha256_hex(text));
    CHECK_FALSE(digests.count(static_cast<std::int64_t>(text.size()) + 5));  // past the end: not reached

    audit::NdjsonReader resumed(file);
    CHECK(resumed.skip_to(9, 1));
    CHECK(resumed.prefix_sha256() == digests.at(9));
    audit::NdjsonReader wrong(file);
    CHECK_FALSE(wrong.skip_to(8, 1));  // not at a line's end: the file is not what the job read
}
