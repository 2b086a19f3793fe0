// Tenant slugs (core/util/slug): a valid slug is lower-case ASCII and gives a schema name
// PostgreSQL keeps whole.
#include "core/util/slug.hpp"
#include "tests/fuzz/fuzz_main.hpp"

void fuzz_one(std::string_view input) {
    tenantctl::util::validate_slug(input);
    for (char c : input) FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
    const std::string schema = tenantctl::util::schema_name_for_slug(input);
    FUZZ_CHECK(!schema.empty() && schema.size() <= 63);
}
