#include <catch2/catch.hpp>

#include "core/db/copy_text.hpp"

using tenantctl::db::split_copy_line;
using tenantctl::db::unescape_copy_text;

namespace {
using Fields = std::vector<std::optional<std::string_view>>;
}

TEST_CASE("COPY text lines split into fields with NULLs and escapes undone", "[unit][db]") {
    Fields f;
    SECTION("plain fields, trailing newline dropped") {
        std::string line = "1\tabc\t\n";
        REQUIRE(split_copy_line(line, 3, f));
        CHECK(f[0] == "1");
        CHECK(f[1] == "abc");
        CHECK(f[2] == "");  // an empty string is not NULL
    }
    SECTION("\\N alone is NULL, anywhere in the line") {
        std::string line = "\\N\tx\t\\N";
        REQUIRE(split_copy_line(line, 3, f));
        CHECK_FALSE(f[0].has_value());
        CHECK(f[1] == "x");
        CHECK_FALSE(f[2].has_value());
    }
    SECTION("the text \\N is data, not NULL") {
        std::string line = "\\\\N\t\\Nx";
        REQUIRE(split_copy_line(line, 2, f));
        CHECK(f[0] == "\\N");
        CHECK(f[1] == "Nx");
    }
    SECTION("escaped tab, newline, backslash and control characters") {
        std::string line = "a\\tb\\nc\\\\d\\re\\bf\\fg\\vh\t{\"k\": \"v\\\\\"}";
        REQUIRE(split_copy_line(line, 2, f));
        CHECK(f[0] == "a\tb\nc\\d\re\bf\fg\vh");
        CHECK(f[1] == "{\"k\": \"v\\\"}");
    }
    SECTION("a field that ends in an escaped backslash before the tab") {
        std::string line = "x\\\\\ty";
        REQUIRE(split_copy_line(line, 2, f));
        CHECK(f[0] == "x\\");
        CHECK(f[1] == "y");
    }
    SECTION("the wrong number of fields is reported") {
        std::string line = "1\t2";
        CHECK_FALSE(split_copy_line(line, 3, f));
        std::string more = "1\t2\t3\t4";
        CHECK_FALSE(split_copy_line(more, 3, f));
    }
}

TEST_CASE("COPY text of a one-column line unescapes in place", "[unit][db]") {
    std::string text = "a\\tb\\\\c\\nd\tliteral tab";
    unescape_copy_text(text);
    CHECK(text == "a\tb\\c\nd\tliteral tab");
    std::string trailing = "end\\";
    unescape_copy_text(trailing);
    CHECK(trailing == "end\\");  // a lone trailing backslash stays as it is
}
