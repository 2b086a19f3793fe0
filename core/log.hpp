// Everything that is not data goes to stderr through the Logger: notes, warnings, progress.
// `--log-format json` turns each line into one JSON object for log shippers.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace tenantctl {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

class Logger {
public:
    // `verbosity`: -1 quiet (warnings and errors only), 0 normal, 1 debug.
    Logger(std::ostream& err, bool json, int verbosity, bool color);

    void debug(std::string_view msg) { write(LogLevel::debug, msg); }
    void info(std::string_view msg) { write(LogLevel::info, msg); }
    void warn(std::string_view msg) { write(LogLevel::warn, msg); }
    void error(std::string_view msg) { write(LogLevel::error, msg); }
    void write(LogLevel level, std::string_view msg);

    bool json() const { return m_json; }
    bool enabled(LogLevel level) const;
    std::ostream& stream() { return m_err; }

private:
    std::ostream& m_err;
    bool m_json;
    int m_verbosity;
    bool m_color;
};

}  // namespace tenantctl
