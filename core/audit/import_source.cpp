#include "core/audit/import_source.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::audit {

namespace fs = std::filesystem;

namespace {

bool looks_like_path(const std::string& from) {
    return from.find('/') != std::string::npos || from.ends_with(".ndjson") || from.ends_with(".jsonl") ||
           from.ends_with(".json");
}

UsageError bad_name(const std::string& text) {
    return UsageError(fmt::format("--from {} is not a table name", util::in_quotes(text)),
                      "give [schema.]table, each part as written or in \"double quotes\"");
}

}  // namespace

std::pair<std::string, std::string> parse_table_name(const std::string& text) {
    std::vector<std::string> parts(1);
    bool quoted_part = false;  // the current part was quoted (nothing may follow its closing quote)
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            if (!parts.back().empty() || quoted_part) throw bad_name(text);
            std::string name;
            for (++i;; ++i) {
                if (i == text.size()) throw bad_name(text);
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        name += '"';
                        ++i;
                        continue;
                    }
                    break;
                }
                name += text[i];
            }
            if (name.empty()) throw bad_name(text);
            parts.back() = std::move(name);
            quoted_part = true;
        } else if (c == '.') {
            if (parts.back().empty()) throw bad_name(text);
            parts.emplace_back();
            quoted_part = false;
        } else {
            if (quoted_part) throw bad_name(text);
            parts.back() += c;
        }
    }
    if (parts.size() > 2 || parts.back().empty()) throw bad_name(text);
    if (parts.size() == 1) return {"public", parts[0]};
    return {parts[0], parts[1]};
}

ImportSource resolve_import_source(Context& ctx, pqxx::transaction_base& tx, const std::string& from) {
    if (util::trim(from).empty()) throw UsageError("--from is empty", "give [schema.]table or the path of an NDJSON file");
    ImportSource s;
    std::error_code ec;
    if (fs::is_directory(from, ec))
        throw UsageError(fmt::format("{} is a directory", util::in_quotes(from)),
                         "--from takes a table or an NDJSON file");
    if (looks_like_path(from) || fs::exists(from, ec)) {
        if (!fs::exists(from, ec))
            throw NotFound(fmt::format("no such file {}", util::in_quotes(from)), "--from takes a table or an NDJSON file");
        if (!fs::is_regular_file(from, ec))
            throw UsageError(fmt::format("{} is not a regular file", util::in_quotes(from)),
                             "--from takes a table or an NDJSON file (a pipe cannot be resumed: save it to a file)");
        s.is_file = true;
        // One name per file (symbolic links, "..", "//" resolved): a job is found again by it.
        s.path = fs::canonical(from, ec);
        if (ec) s.path = fs::absolute(from);
        s.label = "file:" + s.path.string();
        return s;
    }
    const auto [schema, name] = parse_table_name(from);
    s.table = db::quote_qualified(schema, name);
    s.label = fmt::format("table:{}.{}", schema, name);
    // Is it, or does it read (a view, also of a view), one of tenantctl's own tables?
    auto rel = tx.exec_params(
        "WITH RECURSIVE reads(oid) AS (SELECT to_regclass($1)::oid UNION "
        "  SELECT d.refobjid FROM reads JOIN pg_rewrite r ON r.ev_class = reads.oid "
        "  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid "
        "   AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> reads.oid) "
        "SELECT bool_or(c.relnamespace = to_regnamespace($2)::oid) FROM reads JOIN pg_class c ON c.oid = reads.oid "
        "HAVING bool_or(c.oid = to_regclass($1))",
        s.table, db::quote_ident(ctx.schema()));
    if (rel.empty())
        throw NotFound(fmt::format("no table {} (and no file of that name)", util::in_quotes(from)),
                       "--from takes [schema.]table or the path of an NDJSON file");
    if (!rel[0][0].is_null() && rel[0][0].as<bool>())
        throw UsageError(fmt::format("{} is one of tenantctl's own tables, or reads one", s.label),
                         "--from names the application's audit table, or an NDJSON file");
    for (const auto& r : tx.exec_params("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                                        "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
                                        s.table))
        s.columns[r[0].c_str()] = r[1].c_str();
    return s;
}

void check_import_key(pqxx::transaction_base& tx, const ImportSource& s, const std::string& key) {
    auto r = tx.exec_params1(
        "SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indisvalid "
        "               AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indkey[0] = a.attnum), "
        "       a.attnotnull "
        "FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped",
        s.table, key);
    const bool unique_index = r[0].as<bool>(), not_null = r[1].as<bool>();
    const std::string k = db::quote_ident(key);
    const std::string hint = "--key names a column that tells every row apart (the primary key)";
    if (!unique_index) {
        // A view, or a table without such an index: the values themselves must be unique.
        auto d = tx.exec1(fmt::format("SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {1} WHERE {0} IS NOT "
                                      "NULL GROUP BY {0} HAVING count(*) > 1) shared",
                                      k, s.table));
        if (d[0].as<std::int64_t>() != 0)
            throw UsageError(fmt::format("{}: --key {} is not unique ({} rows share their value with another); "
                                         "importing by it would skip some",
                                         s.label, util::in_quotes(key), d[0].as<std::int64_t>()),
                             hint);
    }
    if (!not_null && tx.exec1(fmt::format("SELECT EXISTS (SELECT 1 FROM {} WHERE {} IS NULL)", s.table, k))[0].as<bool>())
        throw UsageError(fmt::format("{}: --key {} is NULL in some rows; importing by it would skip them", s.label,
                                     util::in_quotes(key)),
                         hint);
}

NdjsonReader::NdjsonReader(const fs::path& path) : m_in(path, std::ios::binary) {
    if (!m_in) throw NotFound(fmt::format("cannot open {}", util::in_quotes(path.string())));
}

bool NdjsonReader::read_line(std::string& line) {
    if (m_at_end || !std::getline(m_in, line)) {
        m_at_end = true;
        return false;
    }
    // getline drops the newline; the last line may have none.
    const bool newline = !m_in.eof();
    m_hash.update(line);
    if (newline) m_hash.update("\n");
    m_offset += static_cast<std::int64_t>(line.size()) + (newline ? 1 : 0);
    ++m_line;
    return true;
}

bool NdjsonReader::skip_to(std::int64_t offset, std::int64_t line) {
    std::string text;
    while (m_offset < offset)
        if (!read_line(text)) return false;
    // A position is always at a line's end, so a file that still has it lands exactly there.
    return m_offset == offset && m_line == line;
}

FileBatch NdjsonReader::next_batch(std::int64_t max_lines) {
    FileBatch b;
    std::string line;
    while (static_cast<std::int64_t>(b.lines.size()) < max_lines && read_line(line)) {
        if (util::trim(line).empty()) continue;
        b.lines.push_back(std::move(line));
        b.line_numbers.push_back(m_line);
    }
    if (!m_at_end && m_in.peek() == std::char_traits<char>::eof()) m_at_end = true;
    return b;
}

std::map<std::int64_t, std::string> file_prefix_digests(const fs::path& path, const std::vector<std::int64_t>& offsets) {
    std::vector<std::int64_t> wanted;
    for (auto o : offsets)
        if (o >= 0) wanted.push_back(o);
    std::sort(wanted.begin(), wanted.end());
    std::map<std::int64_t, std::string> out;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw NotFound(fmt::format("cannot open {}", util::in_quotes(path.string())));
    crypto::Sha256Stream hash;
    std::int64_t at = 0;
    auto next = wanted.begin();
    std::string buf(1 << 20, '\0');
    for (;;) {
        while (next != wanted.end() && *next == at) out[*next++] = hash.hex_so_far();
        // Up to the next wanted offset, so that each one is hashed exactly there.
        std::int64_t want = static_cast<std::int64_t>(buf.size());
        if (next != wanted.end()) want = std::min(want, *next - at);
        in.read(buf.data(), want);
        const auto got = static_cast<std::int64_t>(in.gcount());
        if (got == 0) break;
        hash.update(std::string_view(buf.data(), static_cast<std::size_t>(got)));
        at += got;
    }
    out[-1] = hash.hex_final();
    return out;
}

}  // namespace tenantctl::audit
