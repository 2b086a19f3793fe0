// The renderer factory and the few helpers every format shares.
#include "cli/render.hpp"

#include "core/errors.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace tenantctl::cli {

namespace {

constexpr std::string_view k_names[] = {"table", "wide", "json", "ndjson", "yaml", "csv", "name"};
constexpr Format k_formats[] = {Format::table, Format::wide, Format::json, Format::ndjson,
                                Format::yaml,  Format::csv,  Format::name};

std::string joined_names() {
    std::string out;
    for (auto name : k_names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

// The rejected value is echoed back; keep the message one line and short whatever was typed.
std::string printable_excerpt(std::string_view text) {
    constexpr std::size_t max_length = 40;
    std::string out;
    for (char c : text.substr(0, max_length)) {
        auto byte = static_cast<unsigned char>(c);
        out += (byte < 0x20 || byte == 0x7f) ? '?' : c;
    }
    if (text.size() > max_length) out += "...";
    return out;
}

}  // namespace

Format parse_format(std::string_view name) {
    for (std::size_t i = 0; i < std::size(k_names); ++i) {
        if (name == k_names[i]) return k_formats[i];
    }
    throw UsageError("unknown output format '" + printable_excerpt(name) + "' (allowed: " + joined_names() + ")",
                     "use -o with one of: " + joined_names());
}

std::string_view format_name(Format format) {
    for (std::size_t i = 0; i < std::size(k_formats); ++i) {
        if (format == k_formats[i]) return k_names[i];
    }
    throw std::logic_error("format_name: unknown Format value");
}

const std::vector<std::string>& format_names() {
    static const std::vector<std::string> names(std::begin(k_names), std::end(k_names));
    return names;
}

std::unique_ptr<RecordSink> make_renderer(Format format, std::ostream& out, RenderOptions options) {
    switch (format) {
        case Format::table: return detail::make_table_renderer(out, options);
        case Format::wide:
            options.full_precision = true;
            return detail::make_table_renderer(out, options);
        case Format::name: return detail::make_name_renderer(out);
        case Format::json: return detail::make_json_renderer(out);
        case Format::ndjson: return detail::make_ndjson_renderer(out);
        case Format::yaml: return detail::make_yaml_renderer(out);
        case Format::csv: return detail::make_csv_renderer(out, options);
    }
    throw std::logic_error("make_renderer: unknown Format value");
}

void render(const Records& records, Format format, std::ostream& out, RenderOptions options) {
    auto sink = make_renderer(format, out, options);
    emit(records, *sink);
}

namespace detail {

void check_row(bool begun, std::size_t column_count, std::size_t value_count) {
    if (!begun) throw std::logic_error("renderer: row() called before begin()");
    if (column_count != value_count) {
        throw std::logic_error("renderer: row has " + std::to_string(value_count) + " values for " +
                               std::to_string(column_count) + " columns");
    }
}

Utf8Step decode_utf8(std::string_view text, std::size_t pos) {
    const auto byte_at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte_at(pos);
    if (lead < 0x80) return {lead, 1, true};

    std::size_t length = 0;
    char32_t value = 0;
    char32_t smallest = 0;  // anything below this in `length` bytes is an overlong encoding
    if ((lead & 0xe0) == 0xc0) {
        length = 2, value = lead & 0x1f, smallest = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3, value = lead & 0x0f, smallest = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4, value = lead & 0x07, smallest = 0x10000;
    } else {
        return {lead, 1, false};  // a continuation byte or 0xf8..0xff where a sequence should start
    }
    if (pos + length > text.size()) return {lead, 1, false};
    for (std::size_t i = 1; i < length; ++i) {
        const unsigned char next = byte_at(pos + i);
        if ((next & 0xc0) != 0x80) return {lead, 1, false};
        value = (value << 6) | (next & 0x3f);
    }
    const bool surrogate = value >= 0xd800 && value <= 0xdfff;
    if (value < smallest || surrogate || value > 0x10ffff) return {lead, 1, false};
    return {value, length, true};
}

bool is_hidden_control(char32_t cp) {
    return cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || cp == 0x061c ||
           cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0xfeff;
}

std::string json_text(const json& value, int indent) {
    std::string text = value.dump(indent, ' ', false, json::error_handler_t::replace);
    // Every hidden control is DEL or starts with one of these lead bytes; most text has none.
    if (text.find_first_of("\x7f\xc2\xd8\xe2\xef") == std::string::npos) return text;
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t pos = 0; pos < text.size();) {
        const auto step = decode_utf8(text, pos);  // valid: dump() replaced bad sequences
        if (is_hidden_control(step.code_point)) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(step.code_point));
            out += buffer;
        } else {
            out.append(text, pos, step.length);
        }
        pos += step.length;
    }
    return out;
}

}  // namespace detail
}  // namespace tenantctl::cli
