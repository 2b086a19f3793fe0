// What `audit import` reads: an application's audit table in this database, or an NDJSON file,
// and the checks that make a keyset over it, or a resumed file, trustworthy.
//
// A table's key must be unique and never NULL: the batches are `WHERE key > last ORDER BY key`,
// so rows sharing a key, or with none, would be skipped without a word. A file is identified by
// its content, not its name: the SHA-256 of the bytes imported so far is stored with the job's
// position, so a resumed import refuses a file changed before that position (a fixed line after
// it is fine), and a new import refuses content already imported under another name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/crypto/hash.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

struct ImportSource {
    bool is_file = false;
    std::string label;  // table:SCHEMA.NAME | file:PATH
    std::string table;  // quoted and qualified, for a table source
    std::filesystem::path path;                  // for a file source
    std::map<std::string, std::string> columns;  // table: source column name -> its SQL type
};

// "schema.table", "table" (schema public), each part as written or in "double quotes" (for a
// dot or a quote inside). UsageError for an empty or malformed name.
std::pair<std::string, std::string> parse_table_name(const std::string& text);

// The file or table `from` names. UsageError for an empty name, a directory, or one of
// tenantctl's own tables (the log cannot be imported into itself); NotFound for neither.
ImportSource resolve_import_source(Context& ctx, pqxx::transaction_base& tx, const std::string& from);

// UsageError unless `key` identifies the source's rows: a unique index on it alone (else a
// count of distinct values, for a view) and no NULL.
void check_import_key(pqxx::transaction_base& tx, const ImportSource& s, const std::string& key);

// One batch of a file: its non-blank lines with their 1-based line numbers.
struct FileBatch {
    std::vector<std::string> lines;
    std::vector<std::int64_t> line_numbers;
};

// Reads an NDJSON file from its start, hashing every byte it passes.
class NdjsonReader {
public:
    explicit NdjsonReader(const std::filesystem::path& path);
    // Reads up to `offset` without returning lines (a resumed import); false when the file is
    // shorter.
    bool skip_to(std::int64_t offset, std::int64_t line);
    FileBatch next_batch(std::int64_t max_lines);
    std::int64_t offset() const { return m_offset; }
    std::int64_t line() const { return m_line; }
    bool at_end() const { return m_at_end; }
    // SHA-256 (hex) of bytes [0, offset()).
    std::string prefix_sha256() const { return m_hash.hex_so_far(); }

private:
    bool read_line(std::string& line);

    std::ifstream m_in;
    crypto::Sha256Stream m_hash;
    std::int64_t m_offset = 0;
    std::int64_t m_line = 0;
    bool m_at_end = false;
};

// SHA-256 (hex) of the first `n` bytes of the file, for each n in `offsets` that the file
// reaches, and of the whole file (key -1). One pass.
std::map<std::int64_t, std::string> file_prefix_digests(const std::filesystem::path& path,
                                                        const std::vector<std::int64_t>& offsets);

}  // namespace tenantctl::audit
