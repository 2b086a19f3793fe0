// One tenant's events in chain order (occurred_at ASC, id DESC, see chain_hash.hpp) between
// two instants, streamed with COPY, for `audit verify`.
//
// A short range is one index scan in chain order. A long one is read a calendar month at a
// time instead: each month's rows of the tenant through a bitmap scan (the month's heap pages
// once each, in physical order, prefetched) and sorted by the server. In chain order the
// index visits a month's pages at random, a page once per event on it: when the log is larger
// than memory every visit is a random read, and that made verify of a 10M-event tenant in a
// 100M-event log take minutes. The months are UTC calendar months, as the log's partitions
// are; each query also reads the default partition's rows of that month.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <pqxx/pqxx>

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

class ChainOrderEvents {
public:
    // Sets what the plans need on `tx` (its own connection, used for nothing else meanwhile).
    // `from_us`: the range starts there (inclusive), or at the tenant's first event;
    // `to_us`: it ends there (inclusive). A range expected to hold more than `by_month_above`
    // events is read by month.
    ChainOrderEvents(Context& ctx, pqxx::transaction_base& tx, std::string tenant_id, std::optional<std::int64_t> from_us,
                     std::int64_t to_us, std::int64_t events, std::int64_t by_month_above);
    ~ChainOrderEvents();
    ChainOrderEvents(const ChainOrderEvents&) = delete;
    ChainOrderEvents& operator=(const ChainOrderEvents&) = delete;

    // The next event as a COPY text line of kChainEventColumns; false after the last.
    bool next(std::string& line);

    bool by_month() const { return m_by_month; }

private:
    bool open_next_window();

    Context& m_ctx;
    pqxx::transaction_base& m_tx;
    std::string m_tenant_id;
    std::int64_t m_to_us;
    bool m_by_month;
    std::optional<std::int64_t> m_window_from;  // start of the next window; nullopt once past the end
    std::unique_ptr<pqxx::stream_from> m_stream;
};

}  // namespace tenantctl::audit
