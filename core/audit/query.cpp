#include "core/audit/query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/citus/cluster.hpp"
#include "core/context.hpp"
#include "core/crypto/bytes.hpp"
#include "core/crypto/hash.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/util/duration.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::audit {

const std::vector<std::string>& event_columns() {
    static const std::vector<std::string> columns = {"id",          "occurred_at", "tenant_id", "actor_type",
                                                     "actor_id",    "action",      "resource_type",
                                                     "resource_id", "request_id",  "ip",
                                                     "user_agent",  "metadata"};
    return columns;
}

namespace {

// The select list matching event_columns(), plus the position (micros, id) at the end.
constexpr const char* kSelectList =
    "id, occurred_at, tenant_id::text, actor_type, actor_id, action, resource_type, resource_id, request_id, "
    "ip, user_agent, metadata::text, (extract(epoch FROM occurred_at) * 1000000)::bigint";

json text_or_null(const pqxx::field& f) { return f.is_null() ? json(nullptr) : json(f.c_str()); }

std::vector<json> event_row(const pqxx::row& r, Position& pos) {
    pos.id = r[0].as<std::int64_t>();
    pos.occurred_us = r[12].as<std::int64_t>();
    std::vector<json> row;
    row.reserve(12);
    row.emplace_back(pos.id);
    row.emplace_back(util::format_rfc3339_micro(from_micros(pos.occurred_us)));
    for (int i = 2; i <= 10; ++i) row.push_back(text_or_null(r[i]));
    row.push_back(json::parse(r[11].c_str(), nullptr, false));
    return row;
}

// SQL text and its parameters for one page.
struct Built {
    std::string sql;
    std::vector<std::string> params;
};

Built build(Context& ctx, const Filter& f, const std::optional<Position>& after, std::int64_t page) {
    Built b;
    auto param = [&](std::string v, std::string_view cast = "") {
        b.params.push_back(std::move(v));
        return fmt::format("${}{}", b.params.size(), cast);
    };
    std::vector<std::string> where;
    if (f.tenant_id) where.push_back("tenant_id = " + param(*f.tenant_id, "::uuid"));
    where.push_back("occurred_at >= " + param(util::format_rfc3339_micro(f.since), "::timestamptz"));
    where.push_back("occurred_at < " + param(util::format_rfc3339_micro(f.until), "::timestamptz"));
    if (f.actor) where.push_back("actor_id = " + param(*f.actor));
    if (f.action_like) where.push_back("action LIKE " + param(*f.action_like));
    if (f.resource_type) where.push_back("resource_type = " + param(*f.resource_type));
    if (f.resource_id) where.push_back("resource_id = " + param(*f.resource_id));
    for (const auto& m : f.where)
        where.push_back(fmt::format("metadata #>> string_to_array({}, '.') = {}", param(m.path), param(m.value)));
    if (after) {
        // Newest first with ties on occurred_at in id order: the index's own order.
        auto t = param(util::format_rfc3339_micro(from_micros(after->occurred_us)), "::timestamptz");
        auto id = param(std::to_string(after->id), "::bigint");
        where.push_back(fmt::format("(occurred_at < {0} OR (occurred_at = {0} AND id > {1}))", t, id));
    }
    b.sql = fmt::format("SELECT {} FROM {} WHERE {} ORDER BY occurred_at DESC, id LIMIT {}", kSelectList,
                        ctx.platform_table("audit_log"), util::join(where, " AND "), page);
    return b;
}

constexpr std::int64_t kPageSize = 5000;

}  // namespace

QueryResult run_query(Context& ctx, const QueryOptions& o, RecordSink& sink) {
    QueryResult result;
    std::optional<Position> after = o.after;
    sink.begin(event_columns());
    try {
        auto& conn = ctx.db();
        for (;;) {
            std::int64_t want = o.limit == 0 ? kPageSize : std::min(kPageSize, o.limit - result.rows);
            auto b = build(ctx, o.filter, after, want);
            pqxx::result rows;
            {
                // One statement per page, its own snapshot; pages chain by keyset cursor, so
                // no transaction is needed around them (and none costs two round trips).
                pqxx::nontransaction tx(conn);
                rows = tx.exec_params(b.sql, pqxx::prepare::make_dynamic_params(b.params));
            }
            Position pos;
            for (const auto& r : rows) sink.row(event_row(r, pos));
            result.rows += static_cast<std::int64_t>(rows.size());
            if (static_cast<std::int64_t>(rows.size()) < want) break;  // the window is exhausted
            after = pos;
            if (o.limit != 0 && result.rows >= o.limit) {
                result.next = pos;  // a full page: there may be more
                break;
            }
        }
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("querying the audit log");
    }
    sink.end();
    return result;
}

ExplainResult explain_query(Context& ctx, const QueryOptions& o) {
    ExplainResult out;
    auto b = build(ctx, o.filter, o.after, o.limit == 0 ? kPageSize : std::min(kPageSize, o.limit));
    try {
        pqxx::read_transaction tx(ctx.db());
        auto plan = tx.exec_params("EXPLAIN (FORMAT JSON) " + b.sql, pqxx::prepare::make_dynamic_params(b.params));
        auto doc = json::parse(plan[0][0].c_str());
        std::vector<const json*> stack{&doc};
        while (!stack.empty()) {
            const json* node = stack.back();
            stack.pop_back();
            if (node->is_array()) {
                for (const auto& child : *node) stack.push_back(&child);
            } else if (node->is_object()) {
                if (auto it = node->find("Relation Name"); it != node->end()) {
                    auto name = it->get<std::string>();
                    if (std::find(out.partitions.begin(), out.partitions.end(), name) == out.partitions.end())
                        out.partitions.push_back(name);
                }
                for (const auto& [key, value] : node->items())
                    if (value.is_structured()) stack.push_back(&value);
            }
        }
        // On Citus the plan names the workers' shards ("audit_log_y2026m01_102042"): say the
        // partition each is a shard of.
        if (citus::installed(tx))
            for (auto& name : out.partitions) {
                const auto bar = name.rfind('_');
                if (bar == std::string::npos || name.find_first_not_of("0123456789", bar + 1) != std::string::npos)
                    continue;
                auto table = tx.exec_params("SELECT c.relname FROM pg_dist_shard s JOIN pg_class c ON c.oid = "
                                            "s.logicalrelid WHERE s.shardid = $1::bigint",
                                            name.substr(bar + 1));
                if (!table.empty()) name = table[0][0].c_str();
            }
        std::sort(out.partitions.begin(), out.partitions.end());
        out.partitions.erase(std::unique(out.partitions.begin(), out.partitions.end()), out.partitions.end());
        auto text = tx.exec_params("EXPLAIN " + b.sql, pqxx::prepare::make_dynamic_params(b.params));
        for (const auto& r : text) out.plan.push_back(r[0].c_str());
    } catch (...) {
        db::rethrow_translated("explaining the audit query");
    }
    return out;
}

void fetch_ascending(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id, TimePoint from_time,
                     std::int64_t limit, std::vector<std::vector<json>>& out, std::vector<Position>& positions) {
    auto rows = tx.exec_params(
        fmt::format("SELECT {} FROM {} WHERE tenant_id = $1::uuid AND occurred_at >= $2::timestamptz "
                    "ORDER BY occurred_at, id LIMIT {}",
                    kSelectList, ctx.platform_table("audit_log"), limit),
        tenant_id, util::format_rfc3339_micro(from_time));
    for (const auto& r : rows) {
        Position p;
        out.push_back(event_row(r, p));
        positions.push_back(p);
    }
}

void fetch_latest(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id, std::int64_t n,
                  std::vector<std::vector<json>>& out, std::vector<Position>& positions) {
    auto rows = tx.exec_params(fmt::format("SELECT {} FROM {} WHERE tenant_id = $1::uuid "
                                           "ORDER BY occurred_at DESC, id DESC LIMIT {}",
                                           kSelectList, ctx.platform_table("audit_log"), n),
                               tenant_id);
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        Position p;
        out.push_back(event_row(*it, p));
        positions.push_back(p);
    }
}

StatsBy parse_stats_by(std::string_view text) {
    if (text == "action") return StatsBy::action;
    if (text == "actor") return StatsBy::actor;
    if (text == "day") return StatsBy::day;
    if (text == "hour") return StatsBy::hour;
    throw UsageError("--by must be action, actor, day or hour, not " + util::in_quotes(text));
}

Records run_stats(Context& ctx, const Filter& f, StatsBy by) {
    std::string key, column;
    switch (by) {
        case StatsBy::action: key = "action"; column = "action"; break;
        case StatsBy::actor: key = "coalesce(actor_type || ':' || actor_id, actor_type)"; column = "actor"; break;
        case StatsBy::day:
            key = "to_char(date_trunc('day', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')";
            column = "day";
            break;
        case StatsBy::hour:
            key = "to_char(date_trunc('hour', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00\"Z\"')";
            column = "hour";
            break;
    }
    auto b = build(ctx, f, std::nullopt, 1);
    // Reuse the filter's WHERE clause; replace the select list, order and limit.
    auto from = b.sql.find(" FROM " + ctx.platform_table("audit_log"));
    auto order = b.sql.rfind(" ORDER BY ");
    std::string where = b.sql.substr(from, order - from);
    const bool by_time = by == StatsBy::day || by == StatsBy::hour;
    std::string sql =
        fmt::format("SELECT {} AS k, count(*), min(occurred_at), max(occurred_at) {} GROUP BY 1", key, where);
    Records r = Records::table({column, "events", "first", "last"});
    try {
        pqxx::read_transaction tx(ctx.db());
        auto rows = tx.exec_params(fmt::format("SELECT k, count, "
                                               "to_char(min AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                                               "to_char(max AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM ({}) s "
                                               "ORDER BY {}",
                                               sql, by_time ? "k" : "count DESC, k"),
                                   pqxx::prepare::make_dynamic_params(b.params));
        for (const auto& row : rows)
            r.add({text_or_null(row[0]), row[1].as<std::int64_t>(), row[2].c_str(), row[3].c_str()});
    } catch (...) {
        db::rethrow_translated("computing audit statistics");
    }
    return r;
}

}  // namespace tenantctl::audit
