#include "core/util/metrics.hpp"

#include <fmt/format.h>

namespace tenantctl::util {

namespace {
std::string escape_label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out.push_back(c);
    }
    return out;
}
}  // namespace

void MetricsFile::family(const std::string& name, const std::string& help, const std::string& type) {
    if (m_families.count(name)) return;
    m_order.push_back(name);
    m_families[name] = Family{help, type, {}};
}

void MetricsFile::sample(const std::string& name, const std::map<std::string, std::string>& labels, double value) {
    family(name, name, "gauge");
    std::string line = name;
    if (!labels.empty()) {
        line += "{";
        bool first = true;
        for (const auto& [k, v] : labels) {
            line += fmt::format("{}{}=\"{}\"", first ? "" : ",", k, escape_label(v));
            first = false;
        }
        line += "}";
    }
    line += " " + fmt::format("{}", value);
    m_families[name].lines.push_back(line);
}

std::string MetricsFile::text() const {
    std::string out;
    for (const auto& name : m_order) {
        const auto& f = m_families.at(name);
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, f.type);
        for (const auto& l : f.lines) out += l + "\n";
    }
    return out;
}

}  // namespace tenantctl::util
