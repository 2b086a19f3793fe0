// Values from flags on their way to jsonb (`--set`, `--flag`, `--metadata`, `--actor`;
// core/tenants/input, core/util/json_input): whatever is accepted dumps as JSON PostgreSQL can
// store (no \u0000, bounded depth, valid UTF-8).
#include <algorithm>
#include <string>

#include "core/tenants/lifecycle.hpp"
#include "core/util/json_input.hpp"
#include "tests/fuzz/fuzz_main.hpp"

using namespace tenantctl;

namespace {
int depth_of(const nlohmann::json& j) {
    int deepest = 0;
    if (j.is_structured())
        for (const auto& item : j) deepest = std::max(deepest, depth_of(item));
    return j.is_structured() ? deepest + 1 : 0;
}
}  // namespace

void fuzz_one(std::string_view input) {
    try {
        const auto [key, value] = tenants::parse_setting(std::string(input));
        const std::string dumped = value.dump();
        FUZZ_CHECK(dumped.find("\\u0000") == std::string::npos);
        FUZZ_CHECK(depth_of(value) <= util::kMaxJsonDepth);
    } catch (const Error&) {
    }
    try {
        (void)tenants::parse_flag(std::string(input));
    } catch (const Error&) {
    }
    try {
        util::check_actor(input, "--actor");
    } catch (const Error&) {
    }
    if (const auto number = util::exact_number(input)) {
        // A number is kept only when it prints back with the same value.
        if (number->is_number_float()) FUZZ_CHECK(std::stod(number->dump()) == number->get<double>());
    }
    util::check_db_text(input, "--metadata");
    if (auto metadata = util::parse_json_input<json>(input, "--metadata")) (void)metadata->dump();
}
