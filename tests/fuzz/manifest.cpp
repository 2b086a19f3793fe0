// The `tenant apply` manifest reader (core/tenants/manifest): no crash, no runaway memory, and
// whatever it accepts can be stored (the JSON it builds dumps as valid UTF-8).
#include "core/tenants/manifest.hpp"
#include "tests/fuzz/fuzz_main.hpp"

void fuzz_one(std::string_view input) {
    for (const auto& tenant : tenantctl::tenants::parse_manifest(input, "fuzz.yaml")) {
        FUZZ_CHECK(!tenant.slug.empty());
        if (tenant.settings) (void)tenant.settings->dump();
        if (tenant.flags) (void)tenant.flags->dump();
    }
}
