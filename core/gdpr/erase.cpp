#include "core/gdpr/erase.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/audit/append.hpp"
#include "core/audit/chain.hpp"
#include "core/audit/month_archive.hpp"
#include "core/audit/pseudonymize.hpp"
#include "core/context.hpp"
#include "core/crypto/hash.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/gdpr/anonymize.hpp"
#include "core/gdpr/anonymize_hash.hpp"
#include "core/model/tenant_data.hpp"
#include "core/model/user_triggers.hpp"
#include "core/gdpr/register.hpp"
#include "core/gdpr/session.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/moving.hpp"
#include "core/util/atomic_file.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::gdpr {

namespace fs = std::filesystem;
using config::AnonymizeStrategy;
using config::EraseAction;

std::string hmac_pseudonym_sql(const std::string& value_sql, const std::string& ipad, const std::string& opad) {
    return fmt::format("'anon_' || left(encode(sha256({1} || sha256({0} || convert_to({2}, 'UTF8'))), 'hex'), 32)",
                       ipad, opad, value_sql);
}

namespace {

struct Step {
    std::size_t index;
    EraseAction action;
    std::string keys_table;  // temp table with the row identities of the chosen rows
    long long rows = 0;
    std::map<std::string, ColumnAnonymization> columns;  // anonymize only
    std::string values_table;  // anonymize: temp table of identities and the values written
    long long written_during = 0;  // rows of the subject the app's triggers wrote during the erasure
};

std::string pk_list(const std::vector<std::string>& pk, const std::string& alias = "") {
    std::vector<std::string> parts;
    for (const auto& c : pk) parts.push_back((alias.empty() ? "" : alias + ".") + db::quote_ident(c));
    return util::join(parts, ", ");
}

std::string in_table(const std::vector<std::string>& key, const std::string& table, const std::string& alias) {
    return fmt::format("({}) IN (SELECT {} FROM {})", pk_list(key, alias), pk_list(key), table);
}

std::string in_keys(const Step& st, const ReachedTable& t, const std::string& alias) {
    return in_table(t.primary_key, st.keys_table, alias);
}

// `(c.a, c.b) IN (SELECT p.x, p.y FROM parent p WHERE <rows in gone>)`: a plain column list
// in the subquery (a composite key wrapped in one row value has "too few columns").
std::string references_rows(const catalog::ForeignKey& fk, const model::Relation& parent, const std::string& gone) {
    return fmt::format("{} IN (SELECT {} FROM {} p WHERE {})", model::column_tuple(fk.child_columns, "c"),
                       pk_list(fk.parent_columns, "p"), parent.name.quoted(), in_table(parent.identity.columns, gone, "p"));
}

// Identifiers that look like e-mail addresses are matched case-insensitively in the audit
// log: the app may have logged Alice@Example.com for alice@example.com. Returns the
// identifiers plus every case variant found in the tenant's events.
// A row the erase keeps that still references an erased row (ON DELETE NO ACTION or
// RESTRICT, and not cleared by the step before: its columns cannot be NULL, or its parent
// goes only by cascade) would make the DELETE fail on a foreign-key violation. Found before
// any DELETE and named with its way out; the transaction (and a dry run) ends there.
void refuse_kept_references(const model::TenantData& md, pqxx::transaction_base& tx,
                            const std::map<catalog::TableName, std::string>& gone) {
    for (const auto& fk : md.foreign_keys()) {
        if (!gone.count(fk.parent) || fk.on_delete == 'c' || fk.on_delete == 'n' || fk.on_delete == 'd') continue;
        const model::Relation& child = md.get(fk.child);
        std::string kept;
        if (gone.count(fk.child)) {
            if (!child.identity) continue;
            kept = " AND NOT " + in_table(child.identity.columns, gone.at(fk.child), "c");
        }
        const long long n =
            tx.exec(fmt::format("SELECT count(*) FROM {} c WHERE {}{}", fk.child.quoted(),
                                references_rows(fk, md.get(fk.parent), gone.at(fk.parent)), kept))[0][0]
                .as<long long>();
        if (n == 0) continue;
        throw Refused(
            fmt::format("cannot erase: {} row(s) of {} that stay reference erased rows of {} through {} ({}), "
                        "which cannot be cleared",
                        n, fk.child.display(), fk.parent.display(), fk.constraint, util::join(fk.child_columns, ", ")),
            fmt::format("anonymize {} instead of deleting it (erase: anonymize), delete {} too, or give {} ON DELETE "
                        "SET NULL or CASCADE",
                        fk.parent.display(), fk.child.display(), fk.constraint));
    }
}

std::vector<std::string> with_case_variants(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                            const std::vector<std::string>& ids) {
    std::vector<std::string> lowered;
    for (const auto& id : ids)
        if (id.find('@') != std::string::npos) lowered.push_back(util::to_lower(id));
    std::vector<std::string> out = ids;
    if (lowered.empty()) return out;
    auto rows = tx.exec_params(
        fmt::format("SELECT DISTINCT x.v FROM {} a CROSS JOIN LATERAL ("
                    "  SELECT a.actor_id UNION ALL SELECT a.resource_id UNION ALL SELECT a.user_agent UNION ALL "
                    "  SELECT j #>> '{{}}' FROM jsonb_path_query(a.metadata, 'strict $.**') j WHERE jsonb_typeof(j) = 'string'"
                    ") x(v) WHERE a.tenant_id = $1::uuid AND lower(x.v) = ANY($2::text[]) ORDER BY 1",
                    ctx.platform_table("audit_log")),
        tenant_id, db::text_array(lowered));
    for (const auto& r : rows)
        if (std::find(out.begin(), out.end(), r[0].c_str()) == out.end()) out.push_back(r[0].c_str());
    return out;
}

// An audit month archived and dropped before this erasure keeps the subject's identifiers in
// its archive: the erasure changes the log, never a file (and an archive is checked against
// its recorded SHA-256). The receipt says which, and the operator hears it: it is theirs to
// decide whether those archives are erased, kept under a legal basis, or age out.
void note_archived_audit_months(Context& ctx, pqxx::transaction_base& tx, json& receipt) {
    const auto months = audit::archived_months(ctx, tx);
    if (months.empty()) return;
    json listed = json::array();
    for (const auto& m : months) listed.push_back({{"partition", m.partition}, {"archives", m.archives}});
    receipt["audit_archives_not_erased"] = {
        {"note", "audit months archived and dropped before this erasure; their archives may hold the subject's "
                 "identifiers, and erasure does not rewrite them"},
        {"months", listed}};
    ctx.log().warn(fmt::format("{} audit month{} ({}{}) {} archived and dropped before this erasure: {} archive{} may "
                               "hold the subject's identifiers, which erasure does not rewrite (listed in the receipt "
                               "under audit_archives_not_erased)",
                               months.size(), months.size() == 1 ? "" : "s", months.front().partition,
                               months.size() == 1 ? "" : " to " + months.back().partition,
                               months.size() == 1 ? "was" : "were", months.size() == 1 ? "its" : "their",
                               months.size() == 1 ? "" : "s"));
}

}  // namespace

EraseResult erase_subject(Context& ctx, const EraseOptions& o) {
    platform::require_current(ctx);
    if (o.output && !ctx.dry_run()) {
        if (fs::exists(*o.output) && !o.force)
            throw Refused(fmt::format("{} already exists", o.output->string()), "pass --force to overwrite it");
        fs::path dir = o.output->has_parent_path() ? o.output->parent_path() : fs::path(".");
        if (::access(dir.c_str(), W_OK) != 0)
            throw UsageError(fmt::format("cannot write {}: directory is not writable", o.output->string()));
    }
    auto lock = ctx.dry_run() ? nullptr : ctx.lock("gdpr:erase:" + o.tenant);

    EraseResult result;
    result.request_id = o.request.value_or(new_request_id());
    // A dry run is the whole erasure, rolled back at the end: it meets every error the real
    // run would (a kept row's foreign key, a type a strategy cannot write) and exits the same.
    pqxx::work tx(ctx.db());
    auto s = open_session(ctx, tx, o.tenant, o.selector);
    tenants::require_not_moving(s.tenant, "erase a data subject");
    if (o.request) require_open_request(ctx, tx, s.tenant.id, *o.request, "erase");
    const auto& map = s.map;
    const model::TenantData& md = *map.model;
    // A tenant that never had an audit key gets one on the real run; a dry run must not show a
    // pseudonym from a key it is about to roll back.
    const std::string pseudonym = ctx.dry_run() && audit::tenant_audit_key(ctx, tx, s.tenant.id, false).empty()
                                      ? std::string("(assigned on erasure)")
                                      : subject_pseudonym(ctx, tx, s);

    // 1. Choose the rows, once.
    std::vector<Step> steps;
    std::vector<std::string> problems;
    for (std::size_t i = 0; i < map.reached.size(); ++i) {
        const auto& t = map.reached[i];
        if (!t.config || !t.config->erase)
            throw UsageError(fmt::format("data map: {} holds the subject's rows but has no erase action", t.name.display()),
                             "add it under data.tables with erase: delete|anonymize|retain (gdpr lint lists these)");
        Step st{i, *t.config->erase, fmt::format("pg_temp.gdpr_erase_{}", i), 0, {}, {}, 0};
        if (st.action != EraseAction::retain && t.primary_key.empty())
            throw Refused(fmt::format("{} has no primary key: its rows cannot be erased one by one", t.name.display()),
                          "add a primary key, or mark the table erase: retain with its basis");
        std::string cols = t.primary_key.empty() ? "1 AS one" : pk_list(t.primary_key, "t");
        tx.exec_params(fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS {}", st.keys_table, map.select(i, cols)),
                       s.tenant.tenancy_value, s.subject.key);
        st.rows = tx.exec1(fmt::format("SELECT count(*) FROM {}", st.keys_table))[0].as<long long>();
        if (st.action == EraseAction::anonymize) {
            st.columns = anonymize_plan(*t.relation, *t.config);
            for (const auto& [c, a] : st.columns)
                if (!a.problem.empty()) problems.push_back(fmt::format("{}.{}: {}", t.name.display(), c, a.problem));
        }
        steps.push_back(std::move(st));
    }
    if (!problems.empty()) {
        Refused err("the data map asks for anonymization some columns cannot take", "see gdpr lint; use erase: delete "
                                                                                     "or another strategy for them");
        for (const auto& p : problems) err.with_detail(p);
        throw err;
    }
    auto step_of = [&](const catalog::TableName& n) -> const Step* {
        for (const auto& st : steps)
            if (map.reached[st.index].name == n) return &st;
        return nullptr;
    };

    json tables = json::array();
    for (const auto& st : steps) {
        const auto& t = map.reached[st.index];
        json entry = {{"table", t.name.display()}, {"action", std::string(config::to_string(st.action))},
                      {"rows", st.rows}};
        if (st.action == EraseAction::anonymize) {
            json cols = json::object();
            for (const auto& [c, a] : st.columns)
                cols[c] = a.skipped ? std::string("not written (") + a.note + ")"
                          : a.note.empty() ? std::string(config::to_string(a.applied))
                                           : std::string(config::to_string(a.applied)) + " (" + a.note + ")";
            entry["columns"] = cols;
        }
        if (st.action == EraseAction::retain) entry["basis"] = *t.config->basis;
        entry["reason"] = st.action == EraseAction::retain ? "kept: " + *t.config->basis
                                                            : std::string("erasure request (GDPR Art. 17)");
        tables.push_back(entry);
    }
    json receipt = {{"request_id", result.request_id}, {"tenant", s.tenant.slug}, {"subject", pseudonym},
                    {"dry_run", ctx.dry_run()},        {"tables", tables}};
    // The erasure updates and deletes as the app would, so the app's triggers fire. The check
    // below re-reads every table of the data map, but a value a trigger copied elsewhere (a
    // history or archive table the map does not list) is beyond it: the receipt and the
    // operator name those triggers instead of claiming more than was verified.
    {
        std::vector<const model::Relation*> changed;
        for (const auto& st : steps)
            if (st.action != EraseAction::retain && st.rows > 0 && map.reached[st.index].relation)
                changed.push_back(map.reached[st.index].relation);
        const auto fired = model::user_triggers_of(tx, changed, model::kOnUpdate | model::kOnDelete).all();
        receipt["triggers_fired"] = fired;
        if (!fired.empty())
            ctx.log().warn(fmt::format("{} trigger{} of the app fire{} on the rows this erasure changes ({}): what they "
                                       "write outside the tables of the data map is not erased, nor checked",
                                       fired.size(), fired.size() == 1 ? "" : "s", fired.size() == 1 ? "s" : "",
                                       util::join(fired, ", ")));
    }
    if (!ctx.dry_run()) receipt["erased_at"] = tx.exec1("SELECT to_char(now() AT TIME ZONE 'UTC', "
                                                        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")[0].c_str();

    long long total = 0;
    for (const auto& st : steps) total += st.action == EraseAction::retain ? 0 : st.rows;
    if (!ctx.dry_run() &&
        !ctx.confirm(fmt::format("erase subject {} of tenant {} ({} rows deleted or anonymized)?", pseudonym,
                                 s.tenant.slug, total)))
        throw Aborted("erase declined");

    // 2. Anonymize: the values to write are computed once into a temp table (keyed by the row
    // identity), written, and compared after the writes. `keys` names the rows to write: the
    // chosen ones, or those a later round found.
    auto akey = anonymize_key(ctx, tx, s.tenant.id);
    std::string ipad(64, '\x36'), opad(64, '\x5c');
    for (std::size_t i = 0; i < akey.size(); ++i) {
        ipad[i] = static_cast<char>(ipad[i] ^ akey.data()[i]);
        opad[i] = static_cast<char>(opad[i] ^ akey.data()[i]);
    }
    auto anonymize_rows = [&](Step& st, const std::string& keys) {
        const auto& t = map.reached[st.index];
        std::vector<std::string> values, sets;
        std::size_t n = 0;
        for (const auto& [c, a] : st.columns) {
            if (a.skipped) continue;
            const model::Column& col = *t.relation->column(c);
            values.push_back(fmt::format("{} AS v{}", anonymized_value_sql(col, a.applied, "t." + db::quote_ident(c), "$1::bytea", "$2::bytea"), n));
            // The scratch table may hold NULL as text: cast back to the column's own type.
            sets.push_back(fmt::format("{} = a.v{}::{}", db::quote_ident(c), n, col.type));
            ++n;
        }
        if (values.empty()) return;
        const std::string computed =
            fmt::format("SELECT {}, {} FROM {} t WHERE {} AND $1::bytea IS NOT NULL AND $2::bytea IS NOT NULL",
                        pk_list(t.primary_key, "t"), util::join(values, ", "), t.name.quoted(),
                        in_table(t.primary_key, keys, "t"));
        if (st.values_table.empty()) {
            st.values_table = fmt::format("pg_temp.gdpr_anon_{}", st.index);
            tx.exec_params(fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS {}", st.values_table, computed),
                           pqxx::binarystring(ipad), pqxx::binarystring(opad));
        } else {
            tx.exec_params(fmt::format("INSERT INTO {} {}", st.values_table, computed), pqxx::binarystring(ipad),
                           pqxx::binarystring(opad));
        }
        tx.exec_params(fmt::format("UPDATE {} t SET {} FROM {} a WHERE {} AND ({}) = ({}) AND {}", t.name.quoted(),
                                   util::join(sets, ", "), st.values_table, md.tenant_predicate(*t.relation, "t", 1),
                                   pk_list(t.primary_key, "t"), pk_list(t.primary_key, "a"),
                                   in_table(t.primary_key, keys, "t")),
                       s.tenant.tenancy_value);
    };
    for (auto& st : steps)
        if (st.action == EraseAction::anonymize && st.rows > 0) anonymize_rows(st, st.keys_table);

    // The app's triggers may write the subject's rows during the erasure: a history table that
    // an UPDATE trigger fills with the old e-mail, a notice queued by a DELETE trigger. Rows of
    // a mapped table are the subject's whoever wrote them, so after each write step the subject
    // queries run again (`until_none`); new rows are anonymized or deleted like the chosen ones,
    // until a round finds none.
    //
    // The erased rows of each delete step are kept (`gone`) for the subject queries that run
    // after the deletes: a row reached through a deleted one (a versions row a trigger wrote as
    // the user went, linked to users.id) is still the subject's, though its path now leads
    // nowhere.
    DataMap::Gone gone;
    auto keep_gone = [&](const Step& st, const std::string& keys) {
        const auto& t = map.reached[st.index];
        const std::string rows =
            fmt::format("SELECT * FROM {} t WHERE {}", t.name.quoted(), in_table(t.primary_key, keys, "t"));
        if (auto it = gone.find(st.index); it != gone.end()) {
            tx.exec0(fmt::format("INSERT INTO {} {}", it->second, rows));
        } else {
            gone[st.index] = fmt::format("pg_temp.gdpr_gone_{}", st.index);
            tx.exec0(fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS {}", gone[st.index], rows));
        }
    };
    // The identities a round found in a step's table, added to its chosen rows; how many.
    auto fresh_table = [](const Step& st) { return fmt::format("pg_temp.gdpr_fresh_{}", st.index); };
    auto choose_new_rows = [&](Step& st) -> long long {
        const auto& t = map.reached[st.index];
        if (st.action == EraseAction::retain || t.primary_key.empty()) return 0;
        const std::string fresh = fresh_table(st);
        tx.exec0("DROP TABLE IF EXISTS " + fresh);
        query_subject(tx, s, fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS {} EXCEPT SELECT {} FROM {}", fresh,
                                         map.select(st.index, pk_list(t.primary_key, "t"), "t", gone),
                                         pk_list(t.primary_key), st.keys_table));
        const long long n = tx.exec1(fmt::format("SELECT count(*) FROM {}", fresh))[0].as<long long>();
        if (n == 0) return 0;
        tx.exec0(fmt::format("INSERT INTO {} SELECT {} FROM {}", st.keys_table, pk_list(t.primary_key), fresh));
        st.rows += n;
        st.written_during += n;
        return n;
    };
    // Rounds until none finds a row: new rows of anonymize steps are anonymized; those of
    // delete steps are deleted once `deletes_done` (before, the deletes take them). A trigger
    // that writes new rows every round is refused, the whole erasure rolled back.
    constexpr int kMaxRounds = 8;
    auto until_none = [&](bool deletes_done) {
        for (int round = 1;; ++round) {
            std::vector<std::string> found;
            std::vector<catalog::TableName> to_delete;
            for (auto& st : steps) {
                const long long n = choose_new_rows(st);
                if (n == 0) continue;
                found.push_back(fmt::format("{}: {} row(s)", map.reached[st.index].name.display(), n));
                if (st.action == EraseAction::anonymize) anonymize_rows(st, fresh_table(st));
                else if (deletes_done) to_delete.push_back(map.reached[st.index].name);
            }
            if (found.empty()) return;
            if (round == kMaxRounds) {
                IntegrityError err(fmt::format("the app's triggers still write rows of the subject after {} rounds of "
                                               "erasure: rolled back, nothing changed",
                                               kMaxRounds),
                                   "a trigger on a table of the data map writes the subject's rows again each time "
                                   "they are erased; change it, or map its table as erase: retain with its basis");
                for (const auto& f : found) err.with_detail(f);
                throw err;
            }
            const auto order = catalog::delete_order(to_delete, md.foreign_keys()).tables;
            for (const auto& name : order) keep_gone(*step_of(name), fresh_table(*step_of(name)));
            for (const auto& name : order) {
                const auto& t = map.reached[step_of(name)->index];
                tx.exec0(fmt::format("DELETE FROM {} t WHERE {}", t.name.quoted(),
                                     in_table(t.primary_key, fresh_table(*step_of(name)), "t")));
            }
        }
    };
    until_none(false);

    // 3. Deletes: first clear references to the doomed rows from rows that stay, then count
    // what ON DELETE CASCADE / SET NULL will take with them, then break cycles among the
    // doomed tables, then delete children before parents.
    std::vector<catalog::TableName> doomed;
    for (const auto& st : steps)
        if (st.action == EraseAction::delete_rows && st.rows > 0) doomed.push_back(map.reached[st.index].name);
    json cleared = json::array();
    for (const auto& fk : md.foreign_keys()) {
        const Step* pst = step_of(fk.parent);
        if (!pst || pst->action != EraseAction::delete_rows || pst->rows == 0) continue;
        if (fk.on_delete == 'c' || fk.on_delete == 'n' || fk.on_delete == 'd' || !fk.child_columns_nullable) continue;
        const Step* cst = step_of(fk.child);
        const model::Relation& child = md.get(fk.child);
        std::string outside;
        if (cst && cst->action == EraseAction::delete_rows)
            outside = " AND NOT " + in_keys(*cst, map.reached[cst->index], "c");
        std::vector<std::string> sets;
        for (const auto& c : fk.nullify_columns) sets.push_back(db::quote_ident(c) + " = NULL");
        auto r = tx.exec_params(fmt::format("UPDATE {} c SET {} WHERE {} AND {}{}", fk.child.quoted(),
                                            util::join(sets, ", "), md.tenant_predicate(child, "c", 1),
                                            references_rows(fk, md.get(fk.parent), pst->keys_table), outside),
                                s.tenant.tenancy_value);
        if (r.affected_rows() > 0)
            cleared.push_back({{"table", fk.child.display()}, {"columns", fk.nullify_columns},
                               {"rows", r.affected_rows()}, {"reason", "referenced an erased row"}});
    }
    // Rows the database removes or unlinks by itself: followed transitively from the doomed
    // rows, counted now, in this transaction, and reported as deleted (never as retained).
    json cascaded = json::array();
    {
        std::map<catalog::TableName, std::string> gone;  // relation -> temp table of its doomed identities
        for (const auto& name : doomed) gone[name] = step_of(name)->keys_table;
        std::vector<catalog::TableName> work = doomed;
        std::map<catalog::TableName, long long> deleted_by_cascade, unlinked;
        std::size_t next_temp = 0;
        while (!work.empty()) {
            auto parent_name = work.back();
            work.pop_back();
            const model::Relation& parent = md.get(parent_name);
            for (const auto& fk : md.foreign_keys()) {
                if (fk.parent != parent_name) continue;
                const model::Relation& child = md.get(fk.child);
                const std::string match = references_rows(fk, parent, gone[parent_name]);
                if (fk.on_delete == 'n' || fk.on_delete == 'd') {
                    std::string not_gone = gone.count(fk.child) && child.identity
                                               ? " AND NOT " + in_table(child.identity.columns, gone[fk.child], "c")
                                               : "";
                    unlinked[fk.child] += tx.exec(fmt::format("SELECT count(*) FROM {} c WHERE {}{}", fk.child.quoted(),
                                                              match, not_gone))[0][0].as<long long>();
                    continue;
                }
                if (fk.on_delete != 'c') continue;
                if (!child.identity) {
                    deleted_by_cascade[fk.child] +=
                        tx.exec(fmt::format("SELECT count(*) FROM {} c WHERE {}", fk.child.quoted(), match))[0][0]
                            .as<long long>();
                    continue;
                }
                const auto& key = child.identity.columns;
                std::string fresh = fmt::format("SELECT {} FROM {} c WHERE {}", pk_list(key, "c"), fk.child.quoted(), match);
                long long added = 0;
                if (!gone.count(fk.child)) {
                    gone[fk.child] = fmt::format("pg_temp.gdpr_cascade_{}", next_temp++);
                    tx.exec0(fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS {}", gone[fk.child], fresh));
                    added = tx.exec1(fmt::format("SELECT count(*) FROM {}", gone[fk.child]))[0].as<long long>();
                } else {
                    added = static_cast<long long>(
                        tx.exec0(fmt::format("INSERT INTO {0} {1} EXCEPT SELECT {2} FROM {0}", gone[fk.child], fresh,
                                             pk_list(key)))
                            .affected_rows());
                }
                if (added > 0) {
                    deleted_by_cascade[fk.child] += added;
                    work.push_back(fk.child);
                }
            }
        }
        // A mapped table the map keeps (retain, anonymize) can still lose the subject's rows to a
        // cascade: the receipt says they were deleted.
        for (std::size_t k = 0; k < steps.size(); ++k) {
            const auto& st = steps[k];
            const auto& t = map.reached[st.index];
            if (st.action == EraseAction::delete_rows || st.rows == 0 || !gone.count(t.name) || t.primary_key.empty())
                continue;
            const long long n = tx.exec(fmt::format("SELECT count(*) FROM {} k WHERE {}", st.keys_table,
                                                    in_table(t.primary_key, gone[t.name], "k")))[0][0]
                                    .as<long long>();
            if (n > 0) {
                receipt["tables"][k]["deleted_by_cascade"] = n;
                receipt["tables"][k]["reason"] =
                    receipt["tables"][k]["reason"].get<std::string>() +
                    fmt::format("; {} of these rows are deleted by ON DELETE CASCADE with an erased row", n);
            }
        }
        for (const auto& [name, n] : deleted_by_cascade)
            if (n > 0)
                cascaded.push_back({{"table", name.display()}, {"action", "delete"}, {"rows", n},
                                    {"reason", "deleted by ON DELETE CASCADE with an erased row"}});
        for (const auto& [name, n] : unlinked)
            if (n > 0)
                cleared.push_back({{"table", name.display()}, {"rows", n},
                                   {"reason", "unlinked by ON DELETE SET NULL/DEFAULT from an erased row"}});
        refuse_kept_references(md, tx, gone);
    }
    auto order = catalog::delete_order(doomed, md.foreign_keys());
    for (const auto& fk : order.broken) {
        const Step* cst = step_of(fk.child);
        if (fk.deferrable) {
            tx.exec0("SET CONSTRAINTS " + db::quote_qualified(fk.child.schema, fk.constraint) + " DEFERRED");
            continue;
        }
        std::vector<std::string> sets;
        for (const auto& c : fk.nullify_columns) sets.push_back(db::quote_ident(c) + " = NULL");
        tx.exec0(fmt::format("UPDATE {} c SET {} WHERE {}", fk.child.quoted(), util::join(sets, ", "),
                             in_keys(*cst, map.reached[cst->index], "c")));
    }
    for (const auto& name : order.tables) keep_gone(*step_of(name), step_of(name)->keys_table);
    for (const auto& name : order.tables) {
        const Step* st = step_of(name);
        const auto& t = map.reached[st->index];
        tx.exec0(fmt::format("DELETE FROM {} t WHERE {}", t.name.quoted(), in_keys(*st, t, "t")));
    }
    // The deletes fire the app's triggers too (a notice queued as a member goes).
    until_none(true);
    std::fill(ipad.begin(), ipad.end(), 0);
    std::fill(opad.begin(), opad.end(), 0);
    for (std::size_t k = 0; k < steps.size(); ++k) {
        if (steps[k].written_during == 0) continue;
        auto& entry = receipt["tables"][k];
        entry["rows"] = steps[k].rows;
        entry["written_during_erasure"] = steps[k].written_during;
        entry["reason"] = entry["reason"].get<std::string>() +
                          fmt::format("; {} of these rows were written by the app's triggers during the erasure",
                                      steps[k].written_during);
    }

    // 4. The audit log keeps its events, with the subject pseudonymized by the audit chain's
    // own rule (sealed events still verify); the register names the person by the same
    // pseudonym the events now carry.
    const auto identifiers = with_case_variants(ctx, tx, s.tenant.id, s.subject.identifiers);
    const auto pz = audit::pseudonymize_subject(ctx, tx, s.tenant.id, identifiers);
    const json audit_changed = {{"actor_id", pz.actor_fields},
                                {"resource_id", pz.resource_fields},
                                {"ip_user_agent", pz.network_fields},
                                {"metadata", pz.metadata_fields}};
    tx.exec_params(fmt::format("UPDATE {} SET subject = $3 WHERE tenant_id = $1::uuid AND subject = $2",
                               ctx.platform_table("gdpr_requests")),
                   s.tenant.id, s.subject.canonical(), pseudonym);

    // 5. Verify before COMMIT: nothing erasable may remain.
    std::vector<std::string> left;
    for (const auto& st : steps) {
        const auto& t = map.reached[st.index];
        long long n = 0;
        if (st.action == EraseAction::delete_rows) {
            n = query_subject(tx, s, map.select(st.index, "count(*)", "t", gone))[0][0].as<long long>();
        } else if (!st.values_table.empty()) {
            std::vector<std::string> any;
            std::size_t k = 0;
            for (const auto& [c, a] : st.columns) {
                if (a.skipped) continue;
                // Text comparison: json and some other types have no equality operator.
                any.push_back(fmt::format("t.{}::text IS DISTINCT FROM a.v{}::text", db::quote_ident(c), k++));
            }
            n = tx.exec(fmt::format("SELECT count(*) FROM {} t JOIN {} a ON ({}) = ({}) WHERE {}", t.name.quoted(),
                                    st.values_table, pk_list(t.primary_key, "t"), pk_list(t.primary_key, "a"),
                                    util::join(any, " OR ")))[0][0]
                    .as<long long>();
            // Rows of the subject the erasure never wrote (a trigger's, after the last round).
            n += query_subject(tx, s, fmt::format("SELECT count(*) FROM ({} EXCEPT SELECT {} FROM {}) x",
                                                  map.select(st.index, pk_list(t.primary_key, "t"), "t", gone),
                                                  pk_list(t.primary_key), st.values_table))[0][0]
                     .as<long long>();
        }
        if (n > 0) left.push_back(fmt::format("{}: {} row(s)", t.name.display(), n));
    }
    json ids = identifiers;
    auto audit_left = tx.exec_params(
        fmt::format("SELECT count(*) FROM {} a WHERE a.tenant_id = $1::uuid AND EXISTS (SELECT FROM "
                    "jsonb_array_elements_text($2::jsonb) v(id) WHERE a.actor_id = v.id OR a.resource_id = v.id "
                    "OR a.user_agent = v.id OR jsonb_path_exists(a.metadata, '$.** ? (@ == $v)', "
                    "jsonb_build_object('v', v.id)))",
                    ctx.platform_table("audit_log")),
        s.tenant.id, ids.dump())[0][0].as<long long>();
    if (audit_left > 0) left.push_back(fmt::format("audit log: {} event(s)", audit_left));
    if (!left.empty()) {
        tx.abort();
        IntegrityError err("after erasure the subject queries still find personal data: rolled back, nothing changed",
                           "a trigger or default may be restoring values; check the listed tables");
        for (auto& l : left) err.with_detail(l);
        throw err;
    }

    receipt["cascaded"] = cascaded;
    receipt["references_cleared"] = cleared;
    receipt["audit_fields_pseudonymized"] = audit_changed;
    note_archived_audit_months(ctx, tx, receipt);
    receipt["verified"] = true;
    if (ctx.dry_run()) {
        tx.abort();
        result.receipt = std::move(receipt);
        return result;
    }
    result.sha256 = crypto::sha256_hex(receipt.dump(2) + "\n");
    RequestRecord rec;
    rec.tenant_id = s.tenant.id;
    rec.id = result.request_id;
    rec.kind = "erase";
    rec.subject = pseudonym;
    rec.artifact_sha256 = result.sha256;
    if (o.output) rec.artifact = o.output->filename().string();
    rec.receipt = receipt;
    record_request(ctx, tx, rec, o.request);
    json counts = json::object();
    for (const auto& st : steps) counts[map.reached[st.index].name.display()] = st.rows;
    for (const auto& c : cascaded) counts[c["table"].get<std::string>()] = c["rows"];
    audit::append(ctx, tx,
                  gdpr::request_event(s.tenant.id, "gdpr.erase", result.request_id,
                   json{{"subject", pseudonym}, {"rows", counts}, {"audit_fields_pseudonymized", audit_changed},
                        {"sha256", result.sha256}}));
    tx.commit();

    // The receipt is in the register already (same transaction); the file is a copy.
    if (o.output) {
        util::write_file_atomic(*o.output, receipt.dump(2) + "\n", 0600);
        result.path = o.output;
    }
    result.receipt = std::move(receipt);
    return result;
}

}  // namespace tenantctl::gdpr
