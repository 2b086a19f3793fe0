#include "core/migrate/runner.hpp"

#include "core/db/lock_check.hpp"

#include <fmt/format.h>

#include <thread>

#include "core/crypto/hash.hpp"
#include "core/db/connection.hpp"
#include "core/db/lock.hpp"
#include "core/util/failpoint.hpp"

namespace tenantctl::migrate {

namespace {

using Clock = std::chrono::steady_clock;

long long elapsed_ms(Clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

std::string ms_setting(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + "ms"; }

// What the server said, and where in the statement it points.
struct ServerError {
    std::string message;
    std::string sqlstate;
    int line = 0;  // 1-based line within the statement text; 0 when the server gave no position
    int col = 0;   // 1-based; 0 when unknown (libpq elides long lines with "...")
};

// libpq renders an error position as "LINE n: <text>" followed by a caret line; the server's
// numeric position is not exposed by libpqxx 6, so it is read back from that rendering.
ServerError parse_server_error(const pqxx::sql_error& e) {
    ServerError out;
    out.sqlstate = e.sqlstate();
    std::string_view what = e.what();
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < what.size();) {
        auto end = what.find('\n', start);
        if (end == std::string_view::npos) end = what.size();
        lines.push_back(what.substr(start, end - start));
        start = end + 1;
    }
    if (!lines.empty()) {
        std::string_view first = lines.front();
        for (std::string_view prefix : {"ERROR:  ", "FATAL:  "})
            if (first.substr(0, prefix.size()) == prefix) first.remove_prefix(prefix.size());
        out.message = std::string(first);
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view l = lines[i];
        if (l.substr(0, 5) != "LINE ") continue;
        auto colon = l.find(": ");
        if (colon == std::string_view::npos) continue;
        int n = 0;
        for (char c : l.substr(5, colon - 5)) {
            if (c < '0' || c > '9') {
                n = 0;
                break;
            }
            n = n * 10 + (c - '0');
        }
        if (n <= 0) continue;
        out.line = n;
        const std::size_t text_start = colon + 2;
        const bool elided = l.substr(text_start, 3) == "...";
        if (!elided && i + 1 < lines.size()) {
            auto caret = lines[i + 1].find('^');
            if (caret != std::string_view::npos && caret >= text_start)
                out.col = static_cast<int>(caret - text_start) + 1;
        }
        break;
    }
    for (const auto& l : lines)
        if (l.substr(0, 8) == "DETAIL:  ") out.message += " (" + std::string(l.substr(8)) + ")";
    return out;
}

Exit exit_for_sqlstate(std::string_view state) {
    if (state == "55P03" || state == "57014") return Exit::busy;
    if (state.substr(0, 2) == "08" || state == "57P01" || state == "57P02" || state == "57P03")
        return Exit::db_unavailable;
    return Exit::runtime;
}

// The one-line error for a failed statement: `<target>: <file>:<line>:<col>: <message> (SQLSTATE x)`.
Error statement_error(const Target& target, const MigrationFile& file, const Statement* stmt,
                      const pqxx::sql_error& e, bool down = false) {
    ServerError se = parse_server_error(e);
    std::string where = down ? file.down_path : file.path;
    if (stmt) {
        int line = stmt->line, col = stmt->col;
        if (se.line > 0) {
            line = stmt->line + se.line - 1;
            col = se.col == 0 ? 0 : (se.line == 1 ? stmt->col + se.col - 1 : se.col);
        }
        where += ":" + std::to_string(line) + (col > 0 ? ":" + std::to_string(col) : "");
    }
    std::string prefix = target.is_shared() ? "" : target.name + ": ";
    std::string message = fmt::format("{}{}: {} (SQLSTATE {})", prefix, where, se.message, se.sqlstate);
    std::string hint;
    if (se.sqlstate == "55P03")
        hint = "another session holds a lock this migration needs; retry later, or raise the file's "
               "`-- tenantctl:lock-timeout=`";
    else if (file.no_transaction)
        hint = "fix the failing statement and run `tenantctl migrate up` again: it resumes at that statement";
    else
        hint = "the migration was rolled back; fix it and run `tenantctl migrate up` again";
    return Error(exit_for_sqlstate(se.sqlstate), message, hint);
}

void set_settings(pqxx::transaction_base& tx, const Target& target, const MigrationFile& file,
                  const RunSettings& settings, bool local) {
    // One prepared statement (a no-op once defined) for the three: it runs before every
    // migration. A setting the file leaves alone is set to what it already is.
    tx.conn().prepare("tenantctl_migration_settings",
                      "SELECT set_config('search_path', coalesce($1, current_setting('search_path')), $4), "
                      "       set_config('lock_timeout', $2, $4), "
                      "       set_config('statement_timeout', coalesce($3, current_setting('statement_timeout')), $4)");
    std::optional<std::string> search_path;
    if (!target.is_shared()) search_path = db::quote_ident(target.schema) + ", public";
    std::optional<std::string> statement_timeout;
    if (file.statement_timeout) statement_timeout = ms_setting(*file.statement_timeout);
    tx.exec_prepared("tenantctl_migration_settings", search_path,
                     ms_setting(file.lock_timeout.value_or(settings.default_lock_timeout)), statement_timeout, local);
}

void reset_session_settings(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec("RESET search_path; RESET lock_timeout; RESET statement_timeout");
}

void sleep_backoff(const RunSettings& settings, int attempt) {
    std::this_thread::sleep_for(settings.retry_backoff * (1 << std::min(attempt, 10)));
}

void upsert_row(pqxx::transaction_base& tx, const RunSettings& s, const Target& target, const MigrationFile& file,
                std::string_view state, int done, int total, const std::string& done_checksum,
                std::optional<long long> duration_ms) {
    // Prepared (a no-op once defined): one ledger row per migration, and its planning cost
    // more than its execution.
    const std::string sql =
        fmt::format("INSERT INTO {} AS m (target, version, name, checksum, state, statements_done, statements_total, "
                    "  done_checksum, applied_at, duration_ms, actor, run_id, error) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, ''), CASE WHEN $5 = 'applied' THEN now() END, "
                    "  $9, $10, $11, NULL) "
                    "ON CONFLICT (target, version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, "
                    "  state = EXCLUDED.state, statements_done = EXCLUDED.statements_done, "
                    "  statements_total = EXCLUDED.statements_total, done_checksum = EXCLUDED.done_checksum, "
                    "  applied_at = EXCLUDED.applied_at, "
                    "  duration_ms = coalesce(EXCLUDED.duration_ms, m.duration_ms), actor = EXCLUDED.actor, "
                    "  run_id = EXCLUDED.run_id, error = NULL",
                    s.ledger_table);
    const std::string name = "tenantctl_ledger_" + crypto::sha256_hex(sql).substr(0, 16);
    tx.conn().prepare(name, sql);
    tx.exec_prepared(name, target.name, file.version, file.name, file.checksum, std::string(state), done, total,
                     done_checksum, duration_ms, s.actor, s.run_id);
}

void update_progress(pqxx::transaction_base& tx, const RunSettings& s, const Target& target, const MigrationFile& file,
                     int done) {
    tx.exec_params(fmt::format("UPDATE {} SET statements_done = $3, done_checksum = $4 "
                               "WHERE target = $1 AND version = $2",
                               s.ledger_table),
                   target.name, file.version, done, prefix_checksum(file, done));
}

// CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name: the index name as SQL (quoted), or "".
std::string concurrent_index_name(const Statement& stmt) {
    std::vector<Token> t;
    try {
        t = tokenize(stmt.sql);
    } catch (const Error&) {
        return "";
    }
    std::size_t i = 0;
    auto word = [&](std::string_view w) {
        if (i < t.size() && t[i].kind == TokenKind::word && t[i].text == w) {
            ++i;
            return true;
        }
        return false;
    };
    if (!word("create")) return "";
    word("unique");
    if (!word("index") || !word("concurrently")) return "";
    if (word("if") && !(word("not") && word("exists"))) return "";
    auto ident = [&]() -> std::string {
        if (i < t.size() && (t[i].kind == TokenKind::word || t[i].kind == TokenKind::quoted_identifier))
            return t[i++].text;
        return "";
    };
    std::string first = ident();
    if (first.empty() || first == "on") return "";
    if (i + 1 < t.size() && t[i].kind == TokenKind::symbol && t[i].text == ".") {
        ++i;
        std::string second = ident();
        return second.empty() ? "" : db::quote_qualified(first, second);
    }
    return db::quote_ident(first);
}

// Resuming at a CREATE INDEX CONCURRENTLY: a previous attempt may have left its index behind.
// Returns true when the statement already took effect (a valid index of that name exists).
bool settle_concurrent_index(pqxx::connection& conn, const Target& target, const Statement& stmt,
                             const RunSettings& settings) {
    const std::string name = concurrent_index_name(stmt);
    if (name.empty()) return false;
    std::optional<bool> valid;
    {
        pqxx::nontransaction tx(conn);
        auto r = tx.exec_params("SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass($1)", name);
        if (!r.empty()) valid = r[0][0].as<bool>();
    }
    if (!valid) return false;
    if (*valid) {
        settings.note(fmt::format("{}: index {} already exists and is valid; counting the statement as done",
                                  target.name, name));
        return true;
    }
    settings.note(fmt::format("{}: dropping the INVALID index {} left by an interrupted build, then rebuilding it",
                              target.name, name));
    pqxx::nontransaction tx(conn);
    tx.exec("DROP INDEX CONCURRENTLY IF EXISTS " + name);
    return false;
}

// DROP INDEX CONCURRENTLY [IF EXISTS] name: the index name as SQL when IF EXISTS is absent.
std::string concurrent_drop_name(const Statement& stmt) {
    std::vector<Token> t;
    try {
        t = tokenize(stmt.sql);
    } catch (const Error&) {
        return "";
    }
    auto word_at = [&](std::size_t i, std::string_view w) {
        return i < t.size() && t[i].kind == TokenKind::word && t[i].text == w;
    };
    if (!word_at(0, "drop") || !word_at(1, "index") || !word_at(2, "concurrently") || word_at(3, "if")) return "";
    auto is_name = [&](std::size_t i) {
        return i < t.size() && (t[i].kind == TokenKind::word || t[i].kind == TokenKind::quoted_identifier);
    };
    if (!is_name(3)) return "";
    if (t.size() > 5 && t[4].kind == TokenKind::symbol && t[4].text == "." && is_name(5))
        return db::quote_qualified(t[3].text, t[5].text);
    return db::quote_ident(t[3].text);
}

// Resuming at a DROP INDEX CONCURRENTLY: a kill after the drop and before its progress was
// recorded leaves nothing to drop; re-running it would fail with "does not exist" forever.
bool settle_concurrent_drop(pqxx::connection& conn, const Target& target, const Statement& stmt,
                            const RunSettings& settings) {
    const std::string name = concurrent_drop_name(stmt);
    if (name.empty()) return false;
    pqxx::nontransaction tx(conn);
    if (!tx.exec_params1("SELECT to_regclass($1) IS NULL", name)[0].as<bool>()) return false;
    settings.note(fmt::format("{}: index {} is already gone (dropped by the interrupted run); counting the "
                              "statement as done",
                              target.name, name));
    return true;
}

class PlanExecutor {
public:
    PlanExecutor(pqxx::connection& conn, const Target& target, const RunSettings& settings)
        : m_conn(conn), m_target(target), m_s(settings) {}

    MigrationOutcome run_up(const PlannedMigration& pm) {
        db::verify_held_locks();
        return pm.file.no_transaction ? up_without_transaction(pm) : in_transaction(pm, Direction::up);
    }
    MigrationOutcome run_down(const PlannedMigration& pm) {
        db::verify_held_locks();
        return pm.file.no_transaction ? down_without_transaction(pm) : in_transaction(pm, Direction::down);
    }

private:
    MigrationOutcome outcome(const MigrationFile& f, std::string action) const {
        return MigrationOutcome{m_target.name, f.version, f.name, std::move(action), 0, 0, 0};
    }

    MigrationOutcome in_transaction(const PlannedMigration& pm, Direction dir) {
        const MigrationFile& f = pm.file;
        const bool up = dir == Direction::up;
        const auto statements = up ? split_statements(f.up_sql, f.up_first_line, f.path)
                                   : split_statements(f.down_sql, f.down_first_line, f.path);
        MigrationOutcome out = outcome(f, up ? "applied" : "reverted");
        const auto start = Clock::now();
        for (int attempt = 0;; ++attempt) {
            const Statement* current = nullptr;
            try {
                pqxx::work tx(m_conn);
                set_settings(tx, m_target, f, m_s, true);
                for (const auto& stmt : statements) {
                    current = &stmt;
                    tx.exec(stmt.sql);
                }
                current = nullptr;
                const auto total = static_cast<int>(statements.size());
                if (up)
                    upsert_row(tx, m_s, m_target, f, "applied", total, total, "", elapsed_ms(start));
                else
                    tx.exec_params(fmt::format("DELETE FROM {} WHERE target = $1 AND version = $2", m_s.ledger_table),
                                   m_target.name, f.version);
                util::failpoint("migrate.before-commit");
                tx.commit();
                out.statements = total;
                break;
            } catch (const pqxx::sql_error& e) {
                if (e.sqlstate() == "55P03" && attempt < m_s.lock_retries) {
                    note_retry(f, attempt);
                    ++out.retries;
                    continue;
                }
                throw statement_error(m_target, f, current, e, !up);
            }
        }
        out.duration_ms = elapsed_ms(start);
        return out;
    }

    void note_retry(const MigrationFile& f, int attempt) {
        m_s.note(fmt::format("{}: {}: lock timeout, retrying ({}/{})", m_target.name, f.id(), attempt + 1,
                             m_s.lock_retries));
        sleep_backoff(m_s, attempt);
    }

    MigrationOutcome up_without_transaction(const PlannedMigration& pm) {
        const MigrationFile& f = pm.file;
        const auto statements = split_statements(f.up_sql, f.up_first_line, f.path);
        const auto blocks = transaction_blocks(f);
        const int total = static_cast<int>(statements.size());
        int done = static_cast<int>(pm.first_statement);
        MigrationOutcome out = outcome(f, pm.resume ? "resumed" : "applied");
        if (pm.resume)
            m_s.note(fmt::format("{}: resuming {} at statement {} of {}{}", m_target.name, f.id(), done + 1, total,
                                 pm.changed_since_failure ? " (the file changed since it failed)" : ""));
        const auto start = Clock::now();
        {
            pqxx::work tx(m_conn);
            upsert_row(tx, m_s, m_target, f, "running", done, total, prefix_checksum(f, done), std::nullopt);
            tx.commit();
        }
        {
            pqxx::nontransaction tx(m_conn);
            set_settings(tx, m_target, f, m_s, false);
        }
        const Statement* current = nullptr;
        try {
            for (; done < total; ++done) {
                db::verify_held_locks();
                current = &statements[static_cast<std::size_t>(done)];
                if (pm.resume && done == static_cast<int>(pm.first_statement) &&
                    (settle_concurrent_index(m_conn, m_target, *current, m_s) ||
                     settle_concurrent_drop(m_conn, m_target, *current, m_s))) {
                    pqxx::work tx(m_conn);
                    update_progress(tx, m_s, m_target, f, done + 1);
                    tx.commit();
                    continue;
                }
                if (auto block = blocks.find(static_cast<std::size_t>(done)); block != blocks.end()) {
                    const int end = static_cast<int>(block->second);
                    run_block(f, statements, done, end, out, current);
                    done = end;
                    continue;
                }
                if (is_transaction_control(tokenize(current->sql))) {
                    // a stray COMMIT/END outside a block: each statement already commits
                    pqxx::work tx(m_conn);
                    update_progress(tx, m_s, m_target, f, done + 1);
                    tx.commit();
                    continue;
                }
                run_statement(f, *current, done, out);
                ++out.statements;
            }
            current = nullptr;
            pqxx::work tx(m_conn);
            tx.exec_params(fmt::format("UPDATE {} SET state = 'applied', statements_done = $3, applied_at = now(), "
                                       "  duration_ms = coalesce(duration_ms, 0) + $4, error = NULL "
                                       "WHERE target = $1 AND version = $2",
                                       m_s.ledger_table),
                           m_target.name, f.version, total, elapsed_ms(start));
            tx.commit();
        } catch (const pqxx::sql_error& e) {
            Error error = statement_error(m_target, f, current, e);
            record_failure(f, error.what(), elapsed_ms(start));
            add_invalid_indexes(error);
            throw error;
        }
        reset_session_settings(m_conn);
        out.duration_ms = elapsed_ms(start);
        return out;
    }

    // The file's own BEGIN ... COMMIT block [begin, end]: its statements in one transaction
    // together with the progress update past its COMMIT, so a kill inside it re-runs it whole.
    // A block closed by ROLLBACK runs and is rolled back, as psql would do.
    void run_block(const MigrationFile& f, const std::vector<Statement>& statements, int begin, int end,
                   MigrationOutcome& out, const Statement*& current) {
        const auto& closing = statements[static_cast<std::size_t>(end)];
        auto close_tokens = tokenize(closing.sql);
        const bool rollback = close_tokens[0].text == "rollback" || close_tokens[0].text == "abort";
        for (int attempt = 0;; ++attempt) {
            try {
                pqxx::work tx(m_conn);
                for (int i = begin + 1; i < end; ++i) {
                    current = &statements[static_cast<std::size_t>(i)];
                    tx.exec(current->sql);
                }
                current = &closing;
                if (rollback) {
                    tx.abort();
                    pqxx::work progress(m_conn);
                    update_progress(progress, m_s, m_target, f, end + 1);
                    progress.commit();
                } else {
                    update_progress(tx, m_s, m_target, f, end + 1);
                    tx.commit();
                }
                out.statements += end - begin - 1;
                return;
            } catch (const pqxx::sql_error& e) {
                if (e.sqlstate() == "55P03" && attempt < m_s.lock_retries) {
                    note_retry(f, attempt);
                    ++out.retries;
                    continue;
                }
                throw;
            }
        }
    }

    // One statement of a no-transaction file, with its progress update.
    void run_statement(const MigrationFile& f, const Statement& stmt, int index, MigrationOutcome& out) {
        for (int attempt = 0;; ++attempt) {
            try {
                pqxx::work tx(m_conn);
                tx.exec(stmt.sql);
                update_progress(tx, m_s, m_target, f, index + 1);
                tx.commit();
                return;
            } catch (const pqxx::sql_error& e) {
                if (e.sqlstate() == "25001") break;  // cannot run inside a transaction block
                if (e.sqlstate() == "55P03" && attempt < m_s.lock_retries) {
                    note_retry(f, attempt);
                    ++out.retries;
                    continue;
                }
                throw;
            }
        }
        // Statements PostgreSQL refuses in a transaction block run on their own; the progress
        // update follows. A kill between the two re-runs this statement on resume, which is why
        // resuming at a CREATE INDEX CONCURRENTLY first looks for the index it builds.
        for (int attempt = 0;; ++attempt) {
            try {
                pqxx::nontransaction tx(m_conn);
                tx.exec(stmt.sql);
                break;
            } catch (const pqxx::sql_error& e) {
                if (e.sqlstate() == "55P03" && attempt < m_s.lock_retries) {
                    note_retry(f, attempt);
                    ++out.retries;
                    continue;
                }
                throw;
            }
        }
        pqxx::work tx(m_conn);
        update_progress(tx, m_s, m_target, f, index + 1);
        tx.commit();
    }

    void record_failure(const MigrationFile& f, const std::string& message, long long ms) {
        try {
            reset_session_settings(m_conn);
            pqxx::work tx(m_conn);
            tx.exec_params(fmt::format("UPDATE {} SET state = 'failed', error = $3, "
                                       "  duration_ms = coalesce(duration_ms, 0) + $4 "
                                       "WHERE target = $1 AND version = $2",
                                       m_s.ledger_table),
                           m_target.name, f.version, message, ms);
            tx.commit();
        } catch (const pqxx::broken_connection&) {
            // The row stays 'running', which the planner resumes exactly like 'failed'.
        }
    }

    void add_invalid_indexes(Error& error) {
        try {
            for (const auto& idx : invalid_indexes(m_conn, m_target))
                error.with_detail("INVALID index left by a failed concurrent build: " + idx);
        } catch (const pqxx::failure&) {
        }
    }

    MigrationOutcome down_without_transaction(const PlannedMigration& pm) {
        const MigrationFile& f = pm.file;
        const auto statements = split_statements(f.down_sql, f.down_first_line, f.path);
        MigrationOutcome out = outcome(f, "reverted");
        const auto start = Clock::now();
        {
            pqxx::nontransaction tx(m_conn);
            set_settings(tx, m_target, f, m_s, false);
        }
        const Statement* current = nullptr;
        try {
            for (const auto& stmt : statements) {
                db::verify_held_locks();
                current = &stmt;
                pqxx::nontransaction tx(m_conn);
                tx.exec(stmt.sql);
                ++out.statements;
            }
            current = nullptr;
            reset_session_settings(m_conn);
            pqxx::work tx(m_conn);
            tx.exec_params(fmt::format("DELETE FROM {} WHERE target = $1 AND version = $2", m_s.ledger_table),
                           m_target.name, f.version);
            tx.commit();
        } catch (const pqxx::sql_error& e) {
            Error error = statement_error(m_target, f, current, e, true);
            try {
                reset_session_settings(m_conn);
            } catch (const pqxx::failure&) {
            }
            throw error;
        }
        out.duration_ms = elapsed_ms(start);
        return out;
    }

    pqxx::connection& m_conn;
    const Target& m_target;
    const RunSettings& m_s;
};

}  // namespace

std::vector<AppliedMigration> read_ledger(pqxx::transaction_base& tx, const std::string& ledger_table,
                                          std::string_view target) {
    auto r = tx.exec_params(fmt::format("SELECT version, name, checksum, state, statements_done, "
                                        "coalesce(done_checksum, '') FROM {} WHERE target = $1 ORDER BY version",
                                        ledger_table),
                            std::string(target));
    std::vector<AppliedMigration> rows;
    rows.reserve(r.size());
    for (const auto& row : r) {
        AppliedMigration a;
        a.version = row[0].c_str();
        a.name = row[1].c_str();
        a.checksum = row[2].c_str();
        const std::string state = row[3].c_str();
        a.failed = state == "running" || state == "failed";
        a.baseline = state == "baseline";
        a.statements_done = row[4].as<int>();
        a.done_checksum = row[5].c_str();
        rows.push_back(std::move(a));
    }
    return rows;
}

void prepare_connection(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    // PostgreSQL 14+: notice a dead client within a second instead of finishing its statement.
    tx.exec("SET client_connection_check_interval = '1s'");
}

std::vector<MigrationOutcome> execute_plan(pqxx::connection& conn, const Target& target, const Plan& plan,
                                           const RunSettings& settings,
                                           const std::function<void(const MigrationOutcome&)>& on_done) {
    PlanExecutor exec(conn, target, settings);
    std::vector<MigrationOutcome> outcomes;
    for (const auto& pm : plan.migrations) {
        outcomes.push_back(plan.direction == Direction::up ? exec.run_up(pm) : exec.run_down(pm));
        if (on_done) on_done(outcomes.back());
    }
    return outcomes;
}

std::vector<std::string> invalid_indexes(pqxx::connection& conn, const Target& target) {
    pqxx::read_transaction tx(conn);
    auto r = tx.exec_params(
        "SELECT format('%I.%I on %I.%I', n.nspname, c.relname, tn.nspname, t.relname) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace "
        "WHERE NOT i.indisvalid AND CASE WHEN $1 = '' THEN n.nspname = ANY (current_schemas(false)) "
        "                                ELSE n.nspname = $1 END "
        "ORDER BY 1",
        target.schema);
    std::vector<std::string> out;
    for (const auto& row : r) out.emplace_back(row[0].c_str());
    return out;
}

std::string TargetLock::lock_name(const Target& target) { return "migrate:target:" + target.name; }

TargetLock::TargetLock(pqxx::connection& conn, const Target& target, std::chrono::milliseconds timeout)
    : m_conn(conn), m_key(db::lock_key(lock_name(target))) {
    const auto deadline = Clock::now() + timeout;
    auto pause = std::chrono::milliseconds(20);
    for (;;) {
        {
            pqxx::nontransaction tx(m_conn);
            if (tx.exec_params1("SELECT pg_try_advisory_lock($1)", m_key)[0].as<bool>()) return;
        }
        if (Clock::now() >= deadline) break;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(250));
    }
    pqxx::nontransaction tx(m_conn);
    std::string holder = db::describe_lock_holder(tx, m_key);
    throw Busy(fmt::format("{}: another run is migrating this target{}", target.name,
                           holder.empty() ? "" : ": " + holder),
               "wait for it to finish, or pass a longer --lock-timeout");
}

TargetLock::~TargetLock() {
    try {
        pqxx::nontransaction tx(m_conn);
        tx.exec_params("SELECT pg_advisory_unlock($1)", m_key);
    } catch (...) {
        // The lock ends with the session anyway.
    }
}

}  // namespace tenantctl::migrate
