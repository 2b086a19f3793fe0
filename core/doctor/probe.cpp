#include "core/doctor/probe.hpp"

#include <fmt/format.h>

#include <array>
#include <map>
#include <optional>
#include <set>

#include <pqxx/pqxx>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/doctor/isolation_catalog.hpp"
#include "core/errors.hpp"
#include "core/log.hpp"

namespace tenantctl::doctor {

namespace {

// Canary tenancy values for a column type: recognisable, and far from real ids.
struct TenantValues {
    std::string a, b;
    bool usable = true;
};

TenantValues tenant_values(const std::string& type) {
    if (type == "uuid") return {"a11ce000-0000-4000-8000-00000000000a", "b0b00000-0000-4000-8000-00000000000b"};
    if (type == "smallint") return {"32001", "32002"};
    if (type == "integer" || type == "bigint" || type.rfind("numeric", 0) == 0) return {"2147480001", "2147480002"};
    // Text types, possibly with a length limit: character varying(8).
    auto open = type.find('(');
    if (open != std::string::npos) {
        int n = std::atoi(type.c_str() + open + 1);
        if (n >= 17) return {"tenantctl-probe-a", "tenantctl-probe-b"};
        if (n >= 4) return {"tp-a", "tp-b"};
        return {"", "", false};
    }
    return {"tenantctl-probe-a", "tenantctl-probe-b"};
}

struct Column {
    std::string name, type;
    char category = 'X';  // typcategory of the base type
    std::string base;     // base type name
    bool identity_always = false;
    int max_len = -1;
};

// A row for a table: the columns we set and their value expressions ($n parameters).
struct RowSpec {
    std::vector<std::string> cols, exprs, params;
    bool overriding = false;
    std::string fail;  // why no row can be made
};

// Values for every column that needs one: the tenancy column, NOT NULL columns without a
// default, and columns whose default would draw from a sequence (nextval is not rolled back,
// so the probe gives those explicit values and leaves every sequence as it was).
RowSpec make_row(const std::vector<Column>& cols, const std::string& tenancy_column, const std::string& tenant,
                 long serial) {
    RowSpec r;
    for (const auto& c : cols) {
        std::string expr, param;
        bool has_param = true;
        if (c.name == tenancy_column) {
            param = tenant;
        } else if (c.category == 'N') {
            // Integers far from real keys; other numbers small enough for numeric(p, s).
            param = c.base == "int2"                       ? std::to_string(30000 + serial % 2000)
                    : c.base == "int4" || c.base == "int8" ? std::to_string(2147400000L + serial)
                                                           : std::to_string(serial);
        } else if (c.category == 'S') {
            param = "tp" + std::to_string(serial);
            if (c.max_len > 0 && static_cast<int>(param.size()) > c.max_len) param = param.substr(param.size() - c.max_len);
        } else if (c.base == "uuid") {
            param = fmt::format("c0000000-0000-4000-8000-{:012d}", serial);
        } else if (c.category == 'B') {
            param = "false";
        } else if (c.category == 'D') {
            expr = fmt::format("now()::{}", c.type);
            has_param = false;
        } else if (c.category == 'E') {
            expr = fmt::format("(enum_range(NULL::{}))[1]", c.type);
            has_param = false;
        } else if (c.category == 'A') {
            param = "{}";
        } else if (c.base == "json" || c.base == "jsonb") {
            param = "{}";
        } else if (c.base == "bytea") {
            param = "\\x";
        } else if (c.category == 'T') {
            param = "0";
        } else if (c.category == 'I') {
            param = "192.0.2.1";
        } else if (c.base == "tsvector") {
            param = "";
        } else {
            r.fail = fmt::format("no canary value for column {} of type {}", c.name, c.type);
            return r;
        }
        if (has_param) {
            r.params.push_back(param);
            expr = fmt::format("${}::{}", r.params.size(), c.type);
        }
        r.cols.push_back(db::quote_ident(c.name));
        r.exprs.push_back(expr);
        r.overriding = r.overriding || c.identity_always;
    }
    return r;
}

std::string insert_sql(const std::string& rel, const RowSpec& r) {
    std::string cols, vals;
    for (std::size_t i = 0; i < r.cols.size(); ++i) {
        cols += (i ? ", " : "") + r.cols[i];
        vals += (i ? ", " : "") + r.exprs[i];
    }
    return fmt::format("INSERT INTO {} ({}){} VALUES ({})", rel, cols, r.overriding ? " OVERRIDING SYSTEM VALUE" : "",
                       vals);
}

// The statement as the operator would type it: parameters inlined as literals (display only).
std::string display(std::string sql, const std::vector<std::string>& params) {
    for (std::size_t i = params.size(); i-- > 0;) {
        std::string ph = "$" + std::to_string(i + 1);
        for (auto pos = sql.find(ph); pos != std::string::npos; pos = sql.find(ph, pos + 1)) {
            auto lit = sql_literal(params[i]);
            sql.replace(pos, ph.size(), lit);
            pos += lit.size() - 1;
        }
    }
    return sql;
}

std::string first_line(const std::string& s) {
    auto nl = s.find('\n');
    std::string l = s.substr(0, nl);
    const std::string prefix = "ERROR:  ";
    if (l.rfind(prefix, 0) == 0) l = l.substr(prefix.size());
    return l;
}

int rank(const std::string& outcome) {
    if (outcome == "leak") return 5;
    if (outcome == "not probed") return 4;
    if (outcome == "blocked") return 3;
    if (outcome == "isolated") return 2;
    if (outcome == "denied") return 1;
    return 0;
}

void merge(ProbeCell& into, const ProbeCell& c) {
    if (rank(c.outcome) > rank(into.outcome)) {
        std::string st = into.statement, note = into.note;
        into = c;
        if (c.outcome == "leak" && !st.empty() && st != c.statement) into.statement = st + "; " + c.statement;
        if (into.note.empty()) into.note = note;
    } else if (c.outcome == "leak" && into.outcome == "leak") {
        into.statement += " | " + c.statement;
    } else if (into.note.empty() && !c.note.empty() && rank(c.outcome) == rank(into.outcome)) {
        into.note = c.note;
    }
}

enum class Expect { rows_seen, rows_written, accepted };

class Prober {
public:
    explicit Prober(pqxx::work& tx) : m_tx(tx) {}

    // Runs one statement under the savepoint and rolls back to it: a failing statement never
    // ends the probe, and a write never stays (the whole transaction is rolled back anyway).
    ProbeCell attempt(const std::string& sql, const std::vector<std::string>& params, Expect expect,
                      const std::string& setting_display) {
        ProbeCell c;
        std::string shown = setting_display + display(sql, params);
        bool failed = true;
        try {
            auto r = m_tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
            long n = 0;
            if (expect == Expect::rows_seen)
                n = r.empty() ? 0 : r[0][0].as<long>();
            else
                n = static_cast<long>(r.affected_rows());
            bool leak = expect == Expect::accepted ? true : n > 0;
            c.outcome = leak ? "leak" : "isolated";
            if (leak) c.statement = shown;
            failed = false;
        } catch (const pqxx::sql_error& e) {
            std::string state = e.sqlstate();
            std::string msg = first_line(e.what());
            // The server's words decide, not only the SQLSTATE: libpqxx 6 reports an empty
            // SQLSTATE for some errors raised under SET ROLE.
            if ((state == "42501" || state.empty()) && msg.find("row-level security") != std::string::npos) {
                c.outcome = "isolated";
            } else if (state == "42501") {
                c.outcome = "denied";
            } else if (expect == Expect::accepted && state.rfind("23", 0) == 0) {
                // RLS WITH CHECK runs before constraints: the row got past row-level security.
                c.outcome = "leak";
                c.statement = shown + " (passed RLS; failed only on: " + msg + ")";
            } else {
                c.outcome = "blocked";
                c.note = msg;
            }
        }
        // A read that succeeded, or an UPDATE or DELETE that touched no row, changed nothing the
        // next statement could see: skip the round trip (most statements of a probe are these;
        // the whole transaction is rolled back at the end anyway).
        const bool changed_nothing = !failed && (expect == Expect::rows_seen || (expect == Expect::rows_written && c.outcome != "leak"));
        if (!changed_nothing) m_tx.exec0("ROLLBACK TO SAVEPOINT tenantctl_probe");
        return c;
    }

    // Sets the tenancy setting (nullopt: leave it unset) for the statements that follow.
    void phase(const std::string& setting, const std::optional<std::string>& value) {
        if (m_have_savepoint) m_tx.exec0("ROLLBACK TO SAVEPOINT tenantctl_probe");
        if (value) m_tx.exec_params("SELECT set_config($1, $2, true)", setting, *value);
        m_tx.exec0("SAVEPOINT tenantctl_probe");
        m_have_savepoint = true;
    }

private:
    pqxx::work& m_tx;
    bool m_have_savepoint = false;
};

struct Target {
    unsigned oid = 0;
    std::string name, kind;  // kind: table partition view matview function
    bool has_column = false;
    std::string column_type;
    bool sel = false, ins = false, upd = false, del = false;
    unsigned root = 0;  // tables: itself; partitions: the root table
    std::string call;   // functions: "schema.f($1::uuid, NULL::text)"
    bool tenant_arg = false;
};

}  // namespace

bool ProbeRow::leaks() const {
    for (const auto* c : {&read, &insert, &update, &del, &unset})
        if (c->outcome == "leak") return true;
    return false;
}

std::string ProbeRow::detail() const {
    using Named = std::pair<const char*, const ProbeCell*>;
    const std::array<Named, 5> cells = {Named{"read", &read}, Named{"insert", &insert}, Named{"update", &update},
                                        Named{"delete", &del}, Named{"unset", &unset}};
    std::vector<std::string> parts;
    for (const auto& [name, c] : cells)
        if (c->outcome == "leak") parts.push_back(std::string(name) + ": " + c->statement);
    if (parts.empty())
        for (const auto& [name, c] : cells)
            if (!c->note.empty()) parts.push_back(std::string(name) + ": " + c->note);
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : "; ") + p;
    return s;
}

ProbeResult run_probe(Context& ctx) {
    const auto& tenancy = ctx.config().tenancy;
    pqxx::work tx(ctx.db());
    ProbeResult result;

    auto me = tx.exec_params(
        "SELECT rolsuper, (SELECT oid FROM pg_roles WHERE rolname = $1::name) IS NOT NULL, "
        "       (SELECT oid FROM pg_roles WHERE rolname = $1::name) IS NOT NULL "
        "         AND pg_has_role(current_user, $1::name, 'MEMBER'), "
        "       current_setting($2, true) IS NULL "
        "FROM pg_roles WHERE rolname = current_user",
        tenancy.app_role, tenancy.setting);
    if (!me[0][1].as<bool>())
        throw NotFound(fmt::format("the app role '{}' does not exist", tenancy.app_role),
                       "set tenancy.app_role to the role the application connects as");
    bool super = me[0][0].as<bool>();
    if (!super && !me[0][2].as<bool>())
        throw Refused(fmt::format("the probe cannot SET ROLE to '{}'", tenancy.app_role),
                      "run it as a superuser or a member of the app role (GRANT app TO current_user)");
    bool never_set = me[0][3].as<bool>();

    // Everything below happens in this transaction, which is never committed: a kill, a crash
    // or an error leaves no row behind. The server notices a vanished client within a second
    // even while a statement runs.
    tx.exec0("SET LOCAL lock_timeout = '5s'");
    tx.exec0("SET LOCAL client_connection_check_interval = '1s'");
    // A leaking policy can open a whole large table to one probe statement: bound each one.
    tx.exec0("SET LOCAL statement_timeout = '30s'");
    // Foreign keys and triggers would reject canary rows of made-up tenants; the probe tests
    // row-level security and privileges, so it runs as a replica (superusers only).
    if (super) tx.exec0("SET LOCAL session_replication_role = replica");

    IsolationCatalog cat(ctx, tx);
    const std::string app = tenancy.app_role;
    const std::string col = tenancy.column;
    const std::string qcol = db::quote_ident(col);

    // What the app role may touch.
    std::vector<Target> targets;
    std::string oids = "{";
    for (const auto& r : cat.rels()) oids += (oids.size() > 1 ? "," : "") + std::to_string(r.oid);
    oids += "}";
    std::map<unsigned, std::array<bool, 4>> privs;
    for (const auto& r : tx.exec_params(
             "SELECT c.oid, has_table_privilege($1::name, c.oid, 'SELECT'), has_table_privilege($1::name, c.oid, 'INSERT'), "
             "       has_table_privilege($1::name, c.oid, 'UPDATE'), has_table_privilege($1::name, c.oid, 'DELETE') "
             "FROM pg_class c WHERE c.oid = ANY ($2::oid[])",
             app, oids))
        privs[r[0].as<unsigned>()] = {r[1].as<bool>(), r[2].as<bool>(), r[3].as<bool>(), r[4].as<bool>()};

    std::map<std::string, int> type_count;
    for (const auto& r : cat.rels()) {
        Target t;
        t.oid = r.oid;
        t.name = r.qualified;
        t.kind = r.partition ? "partition" : "table";
        t.has_column = true;
        t.column_type = r.column_type;
        auto p = privs[r.oid];
        t.sel = p[0], t.ins = p[1], t.upd = p[2], t.del = p[3];
        if (r.platform && !(t.sel || t.ins || t.upd || t.del)) continue;  // tenantctl's own, closed to the app
        if (!r.platform) ++type_count[r.column_type];
        targets.push_back(t);
    }
    std::string main_type = "uuid";
    int best = 0;
    for (const auto& [t, n] : type_count)
        if (n > best) best = n, main_type = t;
    for (const auto& r : tx.exec_params(
             "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind, "
             "       format_type(a.atttypid, a.atttypmod) "
             "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $2 AND NOT a.attisdropped AND a.attnum > 0 "
             "WHERE c.relkind IN ('v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
             "  AND n.nspname NOT LIKE 'pg\\_%' AND has_table_privilege($1::name, c.oid, 'SELECT') "
             "  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
             "                  AND d.deptype = 'e') "
             "ORDER BY 2",
             app, col)) {
        Target t;
        t.oid = r[0].as<unsigned>();
        t.name = r[1].as<std::string>();
        t.kind = r[2].as<std::string>() == "v" ? "view" : "matview";
        t.has_column = !r[3].is_null();
        t.column_type = t.has_column ? r[3].as<std::string>() : main_type;
        t.sel = true;
        targets.push_back(t);
    }
    // Set-returning (or row-returning) functions the app role may execute.
    for (const auto& r : tx.exec_params(
             "SELECT p.oid, quote_ident(n.nspname) || '.' || quote_ident(p.proname), "
             "       pg_get_function_identity_arguments(p.oid), p.pronargs, p.pronargdefaults, "
             "       ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t)::text[], p.provariadic <> 0 "
             "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_type rt ON rt.oid = p.prorettype "
             "WHERE p.prokind = 'f' AND (p.proretset OR rt.typtype = 'c') "
             "  AND n.nspname NOT IN ('pg_catalog', 'information_schema', $2) AND n.nspname NOT LIKE 'pg\\_%' "
             "  AND has_function_privilege($1::name, p.oid, 'EXECUTE') "
             "  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid "
             "                  AND d.deptype = 'e') "
             "ORDER BY 2, 3",
             app, ctx.schema())) {
        Target t;
        t.oid = r[0].as<unsigned>();
        t.name = r[1].as<std::string>() + "(" + r[2].as<std::string>() + ")";
        t.kind = "function";
        t.column_type = main_type;
        t.sel = true;
        if (r[6].as<bool>()) {
            t.call = "";  // variadic: not probed
        } else {
            // Arguments of the tenancy type get B's value (a function that takes a tenant id
            // must not hand out another tenant's rows); the others NULL, defaults left out.
            std::string types_text = r[5].as<std::string>();
            std::vector<std::string> types;
            pqxx::array_parser ap(types_text.c_str());
            for (auto e = ap.get_next(); e.first != pqxx::array_parser::done; e = ap.get_next())
                if (e.first == pqxx::array_parser::string_value) types.push_back(e.second);
            int required = r[3].as<int>() - r[4].as<int>();
            std::string args;
            for (int i = 0; i < required && i < static_cast<int>(types.size()); ++i) {
                bool tenant_arg = types[static_cast<std::size_t>(i)] == main_type;
                t.tenant_arg = t.tenant_arg || tenant_arg;
                args += (i ? ", " : "") +
                        (tenant_arg ? "$1::" + main_type : "NULL::" + types[static_cast<std::size_t>(i)]);
            }
            t.call = r[1].as<std::string>() + "(" + args + ")";
        }
        targets.push_back(t);
    }

    // Columns of the tables we write canaries into (roots; rows route to their partitions).
    std::string root_oids = "{";
    for (const auto& r : cat.rels())
        if (!r.partition && !r.platform) root_oids += (root_oids.size() > 1 ? "," : "") + std::to_string(r.oid);
    root_oids += "}";
    std::map<unsigned, std::vector<Column>> columns;
    for (const auto& r : tx.exec_params(
             "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), bt.typcategory, bt.typname, "
             "       a.attidentity = 'a', "
             "       CASE WHEN a.atttypmod > 4 AND bt.typcategory = 'S' THEN a.atttypmod - 4 ELSE -1 END "
             "FROM pg_attribute a "
             "JOIN pg_type t ON t.oid = a.atttypid "
             "JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
             "LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
             "WHERE a.attrelid = ANY ($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
             "  AND (a.attname = $2 OR a.attidentity <> '' "
             "       OR (a.attnotnull AND NOT a.atthasdef) "
             "       OR pg_get_expr(ad.adbin, ad.adrelid) LIKE '%nextval(%') "
             "ORDER BY a.attrelid, a.attnum",
             root_oids, col)) {
        Column c;
        c.name = r[1].as<std::string>();
        c.type = r[2].as<std::string>();
        c.category = r[3].as<std::string>()[0];
        c.base = r[4].as<std::string>();
        c.identity_always = r[5].as<bool>();
        c.max_len = r[6].as<int>();
        columns[r[0].as<unsigned>()].push_back(c);
    }

    // Canary rows for A and B in every tenant table, written by the connecting role.
    Prober prober(tx);
    prober.phase(tenancy.setting, std::nullopt);
    std::map<unsigned, std::string> canary_fail;   // root -> why none
    std::map<unsigned, RowSpec> probe_rows;        // root -> a B row for the INSERT probe
    long serial = 1;
    std::set<unsigned> canary_in;  // relations (roots and partitions) that hold B's canary
    for (const auto& r : cat.rels()) {
        if (r.partition || r.platform) continue;
        auto tv = tenant_values(r.column_type);
        if (!tv.usable) {
            canary_fail[r.oid] = "no canary value fits " + r.column_type;
            continue;
        }
        bool ok = true;
        for (const auto* v : {&tv.a, &tv.b}) {
            auto row = make_row(columns[r.oid], col, *v, serial++);
            if (!row.fail.empty()) {
                canary_fail[r.oid] = row.fail;
                ok = false;
                break;
            }
            try {
                tx.exec_params(insert_sql(r.qualified, row), pqxx::prepare::make_dynamic_params(row.params));
            } catch (const pqxx::sql_error& e) {
                canary_fail[r.oid] = "cannot write a canary row: " + first_line(e.what());
                tx.exec0("ROLLBACK TO SAVEPOINT tenantctl_probe");
                ok = false;
                break;
            }
        }
        if (!ok) continue;
        probe_rows[r.oid] = make_row(columns[r.oid], col, tv.b, serial++);
        tx.exec0("RELEASE SAVEPOINT tenantctl_probe; SAVEPOINT tenantctl_probe");  // one round trip per table
    }
    // Where B's canaries landed (the leaf partition and its ancestors).
    if (!probe_rows.empty()) {
        for (const auto& r : cat.rels()) {
            if (r.partition || r.platform || !probe_rows.count(r.oid)) continue;
            canary_in.insert(r.oid);
            if (r.kind != 'p') continue;
            auto tv = tenant_values(r.column_type);
            for (const auto& row : tx.exec_params(
                     fmt::format("SELECT a.relid::oid FROM (SELECT DISTINCT tableoid FROM {} WHERE {}::text = $1) l, "
                                 "LATERAL pg_partition_ancestors(l.tableoid) AS a(relid)",
                                 r.qualified, qcol),
                     tv.b))
                canary_in.insert(row[0].as<unsigned>());
        }
    }
    std::map<unsigned, unsigned> root_of;
    for (const auto& r : cat.rels()) root_of[r.oid] = r.partition ? r.root_oid : r.oid;

    tx.exec0(fmt::format("SET LOCAL ROLE {}", db::quote_ident(app)));
    // Re-take the savepoint after the role switch so rolling back to it keeps the role.
    tx.exec0("RELEASE SAVEPOINT tenantctl_probe");
    tx.exec0("SAVEPOINT tenantctl_probe");

    std::vector<ProbeRow> rows(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
        rows[i].relation = targets[i].name;
        rows[i].kind = targets[i].kind;
    }

    // B texts that mark canary rows in the output of views and functions.
    auto marker_where = [&](const std::string& alias, const std::string& type, std::vector<std::string>& params) {
        params.push_back(tenant_values(type).b);
        return fmt::format("strpos({}::text, ${}) > 0", alias, params.size());
    };

    auto run_phase = [&](const std::optional<std::string>& value_a, bool unset, const std::string& type_filter) {
        std::string setting_display =
            unset ? (value_a ? fmt::format("SET {} = ''; ", tenancy.setting) : std::string("-- setting unset; "))
                  : fmt::format("SET {} = {}; ", tenancy.setting, sql_literal(*value_a));
        for (std::size_t i = 0; i < targets.size(); ++i) {
            const auto& t = targets[i];
            if (t.column_type != type_filter) continue;
            auto& row = rows[i];
            auto tv = tenant_values(t.column_type);
            auto put = [&](ProbeCell& cell, const ProbeCell& c) {
                if (unset)
                    merge(row.unset, c);
                else
                    merge(cell, c);
            };
            if (!tv.usable) {
                put(row.read, ProbeCell{"not probed", "", "no canary value fits " + t.column_type});
                continue;
            }
            if (t.kind == "function") {
                if (t.call.empty()) {
                    put(row.read, ProbeCell{"not probed", "", "variadic function"});
                    continue;
                }
                std::vector<std::string> params;
                if (t.tenant_arg) params.push_back(tv.b);
                std::string where = marker_where("x", t.column_type, params);
                put(row.read, prober.attempt(fmt::format("SELECT count(*) FROM {} AS x WHERE {}", t.call, where), params,
                                             Expect::rows_seen, setting_display));
                continue;
            }
            // Reads: another tenant's row (canary or real) visible.
            if (!t.sel) {
                put(row.read, ProbeCell{"denied", "", ""});
            } else if (t.has_column) {
                if (unset)
                    put(row.read, prober.attempt(fmt::format("SELECT count(*) FROM {} WHERE {} IS NOT NULL", t.name, qcol),
                                                 {}, Expect::rows_seen, setting_display));
                else
                    put(row.read,
                        prober.attempt(fmt::format("SELECT count(*) FROM {} WHERE {}::text <> $1", t.name, qcol),
                                       {tv.a}, Expect::rows_seen, setting_display));
            } else {
                std::vector<std::string> params;
                std::string where = marker_where("x", t.column_type, params);
                put(row.read, prober.attempt(fmt::format("SELECT count(*) FROM {} AS x WHERE {}", t.name, where), params,
                                             Expect::rows_seen, setting_display));
            }
            if (t.kind == "view" || t.kind == "matview") continue;
            unsigned root = root_of.count(t.oid) ? root_of[t.oid] : 0;
            std::string no_canary = canary_fail.count(root) ? canary_fail[root] : "no canary row of B in it";
            bool has_canary = canary_in.count(t.oid) > 0;
            // INSERT of a row carrying B's tenancy value.
            if (!t.ins) {
                put(row.insert, ProbeCell{"denied", "", ""});
            } else if (!probe_rows.count(root)) {
                put(row.insert, ProbeCell{"not probed", "", no_canary});
            } else {
                const auto& spec = probe_rows[root];
                put(row.insert, prober.attempt(insert_sql(t.name, spec), spec.params, Expect::accepted, setting_display));
            }
            // UPDATE: B's row reached, or A's row moved to B.
            if (!t.upd) {
                put(row.update, ProbeCell{"denied", "", ""});
            } else if (!has_canary) {
                put(row.update, ProbeCell{"not probed", "", no_canary});
            } else {
                put(row.update, prober.attempt(fmt::format("UPDATE {} SET {} = {} WHERE {}::text = $1", t.name, qcol, qcol,
                                                           qcol),
                                               {tv.b}, Expect::rows_written, setting_display));
                // No WHERE clause on purpose: a statement that reads a column also has to pass
                // the SELECT policies for the new row, which would hide a WITH CHECK (true) on
                // an UPDATE policy; `UPDATE t SET tenant_id = ...` reads nothing. Under A's
                // setting only A's canary is visible, unless USING leaks (then more rows are
                // touched, and rolled back).
                if (!unset)
                    put(row.update, prober.attempt(fmt::format("UPDATE {} SET {} = $1::{}", t.name, qcol, t.column_type),
                                                   {tv.b}, Expect::rows_written, setting_display));
            }
            if (!t.del) {
                put(row.del, ProbeCell{"denied", "", ""});
            } else if (!has_canary) {
                put(row.del, ProbeCell{"not probed", "", no_canary});
            } else {
                put(row.del, prober.attempt(fmt::format("DELETE FROM {} WHERE {}::text = $1", t.name, qcol), {tv.b},
                                            Expect::rows_written, setting_display));
            }
        }
    };

    std::set<std::string> types;
    for (const auto& t : targets) types.insert(t.column_type);
    // Unset first: until the session sets it, current_setting(..., true) is NULL; after a
    // RESET (a pooled connection) it is ''. Both must admit nothing.
    if (never_set)
        for (const auto& type : types) run_phase(std::nullopt, true, type);
    prober.phase(tenancy.setting, std::string());
    for (const auto& type : types) run_phase(std::string(), true, type);
    for (const auto& type : types) {
        auto tv = tenant_values(type);
        if (!tv.usable) {
            run_phase(std::string(), false, type);
            continue;
        }
        prober.phase(tenancy.setting, tv.a);
        run_phase(tv.a, false, type);
    }
    tx.abort();

    for (auto& r : rows) {
        for (auto* c : {&r.read, &r.insert, &r.update, &r.del, &r.unset}) result.leaks += c->outcome == "leak";
    }
    result.relations_checked = static_cast<int>(rows.size());
    result.rows = std::move(rows);
    result.tenant_a = tenant_values(main_type).a;
    result.tenant_b = tenant_values(main_type).b;
    return result;
}

}  // namespace tenantctl::doctor
