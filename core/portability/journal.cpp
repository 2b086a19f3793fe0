#include "core/portability/journal.hpp"

#include <fmt/format.h>

#include <functional>
#include <thread>

#include "core/context.hpp"
#include "core/crypto/hash.hpp"
#include "core/db/connection.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/portability/online.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability::journal {

namespace {

// CREATE TRIGGER and DROP TRIGGER wait for the transactions writing to the table, and every
// later write waits behind them: a short wait, tried again, keeps the app's writes moving.
constexpr auto kLockWait = std::chrono::milliseconds(100);
constexpr int kAttempts = 30;

std::string trigger_name(const Journal& j, char op) { return db::quote_ident(j.stream + "_" + op); }

// The trigger function of `r`'s triggers: `<stream>_` and 16 hex digits of a hash of its name
// (two relations sharing one would journal one's inserts as the other's).
std::string function_name(const Journal& j, const model::Relation& r) {
    return j.stream + "_" + crypto::sha256_hex(r.name.quoted()).substr(0, 16);
}

std::string function_of(const Journal& j, const model::Relation& r) {
    return db::quote_ident(j.schema) + "." + db::quote_ident(function_name(j, r));
}

// CREATE OR REPLACE FUNCTION `name`() with `body` in PL/pgSQL. SECURITY DEFINER: the app's roles
// write the journal through it without any right on the platform schema; with a search_path of
// its own, so that no caller's schema can put a function or operator of its own in its way.
std::string function_sql(const std::string& name, const std::string& body) {
    std::string tag = "$tenantctl$";
    while (body.find(tag) != std::string::npos) tag.insert(tag.size() - 1, "_");
    return fmt::format("CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
                       "SET search_path = pg_catalog, pg_temp AS {}{}{}",
                       name, tag, body, tag);
}

constexpr const char* kSilent = "BEGIN RETURN NULL; END";

// What `r`'s triggers write: after an insert, the key from NEW's own columns.
std::string journal_body(pqxx::transaction_base& tx, const Journal& j, const model::Relation& r) {
    std::vector<std::string> key;
    for (const auto& c : r.identity.columns) key.push_back(fmt::format("{}, NEW.{}", tx.quote(c), db::quote_ident(c)));
    const std::string relation = tx.quote(r.name.quoted());
    return fmt::format("BEGIN IF TG_OP = 'INSERT' THEN INSERT INTO {0} (relation, op, key) VALUES ({1}, 'i', "
                       "jsonb_build_object({2})); ELSE INSERT INTO {0} (relation, op, key) VALUES ({1}, "
                       "lower(left(TG_OP, 1)), NULL); END IF; RETURN NULL; END",
                       j.table, relation, util::join(key, ", "));
}

// The journal's functions on this side, quoted and qualified.
std::vector<std::string> functions(pqxx::transaction_base& tx, const Journal& j) {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params("SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname) FROM pg_proc p "
                                          "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 "
                                          "AND starts_with(p.proname, $2) AND p.prorettype = 'trigger'::regtype",
                                          j.schema, j.stream + "_"))
        out.emplace_back(row[0].c_str());
    return out;
}

bool lock_not_available(const pqxx::sql_error& e) { return e.sqlstate() == "55P03"; }

// Runs `step` in a transaction of its own with a short lock_timeout, again while it only
// failed to get its lock. False when it never did.
bool with_short_locks(pqxx::connection& c, const std::function<void(pqxx::work&)>& step) {
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        try {
            pqxx::work tx(c);
            tx.exec_params("SELECT set_config('lock_timeout', $1, true)", std::to_string(kLockWait.count()) + "ms");
            step(tx);
            tx.commit();
            return true;
        } catch (const pqxx::sql_error& e) {
            if (!lock_not_available(e)) throw;
        }
        std::this_thread::sleep_for(kLockWait);
    }
    return false;
}

void create_triggers(pqxx::work& tx, const Journal& j, const model::TenantData& data, const model::Relation& r,
                     const std::string& value) {
    const std::string literal = tx.quote(value);
    const auto tenant_row = [&](const char* alias) { return model::with_literal(data.tenant_predicate(r, alias, 1), literal); };
    const std::string table = r.name.quoted(), function = function_of(j, r);
    tx.exec(function_sql(function, journal_body(tx, j, r)));
    const auto create = [&](char op, const char* event, const std::string& when) {
        tx.exec(fmt::format("CREATE OR REPLACE TRIGGER {} AFTER {} ON {} FOR EACH ROW WHEN ({}) EXECUTE FUNCTION {}()",
                            trigger_name(j, op), event, table, when, function));
        tx.exec(fmt::format("ALTER TABLE {} ENABLE ALWAYS TRIGGER {}", table, trigger_name(j, op)));
    };
    create('i', "INSERT", tenant_row("NEW"));
    create('u', "UPDATE", fmt::format("{} OR {}", tenant_row("OLD"), tenant_row("NEW")));
    create('d', "DELETE", tenant_row("OLD"));
}

}  // namespace

Journal of(Context& ctx, const std::string& stream_name) {
    return Journal{stream_name, ctx.schema(), ctx.platform_table(stream_name + "_journal")};
}

bool journalable(const model::Relation& r) {
    if (!online::streamed(r) || !r.identity) return false;
    for (const auto& name : r.identity.columns) {
        const model::Column* c = r.column(name);
        if (!c) return false;
        const bool survives_jsonb = c->type_name == "uuid" || (c->type_name != "money" && (c->category == 'N' ||
                                    c->category == 'S' || c->category == 'D' || c->category == 'B' || c->category == 'E'));
        if (!survives_jsonb) return false;
    }
    return true;
}

int install(Context& ctx, pqxx::connection& c, const Journal& j, const model::TenantData& data, const std::string& value) {
    {
        pqxx::work tx(c);
        tx.exec(fmt::format("CREATE TABLE IF NOT EXISTS {} (relation text NOT NULL, op \"char\" NOT NULL, key jsonb)",
                            j.table));
        tx.commit();
    }
    int journaled = 0;
    for (const auto& r : data.relations()) {
        if (!journalable(r)) continue;
        if (with_short_locks(c, [&](pqxx::work& tx) { create_triggers(tx, j, data, r, value); }))
            ++journaled;
        else
            ctx.log().info(fmt::format("tenant move: {} in {} stayed locked by other sessions: it has no change journal, "
                                       "and the switch counts its rows there",
                                       r.display(), c.dbname()));
    }
    return journaled;
}

bool exists_in(pqxx::transaction_base& tx, const Journal& j) {
    return !tx.exec_params1("SELECT to_regclass($1)", j.table)[0].is_null();
}

void silence(pqxx::connection& c, const Journal& j) {
    pqxx::work tx(c);
    for (const auto& f : functions(tx, j)) tx.exec(function_sql(f, kSilent));
    tx.commit();
}

bool remove(pqxx::connection& c, const Journal& j) {
    std::vector<std::string> fs;
    pqxx::result triggers;
    bool table = false;
    {
        pqxx::read_transaction tx(c);
        fs = functions(tx, j);
        table = exists_in(tx, j);
        // Those made on a table; a partition's copies go with them.
        triggers = tx.exec_params("SELECT t.tgrelid::regclass::text, quote_ident(t.tgname) FROM pg_trigger t "
                                  "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace "
                                  "WHERE n.nspname = $1 AND starts_with(p.proname, $2) AND t.tgparentid = 0",
                                  j.schema, j.stream + "_");
    }
    if (fs.empty() && !table) return true;  // none here (every move without --online): nothing written
    if (!fs.empty()) silence(c, j);  // first: a trigger that stays until the end writes nothing meanwhile
    bool all = true;
    for (const auto& t : triggers)
        all = with_short_locks(c, [&](pqxx::work& tx) {
                  tx.exec(fmt::format("DROP TRIGGER IF EXISTS {} ON {}", t[1].c_str(), t[0].c_str()));
              }) && all;
    if (!all) return false;
    pqxx::work tx(c);
    for (const auto& f : fs) tx.exec(fmt::format("DROP FUNCTION {}()", f));  // RESTRICT: fails if a trigger is left
    if (table) tx.exec(fmt::format("DROP TABLE {}", j.table));
    tx.commit();
    return true;
}

std::string state(pqxx::transaction_base& tx, const Journal& j, const model::Relation& r) {
    const auto row = tx.exec_params1(
        "WITH tree AS (SELECT $1::regclass::oid AS o UNION SELECT relid::oid FROM pg_partition_tree($1::regclass)) "
        "SELECT count(*) = 3 * (SELECT count(*) FROM tree) AND coalesce(bool_and(t.tgenabled = 'A'), false), "
        "       (SELECT oid::text || ':' || xmin::text FROM pg_proc WHERE oid = to_regprocedure($2)) || ';' || "
        "       string_agg(t.oid::text || ':' || t.xmin::text || ':' || t.tgenabled::text, ',' ORDER BY t.oid) "
        "  FROM pg_trigger t WHERE t.tgrelid IN (SELECT o FROM tree) AND t.tgname IN ($3, $4, $5) "
        "   AND t.tgfoid = to_regprocedure($2)",
        r.name.quoted(), function_of(j, r) + "()", j.stream + "_i", j.stream + "_u", j.stream + "_d");
    if (!row[0].as<bool>() || row[1].is_null()) return "";
    return row[1].c_str();
}

void forget_seen(pqxx::transaction_base& tx, const Journal& j) { tx.exec(fmt::format("DELETE FROM {}", j.table)); }

Changes changes(pqxx::transaction_base& tx, const Journal& j, const model::Relation& r) {
    const auto row = tx.exec_params1(fmt::format("SELECT count(*) FILTER (WHERE op = 'i'), count(*) FILTER (WHERE op <> 'i') "
                                                 "FROM {} WHERE relation = $1",
                                                 j.table),
                                     r.name.quoted());
    return Changes{row[0].as<long long>(), row[1].as<long long>()};
}

std::string inserted(pqxx::transaction_base& tx, const Journal& j, const model::Relation& r) {
    std::vector<std::string> keys;
    for (const auto& c : r.identity.columns) keys.push_back("k." + db::quote_ident(c));
    return fmt::format("{} IN (SELECT {} FROM {} j CROSS JOIN LATERAL jsonb_populate_record(NULL::{}, j.key) k "
                       "WHERE j.relation = {} AND j.op = 'i')",
                       model::column_tuple(r.identity.columns, "t"), util::join(keys, ", "), j.table, r.name.quoted(),
                       tx.quote(r.name.quoted()));
}

}  // namespace tenantctl::portability::journal
