// maintain task gdpr-due: the GDPR requests an operator must answer soon (Art. 12(3)).
#include <fmt/format.h>

#include "core/context.hpp"
#include "core/maintain/tasks.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/duration.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::maintain {

Outcome gdpr_due_task(Context& ctx, const Window&) {
    platform::require_current(ctx);
    pqxx::read_transaction tx(ctx.db());
    auto rows = tx.exec_params(
        fmt::format("SELECT t.slug, r.kind, r.id::text, to_char(r.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), "
                    "       r.due_at < $1::timestamptz "
                    "FROM {} r JOIN {} t ON t.id = r.tenant_id "
                    "WHERE r.status = 'open' AND r.due_at <= $1::timestamptz + interval '7 days' "
                    "ORDER BY r.due_at, r.id",
                    ctx.platform_table("gdpr_requests"), ctx.platform_table("tenants")),
        util::format_rfc3339_micro(ctx.now()));
    Outcome o;
    std::vector<std::string> overdue, soon;
    for (const auto& row : rows) {
        // The subject is left out on purpose: this line goes to logs and cron mail.
        std::string item = fmt::format("{} {} {} due {}", row[0].c_str(), row[1].c_str(),
                                       std::string(row[2].c_str()).substr(0, 8), row[3].c_str());
        (row[4].as<bool>() ? overdue : soon).push_back(std::move(item));
    }
    o.items = static_cast<long long>(rows.size());
    o.counts["overdue"] = static_cast<long long>(overdue.size());
    o.counts["due_within_7d"] = static_cast<long long>(soon.size());
    std::vector<std::string> parts;
    if (!overdue.empty()) {
        parts.push_back(fmt::format("{} overdue: {}", overdue.size(), name_list(overdue, 3)));
        ctx.log().warn(fmt::format("{} GDPR request(s) are past their due date; see `tenantctl gdpr requests list`",
                                   overdue.size()));
    }
    if (!soon.empty()) parts.push_back(fmt::format("{} due within 7 days: {}", soon.size(), name_list(soon, 3)));
    o.detail = parts.empty() ? "no open request due within 7 days" : util::join(parts, "; ");
    return o;
}

}  // namespace tenantctl::maintain
