// Tenant slugs: the short name operators type (`tenant show acme`) and that ends up in places
// with their own rules. The format is DESIGN's `^[a-z][a-z0-9-]{1,62}$` plus two rules:
//   - no trailing hyphen: a slug is meant to work as a DNS label (`acme.example.com`), and
//     RFC 1035 labels may not end with a hyphen (the 63-character maximum is the same rule);
//   - no `--`: IDNA gives hyphens in positions 3-4 a meaning (`xn--` punycode labels), and in
//     schema mode hyphens become underscores in the schema name, where `__` reads as a
//     separator. Forbidding `--` everywhere is simpler than forbidding it at one position.
// Lowercase only, because PostgreSQL folds unquoted identifiers to lowercase and DNS is case
// insensitive: `Acme` and `acme` must not be two tenants.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl::util {

inline constexpr std::size_t kMaxSlugLength = 63;
// PostgreSQL identifiers are at most 63 bytes (longer ones are silently truncated, which
// would make two long slugs share a schema), and the schema name adds "tenant_".
inline constexpr std::size_t kSchemaPrefixLength = 7;
inline constexpr std::size_t kMaxSchemaSlugLength = kMaxSlugLength - kSchemaPrefixLength;

// Throws UsageError("invalid slug '<slug>': <the rule broken>") unless `slug` has the format
// above and is not reserved (reserved_slugs()). Use it for new slugs.
void validate_slug(std::string_view slug);

// Only the format rules, not the reserved words: for slugs that already exist (a word
// reserved by a later version must not lock a tenant out of its own commands).
void validate_slug_format(std::string_view slug);

// Words a tenant may not be called, with the reason for each group (see slug.cpp): names
// PostgreSQL or tenantctl use, words that mean something on the command line (`all`), and
// host names the SaaS itself usually needs when slugs become subdomains. Any slug starting
// with `pg-` is reserved as well (PostgreSQL reserves the `pg_` prefix for system schemas).
const std::vector<std::string_view>& reserved_slugs();
bool is_reserved_slug(std::string_view slug);

// The schema holding a tenant's tables in schema mode: `tenant_` + the slug with `-` replaced
// by `_`. The mapping is one-to-one because slugs cannot contain `_`. Checks the format (not
// the reserved words) and throws UsageError when the slug is longer than
// kMaxSchemaSlugLength, since the schema name would not fit in a PostgreSQL identifier.
std::string schema_name_for_slug(std::string_view slug);

}  // namespace tenantctl::util
