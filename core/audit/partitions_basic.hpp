// Creates the monthly audit_log partitions from the current month to `ahead` months later,
// when missing. `init` uses it so a fresh install never writes into the default partition.
#pragma once

#include <string_view>

#include <pqxx/pqxx>

#include "core/clock.hpp"

namespace tenantctl::audit {

// Name of the partition holding the month of `year`/`month`: audit_log_y2026m11.
std::string partition_name(int year, int month);

void ensure_partitions_basic(pqxx::transaction_base& tx, std::string_view schema, TimePoint now, int ahead);

}  // namespace tenantctl::audit
