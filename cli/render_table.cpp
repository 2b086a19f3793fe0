// `-o table`: kubectl-style aligned columns for people.
//
// - Header row in upper case, two spaces between columns, no trailing padding. With no rows
//   the header is still printed (as `docker ps` does) so an empty result is visibly empty.
// - Cells: null is empty, booleans true/false, numbers their JSON text, an object as
//   `key=value` pairs (logfmt), an array of scalars as `a, b, c`, anything deeper compact JSON.
//   RFC 3339 timestamps are shown to the second (`-o wide` keeps their fraction), so every
//   table of every command has one precision. On a TTY a cell wider than 60 columns is cut to
//   59 plus `…`; piped output is never cut, so `| grep` sees whole values.
// - Streaming: widths come from the header and the first 500 rows, which are buffered; later
//   rows are printed at once, and a wider cell widens its column from that row on (follow
//   modes such as `audit tail -f` start streaming before any row is known).
// - Every string is made terminal-safe first: control characters (C0, DEL, C1), line and
//   paragraph separators, bidi overrides and invalid UTF-8 are shown as escapes (`\n`, `\t`,
//   `\x1b`, `\u202e`, ...), so a hostile tenant name can neither forge rows nor send escape
//   sequences to the operator's terminal. Backslashes are left alone: the table is for eyes,
//   and `-o json` is the unambiguous form.
// - A document prints as `key: value` lines with values aligned, nested objects indented by
//   two spaces, arrays of scalars as one comma-separated line and arrays of objects as a small
//   indented sub-table. Documents are detail views and are never truncated.
// - Colour (decided by the caller) only makes header rows bold.
#include "cli/render.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace tenantctl::cli::detail {

namespace {

constexpr std::size_t k_width_sample_rows = 500;
constexpr std::size_t k_max_tty_cell_width = 60;
constexpr std::string_view k_ellipsis = "\u2026";
constexpr std::string_view k_bold = "\x1b[1m";
constexpr std::string_view k_reset = "\x1b[0m";

std::string table_escape(char32_t cp) {
    switch (cp) {
        case '\n': return "\\n";
        case '\t': return "\\t";
        case '\r': return "\\r";
    }
    char buffer[12];
    if (cp < 0x80) {
        std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(cp));
    } else {
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(cp));
    }
    return buffer;
}

std::string terminal_safe(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const auto step = decode_utf8(text, pos);
        if (!step.valid) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(text[pos])));
            out += buffer;
        } else if (must_escape(step.code_point)) {
            out += table_escape(step.code_point);
        } else {
            out.append(text.substr(pos, step.length));
        }
        pos += step.length;
    }
    return out;
}

// Terminal columns a code point takes: 0 for combining marks and zero-width characters, 2 for
// East Asian wide characters and most emoji, 1 otherwise. An approximation of wcwidth() that
// does not depend on the process locale.
std::size_t code_point_width(char32_t cp) {
    const auto in = [cp](char32_t low, char32_t high) { return cp >= low && cp <= high; };
    if (in(0x0300, 0x036f) || in(0x1ab0, 0x1aff) || in(0x1dc0, 0x1dff) || in(0x20d0, 0x20ff) ||
        in(0xfe20, 0xfe2f) || in(0xfe00, 0xfe0f) || in(0x200b, 0x200d)) {
        return 0;
    }
    if (in(0x1100, 0x115f) || in(0x2e80, 0x303e) || in(0x3041, 0x33ff) || in(0x3400, 0x4dbf) ||
        in(0x4e00, 0x9fff) || in(0xa000, 0xa4cf) || in(0xac00, 0xd7a3) || in(0xf900, 0xfaff) ||
        in(0xfe30, 0xfe4f) || in(0xff00, 0xff60) || in(0xffe0, 0xffe6) || in(0x1f300, 0x1f64f) ||
        in(0x1f900, 0x1f9ff) || in(0x20000, 0x3fffd)) {
        return 2;
    }
    return 1;
}

// `text` is already terminal_safe(), hence valid UTF-8.
std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto step = decode_utf8(text, pos);
        width += code_point_width(step.code_point);
        pos += step.length;
    }
    return width;
}

struct Cell {
    std::string text;  // terminal-safe
    std::size_t width;
};

Cell make_cell(std::string text) {
    const auto width = display_width(text);
    return {std::move(text), width};
}

Cell truncated(Cell cell, std::size_t max_width) {
    if (cell.width <= max_width) return cell;
    std::string kept;
    std::size_t width = 0;
    for (std::size_t pos = 0; pos < cell.text.size();) {
        const auto step = decode_utf8(cell.text, pos);
        const auto w = code_point_width(step.code_point);
        if (width + w > max_width - 1) break;
        kept.append(cell.text, pos, step.length);
        width += w;
        pos += step.length;
    }
    kept += k_ellipsis;
    return {std::move(kept), width + 1};
}

std::string number_text(const json& value) {
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (std::isnan(d)) return "NaN";
        if (std::isinf(d)) return d > 0 ? "Inf" : "-Inf";
    }
    return value.dump();
}

bool is_digits(std::string_view text, std::size_t from, std::size_t count) {
    if (from + count > text.size()) return false;
    for (std::size_t i = from; i < from + count; ++i)
        if (text[i] < '0' || text[i] > '9') return false;
    return true;
}

// `2026-12-03T12:00:00.123456Z` -> `2026-12-03T12:00:00Z` (also with a `+02:00` offset);
// anything that is not such a timestamp is returned as it was.
std::string to_the_second(const std::string& text) {
    constexpr std::size_t fraction_at = 19;
    if (text.size() < fraction_at + 3 || text[fraction_at] != '.' || text[4] != '-' || text[7] != '-' ||
        text[10] != 'T' || text[13] != ':' || text[16] != ':' || !is_digits(text, 0, 4) || !is_digits(text, 5, 2) ||
        !is_digits(text, 8, 2) || !is_digits(text, 11, 2) || !is_digits(text, 14, 2) || !is_digits(text, 17, 2))
        return text;
    std::size_t zone = fraction_at + 1;
    while (zone < text.size() && text[zone] >= '0' && text[zone] <= '9') ++zone;
    const std::string_view rest = std::string_view(text).substr(zone);
    const bool zone_ok = zone > fraction_at + 1 &&
                         (rest == "Z" || ((rest.size() == 6 || rest.size() == 3) && (rest[0] == '+' || rest[0] == '-')));
    return zone_ok ? text.substr(0, fraction_at) + std::string(rest) : text;
}

std::string cell_text(const json& value, bool full_precision = true);

// A string inside a logfmt pair, quoted when a reader could not tell where it ends.
std::string pair_value(const json& value) {
    if (!value.is_string()) return cell_text(value);
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty() || text.find_first_of(" =\"") != std::string::npos) return terminal_safe(compact_json(value));
    return terminal_safe(text);
}

std::string nested_text(const json& value) {
    if (value.empty()) return value.is_object() ? "{}" : "[]";  // empty, which is not null
    std::string out;
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            if (!out.empty()) out += ' ';
            out += terminal_safe(key) + '=' + (item.is_structured() ? terminal_safe(compact_json(item)) : pair_value(item));
        }
        return out;
    }
    for (const auto& item : value) {
        if (item.is_structured()) return terminal_safe(compact_json(value));
        if (!out.empty()) out += ", ";
        out += cell_text(item);
    }
    return out;
}

std::string cell_text(const json& value, bool full_precision) {
    if (value.is_null()) return {};
    if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        return terminal_safe(full_precision ? text : to_the_second(text));
    }
    if (value.is_number()) return number_text(value);
    return nested_text(value);
}

std::string header_text(std::string_view column) {
    std::string text = terminal_safe(column);
    for (auto& c : text) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return text;
}

// Column widths and line layout, shared by result tables and sub-tables in documents.
class Layout {
public:
    void widen(const std::vector<Cell>& cells) {
        if (m_widths.size() < cells.size()) m_widths.resize(cells.size(), 0);
        for (std::size_t i = 0; i < cells.size(); ++i) m_widths[i] = std::max(m_widths[i], cells[i].width);
    }

    void write(std::ostream& out, const std::vector<Cell>& cells, std::size_t indent, bool bold) const {
        std::string line(indent, ' ');
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i > 0) line += "  ";
            line += cells[i].text;
            const bool last = i + 1 == cells.size();
            if (!last && i < m_widths.size() && cells[i].width < m_widths[i]) {
                line.append(m_widths[i] - cells[i].width, ' ');
            }
        }
        // Padding before an empty last cell would leave trailing blanks.
        while (line.size() > indent && line.back() == ' ') line.pop_back();
        if (bold) {
            out << k_bold << line << k_reset << '\n';
        } else {
            out << line << '\n';
        }
    }

private:
    std::vector<std::size_t> m_widths;
};

class TableRenderer : public RecordSink {
public:
    TableRenderer(std::ostream& out, RenderOptions options) : m_out(out), m_options(options) {}

    void begin(const std::vector<std::string>& columns) override {
        m_header.clear();
        for (const auto& column : columns) m_header.push_back(make_cell(header_text(column)));
        m_layout = Layout{};
        if (m_options.headers) m_layout.widen(m_header);
        m_buffered.clear();
        m_streaming = false;
        m_begun = true;
    }

    void row(const std::vector<json>& values) override {
        check_row(m_begun, m_header.size(), values.size());
        if (values.empty()) return;  // a table without columns has nothing to show
        std::vector<Cell> cells;
        cells.reserve(values.size());
        for (const auto& value : values) {
            auto cell = make_cell(cell_text(value, m_options.full_precision));
            cells.push_back(m_options.tty ? truncated(std::move(cell), k_max_tty_cell_width) : std::move(cell));
        }
        if (m_streaming) {
            m_layout.widen(cells);
            m_layout.write(m_out, cells, 0, false);
            return;
        }
        m_layout.widen(cells);
        m_buffered.push_back(std::move(cells));
        if (m_buffered.size() == k_width_sample_rows) flush_buffered();
    }

    void end() override {
        if (m_begun && !m_streaming) flush_buffered();
        m_out.flush();
        m_begun = false;
    }

    void document(const json& doc) override;

    void flush() override {
        if (m_begun && !m_streaming) flush_buffered();
        m_out.flush();
    }

private:
    // Prints the header and the sampled rows once the widths are known; from then on rows are
    // written as they arrive.
    void flush_buffered() {
        if (m_options.headers && !m_header.empty()) m_layout.write(m_out, m_header, 0, m_options.color);
        for (const auto& cells : m_buffered) m_layout.write(m_out, cells, 0, false);
        m_buffered.clear();
        m_buffered.shrink_to_fit();
        m_streaming = true;
    }

    std::ostream& m_out;
    RenderOptions m_options;
    std::vector<Cell> m_header;
    Layout m_layout;
    std::vector<std::vector<Cell>> m_buffered;
    bool m_streaming = false;
    bool m_begun = false;
};

// --- documents ---------------------------------------------------------------------------------

class DocumentWriter {
public:
    DocumentWriter(std::ostream& out, bool color) : m_out(out), m_color(color) {}

    void write(const json& doc) {
        if (doc.is_object() && !doc.empty()) {
            members(doc, 0);
        } else if (doc.is_array() && !doc.empty()) {
            array_block(doc, 0);
        } else {
            m_out << cell_text(doc) << '\n';
        }
    }

private:
    static bool is_scalar_list(const json& array) {
        return std::none_of(array.begin(), array.end(), [](const json& item) { return item.is_structured(); });
    }
    static bool is_object_list(const json& array) {
        return std::all_of(array.begin(), array.end(), [](const json& item) { return item.is_object(); });
    }

    void members(const json& object, std::size_t indent) {
        std::size_t label_width = 0;
        for (const auto& [key, value] : object.items()) {
            label_width = std::max(label_width, display_width(terminal_safe(key)) + 1);
        }
        const std::string pad(indent, ' ');
        for (const auto& [key, value] : object.items()) {
            const auto label = make_cell(terminal_safe(key) + ':');
            std::string text;
            if (value.is_object() && !value.empty()) {
                m_out << pad << label.text << '\n';
                members(value, indent + 2);
                continue;
            }
            if (value.is_array() && !value.empty()) {
                if (!is_scalar_list(value)) {
                    m_out << pad << label.text << '\n';
                    array_block(value, indent + 2);
                    continue;
                }
                for (const auto& item : value) {
                    if (!text.empty()) text += ", ";
                    text += cell_text(item);
                }
            } else {
                text = cell_text(value);
            }
            m_out << pad << label.text;
            if (!text.empty()) m_out << std::string(label_width - label.width + 2, ' ') << text;
            m_out << '\n';
        }
    }

    void array_block(const json& array, std::size_t indent) {
        if (is_object_list(array)) {
            sub_table(array, indent);
            return;
        }
        const std::string pad(indent, ' ');
        for (const auto& item : array) {
            if (item.is_object() && !item.empty()) {
                m_out << pad << "-\n";
                members(item, indent + 2);
            } else {
                m_out << pad << "- " << cell_text(item) << '\n';
            }
        }
    }

    // An array of objects as a table: the columns are every key, in order of first appearance.
    void sub_table(const json& array, std::size_t indent) {
        std::vector<std::string> columns;
        for (const auto& item : array) {
            for (const auto& [key, value] : item.items()) {
                if (std::find(columns.begin(), columns.end(), key) == columns.end()) columns.push_back(key);
            }
        }
        if (columns.empty()) return;  // an array of empty objects
        std::vector<Cell> header;
        for (const auto& column : columns) header.push_back(make_cell(header_text(column)));
        Layout layout;
        layout.widen(header);
        std::vector<std::vector<Cell>> rows;
        for (const auto& item : array) {
            std::vector<Cell> cells;
            for (const auto& column : columns) {
                const auto found = item.find(column);
                cells.push_back(make_cell(found != item.end() ? cell_text(*found) : std::string{}));
            }
            layout.widen(cells);
            rows.push_back(std::move(cells));
        }
        layout.write(m_out, header, indent, m_color);
        for (const auto& cells : rows) layout.write(m_out, cells, indent, false);
    }

    std::ostream& m_out;
    bool m_color;
};

void TableRenderer::document(const json& doc) {
    DocumentWriter(m_out, m_options.color).write(doc);
    m_out.flush();
}

}  // namespace

std::unique_ptr<RecordSink> make_table_renderer(std::ostream& out, RenderOptions options) {
    return std::make_unique<TableRenderer>(out, options);
}

}  // namespace tenantctl::cli::detail
