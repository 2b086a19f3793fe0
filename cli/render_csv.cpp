// `-o csv`: RFC 4180 with these decisions written down:
// - Lines end in LF, not CRLF: every consumer we target (PostgreSQL COPY, Python's csv,
//   spreadsheets, awk) accepts LF, and CRLF surprises shell pipelines.
// - A field is quoted when it contains `,` `"` CR or LF, or starts or ends with a space or tab
//   (some readers trim unquoted fields); `"` is doubled inside quotes.
// - null is an empty, unquoted field and the empty string is `""`: the same convention as
//   PostgreSQL's `COPY ... CSV`, so the two stay distinguishable on the way back in. (A
//   one-column row holding null is therefore an empty line, which COPY reads as NULL but some
//   readers, Python's csv among them, skip.)
// - Booleans are true/false, numbers their JSON text, nested objects and arrays compact JSON.
// - Values are written as they are. In particular a leading `=`, `+`, `-` or `@` is not
//   neutralised against spreadsheet formula injection: doing so would change the data every
//   machine consumer reads. Open untrusted exports in a spreadsheet with care.
// - A document becomes `key,value` rows of its top-level members (header `key,value`); a
//   document that is not an object is one `value` column with one row.
#include "cli/render.hpp"

#include <ostream>

namespace tenantctl::cli::detail {

namespace {

bool needs_quotes(std::string_view field) {
    if (field.empty()) return false;
    if (field.find_first_of(",\"\r\n") != std::string_view::npos) return true;
    const auto is_blank = [](char c) { return c == ' ' || c == '\t'; };
    return is_blank(field.front()) || is_blank(field.back());
}

void write_field(std::ostream& out, std::string_view field) {
    if (!needs_quotes(field)) {
        out << field;
        return;
    }
    out << '"';
    for (char c : field) {
        if (c == '"') out << '"';
        out << c;
    }
    out << '"';
}

void write_value(std::ostream& out, const json& value) {
    if (value.is_null()) return;
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        if (text.empty()) {
            out << "\"\"";
        } else {
            write_field(out, text);
        }
        return;
    }
    write_field(out, compact_json(value));  // numbers and booleans need no quotes; nested may
}

void write_header(std::ostream& out, const std::vector<std::string>& columns) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) out << ',';
        write_field(out, columns[i]);
    }
    out << '\n';
}

class CsvRenderer : public RecordSink {
public:
    CsvRenderer(std::ostream& out, RenderOptions options) : m_out(out), m_options(options) {}

    void begin(const std::vector<std::string>& columns) override {
        m_column_count = columns.size();
        m_begun = true;
        if (m_options.headers) write_header(m_out, columns);
    }
    void row(const std::vector<json>& values) override {
        check_row(m_begun, m_column_count, values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i > 0) m_out << ',';
            write_value(m_out, values[i]);
        }
        m_out << '\n';
    }
    void flush() override { m_out.flush(); }

    void end() override {
        m_out.flush();
        m_begun = false;
    }
    void document(const json& doc) override {
        if (doc.is_object()) {
            if (m_options.headers) write_header(m_out, {"key", "value"});
            for (const auto& [key, value] : doc.items()) {
                write_field(m_out, key);
                m_out << ',';
                write_value(m_out, value);
                m_out << '\n';
            }
        } else {
            if (m_options.headers) write_header(m_out, {"value"});
            write_value(m_out, doc);
            m_out << '\n';
        }
        m_out.flush();
    }

private:
    std::ostream& m_out;
    RenderOptions m_options;
    std::size_t m_column_count = 0;
    bool m_begun = false;
};

}  // namespace

std::unique_ptr<RecordSink> make_csv_renderer(std::ostream& out, RenderOptions options) {
    return std::make_unique<CsvRenderer>(out, options);
}

}  // namespace tenantctl::cli::detail
