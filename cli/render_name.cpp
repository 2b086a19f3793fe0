// `-o name`: one identifier per line, for `xargs` and `while read` (kubectl's -o name).
//
// The identifier is the first column the result has from a fixed list, most specific first
// (a tenant's slug before its id), else the result's first column. A document prints the same
// member of itself. Strings are printed as they are, unless they hold a control character or
// a line separator: then their JSON form is printed, so one value is always exactly one line.
#include "cli/render.hpp"

#include <algorithm>
#include <array>
#include <ostream>

namespace tenantctl::cli::detail {

namespace {

constexpr std::array<std::string_view, 10> k_identity_columns = {
    "slug", "tenant", "kid", "prefix", "version", "partition", "request_id", "id", "name", "check"};

std::size_t identity_index(const std::vector<std::string>& columns) {
    for (auto wanted : k_identity_columns) {
        const auto found = std::find(columns.begin(), columns.end(), wanted);
        if (found != columns.end()) return static_cast<std::size_t>(found - columns.begin());
    }
    return 0;
}

bool one_line(const std::string& text) {
    for (std::size_t pos = 0; pos < text.size();) {
        const auto step = decode_utf8(text, pos);
        if (!step.valid || step.code_point < 0x20 || is_hidden_control(step.code_point)) return false;
        pos += step.length;
    }
    return true;
}

std::string name_text(const json& value) {
    if (value.is_string() && one_line(value.get_ref<const std::string&>())) return value.get<std::string>();
    return json_text(value);
}

class NameRenderer : public RecordSink {
public:
    explicit NameRenderer(std::ostream& out) : m_out(out) {}

    void begin(const std::vector<std::string>& columns) override {
        m_columns = columns.size();
        m_index = identity_index(columns);
        m_begun = true;
    }
    void row(const std::vector<json>& values) override {
        check_row(m_begun, m_columns, values.size());
        if (values.empty() || values[m_index].is_null()) return;
        m_out << name_text(values[m_index]) << '\n';
    }
    void end() override {
        m_out.flush();
        m_begun = false;
    }
    void flush() override { m_out.flush(); }
    void document(const json& doc) override {
        if (!doc.is_object()) throw UsageError("-o name: this result has no identifier", "use -o json or --jq");
        for (auto wanted : k_identity_columns) {
            const auto found = doc.find(std::string(wanted));
            if (found != doc.end() && !found->is_null()) {
                m_out << name_text(*found) << '\n';
                m_out.flush();
                return;
            }
        }
        throw UsageError("-o name: this result has no identifier", "use -o json or --jq");
    }

private:
    std::ostream& m_out;
    std::size_t m_columns = 0;
    std::size_t m_index = 0;
    bool m_begun = false;
};

}  // namespace

std::unique_ptr<RecordSink> make_name_renderer(std::ostream& out) { return std::make_unique<NameRenderer>(out); }

}  // namespace tenantctl::cli::detail
