#include "core/audit/partitions.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <set>
#include <thread>

#include "core/audit/append.hpp"
#include "core/audit/month_archive.hpp"
#include "core/citus/cluster.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/util/atomic_file.hpp"
#include "core/util/interrupt.hpp"
#include "core/util/progress.hpp"
#include "core/util/thread_priority.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::audit {

namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

constexpr int kLockAttempts = 10;
constexpr const char* kLockTimeout = "1s";
// The DETACH's own (detach_month): about 20 s of trying before the whole step is retried.
constexpr int kDetachAttempts = 25;
constexpr const char* kDetachLockTimeout = "200ms";

year_month month_of(TimePoint t) {
    year_month_day ymd{floor<days>(t)};
    return {ymd.year(), ymd.month()};
}
TimePoint start_of(year_month ym) { return sys_days{ym / 1}; }
std::string name_of(year_month ym) {
    return partition_name(static_cast<int>(ym.year()), static_cast<int>(static_cast<unsigned>(ym.month())));
}
std::string bound(year_month ym) {
    return fmt::format("{:04}-{:02}-01 00:00:00+00", static_cast<int>(ym.year()), static_cast<unsigned>(ym.month()));
}

// Creates one month's partition, moving its rows out of the default partition first.
// Returns the number of rows moved.
std::int64_t create_month(pqxx::transaction_base& tx, std::string_view schema, year_month ym) {
    const std::string parent = db::quote_qualified(schema, "audit_log");
    const std::string def = db::quote_qualified(schema, "audit_log_default");
    const std::string name = name_of(ym);
    const std::string table = db::quote_qualified(schema, name);
    const std::string from = bound(ym), to = bound(ym + months{1});
    // Only writers of rows that belong in the default partition wait for this lock.
    tx.exec0("LOCK TABLE " + def + " IN ACCESS EXCLUSIVE MODE");
    tx.exec0(fmt::format("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)", table, parent));
    // The log has no primary key, and logical replication (Citus moving or isolating a tenant's
    // shards, core/citus/placement.cpp) needs a replica identity to carry a row's update or
    // delete. The log is append-only, so the whole-row identity costs nothing in practice.
    tx.exec0(fmt::format("ALTER TABLE {} REPLICA IDENTITY FULL", table));
    // A validated CHECK matching the bounds lets ATTACH skip scanning the new table.
    tx.exec0(fmt::format("ALTER TABLE {} ADD CONSTRAINT {} CHECK (occurred_at >= '{}' AND occurred_at < '{}')", table,
                         db::quote_ident(name + "_range"), from, to));
    auto moved = tx.exec(fmt::format("WITH moved AS (DELETE FROM {} WHERE occurred_at >= '{}' AND occurred_at < '{}' "
                                     "RETURNING *) INSERT INTO {} SELECT * FROM moved",
                                     def, from, to, table));
    tx.exec0(fmt::format("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ('{}') TO ('{}')", parent, table, from, to));
    return static_cast<std::int64_t>(moved.affected_rows());
}

std::set<std::string> existing_names(pqxx::transaction_base& tx, std::string_view schema) {
    std::set<std::string> out;
    for (const auto& r : tx.exec_params("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                        "WHERE i.inhparent = to_regclass($1)",
                                        db::quote_qualified(schema, "audit_log")))
        out.insert(r[0].c_str());
    return out;
}

// Months with rows in the default partition.
std::vector<year_month> default_months(pqxx::transaction_base& tx, std::string_view schema) {
    std::vector<year_month> out;
    for (const auto& r : tx.exec(fmt::format(
             "SELECT DISTINCT extract(year FROM occurred_at AT TIME ZONE 'UTC')::int, "
             "extract(month FROM occurred_at AT TIME ZONE 'UTC')::int FROM {} ORDER BY 1, 2",
             db::quote_qualified(schema, "audit_log_default"))))
        out.push_back(year{r[0].as<int>()} / month{static_cast<unsigned>(r[1].as<int>())});
    return out;
}

// Months that a prune archived and dropped (its audit event names them). ensure does not
// bring them back for a few late events: those stay in the default partition until the next
// prune archives them as an archive of their own.
std::set<std::string> pruned_names(pqxx::transaction_base& tx, std::string_view schema) {
    std::set<std::string> out;
    for (const auto& r : tx.exec_params(
             fmt::format("SELECT DISTINCT resource_id FROM {} WHERE tenant_id = $1::uuid "
                         "AND action = 'audit.partition.prune' AND resource_type = 'audit_partition'",
                         db::quote_qualified(schema, "audit_log")),
             kPlatformTenant))
        if (!r[0].is_null()) out.insert(r[0].c_str());
    return out;
}

bool past_retention(year_month ym, TimePoint now, const util::Duration& retention) {
    return start_of(ym + months{1}) <= util::subtract(now, retention);
}

std::int64_t count_rows(pqxx::transaction_base& tx, const std::string& table) {
    return tx.exec1("SELECT count(*) FROM " + table)[0].as<std::int64_t>();
}

}  // namespace

// Runs `body` in a fresh transaction with a short lock_timeout, retrying lock timeouts with
// backoff: the application never queues behind us for longer than one lock_timeout.
void with_lock_retry(Context& ctx, std::string_view what, const std::function<void(pqxx::work&)>& body,
                     bool commit) {
    auto wait = milliseconds(100);
    for (int attempt = 1;; ++attempt) {
        try {
            pqxx::work tx(ctx.db());
            tx.exec0(fmt::format("SET LOCAL lock_timeout = '{}'", kLockTimeout));
            body(tx);
            if (commit)
                tx.commit();
            else
                tx.abort();
            return;
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() != "55P03") throw;
            if (attempt == kLockAttempts)
                throw Busy(fmt::format("{}: the audit log stayed locked by other sessions ({} attempts)", what,
                                       kLockAttempts),
                           "retry later; long transactions on audit_log block partition maintenance");
            ctx.log().warn(fmt::format("{}: lock not available, retrying in {} ms", what, wait.count()));
            std::this_thread::sleep_for(wait);
            wait = std::min(wait * 2, milliseconds(2000));
        }
    }
}

std::int64_t create_month_partition(pqxx::transaction_base& tx, std::string_view schema, int y, int m) {
    return create_month(tx, schema, year{y} / month{static_cast<unsigned>(m)});
}

std::set<std::string> partition_names(pqxx::transaction_base& tx, std::string_view schema) {
    return existing_names(tx, schema);
}

std::string partition_name(int year, int month) { return fmt::format("audit_log_y{:04}m{:02}", year, month); }

void ensure_partitions_in(pqxx::transaction_base& tx, std::string_view schema, TimePoint now, int ahead,
                          const util::Duration& retention) {
    auto existing = existing_names(tx, schema);
    const auto pruned = pruned_names(tx, schema);
    std::set<year_month> wanted;
    const year_month current = month_of(now);
    for (int k = 0; k <= ahead; ++k) wanted.insert(current + months{k});
    for (auto ym : default_months(tx, schema))
        if (!past_retention(ym, now, retention) && !pruned.count(name_of(ym))) wanted.insert(ym);
    for (auto ym : wanted)
        if (!existing.count(name_of(ym))) create_month(tx, schema, ym);
}

EnsureResult ensure_partitions(Context& ctx, int ahead) {
    if (ahead < 0 || ahead > 24) throw UsageError("--ahead must be between 0 and 24");
    EnsureResult result;
    auto lock = ctx.dry_run() ? nullptr : ctx.lock("audit-partitions");
    const TimePoint now = ctx.now();
    const auto& retention = ctx.config().audit.retention;
    try {
        std::set<year_month> wanted;
        std::set<std::string> existing;
        {
            pqxx::read_transaction tx(ctx.db());
            existing = existing_names(tx, ctx.schema());
            const auto pruned = pruned_names(tx, ctx.schema());
            for (auto ym : default_months(tx, ctx.schema())) {
                if (past_retention(ym, now, retention))
                    result.past_retention.push_back(name_of(ym));
                else if (pruned.count(name_of(ym)))
                    result.pruned_before.push_back(name_of(ym));
                else
                    wanted.insert(ym);
            }
        }
        if (!result.pruned_before.empty())
            ctx.log().warn(fmt::format("late events of already pruned months stay in the default partition until the "
                                       "next prune archives them: {}",
                                       util::join(result.pruned_before, ", ")));
        const year_month current = month_of(now);
        for (int k = 0; k <= ahead; ++k) wanted.insert(current + months{k});
        for (auto ym : wanted) {
            const std::string name = name_of(ym);
            if (existing.count(name)) continue;
            result.created.push_back(name);
            if (ctx.dry_run()) continue;
            with_lock_retry(ctx, "creating " + name, [&](pqxx::work& tx) {
                std::int64_t moved = create_month(tx, ctx.schema(), ym);
                Event ev;
                ev.action = "audit.partition.create";
                ev.resource_type = "audit_partition";
                ev.resource_id = name;
                ev.metadata = {{"moved_from_default", moved}};
                append(ctx, tx, ev);
                result.moved_rows += moved;
            });
        }
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("creating audit partitions");
    }
    return result;
}

std::vector<PartitionInfo> list_partitions(Context& ctx, RowCounts counts) {
    std::vector<PartitionInfo> out;
    try {
        pqxx::read_transaction tx(ctx.db());
        tx.exec0("SET LOCAL TimeZone = 'UTC'");
        auto rows = tx.exec_params(
            "SELECT c.relname, c.relpartbound IS NOT NULL AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', "
            "       to_char((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz "
            "               AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
            "       to_char((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz "
            "               AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
            "       pg_total_relation_size(c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1) "
            "ORDER BY 3 NULLS LAST, 1",
            db::quote_qualified(ctx.schema(), "audit_log"));
        for (const auto& r : rows) {
            PartitionInfo p;
            p.name = r[0].c_str();
            p.is_default = r[1].as<bool>();
            if (!r[2].is_null()) p.from = util::parse_time(std::string(r[2].c_str()), ctx.now());
            if (!r[3].is_null()) p.to = util::parse_time(std::string(r[3].c_str()), ctx.now());
            p.bytes = r[4].as<std::int64_t>();
            if (counts == RowCounts::exact) p.rows = count_rows(tx, db::quote_qualified(ctx.schema(), p.name));
            out.push_back(std::move(p));
        }
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("listing audit partitions");
    }
    return out;
}

namespace {

// Removes every tenant's chain rows for events before `cutoff` and records, per tenant, the
// last removed row as a prune anchor, so the rest of the chain verifies from where it now
// starts. A chain runs in time order, so those rows are a prefix of seq: each tenant's is
// found through the primary key (tenant_id, seq) and costs what it removes. (A scan of the
// whole chain for occurred_at < cutoff cost a minute at 100M events.)
void cut_chain(Context& ctx, pqxx::transaction_base& tx, TimePoint cutoff) {
    const std::string chain = ctx.platform_table("audit_chain");
    // The chain's tenants, one index probe each (a loose index scan, downwards: each probe
    // lands on a tenant's newest rows, where an upward one would first step over the index
    // entries of rows earlier prunes deleted, until vacuum removes them). Citus runs a recursive
    // query only within one tenant's shard, so on a cluster every shard lists its own tenants
    // (DISTINCT pushed down to the workers, in parallel).
    auto tenants = tx.exec(
        citus::installed(tx)
            ? fmt::format("SELECT DISTINCT tenant_id::text FROM {0}", chain)
            : fmt::format("WITH RECURSIVE t AS ((SELECT tenant_id FROM {0} ORDER BY tenant_id DESC LIMIT 1) UNION ALL "
                          "SELECT (SELECT c.tenant_id FROM {0} c WHERE c.tenant_id < t.tenant_id ORDER BY c.tenant_id "
                          "DESC LIMIT 1) FROM t WHERE t.tenant_id IS NOT NULL) "
                          "SELECT tenant_id::text FROM t WHERE tenant_id IS NOT NULL",
                          chain));
    const std::string at = util::format_rfc3339_micro(cutoff);
    // Prepared once (a no-op when it already is): it runs once per tenant, hundreds of times,
    // while the month is locked, and parsing it each time cost as much as running it. The
    // anchor is read by an index probe before the rows go, rather than taken from every
    // removed row RETURNed (a month of a big tenant is millions of them).
    tx.conn().prepare(
        "tenantctl_audit_cut_chain",
        fmt::format("WITH kept AS (SELECT coalesce((SELECT min(seq) FROM {0} WHERE tenant_id = $1::uuid "
                    "                               AND occurred_at >= $2::timestamptz), 9223372036854775807) AS seq), "
                    "anchor AS (SELECT seq, occurred_at, event_id, hash FROM {0} WHERE tenant_id = $1::uuid "
                    "           AND occurred_at < $2::timestamptz AND seq < (SELECT seq FROM kept) "
                    "           ORDER BY seq DESC LIMIT 1), "
                    "gone AS (DELETE FROM {0} WHERE tenant_id = $1::uuid AND occurred_at < $2::timestamptz "
                    "         AND seq < (SELECT seq FROM kept)) "
                    "INSERT INTO {1} (tenant_id, seq, occurred_at, event_id, head, kind, actor) "
                    "SELECT $1::uuid, seq, occurred_at, event_id, hash, 'prune', $3 FROM anchor "
                    "ON CONFLICT DO NOTHING",
                    chain, ctx.platform_table("audit_seals")));
    // Costs of a big tenant's delete pass JIT's threshold: compiling it is slower than running it.
    tx.exec0("SET LOCAL jit = off");
    for (const auto& t : tenants) tx.exec_prepared0("tenantctl_audit_cut_chain", t[0].c_str(), at, ctx.actor());
}

// Detaches a month from the log. The DETACH locks the whole log, and every writer queues
// behind the request until it is granted: it is tried with a short lock_timeout, so that
// waiting for a long reader (a seal's batch, a report) holds the application up for at most
// that, and again on a savepoint, so that a retry keeps the chain rows already cut (redoing
// them cost half a minute for a month of 3M events).
void detach_month(Context& ctx, pqxx::work& tx, const std::string& table) {
    const std::string detach =
        fmt::format("ALTER TABLE {} DETACH PARTITION {}", db::quote_qualified(ctx.schema(), "audit_log"), table);
    auto wait = milliseconds(50);
    for (int attempt = 1;; ++attempt) {
        try {
            pqxx::subtransaction sub(tx, "tenantctl_detach");
            sub.exec0(fmt::format("SET LOCAL lock_timeout = '{}'", kDetachLockTimeout));
            sub.exec0(detach);
            sub.commit();
            return;
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() != "55P03" || attempt == kDetachAttempts) throw;
        }
        ctx.log().debug(fmt::format("detaching {}: the log is in use, retrying in {} ms", table, wait.count()));
        std::this_thread::sleep_for(wait);
        wait = std::min(wait * 2, milliseconds(1000));
    }
}

// An archive written for a month that was then not dropped, for a reason that certainly rolled
// the drop back (refused before it, or never locked): its events are all still in the log, and
// the next prune writes the month's archive anew, so this one would only hold them twice (and
// keep what a GDPR erasure removes from the log meanwhile). Never after a commit that may have
// happened: then the archive may be the only copy.
void discard_unused_archive(const std::optional<MonthArchive>& archived) {
    if (!archived) return;
    std::error_code ec;
    fs::remove(archived->path.string() + ".sha256", ec);
    fs::remove(archived->path, ec);
    util::fsync_directory(archived->path.parent_path());
}

}  // namespace

std::vector<PruneResult> prune_partitions(Context& ctx, const PruneOptions& o) {
    if (o.no_archive && o.archive_dir) throw UsageError("--archive and --no-archive exclude each other");
    std::optional<fs::path> dir = o.archive_dir;
    if (!dir && !o.no_archive) dir = ctx.config().audit.archive_dir;
    if (!dir && !o.no_archive)
        throw Refused("prune drops audit data: give --archive DIR (or audit.archive_dir in the config)",
                      "to drop without an archive pass --no-archive --yes");
    if (o.older_than.is_zero()) throw UsageError("--older-than must be longer than zero");
    // On a terminal the operator is asked; elsewhere only --yes goes on.
    if (o.no_archive && !ctx.dry_run())
        ctx.confirm("drop every audit month that ended before the cutoff without a copy (--no-archive: its events "
                    "are gone for good)?");

    const TimePoint cutoff = util::subtract(ctx.now(), o.older_than);
    std::vector<PruneResult> results;
    if (dir && !ctx.dry_run()) {
        std::error_code ec;
        if (!fs::is_directory(*dir, ec))
            throw Refused(fs::exists(*dir, ec) ? fmt::format("archive directory {} is a file, not a directory", dir->string())
                                               : fmt::format("archive directory {} does not exist", dir->string()),
                          "nothing was dropped");
        check_archive_dir_writable(*dir);
    }
    auto lock = ctx.dry_run() ? nullptr : ctx.lock("audit-partitions");
    // Ctrl-C and SIGTERM let the step in flight (a month's move or drop) finish, then stop.
    util::InterruptScope interrupts;
    // Events in the default partition are covered too: each month of them that ended before
    // the cutoff gets its partition (rows moved in), and is archived and dropped below with the
    // others, oldest first, so the chain is cut in order.
    try {
        std::vector<std::pair<year_month, std::int64_t>> late;
        {
            pqxx::read_transaction tx(ctx.db());
            const auto existing = existing_names(tx, ctx.schema());
            for (auto ym : default_months(tx, ctx.schema()))
                if (start_of(ym + months{1}) <= cutoff && !existing.count(name_of(ym)))
                    late.emplace_back(ym, tx.exec_params1(fmt::format("SELECT count(*) FROM {} WHERE occurred_at >= "
                                                                      "$1::timestamptz AND occurred_at < $2::timestamptz",
                                                                      db::quote_qualified(ctx.schema(), "audit_log_default")),
                                                          bound(ym), bound(ym + months{1}))[0]
                                              .as<std::int64_t>());
        }
        for (const auto& [ym, rows] : late) {
            const std::string name = name_of(ym);
            if (ctx.dry_run()) {
                results.push_back({name, rows, "", "", "would drop (rows now in the default partition)"});
                continue;
            }
            with_lock_retry(ctx, "moving the default partition's rows of " + name, [&](pqxx::work& tx) {
                std::int64_t moved = create_month(tx, ctx.schema(), ym);
                Event ev;
                ev.action = "audit.partition.create";
                ev.resource_type = "audit_partition";
                ev.resource_id = name;
                ev.metadata = {{"moved_from_default", moved}, {"for", "prune"}};
                append(ctx, tx, ev);
            });
            ctx.log().info(fmt::format("{}: moved {} rows out of the default partition to archive them", name, rows));
            util::stop_if_interrupted(fmt::format("moving the default partition's rows of {} into its month, before "
                                                  "pruning it",
                                                  name));
        }
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("moving rows out of the default partition");
    }
    // Only the months to drop are counted: a count of every month reads the whole log.
    std::vector<PartitionInfo> months;
    for (auto& p : list_partitions(ctx, RowCounts::none))
        if (!p.is_default && p.to && *p.to <= cutoff) months.push_back(std::move(p));
    util::ProgressLine progress(ctx.progress_enabled() && !ctx.dry_run() ? &ctx.log().stream() : nullptr,
                                "pruning", static_cast<long long>(months.size()), "months");
    // Each month is archived, checked and dropped on its own: Ctrl-C lets the one in flight finish.
    std::unique_ptr<pqxx::connection> archive_conn;  // the archives' own, opened for the first month archived
    bool one_connection = false;  // none could be opened: each archive is written before its month's transaction
    for (const auto& p : months) {
        const std::string table = db::quote_qualified(ctx.schema(), p.name);
        PruneResult res{p.name, 0, "", "", ctx.dry_run() ? "would drop" : "dropped"};
        if (ctx.dry_run() || !dir) {
            pqxx::read_transaction tx(ctx.db());
            res.rows = count_rows(tx, table);
        }
        if (ctx.dry_run()) {
            results.push_back(res);
            continue;
        }
        std::optional<MonthArchive> archived;
        try {
            if (dir && !archive_conn && !one_connection) {
                try {
                    archive_conn = ctx.new_connection("audit prune archive");
                } catch (const DbUnavailable& e) {
                    // max_connections, or the role's limit: the same result in the order used before
                    // the overlap, archive then cut, each month taking a little longer.
                    one_connection = true;
                    ctx.log().info(fmt::format("no connection free for the archive ({}): archiving each month before "
                                               "cutting its chain",
                                               e.what()));
                }
            }
            if (dir && one_connection) {
                archived = write_month_archive(ctx, ctx.db(), table, p.name, *dir);
                verify_month_archive(*archived);
            }
            with_lock_retry(ctx, "dropping " + p.name, [&](pqxx::work& tx) {
                // The archive is written (and then read back) on a connection and thread of its own
                // while this transaction removes the month's chain rows: the one is the client's
                // and the server's CPU, the other the chain's disk. Done one after the other they
                // took 44-49 s for a month of 2.8M events at 100M with writers appending, overlapped
                // 33 s (measured, runs alternated). The cut is only committed with the drop, so an
                // archive that fails, or a kill, leaves the chain as it was. (An archive from an
                // attempt that timed out on a lock is used again if the month has not changed.)
                std::future<MonthArchive> writing;
                if (dir && !archived) {
                    writing = std::async(std::launch::async, [&, table, name = p.name] {
                        // Behind the application's work on a busy machine, as its compressor is.
                        util::lower_this_thread_priority();
                        MonthArchive a = write_month_archive(ctx, *archive_conn, table, name, *dir);
                        verify_month_archive(a);
                        return a;
                    });
                }
                try {
                    // The chain's prefix goes with the events, before the DETACH: the DETACH locks the
                    // whole log against writers until commit, this only the chain rows it removes.
                    cut_chain(ctx, tx, *p.to);
                    util::failpoint("audit-prune-chain-cut");
                } catch (...) {
                    if (writing.valid()) {
                        try {
                            archived = writing.get();  // kept for the next attempt
                        } catch (...) {
                        }
                    }
                    throw;
                }
                if (writing.valid()) archived = writing.get();  // rethrows what writing or reading back found
                if (archived) {
                    res.archive = archived->path.string();
                    res.sha256 = archived->sha256;
                    res.rows = archived->fp.rows;
                }
                util::failpoint("audit-prune-before-drop");
                // Nothing may have been written to the month since it was archived.
                tx.exec0("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
                if (archived && month_fingerprint(tx, table) != archived->fp)
                    throw Refused(fmt::format("{} changed while it was being archived", p.name),
                                  "re-run prune to archive it again");
                detach_month(ctx, tx, table);
                tx.exec0("DROP TABLE " + table);
                Event ev;
                ev.action = "audit.partition.prune";
                ev.resource_type = "audit_partition";
                ev.resource_id = p.name;
                ev.metadata = {{"rows", res.rows}, {"archived", archived.has_value()}, {"sha256", res.sha256}};
                // Where the events went: what a later GDPR erasure cannot reach (archived_months).
                if (archived) ev.metadata["archive"] = res.archive;
                append(ctx, tx, ev);
            });
        } catch (const Refused&) {
            discard_unused_archive(archived);  // the month changed meanwhile: the re-run archives it whole
            throw;
        } catch (const Busy&) {
            discard_unused_archive(archived);  // the month stayed locked: the re-run archives it again
            throw;
        } catch (const Error&) {
            throw;
        } catch (...) {
            db::rethrow_translated("pruning " + p.name);
        }
        results.push_back(std::move(res));
        progress.update(static_cast<long long>(results.size()));
        if (&p != &months.back())  // after the last one there is nothing left to stop
            util::stop_if_interrupted(fmt::format("pruning {} of {} months (the last: {})", results.size(), months.size(),
                                                  results.back().partition));
    }
    return results;
}

}  // namespace tenantctl::audit
