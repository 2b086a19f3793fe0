// A progress line on stderr for long work: done/total, percentage, rate, elapsed and ETA.
//
// Drawn only when the caller passes a stream (Context::progress_enabled(): a terminal, not -q,
// not JSON logs, or --progress always), at most ten times a second, on one line rewritten with
// \r; the destructor ends the line so the next message starts clean.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

namespace tenantctl::util {

class ProgressLine {
public:
    // `total` <= 0: unknown (no bar, no ETA).
    ProgressLine(std::ostream* out, std::string label, long long total, std::string unit = "rows");
    ~ProgressLine();
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    void update(long long done);
    void set_total(long long total) { m_total = total; }
    // Wipes the drawn line so a log message can be printed in its place; the next update()
    // draws it again below the message.
    void clear();

    // The text of one line; pure, for tests.
    static std::string render(const std::string& label, long long done, long long total, const std::string& unit,
                              double elapsed_seconds);

private:
    using Clock = std::chrono::steady_clock;
    std::ostream* m_out;
    std::string m_label;
    long long m_total;
    std::string m_unit;
    Clock::time_point m_started = Clock::now();
    Clock::time_point m_last_draw{};
    long long m_done = 0;
    bool m_drawn = false;
};

// "0:07", "12:34", "1:02:03".
std::string clock_duration(double seconds);

}  // namespace tenantctl::util
