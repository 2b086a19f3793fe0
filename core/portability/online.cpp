#include "core/portability/online.hpp"

#include <fmt/format.h>

#include <libpq-fe.h>

#include <functional>
#include <thread>

#include "core/citus/cluster.hpp"
#include "core/context.hpp"
#include "core/crypto/hash.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/progress.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability::online {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(20);

bool has_password(const std::string& conninfo) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (!opts) {
        if (err) PQfreemem(err);
        return false;  // libpq would not connect with it either; the subscription reports that
    }
    bool found = false;
    for (auto* o = opts; o->keyword; ++o)
        if (std::string_view(o->keyword) == "password" && o->val && *o->val) found = true;
    PQconninfoFree(opts);
    return found;
}

// Why `table` (a streamed relation or one of its partitions) cannot carry the row filter on
// `column`, or nothing.
std::optional<std::string> identity_problem(pqxx::transaction_base& src, const model::TableName& table,
                                            const std::string& column) {
    const auto row = src.exec_params1(
        "SELECT c.relreplident::text, "
        "       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_index i "
        "          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
        "         WHERE i.indrelid = c.oid AND ((c.relreplident = 'd' AND i.indisprimary) OR "
        "                                       (c.relreplident = 'i' AND i.indisreplident))), "
        "       EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "                AND a.attnum = ANY (i.indkey) "
        "                WHERE i.indrelid = c.oid AND a.attname = $2 AND ((c.relreplident = 'd' AND i.indisprimary) "
        "                   OR (c.relreplident = 'i' AND i.indisreplident))) "
        "  FROM pg_class c WHERE c.oid = $1::regclass",
        table.quoted(), column);
    const std::string kind = row[0].c_str();
    if (kind == "f") return std::nullopt;  // every column
    const std::string fix = fmt::format("ALTER TABLE {} REPLICA IDENTITY FULL", table.quoted());
    if (kind == "n" || row[1].is_null())
        return fmt::format("{} has no replica identity: with it in a publication, PostgreSQL refuses every UPDATE and "
                           "DELETE on it ({}, or give it a primary key)",
                           table.display(), fix);
    if (row[2].as<bool>()) return std::nullopt;
    return fmt::format("{}: its replica identity ({}) does not include {}, which the row filter reads: with it in a "
                       "publication, PostgreSQL refuses every UPDATE and DELETE on it ({}, or a primary key that "
                       "includes it)",
                       table.display(), row[1].c_str(), db::quote_ident(column), fix);
}

// The destination database's subscription of that name, if any (pg_subscription is shared by
// every database of a server).
std::optional<std::string> subscription_oid(pqxx::transaction_base& dst, const std::string& name) {
    const auto r = dst.exec_params(
        "SELECT oid::text FROM pg_subscription WHERE subname = $1 AND "
        "subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        name);
    if (r.empty()) return std::nullopt;
    return std::string(r[0][0].c_str());
}

// Calls `done` every kPoll until it returns true; after 30 s, throws Busy with `what` (it has
// not happened 30 s after ...) and `hint`.
void poll_30s(const std::function<bool()>& done, const std::string& what, const std::string& hint) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) throw Busy(what, hint);
        std::this_thread::sleep_for(kPoll);
    }
}

// Drops the slots named, waiting for a walsender still using one to notice that its
// subscriber is gone.
void drop_slots(pqxx::connection& src, const std::string& like) {
    poll_30s(
        [&] {
            pqxx::nontransaction tx(src);
            const auto slots =
                tx.exec_params("SELECT slot_name, active FROM pg_replication_slots WHERE slot_name LIKE $1", like);
            bool in_use = false;
            for (const auto& slot : slots) {
                if (slot[1].as<bool>()) {
                    in_use = true;
                    continue;
                }
                try {
                    tx.exec_params("SELECT pg_drop_replication_slot($1)", slot[0].c_str());
                } catch (const pqxx::sql_error&) {
                    in_use = true;  // taken up again since it was listed: try once more
                }
            }
            return !in_use;
        },
        fmt::format("the replication slot {} here is still in use 30 s after its subscription was dropped", like),
        "end the walsender using it (pg_stat_replication) and run the move again");
}

}  // namespace

bool streamed(const model::Relation& r) { return r.tenancy_column.has_value(); }

std::string stream_name(const std::string& tenant_id, const std::string& source_database) {
    return "tenantctl_move_" + crypto::sha256_hex(tenant_id + "\n" + source_database).substr(0, 24);
}

std::vector<std::string> problems(pqxx::transaction_base& src, pqxx::transaction_base& dst, const model::TenantData& data,
                                  const std::string& source_conninfo) {
    std::vector<std::string> out;
    const auto here = src.exec1(
        "SELECT current_setting('server_version_num')::int, current_setting('wal_level'), "
        "(SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user)");
    const auto there = dst.exec1(
        "SELECT current_setting('server_version_num')::int, "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)");
    if (here[0].as<int>() < 150000 || there[0].as<int>() < 150000)
        out.push_back("row filters in publications need PostgreSQL 15 on both sides");
    if (std::string(here[1].c_str()) != "logical")
        out.push_back(fmt::format("wal_level is {} here, not logical (set it in postgresql.conf and restart)",
                                  here[1].c_str()));
    if (!here[2].as<bool>()) out.push_back("the role here may not replicate (ALTER ROLE ... REPLICATION)");
    if (!there[1].as<bool>())
        out.push_back("the role at the destination is not a superuser: PostgreSQL 15 lets only superusers create "
                      "subscriptions");
    if (has_password(source_conninfo))
        out.push_back("the connection string here holds a password, which the subscription would store at the "
                      "destination: give the destination's server a ~/.pgpass (or passfile=) for this database instead");
    if (data.whole_schema()) {
        // Nothing per table applies: its tables are not streamed at all.
        out.push_back("the tenant has its own schema: --online moves tenants of the shared tables (move it without "
                      "--online: its schema is built there in the copy's transaction)");
        return out;
    }
    // A Citus table's rows live in its shards (on the workers, or beside it for a Citus local
    // table): a publication of the coordinator's table sees none of their changes, and the
    // subscription would write into a table Citus never reads.
    const auto here_placed = citus::installed(src) ? citus::placements(src) : decltype(citus::placements(src)){};
    const auto there_placed = citus::installed(dst) ? citus::placements(dst) : decltype(citus::placements(dst)){};
    for (const auto& r : data.relations()) {
        if (!streamed(r)) continue;
        bool sharded = false;
        for (const auto& [placed, where] : {std::pair{&here_placed, "here"}, std::pair{&there_placed, "at the destination"}}) {
            const auto placement = citus::placement_of(*placed, r.name);
            if (placement.kind != citus::Placement::Kind::local) {
                sharded = true;
                out.push_back(fmt::format("{} is {} {}: Citus keeps its rows in shards, which logical replication "
                                          "of the table does not reach",
                                          r.display(), placement.describe(), where));
            }
        }
        if (sharded) continue;  // its replica identity would not make it streamable: no fix to suggest there
        if (auto p = identity_problem(src, r.name, *r.tenancy_column)) out.push_back(std::move(*p));
        for (const auto& part : r.partitions)
            if (auto p = identity_problem(src, part, *r.tenancy_column)) out.push_back(std::move(*p));
    }
    return out;
}

std::string publication_sql(pqxx::transaction_base& tx, const model::TenantData& data, const std::string& name,
                            const std::string& value) {
    std::vector<std::string> tables;
    for (const auto& r : data.relations())
        if (streamed(r))
            tables.push_back(fmt::format("TABLE {} WHERE ({})", r.name.quoted(),
                                         model::with_literal(data.tenant_predicate(r, "", 1), tx.quote(value))));
    if (tables.empty()) throw Refused("the tenant's data has no table with the tenancy column to stream");
    // No TRUNCATE: a row filter does not apply to it, and it would empty the destination's
    // table for every tenant there.
    return fmt::format("CREATE PUBLICATION {} FOR {} WITH (publish = 'insert, update, delete', "
                       "publish_via_partition_root = true)",
                       db::quote_ident(name), util::join(tables, ", "));
}

bool published(pqxx::connection& src, const std::string& name) {
    pqxx::read_transaction tx(src);
    return !tx.exec_params("SELECT 1 FROM pg_publication WHERE pubname = $1", name).empty();
}

bool subscribed(pqxx::connection& dst, const std::string& name) {
    pqxx::read_transaction tx(dst);
    return subscription_oid(tx, name).has_value();
}

void start(pqxx::connection& src, pqxx::connection& dst, const model::TenantData& data, const std::string& value,
           const std::string& name, const std::string& source_conninfo) {
    if (!published(src, name)) {
        pqxx::work tx(src);
        tx.exec(publication_sql(tx, data, name, value));
        tx.commit();
    }
    {
        // After the publication: the slot decodes from its own start, where the publication exists.
        pqxx::nontransaction tx(src);
        if (tx.exec_params("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", name).empty())
            tx.exec_params("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", name);
    }
    if (!subscribed(dst, name)) {
        pqxx::work tx(dst);
        tx.exec(fmt::format("CREATE SUBSCRIPTION {0} CONNECTION {1} PUBLICATION {0} WITH (create_slot = false, "
                            "slot_name = {2}, copy_data = true, enabled = true)",
                            db::quote_ident(name), tx.quote(source_conninfo), tx.quote(name)));
        tx.commit();
    }
}

void wait_synced(Context& ctx, pqxx::connection& dst, const std::string& name, std::size_t tables) {
    util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "streaming: tables copied",
                                static_cast<long long>(tables), "tables");
    std::optional<long long> errors_before;
    // A subscription whose workers never start (the destination out of background worker
    // slots: max_worker_processes, max_logical_replication_workers) copies nothing and reports
    // no error: after this long with no worker and nothing copied, the stream is given up.
    constexpr auto kNoWorker = std::chrono::seconds(60);
    auto last_sign_of_life = std::chrono::steady_clock::now();
    long long ready_before = -1;
    for (;;) {
        pqxx::read_transaction tx(dst);
        const auto oid = subscription_oid(tx, name);
        if (!oid) throw Busy(fmt::format("the subscription {} at the destination was dropped by someone else", name),
                             "run the move again: it starts the stream over");
        const auto row = tx.exec_params1(
            "SELECT count(*) FILTER (WHERE srsubstate = 'r'), count(*), "
            "       (SELECT coalesce(apply_error_count + sync_error_count, 0) FROM pg_stat_subscription_stats "
            "         WHERE subid = $1::oid) "
            "  FROM pg_subscription_rel WHERE srsubid = $1::oid",
            *oid);
        const long long ready = row[0].as<long long>(), listed = row[1].as<long long>();
        const long long errors = row[2].is_null() ? 0 : row[2].as<long long>();
        if (!errors_before) errors_before = errors;
        if (errors > *errors_before)
            throw IntegrityError(fmt::format("the subscription {} failed at the destination while copying the tenant's "
                                             "rows ({} error{}): the tenant stays active here",
                                             name, errors - *errors_before, errors - *errors_before == 1 ? "" : "s"),
                                 "the destination server's log says why (a key another tenant holds there, a column it "
                                 "lacks)");
        progress.update(ready);
        if (listed == static_cast<long long>(tables) && ready == listed) return;
        const bool working =
            tx.exec_params1("SELECT count(*) > 0 FROM pg_stat_subscription WHERE subid = $1::oid AND pid IS NOT NULL", *oid)[0]
                .as<bool>();
        if (working || ready != ready_before) last_sign_of_life = std::chrono::steady_clock::now();
        ready_before = ready;
        if (std::chrono::steady_clock::now() - last_sign_of_life > kNoWorker)
            throw Busy(fmt::format("no replication worker has run for the subscription {} at the destination for {} s: "
                                   "the tenant stays active here",
                                   name, kNoWorker.count()),
                       "give the destination more background workers (max_worker_processes, "
                       "max_logical_replication_workers; a restart), then run the move again");
        std::this_thread::sleep_for(kPoll);
    }
}

namespace {

// A mark in the WAL here after every transaction that committed before it, flushed to disk
// with it: not pg_current_wal_lsn(), the position written so far, which lags behind commits
// made with synchronous_commit = off, whose changes the walsender cannot send yet.
std::string write_mark(pqxx::connection& src) {
    pqxx::work mark(src);
    mark.exec("SET LOCAL synchronous_commit = on");
    std::string lsn = mark.exec1("SELECT pg_logical_emit_message(true, 'tenantctl', 'tenant move: switch')::text")[0].c_str();
    mark.commit();
    return lsn;
}

// Flushes the destination's WAL up to now: a commit with synchronous_commit on flushes every
// record before its own, those of the changes applied so far included.
void flush_wal(pqxx::connection& dst) {
    pqxx::work flush(dst);
    flush.exec("SET LOCAL synchronous_commit = on");
    flush.exec("SELECT pg_current_xact_id()");  // a transaction id, so that the commit is written
    flush.commit();
}

}  // namespace

void wait_caught_up(pqxx::connection& src, pqxx::connection& dst, const std::string& name,
                    std::chrono::milliseconds timeout) {
    const std::string lsn = write_mark(src);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        {
            // The slot's confirmed_flush_lsn is what the subscriber has applied and flushed.
            pqxx::nontransaction tx(src);
            const auto r = tx.exec_params(
                "SELECT confirmed_flush_lsn >= $2::pg_lsn FROM pg_replication_slots WHERE slot_name = $1", name, lsn);
            if (r.empty())
                throw Busy(fmt::format("the replication slot {} here was dropped by someone else", name),
                           "the tenant stays moving here; see the README, \"Moving a tenant online\"");
            if (!r[0][0].is_null() && r[0][0].as<bool>()) return;
        }
        if (std::chrono::steady_clock::now() >= deadline)
            throw Busy(fmt::format("the destination has not applied the changes up to {} within --drain-timeout: the "
                                   "tenant stays moving",
                                   lsn),
                       "see pg_stat_subscription at the destination, then run the move again: it resumes");
        std::this_thread::sleep_for(kPoll);
        // The subscriber reports its position when a message reaches it, and then only as far
        // as its WAL is flushed (it commits what it applies asynchronously): left alone, it
        // reports the mark at its next timer, up to a second later. So flush its WAL, then
        // write another mark here: the walsender, once past it, sends a keepalive, and the
        // subscriber answers it with everything it has applied up to there.
        flush_wal(dst);
        write_mark(src);
    }
}

namespace {

// Ends the workers of the disabled subscription `oid` at the destination and waits until they
// are gone. (A table-copy worker would go on with its copy until the end of the table.)
void end_workers(pqxx::connection& dst, const std::string& oid, const std::string& name) {
    poll_30s(
        [&] {
            pqxx::nontransaction tx(dst);
            return tx.exec_params1("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_subscription "
                                   "WHERE subid = $1::oid AND pid IS NOT NULL",
                                   oid)[0]
                       .as<long long>() == 0;
        },
        fmt::format("the workers of the subscription {} at the destination still run 30 s after they were told to end",
                    name),
        "see pg_stat_subscription there, then run the move again");
}

// Waits until no walsender here uses a slot named like `like`: one making a slot goes on
// until the slot is made, after every transaction then running on this server has ended.
void wait_slots_idle(pqxx::connection& src, const std::string& like) {
    poll_30s(
        [&] {
            pqxx::nontransaction tx(src);
            return tx.exec_params1("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE $1 AND active", like)[0]
                       .as<long long>() == 0;
        },
        fmt::format("the replication slot {} here is still in use 30 s after its subscription was disabled", like),
        "see pg_stat_replication and pg_stat_activity here (a long transaction holds up a slot being made), then run "
        "the move again");
}

std::string sync_slots_of(const std::string& oid) { return fmt::format("pg\\_{}\\_sync\\_%", oid); }

}  // namespace

bool stopping(pqxx::connection& dst, const std::string& name) {
    pqxx::read_transaction tx(dst);
    const auto oid = subscription_oid(tx, name);
    return oid && !tx.exec_params1("SELECT subenabled FROM pg_subscription WHERE oid = $1::oid", *oid)[0].as<bool>();
}

void stop(pqxx::connection& src, pqxx::connection& dst, const std::string& name) {
    std::optional<std::string> oid;
    {
        pqxx::read_transaction tx(dst);
        oid = subscription_oid(tx, name);
    }
    if (oid) {
        // Disabled and committed, its workers ended, and its slots here idle, before it is
        // dropped. A table-copy worker may be making its slot here, which waits for every
        // transaction running on this server to end; DROP SUBSCRIPTION drops that slot too,
        // waiting for it to be free, in a transaction that is running: on one server the two
        // waited on each other for ever. A run killed in between leaves it disabled: stopping().
        const auto quoted = db::quote_ident(name);
        {
            pqxx::work tx(dst);
            tx.exec(fmt::format("ALTER SUBSCRIPTION {} DISABLE", quoted));
            tx.commit();
        }
        util::failpoint("move.stream.disabled");
        end_workers(dst, *oid, name);
        wait_slots_idle(src, name);
        wait_slots_idle(src, sync_slots_of(*oid));
        // Detached from its slot first, so dropping it does not reach out to this server for
        // it: the slots are dropped here, below.
        pqxx::work tx(dst);
        tx.exec(fmt::format("ALTER SUBSCRIPTION {} SET (slot_name = NONE)", quoted));
        tx.exec(fmt::format("DROP SUBSCRIPTION {}", quoted));
        tx.commit();
    }
    drop_slots(src, name);
    // The table-copy slots of an interrupted initial copy: pg_<subscription oid>_sync_<table>_<system>.
    if (oid) drop_slots(src, sync_slots_of(*oid));
}

void unpublish(pqxx::connection& src, const std::string& name) {
    pqxx::work tx(src);
    tx.exec(fmt::format("DROP PUBLICATION IF EXISTS {}", db::quote_ident(name)));
    tx.commit();
}

}  // namespace tenantctl::portability::online
