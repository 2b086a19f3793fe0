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
    // Partitions someone made by hand with other bounds: prune drops whole calendar months that
    // ended before its cutoff, so the rows of such a partition outlive retention unnoticed.
    bool odd = false;
    for (const auto& p : tx.exec_params(
             "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
             "CROSS JOIN LATERAL (SELECT regexp_match(pg_get_expr(c.relpartbound, c.oid), "
             "  '^FOR VALUES FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)$') AS m) x "
             "WHERE i.inhparent = to_regclass($1) AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT' "
             "AND (x.m IS NULL OR x.m[1]::timestamptz <> date_trunc('month', x.m[1]::timestamptz) "
             "     OR x.m[2]::timestamptz <> x.m[1]::timestamptz + interval '1 month')",
             db::quote_qualified(ctx.schema(), "audit_log"))) {
        odd = true;
        out.push_back({"audit_partitions", "warn", p[0].c_str(),
                       fmt::format("a partition of the audit log that is not one calendar month ({}): `audit partitions "
                                   "prune` drops whole months only, so its rows outlive retention; detach it, move its "
                                   "rows into the log, and drop it",
                                   p[1].c_str())});
    }
    // Months detached from the log (by hand, or a restore): their events are missing from it.
    for (const auto& t : tx.exec_params(
             "SELECT c.relname FROM pg_class c WHERE c.relnamespace = to_regnamespace($2) AND c.relkind IN ('r', 'p') "
             "AND c.relname ~ '^audit_log_y[0-9]{4}m[0-9]{2}$' "
             "AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid AND i.inhparent = to_regclass($1))",
             db::quote_qualified(ctx.schema(), "audit_log"), db::quote_ident(ctx.schema()))) {
        odd = true;
        const std::string name = t[0].c_str();
        const auto n = tx.exec1("SELECT count(*) FROM " + db::quote_qualified(ctx.schema(), name))[0].as<std::int64_t>();
        // audit_log_yYYYYmMM: the month it was made for.
        const int y = std::stoi(name.substr(11, 4)), mo = std::stoi(name.substr(16, 2));
        const std::string from = fmt::format("{:04}-{:02}-01 00:00:00+00", y, mo);
        const std::string to = mo == 12 ? fmt::format("{:04}-01-01 00:00:00+00", y + 1)
                                        : fmt::format("{:04}-{:02}-01 00:00:00+00", y, mo + 1);
        out.push_back({"audit_partitions", "fail", name,
                       fmt::format("a month of the audit log detached from it, with {} rows: its events are missing "
                                   "from the log (`audit verify` reports them deleted)",
                                   n),
                       fmt::format("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ('{}') TO ('{}');",
                                   db::quote_qualified(ctx.schema(), "audit_log"),
                                   db::quote_qualified(ctx.schema(), name), from, to)});
    }
    if (rows == 0 && missing.empty() && !odd)
        out.push_back({"audit_partitions", "ok", "audit_log",
                       fmt::format("default partition empty; this month and {} ahead exist", ctx.config().audit.premake)});
}

}  // namespace tenantctl::audit
