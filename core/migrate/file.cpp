#include "core/migrate/file.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>

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

class MigrationParser {
public:
    MigrationParser(std::string_view content, std::string path, MigrationFile& out)
        : m_content(content), m_path(std::move(path)), m_file(out) {}

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
                if (trim(line.text).substr(0, 2) == "/*")
                    fail(line.number, col, "block comment before '-- migrate:up'", "use -- comments in the header");
                fail(line.number, col, "SQL before '-- migrate:up'",
                     "only blank lines, -- comments and tenantctl: directives may precede '-- migrate:up'");
            case LineKind::up_marker:
                if (m_up_marker_line != 0)
                    fail(line.number, col,
                         "duplicate '-- migrate:up' (first at line " + std::to_string(m_up_marker_line) + ")");
                m_up_marker_line = line.number;
                m_up_begin = line.next;
                m_section = Section::up;
                return;
            case LineKind::down_marker:
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
        if (m_up_marker_line == 0)
            fail(0, 0, "missing '-- migrate:up' section", "put '-- migrate:up' on its own line before the SQL");
        std::size_t up_end = m_down_marker_line != 0 ? m_up_end : m_content.size();
        m_file.up_sql = std::string(m_content.substr(m_up_begin, up_end - m_up_begin));
        m_file.up_first_line = m_up_marker_line + 1;
        std::vector<Statement> up = split_statements(m_file.up_sql, m_file.up_first_line, m_path);
        if (up.empty()) fail(m_up_marker_line, 1, "empty up section: no SQL statement after '-- migrate:up'");

        if (m_down_marker_line != 0) {
            m_file.down_sql = std::string(m_content.substr(m_down_begin));
            m_file.down_first_line = m_down_marker_line + 1;
            m_file.has_down = !split_statements(m_file.down_sql, m_file.down_first_line, m_path).empty();
        }

        for (auto& [line, rules] : m_statement_nolint_lines) {
            auto next = std::find_if(up.begin(), up.end(), [&](const Statement& s) { return s.line > line; });
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
    if (is_valid_version(version)) return;
    std::string shown(version.substr(0, 40));
    throw UsageError("invalid migration version '" + shown + "': expected 14 digits YYYYMMDDHHMMSS",
                     "a version is the timestamp that starts a migration file name, e.g. 20240131120000");
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

MigrationFile parse_migration(std::string_view content, const fs::path& path) {
    std::string path_text = path.string();
    auto parsed_name = parse_migration_file_name(path.filename().string());
    if (!parsed_name)
        throw SourceError(path_text, 0, 0,
                          "malformed migration file name, expected " + std::string(kMigrationFilePattern),
                          "create migrations with `tenantctl migrate new NAME`");
    MigrationFile file;
    file.version = parsed_name->version;
    file.name = parsed_name->name;
    file.path = path_text;
    file.checksum = crypto::sha256_hex(content);
    MigrationParser(content, path_text, file).run();
    return file;
}

MigrationFile load_migration(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw SourceError(path.string(), 0, 0, "no such file");
    if (fs::is_directory(path, ec)) throw SourceError(path.string(), 0, 0, "is a directory, not a migration file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SourceError(path.string(), 0, 0, "cannot read migration file");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw SourceError(path.string(), 0, 0, "cannot read migration file");
    return parse_migration(content, path);
}

bool is_ignored_directory_entry(std::string_view file_name) {
    return (!file_name.empty() && file_name.front() == '.') || starts_with_nocase(file_name, "readme");
}

std::vector<MigrationFile> load_directory(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec))
        throw UsageError("migrations directory '" + dir.string() + "' does not exist",
                         "create it, or point the configuration at the right directory");
    if (!fs::is_directory(dir, ec)) throw UsageError("'" + dir.string() + "' is not a directory");

    std::vector<fs::path> candidates;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_directory(ec)) continue;
        if (is_ignored_directory_entry(it->path().filename().string())) continue;
        candidates.push_back(it->path());
    }
    if (ec) throw UsageError("cannot list migrations directory '" + dir.string() + "': " + ec.message());
    std::sort(candidates.begin(), candidates.end());

    std::vector<fs::path> misnamed;
    for (const auto& p : candidates)
        if (!parse_migration_file_name(p.filename().string())) misnamed.push_back(p);
    if (!misnamed.empty()) {
        std::string problem = "not a migration file name, expected " + std::string(kMigrationFilePattern);
        if (misnamed.size() > 1) problem += " (and " + std::to_string(misnamed.size() - 1) + " more)";
        SourceError error(misnamed.front().string(), 0, 0, problem,
                          "rename it, or move it out of the directory (dotfiles and README files are ignored)");
        for (const auto& p : misnamed) error.with_detail(p.string());
        throw error;
    }

    std::vector<MigrationFile> files;
    files.reserve(candidates.size());
    for (const auto& p : candidates) files.push_back(load_migration(p));
    std::stable_sort(files.begin(), files.end(),
                     [](const MigrationFile& a, const MigrationFile& b) { return a.version < b.version; });
    for (std::size_t i = 1; i < files.size(); ++i)
        if (files[i].version == files[i - 1].version)
            throw UsageError(
                "duplicate migration version " + files[i].version + ": " + files[i - 1].path + " and " + files[i].path,
                "give one of them a new timestamp; versions must be unique");
    return files;
}

}  // namespace tenantctl::migrate
