#include "core/util/slug.hpp"

#include "core/errors.hpp"
#include "core/util/strings.hpp"

#include <algorithm>

namespace tenantctl::util {

namespace {

constexpr std::string_view kFormatHint =
    "a slug is 2-63 characters of a-z, 0-9 and single hyphens, starts with a letter and does not end with a hyphen";

[[noreturn]] void reject(std::string_view slug, std::string_view rule, std::string hint = std::string(kFormatHint)) {
    throw UsageError("invalid slug " + in_quotes(slug) + ": " + std::string(rule), std::move(hint));
}

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

bool follows_format(std::string_view slug) {
    try {
        validate_slug_format(slug);
        return true;
    } catch (const UsageError&) {
        return false;
    }
}

// The slug an operator most likely meant: lowercase, every run of other characters one
// hyphen, no leading non-letters, no trailing hyphen. Offered only when it is itself a
// valid, unreserved slug, so a hint never proposes something the next run rejects
// ('Bad_Slug' -> 'bad-slug', not 'bad_slug').
std::string hint_for(std::string_view slug, std::string_view rule_hint) {
    std::string guess;
    for (char c : slug) {
        const char lower = is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
        if (is_lower(lower) || is_ascii_digit(lower)) {
            if (guess.empty() && !is_lower(lower)) continue;
            guess += lower;
        } else if (!guess.empty() && guess.back() != '-') {
            guess += '-';
        }
    }
    if (guess.size() > kMaxSlugLength) guess.resize(kMaxSlugLength);
    while (!guess.empty() && guess.back() == '-') guess.pop_back();
    if (guess == slug || !follows_format(guess) || is_reserved_slug(guess)) return std::string(rule_hint);
    return std::string(rule_hint) + ": try " + in_quotes(guess);
}

}  // namespace

void validate_slug_format(std::string_view slug) {
    if (slug.empty()) reject(slug, "it is empty");
    if (slug.size() > kMaxSlugLength)
        reject(slug, "it is " + std::to_string(slug.size()) + " characters long; the maximum is 63 (a DNS label)");
    if (slug.size() < 2) reject(slug, "it must be at least 2 characters long");

    const bool has_upper = std::any_of(slug.begin(), slug.end(), is_upper);
    if (has_upper) reject(slug, "uppercase letters are not allowed", hint_for(slug, "slugs are lowercase"));
    if (!is_lower(slug.front())) reject(slug, "it must start with a letter a-z");
    for (char c : slug) {
        if (!is_lower(c) && !is_ascii_digit(c) && c != '-')
            reject(slug, "it contains " + in_quotes(std::string_view(&c, 1)) + "; only a-z, 0-9 and '-' are allowed",
                   hint_for(slug, kFormatHint));
    }
    if (slug.back() == '-') reject(slug, "it must not end with a hyphen (DNS labels cannot)");
    if (slug.find("--") != std::string_view::npos)
        reject(slug, "it must not contain '--' (reserved by IDNA in DNS labels, and ambiguous in schema names)");
}

const std::vector<std::string_view>& reserved_slugs() {
    static const std::vector<std::string_view> words{
        // PostgreSQL's own databases, schemas and roles: a tenant named after them makes
        // `tenant_public` harmless but log lines and support tickets confusing.
        "postgres", "public", "template0", "template1", "information-schema", "pg",
        // tenantctl's platform schema and words its commands give a meaning to.
        "tenantctl", "all", "none", "default", "null",
        // Privileged-sounding names a customer must not be able to claim.
        "admin", "administrator", "root", "superuser", "system",
        // Host names the SaaS itself needs when slugs are used as subdomains.
        "www", "api", "app", "auth", "login", "sso", "mail", "static", "assets", "cdn", "status", "docs", "help",
        "support", "localhost"};
    return words;
}

bool is_reserved_slug(std::string_view slug) {
    if (slug.starts_with("pg-")) return true;
    const auto& words = reserved_slugs();
    return std::find(words.begin(), words.end(), slug) != words.end();
}

void validate_slug(std::string_view slug) {
    validate_slug_format(slug);
    if (is_reserved_slug(slug)) {
        std::string words = "pg-*";
        for (auto word : reserved_slugs()) words += ", " + std::string(word);
        reject(slug, "it is a reserved word", "reserved slugs: " + words);
    }
}

std::string schema_name_for_slug(std::string_view slug) {
    validate_slug_format(slug);
    if (slug.size() > kMaxSchemaSlugLength)
        throw UsageError("slug " + in_quotes(slug) + " is too long for schema isolation: at most 56 characters",
                         "the schema name tenant_<slug> must fit in PostgreSQL's 63-byte identifiers");
    std::string schema = "tenant_";
    for (char c : slug) schema += c == '-' ? '_' : c;
    return schema;
}

}  // namespace tenantctl::util
