// Prometheus text exposition format, for node_exporter's textfile collector: cron runs write
// a .prom file atomically and alerting reads it.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tenantctl::util {

class MetricsFile {
public:
    // Declares a metric family once (HELP and TYPE lines); `type` is gauge or counter.
    void family(const std::string& name, const std::string& help, const std::string& type = "gauge");
    void sample(const std::string& name, const std::map<std::string, std::string>& labels, double value);
    std::string text() const;

private:
    struct Family {
        std::string help, type;
        std::vector<std::string> lines;
    };
    std::vector<std::string> m_order;
    std::map<std::string, Family> m_families;
};

}  // namespace tenantctl::util
