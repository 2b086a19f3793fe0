// Sinks that shape a result before its renderer: the table's readable columns and --sort-by.
#include "cli/render.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace tenantctl::cli {

namespace {

class ColumnSelector : public RecordSink {
public:
    ColumnSelector(std::unique_ptr<RecordSink> next, std::vector<std::string> columns)
        : m_next(std::move(next)), m_wanted(std::move(columns)) {}

    void begin(const std::vector<std::string>& columns) override {
        m_kept.clear();
        std::vector<std::string> shown;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (std::find(m_wanted.begin(), m_wanted.end(), columns[i]) == m_wanted.end()) continue;
            m_kept.push_back(i);
            shown.push_back(columns[i]);
        }
        m_all = m_kept.empty();
        m_next->begin(m_all ? columns : shown);
    }
    void row(const std::vector<json>& values) override {
        if (m_all) return m_next->row(values);
        m_row.clear();
        for (auto i : m_kept) m_row.push_back(i < values.size() ? values[i] : json(nullptr));
        m_next->row(m_row);
    }
    void end() override { m_next->end(); }
    void document(const json& doc) override { m_next->document(doc); }
    void flush() override { m_next->flush(); }

private:
    std::unique_ptr<RecordSink> m_next;
    std::vector<std::string> m_wanted;
    std::vector<std::size_t> m_kept;
    std::vector<json> m_row;
    bool m_all = true;
};

// `NAME`, `name` and `.name` (kubectl's --sort-by is a JSONPath) all name the column `name`.
std::string column_key(std::string text) {
    if (!text.empty() && text.front() == '.') text.erase(0, 1);
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// Exact for every 64-bit id (a double would tie 2^53 + 1 with 2^53).
bool integer_before(const json& a, const json& b) {
    const bool a_negative = !a.is_number_unsigned() && a.get<std::int64_t>() < 0;
    const bool b_negative = !b.is_number_unsigned() && b.get<std::int64_t>() < 0;
    if (a_negative != b_negative) return a_negative;
    if (a_negative) return a.get<std::int64_t>() < b.get<std::int64_t>();
    return a.get<std::uint64_t>() < b.get<std::uint64_t>();
}

// null after everything; numbers before strings; each kind in its natural order.
bool sorts_before(const json& a, const json& b) {
    if (a.is_null() || b.is_null()) return !a.is_null() && b.is_null();
    if (a.is_number_integer() && b.is_number_integer()) return integer_before(a, b);
    if (a.is_number() && b.is_number()) return a.get<double>() < b.get<double>();
    if (a.is_number() != b.is_number()) return a.is_number();
    if (a.is_string() && b.is_string()) return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
    return a.dump() < b.dump();
}

class RowSorter : public RecordSink {
public:
    RowSorter(std::unique_ptr<RecordSink> next, std::string column) : m_next(std::move(next)), m_column(std::move(column)) {}

    void begin(const std::vector<std::string>& columns) override {
        const auto key = column_key(m_column);
        const auto found = std::find_if(columns.begin(), columns.end(),
                                        [&](const std::string& c) { return column_key(c) == key; });
        if (found == columns.end()) {
            std::string names;
            for (const auto& c : columns) names += (names.empty() ? "" : ", ") + c;
            throw UsageError("--sort-by: this result has no column '" + m_column + "'", "columns: " + names);
        }
        m_index = static_cast<std::size_t>(found - columns.begin());
        m_rows.clear();
        m_next->begin(columns);
    }
    void row(const std::vector<json>& values) override { m_rows.push_back(values); }
    void end() override {
        std::stable_sort(m_rows.begin(), m_rows.end(), [this](const std::vector<json>& a, const std::vector<json>& b) {
            return sorts_before(a[m_index], b[m_index]);
        });
        for (const auto& r : m_rows) m_next->row(r);
        m_rows.clear();
        m_next->end();
    }
    void document(const json& doc) override { m_next->document(doc); }
    // Sorting needs every row: nothing is passed on before end().
    void flush() override {}

private:
    std::unique_ptr<RecordSink> m_next;
    std::string m_column;
    std::size_t m_index = 0;
    std::vector<std::vector<json>> m_rows;
};

}  // namespace

std::unique_ptr<RecordSink> select_columns(std::unique_ptr<RecordSink> next, std::vector<std::string> columns) {
    return std::make_unique<ColumnSelector>(std::move(next), std::move(columns));
}

std::unique_ptr<RecordSink> sort_rows(std::unique_ptr<RecordSink> next, std::string column) {
    return std::make_unique<RowSorter>(std::move(next), std::move(column));
}

}  // namespace tenantctl::cli
