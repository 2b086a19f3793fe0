// The config file reader (core/config): whatever it accepts, it writes back (to_yaml, as
// `config view` does) in a form it reads again to the same configuration.
#include "core/config/config.hpp"
#include "tests/fuzz/fuzz_main.hpp"

void fuzz_one(std::string_view input) {
    const auto config = tenantctl::config::parse_config(input, "fuzz.yaml");
    const std::string written = tenantctl::config::to_yaml(config);
    const auto again = tenantctl::config::parse_config(written, "fuzz.yaml");
    FUZZ_CHECK(tenantctl::config::to_yaml(again) == written);
}
