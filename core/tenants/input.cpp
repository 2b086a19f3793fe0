// Checks and parsers for tenant fields given on the command line or in a manifest. No
// database here, so the fuzz harnesses (tests/fuzz) can link this alone.
#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/tenants/create.hpp"
#include "core/tenants/lifecycle.hpp"
#include "core/util/json_input.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::tenants {

void check_text(const std::string& what, const std::string& value) {
    if (util::valid_utf8_prefix(value) != value.size())
        throw UsageError(fmt::format("{}: not valid UTF-8", what));
    for (unsigned char c : value)
        if (c < 0x20 || c == 0x7f)
            throw UsageError(fmt::format("{}: control characters are not allowed in {}", what,
                                         util::in_quotes(value, 40)));
    if (value.size() > 1000) throw UsageError(fmt::format("{}: longer than 1000 bytes", what));
}

void check_email(const std::string& value) {
    check_text("admin e-mail", value);
    const auto at = value.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == value.size() || value.find(' ') != std::string::npos ||
        value.find('@', at + 1) != std::string::npos)
        throw UsageError("admin e-mail: expected one address such as ops@example.com");
}

std::pair<std::string, Value> parse_setting(const std::string& text) {
    auto kv = util::parse_key_value(text);
    check_text("setting key", kv.key);
    // JSON when it parses (numbers kept exact, depth and \u0000 checked), else a string.
    if (auto v = util::parse_json_input<Value>(kv.value, "--set " + kv.key)) return {kv.key, std::move(*v)};
    check_text("setting " + kv.key, kv.value);
    return {kv.key, Value(kv.value)};
}

std::pair<std::string, bool> parse_flag(const std::string& text) {
    auto kv = util::parse_key_value(text);
    check_text("flag name", kv.key);
    if (kv.value == "on" || kv.value == "true") return {kv.key, true};
    if (kv.value == "off" || kv.value == "false") return {kv.key, false};
    throw UsageError(fmt::format("--flag {}: expected NAME=on or NAME=off", util::in_quotes(text)));
}

}  // namespace tenantctl::tenants
