// Migration files (core/migrate/file): the header directives, the up/down markers and the
// lexing of both sections.
#include "core/migrate/file.hpp"
#include "core/migrate/statements.hpp"
#include "tests/fuzz/fuzz_main.hpp"

using namespace tenantctl;

void fuzz_one(std::string_view input) {
    (void)migrate::parse_migration_file_name(input);
    (void)migrate::parse_timeout(input);
    (void)migrate::is_valid_version(input);
    const auto file = migrate::parse_migration(input, "migrations/20240501120000_fuzz.sql");
    FUZZ_CHECK(file.version == "20240501120000" && file.name == "fuzz");
    (void)migrate::split_statements(file.up_sql, file.up_first_line, file.path);
    if (file.has_down) (void)migrate::split_statements(file.down_sql, file.down_first_line, file.path);
}
