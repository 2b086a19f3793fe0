#include "core/config/config.hpp"

#include "core/errors.hpp"
#include "core/util/strings.hpp"
#include "core/util/yaml_reader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <map>
#include <span>

namespace tenantctl::config {

namespace fs = std::filesystem;
using util::in_quotes;

// ---------------------------------------------------------------------------------------
// Names and enums
// ---------------------------------------------------------------------------------------

namespace {

constexpr std::size_t kMaxIdentifierLength = 63;  // PostgreSQL's NAMEDATALEN - 1

// Returns why `part` cannot be an identifier, or nothing when it can. Any characters are
// allowed because identifiers are always quoted in SQL; the length limit matters because
// PostgreSQL silently truncates longer names, so `...name_a` and `...name_b` could collide.
std::optional<std::string> identifier_problem(std::string_view part) {
    if (part.empty()) return "an empty name";
    if (util::trim(part).size() != part.size()) return "a name with leading or trailing whitespace";
    if (std::any_of(part.begin(), part.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        return "a name with control characters";
    if (part.size() > kMaxIdentifierLength)
        return fmt::format("a name of {} bytes (PostgreSQL allows 63)", part.size());
    return std::nullopt;
}

std::vector<std::string> split_checked(std::string_view text, std::string_view what, std::string_view expected,
                                       std::size_t min_parts, std::size_t max_parts) {
    auto parts = util::split(text, '.');
    if (parts.size() < min_parts || parts.size() > max_parts)
        throw UsageError(fmt::format("invalid {} {}: expected {}", what, in_quotes(text), expected));
    for (const auto& part : parts)
        if (auto problem = identifier_problem(part))
            throw UsageError(fmt::format("invalid {} {}: {} in it", what, in_quotes(text), *problem));
    return parts;
}

}  // namespace

std::string QualifiedName::to_string() const { return schema + "." + name; }

std::string ColumnRef::to_string() const { return table.to_string() + "." + column; }

QualifiedName parse_qualified_name(std::string_view text) {
    auto parts = split_checked(text, "table name", "TABLE or SCHEMA.TABLE", 1, 2);
    if (parts.size() == 1) return QualifiedName{"public", std::move(parts[0])};
    return QualifiedName{std::move(parts[0]), std::move(parts[1])};
}

ColumnRef parse_column_ref(std::string_view text) {
    auto parts = split_checked(text, "column reference", "TABLE.COLUMN or SCHEMA.TABLE.COLUMN", 2, 3);
    if (parts.size() == 2) return ColumnRef{QualifiedName{"public", std::move(parts[0])}, std::move(parts[1])};
    return ColumnRef{QualifiedName{std::move(parts[0]), std::move(parts[1])}, std::move(parts[2])};
}

namespace {

// `*` as the last part selects the whole table, so `app.users.*` and `users.manager_id`
// cannot be confused (both have a dot, only one names a column).
Exclusion parse_exclusion(std::string_view text) {
    const std::string_view written = text;
    const bool whole_table = text.ends_with(".*");
    if (whole_table) text.remove_suffix(2);
    if (text.find('*') != std::string_view::npos)
        throw UsageError(fmt::format("invalid exclusion {}: '*' may only stand for the column, as in TABLE.*",
                                     in_quotes(written)));
    const auto parts = util::split(text, '.');
    if (parts.size() > (whole_table ? 2u : 3u))
        throw UsageError(fmt::format("invalid exclusion {}: expected TABLE, [SCHEMA.]TABLE.* or [SCHEMA.]TABLE.COLUMN",
                                     in_quotes(written)));
    if (whole_table || parts.size() == 1) return Exclusion{parse_qualified_name(text), std::nullopt};
    const auto ref = parse_column_ref(text);
    return Exclusion{ref.table, ref.column};
}

constexpr std::string_view kModeNames[] = {"shared", "schema"};
constexpr std::string_view kJwtNames[] = {"RS256", "ES256"};
constexpr std::string_view kEraseNames[] = {"delete", "anonymize", "retain"};
constexpr std::string_view kStrategyNames[] = {"null", "redact", "hash"};

}  // namespace

std::string_view to_string(TenancyMode mode) { return kModeNames[static_cast<int>(mode)]; }
std::string_view to_string(JwtAlgorithm alg) { return kJwtNames[static_cast<int>(alg)]; }
std::string_view to_string(EraseAction action) { return kEraseNames[static_cast<int>(action)]; }
std::string_view to_string(AnonymizeStrategy strategy) { return kStrategyNames[static_cast<int>(strategy)]; }

const TableConfig* DataConfig::find_table(const QualifiedName& name) const {
    for (const auto& table : tables)
        if (table.table == name) return &table;
    return nullptr;
}

// ---------------------------------------------------------------------------------------
// The YAML reader
// ---------------------------------------------------------------------------------------

namespace {

// One key of a map (or one item of a list, then `key` is empty and `key_node` is the item),
// with the dotted path used in messages ("audit.premake", "data.links[1].from").
struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    std::string path;
};

const Entry* find(const std::vector<Entry>& entries, std::string_view key) {
    for (const auto& entry : entries)
        if (entry.key == key) return &entry;
    return nullptr;
}

std::string kind_of(const YAML::Node& node) {
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "nothing";
    return "a string";
}

// What was found, for messages; scalars are shown only where they cannot be secrets.
std::string describe(const YAML::Node& node) { return node.IsScalar() ? in_quotes(node.Scalar()) : kind_of(node); }

std::vector<std::string> names(std::span<const std::string_view> views) {
    return {views.begin(), views.end()};
}

class Reader {
public:
    explicit Reader(std::string_view filename) : m_filename(filename), m_base_dir(fs::path(filename).parent_path()) {}

    Config read(std::string_view text) const;

private:
    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message, std::string hint = {}) const {
        util::fail_yaml(m_filename, mark, message, std::move(hint));
    }

    // yaml-cpp marks an empty value at the next token, often on the next line, so errors about
    // an empty value point at its key instead.
    static YAML::Mark where(const Entry& entry) {
        return entry.value.IsNull() ? entry.key_node.Mark() : entry.value.Mark();
    }

    [[noreturn]] void fail_at(const Entry& entry, const std::string& message, std::string hint = {}) const {
        fail(where(entry), entry.path + ": " + message, std::move(hint));
    }

    // The keys of a map, checked: plain unique keys, each one of `known` (any key when `known`
    // is empty). An empty value (`keys:`) counts as an empty map.
    std::vector<Entry> entries(const Entry& parent, const std::vector<std::string>& known) const;
    std::vector<Entry> items(const Entry& parent) const;  // the items of a list

    std::string text_of(const Entry& entry) const;
    std::string identifier_of(const Entry& entry) const;
    std::vector<std::string> identifiers_of(const Entry& entry) const;
    int int_of(const Entry& entry, int min, int max) const;
    util::Duration duration_of(const Entry& entry) const;
    std::size_t choice_of(const Entry& entry, std::span<const std::string_view> choices) const;
    fs::path path_of(const Entry& entry) const;
    fs::path resolve(const fs::path& path) const { return path.is_relative() ? m_base_dir / path : path; }

    template <typename T, typename Parse>
    T parsed(const Entry& entry, Parse parse) const {
        const std::string text = text_of(entry);
        try {
            return parse(text);
        } catch (const UsageError& e) {
            fail_at(entry, e.what());
        }
    }

    void read_contexts(const Entry& entry, Config& config) const;
    void read_current_context(const Entry& entry, Config& config) const;
    void read_tenancy(const Entry& entry, TenancyConfig& tenancy) const;
    void read_keys(const Entry& entry, KeysConfig& keys) const;
    void read_audit(const Entry& entry, AuditConfig& audit) const;
    void read_migrations(const Entry& entry, MigrationsConfig& migrations) const;
    void read_maintain(const Entry& entry, MaintainConfig& maintain) const;
    void read_data(const Entry& entry, DataConfig& data) const;
    SubjectsConfig read_subjects(const Entry& entry) const;
    TableConfig read_table(const Entry& entry) const;
    LinkConfig read_link(const Entry& entry) const;
    nlohmann::ordered_json read_processing(const Entry& entry) const;

    std::string m_filename;
    fs::path m_base_dir;
};

std::vector<Entry> Reader::entries(const Entry& parent, const std::vector<std::string>& known) const {
    std::vector<Entry> result;
    const YAML::Node& node = parent.value;
    if (node.IsNull()) return result;
    const std::string where_text = parent.path.empty() ? "at the top level" : "in " + parent.path;
    // Not echoed: `prod: postgresql://user:password@host` or a literal key under `keys:` lands here.
    if (!node.IsMap()) fail(node.Mark(), fmt::format("expected a map {}, got {}", where_text, kind_of(node)));

    // Indexed, not searched: a 1 MiB file can hold 100,000 contexts, and a linear search per
    // key would make reading it quadratic.
    std::map<std::string, std::size_t, std::less<>> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
        // Copies, not references: `it->` yields a proxy that dies with the expression.
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        if (!key.IsScalar()) fail(key.Mark(), fmt::format("keys {} must be plain strings", where_text));
        const std::string& name = key.Scalar();
        if (name == "<<") fail(key.Mark(), "merge keys (<<) are not supported; write the settings out");
        if (const auto first = seen.find(name); first != seen.end())
            fail(key.Mark(), fmt::format("duplicate key {} {} (first at line {})", in_quotes(name), where_text,
                                         result[first->second].key_node.Mark().line + 1));
        seen.emplace(name, result.size());
        if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end()) {
            const auto suggestion = util::did_you_mean(name, known);
            fail(key.Mark(), fmt::format("unknown key {} {}", in_quotes(name), where_text),
                 suggestion ? "did you mean '" + *suggestion + "'?" : "valid keys: " + util::join(known, ", "));
        }
        if (name.empty()) fail(key.Mark(), fmt::format("empty key {}", where_text));
        const std::string path = parent.path.empty() ? name : parent.path + "." + name;
        result.push_back(Entry{name, key, value, path});
    }
    return result;
}

std::vector<Entry> Reader::items(const Entry& parent) const {
    std::vector<Entry> result;
    if (parent.value.IsNull()) return result;
    if (!parent.value.IsSequence()) fail_at(parent, "expected a list, got " + describe(parent.value));
    std::size_t index = 0;
    for (const auto& item : parent.value) {
        result.push_back(Entry{"", item, item, fmt::format("{}[{}]", parent.path, index)});
        ++index;
    }
    return result;
}

std::string Reader::text_of(const Entry& entry) const {
    if (!entry.value.IsScalar()) fail_at(entry, "expected a string, got " + describe(entry.value));
    return entry.value.Scalar();
}

std::string Reader::identifier_of(const Entry& entry) const {
    std::string text = text_of(entry);
    if (auto problem = identifier_problem(text)) fail_at(entry, "expected a name, got " + *problem);
    return text;
}

std::vector<std::string> Reader::identifiers_of(const Entry& entry) const {
    if (entry.value.IsScalar())
        fail_at(entry, "expected a list, got " + describe(entry.value), "write [" + entry.value.Scalar() + "]");
    std::vector<std::string> result;
    for (const auto& item : items(entry)) {
        std::string name = identifier_of(item);
        if (std::find(result.begin(), result.end(), name) != result.end())
            fail_at(item, "duplicate name " + in_quotes(name));
        result.push_back(std::move(name));
    }
    return result;
}

int Reader::int_of(const Entry& entry, int min, int max) const {
    const std::string expected = fmt::format("expected a whole number from {} to {}", min, max);
    if (!entry.value.IsScalar()) fail_at(entry, expected + ", got " + describe(entry.value));
    const std::string& text = entry.value.Scalar();
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max)
        fail_at(entry, expected + ", got " + in_quotes(text));
    return value;
}

util::Duration Reader::duration_of(const Entry& entry) const {
    const auto duration = parsed<util::Duration>(entry, util::parse_duration);
    if (duration.is_zero()) fail_at(entry, "must be longer than zero");
    return duration;
}

std::size_t Reader::choice_of(const Entry& entry, std::span<const std::string_view> choices) const {
    const auto options = names(choices);
    const std::string expected = "expected one of " + util::join(options, ", ");
    if (!entry.value.IsScalar()) fail_at(entry, expected + "; got " + describe(entry.value));
    const std::string& text = entry.value.Scalar();
    for (std::size_t i = 0; i < choices.size(); ++i)
        if (choices[i] == text) return i;
    const auto suggestion = util::did_you_mean(text, options);
    fail_at(entry, fmt::format("invalid value {} ({})", in_quotes(text), expected),
            suggestion ? "did you mean '" + *suggestion + "'?" : std::string{});
}

fs::path Reader::path_of(const Entry& entry) const {
    const std::string text = text_of(entry);
    if (text.empty()) fail_at(entry, "expected a path, got an empty string");
    return resolve(text);
}

// --- sections ---------------------------------------------------------------------------

void Reader::read_contexts(const Entry& entry, Config& config) const {
    for (const auto& context : entries(entry, {})) {
        const auto fields = entries(context, {"database", "protected"});
        const Entry* database = find(fields, "database");
        if (!database) fail(context.key_node.Mark(), context.path + ": missing database");
        std::string url = text_of(*database);
        if (url.empty()) fail_at(*database, "must not be empty");
        static constexpr std::array<std::string_view, 2> kBooleans{"false", "true"};
        const Entry* protection = find(fields, "protected");
        config.contexts[context.key] = ContextConfig{std::move(url), protection && choice_of(*protection, kBooleans) == 1};
    }
}

void Reader::read_current_context(const Entry& entry, Config& config) const {
    std::string name = text_of(entry);
    if (config.contexts.count(name) == 0) {
        std::vector<std::string> known;
        for (const auto& [context, _] : config.contexts) known.push_back(context);
        const auto suggestion = util::did_you_mean(name, known);
        fail_at(entry,
                fmt::format("{} is not defined in contexts ({})", in_quotes(name),
                            known.empty() ? "there are none" : "known: " + util::join(known, ", ")),
                suggestion ? "did you mean '" + *suggestion + "'?" : std::string{});
    }
    config.current_context = std::move(name);
}

void Reader::read_tenancy(const Entry& entry, TenancyConfig& tenancy) const {
    const auto fields = entries(entry, {"mode", "column", "setting", "app_role", "tenants_table"});
    if (const Entry* e = find(fields, "mode")) tenancy.mode = static_cast<TenancyMode>(choice_of(*e, kModeNames));
    if (const Entry* e = find(fields, "tenants_table"); e && !e->value.IsNull()) {
        const auto table_fields = entries(*e, {"table", "key", "slug", "name"});
        const Entry* table = find(table_fields, "table");
        if (!table) fail_at(*e, "missing table", "write tenants_table: {table: companies, key: id}");
        TenantsTableConfig t;
        t.table = parsed<QualifiedName>(*table, parse_qualified_name);
        if (const Entry* k = find(table_fields, "key")) t.key = identifier_of(*k);
        if (const Entry* k = find(table_fields, "slug")) t.slug = identifier_of(*k);
        if (const Entry* k = find(table_fields, "name")) t.name = identifier_of(*k);
        tenancy.tenants_table = std::move(t);
    }
    if (const Entry* e = find(fields, "column")) tenancy.column = identifier_of(*e);
    if (const Entry* e = find(fields, "app_role")) tenancy.app_role = identifier_of(*e);
    if (const Entry* e = find(fields, "setting")) {
        // PostgreSQL only accepts unregistered settings with a prefix (`app.tenant_id`).
        std::string setting = text_of(*e);
        const auto parts = util::split(setting, '.');
        const auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
        const auto is_word = [&](char c) { return is_letter(c) || (c >= '0' && c <= '9') || c == '$'; };
        const bool valid = parts.size() >= 2 && std::all_of(parts.begin(), parts.end(), [&](const std::string& part) {
            return !part.empty() && is_letter(part[0]) && std::all_of(part.begin(), part.end(), is_word);
        });
        if (!valid) fail_at(*e, fmt::format("{} is not a custom setting name (expected PREFIX.NAME, e.g. app.tenant_id)",
                                            in_quotes(setting)));
        tenancy.setting = std::move(setting);
    }
}

void Reader::read_keys(const Entry& entry, KeysConfig& keys) const {
    const auto fields = entries(entry, {"master_key", "rotate_after", "refresh_token_lifetime", "jwt_alg"});
    if (const Entry* e = find(fields, "master_key")) {
        // Never echo the value: a mistaken literal key would end up in the error output.
        if (!e->value.IsScalar()) fail_at(*e, "expected a string, got " + kind_of(e->value));
        const std::string& source = e->value.Scalar();
        const auto colon = source.find(':');
        const std::string scheme = colon == std::string::npos ? "" : source.substr(0, colon);
        const std::string rest = colon == std::string::npos ? "" : source.substr(colon + 1);
        if ((scheme != "env" && scheme != "file" && scheme != "cmd") || rest.empty())
            fail_at(*e, "expected env:NAME, file:PATH or cmd:COMMAND (a literal key is not accepted)");
        keys.master_key = scheme == "file" ? "file:" + resolve(rest).string() : source;
    }
    if (const Entry* e = find(fields, "rotate_after")) keys.rotate_after = duration_of(*e);
    if (const Entry* e = find(fields, "refresh_token_lifetime")) keys.refresh_token_lifetime = duration_of(*e);
    if (const Entry* e = find(fields, "jwt_alg")) keys.jwt_alg = static_cast<JwtAlgorithm>(choice_of(*e, kJwtNames));
}

void Reader::read_audit(const Entry& entry, AuditConfig& audit) const {
    const auto fields = entries(entry, {"retention", "premake", "archive_dir"});
    if (const Entry* e = find(fields, "retention")) audit.retention = duration_of(*e);
    if (const Entry* e = find(fields, "premake")) audit.premake = int_of(*e, 0, 24);
    if (const Entry* e = find(fields, "archive_dir"); e && !e->value.IsNull()) audit.archive_dir = path_of(*e);
}

void Reader::read_migrations(const Entry& entry, MigrationsConfig& migrations) const {
    const auto fields = entries(entry, {"dir", "layout"});
    if (const Entry* e = find(fields, "dir")) migrations.dir = path_of(*e);
    if (const Entry* e = find(fields, "layout")) migrations.layout = kMigrationLayouts[choice_of(*e, kMigrationLayouts)];
}

void Reader::read_maintain(const Entry& entry, MaintainConfig& maintain) const {
    const auto fields = entries(entry, {"disable"});
    const Entry* e = find(fields, "disable");
    if (!e || e->value.IsNull()) return;
    if (e->value.IsScalar())
        fail_at(*e, "expected a list, got " + describe(e->value), "write [" + e->value.Scalar() + "]");
    for (const auto& item : items(*e)) {
        std::string name(kMaintainTasks[choice_of(item, kMaintainTasks)]);
        if (std::find(maintain.disable.begin(), maintain.disable.end(), name) != maintain.disable.end())
            fail_at(item, "duplicate task " + in_quotes(name));
        maintain.disable.push_back(std::move(name));
    }
}

SubjectsConfig Reader::read_subjects(const Entry& entry) const {
    if (entry.value.IsNull()) fail_at(entry, "expected a map with table, key and lookup");
    const auto fields = entries(entry, {"table", "key", "lookup"});
    SubjectsConfig subjects;
    const Entry* table = find(fields, "table");
    if (!table) fail(entry.key_node.Mark(), entry.path + ": missing table");
    subjects.table = parsed<QualifiedName>(*table, parse_qualified_name);
    if (const Entry* e = find(fields, "key")) subjects.key = identifier_of(*e);
    if (const Entry* e = find(fields, "lookup")) subjects.lookup = identifiers_of(*e);
    return subjects;
}

TableConfig Reader::read_table(const Entry& entry) const {
    TableConfig table;
    try {
        table.table = parse_qualified_name(entry.key);
    } catch (const UsageError& e) {
        fail(entry.key_node.Mark(), entry.path + ": " + e.what());
    }
    const auto fields = entries(entry, {"subject", "pii", "encrypted", "non_pii", "erase", "basis", "anonymize"});
    if (const Entry* e = find(fields, "subject")) table.subject = identifier_of(*e);
    if (const Entry* e = find(fields, "pii")) table.pii = identifiers_of(*e);
    if (const Entry* e = find(fields, "encrypted")) table.encrypted = identifiers_of(*e);
    if (const Entry* e = find(fields, "non_pii")) table.non_pii = identifiers_of(*e);

    const Entry* erase = find(fields, "erase");
    if (erase) table.erase = static_cast<EraseAction>(choice_of(*erase, kEraseNames));

    if (const Entry* basis = find(fields, "basis")) {
        if (table.erase != EraseAction::retain)
            fail(basis->key_node.Mark(), entry.path + ": basis only applies to erase: retain");
        std::string text = text_of(*basis);
        if (util::trim(text).empty()) fail_at(*basis, "must not be empty");
        table.basis = std::move(text);
    } else if (table.erase == EraseAction::retain) {
        fail_at(*erase, "erase: retain needs a basis (the legal reason the rows are kept)",
                "add e.g. basis: \"tax law, 10y\"");
    }

    if (const Entry* anonymize = find(fields, "anonymize")) {
        if (table.erase != EraseAction::anonymize)
            fail(anonymize->key_node.Mark(), entry.path + ": anonymize only applies to erase: anonymize");
        for (const auto& column : entries(*anonymize, {})) {
            if (auto problem = identifier_problem(column.key))
                fail(column.key_node.Mark(), anonymize->path + ": expected a column name, got " + *problem);
            // A plain `null` (or `~`, or nothing) is YAML's null, not the string "null".
            table.anonymize[column.key] = column.value.IsNull()
                                              ? AnonymizeStrategy::null
                                              : static_cast<AnonymizeStrategy>(choice_of(column, kStrategyNames));
        }
    }
    return table;
}

LinkConfig Reader::read_link(const Entry& entry) const {
    if (!entry.value.IsMap()) fail_at(entry, "expected a map with from and to, got " + describe(entry.value));
    const auto fields = entries(entry, {"from", "to"});
    const Entry* from = find(fields, "from");
    const Entry* to = find(fields, "to");
    if (!from || !to) fail(entry.value.Mark(), entry.path + (from ? ": missing to" : ": missing from"));
    return LinkConfig{parsed<ColumnRef>(*from, parse_column_ref), parsed<ColumnRef>(*to, parse_column_ref)};
}

nlohmann::ordered_json Reader::read_processing(const Entry& entry) const {
    static const std::vector<std::string> kArticle15Keys{
        "purposes", "categories", "recipients", "retention", "rights", "complaint", "source", "automated_decision_making",
        "transfers"};
    auto processing = nlohmann::ordered_json::object();
    for (const auto& field : entries(entry, kArticle15Keys)) {
        if (field.value.IsSequence()) {
            auto list = nlohmann::ordered_json::array();
            for (const auto& item : items(field)) {
                std::string text = text_of(item);
                if (util::trim(text).empty()) fail_at(item, "must not be empty");
                list.push_back(std::move(text));
            }
            processing[field.key] = std::move(list);
        } else {
            if (!field.value.IsScalar()) fail_at(field, "expected a string or a list of strings, got " + describe(field.value));
            std::string text = field.value.Scalar();
            if (util::trim(text).empty()) fail_at(field, "must not be empty");
            processing[field.key] = std::move(text);
        }
    }
    return processing;
}

void Reader::read_data(const Entry& entry, DataConfig& data) const {
    const auto fields = entries(entry, {"subjects", "tables", "links", "exclude", "processing"});
    if (const Entry* e = find(fields, "subjects")) data.subjects = read_subjects(*e);
    if (const Entry* e = find(fields, "tables")) {
        const auto table_entries = entries(*e, {});
        std::map<std::string, std::size_t> index;  // schema.table -> position, see entries()
        for (const auto& table_entry : table_entries) {
            TableConfig table = read_table(table_entry);
            // `users` and `public.users` are different keys to YAML but the same table.
            if (const auto first = index.find(table.table.to_string()); first != index.end()) {
                const Entry& first_entry = table_entries[first->second];
                fail(table_entry.key_node.Mark(),
                     fmt::format("{}: {} is listed twice (first as {} at line {})", e->path, table.table.to_string(),
                                 in_quotes(first_entry.key), first_entry.key_node.Mark().line + 1));
            }
            index.emplace(table.table.to_string(), data.tables.size());
            data.tables.push_back(std::move(table));
        }
    }
    if (const Entry* e = find(fields, "links"))
        for (const auto& item : items(*e)) data.links.push_back(read_link(item));
    if (const Entry* e = find(fields, "exclude"))
        for (const auto& item : items(*e)) data.exclude.push_back(parsed<Exclusion>(item, parse_exclusion));
    if (const Entry* e = find(fields, "processing")) data.processing = read_processing(*e);
}

Config Reader::read(std::string_view text) const {
    Config config;
    config.source = m_filename;
    // No document at all (an empty file) means all defaults, as does an empty map.
    const YAML::Node root = util::load_yaml(text, m_filename);
    const Entry top{"", root, root, ""};
    const auto fields = entries(top, {"contexts", "current_context", "schema", "tenancy", "keys", "audit", "migrations",
                                      "maintain", "data"});
    if (const Entry* e = find(fields, "contexts")) read_contexts(*e, config);
    if (const Entry* e = find(fields, "current_context"); e && !e->value.IsNull()) read_current_context(*e, config);
    if (const Entry* e = find(fields, "schema")) config.schema = identifier_of(*e);
    if (const Entry* e = find(fields, "tenancy")) read_tenancy(*e, config.tenancy);
    if (const Entry* e = find(fields, "keys")) read_keys(*e, config.keys);
    if (const Entry* e = find(fields, "audit")) read_audit(*e, config.audit);
    if (const Entry* e = find(fields, "migrations")) read_migrations(*e, config.migrations);
    if (const Entry* e = find(fields, "maintain")) read_maintain(*e, config.maintain);
    if (const Entry* e = find(fields, "data")) read_data(*e, config.data);
    return config;
}

}  // namespace

Config parse_config(std::string_view yaml_text, std::string_view filename) { return Reader(filename).read(yaml_text); }

Config load_config_file(const fs::path& path) {
    return parse_config(util::read_yaml_file(path, "config file"), path.string());
}

// ---------------------------------------------------------------------------------------
// Contexts
// ---------------------------------------------------------------------------------------

std::optional<std::string> Config::database_for(std::optional<std::string> context_name) const {
    const bool from_flag = context_name.has_value();
    if (!context_name) context_name = current_context;
    if (!context_name) return std::nullopt;
    if (const auto it = contexts.find(*context_name); it != contexts.end()) return it->second.database;

    std::vector<std::string> known;
    for (const auto& [name, _] : contexts) known.push_back(name);
    const std::string origin = from_flag ? "" : " (current_context)";
    if (known.empty())
        throw UsageError(fmt::format("unknown context {}{}: {}", in_quotes(*context_name), origin,
                                     source.empty() ? "no config file was found" : source + " defines no contexts"));
    const auto suggestion = util::did_you_mean(*context_name, known);
    throw UsageError(fmt::format("unknown context {}{} (known: {})", in_quotes(*context_name), origin, util::join(known, ", ")),
                     suggestion ? "did you mean '" + *suggestion + "'?" : std::string{});
}

// ---------------------------------------------------------------------------------------
// Locating the file
// ---------------------------------------------------------------------------------------

SearchEnvironment SearchEnvironment::from_process() {
    const auto variable = [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        return value ? std::optional<std::string>(value) : std::nullopt;
    };
    SearchEnvironment env{variable("TENANTCTL_CONFIG"), variable("XDG_CONFIG_HOME"), variable("HOME"), {}};
    std::error_code error;
    env.working_dir = fs::current_path(error);  // empty if the directory is gone: relative lookups then use "."
    return env;
}

std::optional<fs::path> locate_config(const std::optional<std::string>& flag_value, const SearchEnvironment& env) {
    const auto named_file = [&](const std::string& name, std::string_view origin) {
        fs::path path = name;
        if (path.is_relative()) path = env.working_dir / path;
        std::error_code error;
        const auto status = fs::status(path, error);
        if (!fs::exists(status))
            throw UsageError(fmt::format("config file {} (from {}) not found", in_quotes(name), origin));
        if (fs::is_directory(status))
            throw UsageError(fmt::format("config file {} (from {}) is a directory", in_quotes(name), origin));
        return path;
    };
    if (flag_value && !flag_value->empty()) return named_file(*flag_value, "--config");
    if (env.tenantctl_config && !env.tenantctl_config->empty())
        return named_file(*env.tenantctl_config, "TENANTCTL_CONFIG");

    const auto usable = [](const fs::path& path) {
        std::error_code error;
        const auto status = fs::status(path, error);
        return fs::exists(status) && !fs::is_directory(status);
    };
    if (const fs::path local = env.working_dir / "tenantctl.yaml"; usable(local)) return local;

    fs::path config_home;
    if (env.xdg_config_home && fs::path(*env.xdg_config_home).is_absolute())
        config_home = *env.xdg_config_home;
    else if (env.home && !env.home->empty())
        config_home = fs::path(*env.home) / ".config";
    else
        return std::nullopt;
    if (const fs::path user = config_home / "tenantctl" / "config.yaml"; usable(user)) return user;
    return std::nullopt;
}

std::optional<fs::path> locate_config(const std::optional<std::string>& flag_value) {
    return locate_config(flag_value, SearchEnvironment::from_process());
}

// ---------------------------------------------------------------------------------------
// Writing the effective configuration back out
// ---------------------------------------------------------------------------------------

namespace {

// Empty collections print as `[]` / `{}` on the key's line rather than on a line of their own.
template <typename Collection>
YAML::EMITTER_MANIP flow_if_empty(const Collection& collection) {
    return collection.empty() ? YAML::Flow : YAML::Block;
}

void emit_names(YAML::Emitter& out, const std::vector<std::string>& names) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& name : names) out << name;
    out << YAML::EndSeq;
}

// Table names are written schema-qualified only when not in public, as people write them.
std::string written(const QualifiedName& name) { return name.schema == "public" ? name.name : name.to_string(); }

std::string written(const Exclusion& exclusion) {
    if (!exclusion.column) return exclusion.table.to_string() + ".*";
    return exclusion.table.to_string() + "." + *exclusion.column;
}

void emit_data(YAML::Emitter& out, const DataConfig& data) {
    out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
    if (data.subjects) {
        out << YAML::Key << "subjects" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "table" << YAML::Value << written(data.subjects->table);
        out << YAML::Key << "key" << YAML::Value << data.subjects->key;
        out << YAML::Key << "lookup" << YAML::Value;
        emit_names(out, data.subjects->lookup);
        out << YAML::EndMap;
    }
    out << YAML::Key << "tables" << YAML::Value << flow_if_empty(data.tables) << YAML::BeginMap;
    for (const auto& table : data.tables) {
        out << YAML::Key << written(table.table) << YAML::Value << YAML::BeginMap;
        if (table.subject) out << YAML::Key << "subject" << YAML::Value << *table.subject;
        out << YAML::Key << "pii" << YAML::Value;
        emit_names(out, table.pii);
        out << YAML::Key << "encrypted" << YAML::Value;
        emit_names(out, table.encrypted);
        if (!table.non_pii.empty()) {
            out << YAML::Key << "non_pii" << YAML::Value;
            emit_names(out, table.non_pii);
        }
        if (table.erase) out << YAML::Key << "erase" << YAML::Value << std::string(to_string(*table.erase));
        if (table.basis) out << YAML::Key << "basis" << YAML::Value << YAML::DoubleQuoted << *table.basis;
        if (!table.anonymize.empty()) {
            out << YAML::Key << "anonymize" << YAML::Value << YAML::BeginMap;
            for (const auto& [column, strategy] : table.anonymize)
                out << YAML::Key << column << YAML::Value << std::string(to_string(strategy));
            out << YAML::EndMap;
        }
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
    out << YAML::Key << "links" << YAML::Value << flow_if_empty(data.links) << YAML::BeginSeq;
    for (const auto& link : data.links)
        out << YAML::Flow << YAML::BeginMap << YAML::Key << "from" << YAML::Value << link.from.to_string() << YAML::Key
            << "to" << YAML::Value << link.to.to_string() << YAML::EndMap;
    out << YAML::EndSeq;
    out << YAML::Key << "exclude" << YAML::Value << flow_if_empty(data.exclude) << YAML::BeginSeq;
    for (const auto& exclusion : data.exclude) out << written(exclusion);
    out << YAML::EndSeq;
    out << YAML::Key << "processing" << YAML::Value << flow_if_empty(data.processing) << YAML::BeginMap;
    for (const auto& [key, value] : data.processing.items()) {
        out << YAML::Key << key << YAML::Value;
        if (value.is_array()) {
            out << YAML::BeginSeq;
            for (const auto& item : value) out << YAML::DoubleQuoted << item.get<std::string>();
            out << YAML::EndSeq;
        } else {
            out << YAML::DoubleQuoted << value.get<std::string>();
        }
    }
    out << YAML::EndMap;
    out << YAML::EndMap;
}

}  // namespace

std::string to_yaml(const Config& config) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "contexts" << YAML::Value << flow_if_empty(config.contexts) << YAML::BeginMap;
    for (const auto& [name, context] : config.contexts)
        out << YAML::Key << name << YAML::Value << YAML::BeginMap << YAML::Key << "database" << YAML::Value
            << YAML::DoubleQuoted << context.database << YAML::EndMap;
    out << YAML::EndMap;
    if (config.current_context) out << YAML::Key << "current_context" << YAML::Value << *config.current_context;
    out << YAML::Key << "schema" << YAML::Value << config.schema;

    out << YAML::Key << "tenancy" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "mode" << YAML::Value << std::string(to_string(config.tenancy.mode));
    out << YAML::Key << "column" << YAML::Value << config.tenancy.column;
    out << YAML::Key << "setting" << YAML::Value << config.tenancy.setting;
    out << YAML::Key << "app_role" << YAML::Value << config.tenancy.app_role;
    if (const auto& t = config.tenancy.tenants_table) {
        out << YAML::Key << "tenants_table" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "table" << YAML::Value << t->table.to_string();
        out << YAML::Key << "key" << YAML::Value << t->key;
        if (t->slug) out << YAML::Key << "slug" << YAML::Value << *t->slug;
        if (t->name) out << YAML::Key << "name" << YAML::Value << *t->name;
        out << YAML::EndMap;
    }
    out << YAML::EndMap;

    out << YAML::Key << "keys" << YAML::Value << YAML::BeginMap;
    if (config.keys.master_key) out << YAML::Key << "master_key" << YAML::Value << YAML::DoubleQuoted << *config.keys.master_key;
    out << YAML::Key << "rotate_after" << YAML::Value << util::to_string(config.keys.rotate_after);
    out << YAML::Key << "refresh_token_lifetime" << YAML::Value << util::to_string(config.keys.refresh_token_lifetime);
    out << YAML::Key << "jwt_alg" << YAML::Value << std::string(to_string(config.keys.jwt_alg));
    out << YAML::EndMap;

    out << YAML::Key << "audit" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "retention" << YAML::Value << util::to_string(config.audit.retention);
    out << YAML::Key << "premake" << YAML::Value << config.audit.premake;
    if (config.audit.archive_dir) out << YAML::Key << "archive_dir" << YAML::Value << config.audit.archive_dir->string();
    out << YAML::EndMap;

    out << YAML::Key << "migrations" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "dir" << YAML::Value << config.migrations.dir.string();
    out << YAML::EndMap;

    out << YAML::Key << "maintain" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "disable" << YAML::Value << YAML::Flow << config.maintain.disable;
    out << YAML::EndMap;

    emit_data(out, config.data);
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace tenantctl::config
