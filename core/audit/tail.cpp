#include "core/audit/tail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <thread>

#include "core/audit/query.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/duration.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::audit {

namespace {

class Wakeup : public pqxx::notification_receiver {
public:
    Wakeup(pqxx::connection_base& c, const std::string& channel, bool& flag)
        : pqxx::notification_receiver(c, channel), m_flag(flag) {}
    void operator()(const std::string&, int) override { m_flag = true; }

private:
    bool& m_flag;
};

// Connection-level failures that a reconnect can cure.
bool is_connection_loss(const std::exception& e) {
    if (dynamic_cast<const pqxx::broken_connection*>(&e)) return true;
    if (auto* s = dynamic_cast<const pqxx::sql_error*>(&e)) {
        const std::string state = s->sqlstate();
        return state.rfind("57P", 0) == 0 || state.rfind("08", 0) == 0;
    }
    if (auto* err = dynamic_cast<const Error*>(&e)) return err->code() == Exit::db_unavailable;
    return false;
}

class Follower {
public:
    Follower(Context& ctx, const TailOptions& o, RecordSink& sink, std::string tenant_id)
        : m_ctx(ctx), m_opts(o), m_sink(sink), m_tenant(std::move(tenant_id)) {}

    void emit(std::vector<std::vector<json>>& rows, std::vector<Position>& positions) {
        // Late commits can arrive out of order; print in (occurred_at, id) order per batch.
        std::vector<std::size_t> order(rows.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](auto a, auto b) {
            return std::tie(positions[a].occurred_us, positions[a].id) < std::tie(positions[b].occurred_us, positions[b].id);
        });
        bool any = false;
        for (auto i : order) {
            if (!m_seen.emplace(positions[i].id, positions[i].occurred_us).second) continue;
            m_sink.row(rows[i]);
            m_last_us = std::max(m_last_us, positions[i].occurred_us);
            any = true;
        }
        if (any) m_sink.flush();
        // Forget ids that fell out of the look-back window.
        const std::int64_t floor_us = m_last_us - lookback_us();
        for (auto it = m_seen.begin(); it != m_seen.end();) it = it->second < floor_us ? m_seen.erase(it) : std::next(it);
    }

    void initial() {
        std::vector<std::vector<json>> rows;
        std::vector<Position> positions;
        pqxx::read_transaction tx(m_ctx.db());
        if (m_opts.lines > 0) fetch_latest(m_ctx, tx, m_tenant, m_opts.lines, rows, positions);
        // Follow from the newest printed event, or from now when nothing was printed; what
        // lies before that inside the look-back window counts as already shown.
        m_last_us = positions.empty() ? to_micros(m_ctx.now()) : positions.back().occurred_us;
        const Position newest = positions.empty() ? Position{m_last_us, INT64_MAX} : positions.back();
        std::vector<std::vector<json>> window;
        std::vector<Position> window_positions;
        fetch_ascending(m_ctx, tx, m_tenant, from_micros(m_last_us - lookback_us()), kPage, window, window_positions);
        tx.commit();
        emit(rows, positions);
        for (const auto& p : window_positions)
            if (std::tie(p.occurred_us, p.id) <= std::tie(newest.occurred_us, newest.id)) m_seen.emplace(p.id, p.occurred_us);
    }

    void catch_up() {
        for (;;) {
            std::vector<std::vector<json>> rows;
            std::vector<Position> positions;
            {
                pqxx::read_transaction tx(m_ctx.db());
                fetch_ascending(m_ctx, tx, m_tenant, from_micros(m_last_us - lookback_us()), kPage, rows, positions);
            }
            const bool full = static_cast<std::int64_t>(rows.size()) == kPage;
            const std::int64_t before = m_last_us;
            emit(rows, positions);
            if (!full || m_last_us == before) return;  // caught up (or a page of one instant)
        }
    }

    // Without the insert trigger nothing wakes a tail: on Citus it is dropped (a NOTIFY fired on a
    // worker's shard never reaches a LISTEN on the coordinator), so new events are found by
    // polling, once a second instead of every five.
    std::chrono::seconds poll_interval() {
        pqxx::read_transaction tx(m_ctx.db());
        const bool notified =
            tx.exec_params1("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) "
                            "AND tgname = 'audit_log_notify')",
                            m_ctx.platform_table("audit_log"))[0]
                .as<bool>();
        return std::chrono::seconds(notified ? 5 : 1);
    }

    void follow() {
        const std::string channel = "tenantctl_audit_" + m_tenant;
        const auto poll_every = poll_interval();
        auto backoff = std::chrono::milliseconds(250);
        while (!stopped()) {
            try {
                bool woken = false;
                Wakeup listener(m_ctx.db(), channel, woken);
                register_interest();
                catch_up();  // after (re)subscribing, so nothing falls between the two
                backoff = std::chrono::milliseconds(250);
                auto last_poll = std::chrono::steady_clock::now();
                auto registered = last_poll;
                while (!stopped()) {
                    m_ctx.db().await_notification(0, 500000);
                    if (std::chrono::steady_clock::now() - registered > std::chrono::seconds(20)) {
                        register_interest();
                        registered = std::chrono::steady_clock::now();
                    }
                    if (woken || std::chrono::steady_clock::now() - last_poll > poll_every) {
                        woken = false;
                        catch_up();
                        last_poll = std::chrono::steady_clock::now();
                    }
                }
            } catch (const std::exception& e) {
                if (!is_connection_loss(e)) throw;
                m_ctx.log().warn(fmt::format("connection lost ({}); reconnecting in {} ms", util::first_line(e.what()),
                                             backoff.count()));
                m_ctx.reset_db();
                std::this_thread::sleep_for(backoff);
                backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
            }
        }
    }

private:
    // The insert trigger notifies only for tenants someone follows (0051_audit_notify_on_demand).
    void register_interest() {
        pqxx::work tx(m_ctx.db());
        tx.exec_params0(fmt::format("INSERT INTO {} (tenant_id, expires_at) VALUES ($1::uuid, now() + interval '60 seconds') "
                                    "ON CONFLICT (tenant_id) DO UPDATE SET expires_at = "
                                    "greatest({}.expires_at, EXCLUDED.expires_at)",
                                    m_ctx.platform_table("audit_listeners"), m_ctx.platform_table("audit_listeners")),
                        m_tenant);
        tx.commit();
    }

    static constexpr std::int64_t kPage = 5000;
    std::int64_t lookback_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(m_opts.lookback).count();
    }
    bool stopped() const { return m_opts.stop && m_opts.stop(); }

    Context& m_ctx;
    const TailOptions& m_opts;
    RecordSink& m_sink;
    std::string m_tenant;
    std::int64_t m_last_us = 0;
    std::map<std::int64_t, std::int64_t> m_seen;  // event id -> occurred_us, within the look-back
};

}  // namespace

void tail(Context& ctx, const TailOptions& o, RecordSink& sink) {
    if (o.lines < 0) throw UsageError("--lines must be 0 or more");
    std::string tenant_id;
    try {
        pqxx::read_transaction tx(ctx.db());
        tenant_id = tenants::resolve(ctx, tx, o.tenant_slug).id;
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("resolving the tenant");
    }
    Follower f(ctx, o, sink, tenant_id);
    sink.begin(event_columns());
    try {
        f.initial();
        if (o.follow) f.follow();
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("tailing the audit log");
    }
    sink.end();
}

}  // namespace tenantctl::audit
