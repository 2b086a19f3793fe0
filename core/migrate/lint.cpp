#include "core/migrate/lint.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>

namespace tenantctl::migrate {

namespace fs = std::filesystem;

namespace {

constexpr std::array<LintRule, 11> kRules{{
    {"index-not-concurrent", "error", "CREATE INDEX without CONCURRENTLY on an existing table blocks writes"},
    {"concurrently-in-transaction", "error",
     "CONCURRENTLY cannot run inside a transaction: add -- tenantctl:no-transaction"},
    {"add-column-not-null-no-default", "error", "ADD COLUMN ... NOT NULL without DEFAULT fails on a table with rows"},
    {"volatile-default", "error", "ADD COLUMN with a volatile DEFAULT rewrites the whole table"},
    {"fk-not-valid", "error", "a foreign key added without NOT VALID scans the table while blocking writes"},
    {"column-type-change", "warning", "ALTER COLUMN ... TYPE usually rewrites the table under an exclusive lock"},
    {"set-not-null", "warning", "SET NOT NULL scans the table under an exclusive lock"},
    {"rls-missing", "error", "a new tenant table lacks ENABLE + FORCE ROW LEVEL SECURITY and a policy"},
    {"rls-disabled", "error", "DISABLE / NO FORCE ROW LEVEL SECURITY turns tenant isolation off"},
    {"transaction-control", "error", "BEGIN/COMMIT/ROLLBACK in a migration: tenantctl owns the transaction"},
    {"fk-without-index", "warning",
     "a foreign key without an index on its referencing columns makes deletes and purges scan the table"},
}};

const std::set<std::string, std::less<>> kVolatileFunctions{
    "random",          "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
    "clock_timestamp", "timeofday",       "nextval",          "gen_random_bytes",   "random_normal",
};
const std::set<std::string, std::less<>> kSerialTypes{"smallserial", "serial",  "bigserial",
                                                      "serial2",     "serial4", "serial8"};
const std::set<std::string, std::less<>> kTableConstraintWords{"constraint", "primary", "unique",
                                                               "check",      "foreign", "exclude"};
const std::set<std::string, std::less<>> kTransactionWords{"begin", "commit",    "rollback", "end",
                                                           "abort", "savepoint", "release"};

bool is_identifier(const Token& t) { return t.kind == TokenKind::word || t.kind == TokenKind::quoted_identifier; }
bool is_word(const Token& t, std::string_view w) { return t.kind == TokenKind::word && t.text == w; }
bool is_symbol(const Token& t, std::string_view s) { return t.kind == TokenKind::symbol && t.text == s; }

// A relation name as PostgreSQL resolves it: unquoted parts are folded to lower case (done by
// tokenize), quoted parts are exact. key is "schema.table": an unqualified name is resolved
// with the schema the file's SET search_path names, else public (see qualify()).
struct RelationName {
    std::string key;
    std::string display;
    bool qualified = false;
};

std::string display_part(const Token& t) {
    return t.kind == TokenKind::quoted_identifier ? '"' + t.text + '"' : t.text;
}

// A view of tokens [begin, end) with a read position.
class Cursor {
public:
    Cursor(const std::vector<Token>& tokens, std::size_t begin, std::size_t end)
        : m_tokens(tokens), m_pos(begin), m_end(end) {}

    bool done() const { return m_pos >= m_end; }
    std::size_t pos() const { return m_pos; }
    std::size_t end() const { return m_end; }
    const Token* peek(std::size_t ahead = 0) const {
        return m_pos + ahead < m_end ? &m_tokens[m_pos + ahead] : nullptr;
    }

    bool next_is(std::string_view word, std::size_t ahead = 0) const {
        const Token* t = peek(ahead);
        return t && is_word(*t, word);
    }
    bool next_is_any(const std::set<std::string, std::less<>>& words) const {
        const Token* t = peek();
        return t && t->kind == TokenKind::word && words.count(t->text) > 0;
    }
    bool accept(std::string_view word) {
        if (!next_is(word)) return false;
        ++m_pos;
        return true;
    }
    // Consumes the whole sequence, or nothing.
    bool accept(std::initializer_list<std::string_view> words) {
        std::size_t i = 0;
        for (auto w : words)
            if (!next_is(w, i++)) return false;
        m_pos += words.size();
        return true;
    }
    std::optional<RelationName> name() {
        const Token* t = peek();
        if (!t || !is_identifier(*t)) return std::nullopt;
        RelationName out{t->text, display_part(*t), false};
        std::string schema;
        ++m_pos;
        while (peek() && is_symbol(*peek(), ".") && peek(1) && is_identifier(*peek(1))) {
            schema = out.key;
            out.key = peek(1)->text;
            out.display += "." + display_part(*peek(1));
            out.qualified = true;
            m_pos += 2;
        }
        if (out.qualified) out.key = schema + "." + out.key;
        return out;
    }
    void skip(std::size_t n = 1) { m_pos = std::min(m_pos + n, m_end); }

private:
    const std::vector<Token>& m_tokens;
    std::size_t m_pos;
    std::size_t m_end;
};

// Facts about the tokens [begin, end) at parenthesis depth 0 relative to begin.
struct TopLevel {
    const std::vector<Token>& tokens;
    std::size_t begin;
    std::size_t end;

    template <typename F>
    void each(F&& f) const {
        int depth = 0;
        for (std::size_t i = begin; i < end; ++i) {
            if (is_symbol(tokens[i], "(")) ++depth;
            if (is_symbol(tokens[i], ")") && depth > 0) --depth;
            if (depth == 0) f(i);
        }
    }
    bool has_word(std::string_view w) const {
        bool found = false;
        each([&](std::size_t i) { found = found || is_word(tokens[i], w); });
        return found;
    }
    bool has_pair(std::string_view a, std::string_view b) const {
        bool found = false;
        each([&](std::size_t i) {
            found = found || (i + 1 < end && is_word(tokens[i], a) && is_word(tokens[i + 1], b));
        });
        return found;
    }
};

// What one file does to tables, for rules that look across the files of a directory.
struct FileFacts {
    std::string path;
    std::set<std::string> rls_enabled;
    std::set<std::string> rls_forced;
    std::set<std::string> policies;
    std::map<std::string, std::vector<std::vector<std::string>>> indexes;  // table key -> leading columns
};

struct ForeignKey {
    std::string table_key;
    std::string table_display;
    std::vector<std::string> columns;
    int line;
    int col;
    std::size_t statement_index;
};

class FileLinter {
public:
    FileLinter(const MigrationFile& file, const LintOptions& options, const std::vector<FileFacts>* all = nullptr,
               std::size_t self = 0)
        : m_file(file), m_options(options), m_all(all), m_self(self), m_schema(default_schema()) {
        m_facts.path = file.path;
    }

    const FileFacts& facts() const { return m_facts; }

    std::vector<LintFinding> run() {
        auto statements = split_statements(m_file.up_sql, m_file.up_first_line, m_file.path);
        for (std::size_t i = 0; i < statements.size(); ++i) {
            m_index = i;
            m_tokens = tokenize(statements[i].sql, statements[i].line, statements[i].col, m_file.path);
            lint_statement();
        }
        check_tenant_tables();
        check_foreign_keys();
        std::stable_sort(m_findings.begin(), m_findings.end(), [](const LintFinding& a, const LintFinding& b) {
            return std::pair(a.line, a.col) < std::pair(b.line, b.col);
        });
        return std::move(m_findings);
    }

private:
    struct TenantTable {
        RelationName name;
        int line;
        int col;
        std::size_t statement_index;
    };

    bool suppressed(std::string_view rule, std::size_t statement_index) const {
        if (m_file.nolint.count(std::string(rule))) return true;
        auto it = m_file.statement_nolint.find(statement_index);
        return it != m_file.statement_nolint.end() && it->second.count(std::string(rule));
    }

    void report(std::string_view rule, int line, int col, std::string message, std::size_t statement_index) {
        if (suppressed(rule, statement_index)) return;
        const LintRule* r = find_lint_rule(rule);
        m_findings.push_back({m_file.path, line, col, std::string(rule), std::move(message), std::string(r->severity)});
    }
    void report_note(std::string_view rule, int line, int col, std::string message, std::size_t statement_index) {
        if (suppressed(rule, statement_index)) return;
        m_findings.push_back({m_file.path, line, col, std::string(rule), std::move(message), "note"});
    }
    void report(std::string_view rule, const Token& at, std::string message) {
        report(rule, at.line, at.col, std::move(message), m_index);
    }

    bool is_existing(const RelationName& table) const { return m_created.count(table.key) == 0; }

    // "schema.table" for a name as written: the file's search_path decides an unqualified one.
    // Where an unqualified name lives: a tenant-scoped file runs with each tenant's schema
    // first on the search_path (named here as they are named, tenant_<slug>), not public.
    std::string default_schema() const { return m_file.scope == Scope::tenant ? "tenant_<slug>" : "public"; }

    RelationName qualify(RelationName name) const {
        if (!name.qualified) name.key = m_schema + "." + name.key;
        return name;
    }
    std::optional<RelationName> qualified_name(Cursor& c) const {
        auto n = c.name();
        if (!n) return std::nullopt;
        return qualify(*n);
    }

    // SET [SESSION|LOCAL] search_path { TO | = } a, b, ...: the first real schema creates tables.
    void set_search_path(Cursor& c) {
        c.accept("session") || c.accept("local");
        if (!c.accept("search_path")) return;
        if (!c.accept("to") && !(c.peek() && is_symbol(*c.peek(), "="))) return;
        if (c.peek() && is_symbol(*c.peek(), "=")) c.skip();
        for (; !c.done(); c.skip()) {
            const Token* t = c.peek();
            if (is_symbol(*t, ",")) continue;
            if (is_word(*t, "default")) {
                m_schema = default_schema();
                return;
            }
            std::string schema = t->text;
            if (t->kind == TokenKind::string) {  // 'app' or 'app, public'
                schema = schema.substr(1, schema.size() >= 2 ? schema.size() - 2 : 0);
                schema = schema.substr(0, schema.find(','));
                while (!schema.empty() && schema.back() == ' ') schema.pop_back();
                while (!schema.empty() && schema.front() == ' ') schema.erase(0, 1);
            }
            if (schema == "$user" || schema == "\"$user\"" || schema == "pg_catalog" || schema == "pg_temp" ||
                schema.empty())
                continue;
            m_schema = schema;
            return;
        }
    }

    void lint_statement() {
        if (m_tokens.empty()) return;
        Cursor c(m_tokens, 0, m_tokens.size());
        check_transaction_control(c);
        check_concurrently();
        if (c.accept("set")) return set_search_path(c);
        if (c.accept("create")) {
            c.accept({"or", "replace"});
            c.accept("unique");
            if (c.accept("index")) return create_index(c);
            c.accept("global") || c.accept("local");
            bool temporary = c.accept("temp") || c.accept("temporary");
            c.accept("unlogged");
            if (c.accept("table")) return create_table(c, temporary);
            if (c.accept("policy")) return create_policy(c);
        } else if (c.accept({"alter", "table"})) {
            alter_table(c);
        }
    }

    void check_transaction_control(const Cursor& c) {
        const Token& first = m_tokens.front();
        bool control = c.next_is_any(kTransactionWords) ||
                       ((c.next_is("start") || c.next_is("prepare")) && c.next_is("transaction", 1));
        if (control && m_file.no_transaction) return;  // runs as its own block with its progress
        if (control)
            report("transaction-control", first,
                   "'" + first.text +
                       "' in a migration: tenantctl runs each migration in its own transaction "
                       "(or statement by statement with -- tenantctl:no-transaction); remove it");
    }

    void check_concurrently() {
        if (m_file.no_transaction || is_word(m_tokens.front(), "refresh"))
            return;  // REFRESH ... CONCURRENTLY may run in a transaction
        for (const Token& t : m_tokens) {
            if (!is_word(t, "concurrently")) continue;
            report("concurrently-in-transaction", t,
                   "CONCURRENTLY cannot run inside a transaction block; add '-- tenantctl:no-transaction' to the "
                   "header (and keep such statements in their own file)");
            return;
        }
    }

    // The simple column names of a parenthesised list at `open` (expressions end the list).
    std::vector<std::string> column_list(std::size_t open) const {
        std::vector<std::string> cols;
        if (open >= m_tokens.size() || !is_symbol(m_tokens[open], "(")) return cols;
        int depth = 0;
        bool element_start = false;
        for (std::size_t i = open; i < m_tokens.size(); ++i) {
            const Token& t = m_tokens[i];
            if (is_symbol(t, "(")) {
                if (++depth == 1) element_start = true;
                else if (element_start) return cols;  // an expression: stop here
                continue;
            }
            if (is_symbol(t, ")")) {
                if (--depth == 0) return cols;
                continue;
            }
            if (depth == 1 && is_symbol(t, ",")) {
                element_start = true;
                continue;
            }
            if (depth == 1 && element_start) {
                element_start = false;
                if (!is_identifier(t)) return cols;
                cols.push_back(t.text);
            }
        }
        return cols;
    }

    std::size_t find_open_paren(std::size_t from) const {
        for (std::size_t i = from; i < m_tokens.size(); ++i)
            if (is_symbol(m_tokens[i], "(")) return i;
        return m_tokens.size();
    }

    void add_index(const std::string& table_key, std::vector<std::string> cols) {
        if (!cols.empty()) m_facts.indexes[table_key].push_back(std::move(cols));
    }

    void create_index(Cursor& c) {
        bool concurrently = c.accept("concurrently");
        c.accept({"if", "not", "exists"});
        if (!c.next_is("on")) c.name();  // the index name is optional
        if (!c.accept("on")) return;
        bool only = c.accept("only");
        auto table = qualified_name(c);
        if (!table) return;
        add_index(table->key, column_list(find_open_paren(c.pos())));
        if (only) return;  // partitioned-table recipe: ON ONLY parent, then each partition concurrently
        if (concurrently || !is_existing(*table)) return;
        report("index-not-concurrent", m_tokens.front(),
               "CREATE INDEX on existing table " + table->display +
                   " without CONCURRENTLY blocks writes while it builds; use CREATE INDEX CONCURRENTLY in a "
                   "'-- tenantctl:no-transaction' file");
    }

    void create_table(Cursor& c, bool temporary) {
        c.accept({"if", "not", "exists"});
        auto table = qualified_name(c);
        if (!table) return;
        m_created.insert(table->key);
        if (!c.peek() || !is_symbol(*c.peek(), "(")) return;  // AS SELECT, PARTITION OF, OF type
        table_elements(*table, c.pos());
        if (temporary) return;
        if (has_tenant_column(c.pos()))
            m_tenant_tables.push_back({*table, m_tokens.front().line, m_tokens.front().col, m_index});
    }

    // Keys (PRIMARY KEY, UNIQUE) and foreign keys declared in a CREATE TABLE element list.
    void table_elements(const RelationName& table, std::size_t open) {
        int depth = 0;
        std::size_t element = open + 1;
        for (std::size_t i = open; i < m_tokens.size(); ++i) {
            const Token& t = m_tokens[i];
            if (is_symbol(t, "(")) {
                ++depth;
                continue;
            }
            bool closes = is_symbol(t, ")") && --depth == 0;
            if ((depth == 1 && is_symbol(t, ",")) || closes) {
                table_element(table, element, i);
                element = i + 1;
            }
            if (closes) return;
        }
    }

    void table_element(const RelationName& table, std::size_t begin, std::size_t end) {
        if (begin >= end) return;
        Cursor e(m_tokens, begin, end);
        if (e.accept("constraint")) e.name();
        TopLevel top{m_tokens, e.pos(), end};
        if (e.accept({"primary", "key"}) || e.accept("unique")) {
            add_index(table.key, column_list(find_open_paren(e.pos())));
            return;
        }
        if (e.accept({"foreign", "key"})) {
            add_foreign_key(table, column_list(e.pos()), m_tokens[begin]);
            return;
        }
        if (e.next_is_any(kTableConstraintWords) || e.next_is("like")) return;
        const Token* column = e.peek();
        if (!column || !is_identifier(*column)) return;
        if (top.has_pair("primary", "key") || top.has_word("unique")) add_index(table.key, {column->text});
        if (top.has_word("references")) add_foreign_key(table, {column->text}, *column);
    }

    void add_foreign_key(const RelationName& table, std::vector<std::string> cols, const Token& at) {
        if (cols.empty()) return;
        m_foreign_keys.push_back({table.key, table.display, std::move(cols), at.line, at.col, m_index});
    }

    // Column names are the first token of each element of the parenthesised list at `open`.
    bool has_tenant_column(std::size_t open) const {
        int depth = 0;
        bool element_start = false;
        for (std::size_t i = open; i < m_tokens.size(); ++i) {
            const Token& t = m_tokens[i];
            if (is_symbol(t, "(")) {
                element_start = ++depth == 1;
                continue;
            }
            if (is_symbol(t, ")")) {
                if (--depth == 0) return false;
                continue;
            }
            if (depth == 1 && is_symbol(t, ",")) {
                element_start = true;
                continue;
            }
            if (element_start && depth == 1) {
                element_start = false;
                bool is_constraint =
                    t.kind == TokenKind::word && (kTableConstraintWords.count(t.text) || t.text == "like");
                if (!is_constraint && is_identifier(t) && t.text == m_options.tenant_column) return true;
            }
        }
        return false;
    }

    void create_policy(Cursor& c) {
        c.name();
        if (!c.accept("on")) return;
        if (auto table = qualified_name(c)) m_facts.policies.insert(table->key);
    }

    void alter_table(Cursor& c) {
        c.accept({"if", "exists"});
        c.accept("only");
        auto table = qualified_name(c);
        if (!table) return;
        if (c.peek() && is_symbol(*c.peek(), "*")) c.skip();
        // Actions are separated by commas outside parentheses.
        std::size_t action_begin = c.pos();
        TopLevel{m_tokens, c.pos(), c.end()}.each([&](std::size_t i) {
            if (!is_symbol(m_tokens[i], ",")) return;
            alter_action(*table, action_begin, i);
            action_begin = i + 1;
        });
        alter_action(*table, action_begin, c.end());
    }

    void alter_action(const RelationName& table, std::size_t begin, std::size_t end) {
        if (begin >= end) return;
        Cursor a(m_tokens, begin, end);
        const Token& start = m_tokens[begin];
        bool existing = is_existing(table);
        if (a.accept("add")) {
            if (a.next_is_any(kTableConstraintWords)) {
                Cursor k(m_tokens, a.pos(), end);
                if (k.accept("constraint")) k.name();
                if (k.accept({"primary", "key"}) || k.accept("unique"))
                    add_index(table.key, column_list(find_open_paren(k.pos())));
                else if (k.accept({"foreign", "key"}))
                    add_foreign_key(table, column_list(k.pos()), start);
                return add_constraint(table, start, TopLevel{m_tokens, begin, end}, existing);
            }
            a.accept("column");
            a.accept({"if", "not", "exists"});
            if (const Token* col = a.peek(); col && is_identifier(*col)) {
                TopLevel def{m_tokens, a.pos(), end};
                if (def.has_word("references")) add_foreign_key(table, {col->text}, start);
                if (def.has_pair("primary", "key") || def.has_word("unique")) add_index(table.key, {col->text});
            }
            return add_column(table, start, a, existing);
        }
        if (a.accept("alter")) {
            a.accept("column");
            auto column = a.name();
            if (!column || !existing) return;
            if (a.accept("type") || a.accept({"set", "data", "type"}))
                report("column-type-change", start,
                       "changing the type of " + table.display + "." + column->display +
                           " usually rewrites the table under an ACCESS EXCLUSIVE lock; add a new column and "
                           "backfill, or silence this rule for a binary-compatible change");
            else if (a.accept({"set", "not", "null"}))
                report("set-not-null", start,
                       "SET NOT NULL on " + table.display + "." + column->display +
                           " scans the table under an ACCESS EXCLUSIVE lock; first ADD CONSTRAINT ... CHECK (" +
                           column->display + " IS NOT NULL) NOT VALID and VALIDATE it");
            return;
        }
        if (a.accept({"enable", "row", "level", "security"})) {
            m_facts.rls_enabled.insert(table.key);
        } else if (a.accept({"force", "row", "level", "security"})) {
            m_facts.rls_forced.insert(table.key);
        } else if (a.accept({"disable", "row", "level", "security"}) ||
                   a.accept({"no", "force", "row", "level", "security"})) {
            report("rls-disabled", start,
                   "row level security is turned off for " + table.display +
                       ": every tenant's rows become "
                       "visible to the application role");
        } else if (a.accept({"rename", "to"})) {
            if (auto renamed = a.name(); renamed && !existing)
                m_created.insert(renamed->qualified ? renamed->key
                                                    : table.key.substr(0, table.key.find('.') + 1) + renamed->key);
        }
    }

    void add_constraint(const RelationName& table, const Token& start, const TopLevel& action, bool existing) {
        bool foreign_key = action.has_word("foreign") || action.has_word("references");
        if (!foreign_key || !existing || action.has_pair("not", "valid")) return;
        report("fk-not-valid", start,
               "foreign key added to existing table " + table.display +
                   " without NOT VALID scans it while blocking writes; add it NOT VALID, then VALIDATE CONSTRAINT "
                   "in a later statement");
    }

    void add_column(const RelationName& table, const Token& start, Cursor& a, bool existing) {
        auto column = a.name();
        if (!column || !existing) return;
        TopLevel definition{m_tokens, a.pos(), a.end()};
        const Token* type = a.peek();
        bool serial = type && type->kind == TokenKind::word && kSerialTypes.count(type->text);
        bool has_default = definition.has_word("default");
        bool has_value = has_default || serial || definition.has_word("generated");  // identity or generated column
        bool not_null = definition.has_pair("not", "null") || definition.has_pair("primary", "key");
        std::string where = table.display + "." + column->display;

        if (not_null && !has_value)
            report("add-column-not-null-no-default", start,
                   "ADD COLUMN " + where +
                       " NOT NULL without DEFAULT fails if the table has rows; add a DEFAULT, or add it nullable, "
                       "backfill, then SET NOT NULL");
        if (serial) {
            report("volatile-default", start,
                   "ADD COLUMN " + where + " " + type->text +
                       " implies DEFAULT nextval(), which rewrites the whole table under an ACCESS EXCLUSIVE lock");
        } else if (has_default) {
            if (auto fn = volatile_call(a.pos(), a.end()))
                report("volatile-default", start,
                       "ADD COLUMN " + where + " with volatile DEFAULT " + *fn +
                           "() rewrites the whole table under an ACCESS EXCLUSIVE lock; add the column without "
                           "a default (or with a constant one), then backfill in batches");
        }
        if (definition.has_word("references"))
            report("fk-not-valid", start,
                   "ADD COLUMN " + where +
                       " REFERENCES validates the new foreign key while blocking writes; add the column, then "
                       "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and VALIDATE CONSTRAINT");
    }

    std::optional<std::string> volatile_call(std::size_t begin, std::size_t end) const {
        for (std::size_t i = begin; i + 1 < end; ++i)
            if (m_tokens[i].kind == TokenKind::word && kVolatileFunctions.count(m_tokens[i].text) &&
                is_symbol(m_tokens[i + 1], "("))
                return m_tokens[i].text;
        return std::nullopt;
    }

    // This file's facts, then those of the files after it (a later file may protect a table).
    template <typename F>
    const FileFacts* find_here_or_later(F&& has) const {
        if (has(m_facts)) return &m_facts;
        if (!m_all) return nullptr;
        for (std::size_t i = m_self + 1; i < m_all->size(); ++i)
            if (has((*m_all)[i])) return &(*m_all)[i];
        return nullptr;
    }

    void check_tenant_tables() {
        if (m_file.scope == Scope::tenant) return;  // schema per tenant: the schema is the boundary
        for (const auto& t : m_tenant_tables) {
            const std::string& key = t.name.key;
            const FileFacts* enabled = find_here_or_later([&](const FileFacts& f) { return f.rls_enabled.count(key) > 0; });
            const FileFacts* forced = find_here_or_later([&](const FileFacts& f) { return f.rls_forced.count(key) > 0; });
            const FileFacts* policy = find_here_or_later([&](const FileFacts& f) { return f.policies.count(key) > 0; });
            std::vector<std::string> missing;
            if (!enabled) missing.push_back("ALTER TABLE " + t.name.display + " ENABLE ROW LEVEL SECURITY");
            if (!forced) missing.push_back("ALTER TABLE " + t.name.display + " FORCE ROW LEVEL SECURITY");
            if (!policy) missing.push_back("CREATE POLICY ... ON " + t.name.display);
            std::set<std::string> later;
            for (const FileFacts* f : {enabled, forced, policy})
                if (f && f != &m_facts) later.insert(f->path);
            std::string later_text;
            for (const auto& l : later) later_text += (later_text.empty() ? "" : ", ") + l;
            if (missing.empty()) {
                if (!later.empty())
                    report_note("rls-missing", t.line, t.col,
                                "table " + key + " is protected with row level security by a later file: " + later_text,
                                t.statement_index);
                continue;
            }
            std::string list;
            for (const auto& m : missing) list += (list.empty() ? "" : "; ") + m;
            report("rls-missing", t.line, t.col,
                   "table " + key + " has " + m_options.tenant_column +
                       " but neither this file nor a later one protects it with row level security; missing: " + list +
                       (later.empty() ? "" : " (the rest is in " + later_text + ")"),
                   t.statement_index);
        }
    }

    // An index covers a foreign key when its leading columns are exactly the key's columns
    // (2); one led by the tenancy column and then the key's columns (1) serves a tenant's
    // purge but not the key check of a single delete, which scans that index.
    int covers(const std::vector<std::string>& index, const std::vector<std::string>& fk) const {
        auto leading = [&](std::size_t skip) {
            if (index.size() < fk.size() + skip) return false;
            std::set<std::string> a(index.begin() + static_cast<std::ptrdiff_t>(skip),
                                    index.begin() + static_cast<std::ptrdiff_t>(skip + fk.size()));
            return a == std::set<std::string>(fk.begin(), fk.end());
        };
        if (leading(0)) return 2;
        if (!index.empty() && index.front() == m_options.tenant_column && leading(1)) return 1;
        return 0;
    }

    void check_foreign_keys() {
        for (const auto& fk : m_foreign_keys) {
            auto coverage = [&](const FileFacts& f) {
                int best = 0;
                auto it = f.indexes.find(fk.table_key);
                if (it != f.indexes.end())
                    for (const auto& idx : it->second) best = std::max(best, covers(idx, fk.columns));
                return best;
            };
            int found = coverage(m_facts);
            if (m_all)
                for (const auto& f : *m_all) found = std::max(found, coverage(f));
            if (found == 2) continue;
            std::string cols;
            for (const auto& c : fk.columns) cols += (cols.empty() ? "" : ", ") + c;
            if (found == 1) {
                report_note("fk-without-index", fk.line, fk.col,
                            "foreign key " + fk.table_key + " (" + cols + ") is indexed only after " +
                                m_options.tenant_column + ": a tenant's purge uses that index, deleting one referenced "
                                "row scans it",
                            fk.statement_index);
                continue;
            }
            report("fk-without-index", fk.line, fk.col,
                   "foreign key " + fk.table_key + " (" + cols +
                       ") has no index on its referencing columns: deleting a referenced row (or purging a tenant) "
                       "scans the whole table; CREATE INDEX CONCURRENTLY ON " + fk.table_display + " (" + cols + ")",
                   fk.statement_index);
        }
    }

    const MigrationFile& m_file;
    const LintOptions& m_options;
    const std::vector<FileFacts>* m_all;
    std::size_t m_self;
    FileFacts m_facts;
    std::string m_schema;
    std::vector<LintFinding> m_findings;
    std::size_t m_index = 0;
    std::vector<Token> m_tokens;
    std::set<std::string> m_created;
    std::vector<TenantTable> m_tenant_tables;
    std::vector<ForeignKey> m_foreign_keys;
};

struct LintInput {
    fs::path path;
    Layout layout;
};

Layout layout_for(const fs::path& dir, const LintOptions& options) {
    return options.layout ? *options.layout : detect_layout(dir);
}

std::vector<LintInput> expand(const std::vector<fs::path>& paths, const LintOptions& options) {
    std::vector<LintInput> out;
    for (const auto& p : paths) {
        std::error_code ec;
        if (!fs::is_directory(p, ec)) {
            fs::path parent = p.parent_path();
            Layout layout = options.layout ? *options.layout : Layout::tenantctl;
            if (!options.layout && !parent.empty()) {
                // a Prisma migration.sql sits one level deeper than its directory
                layout = p.filename() == "migration.sql" ? Layout::prisma : detect_layout(parent);
            }
            out.push_back({p, layout});
            continue;
        }
        const Layout layout = layout_for(p, options);
        for (auto& f : directory_files(p, layout)) out.push_back({f, layout});
    }
    return out;
}

}  // namespace

std::span<const LintRule> lint_rules() { return kRules; }

const LintRule* find_lint_rule(std::string_view id) {
    for (const auto& rule : kRules)
        if (rule.id == id) return &rule;
    return nullptr;
}

std::vector<LintFinding> lint(const MigrationFile& file, const LintOptions& options) {
    return FileLinter(file, options).run();
}

std::vector<LintFinding> lint_files(const std::vector<fs::path>& paths, const LintOptions& options) {
    std::set<fs::path> seen;                           // a file named twice (dir and dir/file.sql) is linted once
    std::map<std::string, std::string> version_owner;  // version -> first file using it
    std::vector<MigrationFile> files;
    std::vector<std::size_t> slot_of_file;             // findings go out in input order
    std::vector<std::vector<LintFinding>> slots;
    std::vector<bool> reported;
    for (const auto& input : expand(paths, options)) {
        const fs::path& path = input.path;
        std::error_code ec;
        fs::path identity = fs::weakly_canonical(path, ec);
        if (!seen.insert(ec ? path : identity).second) continue;
        const bool wanted = !options.only || options.only->count(ec ? path : identity) > 0;
        slots.emplace_back();
        try {
            MigrationFile file = load_migration(path, input.layout);
            auto [owner, first] = version_owner.emplace(file.version, file.path);
            if (!first && wanted)
                slots.back().push_back(
                    {file.path, 0, 0, std::string(kParseErrorRule),
                     "duplicate migration version " + file.version + " (also used by " + owner->second + ")", "error"});
            files.push_back(std::move(file));
            slot_of_file.push_back(slots.size() - 1);
            reported.push_back(wanted);
        } catch (const SourceError& e) {
            if (wanted)
                slots.back().push_back({e.file().empty() ? path.string() : e.file(), e.line(), e.col(),
                                        std::string(kParseErrorRule), e.problem(), "error"});
        }
    }
    // Facts first (a later file may protect a table or index a foreign key), in version order.
    std::vector<std::size_t> order(files.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return compare_versions(files[a].version, files[b].version) < 0;
    });
    std::vector<FileFacts> facts;
    facts.reserve(files.size());
    for (std::size_t i : order) {
        FileLinter collector(files[i], options);
        collector.run();
        facts.push_back(collector.facts());
    }
    for (std::size_t k = 0; k < order.size(); ++k) {
        std::size_t i = order[k];
        if (!reported[i]) continue;
        auto found = FileLinter(files[i], options, &facts, k).run();
        auto& slot = slots[slot_of_file[i]];
        slot.insert(slot.end(), found.begin(), found.end());
    }
    std::vector<LintFinding> findings;
    for (auto& slot : slots) findings.insert(findings.end(), slot.begin(), slot.end());
    return findings;
}

bool has_errors(const std::vector<LintFinding>& findings) {
    return std::any_of(findings.begin(), findings.end(), [](const LintFinding& f) { return f.severity == "error"; });
}

}  // namespace tenantctl::migrate
