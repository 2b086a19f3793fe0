#include "core/migrate/fleet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/util/interrupt.hpp"
#include "core/util/progress.hpp"
#include "core/util/slug.hpp"

namespace tenantctl::migrate {

namespace {

using Clock = std::chrono::steady_clock;

std::string error_text(const Error& e) {
    std::string out = e.what();
    for (const auto& d : e.details()) out += "; " + d;
    return out;
}

void check_filter_slugs(Context& ctx, pqxx::transaction_base& tx, const TenantFilter& filter,
                        const std::set<std::string>& schema_slugs) {
    auto check = [&](const std::string& slug, bool must_be_schema) {
        if (schema_slugs.count(slug)) return;
        auto r = tx.exec_params(
            fmt::format("SELECT isolation, status FROM {} WHERE slug = $1", ctx.platform_table("tenants")), slug);
        if (r.empty())
            throw NotFound("unknown tenant '" + slug + "'", "`tenantctl tenant list` shows the tenants");
        const std::string status = r[0][1].c_str();
        if (must_be_schema && status == "purged") throw Refused("tenant '" + slug + "' is purged; it has no schema");
        if (must_be_schema && (status == "moving" || status == "moved"))
            throw Refused("tenant '" + slug + "' is " + status + ": its schema is migrated in the database that serves it",
                          "a moving tenant's schema here is migrated again if its move is aborted");
        if (must_be_schema)
            throw Refused("tenant '" + slug + "' uses shared isolation; it has no schema to migrate",
                          "scope=tenant migrations apply to tenants created with --isolation schema");
    };
    for (const auto& slug : filter.only) check(slug, true);
    for (const auto& slug : filter.exclude) check(slug, false);
}

}  // namespace

std::vector<TenantSchema> read_fleet(Context& ctx, pqxx::transaction_base& tx, const TenantFilter& filter) {
    // A tenant moving or moved away is left out: while it moves, its schema is what the copy
    // builds the destination's from, and once moved only the destination serves it (what is
    // left here waits for its purge).
    // The schema name expression mirrors util::schema_name_for_slug ('tenant_' + slug with '-'
    // turned into '_'); the C++ function names the target, the SQL only joins by it.
    auto r = tx.exec(fmt::format(
        "SELECT t.id::text, t.slug, n.oid IS NOT NULL, m.version, m.name, m.checksum, m.state, m.statements_done, "
        "       coalesce(m.done_checksum, '') "
        "FROM {} t "
        "LEFT JOIN pg_namespace n ON n.nspname = 'tenant_' || replace(t.slug, '-', '_') "
        "LEFT JOIN {} m ON m.target = 'tenant_' || replace(t.slug, '-', '_') "
        "WHERE t.isolation = 'schema' AND t.status NOT IN ('purged', 'moving', 'moved') "
        "ORDER BY t.slug, m.version",
        ctx.platform_table("tenants"), ctx.platform_table("schema_migrations")));

    const std::set<std::string> only(filter.only.begin(), filter.only.end());
    const std::set<std::string> exclude(filter.exclude.begin(), filter.exclude.end());
    std::set<std::string> seen;
    std::vector<TenantSchema> out;
    for (const auto& row : r) {
        const std::string slug = row[1].c_str();
        if (seen.insert(slug).second) {
            TenantSchema t;
            t.target.schema = util::schema_name_for_slug(slug);
            t.target.name = t.target.schema;
            t.target.tenant_id = row[0].c_str();
            t.target.slug = slug;
            t.schema_exists = row[2].as<bool>();
            out.push_back(std::move(t));
        }
        if (row[3].is_null()) continue;
        AppliedMigration a;
        a.version = row[3].c_str();
        a.name = row[4].c_str();
        a.checksum = row[5].c_str();
        const std::string state = row[6].c_str();
        a.failed = state == "running" || state == "failed";
        a.baseline = state == "baseline";
        a.statements_done = row[7].as<int>();
        a.done_checksum = row[8].c_str();
        out.back().applied.push_back(std::move(a));
    }
    check_filter_slugs(ctx, tx, filter, seen);
    std::vector<TenantSchema> selected;
    for (auto& t : out) {
        if (!only.empty() && !only.count(t.target.slug)) continue;
        if (exclude.count(t.target.slug)) continue;
        selected.push_back(std::move(t));
    }
    return selected;
}

int available_connections(pqxx::transaction_base& tx) {
    auto r = tx.exec1(
        "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int "
        "       - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int");
    return std::max(1, r[0].as<int>());
}

ResumableRun load_run(Context& ctx, pqxx::transaction_base& tx, const std::string& run_id) {
    auto job = tx.exec_params(fmt::format("SELECT kind, cursor::text FROM {} WHERE id::text = $1 AND kind LIKE 'migrate.%'",
                                          ctx.platform_table("jobs")),
                              run_id);
    if (job.empty())
        throw NotFound("no migrate run has id " + run_id, "the run id is printed by `migrate up` and kept in the audit log");
    ResumableRun run;
    run.kind = job[0][0].c_str();
    run.cursor = json::parse(job[0][1].c_str());
    auto targets = tx.exec_params(fmt::format("SELECT target FROM {} WHERE run_id::text = $1 AND state <> 'done' "
                                              "ORDER BY target",
                                              ctx.platform_table("migration_run_targets")),
                                  run_id);
    for (const auto& row : targets) run.targets.emplace_back(row[0].c_str());
    if (run.targets.empty()) throw Refused("run " + run_id + " has nothing left to resume: every target is done");
    return run;
}

namespace {

class Fanout {
public:
    Fanout(Context& ctx, const RunSettings& settings, const FanoutRequest& request)
        : m_ctx(ctx), m_settings(settings), m_request(request), m_run_id(request.resume_run.value_or(ctx.run_id())) {
        m_results.resize(request.items.size());
        for (std::size_t i = 0; i < request.items.size(); ++i) {
            m_results[i].target = request.items[i].target;
            m_results[i].state = "pending";
        }
        m_lock_wait = std::max(ctx.lock_timeout(), std::chrono::milliseconds(5000));
    }

    std::vector<TargetResult> run() {
        if (m_request.items.empty()) return {};
        int workers = 1;
        try {
            pqxx::work tx(m_ctx.db());
            record_start(tx);
            workers = std::min<int>({std::max(m_request.parallel, 1), static_cast<int>(m_request.items.size()),
                                     available_connections(tx)});
            tx.commit();
        } catch (...) {
            db::rethrow_translated("recording the migrate run");
        }
        if (workers < m_request.parallel && workers < static_cast<int>(m_request.items.size()))
            note(fmt::format("--parallel {} capped to {}: the server has no more free connections",
                                        m_request.parallel, workers));
        util::InterruptScope interrupts;  // Ctrl-C: targets in flight finish, the rest stay pending
        m_progress = std::make_unique<util::ProgressLine>(
            m_ctx.progress_enabled() ? &m_ctx.log().stream() : nullptr, "migrating",
            static_cast<long long>(m_request.items.size()), "tenant schemas");
        std::vector<std::thread> threads;
        for (int w = 0; w < workers; ++w) threads.emplace_back([this, w] { worker(w); });
        for (auto& t : threads) t.join();
        m_progress.reset();  // ends its line before the summary
        record_finish();
        const auto done = std::count_if(m_results.begin(), m_results.end(), [](const TargetResult& r) { return r.state == "done"; });
        util::stop_if_interrupted(fmt::format("migrating {} of {} tenant schemas (run {})", done, m_results.size(), m_run_id),
                                  fmt::format("tenantctl migrate up --resume {}", m_run_id));
        return std::move(m_results);
    }

private:
    void record_start(pqxx::transaction_base& tx) {
        const std::string targets = m_ctx.platform_table("migration_run_targets");
        if (m_request.resume_run) {
            tx.exec_params(fmt::format("UPDATE {} SET state = 'running', updated_at = now(), heartbeat_at = now(), "
                                       "finished_at = NULL WHERE id = $1::uuid",
                                       m_ctx.platform_table("jobs")),
                           m_run_id);
            return;
        }
        tx.exec_params(fmt::format("INSERT INTO {} (id, kind, target, state, cursor, actor) "
                                   "VALUES ($1::uuid, $2, 'tenant-schemas', 'running', $3::jsonb, $4)",
                                   m_ctx.platform_table("jobs")),
                       m_run_id, m_request.job_kind, m_request.job_cursor.dump(), m_ctx.actor());
        pqxx::stream_to stream(tx, targets, std::vector<std::string>{"run_id", "target", "tenant_id"});
        for (const auto& item : m_request.items)
            stream << std::make_tuple(m_run_id, item.target.name, item.target.tenant_id);
        stream.complete();
    }

    void record_finish() {
        int done = 0, failed = 0, pending = 0;
        for (const auto& r : m_results) {
            if (r.state == "done") ++done;
            else if (r.state == "failed") ++failed;
            else ++pending;
        }
        try {
            pqxx::work tx(m_ctx.db());
            tx.exec_params(fmt::format("UPDATE {} SET state = $2, counts = $3::jsonb, updated_at = now(), "
                                       "finished_at = now(), error = $4 WHERE id = $1::uuid",
                                       m_ctx.platform_table("jobs")),
                           m_run_id, failed + pending == 0 ? "done" : "failed",
                           json{{"done", done}, {"failed", failed}, {"pending", pending}}.dump(),
                           failed + pending == 0 ? std::optional<std::string>{}
                                                 : std::optional<std::string>{fmt::format(
                                                       "{} failed, {} not started", failed, pending)});
            tx.commit();
        } catch (...) {
            db::rethrow_translated("recording the end of the migrate run");
        }
    }

    void worker(int number) {
        util::block_interrupts_in_this_thread();  // the thread that joins the workers handles Ctrl-C
        std::unique_ptr<pqxx::connection> conn;
        for (;;) {
            const std::size_t i = m_next.fetch_add(1);
            if (i >= m_request.items.size()) break;
            if (m_stop.load() || util::pending_interrupt()) continue;  // stays pending: --resume picks it up
            run_one(conn, number, m_request.items[i], m_results[i]);
            if (m_results[i].state == "failed" && !m_request.continue_on_error) m_stop.store(true);
        }
    }

    void run_one(std::unique_ptr<pqxx::connection>& conn, int number, const FanoutItem& item, TargetResult& result) {
        const auto start = Clock::now();
        try {
            try {
                if (!item.precheck_error.empty()) throw Error(Exit::runtime, item.precheck_error);
                if (!conn) {
                    conn = m_ctx.new_connection(fmt::format("worker {}", number + 1));
                    prepare_connection(*conn);
                }
                TargetLock lock(*conn, item.target, m_lock_wait);
                std::vector<AppliedMigration> rows;
                {
                    pqxx::read_transaction tx(*conn);
                    auto exists = tx.exec_params1("SELECT count(*) FROM pg_namespace WHERE nspname = $1",
                                                  item.target.schema)[0]
                                      .as<int>();
                    if (exists == 0)
                        throw NotFound(fmt::format("{}: schema {} does not exist (tenant '{}')", item.target.name,
                                                   item.target.schema, item.target.slug),
                                       "create it with `tenantctl tenant create --isolation schema`, or --exclude it");
                    rows = read_ledger(tx, m_settings.ledger_table, item.target.name);
                }
                Plan plan = m_request.planner(rows);
                execute_plan(*conn, item.target, plan, m_settings, [&](const MigrationOutcome& o) {
                    result.outcomes.push_back(o);
                    note(fmt::format("{}: {} {} ({} ms)", o.target, o.action, o.version + "_" + o.name,
                                                o.duration_ms));
                });
                result.state = "done";
            } catch (...) {
                db::rethrow_translated(item.target.name);
            }
        } catch (const Error& e) {
            result.state = "failed";
            result.error = error_text(e);
            if (e.code() == Exit::db_unavailable) conn.reset();
        } catch (const std::exception& e) {
            result.state = "failed";
            result.error = item.target.name + ": " + e.what();
            conn.reset();
        }
        result.applied = static_cast<int>(result.outcomes.size());
        result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
        if (result.state == "failed") note(result.error);
        record_result(conn, number, result);
        {
            std::lock_guard<std::mutex> lock(m_output);
            if (m_progress) m_progress->update(++m_targets_done);
        }
    }

    void record_result(std::unique_ptr<pqxx::connection>& conn, int number, const TargetResult& result) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                if (!conn) conn = m_ctx.new_connection(fmt::format("worker {}", number + 1));
                pqxx::work tx(*conn);
                tx.exec_params(fmt::format("UPDATE {} SET state = $3, applied = applied + $4, duration_ms = $5, "
                                           "error = nullif($6, ''), updated_at = now() "
                                           "WHERE run_id = $1::uuid AND target = $2",
                                           m_ctx.platform_table("migration_run_targets")),
                               m_run_id, result.target.name, result.state, result.applied, result.duration_ms,
                               result.error);
                tx.commit();
                return;
            } catch (const std::exception& e) {
                conn.reset();
                if (attempt == 1)
                    note(fmt::format("{}: could not record the result ({}); the ledger is still exact",
                                                result.target.name, e.what()));
            }
        }
    }

    // Notes from every worker and the progress line share stderr: one at a time, and a note
    // wipes the line first so it is never printed into the middle of it.
    void note(std::string_view text) {
        std::lock_guard<std::mutex> lock(m_output);
        if (m_progress) m_progress->clear();
        m_settings.note(text);
        if (m_progress) m_progress->update(m_targets_done);
    }

    Context& m_ctx;
    const RunSettings& m_settings;
    const FanoutRequest& m_request;
    std::string m_run_id;
    std::chrono::milliseconds m_lock_wait;
    std::vector<TargetResult> m_results;
    std::atomic<std::size_t> m_next{0};
    std::atomic<bool> m_stop{false};
    std::mutex m_output;
    std::unique_ptr<util::ProgressLine> m_progress;
    long long m_targets_done = 0;  // under m_output
};

}  // namespace

std::vector<TargetResult> run_fanout(Context& ctx, const RunSettings& settings, const FanoutRequest& request) {
    return Fanout(ctx, settings, request).run();
}

}  // namespace tenantctl::migrate
