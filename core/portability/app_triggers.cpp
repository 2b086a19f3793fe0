#include "core/portability/app_triggers.hpp"

#include <fmt/format.h>

#include <map>

#include "core/citus/cluster.hpp"
#include "core/errors.hpp"
#include "core/model/user_triggers.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

AppTriggersQuiet::AppTriggersQuiet(pqxx::transaction_base& tx, const model::TenantData& model,
                                   const std::vector<const model::Relation*>& written, bool fire,
                                   std::vector<std::string>& warnings)
    : m_tx(tx), m_model(model), m_written(written) {
    if (fire || written.empty()) return;
    auto triggers = model::user_triggers_of(tx, written);
    for (const auto& t : triggers.always)
        warnings.push_back(fmt::format("trigger {} is ENABLE ALWAYS: it fires on the rows written", t));
    if (!triggers.on_citus.empty()) {
        Refused e(fmt::format("{} trigger{} of the app on Citus tables would fire on the rows written, and Citus runs "
                              "them on the shards, where this command cannot keep them quiet",
                              triggers.on_citus.size(), triggers.on_citus.size() == 1 ? "" : "s"),
                  "pass --fire-triggers to let them run on the rows written, or disable them for the time of the copy");
        for (auto& t : triggers.on_citus) e.with_detail(std::move(t));
        throw e;
    }
    if (triggers.quietable.empty()) return;
    if (!model::may_use_replica_role(tx)) {
        Refused e(fmt::format("{} trigger{} of the app would fire on the rows written (their rows already hold what "
                              "the triggers wrote), and this role may not keep them quiet (session_replication_role)",
                              triggers.quietable.size(), triggers.quietable.size() == 1 ? "" : "s"),
                  "as a superuser: GRANT SET ON PARAMETER session_replication_role TO this role; or pass "
                  "--fire-triggers to let them run");
        for (auto& t : triggers.quietable) e.with_detail(std::move(t));
        throw e;
    }
    m_quieted = std::move(triggers.quietable);
    tx.exec("SET LOCAL session_replication_role = replica");
}

void AppTriggersQuiet::finish(const std::string& tenancy_value, bool deleted, const std::string& where) {
    if (m_quieted.empty()) return;
    m_tx.exec("SET LOCAL session_replication_role = origin");
    check_foreign_keys(m_tx, m_model, m_written, tenancy_value,
                       deleted ? KeysChecked::out_of_and_into : KeysChecked::out_of, where);
}

void check_foreign_keys(pqxx::transaction_base& tx, const model::TenantData& model,
                        const std::vector<const model::Relation*>& tables, const std::string& tenancy_value,
                        KeysChecked which, const std::string& where, const std::string& new_since_xmin) {
    if (tables.empty()) return;
    // Which model relation each table (partitions included) is, for its tenant predicate.
    std::vector<const model::Relation*> all;
    for (const auto& r : model.relations()) all.push_back(&r);
    std::map<std::string, const model::Relation*> relation_of;
    for (const auto& r : tx.exec(fmt::format("SELECT r.i, r.rel::oid::text FROM unnest({0}) WITH ORDINALITY r(rel, i) "
                                             "UNION ALL SELECT r.i, p.relid::oid::text FROM unnest({0}) WITH ORDINALITY "
                                             "r(rel, i), LATERAL pg_partition_tree(r.rel) p WHERE p.relid <> r.rel",
                                             model::regclass_array(tx, all))))
        relation_of[r[1].c_str()] = all.at(r[0].as<std::size_t>() - 1);

    // Each foreign key as the SQL pieces of its check, the columns quoted by the server.
    const bool citus = citus::installed(tx);
    const std::string checked = model::relids_of(tx, tables);
    const std::string inside = model::relids_of(tx, all);
    std::string which_keys;
    switch (which) {
        case KeysChecked::out_of: which_keys = fmt::format("c.conrelid IN {}", checked); break;
        case KeysChecked::out_of_and_into:
            which_keys = fmt::format("(c.conrelid IN {0} OR c.confrelid IN {0})", checked);
            break;
        case KeysChecked::out_of_to_outside:
            which_keys = fmt::format("c.conrelid IN {} AND c.confrelid NOT IN {}", checked, inside);
            break;
        case KeysChecked::out_of_to_inside:
            which_keys = fmt::format("c.conrelid IN {} AND c.confrelid IN {}", checked, inside);
            break;
        case KeysChecked::among:
        case KeysChecked::within_tenant:
            which_keys = fmt::format("c.conrelid IN {0} AND c.confrelid IN {0}", checked);
            break;
    }
    // A row version is new since `new_since_xmin` when its xmin is not older: age() counts back
    // from this transaction, computed once (per row it would double the scan's cost).
    std::string only_new;
    if (!new_since_xmin.empty())
        only_new = " AND age(t.xmin) <= " +
                   std::string(tx.exec_params1("SELECT age($1::xid)", new_since_xmin)[0].c_str());
    // A table's schema-qualified name, quoted where SQL needs it: for messages and queries alike.
    const auto qualified = [](std::string_view relid) {
        return fmt::format("(SELECT format('%I.%I', n.nspname, r.relname) FROM pg_class r JOIN pg_namespace n ON "
                           "n.oid = r.relnamespace WHERE r.oid = {})",
                           relid);
    };
    // format(piece, child column, parent column) for each column pair of the key, joined by `glue`.
    const auto pieces = [](std::string_view piece, std::string_view glue) {
        return fmt::format("(SELECT string_agg(format('{}', ca.attname, pa.attname), '{}' ORDER BY k.i) "
                           "FROM unnest(c.conkey, c.confkey) WITH ORDINALITY k(ck, pk, i) "
                           "JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.ck "
                           "JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pk)",
                           piece, glue);
    };
    const auto keys = tx.exec(fmt::format(
        "SELECT c.conname, {}, {}, c.conrelid::oid::text, "
        "c.confmatchtype = 'f', {}, {}, {}, c.conrelid IN {}, c.confrelid IN {}, c.confrelid IN {}, "
        "c.confrelid::oid::text FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.conparentid = 0 AND NOT {} AND {} "
        "ORDER BY 2, 1",
        qualified("c.conrelid"), qualified("c.confrelid"), pieces("t.%I = p.%I", " AND "),
        pieces("t.%I IS NOT NULL", " AND "), pieces("t.%I IS NOT NULL", " OR "), checked, inside, checked,
        model::citus_table_sql(citus, "c.conrelid"), which_keys));
    for (const auto& k : keys) {
        const std::string child = k[1].c_str(), parent = k[2].c_str(), matches = k[5].c_str();
        const std::string all_set = k[6].c_str(), any_set = k[7].c_str();
        // Out of a checked table: over the tenant's rows. A dependent's rows are the tenant's
        // through the key to their parent, which therefore cannot dangle among them: rows are
        // written with their parents. Into a checked table from another, whose rows lost what
        // they referenced: read whole, since a row whose parent is gone belongs to no tenant
        // any more (a dependent's attribution goes through the very row that is missing).
        const auto rel = relation_of.find(k[3].c_str());
        const bool out_of = k[8].as<bool>() && rel != relation_of.end();
        const bool parent_inside = k[9].as<bool>(), among = k[10].as<bool>();
        // A reference into the tenant's own tables must find a row of the tenant: another
        // tenant's row (an app's cross-tenant link) is not copied with it, and at the
        // destination a row with the same key can be someone else's.
        const auto parent_rel = relation_of.find(k[11].c_str());
        const std::string parent_is_tenants = out_of && parent_inside && parent_rel != relation_of.end()
                                                  ? " AND " + model.tenant_predicate(*parent_rel->second, "p", 1)
                                                  : "";
        const std::string found =
            fmt::format("EXISTS (SELECT 1 FROM {} p WHERE {}{})", parent, matches, parent_is_tenants);
        // MATCH SIMPLE: a key with a NULL column references nothing. MATCH FULL: all NULL or
        // none, and then it must find its row.
        const std::string broken = k[4].as<bool>() ? fmt::format("({}) AND NOT (({}) AND {})", any_set, all_set, found)
                                                   : fmt::format("({}) AND NOT {}", all_set, found);
        const std::string tenant_rows =
            out_of ? model.tenant_predicate(*rel->second, "t", 1) + (among ? only_new : "") : "$1::text IS NOT NULL";
        const auto n =
            tx.exec_params1(fmt::format("SELECT count(*) FROM {} t WHERE {} AND {}", child, tenant_rows, broken),
                            tenancy_value)[0]
                .as<long long>();
        if (n == 0) continue;
        const std::string rows = fmt::format("{} row{}{} reference{}", n, n == 1 ? "" : "s",
                                             out_of ? " of the tenant" : "", n == 1 ? "s" : "");
        if (which == KeysChecked::within_tenant)
            throw Refused(fmt::format("{}: {} rows of {} that are not the tenant's (foreign key {}): copied {}, {} "
                                      "would reference nothing, or another tenant's row",
                                      child, rows, parent, k[0].c_str(), where, n == 1 ? "it" : "they"),
                          "make the references the tenant's own first: another tenant's rows are not copied");
        if (!parent_is_tenants.empty())
            throw Refused(fmt::format("{}: {} no row of the tenant in {} {} (foreign key {}): nothing was committed",
                                      child, rows, parent, where, k[0].c_str()),
                          fmt::format("the rows they reference are not among the tenant's rows {} (another tenant's "
                                      "where they come from? a table left out?): make the references the tenant's "
                                      "own, or bring those rows too",
                                      where));
        throw Refused(fmt::format("{}: {} no row of {} {} (foreign key {}): nothing was committed", child, rows, parent,
                                  where, k[0].c_str()),
                      fmt::format("the rows they reference are missing {}: add them there first (shared reference "
                                  "data?)",
                                  where));
    }
}

}  // namespace tenantctl::portability
