#include "core/audit/chain_events.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>

#include "core/audit/chain_rows.hpp"
#include "core/audit/query.hpp"
#include "core/context.hpp"
#include "core/util/duration.hpp"

namespace tenantctl::audit {

namespace {

using namespace std::chrono;

// The start of the UTC calendar month after the one `us` falls in, in microseconds.
std::int64_t next_month_start(std::int64_t us) {
    const year_month_day day{floor<days>(from_micros(us))};
    const year_month next = year_month{day.year(), day.month()} + months{1};
    return duration_cast<microseconds>(sys_days{next / 1}.time_since_epoch()).count();
}

}  // namespace

ChainOrderEvents::ChainOrderEvents(Context& ctx, pqxx::transaction_base& tx, std::string tenant_id,
                                   std::optional<std::int64_t> from_us, std::int64_t to_us, std::int64_t events,
                                   std::int64_t by_month_above)
    : m_ctx(ctx), m_tx(tx), m_tenant_id(std::move(tenant_id)), m_to_us(to_us), m_by_month(events > by_month_above) {
    if (m_by_month) {
        // A month's rows: a bitmap scan (or a plain one, for a tenant with most of them), then
        // a sort in memory (a big tenant's month is some hundred thousand rows).
        m_tx.exec0("SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off; "
                   "SET LOCAL work_mem = '128MB'; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off");
        // Many reads in flight (the bitmap scan prefetches its pages): from a cold disk the
        // monthly reads took 10-11 s instead of 14-15 s without it (the index in chain order:
        // 20-22 s), measured. A server without posix_fadvise refuses any value but 0, and then
        // reads the pages one at a time, still in order.
        m_tx.exec0("DO $$ BEGIN PERFORM set_config('effective_io_concurrency', '64', true); "
                   "EXCEPTION WHEN OTHERS THEN NULL; END $$");
        if (!from_us) {
            auto first = m_tx.exec_params1(
                fmt::format("SELECT (extract(epoch FROM min(occurred_at)) * 1000000)::bigint FROM {} "
                            "WHERE tenant_id = $1::uuid AND occurred_at <= $2::timestamptz",
                            m_ctx.platform_table("audit_log")),
                m_tenant_id, micros_text(to_us));
            if (first[0].is_null()) return;  // no event at all: the walk reports the ledger's rows as deleted
            from_us = first[0].as<std::int64_t>();
        }
    } else {
        // One scan of the index in chain order, never a sort. Left to itself the planner may
        // read a big tenant with a parallel scan of the whole table plus a sort. With plan
        // types disabled, costs are fake, so JIT (whose threshold reads them) is off too.
        m_tx.exec0("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
                   "SET LOCAL enable_sort = off; SET LOCAL max_parallel_workers_per_gather = 0; "
                   "SET LOCAL jit = off");
    }
    m_window_from = from_us.value_or(INT64_MIN);
}

ChainOrderEvents::~ChainOrderEvents() = default;

bool ChainOrderEvents::open_next_window() {
    if (!m_window_from) return false;
    const std::int64_t from = *m_window_from;
    const std::string lower = from == INT64_MIN ? "'-infinity'" : m_tx.quote(micros_text(from));
    std::string upper = "<= " + m_tx.quote(micros_text(m_to_us));
    m_window_from.reset();  // the last window, unless a month ends before the range does
    if (m_by_month) {
        const std::int64_t month_end = next_month_start(from);
        if (month_end <= m_to_us) {
            upper = "< " + m_tx.quote(micros_text(month_end));
            m_window_from = month_end;
        }
    }
    // COPY takes no parameters: quoted literals.
    m_stream = std::make_unique<pqxx::stream_from>(
        m_tx, fmt::format("(SELECT {} FROM {} WHERE tenant_id = {}::uuid AND occurred_at >= {}::timestamptz "
                          "AND occurred_at {}::timestamptz ORDER BY occurred_at, id DESC)",
                          kChainEventColumns, m_ctx.platform_table("audit_log"), m_tx.quote(m_tenant_id), lower, upper));
    return true;
}

bool ChainOrderEvents::next(std::string& line) {
    for (;;) {
        if (m_stream) {
            if (m_stream->get_raw_line(line)) return true;
            m_stream.reset();
        }
        if (!open_next_window()) return false;
    }
}

}  // namespace tenantctl::audit
