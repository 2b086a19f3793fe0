// `-o json` and `-o ndjson`.
//
// json: a table result is one array of objects, written as it streams: `[` at begin, one
// compact object per line, `]` at end (an empty result is `[]`). jq and every JSON parser read
// it as a whole; a person can still read it line by line. A document is pretty-printed.
// ndjson: one compact object per line and nothing else, so `| while read` and `jq -c` work on
// unbounded output; an empty result prints nothing. A document is a single line.
//
// Keys are written once per row from pre-encoded column names instead of building a json
// object per row: it is cheaper, and a duplicated column name (a bug upstream) stays visible
// instead of silently collapsing.
#include "cli/render.hpp"

#include <ostream>

namespace tenantctl::cli::detail {

namespace {

class JsonObjectWriter {
public:
    void set_columns(const std::vector<std::string>& columns) {
        m_keys.clear();
        m_keys.reserve(columns.size());
        for (const auto& column : columns) m_keys.push_back(compact_json(json(column)) + ':');
    }
    std::size_t column_count() const { return m_keys.size(); }

    void write(std::ostream& out, const std::vector<json>& values) const {
        std::string line = "{";
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i > 0) line += ',';
            line += m_keys[i];
            line += compact_json(values[i]);
        }
        line += '}';
        out << line;
    }

private:
    std::vector<std::string> m_keys;  // `"column":` already JSON-encoded
};

class JsonRenderer : public RecordSink {
public:
    explicit JsonRenderer(std::ostream& out) : m_out(out) {}

    void begin(const std::vector<std::string>& columns) override {
        m_writer.set_columns(columns);
        m_begun = true;
        m_rows = 0;
        m_out << '[';
    }
    void row(const std::vector<json>& values) override {
        check_row(m_begun, m_writer.column_count(), values.size());
        m_out << (m_rows == 0 ? "\n  " : ",\n  ");
        m_writer.write(m_out, values);
        ++m_rows;
    }
    void flush() override { m_out.flush(); }

    void end() override {
        if (!m_begun) m_out << '[';  // end() without begin(): still a valid, empty result
        m_out << (m_rows == 0 ? "]\n" : "\n]\n");
        m_out.flush();
        m_begun = false;
    }
    void document(const json& doc) override {
        m_out << json_text(doc, 2) << '\n';
        m_out.flush();
    }

private:
    std::ostream& m_out;
    JsonObjectWriter m_writer;
    bool m_begun = false;
    std::size_t m_rows = 0;
};

class NdjsonRenderer : public RecordSink {
public:
    explicit NdjsonRenderer(std::ostream& out) : m_out(out) {}

    void begin(const std::vector<std::string>& columns) override {
        m_writer.set_columns(columns);
        m_begun = true;
    }
    void row(const std::vector<json>& values) override {
        check_row(m_begun, m_writer.column_count(), values.size());
        m_writer.write(m_out, values);
        m_out << '\n';
    }
    void flush() override { m_out.flush(); }

    void end() override {
        m_out.flush();
        m_begun = false;
    }
    void document(const json& doc) override {
        m_out << compact_json(doc) << '\n';
        m_out.flush();
    }

private:
    std::ostream& m_out;
    JsonObjectWriter m_writer;
    bool m_begun = false;
};

}  // namespace

std::unique_ptr<RecordSink> make_json_renderer(std::ostream& out) { return std::make_unique<JsonRenderer>(out); }

std::unique_ptr<RecordSink> make_ndjson_renderer(std::ostream& out) { return std::make_unique<NdjsonRenderer>(out); }

}  // namespace tenantctl::cli::detail
