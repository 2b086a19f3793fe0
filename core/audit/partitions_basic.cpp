#include "core/audit/partitions_basic.hpp"

#include <chrono>

#include <fmt/format.h>

#include "core/db/connection.hpp"

namespace tenantctl::audit {

std::string partition_name(int year, int month) { return fmt::format("audit_log_y{:04}m{:02}", year, month); }

void ensure_partitions_basic(pqxx::transaction_base& tx, std::string_view schema, TimePoint now, int ahead) {
    using namespace std::chrono;
    year_month_day ymd{floor<days>(now)};
    year_month ym{ymd.year(), ymd.month()};
    for (int k = 0; k <= ahead; ++k) {
        year_month from = ym + months{k};
        year_month to = from + months{1};
        const std::string name = partition_name(static_cast<int>(from.year()), static_cast<unsigned>(from.month()));
        tx.exec0(fmt::format("CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES FROM ('{:04}-{:02}-01 00:00:00+00') TO "
                             "('{:04}-{:02}-01 00:00:00+00')",
                             db::quote_qualified(schema, name), db::quote_qualified(schema, "audit_log"),
                             static_cast<int>(from.year()), static_cast<unsigned>(from.month()),
                             static_cast<int>(to.year()), static_cast<unsigned>(to.month())));
    }
}

}  // namespace tenantctl::audit
