#include "core/errors.hpp"
#include "core/util/slug.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

using namespace tenantctl;
using namespace tenantctl::util;

namespace {

const UsageError usage_error(const std::function<void()>& action) {
    try {
        action();
    } catch (const UsageError& e) {
        return e;
    }
    FAIL("expected a UsageError");
    throw std::logic_error("unreachable");
}

std::string slug_error(const std::string& slug) {
    return usage_error([&] { validate_slug(slug); }).what();
}

}  // namespace

TEST_CASE("validate_slug accepts the documented format", "[slug]") {
    const std::vector<std::string> valid{"ab",   "acme", "acme-corp", "a1",     "a-1",       "tenant-42",
                                         "x9-y8-z7", "pgx", "pg2", "apis", "my-api", "publicity", std::string(63, 'a')};
    for (const auto& slug : valid) {
        INFO("slug: " << slug);
        CHECK_NOTHROW(validate_slug(slug));
    }
}

TEST_CASE("validate_slug names the rule a slug breaks", "[slug]") {
    CHECK(slug_error("") == "invalid slug '': it is empty");
    CHECK(slug_error("a") == "invalid slug 'a': it must be at least 2 characters long");
    CHECK(slug_error(std::string(64, 'a')) ==
          "invalid slug '" + std::string(64, 'a') + "': it is 64 characters long; the maximum is 63 (a DNS label)");
    CHECK(slug_error("Acme") == "invalid slug 'Acme': uppercase letters are not allowed");
    CHECK(slug_error("1acme") == "invalid slug '1acme': it must start with a letter a-z");
    CHECK(slug_error("-acme") == "invalid slug '-acme': it must start with a letter a-z");
    CHECK(slug_error("acme_corp") == "invalid slug 'acme_corp': it contains '_'; only a-z, 0-9 and '-' are allowed");
    CHECK(slug_error("acme-") == "invalid slug 'acme-': it must not end with a hyphen (DNS labels cannot)");
    CHECK(slug_error("ac--me") ==
          "invalid slug 'ac--me': it must not contain '--' (reserved by IDNA in DNS labels, and ambiguous in schema "
          "names)");
    CHECK(slug_error("xn--bcher-kva") ==
          "invalid slug 'xn--bcher-kva': it must not contain '--' (reserved by IDNA in DNS labels, and ambiguous in "
          "schema names)");
}

TEST_CASE("validate_slug hints at the fix", "[slug]") {
    CHECK(usage_error([] { validate_slug("AcMe-Corp"); }).hint() == "slugs are lowercase: try 'acme-corp'");
    CHECK(usage_error([] { validate_slug("a.b"); }).hint().find("2-63 characters") != std::string::npos);
}

TEST_CASE("a slug hint only proposes a slug that is itself valid", "[slug]") {
    // 'bad_slug' (what lowercasing alone gives) would be refused for its underscore.
    CHECK(usage_error([] { validate_slug("Bad_Slug"); }).hint() == "slugs are lowercase: try 'bad-slug'");
    CHECK(usage_error([] { validate_slug("acme corp"); }).hint().ends_with(": try 'acme-corp'"));
    CHECK(usage_error([] { validate_slug("acme__corp."); }).hint().ends_with(": try 'acme-corp'"));
    // Nothing valid to offer: the rule alone, never a guess the next run rejects.
    CHECK(usage_error([] { validate_slug("A-"); }).hint() == "slugs are lowercase");  // 'a' is too short
    CHECK(usage_error([] { validate_slug("a_"); }).hint().find("try") == std::string::npos);
    CHECK(usage_error([] { validate_slug("Admin"); }).hint() == "slugs are lowercase");  // 'admin' is reserved
}

TEST_CASE("validate_slug rejects hostile values and keeps the message on one printable line", "[slug]") {
    CHECK(slug_error("'; drop table x; --") == "invalid slug '\\'; drop table x; --': it must start with a letter a-z");
    CHECK(slug_error("a'; drop table x; --") ==
          "invalid slug 'a\\'; drop table x; --': it contains '\\''; only a-z, 0-9 and '-' are allowed");
    CHECK(slug_error("acme\nfake log line") ==
          "invalid slug 'acme\\nfake log line': it contains '\\n'; only a-z, 0-9 and '-' are allowed");
    CHECK(slug_error("café") == "invalid slug 'caf\\xc3\\xa9': it contains '\\xc3'; only a-z, 0-9 and '-' are allowed");
    CHECK(slug_error(std::string("ac\0me", 5)) ==
          "invalid slug 'ac\\x00me': it contains '\\x00'; only a-z, 0-9 and '-' are allowed");
    for (const std::string slug : {"ａｃｍｅ", "acme ", " acme", "ac me", "acme\t", "a/b", "a.b", "a\\b", "a%b", "a*",
                                   "a$b", "a\"b", "\xff\xfe", "tenant_acme", "ACME"}) {
        INFO("slug: " << slug);
        const std::string message = slug_error(slug);
        CHECK(message.find('\n') == std::string::npos);
        for (char c : message) CHECK((c >= 0x20 && c < 0x7f));
    }
}

TEST_CASE("reserved slugs are refused, but only by validate_slug", "[slug]") {
    for (const std::string slug : {"admin", "api", "www", "public", "postgres", "tenantctl", "information-schema",
                                   "default", "all", "none", "root", "system", "template0", "template1", "pg",
                                   "pg-catalog", "pg-anything", "null", "localhost"}) {
        INFO("slug: " << slug);
        CHECK(is_reserved_slug(slug));
        CHECK(slug_error(slug) == "invalid slug '" + slug + "': it is a reserved word");
        CHECK_NOTHROW(validate_slug_format(slug));
    }
    CHECK_FALSE(is_reserved_slug("pgx"));
    CHECK_FALSE(is_reserved_slug("admins"));
    CHECK(usage_error([] { validate_slug("admin"); }).hint().starts_with("reserved slugs: pg-*, postgres, public"));
}

TEST_CASE("every reserved word would otherwise be a valid slug", "[slug]") {
    for (auto word : reserved_slugs()) {
        INFO("word: " << word);
        CHECK_NOTHROW(validate_slug_format(word));
    }
}

TEST_CASE("schema_name_for_slug maps hyphens to underscores one-to-one", "[slug]") {
    CHECK(schema_name_for_slug("acme") == "tenant_acme");
    CHECK(schema_name_for_slug("acme-corp-2") == "tenant_acme_corp_2");
    CHECK(schema_name_for_slug("admin") == "tenant_admin");  // reserved words are not checked here
    const std::string longest(kMaxSchemaSlugLength, 'a');
    CHECK(schema_name_for_slug(longest).size() == 63);
}

TEST_CASE("schema_name_for_slug refuses what would not be a safe schema name", "[slug]") {
    CHECK(usage_error([] { schema_name_for_slug(std::string(57, 'a')); }).what() ==
          "slug '" + std::string(57, 'a') + "' is too long for schema isolation: at most 56 characters");
    for (const std::string slug : {"", "Acme", "a_b", "a--b", "a-", "x\"; drop schema public cascade; --", "a.b"}) {
        INFO("slug: " << slug);
        CHECK_THROWS_AS(schema_name_for_slug(slug), UsageError);
    }
}
