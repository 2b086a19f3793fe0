#include "core/portability/own_schema.hpp"

#include <fmt/format.h>

#include <set>

#include "core/db/connection.hpp"
#include "core/migrate/replay.hpp"
#include "core/portability/compare.hpp"
#include "core/tenants/schema_setup.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

std::set<std::string> relation_names(pqxx::transaction_base& tx, const std::string& schema) {
    std::set<std::string> out;
    for (const auto& r : tx.exec_params("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                        "WHERE n.nspname = $1",
                                        schema))
        out.insert(r[0].c_str());
    return out;
}

// Every object of the schema as one line of text, definitions as the server prints them with
// the schema first on the search_path. Functions go by signature and a digest of their body;
// sequences by name only (Citus gives each node's sequence its own range); triggers Citus adds
// to its tables (their functions are citus_*) are left out.
constexpr const char* kObjects = R"SQL(
SELECT 'relation ' || c.relname || ' (' ||
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'S' THEN 'sequence'
                      WHEN 'f' THEN 'foreign table' ELSE 'composite type' END || ')' ||
       CASE WHEN c.relispartition THEN ', partition of ' || (SELECT p.relname FROM pg_inherits i JOIN pg_class p
            ON p.oid = i.inhparent WHERE i.inhrelid = c.oid) || ' ' || pg_get_expr(c.relpartbound, c.oid) ELSE '' END
  FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p', 'S', 'f', 'c')
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = $1::regnamespace
UNION ALL
SELECT 'constraint ' || coalesce(r.relname, t.typname) || '.' || co.conname || ' ' || pg_get_constraintdef(co.oid)
  FROM pg_constraint co LEFT JOIN pg_class r ON r.oid = co.conrelid LEFT JOIN pg_type t ON t.oid = co.contypid
 WHERE co.connamespace = $1::regnamespace
UNION ALL
SELECT 'default ' || c.relname || '.' || a.attname || ' ' || pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
  JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
 WHERE c.relnamespace = $1::regnamespace
UNION ALL
SELECT CASE c.relkind WHEN 'v' THEN 'view ' ELSE 'materialized view ' END || c.relname || ' AS ' || pg_get_viewdef(c.oid)
  FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc f ON f.oid = t.tgfoid
 WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal AND t.tgparentid = 0
   AND f.proname NOT LIKE 'citus\_%'
UNION ALL
SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || '), body ' ||
       md5(coalesce(p.prosrc, '')) || coalesce(', SET ' || array_to_string(p.proconfig, ', '), '')
  FROM pg_proc p WHERE p.pronamespace = $1::regnamespace
UNION ALL
SELECT 'type ' || t.typname || ' AS ENUM (' || string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) || ')'
  FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = $1::regnamespace GROUP BY t.typname
UNION ALL
SELECT 'domain ' || t.typname || ' AS ' || format_type(t.typbasetype, t.typtypmod)
  FROM pg_type t WHERE t.typnamespace = $1::regnamespace AND t.typtype = 'd'
)SQL";

bool word_char(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'; }

// `line` with the schema's own name taken out: "schema." before a name is dropped (the server
// qualifies the table of an index or trigger definition whatever the search_path), and the
// name alone (a function's `SET search_path = tenant_acme, public`) becomes "@schema", so the
// copy's schema under --as reads the same.
std::string without_schema_name(std::string line, const std::string& schema) {
    for (const std::string& name : {schema_as_printed(schema), db::quote_ident(schema)}) {
        for (std::size_t at = line.find(name); at != std::string::npos; at = line.find(name, at)) {
            const std::size_t end = at + name.size();
            const bool whole = (at == 0 || !word_char(line[at - 1])) && (end == line.size() || !word_char(line[end]));
            if (!whole) {
                at = end;
                continue;
            }
            if (end < line.size() && line[end] == '.') {
                line.erase(at, name.size() + 1);
            } else {
                line.replace(at, name.size(), "@schema");
                at += 7;
            }
        }
    }
    return line;
}

// The lines of kObjects, each without the schema's own name.
std::set<std::string> objects_of(pqxx::transaction_base& tx, const std::string& schema) {
    const std::string search_path = tx.exec1("SELECT current_setting('search_path')")[0].c_str();
    tx.exec_params("SELECT set_config('search_path', $1, true)", db::quote_ident(schema));
    const auto rows = tx.exec_params(kObjects, db::quote_ident(schema));
    tx.exec_params("SELECT set_config('search_path', $1, true)", search_path);
    std::set<std::string> out;
    for (const auto& r : rows) out.insert(without_schema_name(r[0].c_str(), schema));
    return out;
}

}  // namespace

OwnSchema::OwnSchema(Context& ctx, pqxx::transaction_base& src, std::string src_schema, pqxx::transaction_base& dst,
                     std::string dst_schema, const std::string& slug)
    : m_src(src), m_dst(dst), m_src_schema(std::move(src_schema)), m_dst_schema(std::move(dst_schema)) {
    const auto files = migrate::applied_tenant_files(ctx, m_src, m_src_schema);
    tenants::create_schema_for(m_dst, m_dst_schema, slug,
                               "the destination's schema of that name is not the tenant's: drop or rename it there "
                               "first, or copy with --as NEWSLUG");
    migrate::replay_into_schema(ctx, m_dst, m_dst_schema, files);
    m_replayed = static_cast<int>(files.size());
    add_runtime_partitions();
    empty_seeded_tables();
    // The tables (partitions included) are this transaction's own: no other session sees
    // their triggers off.
    std::vector<std::string> tables;
    for (const auto& r : m_dst.exec_params("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
                                           "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                           "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
                                           m_dst_schema))
        tables.push_back(r[0].c_str());
    m_triggers_off.emplace(m_dst, tables);
}

void OwnSchema::add_runtime_partitions() {
    // Parents first: each pass creates those whose parent is there.
    struct Partition {
        std::string name, parent, bound, key;
    };
    std::vector<Partition> missing;
    const auto there = relation_names(m_dst, m_dst_schema);
    for (const auto& r : m_src.exec_params(
             "SELECT c.relname, p.relname, pg_get_expr(c.relpartbound, c.oid), "
             "       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END "
             "FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent "
             "WHERE c.relnamespace = $1::regnamespace AND p.relnamespace = c.relnamespace AND c.relispartition "
             "AND c.relkind IN ('r', 'p', 'f') ORDER BY c.relname",
             db::quote_ident(m_src_schema)))
        if (!there.contains(r[0].c_str()))
            missing.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].is_null() ? "" : r[3].c_str()});
    for (bool made = true; made && !missing.empty();) {
        made = false;
        const auto now = relation_names(m_dst, m_dst_schema);
        for (auto it = missing.begin(); it != missing.end();) {
            if (!now.contains(it->parent)) {
                ++it;
                continue;
            }
            m_dst.exec(fmt::format("CREATE TABLE {} PARTITION OF {} {}{}", model::TableName{m_dst_schema, it->name}.quoted(),
                                   model::TableName{m_dst_schema, it->parent}.quoted(), it->bound,
                                   it->key.empty() ? "" : " PARTITION BY " + it->key));
            it = missing.erase(it);
            made = true;
        }
    }
}

void OwnSchema::empty_seeded_tables() {
    // Rows a migration seeded: the tenant's own version of them arrives with its rows. Every
    // table of the schema goes in one TRUNCATE, so keys among them do not stand in its way
    // (all are this transaction's own); a key from outside the schema still refuses it.
    std::vector<std::string> tables;
    bool seeded = false;
    for (const auto& r : m_dst.exec_params("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
                                           "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                           "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
                                           m_dst_schema)) {
        tables.push_back(r[0].c_str());
        seeded = seeded || m_dst.exec1("SELECT EXISTS (SELECT 1 FROM " + tables.back() + ")")[0].as<bool>();
    }
    if (seeded) m_dst.exec("TRUNCATE " + util::join(tables, ", "));
}

std::vector<std::string> OwnSchema::differences() {
    const auto here = objects_of(m_src, m_src_schema);
    const auto there = objects_of(m_dst, m_dst_schema);
    std::vector<std::string> out;
    for (const auto& o : here)
        if (!there.contains(o)) out.push_back(o + ": here only, not built by the migrations");
    for (const auto& o : there)
        if (!here.contains(o)) out.push_back(o + ": built by the migrations, not here");
    return out;
}

int OwnSchema::finish() {
    if (m_triggers_off) m_triggers_off->restore();
    int set = 0;
    for (const auto& r : m_src.exec_params("SELECT c.relname FROM pg_class c WHERE c.relnamespace = $1::regnamespace "
                                           "AND c.relkind = 'S' ORDER BY 1",
                                           db::quote_ident(m_src_schema))) {
        const auto position =
            m_src.exec1("SELECT last_value, is_called FROM " + model::TableName{m_src_schema, r[0].c_str()}.quoted());
        // Only a position the sequence there can hold (a Citus node's range may not).
        set += static_cast<int>(
            m_dst.exec_params("SELECT setval(q.seqrelid, $2::bigint, $3::boolean) FROM pg_sequence q "
                              "WHERE q.seqrelid = to_regclass($1) AND $2::bigint BETWEEN q.seqmin AND q.seqmax",
                              model::TableName{m_dst_schema, r[0].c_str()}.quoted(), position[0].c_str(),
                              position[1].c_str())
                .size());
    }
    return set;
}

}  // namespace tenantctl::portability
