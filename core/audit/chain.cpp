#include "core/audit/chain.hpp"

#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <map>
#include <mutex>
#include <thread>

#include <pqxx/tablewriter>

#include "core/audit/append.hpp"
#include "core/audit/chain_events.hpp"
#include "core/audit/chain_hash.hpp"
#include "core/audit/chain_rows.hpp"
#include "core/audit/query.hpp"
#include "core/context.hpp"
#include "core/db/lock_check.hpp"
#include "core/crypto/envelope.hpp"
#include "core/crypto/random.hpp"
#include "core/db/copy_text.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/util/interrupt.hpp"
#include "core/util/progress.hpp"
#include "core/keys/master_key_check.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/duration.hpp"

namespace tenantctl::audit {

namespace {

struct Target {
    std::string id;
    std::string label;
};

std::vector<Target> targets(Context& ctx, pqxx::transaction_base& tx, const Scope& scope) {
    if (scope.tenant_slug) {
        auto t = tenants::resolve(ctx, tx, *scope.tenant_slug);
        return {{t.id, t.slug}};
    }
    std::vector<Target> out{{kPlatformTenant, "(platform)"}};
    for (const auto& r : tx.exec(fmt::format("SELECT id::text, slug FROM {} ORDER BY slug", ctx.platform_table("tenants"))))
        out.push_back({r[0].c_str(), r[1].c_str()});
    return out;
}

// Makes `tx` print timestamps the way parse_utc_timestamp (chain_rows.hpp) reads them.
void use_utc_iso_timestamps(pqxx::transaction_base& tx) {
    tx.exec0("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'");
}

// The fields of a result row, as event_from_fields reads a COPY line.
bool event_from_row(const pqxx::row& r, std::string_view tenant_id, CopyFields& fields, ChainEvent& e) {
    fields.clear();
    for (const auto& f : r)
        fields.push_back(f.is_null() ? std::nullopt : std::optional<std::string_view>(std::string_view(f.c_str(), f.size())));
    return event_from_fields(fields, tenant_id, e);
}

struct Head {
    std::int64_t seq = 0;
    std::optional<Position> pos;  // nullopt: before the first event
    Digest hash{};
};

Head chain_head(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    Head h;
    h.hash = genesis(tenant_id);
    // The newest of: the last chain row, a prune anchor (the chain's start after pruning).
    auto rows = tx.exec_params(
        fmt::format("SELECT seq, (extract(epoch FROM occurred_at) * 1000000)::bigint, event_id, encode(hash, 'hex') "
                    "FROM {0} WHERE tenant_id = $1::uuid AND seq = (SELECT max(seq) FROM {0} WHERE tenant_id = $1::uuid) "
                    "UNION ALL "
                    "SELECT seq, (extract(epoch FROM occurred_at) * 1000000)::bigint, event_id, encode(head, 'hex') "
                    "FROM {1} WHERE tenant_id = $1::uuid AND kind = 'prune' "
                    "ORDER BY 1 DESC LIMIT 1",
                    ctx.platform_table("audit_chain"), ctx.platform_table("audit_seals")),
        tenant_id);
    if (rows.empty()) return h;
    h.seq = rows[0][0].as<std::int64_t>();
    if (!rows[0][1].is_null()) h.pos = Position{rows[0][1].as<std::int64_t>(), rows[0][2].as<std::int64_t>()};
    h.hash = *digest_from_hex(rows[0][3].c_str());
    return h;
}

// How long sealing waits before an event may be sealed: events of transactions still open
// can commit later with an earlier occurred_at, which would then look back-dated.
std::string horizon(pqxx::transaction_base& tx, const util::Duration& settle) {
    auto r = tx.exec_params1(
        "SELECT to_char(least(now() - $1::interval, "
        "  (SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
        "     AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)) AT TIME ZONE 'UTC', "
        "  'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
        util::to_pg_interval(settle));
    return r[0].c_str();
}

}  // namespace

crypto::SecureBytes tenant_audit_key(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                     bool create) {
    const std::string table = ctx.platform_table("audit_keys");
    auto read = [&]() -> std::optional<crypto::SecureBytes> {
        auto rows = tx.exec_params(fmt::format("SELECT wrapped_key, kek_id FROM {} WHERE tenant_id = $1::uuid", table),
                                   tenant_id);
        if (rows.empty()) return std::nullopt;
        const auto& mk = ctx.master_key();
        if (rows[0][1].c_str() != mk.id)
            throw IntegrityError(fmt::format("the audit key of tenant {} is wrapped by master key {}, not by the "
                                             "configured one ({})",
                                             tenant_id, rows[0][1].c_str(), mk.id),
                                 "configure the master key this database uses now (after keys rewrap: the new one)");
        pqxx::binarystring wrapped(rows[0][0]);
        return crypto::unwrap(mk.key, wrapped.str(), crypto::audit_key_aad(tenant_id));
    };
    if (auto k = read()) return std::move(*k);
    if (!create) return {};
    // A tenant's first audit key: it must be wrapped by the master key the stored keys were
    // made with, or this tenant's chain would be lost with a mistyped key (exit 8 instead).
    const auto& mk = keys::checked_master_key(ctx, tx);
    crypto::SecureBytes key(32);
    crypto::random_fill(key.data(), key.size());
    std::string wrapped = crypto::wrap(mk.key, key.view(), crypto::audit_key_aad(tenant_id));
    tx.exec_params0(fmt::format("INSERT INTO {} (tenant_id, wrapped_key, kek_id) VALUES ($1::uuid, $2, $3) "
                                "ON CONFLICT (tenant_id) DO NOTHING",
                                table),
                    tenant_id, pqxx::binarystring(wrapped), mk.id);
    return std::move(*read());  // another sealer may have won the race: use what is stored
}

namespace {

// What the seal workers share: the next tenant to take, a stop flag set by the first failure,
// the count for the run's own audit event, and the log (a Logger is not thread-safe).
struct SealShared {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> sealed_other{0};  // sealed events that are not themselves audit.seal events
    std::mutex log_mutex;
};

// One ledger row as a COPY text line: tenant_id, seq, occurred_at (as the event's text),
// event_id, hash (bytea hex, its backslash escaped for COPY).
void append_ledger_line(std::string& out, std::string_view tenant_id, std::int64_t seq, std::string_view occurred_at,
                        std::int64_t event_id, const Digest& hash) {
    static constexpr char kHex[] = "0123456789abcdef";
    char digits[24];
    out += tenant_id;
    out += '\t';
    out.append(digits, static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, seq).ptr - digits));
    out += '\t';
    out += occurred_at;
    out += '\t';
    out.append(digits, static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, event_id).ptr - digits));
    out += "\t\\\\x";
    for (unsigned char b : hash) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    out += '\n';
}

// The ledger rows of a batch into the chain, line by line. (tablewriter is libpqxx 6.4's public
// way to write a COPY line as it is; see core/portability/pipe.hpp.)
void write_ledger(pqxx::transaction_base& tx, const std::string& chain_table, std::string_view ledger) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    pqxx::tablewriter out(tx, chain_table + " (tenant_id, seq, occurred_at, event_id, hash)");
#pragma GCC diagnostic pop
    std::string line;
    for (std::size_t at = 0; at < ledger.size();) {
        const std::size_t end = ledger.find('\n', at);
        line.assign(ledger.substr(at, end - at));
        out.write_raw_line(line);
        at = end + 1;
    }
    out.complete();
}

// Extends one tenant's chain on `conn`, batch by batch, each batch one transaction with its
// checkpoint: a failure or a kill keeps every committed batch, and the next run resumes there.
SealResult seal_tenant(Context& ctx, pqxx::connection& conn, const Target& t, const SealOptions& o,
                       SealShared& shared) {
    SealResult res{t.id, t.label, 0, 0, ""};
    const std::string chain_table = ctx.platform_table("audit_chain");
    while (!shared.stop.load()) {
        pqxx::work tx(conn);
        const std::string until = horizon(tx, o.settle);
        Head head = chain_head(ctx, tx, t.id);
        res.head_seq = head.seq;
        if (head.seq > 0) res.head = digest_hex(head.hash);
        std::string after_time = head.pos ? util::format_rfc3339_micro(from_micros(head.pos->occurred_us))
                                          : std::string("-infinity");
        std::int64_t after_id = head.pos ? head.pos->id : INT64_MAX;
        // Read the index in order, never sort a month. A plan that must still sort (the
        // master-key check's UNION) then costs over jit_above_cost and would be JIT-compiled:
        // 100 ms per tenant, measured. The costs are fake, so is JIT's case for compiling.
        tx.exec0("SET LOCAL enable_sort = off; SET LOCAL jit = off");
        use_utc_iso_timestamps(tx);
        // The batch comes in as COPY text lines and its ledger rows go out as COPY text lines:
        // no per-field conversions in libpqxx, and an event's occurred_at goes into the ledger
        // as the text it came in (UTC, ISO). Measured on a 2.4M-event seal, those conversions
        // were a third of the client's time. COPY takes no parameters: the values are quoted
        // literals. The lines are kept until the stream ends (at most o.batch of a few hundred
        // bytes), since the key is read only for a tenant with something to seal and no other
        // query can run during a COPY.
        const std::string after = tx.quote(after_time);
        pqxx::stream_from events(
            tx, fmt::format("(SELECT {} FROM {} WHERE tenant_id = {}::uuid AND occurred_at >= {}::timestamptz "
                            "AND (occurred_at > {}::timestamptz OR id < {}) AND occurred_at < {}::timestamptz "
                            "ORDER BY occurred_at, id DESC LIMIT {})",
                            kChainEventColumns, ctx.platform_table("audit_log"), tx.quote(t.id), after, after,
                            after_id, tx.quote(until), o.batch));
        std::string batch;  // the events' lines, each ending in '\n'
        std::int64_t read = 0;
        std::string line;
        while (events.get_raw_line(line)) {
            batch += line;
            if (batch.empty() || batch.back() != '\n') batch += '\n';
            ++read;
        }
        events.complete();
        if (read == 0) break;
        if (ctx.dry_run()) {
            res.sealed += read;
            if (read < o.batch) break;
            std::lock_guard<std::mutex> guard(shared.log_mutex);
            ctx.log().info(fmt::format("dry run: {} has at least {} events to seal", t.label, res.sealed));
            break;
        }
        Committer committer(tenant_audit_key(ctx, tx, t.id, true));
        Digest h = head.hash;
        std::int64_t seq = head.seq;
        std::int64_t other = 0;
        Position last;
        std::string ledger;  // the batch's ledger rows, each ending in '\n'
        {
            CopyFields fields;
            ChainEvent e;
            for (std::size_t at = 0; at < batch.size();) {
                const std::size_t end = batch.find('\n', at);
                line.assign(batch, at, end - at);
                at = end + 1;
                if (!db::split_copy_line(line, kChainEventFieldCount, fields) || !event_from_fields(fields, t.id, e))
                    throw IntegrityError("an audit event cannot be read for sealing", "run `tenantctl doctor`");
                if (e.action != "audit.seal") ++other;
                h = chain_next(h, leaf_hash(e, committer));
                ++seq;
                last = {e.occurred_us, e.id};
                append_ledger_line(ledger, t.id, seq, *fields[1], e.id, h);
            }
        }
        write_ledger(tx, chain_table, ledger);
        tx.exec_params0(fmt::format("INSERT INTO {} (tenant_id, seq, occurred_at, event_id, head, kind, actor) "
                                    "VALUES ($1::uuid, $2, $3::timestamptz, $4, decode($5, 'hex'), 'seal', $6)",
                                    ctx.platform_table("audit_seals")),
                        t.id, seq, util::format_rfc3339_micro(from_micros(last.occurred_us)), last.id, digest_hex(h),
                        ctx.actor());
        db::verify_held_locks();  // a lost 'audit-seal' lock: another sealer may be extending this chain
        tx.commit();
        shared.sealed_other += other;
        res.sealed += read;
        res.head_seq = seq;
        res.head = digest_hex(h);
        if (read < o.batch) break;
        if (ctx.progress_enabled()) {
            std::lock_guard<std::mutex> guard(shared.log_mutex);
            ctx.log().info(fmt::format("{}: {} events sealed", t.label, res.sealed));
        }
    }
    return res;
}

}  // namespace

std::vector<SealResult> seal(Context& ctx, const SealOptions& o) {
    auto lock = ctx.dry_run() ? nullptr : ctx.lock("audit-seal");
    std::vector<SealResult> results;
    SealShared shared;
    try {
        auto& conn = ctx.db();
        std::vector<Target> list;
        {
            pqxx::read_transaction tx(conn);
            list = targets(ctx, tx, o.scope);
        }
        // Tenants' chains are independent: each worker takes the next tenant on its own
        // connection, so the server's reads and COPYs and the client's hashing overlap.
        std::vector<std::unique_ptr<pqxx::connection>> extra;
        const std::size_t jobs = std::min<std::size_t>(static_cast<std::size_t>(std::max(o.parallel, 1)), list.size());
        for (std::size_t w = 1; w < jobs; ++w) {
            try {
                extra.push_back(ctx.new_connection(fmt::format("seal worker {}", w + 1)));
            } catch (const DbUnavailable&) {
                break;  // no free connection (max_connections, the role's limit): fewer workers, same result
            }
        }
        results.resize(list.size());
        std::vector<std::exception_ptr> errors(list.size());
        std::atomic<long long> tenants_done{0};
        util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "sealing",
                                    static_cast<long long>(list.size()), "tenants");
        // Each tenant's seal commits on its own: Ctrl-C lets the tenants in flight finish.
        util::InterruptScope interrupts;
        auto work = [&](pqxx::connection& c, bool draws_progress) {
            for (std::size_t i; (i = shared.next.fetch_add(1)) < list.size();) {
                if (shared.stop.load() || util::pending_interrupt()) break;
                try {
                    results[i] = seal_tenant(ctx, c, list[i], o, shared);
                    ++tenants_done;
                    if (draws_progress) progress.update(tenants_done.load());  // one thread draws
                } catch (...) {
                    errors[i] = std::current_exception();
                    shared.stop.store(true);
                }
            }
        };
        {
            std::vector<std::thread> threads;
            for (auto& c : extra)
                threads.emplace_back([&work, c = c.get()] {
                    util::block_interrupts_in_this_thread();
                    work(*c, false);
                });
            work(conn, true);
            for (auto& t : threads) t.join();
        }
        progress.update(tenants_done.load());
        for (auto& e : errors)  // the first tenant's failure, in tenant order
            if (e) std::rethrow_exception(e);
        util::stop_if_interrupted(fmt::format("sealing {} of {} tenants' chains", tenants_done.load(), list.size()));
        std::int64_t total = 0;
        for (const auto& r : results) total += r.sealed;
        // Only a seal that covered other events is worth an event of its own: one that only
        // sealed the previous run's audit.seal event would append another for the next run,
        // and a seal from cron every minute on a quiet log would never settle.
        if (!ctx.dry_run() && shared.sealed_other.load() > 0) {
            pqxx::work tx(conn);
            Event ev;
            ev.tenant_id = o.scope.tenant_slug && !results.empty() ? std::optional(results[0].tenant_id) : std::nullopt;
            ev.action = "audit.seal";
            ev.resource_type = "audit_chain";
            ev.metadata = {{"events_sealed", total}, {"tenants", results.size()}};
            append(ctx, tx, ev);
            tx.commit();
        }
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("sealing the audit log");
    }
    return results;
}

namespace {

// Chain order: occurred_at ascending, ties by id descending (see chain_hash.hpp).
bool after(const Position& a, const Position& b) {
    return a.occurred_us > b.occurred_us || (a.occurred_us == b.occurred_us && a.id < b.id);
}

struct Problem {
    std::string problem, detail;
    std::optional<std::int64_t> event_id, seq;
    std::string occurred_at;
};

// A stretch of the chain: the events after `from` up to and including `to`, whose ledger rows
// are from.seq+1 .. to.seq. Stretches verify independently: each recomputes every hash of
// its own ledger rows, and the next one starts from the stored hash of this one's last row,
// which this one has checked. So a long chain is split and checked on two cores.
struct Stretch {
    Head from;
    Head to;
};

struct StretchOutcome {
    std::int64_t verified = 0;
    std::optional<Problem> problem;
};

// Walks one stretch: its ledger rows in seq order beside its events in chain order, each
// recomputed and compared. `next_ledger(LedgerRow&)` and `next_event(ChainEvent&)` give the
// next row, false at the end; events outside the stretch are passed over here.
template <class NextLedger, class NextEvent>
StretchOutcome walk_stretch(const Stretch& stretch, Committer& committer,
                            const std::map<std::int64_t, Digest>& checkpoints, NextLedger next_ledger_row,
                            NextEvent next_event_row) {
    StretchOutcome out;
    LedgerRow l;
    ChainEvent e;
    bool have_l = false, have_e = false;
    auto next_ledger = [&]() { have_l = next_ledger_row(l); };
    const Position end_pos = *stretch.to.pos;
    auto next_event = [&]() {
        while ((have_e = next_event_row(e))) {
            Position p{e.occurred_us, e.id};
            if (stretch.from.pos && !after(p, *stretch.from.pos)) continue;  // at or before the start
            if (after(p, end_pos)) continue;  // sealed after this snapshot, or in the next stretch
            return;
        }
    };
    auto stop = [&](std::string problem, std::string detail, std::optional<std::int64_t> event_id,
                    std::optional<std::int64_t> seq, std::string occurred_at) {
        out.problem = Problem{std::move(problem), std::move(detail), event_id, seq, std::move(occurred_at)};
        return out;
    };

    Digest prev = stretch.from.hash;
    std::int64_t expect = stretch.from.seq + 1;
    next_ledger();
    next_event();
    while (have_l || have_e) {
        if (have_l && l.seq != expect)
            return stop("ledger", fmt::format("chain rows {}..{} are missing", expect, l.seq - 1), std::nullopt, expect, "");
        Position lp = have_l ? Position{l.occurred_us, l.event_id} : Position{};
        Position ep = have_e ? Position{e.occurred_us, e.id} : Position{};
        if (have_l && (!have_e || after(ep, lp)))
            return stop("deleted", "a sealed event is missing", l.event_id, l.seq, micros_text(l.occurred_us));
        if (have_e && (!have_l || after(lp, ep)))
            return stop("inserted", "an event appeared inside the sealed range", e.id, std::nullopt,
                        micros_text(e.occurred_us));
        const Digest h = chain_next(prev, leaf_hash(e, committer));
        if (h != l.hash)
            return stop("modified", "the event no longer matches its sealed hash", e.id, l.seq, micros_text(e.occurred_us));
        if (auto cp = checkpoints.find(l.seq); cp != checkpoints.end() && cp->second != l.hash)
            return stop("checkpoint", "the chain differs from the checkpoint recorded when it was sealed", e.id, l.seq,
                        micros_text(e.occurred_us));
        prev = h;
        ++expect;
        ++out.verified;
        next_ledger();
        next_event();
    }
    if (expect <= stretch.to.seq)
        return stop("ledger", fmt::format("chain rows {}..{} are missing", expect, stretch.to.seq), std::nullopt, expect,
                    "");
    return out;
}

// The connections of one `audit verify`, opened when first needed and reused for every
// tenant (with --all, a fresh set per tenant would cost more than checking small chains).
class VerifyConnections {
public:
    explicit VerifyConnections(Context& ctx) : m_ctx(ctx) {}
    pqxx::connection& main() { return get(0); }
    // The ledger and events connections of stretch `i`.
    pqxx::connection& ledger(std::size_t i) { return get(1 + 2 * i); }
    pqxx::connection& events(std::size_t i) { return get(2 + 2 * i); }

private:
    pqxx::connection& get(std::size_t k) {
        if (m_conns.size() <= k) m_conns.resize(k + 1);
        if (!m_conns[k]) m_conns[k] = m_ctx.new_connection("audit verify");
        return *m_conns[k];
    }
    Context& m_ctx;
    std::vector<std::unique_ptr<pqxx::connection>> m_conns;
};

// One stretch, on its own two connections (ledger and events) that share the run's snapshot.
class StretchCheck {
public:
    StretchCheck(Context& ctx, const std::string& tenant_id, const Stretch& stretch, const crypto::SecureBytes& key,
                 const std::map<std::int64_t, Digest>& checkpoints, const std::string& snapshot,
                 pqxx::connection& ledger_conn, pqxx::connection& events_conn, std::int64_t by_month_above)
        : m_ctx(ctx),
          m_tenant(tenant_id),
          m_stretch(stretch),
          m_committer(key),
          m_checkpoints(checkpoints),
          m_by_month_above(by_month_above) {
        for (auto* c : {&ledger_conn, &events_conn}) {
            m_tx.push_back(std::make_unique<Snapshot>(*c));
            m_tx.back()->exec0("SET TRANSACTION SNAPSHOT " + m_tx.back()->quote(snapshot));
            use_utc_iso_timestamps(*m_tx.back());
        }
        // The ledger walks its index in order. Left to itself the planner reads the ledger of
        // a big tenant with a parallel scan of the whole chain table plus a sort (the tenant's
        // rows are contiguous, but tenant_id's correlation says otherwise): measured, that was
        // most of verify's server time. With plan types disabled, costs are fake, so JIT (whose
        // threshold reads them) is off too. (The events: see ChainOrderEvents.)
        m_tx[0]->exec0("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
                       "SET LOCAL enable_sort = off; SET LOCAL max_parallel_workers_per_gather = 0; "
                       "SET LOCAL jit = off");
    }

    StretchOutcome run() {
        auto& ledger_tx = *m_tx[0];
        auto& events_tx = *m_tx[1];
        const std::string tid = ledger_tx.quote(m_tenant);  // COPY takes no parameters: quoted literals
        pqxx::stream_from ledger(
            ledger_tx, fmt::format("(SELECT {} FROM {} WHERE tenant_id = {}::uuid AND seq > {} AND seq <= {} ORDER BY seq)",
                                   kLedgerColumns, m_ctx.platform_table("audit_chain"), tid, m_stretch.from.seq,
                                   m_stretch.to.seq));
        ChainOrderEvents events(m_ctx, events_tx, m_tenant,
                                m_stretch.from.pos ? std::optional<std::int64_t>(m_stretch.from.pos->occurred_us)
                                                   : std::nullopt,
                                m_stretch.to.pos->occurred_us, m_stretch.to.seq - m_stretch.from.seq, m_by_month_above);

        std::string line;
        CopyFields fields;
        auto next_ledger = [&](LedgerRow& l) {
            if (!ledger.get_raw_line(line)) return false;
            if (!(db::split_copy_line(line, 4, fields) && ledger_from_fields(fields, l)))
                throw IntegrityError("a row of the audit chain ledger cannot be read", "run `tenantctl doctor`");
            return true;
        };
        auto next_event = [&](ChainEvent& e) {
            if (!events.next(line)) return false;
            if (!db::split_copy_line(line, kChainEventFieldCount, fields) || !event_from_fields(fields, m_tenant, e))
                throw IntegrityError("an audit event cannot be read for verification", "run `tenantctl doctor`");
            return true;
        };
        return walk_stretch(m_stretch, m_committer, m_checkpoints, next_ledger, next_event);
    }

private:
    using Snapshot = pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::read_only>;
    Context& m_ctx;
    std::string m_tenant;
    Stretch m_stretch;
    Committer m_committer;
    const std::map<std::int64_t, Digest>& m_checkpoints;
    std::int64_t m_by_month_above;
    std::vector<std::unique_ptr<Snapshot>> m_tx;
};

class VerifyRun {
public:
    VerifyRun(Context& ctx, VerifyConnections& conns, const Target& t, const VerifyOptions& o)
        : m_ctx(ctx), m_conns(conns), m_target(t), m_opts(o) {
        m_result.tenant_id = t.id;
        m_result.tenant = t.label;
    }

    VerifyResult run() {
        // Every connection reads one snapshot, exported here.
        pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::read_only> tx(m_conns.main());
        const std::string snapshot = tx.exec1("SELECT pg_export_snapshot()")[0].c_str();

        Head end = chain_head(m_ctx, tx, m_target.id);
        auto last = tx.exec_params(fmt::format("SELECT max(seq) FROM {} WHERE tenant_id = $1::uuid",
                                               m_ctx.platform_table("audit_chain")),
                                   m_target.id);
        if (last[0][0].is_null()) {
            // No chain rows: never sealed, or every sealed event was pruned (its anchor says so,
            // and the next seal goes on from it). Only the first is "unsealed".
            const bool pruned = tx.exec_params1(fmt::format("SELECT EXISTS (SELECT 1 FROM {} WHERE tenant_id = $1::uuid "
                                                            "AND kind = 'prune')",
                                                            m_ctx.platform_table("audit_seals")),
                                                m_target.id)[0]
                                    .as<bool>();
            m_result.status = pruned ? "ok" : "unsealed";
            return m_result;
        }
        auto key = tenant_audit_key(m_ctx, tx, m_target.id, false);
        if (key.empty()) return broken({"chain_start", "the tenant's audit key is missing", std::nullopt, std::nullopt, ""});
        auto start = start_point(tx);
        if (!start) return m_result;
        std::map<std::int64_t, Digest> checkpoints;
        for (const auto& r : tx.exec_params(
                 fmt::format("SELECT seq, encode(head, 'hex') FROM {} WHERE tenant_id = $1::uuid AND kind = 'seal' "
                             "AND seq > $2",
                             m_ctx.platform_table("audit_seals")),
                 m_target.id, start->seq))
            if (auto d = digest_from_hex(r[1].c_str())) checkpoints[r[0].as<std::int64_t>()] = *d;
        if (end.seq <= start->seq) {
            m_result.status = "ok";
            return m_result;
        }

        // Two stretches split at the middle ledger row when the chain is long.
        std::vector<Stretch> stretches{{*start, end}};
        // (Below split_above events one stretch is quicker than opening two more connections.)
        if (end.seq - start->seq > m_opts.split_above) {
            const std::int64_t mid = start->seq + (end.seq - start->seq) / 2;
            auto rows = tx.exec_params(
                fmt::format("SELECT (extract(epoch FROM occurred_at) * 1000000)::bigint, event_id, encode(hash, 'hex') "
                            "FROM {} WHERE tenant_id = $1::uuid AND seq = $2",
                            m_ctx.platform_table("audit_chain")),
                m_target.id, mid);
            if (!rows.empty()) {
                Head middle;
                middle.seq = mid;
                middle.pos = Position{rows[0][0].as<std::int64_t>(), rows[0][1].as<std::int64_t>()};
                middle.hash = digest_from_hex(rows[0][2].c_str()).value_or(Digest{});
                stretches = {{*start, middle}, {middle, end}};
            }  // a missing middle row: one stretch, which reports the gap
        }
        std::vector<std::unique_ptr<StretchCheck>> checks;
        for (std::size_t i = 0; i < stretches.size(); ++i)
            checks.push_back(std::make_unique<StretchCheck>(m_ctx, m_target.id, stretches[i], key, checkpoints, snapshot,
                                                            m_conns.ledger(i), m_conns.events(i),
                                                            m_opts.by_month_above));
        std::vector<StretchOutcome> outcomes(checks.size());
        std::vector<std::exception_ptr> errors(checks.size());
        {
            std::vector<std::thread> threads;
            for (std::size_t i = 1; i < checks.size(); ++i)
                threads.emplace_back([&, i] {
                    try {
                        outcomes[i] = checks[i]->run();
                    } catch (...) {
                        errors[i] = std::current_exception();
                    }
                });
            try {
                outcomes[0] = checks[0]->run();
            } catch (...) {
                errors[0] = std::current_exception();
            }
            for (auto& t : threads) t.join();
        }
        // The first stretch's finding is the earliest one.
        for (std::size_t i = 0; i < checks.size(); ++i) {
            if (errors[i]) std::rethrow_exception(errors[i]);
            m_result.verified += outcomes[i].verified;
            if (outcomes[i].problem) return broken(*outcomes[i].problem);
        }
        m_result.status = "ok";
        return m_result;
    }

private:
    VerifyResult& broken(Problem p) {
        m_result.status = "broken";
        m_result.problem = std::move(p.problem);
        m_result.detail = std::move(p.detail);
        m_result.event_id = p.event_id;
        m_result.seq = p.seq;
        m_result.occurred_at = std::move(p.occurred_at);
        return m_result;
    }

    // Where verification starts: the genesis, the prune anchor at the chain's start, or with
    // --since the newest checkpoint before that time.
    std::optional<Head> start_point(pqxx::transaction_base& tx) {
        const auto seals = m_ctx.platform_table("audit_seals");
        auto from_row = [](const pqxx::row& r) {
            Head h;
            h.seq = r[0].as<std::int64_t>();
            if (!r[1].is_null()) h.pos = Position{r[1].as<std::int64_t>(), r[2].as<std::int64_t>()};
            h.hash = *digest_from_hex(r[3].c_str());
            return h;
        };
        const std::string cols = "seq, (extract(epoch FROM occurred_at) * 1000000)::bigint, event_id, encode(head, 'hex')";
        auto first = tx.exec_params1(fmt::format("SELECT min(seq) FROM {} WHERE tenant_id = $1::uuid",
                                                 m_ctx.platform_table("audit_chain")),
                                     m_target.id)[0]
                         .as<std::int64_t>();
        Head h;
        h.hash = genesis(m_target.id);
        if (first > 1) {
            auto rows = tx.exec_params(fmt::format("SELECT {} FROM {} WHERE tenant_id = $1::uuid AND seq = $2 "
                                                   "AND kind = 'prune'",
                                                   cols, seals),
                                       m_target.id, first - 1);
            if (rows.empty()) {
                broken({"chain_start", fmt::format("chain rows before {} were removed without a prune anchor", first),
                        std::nullopt, first - 1, ""});
                return std::nullopt;
            }
            h = from_row(rows[0]);
        }
        if (m_opts.since) {
            auto rows = tx.exec_params(
                fmt::format("SELECT {} FROM {} WHERE tenant_id = $1::uuid AND seq >= $2 AND occurred_at < $3::timestamptz "
                            "ORDER BY seq DESC LIMIT 1",
                            cols, seals),
                m_target.id, h.seq, util::format_rfc3339_micro(*m_opts.since));
            if (!rows.empty()) h = from_row(rows[0]);
        }
        return h;
    }

    Context& m_ctx;
    VerifyConnections& m_conns;
    Target m_target;
    const VerifyOptions& m_opts;
    VerifyResult m_result;
};

}  // namespace

std::optional<std::string> verify_chain_from(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                             std::int64_t from_seq, const crypto::SecureBytes& key) {
    use_utc_iso_timestamps(tx);
    const Head end = chain_head(ctx, tx, tenant_id);
    if (end.seq < from_seq || !end.pos) return std::nullopt;  // nothing sealed from there on
    Stretch stretch{Head{from_seq - 1, std::nullopt, genesis(tenant_id)}, end};
    if (from_seq > 1) {
        // The row before: a chain row, or the prune anchor where the chain starts.
        auto rows = tx.exec_params(
            fmt::format("SELECT (extract(epoch FROM occurred_at) * 1000000)::bigint, event_id, encode(hash, 'hex') FROM {} "
                        "WHERE tenant_id = $1::uuid AND seq = $2 UNION ALL "
                        "SELECT (extract(epoch FROM occurred_at) * 1000000)::bigint, event_id, encode(head, 'hex') FROM {} "
                        "WHERE tenant_id = $1::uuid AND seq = $2 AND kind = 'prune' LIMIT 1",
                        ctx.platform_table("audit_chain"), ctx.platform_table("audit_seals")),
            tenant_id, from_seq - 1);
        if (rows.empty()) return fmt::format("chain row {} is missing", from_seq - 1);
        if (!rows[0][0].is_null())
            stretch.from.pos = Position{rows[0][0].as<std::int64_t>(), rows[0][1].as<std::int64_t>()};
        stretch.from.hash = digest_from_hex(rows[0][2].c_str()).value_or(Digest{});
    }
    std::map<std::int64_t, Digest> checkpoints;
    for (const auto& r : tx.exec_params(fmt::format("SELECT seq, encode(head, 'hex') FROM {} WHERE tenant_id = $1::uuid "
                                                    "AND kind = 'seal' AND seq > $2",
                                                    ctx.platform_table("audit_seals")),
                                        tenant_id, stretch.from.seq))
        if (auto d = digest_from_hex(r[1].c_str())) checkpoints[r[0].as<std::int64_t>()] = *d;

    // Both sides in pages by their own order (one connection cannot stream two COPYs at once),
    // so memory stays flat however long the stretch.
    constexpr int kPage = 10000;
    CopyFields fields;
    pqxx::result ledger, events;
    pqxx::result::size_type ledger_at = 0, events_at = 0;
    std::int64_t last_seq = stretch.from.seq;
    std::optional<std::pair<std::string, std::int64_t>> last_event;  // (occurred_at text, id) of the page's last
    const std::string lower = stretch.from.pos ? micros_text(stretch.from.pos->occurred_us) : std::string("-infinity");
    const std::string upper = micros_text(end.pos->occurred_us);
    const auto next_ledger = [&](LedgerRow& l) {
        if (ledger_at == ledger.size()) {
            ledger = tx.exec_params(fmt::format("SELECT {} FROM {} WHERE tenant_id = $1::uuid AND seq > $2 AND seq <= $3 "
                                                "ORDER BY seq LIMIT {}",
                                                kLedgerColumns, ctx.platform_table("audit_chain"), kPage),
                                    tenant_id, last_seq, end.seq);
            ledger_at = 0;
            if (ledger.empty()) return false;
        }
        const auto& r = ledger[ledger_at++];
        fields.clear();
        for (const auto& f : r) fields.push_back(std::string_view(f.c_str(), f.size()));
        if (!ledger_from_fields(fields, l))
            throw IntegrityError("a row of the audit chain ledger cannot be read", "run `tenantctl doctor`");
        last_seq = l.seq;
        return true;
    };
    const auto next_event = [&](ChainEvent& e) {
        if (events_at == events.size()) {
            // After the page before: later, or at the same time with a lower id (chain order).
            const std::string page =
                fmt::format("SELECT {} FROM {} WHERE tenant_id = $1::uuid AND occurred_at >= $2::timestamptz AND "
                            "occurred_at <= $3::timestamptz {} ORDER BY occurred_at, id DESC LIMIT {}",
                            kChainEventColumns, ctx.platform_table("audit_log"),
                            last_event ? "AND (occurred_at > $4::timestamptz OR (occurred_at = $4::timestamptz AND id < $5))"
                                       : "",
                            kPage);
            events = last_event ? tx.exec_params(page, tenant_id, lower, upper, last_event->first, last_event->second)
                                : tx.exec_params(page, tenant_id, lower, upper);
            events_at = 0;
            if (events.empty()) return false;
        }
        const auto& r = events[events_at++];
        if (!event_from_row(r, tenant_id, fields, e))
            throw IntegrityError("an audit event cannot be read for verification", "run `tenantctl doctor`");
        last_event.emplace(r[1].c_str(), e.id);
        return true;
    };
    Committer committer(key);
    const auto out = walk_stretch(stretch, committer, checkpoints, next_ledger, next_event);
    if (!out.problem) return std::nullopt;
    const auto& p = *out.problem;
    return fmt::format("{} ({}{}{})", p.detail, p.problem, p.event_id ? fmt::format(", event {}", *p.event_id) : "",
                       p.seq ? fmt::format(", chain row {}", *p.seq) : "");
}

std::vector<VerifyResult> verify(Context& ctx, const VerifyOptions& o) {
    std::vector<VerifyResult> out;
    try {
        std::vector<Target> list;
        {
            pqxx::read_transaction tx(ctx.db());
            list = targets(ctx, tx, o.scope);
        }
        VerifyConnections conns(ctx);
        util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "verifying",
                                    static_cast<long long>(list.size()), "chains");
        for (const auto& t : list) {
            out.push_back(VerifyRun(ctx, conns, t, o).run());
            progress.update(static_cast<long long>(out.size()));
        }
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("verifying the audit chain");
    }
    return out;
}

}  // namespace tenantctl::audit
