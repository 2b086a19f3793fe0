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
// A NUL character in any string (key or value): what PostgreSQL's jsonb refuses. Searching the
// dumped text for "\u0000" would also match an escaped backslash followed by "u0000".
bool has_nul(const nlohmann::json& j) {
    if (j.is_string()) return j.get_ref<const std::string&>().find('\0') != std::string::npos;
    if (j.is_object())
        for (const auto& [k, v] : j.items())
            if (k.find('\0') != std::string::npos || has_nul(v)) return true;
    if (j.is_array())
        for (const auto& v : j)
            if (has_nul(v)) return true;
    return false;
}

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
        (void)value.dump();
        FUZZ_CHECK(!has_nul(value));
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
