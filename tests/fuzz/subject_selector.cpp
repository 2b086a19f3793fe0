// GDPR subject selectors (core/gdpr/subject parse_selector): COLUMN:VALUE, both non-empty.
#include "core/gdpr/selector.hpp"
#include "tests/fuzz/fuzz_main.hpp"

void fuzz_one(std::string_view input) {
    const auto selector = tenantctl::gdpr::parse_selector(input);
    FUZZ_CHECK(!selector.column.empty() && !selector.value.empty());
    FUZZ_CHECK(selector.column + ":" + selector.value == input);
}
