#include "core/log.hpp"

#include <chrono>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/util/duration.hpp"

namespace tenantctl {

Logger::Logger(std::ostream& err, bool json, int verbosity, bool color)
    : m_err(err), m_json(json), m_verbosity(verbosity), m_color(color) {}

bool Logger::enabled(LogLevel level) const {
    switch (level) {
    case LogLevel::debug: return m_verbosity >= 1;
    case LogLevel::info: return m_verbosity >= 0;
    default: return true;
    }
}

void Logger::write(LogLevel level, std::string_view msg) {
    if (!enabled(level)) return;
    static constexpr const char* names[] = {"debug", "info", "warn", "error"};
    const char* name = names[static_cast<int>(level)];
    if (m_json) {
        nlohmann::ordered_json line{{"time", util::format_rfc3339_micro(std::chrono::system_clock::now())},
                                    {"level", name},
                                    {"msg", msg}};
        m_err << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else if (level == LogLevel::info) {
        m_err << msg << '\n';
    } else if (m_color && level != LogLevel::debug) {
        m_err << (level == LogLevel::error ? "\x1b[31m" : "\x1b[33m") << name << ":\x1b[0m " << msg << '\n';
    } else {
        m_err << name << ": " << msg << '\n';
    }
    m_err.flush();
}

}  // namespace tenantctl
