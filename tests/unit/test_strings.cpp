#include "core/errors.hpp"
#include "core/util/strings.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace tenantctl;
using namespace tenantctl::util;
using Strings = std::vector<std::string>;

TEST_CASE("trim removes ASCII whitespace at both ends only", "[strings]") {
    CHECK(trim("  a b \t\r\n") == "a b");
    CHECK(trim("\f\va\v") == "a");
    CHECK(trim("") == "");
    CHECK(trim(" \t ") == "");
    CHECK(trim("x") == "x");
    CHECK(trim("\xc2\xa0x") == "\xc2\xa0x");  // a non-breaking space is not ASCII whitespace
}

TEST_CASE("split keeps empty fields", "[strings]") {
    CHECK(split("a,b,c", ',') == Strings{"a", "b", "c"});
    CHECK(split("a,,b", ',') == Strings{"a", "", "b"});
    CHECK(split(",a,", ',') == Strings{"", "a", ""});
    CHECK(split("", ',') == Strings{""});
    CHECK(split("abc", ',') == Strings{"abc"});
    CHECK(split("app.users.id", '.') == Strings{"app", "users", "id"});
}

TEST_CASE("join is the inverse of split", "[strings]") {
    CHECK(join({}, ", ") == "");
    CHECK(join({"a"}, ", ") == "a");
    CHECK(join({"a", "b", "c"}, ", ") == "a, b, c");
    for (const std::string text : {"", "a", "a,,b", ",x,"}) CHECK(join(split(text, ','), ",") == text);
}

TEST_CASE("to_lower folds ASCII only", "[strings]") {
    CHECK(to_lower("Hello, WORLD 42") == "hello, world 42");
    CHECK(to_lower("ÄÖÜ") == "ÄÖÜ");
    CHECK(to_lower("") == "");
}

TEST_CASE("levenshtein counts edits", "[strings]") {
    CHECK(levenshtein("", "") == 0);
    CHECK(levenshtein("abc", "") == 3);
    CHECK(levenshtein("", "abc") == 3);
    CHECK(levenshtein("kitten", "sitting") == 3);
    CHECK(levenshtein("flaw", "lawn") == 2);
    CHECK(levenshtein("schema", "shcema") == 2);
    CHECK(levenshtein("retention", "retension") == 1);
    CHECK(levenshtein("same", "same") == 0);
    CHECK(levenshtein("abc", "xyz") == 3);
}

TEST_CASE("did_you_mean suggests only plausible typos", "[strings]") {
    const Strings keys{"contexts", "current_context", "schema", "tenancy", "keys", "audit", "migrations", "data"};
    CHECK(did_you_mean("shcema", keys) == "schema");
    CHECK(did_you_mean("SCHEMA", keys) == "schema");
    CHECK(did_you_mean("tenency", keys) == "tenancy");
    CHECK(did_you_mean("migration", keys) == "migrations");
    CHECK(did_you_mean("key", keys) == "keys");
    CHECK_FALSE(did_you_mean("x", keys));
    CHECK_FALSE(did_you_mean("db", keys));
    CHECK_FALSE(did_you_mean("completely-different", keys));
    CHECK_FALSE(did_you_mean("anything", {}));
    CHECK(did_you_mean("shards", {"shared", "schema"}) == "shared");
}

TEST_CASE("glob_to_like translates wildcards and escapes LIKE metacharacters", "[strings]") {
    CHECK(glob_to_like("user.*") == "user.%");
    CHECK(glob_to_like("user.log?n") == "user.log_n");
    CHECK(glob_to_like("*") == "%");
    CHECK(glob_to_like("") == "");
    CHECK(glob_to_like("tenant_create") == "tenant\\_create");
    CHECK(glob_to_like("100%") == "100\\%");
    CHECK(glob_to_like("a\\b") == "a\\\\b");
    CHECK(glob_to_like("*_%?\\") == "%\\_\\%_\\\\");
    CHECK(glob_to_like("it's") == "it's");  // quotes are the parameter layer's business, not LIKE's
}

TEST_CASE("parse_key_value splits at the first '='", "[strings]") {
    auto kv = parse_key_value("plan=enterprise");
    CHECK(kv.key == "plan");
    CHECK(kv.value == "enterprise");
    kv = parse_key_value("url=a=b=c");
    CHECK(kv.key == "url");
    CHECK(kv.value == "a=b=c");
    kv = parse_key_value("note=");
    CHECK(kv.key == "note");
    CHECK(kv.value == "");
    kv = parse_key_value(" key = value ");
    CHECK(kv.key == "key");
    CHECK(kv.value == " value ");
}

TEST_CASE("parse_key_value rejects text without a key", "[strings]") {
    const auto message = [](const std::string& text) -> std::string {
        try {
            parse_key_value(text);
        } catch (const UsageError& e) {
            return e.what();
        }
        return "no error";
    };
    CHECK(message("plan") == "invalid 'plan': expected KEY=VALUE");
    CHECK(message("") == "invalid '': expected KEY=VALUE");
    CHECK(message("=value") == "invalid '=value': the key before '=' is empty");
    CHECK(message("  =value") == "invalid '  =value': the key before '=' is empty");
}

TEST_CASE("valid_utf8_prefix stops at the first malformed sequence", "[strings]") {
    CHECK(valid_utf8_prefix("") == 0);
    CHECK(valid_utf8_prefix("plain ascii") == 11);
    CHECK(valid_utf8_prefix("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == 14);  // é, €, 😀
    CHECK(valid_utf8_prefix("\xed\x9f\xbf") == 3);        // U+D7FF, just below the surrogates
    CHECK(valid_utf8_prefix("\xf4\x8f\xbf\xbf") == 4);    // U+10FFFF, the last code point
    CHECK(valid_utf8_prefix("ab\xc3") == 2);                // truncated
    CHECK(valid_utf8_prefix("ab\xc3t") == 2);               // bad continuation
    CHECK(valid_utf8_prefix("\x80") == 0);                  // lone continuation
    CHECK(valid_utf8_prefix("\xc0\xaf") == 0);              // overlong '/'
    CHECK(valid_utf8_prefix("\xe0\x80\xaf") == 0);          // overlong '/'
    CHECK(valid_utf8_prefix("\xf0\x80\x80\xaf") == 0);      // overlong '/'
    CHECK(valid_utf8_prefix("\xed\xa0\x80") == 0);          // surrogate U+D800
    CHECK(valid_utf8_prefix("\xf4\x90\x80\x80") == 0);      // U+110000
    CHECK(valid_utf8_prefix("\xf5\x80\x80\x80") == 0);
    CHECK(valid_utf8_prefix("\xff") == 0);
    CHECK(valid_utf8_prefix(std::string("a\0b", 3)) == 3);  // NUL is valid UTF-8
}

TEST_CASE("in_quotes makes untrusted text one printable line", "[strings]") {
    CHECK(in_quotes("acme") == "'acme'");
    CHECK(in_quotes("") == "''");
    CHECK(in_quotes("a\nb\tc\rd") == "'a\\nb\\tc\\rd'");
    CHECK(in_quotes("it's") == "'it\\'s'");
    CHECK(in_quotes("back\\slash") == "'back\\\\slash'");
    CHECK(in_quotes("é") == "'\\xc3\\xa9'");
    CHECK(in_quotes(std::string("\0\x1b[31m", 6)) == "'\\x00\\x1b[31m'");
    CHECK(in_quotes("\x7f") == "'\\x7f'");
    CHECK(in_quotes(std::string(100, 'a')) == "'" + std::string(80, 'a') + "'...");
    CHECK(in_quotes("abcdef", 3) == "'abc'...");
    CHECK(in_quotes("abc", 3) == "'abc'");
}
