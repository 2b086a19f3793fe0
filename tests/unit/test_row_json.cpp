#include <catch2/catch.hpp>

#include "core/db/row_json.hpp"

using namespace tenantctl::db;

namespace {
using Fields = std::vector<std::optional<std::string_view>>;

std::string encode(const RowJsonEncoder& e, const Fields& f) {
    std::string out = "kept|";
    if (!e.append(f, out)) return "MISS " + out;
    return out;
}
}  // namespace

TEST_CASE("strings are escaped as PostgreSQL's escape_json escapes them", "[unit][db]") {
    auto s = [](std::string_view v) {
        std::string out;
        append_json_string(v, out);
        return out;
    };
    CHECK(s("") == R"("")");
    CHECK(s("plain") == R"("plain")");
    CHECK(s("a\"b\\c") == R"("a\"b\\c")");
    CHECK(s("\b\f\n\r\t") == R"("\b\f\n\r\t")");
    CHECK(s(std::string_view("\x01\x1f\x0b", 3)) == R"("\u0001\u001f\u000b")");
    CHECK(s("\x7f") == "\"\x7f\"");                      // DEL is not escaped
    CHECK(s("caf\xc3\xa9 \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");  // UTF-8 kept as is
    CHECK(s("/") == R"("/")");
}

TEST_CASE("a number is unquoted only when it is a JSON number", "[unit][db]") {
    for (const char* yes : {"0", "-0", "42", "-17", "3.25", "0.5", "1e+100", "1E-7", "-2.5e10", "12345678901234567890"})
        CHECK(is_json_number(yes));
    for (const char* no : {"", "-", "NaN", "Infinity", "-Infinity", "01", ".5", "5.", "1e", "1e+", "+1", "1 ", "0x10",
                           "1.2.3"})
        CHECK_FALSE(is_json_number(no));
}

TEST_CASE("rows are written as row_to_json writes them", "[unit][db]") {
    RowJsonEncoder e({{"id", JsonKind::number},
                      {"at", JsonKind::timestamptz},
                      {"name", JsonKind::string},
                      {"ok", JsonKind::boolean},
                      {"doc", JsonKind::json},
                      {"day", JsonKind::date},
                      {"local", JsonKind::timestamp},
                      {"we\"ird\nkey", JsonKind::string}});
    SECTION("values, NULLs and keys") {
        CHECK(encode(e, {"7", "2026-03-01 12:34:56.5+00", "a\tb", "t", R"({"k": [1, "x"]})", "2026-03-01",
                         "2026-03-01 00:00:00", std::nullopt}) ==
              R"(kept|{"id":7,"at":"2026-03-01T12:34:56.5+00:00","name":"a\tb","ok":true,"doc":{"k": [1, "x"]},)"
              R"("day":"2026-03-01","local":"2026-03-01T00:00:00","we\"ird\nkey":null})"
              "\n");
    }
    SECTION("NaN is quoted, infinities of dates and times are quoted strings") {
        CHECK(encode(e, {"NaN", "infinity", "", "f", "null", "-infinity", "infinity", "x"}) ==
              R"(kept|{"id":"NaN","at":"infinity","name":"","ok":false,"doc":null,"day":"-infinity",)"
              R"("local":"infinity","we\"ird\nkey":"x"})"
              "\n");
    }
    SECTION("years past 9999 keep their digits") {
        CHECK(encode(e, {"1", "12345-01-02 03:04:05+00", "", "t", "{}", "12345-01-02", "12345-01-02 03:04:05", ""})
                  .find(R"("at":"12345-01-02T03:04:05+00:00")") != std::string::npos);
    }
    SECTION("a value in a form not known here is a miss, and nothing is appended") {
        const Fields base{"1", "2026-03-01 12:34:56+00", "", "t", "{}", "2026-03-01", "2026-03-01 00:00:00", ""};
        auto with = [&](std::size_t i, std::string_view v) {
            Fields f = base;
            f[i] = v;
            return f;
        };
        CHECK(encode(e, with(1, "2026-03-01 12:34:56+01")) == "MISS kept|");     // not read under UTC
        CHECK(encode(e, with(1, "2026-03-01 12:34:56+00 BC")) == "MISS kept|");  // BC
        CHECK(encode(e, with(1, "2026-03-01T12:34:56+00")) == "MISS kept|");     // not ISO output
        CHECK(encode(e, with(1, "2026-03-01 12:34:56.+00")) == "MISS kept|");
        CHECK(encode(e, with(5, "2026-03-01 BC")) == "MISS kept|");
        CHECK(encode(e, with(6, "2026-03-01 00:00:00+00")) == "MISS kept|");  // a zone on a timestamp
        CHECK(encode(e, with(3, "true")) == "MISS kept|");
        CHECK(encode(e, Fields{"1"}) == "MISS kept|");  // too few fields
        CHECK(encode(e, base).rfind("kept|{", 0) == 0);
    }
}

TEST_CASE("only built-in types whose JSON form is known get a kind", "[unit][db]") {
    CHECK(json_kind_of("int8") == JsonKind::number);
    CHECK(json_kind_of("oid") == JsonKind::string);
    CHECK(json_kind_of("jsonb") == JsonKind::json);
    CHECK(json_kind_of("timestamptz") == JsonKind::timestamptz);
    for (const char* other : {"_text", "interval", "bytea", "tsrange", "money", "point", "citext", ""})
        CHECK_FALSE(json_kind_of(other).has_value());
}
