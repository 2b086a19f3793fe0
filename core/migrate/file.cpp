#include "core/migrate/file.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>

#include "core/crypto/hash.hpp"
#include "core/migrate/lint.hpp"

namespace tenantctl::migrate {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kUpMarker = "-- migrate:up";
constexpr std::string_view kDownMarker = "-- migrate:down";
constexpr std::string_view kDirectivePrefix = "tenantctl:";
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kKnownDirectives =
    "no-transaction, scope=shared|tenant, lock-timeout=DURATION, statement-timeout=DURATION, nolint=RULE[,RULE]";

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != lower(prefix[i])) return false;
    return true;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int two_digits(std::string_view s, std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// 1-based column (in code points) of byte `offset` within `line`.
int column_of(std::string_view line, std::size_t offset) {
    int col = 1;
    for (std::size_t i = 0; i < offset && i < line.size(); ++i)
        if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++col;
    return col;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += separator;
        out += p;
    }
    return out;
}

std::string known_rule_ids() {
    std::vector<std::string> ids;
    for (const auto& rule : lint_rules()) ids.emplace_back(rule.id);
    return join(ids, ", ");
}

struct Line {
    std::string_view text;  // without the newline and a trailing \r
    std::size_t begin;      // offset of the line in the content
    std::size_t next;       // offset just past its newline (content.size() for the last line)
    int number;
};

// What a line means to the section parser (SQL lexing happens later, per section).
enum class LineKind { blank, comment, up_marker, down_marker, directive, sql };

struct ClassifiedLine {
    LineKind kind;
    std::size_t content_offset;    // byte offset of the first non-blank character in the line
    std::size_t directive_offset;  // for directives: offset just past "tenantctl:"
};

// `-- migrate:down` spelled almost right is worse than an error: read as a comment, the down SQL
// would run as part of `up`.
bool looks_like_section_marker(std::string_view comment_body) {
    std::string_view rest = trim(comment_body);
    std::string_view after;
    if (starts_with_nocase(rest, "migrate:")) {
        after = rest.substr(8);
    } else if (starts_with_nocase(rest, "+goose")) {
        after = rest.substr(6);
    } else if (starts_with_nocase(rest, "+migrate")) {
        after = rest.substr(8);
    } else {
        return false;
    }
    after = trim(after);
    auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    auto word_is = [&](std::string_view w) {
        return starts_with_nocase(after, w) && (after.size() == w.size() || !is_letter(after[w.size()]));
    };
    return word_is("up") || word_is("down");
}

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

std::optional<TransactionControl> find_transaction_control(const std::vector<Statement>& statements,
                                                           const std::string& path) {
    for (const auto& st : statements) {
        auto tokens = tokenize(st.sql, st.line, st.col, path);
        if (!is_transaction_control(tokens)) continue;
        std::string word = upper(tokens[0].text);
        if (word == "START" || word == "PREPARE") word += " TRANSACTION";
        return TransactionControl{st.line, st.col, word};
    }
    return std::nullopt;
}

// A NUL byte would silently cut the SQL the server runs; invalid UTF-8 fails only at the server.
void require_clean_text(std::string_view content, const std::string& path) {
    std::size_t bad = invalid_text_offset(content);
    if (bad == std::string_view::npos) return;
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < bad; ++i)
        if (content[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    int col = column_of(content.substr(line_start), bad - line_start);
    if (content[bad] == '\0')
        throw SourceError(path, line, col, "NUL byte in a migration file",
                          "the server would run the SQL only up to it; remove it");
    throw SourceError(path, line, col, "invalid UTF-8 in a migration file",
                      "save the file as UTF-8 (PostgreSQL would reject it only when it runs)");
}

class MigrationParser {
public:
    MigrationParser(std::string_view content, std::string path, MigrationFile& out, bool plain = false)
        : m_content(content), m_path(std::move(path)), m_file(out), m_plain(plain) {}

    void run() {
        for (const Line& line : split_lines()) handle(line);
        finish();
    }

private:
    enum class Section { header, up, down };

    [[noreturn]] void fail(int line, int col, std::string problem, std::string hint = {}) const {
        throw SourceError(m_path, line, col, std::move(problem), std::move(hint));
    }

    std::vector<Line> split_lines() const {
        std::vector<Line> lines;
        std::size_t pos = 0;
        int number = 1;
        while (pos <= m_content.size()) {
            std::size_t newline = m_content.find('\n', pos);
            std::size_t end = newline == std::string_view::npos ? m_content.size() : newline;
            std::string_view text = m_content.substr(pos, end - pos);
            if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
            if (number == 1 && text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
            std::size_t next = newline == std::string_view::npos ? m_content.size() : newline + 1;
            lines.push_back({text, pos, next, number});
            if (newline == std::string_view::npos) break;
            pos = next;
            ++number;
        }
        return lines;
    }

    ClassifiedLine classify(const Line& line) const {
        std::string_view text = line.text;
        std::size_t first = 0;
        while (first < text.size() && is_blank(text[first])) ++first;
        std::string_view trimmed = trim(text);
        if (trimmed.empty()) return {LineKind::blank, first, 0};
        if (trimmed.substr(0, 2) != "--") return {LineKind::sql, first, 0};
        if (trimmed == kUpMarker) return {LineKind::up_marker, first, 0};
        if (trimmed == kDownMarker) return {LineKind::down_marker, first, 0};
        std::string_view body = trimmed.substr(2);
        if (looks_like_section_marker(body))
            fail(line.number, column_of(text, first), "malformed section marker '" + std::string(trimmed) + "'",
                 "write exactly '-- migrate:up' or '-- migrate:down' alone on the line; "
                 "use '-- tenantctl:no-transaction' in the header instead of marker options");
        std::size_t body_start = first + 2;
        while (body_start < text.size() && is_blank(text[body_start])) ++body_start;
        if (starts_with_nocase(text.substr(body_start), kDirectivePrefix))
            return {LineKind::directive, first, body_start + kDirectivePrefix.size()};
        return {LineKind::comment, first, 0};
    }

    void handle(const Line& line) {
        ClassifiedLine c = classify(line);
        int col = column_of(line.text, c.content_offset);
        switch (c.kind) {
            case LineKind::blank:
            case LineKind::comment: return;
            case LineKind::sql:
                if (m_section != Section::header) return;
                if (m_plain) {  // plain SQL: the first statement line starts the up section
                    m_section = Section::up;
                    return;
                }
                if (trim(line.text).substr(0, 2) == "/*")
                    fail(line.number, col, "block comment before '-- migrate:up'", "use -- comments in the header");
                fail(line.number, col, "SQL before '-- migrate:up'",
                     "only blank lines, -- comments and tenantctl: directives may precede '-- migrate:up'");
            case LineKind::up_marker:
                if (m_plain) fail_marker_in_plain(line, col);
                if (m_up_marker_line != 0)
                    fail(line.number, col,
                         "duplicate '-- migrate:up' (first at line " + std::to_string(m_up_marker_line) + ")");
                m_up_marker_line = line.number;
                m_up_begin = line.next;
                m_section = Section::up;
                return;
            case LineKind::down_marker:
                if (m_plain) fail_marker_in_plain(line, col);
                if (m_section == Section::header)
                    fail(line.number, col, "'-- migrate:down' before '-- migrate:up'",
                         "the up section comes first, then the down section");
                if (m_down_marker_line != 0)
                    fail(line.number, col,
                         "duplicate '-- migrate:down' (first at line " + std::to_string(m_down_marker_line) + ")");
                m_down_marker_line = line.number;
                m_up_end = line.begin;
                m_down_begin = line.next;
                m_section = Section::down;
                return;
            case LineKind::directive: handle_directive(line, col, c.directive_offset); return;
        }
    }

    [[noreturn]] void fail_marker_in_plain(const Line& line, int col) const {
        fail(line.number, col, "section marker in a plain SQL migration of the " + std::string(to_string(m_file.layout)) +
                                   " layout",
             "the whole file is the up section here; the down SQL goes in its own file (.down.sql, or a Flyway U file)");
    }

    void handle_directive(const Line& line, int line_col, std::size_t after_prefix) {
        std::string_view rest = line.text.substr(after_prefix);
        std::size_t eq = rest.find('=');
        std::string_view key = trim(rest.substr(0, eq));
        std::size_t key_offset = after_prefix;
        while (key_offset < line.text.size() && is_blank(line.text[key_offset])) ++key_offset;
        int key_col = column_of(line.text, key_offset);
        std::optional<std::string_view> value;
        int value_col = key_col;
        if (eq != std::string_view::npos) {
            std::size_t value_offset = after_prefix + eq + 1;
            while (value_offset < line.text.size() && is_blank(line.text[value_offset])) ++value_offset;
            value = trim(rest.substr(eq + 1));
            value_col = column_of(line.text, value_offset);
        }
        std::string name(key);
        if (name.empty())
            fail(line.number, line_col, "empty tenantctl: directive",
                 std::string("known: ") + std::string(kKnownDirectives));
        bool known = name == "no-transaction" || name == "scope" || name == "lock-timeout" ||
                     name == "statement-timeout" || name == "nolint";
        if (!known)
            fail(line.number, key_col, "unknown directive 'tenantctl:" + name + "'",
                 std::string("known: ") + std::string(kKnownDirectives));

        if (m_section == Section::down && name == "nolint")
            fail(line.number, line_col, "tenantctl:nolint in the down section has no effect",
                 "down sections are not linted; remove the directive");
        if (m_section != Section::header && name != "nolint")
            fail(line.number, line_col, "directive 'tenantctl:" + name + "' must be in the header",
                 "move it above '-- migrate:up'");
        if (name != "nolint") {
            auto [it, inserted] = m_seen_directives.emplace(name, line.number);
            if (!inserted)
                fail(line.number, line_col,
                     "duplicate directive 'tenantctl:" + name + "' (first at line " + std::to_string(it->second) + ")");
        }

        if (name == "no-transaction") {
            if (value) fail(line.number, value_col, "directive 'tenantctl:no-transaction' takes no value");
            m_file.no_transaction = true;
            return;
        }
        if (!value || value->empty()) {
            fail(line.number, key_col, "directive 'tenantctl:" + name + "' needs a value",
                 std::string("known: ") + std::string(kKnownDirectives));
        }
        std::string v(*value);
        if (name == "scope") {
            if (v == "shared") {
                m_file.scope = Scope::shared;
            } else if (v == "tenant") {
                m_file.scope = Scope::tenant;
            } else {
                fail(line.number, value_col, "bad value '" + v + "' for tenantctl:scope, expected shared or tenant");
            }
        } else if (name == "lock-timeout" || name == "statement-timeout") {
            auto timeout = parse_timeout(v);
            if (!timeout)
                fail(line.number, value_col, "bad duration '" + v + "' for tenantctl:" + name,
                     "write an integer and a unit: 500ms, 30s, 15m or 1h");
            (name == "lock-timeout" ? m_file.lock_timeout : m_file.statement_timeout) = *timeout;
        } else {  // nolint
            std::set<std::string> rules = parse_rule_list(v, line.number, value_col);
            if (m_section == Section::header) {
                m_file.nolint.insert(rules.begin(), rules.end());
            } else {
                m_statement_nolint_lines.push_back({line.number, std::move(rules)});
            }
        }
    }

    std::set<std::string> parse_rule_list(const std::string& list, int line, int col) const {
        std::set<std::string> rules;
        std::size_t start = 0;
        for (;;) {
            std::size_t comma = list.find(',', start);
            std::string id(trim(
                std::string_view(list).substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
            if (id.empty()) fail(line, col, "empty rule name in tenantctl:nolint", "write nolint=RULE[,RULE]");
            if (!find_lint_rule(id))
                fail(line, col, "unknown lint rule '" + id + "' in tenantctl:nolint",
                     "known rules: " + known_rule_ids());
            rules.insert(id);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        return rules;
    }

    void finish() {
        if (m_up_marker_line == 0 && !m_plain)
            fail(0, 0, "missing '-- migrate:up' section",
                 "put '-- migrate:up' on its own line before the SQL (for plain SQL files, as Supabase writes them, "
                 "set migrations.layout: supabase)");
        std::size_t up_end = m_down_marker_line != 0 ? m_up_end : m_content.size();
        m_file.up_sql = std::string(m_content.substr(m_up_begin, up_end - m_up_begin));
        m_file.up_first_line = m_up_marker_line + 1;
        std::vector<Statement> up = split_statements(m_file.up_sql, m_file.up_first_line, m_path);
        if (up.empty()) {
            if (m_plain) fail(1, 1, "empty migration: no SQL statement");
            fail(m_up_marker_line, 1, "empty up section: no SQL statement after '-- migrate:up'");
        }
        m_file.up_tx_control = find_transaction_control(up, m_path);

        if (m_down_marker_line != 0) {
            m_file.down_sql = std::string(m_content.substr(m_down_begin));
            m_file.down_first_line = m_down_marker_line + 1;
            auto down = split_statements(m_file.down_sql, m_file.down_first_line, m_path);
            m_file.has_down = !down.empty();
            m_file.down_tx_control = find_transaction_control(down, m_path);
        }

        for (auto& [line, rules] : m_statement_nolint_lines) {
            const auto after = line;  // clang 14 cannot capture a structured binding
            auto next = std::find_if(up.begin(), up.end(), [&](const Statement& s) { return s.line > after; });
            if (next == up.end())
                fail(line, 1, "tenantctl:nolint is not followed by a statement",
                     "put it on the line before the statement it silences");
            auto index = static_cast<std::size_t>(std::distance(up.begin(), next));
            m_file.statement_nolint[index].insert(rules.begin(), rules.end());
        }
    }

    std::string_view m_content;
    std::string m_path;
    MigrationFile& m_file;
    Section m_section = Section::header;
    int m_up_marker_line = 0;
    int m_down_marker_line = 0;
    std::size_t m_up_begin = 0;
    std::size_t m_up_end = 0;
    std::size_t m_down_begin = 0;
    bool m_plain = false;
    std::map<std::string, int> m_seen_directives;
    std::vector<std::pair<int, std::set<std::string>>> m_statement_nolint_lines;
};

}  // namespace

std::string_view to_string(Scope scope) { return scope == Scope::tenant ? "tenant" : "shared"; }

bool is_valid_version(std::string_view v) {
    if (v.size() != 14 || !all_digits(v)) return false;
    int month = two_digits(v, 4), day = two_digits(v, 6);
    int hour = two_digits(v, 8), minute = two_digits(v, 10), second = two_digits(v, 12);
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59;
}

void require_valid_version(std::string_view version) {
    bool ok = !version.empty() && version.size() <= 60;
    bool last_digit = false;
    for (char c : version) {
        if (c >= '0' && c <= '9') {
            last_digit = true;
        } else if ((c == '.' || c == '_') && last_digit) {
            last_digit = false;
        } else {
            ok = false;
        }
    }
    if (ok && last_digit) return;
    std::string shown(version.substr(0, 40));
    throw UsageError("invalid migration version '" + shown + "': expected digits such as 20240131120000 (or 1.2 for Flyway)",
                     "a version is the number that starts a migration file name");
}

std::optional<MigrationFileName> parse_migration_file_name(std::string_view file_name) {
    constexpr std::string_view ext = ".sql";
    if (file_name.size() <= ext.size() || file_name.substr(file_name.size() - ext.size()) != ext) return std::nullopt;
    std::string_view stem = file_name.substr(0, file_name.size() - ext.size());
    if (stem.size() < 16 || stem[14] != '_') return std::nullopt;
    std::string_view version = stem.substr(0, 14);
    std::string_view name = stem.substr(15);
    if (!is_valid_version(version) || !std::all_of(name.begin(), name.end(), is_name_char)) return std::nullopt;
    return MigrationFileName{std::string(version), std::string(name)};
}

std::optional<std::chrono::milliseconds> parse_timeout(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits > 12) return std::nullopt;  // 12 digits already exceed the limit in any unit
    std::int64_t amount = 0;
    for (std::size_t i = 0; i < digits; ++i) amount = amount * 10 + (text[i] - '0');
    std::string_view unit = text.substr(digits);
    std::int64_t factor = 0;
    if (unit == "ms") {
        factor = 1;
    } else if (unit == "s") {
        factor = 1000;
    } else if (unit == "m") {
        factor = 60 * 1000;
    } else if (unit == "h") {
        factor = 60 * 60 * 1000;
    } else {
        return std::nullopt;
    }
    std::int64_t ms = amount * factor;
    if (ms > std::numeric_limits<std::int32_t>::max()) return std::nullopt;
    return std::chrono::milliseconds(ms);
}

namespace {

enum class Role { up, down, repeatable };

struct LayoutName {
    std::string version;
    std::string name;
    Role role = Role::up;
};

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::size_t leading_digits(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    return n;
}

bool has_control_or_slash(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '/'; });
}

// "<digits>_<name>" with a non-empty name.
std::optional<LayoutName> digits_underscore_name(std::string_view stem) {
    std::size_t d = leading_digits(stem);
    if (d == 0 || d > 40 || d + 1 >= stem.size() || stem[d] != '_') return std::nullopt;
    std::string_view name = stem.substr(d + 1);
    if (has_control_or_slash(name)) return std::nullopt;
    return LayoutName{std::string(stem.substr(0, d)), std::string(name), Role::up};
}

// Flyway: V1__x.sql, V1.1__x.sql, V1_1__x.sql, U1.1__x.sql, R__x.sql.
std::optional<LayoutName> flyway_name(std::string_view file_name) {
    if (!ends_with(file_name, ".sql") || file_name.size() < 8) return std::nullopt;
    std::string_view stem = file_name.substr(0, file_name.size() - 4);
    char prefix = stem[0];
    if (prefix == 'R') {
        if (stem.substr(1, 2) != "__" || stem.size() <= 3 || has_control_or_slash(stem.substr(3))) return std::nullopt;
        return LayoutName{"R__" + std::string(stem.substr(3)), std::string(stem.substr(3)), Role::repeatable};
    }
    if (prefix != 'V' && prefix != 'U') return std::nullopt;
    std::size_t sep = stem.find("__");
    if (sep == std::string_view::npos || sep < 2 || sep + 2 >= stem.size()) return std::nullopt;
    std::string_view version = stem.substr(1, sep - 1);
    std::string normalized;
    bool last_digit = false;
    for (char c : version) {
        if (c >= '0' && c <= '9') {
            normalized.push_back(c);
            last_digit = true;
        } else if ((c == '.' || c == '_') && last_digit) {
            normalized.push_back('.');
            last_digit = false;
        } else {
            return std::nullopt;
        }
    }
    if (!last_digit) return std::nullopt;
    std::string_view description = stem.substr(sep + 2);
    if (has_control_or_slash(description)) return std::nullopt;
    return LayoutName{normalized, std::string(description), prefix == 'U' ? Role::down : Role::up};
}

// The version and name a path has in `layout`, and whether it is an up, down or repeatable file.
std::optional<LayoutName> layout_name(const fs::path& path, Layout layout) {
    const std::string file_name = path.filename().string();
    switch (layout) {
        case Layout::tenantctl: {
            auto n = parse_migration_file_name(file_name);
            if (!n) return std::nullopt;
            return LayoutName{n->version, n->name, Role::up};
        }
        case Layout::dbmate:
        case Layout::supabase:
            if (!ends_with(file_name, ".sql")) return std::nullopt;
            return digits_underscore_name(std::string_view(file_name).substr(0, file_name.size() - 4));
        case Layout::golang_migrate: {
            Role role = Role::up;
            std::string_view stem;
            if (ends_with(file_name, ".up.sql")) {
                stem = std::string_view(file_name).substr(0, file_name.size() - 7);
            } else if (ends_with(file_name, ".down.sql")) {
                stem = std::string_view(file_name).substr(0, file_name.size() - 9);
                role = Role::down;
            } else {
                return std::nullopt;
            }
            auto n = digits_underscore_name(stem);
            if (n) n->role = role;
            return n;
        }
        case Layout::flyway: return flyway_name(file_name);
        case Layout::prisma: {
            if (file_name != "migration.sql") return std::nullopt;
            return digits_underscore_name(path.parent_path().filename().string());
        }
    }
    return std::nullopt;
}

bool is_plain(Layout layout) { return layout != Layout::tenantctl && layout != Layout::dbmate; }

bool is_regular(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);  // follows symlinks
}

}  // namespace

std::string_view to_string(Layout layout) {
    switch (layout) {
        case Layout::tenantctl: return "tenantctl";
        case Layout::dbmate: return "dbmate";
        case Layout::golang_migrate: return "golang-migrate";
        case Layout::flyway: return "flyway";
        case Layout::supabase: return "supabase";
        case Layout::prisma: return "prisma";
    }
    return "tenantctl";
}

std::optional<Layout> parse_layout(std::string_view name) {
    if (name == "auto" || name.empty()) return std::nullopt;
    for (Layout l : {Layout::tenantctl, Layout::dbmate, Layout::golang_migrate, Layout::flyway, Layout::supabase,
                     Layout::prisma})
        if (to_string(l) == name) return l;
    throw UsageError("unknown migrations layout '" + std::string(name.substr(0, 40)) + "'",
                     "known: " + std::string(kLayoutNames));
}

std::string_view file_pattern(Layout layout) {
    switch (layout) {
        case Layout::tenantctl: return kMigrationFilePattern;
        case Layout::dbmate: return "<version>_<name>.sql with -- migrate:up / -- migrate:down sections";
        case Layout::golang_migrate: return "<version>_<name>.up.sql and <version>_<name>.down.sql";
        case Layout::flyway: return "V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql";
        case Layout::supabase: return "<timestamp>_<name>.sql";
        case Layout::prisma: return "<timestamp>_<name>/migration.sql";
    }
    return kMigrationFilePattern;
}

int compare_versions(std::string_view a, std::string_view b) {
    const bool a_num = !a.empty() && a[0] >= '0' && a[0] <= '9';
    const bool b_num = !b.empty() && b[0] >= '0' && b[0] <= '9';
    if (a_num != b_num) return a_num ? -1 : 1;
    if (!a_num) return a < b ? -1 : (a > b ? 1 : 0);
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        std::size_t ie = i, je = j;
        while (ie < a.size() && a[ie] >= '0' && a[ie] <= '9') ++ie;
        while (je < b.size() && b[je] >= '0' && b[je] <= '9') ++je;
        std::string_view x = a.substr(i, ie - i), y = b.substr(j, je - j);
        while (x.size() > 1 && x[0] == '0') x.remove_prefix(1);
        while (y.size() > 1 && y[0] == '0') y.remove_prefix(1);
        if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
        if (x != y) return x < y ? -1 : 1;
        i = ie, j = je;
        // separators ('.' or '_') are equivalent
        bool a_sep = i < a.size(), b_sep = j < b.size();
        if (!a_sep || !b_sep) break;
        ++i, ++j;
    }
    const bool a_more = i < a.size(), b_more = j < b.size();
    if (a_more != b_more) return a_more ? 1 : -1;
    return 0;
}

MigrationFile parse_migration(std::string_view content, const fs::path& path) {
    return parse_migration(content, path, Layout::tenantctl);
}

MigrationFile parse_migration(std::string_view content, const fs::path& path, Layout layout) {
    std::string path_text = path.string();
    auto parsed_name = layout_name(path, layout);
    if (!parsed_name || parsed_name->role == Role::down) {
        if (layout == Layout::tenantctl)
            throw SourceError(path_text, 0, 0,
                              "malformed migration file name, expected " + std::string(kMigrationFilePattern),
                              "create migrations with `tenantctl migrate new NAME`");
        throw SourceError(path_text, 0, 0,
                          "not a " + std::string(to_string(layout)) + " migration file name, expected " +
                              std::string(file_pattern(layout)));
    }
    require_clean_text(content, path_text);
    MigrationFile file;
    file.version = parsed_name->version;
    file.name = parsed_name->name;
    file.path = path_text;
    file.down_path = path_text;
    file.layout = layout;
    file.repeatable = parsed_name->role == Role::repeatable;
    file.checksum = crypto::sha256_hex(content);
    MigrationParser(content, path_text, file, is_plain(layout)).run();
    return file;
}

void attach_down_file(MigrationFile& file, std::string_view content, const fs::path& path) {
    const std::string path_text = path.string();
    require_clean_text(content, path_text);
    std::string_view body = content;
    if (body.substr(0, kUtf8Bom.size()) == kUtf8Bom) body.remove_prefix(kUtf8Bom.size());
    file.down_sql = std::string(body);
    file.down_first_line = 1;
    file.down_path = path_text;
    auto down = split_statements(file.down_sql, 1, path_text);
    file.has_down = !down.empty();
    file.down_tx_control = find_transaction_control(down, path_text);
}

std::string read_source_file(const fs::path& path) {
    std::error_code ec;
    auto st = fs::status(path, ec);
    if (ec || !fs::exists(st)) throw SourceError(path.string(), 0, 0, "no such file");
    if (fs::is_directory(st)) throw SourceError(path.string(), 0, 0, "is a directory, not a migration file");
    if (!fs::is_regular_file(st))
        throw SourceError(path.string(), 0, 0, "not a regular file (a FIFO, socket or device)",
                          "move it out of the migrations directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SourceError(path.string(), 0, 0, "cannot read migration file");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw SourceError(path.string(), 0, 0, "cannot read migration file");
    return content;
}

MigrationFile load_migration(const fs::path& path) { return load_migration(path, Layout::tenantctl); }

MigrationFile load_migration(const fs::path& path, Layout layout) {
    return parse_migration(read_source_file(path), path, layout);
}

bool is_ignored_directory_entry(std::string_view file_name) {
    return (!file_name.empty() && file_name.front() == '.') || starts_with_nocase(file_name, "readme");
}

namespace {

struct Listing {
    std::vector<fs::path> files;       // regular files and whatever else is not a directory
    std::vector<fs::path> subdirs;
};

Listing list_directory(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec))
        throw UsageError("migrations directory '" + dir.string() + "' does not exist",
                         "create it, or point the configuration at the right directory");
    if (!fs::is_directory(dir, ec)) throw UsageError("'" + dir.string() + "' is not a directory");
    Listing l;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (is_ignored_directory_entry(it->path().filename().string())) continue;
        std::error_code e2;
        if (it->is_directory(e2))
            l.subdirs.push_back(it->path());
        else
            l.files.push_back(it->path());
    }
    if (ec) throw UsageError("cannot list migrations directory '" + dir.string() + "': " + ec.message());
    std::sort(l.files.begin(), l.files.end());
    std::sort(l.subdirs.begin(), l.subdirs.end());
    return l;
}

bool has_marker_line(const fs::path& p) {
    if (!is_regular(p)) return false;
    std::ifstream in(p, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
        std::string_view t = trim(line);
        if (t == kUpMarker || t == kDownMarker) return true;
    }
    return false;
}

void refuse_irregular(const std::vector<fs::path>& files) {
    for (const auto& p : files)
        if (!is_regular(p))
            throw SourceError(p.string(), 0, 0, "not a regular file (a FIFO, socket or device) in the migrations directory",
                              "move it out of the directory");
}

}  // namespace

Layout detect_layout(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Layout::tenantctl;
    Listing l = list_directory(dir);
    for (const auto& d : l.subdirs)
        if (fs::exists(d / "migration.sql", ec)) return Layout::prisma;
    bool golang = false, timestamped_strict = true, any = false, markers = false, hyphen = false;
    for (const auto& p : l.files) {
        const std::string n = p.filename().string();
        if (flyway_name(n)) return Layout::flyway;
        if (layout_name(p, Layout::golang_migrate)) golang = true;
    }
    if (golang) return Layout::golang_migrate;
    for (const auto& p : l.files) {
        const std::string n = p.filename().string();
        if (!layout_name(p, Layout::dbmate)) continue;
        any = true;
        if (!parse_migration_file_name(n)) timestamped_strict = false;
        if (n.find('-') != std::string::npos) hyphen = true;
        if (!markers && has_marker_line(p)) markers = true;
    }
    // dbmate is never guessed: its files are tenantctl's, and reading a mistyped tenantctl name
    // (a 13-digit version) as dbmate would hide the typo. Configure it, or adopt --from dbmate.
    if (!any || markers) return Layout::tenantctl;
    return hyphen || !timestamped_strict ? Layout::supabase : Layout::tenantctl;
}

std::vector<fs::path> directory_files(const fs::path& dir, Layout layout) {
    Listing l = list_directory(dir);
    std::vector<fs::path> out;
    if (layout == Layout::prisma) {
        for (const auto& d : l.subdirs) out.push_back(d / "migration.sql");
        out.insert(out.end(), l.files.begin(), l.files.end());  // stray files are reported as misnamed
    } else {
        for (const auto& p : l.files) {
            auto n = layout_name(p, layout);
            if (n && n->role == Role::down) continue;
            out.push_back(p);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> directory_versions(const fs::path& dir, Layout layout) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return {};
    std::vector<std::string> out;
    for (const auto& p : directory_files(dir, layout))
        if (auto n = layout_name(p, layout); n && n->role != Role::repeatable) out.push_back(n->version);
    return out;
}

std::vector<MigrationFile> load_directory(const fs::path& dir, std::optional<Layout> layout_option) {
    const Layout layout = layout_option ? *layout_option : detect_layout(dir);
    Listing l = list_directory(dir);
    refuse_irregular(l.files);

    std::vector<fs::path> ups;
    std::map<std::string, fs::path, VersionLess> downs;
    std::vector<fs::path> misnamed;
    if (layout == Layout::prisma) {
        for (const auto& d : l.subdirs) {
            fs::path f = d / "migration.sql";
            if (!fs::exists(f)) {
                misnamed.push_back(d);
                continue;
            }
            refuse_irregular({f});
            (layout_name(f, layout) ? ups : misnamed).push_back(f);
        }
        // migration_lock.toml sits next to the migration directories
        for (const auto& p : l.files)
            if (p.filename() != "migration_lock.toml") misnamed.push_back(p);
    } else {
        for (const auto& p : l.files) {
            auto n = layout_name(p, layout);
            if (!n) {
                misnamed.push_back(p);
            } else if (n->role == Role::down) {
                auto [it, inserted] = downs.emplace(n->version, p);
                if (!inserted)
                    throw UsageError("two down files for version " + n->version + ": " + it->second.string() + " and " +
                                     p.string());
            } else {
                ups.push_back(p);
            }
        }
    }
    if (!misnamed.empty()) {
        std::string problem = layout == Layout::tenantctl
                                  ? "not a migration file name, expected " + std::string(kMigrationFilePattern)
                                  : "not a " + std::string(to_string(layout)) + " migration file name, expected " +
                                        std::string(file_pattern(layout));
        if (misnamed.size() > 1) problem += " (and " + std::to_string(misnamed.size() - 1) + " more)";
        SourceError error(misnamed.front().string(), 0, 0, problem,
                          "rename it, or move it out of the directory (dotfiles and README files are ignored)");
        for (const auto& p : misnamed) error.with_detail(p.string());
        throw error;
    }

    std::vector<MigrationFile> files;
    files.reserve(ups.size());
    for (const auto& p : ups) {
        MigrationFile f = load_migration(p, layout);
        if (auto d = downs.find(f.version); d != downs.end() && !f.repeatable) {
            attach_down_file(f, read_source_file(d->second), d->second);
            downs.erase(d);
        }
        files.push_back(std::move(f));
    }
    if (!downs.empty())
        throw SourceError(downs.begin()->second.string(), 0, 0,
                          "down file without its up file (version " + downs.begin()->first + ")");
    std::stable_sort(files.begin(), files.end(), [](const MigrationFile& a, const MigrationFile& b) {
        return compare_versions(a.version, b.version) < 0;
    });
    for (std::size_t i = 1; i < files.size(); ++i)
        if (compare_versions(files[i].version, files[i - 1].version) == 0)
            throw UsageError(
                "duplicate migration version " + files[i].version + ": " + files[i - 1].path + " and " + files[i].path,
                "give one of them a new version; versions must be unique");
    return files;
}

}  // namespace tenantctl::migrate
