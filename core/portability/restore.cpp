#include "core/portability/restore.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/model/row_access.hpp"
#include "core/platform/migrations.hpp"
#include "core/portability/app_rows.hpp"
#include "core/portability/app_triggers.hpp"
#include "core/portability/compare.hpp"
#include "core/portability/peer.hpp"
#include "core/portability/pipe.hpp"
#include "core/portability/triggers_off.hpp"
#include "core/records.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/model.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/progress.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

RestoreMode parse_mode(const std::string& mode) {
    if (mode == "replace") return RestoreMode::replace;
    if (mode == "merge") return RestoreMode::merge;
    throw UsageError(fmt::format("--mode {}: expected replace or merge", util::in_quotes(mode, 20)),
                     "replace: the backup's rows instead of today's; merge: add the backup's rows that are missing");
}

// Replace writes the backup's rows instead of today's: a column only today's rows have (added
// by a migration since the backup) would be set to its default in every row, without anyone
// asking for it.
void require_every_column_in_backup(const std::vector<RelationPair>& pairs, const std::set<std::string>& chosen) {
    std::vector<std::string> problems;
    for (const auto& pair : pairs) {
        if (!pair.source || !pair.target || !chosen.contains(pair.key)) continue;
        for (const auto& c : pair.target->columns)
            if (!c.generated && !pair.source->column(c.name))
                problems.push_back(fmt::format("{}: column {} is here, not in the backup", pair.key, c.name));
    }
    if (problems.empty()) return;
    Refused e("replacing the rows would set columns the backup does not have to their defaults in every row",
              "use --mode merge (it keeps today's rows), or leave those tables out of --tables");
    for (auto& p : problems) e.with_detail(std::move(p));
    throw e;
}

// The pairs --tables names (every pair the backup has when it names none). A name is a pair's
// key, schema.table (quoted where SQL would quote it, `tenant_acme."CustomerNotes"`, or not),
// or a bare table name that only one pair has.
std::set<std::string> chosen_tables(const std::vector<RelationPair>& pairs, const std::vector<std::string>& names) {
    std::set<std::string> out;
    if (names.empty()) {
        for (const auto& p : pairs)
            if (p.source) out.insert(p.key);
        return out;
    }
    for (const auto& name : names) {
        std::vector<std::string> matches;
        for (const auto& p : pairs)
            if (p.source && (p.key == name || p.source->name.name == name || p.source->name.display() == name ||
                             p.source->name.quoted() == name ||
                             schema_as_printed(p.source->name.schema) + "." + schema_as_printed(p.source->name.name) == name))
                matches.push_back(p.key);
        if (matches.size() != 1) {
            std::vector<std::string> known;
            for (const auto& p : pairs)
                if (p.source) known.push_back(p.key);
            throw UsageError(fmt::format("--tables {}: {}", name,
                                         matches.empty() ? "not a table of the tenant's data in the backup"
                                                         : "more than one table has that name: " + util::join(matches, ", ")),
                             "tables of the tenant's data: " + util::join(known, ", "));
        }
        out.insert(matches.front());
    }
    return out;
}

// Replace deletes the tenant's rows of the chosen tables: a table left out that references
// one of them through a cascading (or nulling) key would lose rows, or have them changed,
// without anyone asking for it.
void require_closed_under_cascades(const model::TenantData& here, const std::set<std::string>& chosen) {
    std::vector<std::string> problems;
    for (const auto& fk : here.foreign_keys()) {
        if (fk.on_delete != 'c' && fk.on_delete != 'n') continue;
        if (chosen.contains(relation_key(here, fk.parent)) && !chosen.contains(relation_key(here, fk.child)))
            problems.push_back(fmt::format("{} references {} ON DELETE {} ({})", fk.child.display(), fk.parent.display(),
                                           fk.on_delete == 'c' ? "CASCADE" : "SET NULL", fk.constraint));
    }
    if (problems.empty()) return;
    Refused e("replacing the chosen tables would change rows of tables left out of --tables",
              "add those tables to --tables, or use --mode merge");
    for (auto& p : problems) e.with_detail(std::move(p));
    throw e;
}

// merge: the backup's rows of one table land in a scratch table, and those whose identity the
// table lacks are inserted from it. Returns the number inserted. IntegrityError when the read
// back finds a backup row missing here or an inserted row that differs from the backup's.
long long merge_table(pqxx::transaction_base& backup, pqxx::transaction_base& tx, const model::TenantData& data,
                      const model::Relation& theirs, const model::Relation& mine, const RelationPair& pair,
                      const std::string& tenancy_value, int n) {
    std::vector<std::string> columns, checked, identity;
    for (const auto& c : theirs.columns)
        if (!c.generated) columns.push_back(db::quote_ident(c.name));
    for (const auto& c : pair.compared_columns)
        if (!theirs.column(c)->generated) checked.push_back(c);  // the scratch table has no generated columns
    for (const auto& c : mine.identity.columns) identity.push_back(db::quote_ident(c));
    const std::string list = util::join(columns, ", ");
    const std::string ids = util::join(identity, ", ");
    const std::string scratch = db::quote_ident(fmt::format("tenantctl_restore_{}", n));
    const std::string inserted = db::quote_ident(fmt::format("tenantctl_restored_{}", n));
    tx.exec(fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA", scratch, list,
                        mine.name.quoted()));
    tx.exec(fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA", inserted, ids,
                        mine.name.quoted()));
    pipe_rows(backup,
              fmt::format("(SELECT {} FROM {} t WHERE {})", list, theirs.name.quoted(),
                          model::with_literal(data.tenant_predicate(theirs, "t", 1), backup.quote(tenancy_value))),
              tx, fmt::format("{} ({})", scratch, list));
    // The transport first: the scratch table holds exactly the backup's rows.
    const auto expected = fingerprint(backup, data, theirs, checked, tenancy_value);
    const auto arrived = fingerprint_where(tx, scratch, checked, "$1::text IS NOT NULL", "-");
    if (arrived != expected)
        throw IntegrityError(fmt::format("{}: the backup's rows did not arrive intact ({} rows; backup {})", pair.key,
                                         arrived.rows, expected.rows));
    const std::string same_identity =
        fmt::format("{} = {}", model::column_tuple(mine.identity.columns, "x"), model::column_tuple(mine.identity.columns, "s"));
    const std::string overriding = std::any_of(mine.columns.begin(), mine.columns.end(),
                                               [](const model::Column& c) { return c.identity_always; })
                                       ? " OVERRIDING SYSTEM VALUE"
                                       : "";
    const long long count = tx.exec(fmt::format("WITH ins AS (INSERT INTO {0} ({1}){2} SELECT {1} FROM {3} s WHERE NOT "
                                                "EXISTS (SELECT 1 FROM {0} x WHERE {4}) RETURNING {5}) "
                                                "INSERT INTO {6} ({5}) SELECT {5} FROM ins",
                                                mine.name.quoted(), list, overriding, scratch, same_identity, ids, inserted))
                                .affected_rows();
    // Read back: no backup row is missing here, and the inserted rows are the backup's.
    const auto missing = tx.exec1(fmt::format("SELECT count(*) FROM {} s WHERE NOT EXISTS (SELECT 1 FROM {} x WHERE {})",
                                              scratch, mine.name.quoted(), same_identity))[0]
                             .as<long long>();
    if (missing > 0)
        throw IntegrityError(fmt::format("{}: {} of the backup's rows are not here after the merge: nothing was committed",
                                         pair.key, missing));
    const std::string among_inserted = fmt::format("{} IN (SELECT {} FROM {}) AND $1::text IS NOT NULL",
                                                   model::column_tuple(mine.identity.columns, "t"), ids, inserted);
    const auto wanted = fingerprint_where(tx, scratch, checked, among_inserted, "-");
    const auto got = fingerprint_where(tx, mine.name.quoted(), checked, among_inserted, "-");
    if (got != wanted || got.rows != count)
        throw IntegrityError(fmt::format("{}: the inserted rows differ from the backup's after the merge ({} rows, "
                                         "checksum {}; backup {} rows, checksum {}): nothing was committed",
                                         pair.key, got.rows, got.checksum, wanted.rows, wanted.checksum),
                             "look for triggers on the table that change rows on insert");
    return count;
}

// Key versions the backup's encrypted values may have been made with that this database can
// no longer open (destroyed, or unknown here): those values come back undecryptable.
std::vector<std::string> lost_key_versions(Context& ctx, pqxx::transaction_base& backup, pqxx::transaction_base& here,
                                           const std::string& tenant_id) {
    const std::string sql = fmt::format("SELECT version FROM {} WHERE tenant_id = $1::uuid AND wrapped_key IS NOT NULL",
                                        ctx.platform_table("tenant_keys"));
    std::set<int> usable_here;
    for (const auto& r : here.exec_params(sql, tenant_id)) usable_here.insert(r[0].as<int>());
    std::vector<std::string> out;
    for (const auto& r : backup.exec_params(sql, tenant_id))
        if (!usable_here.contains(r[0].as<int>()))
            out.push_back(fmt::format("data key version {} of the backup is destroyed or unknown here: encrypted values "
                                      "made with it come back undecryptable",
                                      r[0].as<int>()));
    return out;
}

}  // namespace

RestoreResult restore_from(Context& ctx, const RestoreOptions& o) {
    platform::require_current(ctx);
    RestoreResult result;
    result.mode = parse_mode(o.mode);
    result.tenant = o.slug;
    result.from = o.from;
    result.dry_run = ctx.dry_run();
    Peer peer = open_peer(ctx, o.from, "restore-from");
    result.source = peer.target;
    const std::string where = " in the backup at " + o.from;
    auto lock = ctx.lock(tenants::lock_name(o.slug));
    try {
        Snapshot backup(*peer.connection);
        pqxx::work tx(ctx.db());
        const auto tenant = tenants::resolve(ctx, tx, o.slug);
        if (tenant.status != "active" && tenant.status != "suspended")
            throw Refused(fmt::format("tenant '{}' is {}: rows are restored into an active or suspended tenant only", o.slug,
                                      tenant.status),
                          tenant.status == "pending_deletion" ? fmt::format("`tenantctl tenant restore {}` first", o.slug)
                                                              : std::string());
        const auto then = tenants::find(ctx, backup, o.slug);
        if (!then) throw NotFound(fmt::format("unknown tenant '{}'{}", o.slug, where), "is it a backup of this database?");
        if (then->id != tenant.id || then->tenancy_value != tenant.tenancy_value)
            throw Refused(fmt::format("tenant '{}'{} is another tenant (id {}, here {})", o.slug, where, then->id, tenant.id));

        const auto theirs = gdpr::load_model(ctx, backup, *then);
        const auto mine = gdpr::load_model(ctx, tx, tenant);
        model::require_unfiltered(backup, theirs);
        model::require_unfiltered(tx, mine);
        model::enter_tenant(ctx, backup, tenant.tenancy_value);
        model::enter_tenant(ctx, tx, tenant.tenancy_value);
        use_canonical_text(backup);
        use_canonical_text(tx);
        const auto pairs = pair_relations(theirs, mine);
        if (auto problems = schema_problems(pairs); !problems.empty()) {
            Refused e(fmt::format("the schema here does not match the backup's ({} difference{})", problems.size(),
                                  problems.size() == 1 ? "" : "s"),
                      "restore the backup into a server migrated to the same version, or migrate it: `tenantctl "
                      "--context " + o.from + " migrate up`");
            for (auto& p : problems) e.with_detail(std::move(p));
            throw e;
        }
        const auto chosen = chosen_tables(pairs, o.tables);
        if (result.mode == RestoreMode::replace) {
            require_closed_under_cascades(mine, chosen);
            require_every_column_in_backup(pairs, chosen);
        }
        for (const auto& pair : pairs)
            if (!pair.source && o.tables.empty())
                result.warnings.push_back(fmt::format("{} is not in the backup: its rows here stay as they are", pair.key));
        if (result.mode == RestoreMode::merge) {
            for (const auto& pair : pairs)
                if (chosen.contains(pair.key) && !pair.target->identity)
                    throw Refused(fmt::format("{} has no primary key or unique key over NOT NULL columns: merge cannot "
                                              "tell which of the backup's rows are missing",
                                              pair.key),
                                  "use --mode replace for it");
            const auto order = theirs.delete_order();
            for (const auto& fk : order.broken)
                if (!fk.deferrable && fk.child != fk.parent && chosen.contains(relation_key(theirs, fk.child)))
                    throw Refused(fmt::format("{} is in a foreign-key cycle through {} that is not deferrable: merge "
                                              "cannot order its inserts",
                                              fk.child.display(), fk.constraint),
                                  "use --mode replace, or make the key DEFERRABLE");
        }
        for (auto& w : lost_key_versions(ctx, backup, tx, tenant.id)) result.warnings.push_back(std::move(w));

        // Both sides before anything changes: what the report and the checks compare.
        std::map<std::string, RestoredTable> report;
        std::map<std::string, Fingerprint> backup_prints, here_prints;
        long long here_total = 0, backup_total = 0;
        for (const auto& pair : pairs) {
            if (!chosen.contains(pair.key)) continue;
            backup_prints[pair.key] = fingerprint(backup, theirs, *pair.source, pair.compared_columns, tenant.tenancy_value);
            here_prints[pair.key] = fingerprint(tx, mine, *pair.target, pair.compared_columns, tenant.tenancy_value);
            auto& t = report[pair.key];
            t.table = pair.key;
            t.backup = backup_prints[pair.key].rows;
            t.here_before = here_prints[pair.key].rows;
            t.same_before = backup_prints[pair.key] == here_prints[pair.key];
            here_total += t.here_before;
            backup_total += t.backup;
        }

        // A tenant's own schema: the chosen tables' user triggers are off while its rows come
        // back (the backup's rows hold what they wrote; an audit trigger would write it twice).
        // Its tables are its own, so locking them against writes until the commit pauses
        // only this tenant. Shared tables keep their triggers: they are every tenant's.
        std::optional<UserTriggersOff> triggers_off;
        if (mine.whole_schema()) {
            std::vector<std::string> tables;
            for (const auto& pair : pairs) {
                if (!pair.target || !chosen.contains(pair.key)) continue;
                tables.push_back(pair.target->name.quoted());
                for (const auto& part : pair.target->partitions) tables.push_back(part.quoted());
            }
            triggers_off.emplace(tx, tables);
        }
        // Shared tables: the app's triggers stay quiet in this transaction only (app_triggers.hpp).
        std::vector<const model::Relation*> written;
        if (!mine.whole_schema())
            for (const auto& pair : pairs)
                if (pair.target && chosen.contains(pair.key)) written.push_back(pair.target);
        AppTriggersQuiet quiet(tx, mine, written, o.fire_triggers, result.warnings);

        util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "restoring " + o.slug,
                                    backup_total);
        long long done = 0;
        if (result.mode == RestoreMode::replace) {
            if (!ctx.dry_run() &&
                !ctx.confirm(fmt::format("replace tenant {}'s {} rows in {} tables here with the backup's {} rows?", o.slug,
                                         here_total, chosen.size(), backup_total)))
                throw Aborted("restore declined");
            for (const auto& [table, n] : delete_tenant_rows(tx, mine, chosen, tenant.tenancy_value)) report[table].deleted = n;
            const RowTransform as_they_are;
            copy_tenant_rows(backup, tx,
                             RowsCopy{theirs, as_they_are, backup.quote(tenant.tenancy_value), tenant.tenancy_value,
                                      [&](const model::Relation& r) { return chosen.contains(relation_key(theirs, r)); },
                                      [&](const model::Relation& r) {
                                          report[relation_key(theirs, r)].inserted = backup_prints[relation_key(theirs, r)].rows;
                                          progress.update(done += backup_prints[relation_key(theirs, r)].rows);
                                          util::failpoint("restore.table");
                                      },
                                      {}});
        } else {
            tx.exec("SET CONSTRAINTS ALL DEFERRED");
            const auto order = theirs.delete_order();
            int n = 0;
            for (auto it = order.tables.rbegin(); it != order.tables.rend(); ++it) {
                const model::Relation& r = theirs.get(*it);
                if (!chosen.contains(relation_key(theirs, r))) continue;
                const auto& pair = *std::find_if(pairs.begin(), pairs.end(), [&](const RelationPair& p) { return p.key == relation_key(theirs, r); });
                report[pair.key].inserted =
                    merge_table(backup, tx, theirs, r, *pair.target, pair, tenant.tenancy_value, n++);
                progress.update(done += backup_prints[pair.key].rows);
                util::failpoint("restore.table");
            }
            tx.exec("SET CONSTRAINTS ALL IMMEDIATE");
        }
        quiet.finish(tenant.tenancy_value, result.mode == RestoreMode::replace, "here");

        // The proof, read back in this transaction: replace leaves exactly the backup's rows;
        // after a merge, every table has its rows before plus those inserted.
        for (const auto& pair : pairs) {
            if (!chosen.contains(pair.key)) continue;
            auto& t = report[pair.key];
            const auto now = fingerprint(tx, mine, *pair.target, pair.compared_columns, tenant.tenancy_value);
            t.here_after = now.rows;
            const bool ok = result.mode == RestoreMode::replace ? now == backup_prints[pair.key]
                                                                : now.rows == t.here_before + t.inserted;
            if (!ok)
                throw IntegrityError(fmt::format("{}: after the restore the tenant has {} rows here (checksum {}); expected "
                                                 "{}: nothing was committed",
                                                 pair.key, now.rows, now.checksum,
                                                 result.mode == RestoreMode::replace
                                                     ? fmt::format("the backup's {} rows (checksum {})", backup_prints[pair.key].rows,
                                                                   backup_prints[pair.key].checksum)
                                                     : fmt::format("{} rows", t.here_before + t.inserted)),
                                     "look for triggers on the table that change or add rows");
            result.deleted += t.deleted;
            result.inserted += t.inserted;
            result.tables.push_back(t);
        }

        if (triggers_off) triggers_off->restore();

        audit::Event ev;
        ev.tenant_id = tenant.id;
        ev.action = "tenant.restore_from";
        ev.resource_type = "tenant";
        ev.resource_id = o.slug;
        json tables = json::array();
        for (const auto& t : result.tables)
            tables.push_back(json{{"table", t.table}, {"deleted", t.deleted}, {"inserted", t.inserted}});
        ev.metadata = json{{"from", o.from},   {"source", peer.target},        {"mode", o.mode},
                           {"tables", tables}, {"deleted", result.deleted},    {"inserted", result.inserted}};
        if (o.note) ev.metadata["point_in_time_note"] = *o.note;
        audit::append(ctx, tx, ev);
        if (ctx.dry_run()) {
            tx.abort();
            return result;
        }
        for (const auto& pair : pairs)
            if (chosen.contains(pair.key) && report[pair.key].inserted > 0) advance_sequences(tx, *pair.target);
        tx.commit();
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("restoring the tenant's rows");
    }
    return result;
}

}  // namespace tenantctl::portability
