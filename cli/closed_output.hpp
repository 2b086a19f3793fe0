// A read-only command whose reader went away (`tenantctl audit query | head -1`, a closed
// `audit tail -f`) stops at its next row with exit 0, the way `yes | head` ends, instead of
// streaming the rest into a pipe nobody reads. SIGPIPE is ignored (cli/main.cpp), so a write
// to the closed pipe fails with EPIPE and leaves the stream bad; mutating commands are not
// wrapped: their work finishes whether or not anyone reads the report.
#pragma once

#include <memory>
#include <ostream>
#include <utility>

#include "core/records.hpp"

namespace tenantctl::cli {

// Thrown through the command (not a std::exception, so no handler on the way mistakes it
// for a failure); cli::run turns it into exit 0.
struct OutputClosed {};

class StopWhenOutputClosed final : public RecordSink {
public:
    StopWhenOutputClosed(std::unique_ptr<RecordSink> inner, std::ostream& out) : m_inner(std::move(inner)), m_out(out) {}

    void begin(const std::vector<std::string>& columns) override {
        m_inner->begin(columns);
        check();
    }
    void row(const std::vector<json>& values) override {
        m_inner->row(values);
        check();
    }
    void end() override { m_inner->end(); }
    void document(const json& doc) override { m_inner->document(doc); }
    void flush() override {
        m_inner->flush();
        check();
    }

private:
    void check() const {
        if (!m_out) throw OutputClosed{};
    }
    std::unique_ptr<RecordSink> m_inner;
    std::ostream& m_out;
};

}  // namespace tenantctl::cli
