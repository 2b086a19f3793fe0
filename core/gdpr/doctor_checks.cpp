#include "core/gdpr/doctor_checks.hpp"

#include <fmt/format.h>

#include <map>

#include "core/context.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/gdpr/register.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::gdpr {

void check_data_map(Context& ctx, std::vector<doctor::Finding>& out) {
    if (!ctx.config().data.subjects) {
        out.push_back({"gdpr_map", "warn", "data", "no data map configured (data.subjects): gdpr export/erase cannot run"});
        return;
    }
    pqxx::read_transaction tx(ctx.db());
    try {
        std::map<std::string, std::vector<std::string>> by_table;
        std::size_t relations = 0;
        for (const auto& map : load_lint_maps(ctx, tx)) {
            for (const auto& f : lint(map, ctx.config().data)) by_table[f.table].push_back(f.column);
            relations += map.model->relations().size();
        }
        for (const auto& [table, cols] : by_table)
            out.push_back({"gdpr_map", "warn", table,
                           "not classified by the data map: " + util::join(cols, ", ") + " (see `gdpr lint`)"});
        if (by_table.empty())
            out.push_back({"gdpr_map", "ok", "data",
                           fmt::format("{} tenant-scoped table(s) fully classified", relations)});
    } catch (const Error& e) {
        out.push_back({"gdpr_map", "fail", "data", e.what()});
    }
}

void check_overdue_requests(Context& ctx, std::vector<doctor::Finding>& out) {
    pqxx::read_transaction tx(ctx.db());
    if (platform::installed_version(tx, ctx.schema()).version < 40) {
        out.push_back({"gdpr_requests", "warn", "register", "platform schema not current: run `tenantctl init`"});
        return;
    }
    auto overdue = overdue_requests(ctx, tx);
    for (const auto& r : overdue)
        out.push_back({"gdpr_requests", "fail", r.id,
                       fmt::format("{} request of tenant {} was due {}", r.kind, r.tenant_slug, r.due_at)});
    if (overdue.empty()) out.push_back({"gdpr_requests", "ok", "register", "no GDPR request is overdue"});
}

}  // namespace tenantctl::gdpr
