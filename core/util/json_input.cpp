#include "core/util/json_input.hpp"

#include <fmt/format.h>

#include <cfloat>
#include <cmath>

#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::util {

namespace {

// Significant digits of a JSON number's text (leading and trailing zeros do not count:
// 0.00120 has 2, 1000 has 1).
std::size_t significant_digits(std::string_view text) {
    std::string digits;
    for (char c : text) {
        if (c == 'e' || c == 'E') break;
        if (c >= '0' && c <= '9') digits += c;
    }
    const auto first = digits.find_first_not_of('0');
    if (first == std::string::npos) return 0;
    const auto last = digits.find_last_not_of('0');
    return last - first + 1;
}

// True when a double prints back as the number written (see the header).
bool double_is_exact(double value, std::string_view text) {
    if (!std::isfinite(value)) return false;
    const std::size_t digits = significant_digits(text);
    if (digits == 0) return true;  // zero
    return digits <= 15 && std::fabs(value) >= DBL_MIN;
}

// nlohmann's SAX events into a DOM, with the rules of the header applied on the way. The
// parser itself is not recursive, so a deep input costs nothing before the depth check.
template <class Json>
class Builder {
public:
    using number_integer_t = typename Json::number_integer_t;
    using number_unsigned_t = typename Json::number_unsigned_t;
    using number_float_t = typename Json::number_float_t;
    using string_t = typename Json::string_t;
    using binary_t = typename Json::binary_t;

    Builder(Json& result, int max_depth) : m_dom(result, false), m_max_depth(max_depth) {}

    bool syntax_error = false;
    std::string problem;

    bool null() { return m_dom.null(); }
    bool boolean(bool value) { return m_dom.boolean(value); }
    bool number_integer(number_integer_t value) { return m_dom.number_integer(value); }
    bool number_unsigned(number_unsigned_t value) { return m_dom.number_unsigned(value); }
    bool number_float(number_float_t value, const string_t& text) {
        if (double_is_exact(value, text)) return m_dom.number_float(value, text);
        string_t copy = text;
        return m_dom.string(copy);
    }
    bool string(string_t& value) { return check(value, "string") && m_dom.string(value); }
    bool binary(binary_t& value) { return m_dom.binary(value); }
    bool key(string_t& value) { return check(value, "key") && m_dom.key(value); }
    bool start_object(std::size_t elements) { return deeper() && m_dom.start_object(elements); }
    bool end_object() {
        --m_depth;
        return m_dom.end_object();
    }
    bool start_array(std::size_t elements) { return deeper() && m_dom.start_array(elements); }
    bool end_array() {
        --m_depth;
        return m_dom.end_array();
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
        syntax_error = true;
        return false;
    }

private:
    bool check(const string_t& value, const char* what) {
        if (value.find('\0') == string_t::npos) return true;
        problem = fmt::format("a {} holds \\u0000 (NUL), which PostgreSQL cannot store", what);
        return false;
    }
    bool deeper() {
        if (++m_depth <= m_max_depth) return true;
        problem = fmt::format("nested deeper than {} levels", m_max_depth);
        return false;
    }

    nlohmann::detail::json_sax_dom_parser<Json> m_dom;
    int m_max_depth;
    int m_depth = 0;
};

}  // namespace

template <class Json>
std::optional<Json> parse_json_input(std::string_view text, std::string_view what, int max_depth) {
    Json result;
    Builder<Json> builder(result, max_depth);
    const bool ok = Json::sax_parse(text, &builder, nlohmann::json::input_format_t::json, true, false);
    if (!builder.problem.empty()) throw UsageError(fmt::format("{}: {}", what, builder.problem));
    if (!ok || builder.syntax_error) return std::nullopt;
    return result;
}

template std::optional<nlohmann::json> parse_json_input<nlohmann::json>(std::string_view, std::string_view, int);
template std::optional<nlohmann::ordered_json> parse_json_input<nlohmann::ordered_json>(std::string_view,
                                                                                       std::string_view, int);

std::optional<nlohmann::json> exact_number(std::string_view text) {
    // Only a bare number: "[1]" or "\"1\"" are not numbers.
    if (text.empty() || !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9'))) return std::nullopt;
    nlohmann::json result;
    Builder<nlohmann::json> builder(result, kMaxJsonDepth);
    const bool ok = nlohmann::json::sax_parse(text, &builder, nlohmann::json::input_format_t::json, true, false);
    if (!ok || builder.syntax_error || !builder.problem.empty()) return std::nullopt;
    if (!result.is_number() && !result.is_string()) return std::nullopt;
    return result;
}

void check_db_text(std::string_view text, std::string_view what) {
    if (valid_utf8_prefix(text) != text.size()) throw UsageError(fmt::format("{}: not valid UTF-8", what));
    if (text.find('\0') != std::string_view::npos)
        throw UsageError(fmt::format("{}: NUL characters are not allowed", what));
}

void check_actor(std::string_view actor, std::string_view origin) {
    // The value is not echoed: it names a person.
    if (actor.size() > kMaxActorBytes)
        throw UsageError(fmt::format("{}: longer than {} bytes ({} bytes)", origin, kMaxActorBytes, actor.size()),
                         "name the operator, e.g. --actor alice@example.com");
    if (util::valid_utf8_prefix(actor) != actor.size()) throw UsageError(fmt::format("{}: not valid UTF-8", origin));
    for (const char c : actor)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            throw UsageError(fmt::format("{}: control characters are not allowed", origin));
}

}  // namespace tenantctl::util
