#include "core/util/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ostream>

namespace tenantctl::util {

std::string clock_duration(double seconds) {
    const auto total = static_cast<long long>(std::max(0.0, std::round(seconds)));
    const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
    return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, s) : fmt::format("{}:{:02}", m, s);
}

std::string ProgressLine::render(const std::string& label, long long done, long long total, const std::string& unit,
                                 double elapsed) {
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    std::string line = label + ": ";
    if (total > 0) {
        const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
        constexpr int width = 24;
        const int full = static_cast<int>(fraction * width);
        line += "[" + std::string(static_cast<std::size_t>(full), '#') + std::string(static_cast<std::size_t>(width - full), '.') +
                fmt::format("] {:3.0f}%  {}/{} {}", fraction * 100, done, total, unit);
    } else {
        line += fmt::format("{} {}", done, unit);
    }
    line += fmt::format("  {:.0f}/s  elapsed {}", rate, clock_duration(elapsed));
    if (total > 0 && done < total && rate > 0)
        line += "  ETA " + clock_duration(static_cast<double>(total - done) / rate);
    return line;
}

ProgressLine::ProgressLine(std::ostream* out, std::string label, long long total, std::string unit)
    : m_out(out), m_label(std::move(label)), m_total(total), m_unit(std::move(unit)) {}

ProgressLine::~ProgressLine() {
    if (!m_drawn) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - m_started).count();
    *m_out << '\r' << render(m_label, m_done, m_total, m_unit, elapsed) << "\x1b[K\n" << std::flush;
}

void ProgressLine::update(long long done) {
    m_done = done;
    if (!m_out) return;
    const auto now = Clock::now();
    if (m_drawn && now - m_last_draw < std::chrono::milliseconds(100)) return;
    m_last_draw = now;
    const double elapsed = std::chrono::duration<double>(now - m_started).count();
    // \x1b[K clears what a longer earlier line left behind.
    *m_out << '\r' << render(m_label, done, m_total, m_unit, elapsed) << "\x1b[K" << std::flush;
    m_drawn = true;
}

void ProgressLine::clear() {
    if (!m_drawn) return;
    *m_out << "\r\x1b[K" << std::flush;
    m_drawn = false;  // the next update() draws at once
}

}  // namespace tenantctl::util
