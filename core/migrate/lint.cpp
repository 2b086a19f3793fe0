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

constexpr std::array<LintRule, 10> kRules{{
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
// tokenize), quoted parts are exact. Tables are matched on the last part only.
struct RelationName {
    std::string key;
    std::string display;
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
        RelationName out{t->text, display_part(*t)};
        ++m_pos;
        while (peek() && is_symbol(*peek(), ".") && peek(1) && is_identifier(*peek(1))) {
            out.key = peek(1)->text;
            out.display += "." + display_part(*peek(1));
            m_pos += 2;
        }
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

class FileLinter {
public:
    FileLinter(const MigrationFile& file, const LintOptions& options) : m_file(file), m_options(options) {}

    std::vector<LintFinding> run() {
        auto statements = split_statements(m_file.up_sql, m_file.up_first_line, m_file.path);
        for (std::size_t i = 0; i < statements.size(); ++i) {
            m_index = i;
            m_tokens = tokenize(statements[i].sql, statements[i].line, statements[i].col, m_file.path);
            lint_statement();
        }
        check_tenant_tables();
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
    void report(std::string_view rule, const Token& at, std::string message) {
        report(rule, at.line, at.col, std::move(message), m_index);
    }

    bool is_existing(const RelationName& table) const { return m_created.count(table.key) == 0; }

    void lint_statement() {
        if (m_tokens.empty()) return;
        Cursor c(m_tokens, 0, m_tokens.size());
        check_transaction_control(c);
        check_concurrently();
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

    void create_index(Cursor& c) {
        bool concurrently = c.accept("concurrently");
        c.accept({"if", "not", "exists"});
        if (!c.next_is("on")) c.name();  // the index name is optional
        if (!c.accept("on")) return;
        if (c.accept("only")) return;  // partitioned-table recipe: ON ONLY parent, then each partition concurrently
        auto table = c.name();
        if (!table || concurrently || !is_existing(*table)) return;
        report("index-not-concurrent", m_tokens.front(),
               "CREATE INDEX on existing table " + table->display +
                   " without CONCURRENTLY blocks writes while it builds; use CREATE INDEX CONCURRENTLY in a "
                   "'-- tenantctl:no-transaction' file");
    }

    void create_table(Cursor& c, bool temporary) {
        c.accept({"if", "not", "exists"});
        auto table = c.name();
        if (!table) return;
        m_created.insert(table->key);
        if (temporary || !c.peek() || !is_symbol(*c.peek(), "(")) return;  // AS SELECT, PARTITION OF, OF type
        if (has_tenant_column(c.pos()))
            m_tenant_tables.push_back({*table, m_tokens.front().line, m_tokens.front().col, m_index});
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
        if (auto table = c.name()) m_policies.insert(table->key);
    }

    void alter_table(Cursor& c) {
        c.accept({"if", "exists"});
        c.accept("only");
        auto table = c.name();
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
            if (a.next_is_any(kTableConstraintWords))
                return add_constraint(table, start, TopLevel{m_tokens, begin, end}, existing);
            a.accept("column");
            a.accept({"if", "not", "exists"});
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
            m_rls_enabled.insert(table.key);
        } else if (a.accept({"force", "row", "level", "security"})) {
            m_rls_forced.insert(table.key);
        } else if (a.accept({"disable", "row", "level", "security"}) ||
                   a.accept({"no", "force", "row", "level", "security"})) {
            report("rls-disabled", start,
                   "row level security is turned off for " + table.display +
                       ": every tenant's rows become "
                       "visible to the application role");
        } else if (a.accept({"rename", "to"})) {
            if (auto renamed = a.name(); renamed && !existing) m_created.insert(renamed->key);
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

    void check_tenant_tables() {
        if (m_file.scope == Scope::tenant) return;  // schema per tenant: the schema is the boundary
        for (const auto& t : m_tenant_tables) {
            std::vector<std::string> missing;
            if (!m_rls_enabled.count(t.name.key))
                missing.push_back("ALTER TABLE " + t.name.display + " ENABLE ROW LEVEL SECURITY");
            if (!m_rls_forced.count(t.name.key))
                missing.push_back("ALTER TABLE " + t.name.display + " FORCE ROW LEVEL SECURITY");
            if (!m_policies.count(t.name.key)) missing.push_back("CREATE POLICY ... ON " + t.name.display);
            if (missing.empty()) continue;
            std::string list;
            for (const auto& m : missing) list += (list.empty() ? "" : "; ") + m;
            report("rls-missing", t.line, t.col,
                   "table " + t.name.display + " has " + m_options.tenant_column +
                       " but this file does not protect it with row level security; missing: " + list,
                   t.statement_index);
        }
    }

    const MigrationFile& m_file;
    const LintOptions& m_options;
    std::vector<LintFinding> m_findings;
    std::size_t m_index = 0;
    std::vector<Token> m_tokens;
    std::set<std::string> m_created;
    std::vector<TenantTable> m_tenant_tables;
    std::set<std::string> m_rls_enabled;
    std::set<std::string> m_rls_forced;
    std::set<std::string> m_policies;
};

std::vector<fs::path> expand(const std::vector<fs::path>& paths) {
    std::vector<fs::path> out;
    for (const auto& p : paths) {
        std::error_code ec;
        if (!fs::is_directory(p, ec)) {
            out.push_back(p);
            continue;
        }
        std::vector<fs::path> entries;
        for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
            if (it->is_directory(ec) || is_ignored_directory_entry(it->path().filename().string())) continue;
            entries.push_back(it->path());
        }
        std::sort(entries.begin(), entries.end());
        out.insert(out.end(), entries.begin(), entries.end());
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
    std::vector<LintFinding> findings;
    std::set<fs::path> seen;                           // a file named twice (dir and dir/file.sql) is linted once
    std::map<std::string, std::string> version_owner;  // version -> first file using it
    for (const auto& path : expand(paths)) {
        std::error_code ec;
        fs::path identity = fs::weakly_canonical(path, ec);
        if (!seen.insert(ec ? path : identity).second) continue;
        try {
            MigrationFile file = load_migration(path);
            auto [owner, first] = version_owner.emplace(file.version, file.path);
            if (!first)
                findings.push_back(
                    {file.path, 0, 0, std::string(kParseErrorRule),
                     "duplicate migration version " + file.version + " (also used by " + owner->second + ")", "error"});
            auto file_findings = lint(file, options);
            findings.insert(findings.end(), file_findings.begin(), file_findings.end());
        } catch (const SourceError& e) {
            findings.push_back({e.file().empty() ? path.string() : e.file(), e.line(), e.col(),
                                std::string(kParseErrorRule), e.problem(), "error"});
        }
    }
    return findings;
}

bool has_errors(const std::vector<LintFinding>& findings) {
    return std::any_of(findings.begin(), findings.end(), [](const LintFinding& f) { return f.severity == "error"; });
}

}  // namespace tenantctl::migrate
