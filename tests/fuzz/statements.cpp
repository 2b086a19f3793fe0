// The SQL statement splitter and tokenizer (core/migrate/statements): dollar quotes, nested
// comments, E'' strings, psql-isms.
#include "core/migrate/statements.hpp"
#include "tests/fuzz/fuzz_main.hpp"

using namespace tenantctl;

void fuzz_one(std::string_view input) {
    try {
        (void)migrate::tokenize(input, 1, 1, "fuzz.sql");
    } catch (const Error&) {
    }
    const auto statements = migrate::split_statements(input, 1, "fuzz.sql");
    for (const auto& statement : statements) (void)migrate::position_in_file(statement, 0);
}
