#include "core/keys/reencrypt.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>
#include <cmath>
#include <ostream>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "core/audit/append.hpp"
#include "core/crypto/hash.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/db/lock_check.hpp"
#include "core/errors.hpp"
#include "core/keys/data_keys.hpp"
#include "core/keys/encrypted_tables.hpp"
#include "core/model/row_access.hpp"
#include "core/model/user_triggers.hpp"
#include "core/keys/usage.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/strings.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/interrupt.hpp"
#include "core/util/progress.hpp"

namespace tenantctl::keys {

namespace {

constexpr const char* kJobKind = kReencryptJob;
constexpr std::size_t kMaxReportedFailures = 100;

using Clock = std::chrono::steady_clock;

// The changed rows of a batch as one PostgreSQL array literal per column (row version, then
// the new token per encrypted column, NULL where it keeps its value), sent as parameters of one UPDATE ... FROM
// unnest(...): no temporary table, no COPY round trips, and the server parses arrays in C.
class ColumnArrays {
public:
    explicit ColumnArrays(std::size_t width) : m_arrays(width, "{") {}
    void add(std::size_t column, const std::optional<std::string>& value) {
        std::string& a = m_arrays[column];
        if (a.size() > 1) a += ',';
        if (!value) {
            a += "NULL";
            return;
        }
        a += '"';
        for (char c : *value) {
            if (c == '"' || c == '\\') a += '\\';
            a += c;
        }
        a += '"';
    }
    std::vector<std::string> finish() {
        for (auto& a : m_arrays) a += '}';
        return std::move(m_arrays);
    }

private:
    std::vector<std::string> m_arrays;
};

// The job row: where the walk stands. `after` is the last primary key done in `table`.
struct Checkpoint {
    int to_version = 0;
    std::string table;                // label; empty = start with the first table
    std::vector<std::string> after;   // empty = from the start of `table`
    std::vector<Failure> failures;

    json to_json() const {
        json f = json::array();
        for (const auto& x : failures) f.push_back({{"table", x.table}, {"column", x.column}, {"pk", x.pk}});
        return {{"to_version", to_version}, {"table", table}, {"after", after}, {"failures", f}};
    }
    static Checkpoint from_json(const json& j) {
        Checkpoint c;
        c.to_version = j.value("to_version", 0);
        c.table = j.value("table", std::string());
        if (j.contains("after") && j["after"].is_array())
            for (const auto& v : j["after"]) c.after.push_back(v.get<std::string>());
        if (j.contains("failures"))
            for (const auto& f : j["failures"])
                c.failures.push_back(Failure{f.value("table", ""), f.value("column", ""), f.value("pk", "")});
        return c;
    }
};

json counts_json(const TenantReencrypt& r) {
    return {{"scanned", r.scanned},
            {"reencrypted", r.reencrypted},
            {"current", r.current},
            {"undecryptable", r.undecryptable},
            {"conflicts", r.conflicts}};
}

void load_counts(TenantReencrypt& r, const json& j) {
    r.scanned = j.value("scanned", 0LL);
    r.reencrypted = j.value("reencrypted", 0LL);
    r.current = j.value("current", 0LL);
    r.undecryptable = j.value("undecryptable", 0LL);
    r.conflicts = j.value("conflicts", 0LL);
}

// Writes the changed rows back with one UPDATE that addresses each row by its identity (the
// key columns, typed by their own types) and compares the token it read: a value the
// application changed meanwhile no longer matches, is left alone and counted as a conflict
// (a re-run picks it up). Rows are matched in key order (the arrays are), so concurrent
// batches and the application's own multi-row updates meet locks in one order as far as
// tenantctl is concerned; a deadlock that still happens is retried by the caller.
// What one batch's UPDATE wrote: rows, and values (a row can carry several encrypted columns).
// A row the app rewrote meanwhile, or whose write a firing trigger cancelled, is in neither.
struct Applied {
    long long rows = 0, values = 0;
};

Applied apply_changes(pqxx::transaction_base& tx, const EncryptedTable& table, const std::string& tenancy_value,
                      const std::vector<std::string>& arrays, bool quiet) {
    std::vector<std::string> unnest_args, names, sets, checks, join, written;
    int n = 2;
    for (std::size_t i = 0; i < table.key.size(); ++i) {
        const model::Column* col = table.relation->column(table.key[i]);
        unnest_args.push_back(fmt::format("${}::{}[]", n++, col ? col->type : "text"));
        names.push_back(fmt::format("k{}", i));
        join.push_back(fmt::format("t.{} = s.k{}", db::quote_ident(table.key[i]), i));
    }
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        unnest_args.push_back(fmt::format("${}::text[]", n++));
        unnest_args.push_back(fmt::format("${}::text[]", n++));
        names.push_back(fmt::format("o{}", i));
        names.push_back(fmt::format("n{}", i));
        const std::string c = db::quote_ident(table.columns[i]);
        sets.push_back(fmt::format("{0} = CASE WHEN s.n{1} IS NULL THEN t.{0} ELSE s.n{1} END", c, i));
        checks.push_back(fmt::format("(s.n{1} IS NULL OR t.{0}::text = s.o{1})", c, i));
        written.push_back(fmt::format("(s.n{} IS NOT NULL)::int", i));
    }
    // RETURNING each row's count of values written, summed here: Citus plans no data-modifying
    // CTE over a distributed table, so the sum cannot be taken by the server.
    const std::string sql = fmt::format(
        "UPDATE {} AS t SET {} FROM unnest({}) AS s({}) WHERE {} AND {} AND {} RETURNING {}", table.sql_name,
        util::join(sets, ", "), util::join(unnest_args, ", "), util::join(names, ", "), util::join(join, " AND "),
        table.predicate, util::join(checks, " AND "), util::join(written, " + "));
    // A prepared, generic plan: planning a custom plan looks inside the 10k-element arrays
    // (tens of ms per batch) and then prefers hashing the whole table over key lookups.
    const std::string statement = "tenantctl_reencrypt_" + crypto::sha256_hex(sql).substr(0, 16);
    // Prepared statements live in a server session: remember them per (connection, backend).
    static thread_local std::map<std::pair<const void*, int>, std::set<std::string>> prepared;
    auto& known = prepared[{&tx.conn(), tx.conn().backendpid()}];
    if (known.insert(statement).second) tx.conn().prepare(statement, sql);
    // Key lookups only; with join types disabled the costs are fake, so JIT (whose threshold
    // reads them) is off too. One round trip for all four.
    tx.exec(std::string("SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_hashjoin = off; "
                        "SET LOCAL enable_mergejoin = off; SET LOCAL jit = off") +
            (quiet ? "; SET LOCAL session_replication_role = replica" : ""));
    auto result = tx.exec_prepared(statement, tenancy_value, pqxx::prepare::make_dynamic_params(arrays));
    // Only this UPDATE: the job's checkpoint and audit event are written as usual.
    if (quiet) tx.exec("SET LOCAL session_replication_role = origin");
    Applied applied{static_cast<long long>(result.size()), 0};
    for (const auto& row : result) applied.values += row[0].as<long long>();
    return applied;
}

// A re-encrypted value decrypts to what it was: to the app nothing changed, so its triggers on
// the table stay quiet during the write (model/user_triggers.hpp): no updated_at bumped on every
// row, no history row per value, no BEFORE UPDATE trigger cancelling the write. Only encrypted
// columns change, and no foreign key is made of Fernet tokens, so the keys a replica skips
// need no check. Which tables get it; the operator hears of triggers that fire anyway.
std::vector<bool> quiet_tables(Context& ctx, pqxx::transaction_base& tx, const std::vector<EncryptedTable>& tables,
                               const std::string& slug, bool fire) {
    std::vector<bool> quiet(tables.size(), false);
    std::optional<bool> may;
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const auto t = model::user_triggers_of(tx, {tables[i].relation});
        std::vector<std::string> firing = t.always;
        firing.insert(firing.end(), t.on_citus.begin(), t.on_citus.end());
        if (!t.quietable.empty()) {
            if (!may && !fire) may = model::may_use_replica_role(tx);
            if (!fire && *may)
                quiet[i] = true;
            else
                firing.insert(firing.end(), t.quietable.begin(), t.quietable.end());
        }
        if (firing.empty() || fire) continue;
        ctx.log().warn(fmt::format(
            "tenant '{}': {} trigger{} of the app fire{} on every re-encrypted row of {} ({}){}", slug, firing.size(),
            firing.size() == 1 ? "" : "s", firing.size() == 1 ? "s" : "", tables[i].label(), util::join(firing, ", "),
            !t.quietable.empty() && !*may
                ? ": this role may not keep them quiet (as a superuser: GRANT SET ON PARAMETER "
                  "session_replication_role TO it)"
                : ""));
    }
    return quiet;
}

// One batch read and re-encrypted, waiting to be written back.
struct PreparedBatch {
    std::size_t table_index = 0;
    std::vector<std::string> after;  // the keyset position the batch started after
    std::vector<std::string> last;   // its last primary key (empty when it had no rows)
    bool table_done = false;         // fewer rows than the batch size: the table is finished
    long long rows = 0, scanned = 0, current = 0, undecryptable = 0;
    long long changed_rows = 0;
    std::vector<std::string> arrays;  // ColumnArrays of the changed rows: key, then old and new tokens
    std::vector<Failure> failures;
};

// Reads batches in key order and re-encrypts them on a thread of its own (see the loop in
// reencrypt_tenant). next() hands them over in order; nullopt when every table is done.
class BatchReader {
public:
    BatchReader(Context& ctx, std::unique_ptr<pqxx::connection> conn, const std::vector<EncryptedTable>& tables,
                const KeyRing& ring, std::string tenancy_value, std::size_t table_index, std::vector<std::string> after,
                long batch_size)
        : m_ctx(ctx), m_conn(std::move(conn)), m_tables(tables), m_ring(ring), m_tenant(std::move(tenancy_value)),
          m_batch_size(batch_size) {
        m_thread = std::thread([this, table_index, after = std::move(after)]() mutable {
            util::block_interrupts_in_this_thread();  // Ctrl-C is the writer's to handle
            run(table_index, std::move(after));
        });
    }
    ~BatchReader() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_changed.notify_all();
        m_thread.join();
    }
    BatchReader(const BatchReader&) = delete;
    BatchReader& operator=(const BatchReader&) = delete;

    std::optional<PreparedBatch> next() {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return !m_queue.empty() || m_done; });
        if (!m_queue.empty()) {
            PreparedBatch b = std::move(m_queue.front());
            m_queue.pop_front();
            m_changed.notify_all();
            return b;
        }
        if (m_error) std::rethrow_exception(m_error);
        return std::nullopt;
    }

private:
    static constexpr std::size_t kAhead = 2;

    void run(std::size_t table_index, std::vector<std::string> after) {
        try {
            while (table_index < m_tables.size()) {
                PreparedBatch b = prepare(table_index, after);
                if (b.table_done) {
                    ++table_index;
                    after.clear();
                } else {
                    after = b.last;
                }
                std::unique_lock lock(m_mutex);
                m_changed.wait(lock, [&] { return m_queue.size() < kAhead || m_stop; });
                if (m_stop) break;
                m_queue.push_back(std::move(b));
                m_changed.notify_all();
            }
        } catch (...) {
            std::lock_guard lock(m_mutex);
            m_error = std::current_exception();
        }
        std::lock_guard lock(m_mutex);
        m_done = true;
        m_changed.notify_all();
    }

    PreparedBatch prepare(std::size_t table_index, const std::vector<std::string>& after) {
        const EncryptedTable& table = m_tables[table_index];
        PreparedBatch b;
        b.table_index = table_index;
        b.after = after;
        std::vector<TokenRow> rows;
        {
            pqxx::read_transaction tx(*m_conn);
            model::enter_tenant(m_ctx, tx, m_tenant);
            rows = read_batch(tx, table, m_tenant, after, m_batch_size);
            tx.commit();
        }
        b.rows = static_cast<long long>(rows.size());
        b.table_done = rows.size() < static_cast<std::size_t>(m_batch_size);
        if (!rows.empty()) b.last = rows.back().key;
        // One array element per changed row: key columns, then (old, new) per encrypted
        // column, both NULL where that column keeps its value.
        const std::size_t nkey = table.key.size();
        ColumnArrays arrays(nkey + 2 * table.columns.size());
        std::vector<std::optional<std::string>> news(table.columns.size());
        for (auto& row : rows) {
            bool changed = false;
            for (std::size_t i = 0; i < row.values.size(); ++i) {
                news[i].reset();
                auto& v = row.values[i];
                if (!v) continue;
                ++b.scanned;
                auto r = crypto::fernet_rotate(m_ring.ptrs, *v);
                switch (r.status) {
                    case crypto::RotateStatus::current:
                        ++b.current;
                        break;
                    case crypto::RotateStatus::rotated:
                        changed = true;
                        news[i] = std::move(r.token);
                        break;
                    case crypto::RotateStatus::invalid:
                        ++b.undecryptable;
                        if (b.failures.size() < kMaxReportedFailures)
                            b.failures.push_back(Failure{table.label(), table.columns[i], format_pk(row.key)});
                        break;
                }
            }
            if (!changed) continue;
            ++b.changed_rows;
            for (std::size_t i = 0; i < nkey; ++i) arrays.add(i, row.key[i]);
            for (std::size_t i = 0; i < row.values.size(); ++i) {
                arrays.add(nkey + 2 * i, news[i] ? row.values[i] : std::nullopt);
                arrays.add(nkey + 2 * i + 1, news[i]);
            }
        }
        if (b.changed_rows > 0) b.arrays = arrays.finish();
        return b;
    }

    Context& m_ctx;
    std::unique_ptr<pqxx::connection> m_conn;
    const std::vector<EncryptedTable>& m_tables;
    const KeyRing& m_ring;
    std::string m_tenant;
    long m_batch_size;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<PreparedBatch> m_queue;
    bool m_done = false;
    bool m_stop = false;
    std::exception_ptr m_error;
    std::thread m_thread;  // last: started once everything above exists
};

}  // namespace

json to_json(const TenantReencrypt& r) {
    json f = json::array();
    for (const auto& x : r.failures) f.push_back({{"table", x.table}, {"column", x.column}, {"pk", x.pk}});
    json j = {{"tenant", r.tenant}, {"job", r.job_id.empty() ? json(nullptr) : json(r.job_id)},
              {"to_version", r.to_version}, {"resumed", r.resumed}, {"completed", r.completed}};
    j.update(counts_json(r));
    j["failures"] = f;
    return j;
}

namespace {

// A deadlock or serialization failure is the application's writes meeting ours: the batch is
// retried (its compare-and-set makes a retry safe) with backoff; what still fails after the
// last attempt is Busy (exit 6), never a raw server error.
template <class F>
void with_retries(Context& ctx, const std::string& what, F&& attempt) {
    constexpr int kAttempts = 6;
    for (int i = 1;; ++i) {
        try {
            attempt();
            return;
        } catch (const pqxx::deadlock_detected&) {
            if (i == kAttempts) throw Busy(fmt::format("{}: deadlock with concurrent writes, {} attempts", what, i),
                                           "run again when the application writes less; the job resumes");
        } catch (const pqxx::serialization_failure&) {
            if (i == kAttempts) throw Busy(fmt::format("{}: serialization failure with concurrent writes, {} attempts", what, i),
                                           "run again when the application writes less; the job resumes");
        }
        ctx.log().debug(fmt::format("{}: retrying after a deadlock (attempt {})", what, i + 1));
        std::this_thread::sleep_for(std::chrono::milliseconds(20 << i));
    }
}

}  // namespace

TenantReencrypt reencrypt_tenant(Context& ctx, const tenants::TenantRef& tenant, const ReencryptOptions& o) {
    EncryptedTables source(ctx);
    return reencrypt_tenant(ctx, source, tenant, o);
}

TenantReencrypt reencrypt_tenant(Context& ctx, EncryptedTables& source, const tenants::TenantRef& tenant,
                                 const ReencryptOptions& o) {
    if (o.batch_size < 1 || o.batch_size > 1000000) throw UsageError("--batch-size must be between 1 and 1000000");
    if (o.max_rate < 0) throw UsageError("--max-rate must not be negative");
    TenantReencrypt result;
    result.tenant = tenant.slug;
    auto lock = ctx.lock("keys:reencrypt:" + tenant.id);
    const std::string jobs = ctx.platform_table("jobs");
    const std::string& value = tenant.tenancy_value;

    // Set-up: keys (proves the master key before anything is written), tables, open job.
    KeyRing ring;
    const std::vector<EncryptedTable>* tables_ptr = nullptr;
    std::vector<bool> quiet;  // per table: its triggers kept quiet
    Checkpoint cp;
    {
        pqxx::work tx(ctx.db());
        ring = load_keyring(ctx, tx, tenant.id);
        tables_ptr = &source.for_tenant(tx, tenant);
        // Row security must not hide a value from re-encryption: refuse up front.
        model::require_unfiltered(tx, source.model_for(tx, tenant));
        quiet = quiet_tables(ctx, tx, *tables_ptr, tenant.slug, o.fire_triggers);
        result.to_version = ring.active_version();
        if (ctx.dry_run()) {
            auto usage = count_usage(ctx, tx, value, *tables_ptr, ring);
            for (const auto& [label, c] : usage.columns)
                for (const auto& [version, n] : c.by_version) {
                    result.scanned += n;
                    (version == result.to_version ? result.current : result.reencrypted) += n;
                }
            result.undecryptable = usage.undecryptable();
            result.scanned += result.undecryptable;
            return result;  // "reencrypted" reads as "would re-encrypt"
        }
        auto open = tx.exec_params(fmt::format("SELECT id::text, cursor::text, counts::text FROM {} WHERE kind = $1 "
                                               "AND tenant_id = $2 AND state = 'running' ORDER BY started_at DESC FOR UPDATE",
                                               jobs),
                                   kJobKind, tenant.id);
        for (const auto& row : open) {
            auto c = Checkpoint::from_json(json::parse(row[1].c_str()));
            if (result.job_id.empty() && c.to_version == result.to_version) {
                result.job_id = row[0].c_str();
                result.resumed = true;
                cp = c;
                load_counts(result, json::parse(row[2].c_str()));
            } else {
                // Made for another active version (a rotation happened since): start afresh.
                tx.exec_params(fmt::format("UPDATE {} SET state = 'cancelled', finished_at = now(), updated_at = now(), "
                                           "error = 'superseded: the active key version changed' WHERE id = $1::uuid",
                                           jobs),
                               row[0].c_str());
            }
        }
        if (result.resumed) ctx.log().info(fmt::format("resuming re-encryption job {} of tenant '{}'", result.job_id, tenant.slug));
        cp.to_version = result.to_version;
        tx.commit();
    }
    const std::vector<EncryptedTable>& tables = *tables_ptr;
    result.failures = cp.failures;

    // Where to start: the checkpoint's table, or the first if the data map no longer has it.
    std::size_t table_index = 0;
    if (!cp.table.empty()) {
        auto it = std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.label() == cp.table; });
        if (it == tables.end()) {
            ctx.log().warn(fmt::format("table {} of the checkpoint is no longer in the data map; starting over", cp.table));
            cp.after.clear();
        } else {
            table_index = static_cast<std::size_t>(it - tables.begin());
        }
    }

    long long total_rows = 0;
    if (ctx.progress_enabled()) {
        pqxx::read_transaction tx(ctx.db());
        model::enter_tenant(ctx, tx, value);
        for (const auto& t : tables)
            total_rows += tx.exec_params1(fmt::format("SELECT count(*) FROM {} t WHERE {}", t.sql_name, t.predicate), value)[0]
                              .as<long long>();
    }
    util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr,
                                "re-encrypting " + tenant.slug, total_rows);
    util::InterruptScope interrupts;
    const auto started = Clock::now();
    long long rows_this_run = 0;

    // The job row is written with the first batch that changes a value: a run with nothing to
    // re-encrypt leaves no job and no audit event behind (maintain runs it every night).
    auto open_job = [&](pqxx::transaction_base& tx) {
        if (!result.job_id.empty()) return;
        result.job_id = tx.exec_params1(fmt::format("INSERT INTO {} (kind, tenant_id, target, cursor, counts, actor) "
                                                    "VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) RETURNING id::text",
                                                    jobs),
                                        kJobKind, tenant.id, "encrypted columns", cp.to_json().dump(),
                                        counts_json(result).dump(), ctx.actor())[0]
                            .c_str();
        audit::Event ev;
        ev.tenant_id = tenant.id;
        ev.action = "keys.reencrypt.start";
        ev.resource_type = "job";
        ev.resource_id = result.job_id;
        ev.metadata = {{"to_version", result.to_version}, {"tables", tables.size()}};
        audit::append(ctx, tx, ev);
    };

    // A reader thread on its own connection reads batch N+1 and does its crypto while this
    // thread writes batch N back and commits it with its checkpoint: the server's write work
    // and the client's crypto overlap. Only this thread writes; the reader is never more than
    // two batches ahead, and whatever it prepared but was not committed is simply read again
    // by the next run (its rows are disjoint from the batches in flight, and the
    // compare-and-set write protects against any change in between).
    BatchReader reader(ctx, ctx.new_connection("reencrypt reader"), tables, ring, value, table_index, cp.after,
                       o.batch_size);
    std::chrono::duration<double> t_wait{0}, t_write{0};
    for (;;) {
        auto t0 = Clock::now();
        std::optional<PreparedBatch> batch = reader.next();
        auto t1 = Clock::now();
        t_wait += t1 - t0;
        if (!batch) break;
        const EncryptedTable& table = tables[batch->table_index];
        const TenantReencrypt before = result;
        const Checkpoint cp_before = cp;
        bool finished = false;
        with_retries(ctx, fmt::format("re-encrypting {} of tenant '{}'", table.label(), tenant.slug), [&] {
            result = before;
            cp = cp_before;
            pqxx::work tx(ctx.db());
            Applied applied;
            if (batch->changed_rows > 0) {
                open_job(tx);
                model::enter_tenant(ctx, tx, value);
                const long long wanted = batch->changed_rows;
                applied = apply_changes(tx, table, value, batch->arrays, quiet[batch->table_index]);
                // Rows the application rewrote meanwhile keep the application's value; a re-run
                // re-checks them. (`reencrypted` counts values written, `conflicts` rows.)
                if (applied.rows < wanted) result.conflicts += wanted - applied.rows;
            }
            result.scanned += batch->scanned;
            result.current += batch->current;
            result.reencrypted += applied.values;
            result.reencrypted_this_run += applied.values;
            result.undecryptable += batch->undecryptable;
            for (const auto& f : batch->failures)
                if (result.failures.size() < kMaxReportedFailures) result.failures.push_back(f);

            // Advance the checkpoint in the same transaction as the batch.
            std::size_t table_index_after = batch->table_index;
            if (batch->table_done) {
                ++table_index_after;
                cp.after.clear();
                cp.table = table_index_after < tables.size() ? tables[table_index_after].label() : std::string();
            } else {
                cp.table = table.label();
                cp.after = batch->last;
            }
            cp.failures = result.failures;
            finished = table_index_after >= tables.size();
            if (!result.job_id.empty()) {
                // The finishing columns are chosen here, not by a CASE around now(): Citus
                // refuses a volatile function inside CASE in an UPDATE of a reference table.
                tx.exec_params(fmt::format("UPDATE {} SET cursor = $2::jsonb, counts = $3::jsonb, heartbeat_at = now(), "
                                           "updated_at = now(){} WHERE id = $1::uuid",
                                           jobs, finished ? ", state = 'done', finished_at = now()" : ", finished_at = NULL"),
                               result.job_id, cp.to_json().dump(), counts_json(result).dump());
                if (finished) {
                    audit::Event ev;
                    ev.tenant_id = tenant.id;
                    ev.action = "keys.reencrypt";
                    ev.resource_type = "job";
                    ev.resource_id = result.job_id;
                    ev.metadata = counts_json(result);
                    ev.metadata["to_version"] = result.to_version;
                    audit::append(ctx, tx, ev);
                }
            }
            util::failpoint("reencrypt.before-commit");
            db::verify_held_locks();  // a lost lock stops the run (exit 7); the checkpoint resumes it
            tx.commit();
        });
        t_write += Clock::now() - t1;
        result.completed = finished;

        rows_this_run += batch->rows;
        progress.update(rows_this_run);
        if (finished) break;
        util::stop_if_interrupted(fmt::format("re-encrypting {} values of tenant '{}' (job {})",
                                              result.reencrypted_this_run, tenant.slug, result.job_id));
        if (o.deadline && ctx.now() >= *o.deadline) {
            ctx.log().info(fmt::format("stopping re-encryption of tenant '{}' at the deadline; the next run resumes",
                                       tenant.slug));
            break;
        }
        if (o.max_rate > 0) {
            // Sleep until this run's average is back under the limit.
            const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
            const double due = static_cast<double>(rows_this_run) / o.max_rate;
            if (due > elapsed) std::this_thread::sleep_for(std::chrono::duration<double>(due - elapsed));
        }
    }
    if (tables.empty()) result.completed = true;
    ctx.log().debug(fmt::format("re-encryption of '{}': waited {:.3f} s for the reader, wrote for {:.3f} s", tenant.slug,
                                t_wait.count(), t_write.count()));
    return result;
}

Records reencrypt(Context& ctx, const ReencryptOptions& o) {
    platform::require_current(ctx);
    auto targets = target_tenants(ctx, o.tenant, o.all);
    const auto started = Clock::now();
    json tenants_json = json::array();
    std::size_t failed = 0;
    long long undecryptable = 0, values = 0, rewritten = 0;
    std::string first_error;
    EncryptedTables source(ctx);
    for (const auto& t : targets) {
        try {
            auto r = reencrypt_tenant(ctx, source, t, o);
            undecryptable += r.undecryptable;
            values += r.scanned;
            rewritten += r.reencrypted;
            for (const auto& f : r.failures)
                ctx.log().error(fmt::format("tenant '{}': value in {}.{} with primary key {} does not decrypt under any "
                                            "of the tenant's keys; left untouched",
                                            t.slug, f.table, f.column, f.pk));
            if (r.conflicts > 0)
                ctx.log().warn(fmt::format("tenant '{}': {} row(s) changed while being re-encrypted; run again to "
                                           "finish them",
                                           t.slug, r.conflicts));
            tenants_json.push_back(to_json(r));
        } catch (const Error& e) {
            if (!o.all || e.code() == Exit::aborted) throw;  // Ctrl-C ends the run, not just this tenant
            ++failed;
            if (first_error.empty()) first_error = fmt::format("{}: {}", t.slug, e.what());
            ctx.log().error(fmt::format("re-encrypting tenant '{}' failed: {}", t.slug, e.what()));
            tenants_json.push_back({{"tenant", t.slug}, {"error", e.what()}});
            ctx.reset_db();
        } catch (const pqxx::failure&) {
            if (!o.all) db::rethrow_translated("re-encrypting tenant '" + t.slug + "'");
            ++failed;
            ctx.log().error(fmt::format("re-encrypting tenant '{}' failed with a database error", t.slug));
            tenants_json.push_back({{"tenant", t.slug}, {"error", "database error"}});
            ctx.reset_db();
        }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    json doc = {{"dry_run", ctx.dry_run()},
                {"tenants", tenants_json},
                {"totals",
                 {{"tenants", targets.size()},
                  {"failed_tenants", failed},
                  {"values", values},
                  {"reencrypted", rewritten},
                  {"undecryptable", undecryptable}}},
                {"elapsed_seconds", std::round(elapsed * 1000) / 1000},
                {"values_per_second", elapsed > 0 ? std::round(static_cast<double>(values) / elapsed) : 0.0}};
    Records r = Records::doc(doc);
    if (failed > 0) {
        r.exit = Exit::partial;
        r.failure = fmt::format("{} of {} tenant(s) failed (first: {})", failed, targets.size(), first_error);
    } else if (undecryptable > 0 && !ctx.dry_run()) {
        r.exit = Exit::integrity;
        r.failure = fmt::format("{} value(s) did not decrypt and were left untouched", undecryptable);
    } else if (undecryptable > 0) {
        r.exit = Exit::integrity;
        r.failure = fmt::format("{} value(s) would not decrypt", undecryptable);
    }
    return r;
}

}  // namespace tenantctl::keys
