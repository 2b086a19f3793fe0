#include "core/migrate/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/migrate/migrate.hpp"
#include "core/migrate/plan.hpp"
#include "core/migrate/runner.hpp"
#include "core/migrate/statements.hpp"

namespace tenantctl::migrate {

namespace {

bool is_word(const std::vector<Token>& t, std::size_t i, std::string_view w) {
    return i < t.size() && t[i].kind == TokenKind::word && t[i].text == w;
}

// The index of CONCURRENTLY in CREATE [UNIQUE] INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY or
// REINDEX {INDEX|TABLE|SCHEMA|DATABASE|SYSTEM} CONCURRENTLY; npos for any other statement.
std::size_t concurrently_token(const std::vector<Token>& t) {
    if (is_word(t, 0, "create")) {
        const std::size_t i = is_word(t, 1, "unique") ? 2 : 1;
        return is_word(t, i, "index") && is_word(t, i + 1, "concurrently") ? i + 1 : std::string::npos;
    }
    if (is_word(t, 0, "drop")) return is_word(t, 1, "index") && is_word(t, 2, "concurrently") ? 2 : std::string::npos;
    if (is_word(t, 0, "reindex")) return is_word(t, 2, "concurrently") ? 2 : std::string::npos;
    return std::string::npos;
}

// Byte offset of a token's (line, col) in `sql`, as tokenize() counted from (1, 1).
std::size_t offset_of(const std::string& sql, const Token& token) {
    std::size_t at = 0;
    for (int line = 1; line < token.line; ++line) {
        at = sql.find('\n', at);
        if (at == std::string::npos) return std::string::npos;
        ++at;
    }
    return at + static_cast<std::size_t>(token.col - 1);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::string in_one_transaction(const std::string& sql) {
    const auto tokens = tokenize(sql);
    if (tokens.empty()) return "";
    if (is_transaction_control(tokens)) {
        // The file's own blocks are part of the one transaction; anything that would end it
        // early, undo part of it or name a savepoint of its own cannot be honoured there.
        if (is_word(tokens, 0, "begin") || is_word(tokens, 0, "start") || is_word(tokens, 0, "commit") ||
            is_word(tokens, 0, "end"))
            return "";
        throw Refused(fmt::format("{} cannot run inside the one transaction that builds the schema there",
                                  tokens[0].text));
    }
    if (is_word(tokens, 0, "vacuum")) return "";
    const std::size_t i = concurrently_token(tokens);
    if (i == std::string::npos) return sql;
    const std::size_t at = offset_of(sql, tokens[i]);
    constexpr std::string_view kWord = "concurrently";
    // Positions are only trusted where they land on the word (a comment with multibyte text
    // before it could shift a column count): otherwise the statement runs as written, and the
    // server says it cannot run in a transaction block.
    if (at == std::string::npos || at + kWord.size() > sql.size() || !equals_ignoring_case(sql.substr(at, kWord.size()), kWord))
        return sql;
    return sql.substr(0, at) + sql.substr(at + kWord.size());
}

std::vector<MigrationFile> applied_tenant_files(Context& ctx, pqxx::transaction_base& tx, const std::string& schema) {
    const auto rows = read_ledger(tx, ctx.platform_table("schema_migrations"), schema);
    if (rows.empty()) return {};
    const auto dir = ctx.config().migrations.dir;
    const std::string hint = fmt::format("run tenantctl from the app's checkout whose migrations built it (migrations.dir: {})",
                                         dir.string());
    std::map<std::string, MigrationFile> by_version;
    if (std::filesystem::is_directory(dir))
        for (auto& f : load_directory(dir, configured_layout(ctx)))
            if (f.scope == Scope::tenant) by_version.emplace(f.version, std::move(f));
    std::vector<MigrationFile> versioned, repeatable;
    for (const auto& row : rows) {
        const std::string id = row.version + "_" + row.name;
        if (row.baseline)
            throw Refused(fmt::format("schema {} was baselined at {} (`migrate baseline`): no migration here built what "
                                      "it holds before that, so it cannot be built again elsewhere",
                                      schema, row.version));
        if (row.failed)
            throw Refused(fmt::format("schema {}: migration {} is not finished here", schema, id),
                          "finish it first: `tenantctl migrate up`");
        const auto it = by_version.find(row.version);
        if (it == by_version.end())
            throw Refused(fmt::format("schema {}: migration {} was applied here, and the migrations directory has no "
                                      "tenant-scoped file of that version",
                                      schema, id),
                          hint);
        if (it->second.checksum != row.checksum)
            throw Refused(fmt::format("schema {}: {} differs from the file that was applied here (checksum {}, "
                                      "applied {})",
                                      schema, it->second.path, it->second.checksum.substr(0, 12), row.checksum.substr(0, 12)),
                          hint);
        (it->second.repeatable ? repeatable : versioned).push_back(it->second);
    }
    // Versions in their order, then repeatables, as `migrate up` ran them.
    std::sort(versioned.begin(), versioned.end(),
              [](const MigrationFile& a, const MigrationFile& b) { return compare_versions(a.version, b.version) < 0; });
    versioned.insert(versioned.end(), repeatable.begin(), repeatable.end());
    return versioned;
}

void replay_into_schema(Context& ctx, pqxx::transaction_base& tx, const std::string& schema,
                            const std::vector<MigrationFile>& files) {
    const std::string search_path = tx.exec1("SELECT current_setting('search_path')")[0].c_str();
    tx.exec_params("SELECT set_config('search_path', $1, true)", db::quote_ident(schema) + ", public");
    const std::string ledger = ctx.platform_table("schema_migrations");
    for (const auto& file : files) {
        const auto statements = split_statements(file.up_sql, file.up_first_line, file.path);
        for (const auto& stmt : statements) {
            const std::string where = fmt::format("{}:{}", file.path, stmt.line);
            std::string sql;
            try {
                sql = in_one_transaction(stmt.sql);
            } catch (const Refused& e) {
                throw Refused(fmt::format("{}: {}", where, e.what()), "nothing was written there");
            }
            if (sql.empty()) continue;
            try {
                tx.exec(sql);
            } catch (const pqxx::sql_error& e) {
                std::string message = e.what();
                if (const auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
                // The server refuses it in one transaction (an enum value added and used in the same
                // one, SQLSTATE 55P04, is the usual case): the copy cannot be made, nothing was.
                throw Refused(fmt::format("building schema {} there in one transaction: {}: {} (SQLSTATE {})", schema,
                                          where, message, e.sqlstate()),
                              "nothing was written there; a statement PostgreSQL runs only outside a transaction, or "
                              "after the one that made what it uses has committed, cannot be replayed in the copy's");
            }
        }
        const auto total = static_cast<int>(statements.size());
        tx.exec_params(fmt::format("INSERT INTO {} (target, version, name, checksum, state, statements_done, "
                                   "statements_total, applied_at, duration_ms, actor, run_id) "
                                   "VALUES ($1, $2, $3, $4, 'applied', $5, $5, now(), 0, $6, $7)",
                                   ledger),
                       schema, file.version, file.name, file.checksum, total, ctx.actor(), ctx.run_id());
    }
    tx.exec_params("SELECT set_config('search_path', $1, true)", search_path);
}

}  // namespace tenantctl::migrate
