// `-o yaml`: a table result is a block sequence of mappings, written row by row (an empty
// result is `[]`); a document is a block mapping.
//
// A small emitter of our own rather than YAML::Emitter, because the quoting decision is the
// whole job and must hold for every YAML reader, not only yaml-cpp: a string is written plain
// only when no YAML 1.1 or 1.2 reader could take it for anything else. Otherwise it is
// single-quoted, or double-quoted with escapes when it holds characters that cannot appear
// literally (line breaks, control characters, which also keeps a hostile value from spanning
// lines or reaching a terminal raw). Nothing is folded or wrapped, so a value is always on
// the line of its key. Invalid UTF-8 cannot be represented in YAML and becomes U+FFFD, as in
// the json output.
#include "cli/render.hpp"
#include "core/util/strings.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>

namespace tenantctl::cli::detail {

namespace {

// True when every character may appear as itself in a plain or single-quoted scalar.
bool has_only_literal_characters(std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();) {
        const auto step = decode_utf8(text, pos);
        if (!step.valid || must_escape(step.code_point)) return false;
        pos += step.length;
    }
    return true;
}

// Words that YAML 1.1 (yes/no/on/off/y/n) or 1.2 (null/true/false/~) resolve to null or a
// boolean. Compared case-insensitively, which also catches the few mixed-case spellings the
// specs allow and costs only some unnecessary quotes.
bool is_reserved_word(std::string_view text) {
    static constexpr std::string_view words[] = {"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"};
    if (text.size() > 5) return false;
    std::string lower(text);
    for (auto& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    for (auto word : words) {
        if (lower == word) return true;
    }
    return false;
}

// Deliberately conservative: a string that starts with a digit, `+`, `-` or `.` is always
// quoted, which covers ints, floats, `.inf`, `.nan`, hex/octal, sexagesimal `1:20`, YAML 1.1
// timestamps and the `---`/`...` document markers without parsing any of them.
bool can_be_plain(std::string_view text) {
    if (text.empty() || is_reserved_word(text)) return false;
    const char first = text.front();
    if (util::is_ascii_digit(first)) return false;
    static constexpr std::string_view unsafe_first = "-?:,[]{}#&*!|>'\"%@`+.=<~ \t";
    if (unsafe_first.find(first) != std::string_view::npos) return false;
    if (text.back() == ' ' || text.back() == ':') return false;
    if (text.find(": ") != std::string_view::npos || text.find(" #") != std::string_view::npos) return false;
    return has_only_literal_characters(text);
}

std::string single_quoted(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    out += '\'';
    return out;
}

std::string yaml_escape(char32_t cp) {
    switch (cp) {
        case 0x00: return "\\0";
        case 0x07: return "\\a";
        case 0x08: return "\\b";
        case 0x09: return "\\t";
        case 0x0a: return "\\n";
        case 0x0b: return "\\v";
        case 0x0c: return "\\f";
        case 0x0d: return "\\r";
        case 0x1b: return "\\e";
        case 0x2028: return "\\L";
        case 0x2029: return "\\P";
    }
    char buffer[12];
    if (cp <= 0xff) {
        std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(cp));
    } else {
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(cp));
    }
    return buffer;
}

std::string double_quoted(std::string_view text) {
    std::string out = "\"";
    for (std::size_t pos = 0; pos < text.size();) {
        const auto step = decode_utf8(text, pos);
        if (!step.valid) {
            out += "\\ufffd";
        } else if (step.code_point == '"') {
            out += "\\\"";
        } else if (step.code_point == '\\') {
            out += "\\\\";
        } else if (must_escape(step.code_point)) {
            out += yaml_escape(step.code_point);
        } else {
            out.append(text.substr(pos, step.length));
        }
        pos += step.length;
    }
    out += '"';
    return out;
}

std::string string_scalar(std::string_view text) {
    if (can_be_plain(text)) return std::string(text);
    if (has_only_literal_characters(text)) return single_quoted(text);
    return double_quoted(text);
}

std::string float_scalar(double value) {
    if (std::isnan(value)) return ".nan";
    if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
    // The shortest text that reads back as the same double, with a `.` added to exponent
    // forms (`1e+100` -> `1.0e+100`): YAML 1.1 readers such as PyYAML only see a float in
    // the latter and would read the former as a string.
    std::string text = json(value).dump();
    const auto exponent = text.find_first_of("eE");
    if (exponent != std::string::npos && text.find('.') == std::string::npos) text.insert(exponent, ".0");
    return text;
}

std::string scalar(const json& value) {
    switch (value.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return value.get<bool>() ? "true" : "false";
        case json::value_t::string: return string_scalar(value.get_ref<const std::string&>());
        case json::value_t::number_float: return float_scalar(value.get<double>());
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return value.dump();
        case json::value_t::object: return "{}";  // only reached for empty collections
        case json::value_t::array: return "[]";
        default: return compact_json(value);     // binary: JSON text is valid flow YAML
    }
}

bool is_block(const json& value) { return value.is_structured() && !value.empty(); }

class BlockWriter {
public:
    explicit BlockWriter(std::ostream& out) : m_out(out) {}

    // Writes a non-empty object or array whose lines start at column `indent`. When
    // `first_line_inline` is set, the caller has already written the start of the first line
    // (a `- ` sequence marker), so the first line gets no indentation of its own.
    void block(const json& value, std::size_t indent, bool first_line_inline) {
        bool first = true;
        const auto start_line = [&] {
            if (!(first && first_line_inline)) m_out << std::string(indent, ' ');
            first = false;
        };
        if (value.is_object()) {
            for (const auto& [key, member] : value.items()) {
                start_line();
                m_out << string_scalar(key) << ':';
                member_value(member, indent);
            }
        } else {
            for (const auto& item : value) {
                start_line();
                sequence_item(item, indent);
            }
        }
    }

    // `- value`, where the value may itself be a block written compactly after the marker.
    void sequence_item(const json& item, std::size_t indent) {
        m_out << "- ";
        if (is_block(item)) {
            block(item, indent + 2, true);
        } else {
            m_out << scalar(item) << '\n';
        }
    }

    // One top-level row: a mapping from column name to value, as one sequence item.
    void row(const std::vector<std::string>& keys, const std::vector<json>& values) {
        m_out << "- ";
        if (keys.empty()) {
            m_out << "{}\n";
            return;
        }
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (i > 0) m_out << "  ";
            m_out << keys[i] << ':';
            member_value(values[i], 2);
        }
    }

private:
    void member_value(const json& member, std::size_t indent) {
        if (is_block(member)) {
            m_out << '\n';
            block(member, indent + 2, false);
        } else {
            m_out << ' ' << scalar(member) << '\n';
        }
    }

    std::ostream& m_out;
};

class YamlRenderer : public RecordSink {
public:
    explicit YamlRenderer(std::ostream& out) : m_out(out), m_writer(out) {}

    void begin(const std::vector<std::string>& columns) override {
        m_keys.clear();
        for (const auto& column : columns) m_keys.push_back(string_scalar(column));
        m_begun = true;
        m_rows = 0;
    }
    void row(const std::vector<json>& values) override {
        check_row(m_begun, m_keys.size(), values.size());
        m_writer.row(m_keys, values);
        ++m_rows;
    }
    void flush() override { m_out.flush(); }

    void end() override {
        if (m_rows == 0) m_out << "[]\n";
        m_out.flush();
        m_begun = false;
    }
    void document(const json& doc) override {
        if (is_block(doc)) {
            m_writer.block(doc, 0, false);
        } else {
            m_out << scalar(doc) << '\n';
        }
        m_out.flush();
    }

private:
    std::ostream& m_out;
    BlockWriter m_writer;
    std::vector<std::string> m_keys;  // column names, already quoted where needed
    bool m_begun = false;
    std::size_t m_rows = 0;
};

}  // namespace

std::unique_ptr<RecordSink> make_yaml_renderer(std::ostream& out) { return std::make_unique<YamlRenderer>(out); }

}  // namespace tenantctl::cli::detail
