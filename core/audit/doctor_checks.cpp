#include "core/audit/doctor_checks.hpp"

#include <fmt/format.h>

#include <chrono>
#include <set>

#include "core/audit/partitions.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::audit {

void check_partitions(Context& ctx, std::vector<doctor::Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    if (platform::installed_version(tx, ctx.schema()).version == 0) {
        out.push_back({"audit_partitions", "warn", "audit_log", "platform schema not installed: run `tenantctl init`"});
        return;
    }
    tx.exec0("SET LOCAL TimeZone = 'UTC'");
    const std::string def = db::quote_qualified(ctx.schema(), "audit_log_default");
    auto r = tx.exec1(fmt::format("SELECT count(*), to_char(min(occurred_at), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                                  "to_char(max(occurred_at), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM {}",
                                  def));
    const auto rows = r[0].as<std::int64_t>();
    if (rows > 0)
        out.push_back({"audit_partitions", "warn", "audit_log_default",
                       fmt::format("{} rows in the default partition, oldest {}, newest {}: `audit partitions ensure` "
                                   "moves those within retention into their months, `audit partitions prune` archives "
                                   "those past it",
                                   rows, r[1].c_str(), r[2].c_str())});

    std::set<std::string> existing;
    for (const auto& p : tx.exec_params("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                        "WHERE i.inhparent = to_regclass($1)",
                                        db::quote_qualified(ctx.schema(), "audit_log")))
        existing.insert(p[0].c_str());
    using namespace std::chrono;
    const year_month_day today{floor<days>(ctx.now())};
    const year_month current{today.year(), today.month()};
    std::vector<std::string> missing;
    bool missing_current = false;  // this month's events are landing in the default partition now
    for (int k = 0; k <= ctx.config().audit.premake; ++k) {
        const year_month ym = current + months{k};
        const std::string name =
            partition_name(static_cast<int>(ym.year()), static_cast<int>(static_cast<unsigned>(ym.month())));
        if (existing.count(name)) continue;
        missing.push_back(name);
        missing_current = missing_current || k == 0;
    }
    if (!missing.empty())
        out.push_back({"audit_partitions", missing_current ? "fail" : "warn", "audit_log",
                       fmt::format("missing for the premake window ({} months ahead): {}; run `tenantctl audit "
                                   "partitions ensure` (events of those months land in the default partition)",
                                   ctx.config().audit.premake, util::join(missing, ", "))});
    if (rows == 0 && missing.empty())
        out.push_back({"audit_partitions", "ok", "audit_log",
                       fmt::format("default partition empty; this month and {} ahead exist", ctx.config().audit.premake)});
}

}  // namespace tenantctl::audit
