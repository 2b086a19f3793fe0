#include "core/portability/binary_copy.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/db/connection.hpp"

namespace tenantctl::portability {

namespace {

// The PGconn under a libpqxx transaction. libpqxx 6.4 hands it out only to large objects,
// through a protected static any subclass may call.
struct RawConnection : pqxx::largeobject {
    static PGconn* of(pqxx::transaction_base& tx) {
        auto* db = dynamic_cast<pqxx::dbtransaction*>(&tx);
        if (!db) throw pqxx::usage_error("binary COPY needs a transaction");
        return raw_connection(*db);
    }
};

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

[[noreturn]] void throw_result_error(PGconn* conn, const PGresult* r, const std::string& query) {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
    if (PQstatus(conn) == CONNECTION_BAD) throw pqxx::broken_connection(message);
    throw pqxx::sql_error(message, query, state);
}

// Reads the results of a finished COPY until libpq has none left; throws the first error.
void finish(PGconn* conn, const std::string& query) {
    Result failed;
    while (Result r{PQgetResult(conn)}) {
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK && !failed) failed = std::move(r);
    }
    if (failed) throw_result_error(conn, failed.get(), query);
}

void start(PGconn* conn, const std::string& statement, ExecStatusType expected) {
    Result r{PQexec(conn, statement.c_str())};
    if (!r || PQresultStatus(r.get()) != expected) {
        Result owned = std::move(r);
        finish(conn, statement);  // whatever else the statement returned
        throw_result_error(conn, owned.get(), statement);
    }
}

// Stops a COPY TO whose rows are no longer wanted: cancels it at the server and reads what
// is still on the way, so the connection can take the ROLLBACK that follows.
void abandon_copy_out(PGconn* conn) noexcept {
    // Only while the COPY runs: a cancel sent after it could stop the ROLLBACK that follows.
    if (PQtransactionStatus(conn) != PQTRANS_ACTIVE) return;
    if (PGcancel* cancel = PQgetCancel(conn)) {
        char error[256];
        PQcancel(cancel, error, sizeof error);
        PQfreeCancel(cancel);
    }
    char* buffer = nullptr;
    while (PQgetCopyData(conn, &buffer, 0) > 0) PQfreemem(buffer);
    while (PGresult* r = PQgetResult(conn)) PQclear(r);
}

std::uint16_t read16(const char* p) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) << 8 | static_cast<unsigned char>(p[1]));
}
std::int32_t read32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(p[i]);
    return static_cast<std::int32_t>(v);
}

// Splits COPY's binary stream into rows, whatever the message boundaries: the header (the
// 11-byte signature, flags, and an extension area), then per row a 16-bit field count and
// each field as a 32-bit length (-1: NULL) and its bytes, then a count of -1.
class BinaryRows {
public:
    explicit BinaryRows(RowChecksum& sum) : m_sum(sum) {}

    void feed(std::string_view data) {
        m_pending.append(data);
        std::size_t at = 0;
        if (!m_header_read) {
            if (m_pending.size() < 19) return;
            if (std::memcmp(m_pending.data(), "PGCOPY\n\377\r\n\0", 11) != 0)
                throw pqxx::failure("binary COPY: the stream does not start with the PGCOPY signature");
            const std::int32_t extension = read32(m_pending.data() + 15);
            if (extension < 0 || m_pending.size() < 19 + static_cast<std::size_t>(extension)) return;
            at = 19 + static_cast<std::size_t>(extension);
            m_header_read = true;
        }
        while (!m_ended) {
            const std::size_t row = at;
            if (m_pending.size() - at < 2) break;
            const auto fields = static_cast<std::int16_t>(read16(m_pending.data() + at));
            if (fields == -1) {
                m_ended = true;
                at += 2;
                break;
            }
            std::size_t end = at + 2;
            bool whole = true;
            for (int f = 0; f < fields; ++f) {
                if (m_pending.size() - end < 4) {
                    whole = false;
                    break;
                }
                const std::int32_t length = read32(m_pending.data() + end);
                end += 4;
                if (length < 0) continue;  // NULL
                if (m_pending.size() - end < static_cast<std::size_t>(length)) {
                    whole = false;
                    break;
                }
                end += static_cast<std::size_t>(length);
            }
            if (!whole) break;
            m_sum.add(std::string_view(m_pending).substr(row, end - row));
            at = end;
        }
        m_pending.erase(0, at);
    }

    void finish() const {
        if (!m_ended || !m_pending.empty()) throw pqxx::failure("binary COPY: the stream ended in the middle of a row");
    }

private:
    RowChecksum& m_sum;
    std::string m_pending;
    bool m_header_read = false;
    bool m_ended = false;
};

// Reads a COPY TO STDOUT that has started, handing each message to `each`.
template <typename Each>
void read_copy_out(PGconn* conn, const std::string& statement, Each&& each) {
    for (;;) {
        char* buffer = nullptr;
        const int n = PQgetCopyData(conn, &buffer, 0);
        if (n == -1) break;  // done: the result follows
        if (n < 0) throw pqxx::broken_connection(PQerrorMessage(conn));
        std::unique_ptr<char, decltype(&PQfreemem)> owned(buffer, &PQfreemem);
        each(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
    finish(conn, statement);
}

}  // namespace

bool binary_copy_possible(pqxx::transaction_base& src, const std::string& source_table, pqxx::transaction_base& dst,
                          const std::string& target_table, const std::vector<std::string>& columns) {
    // Built-in type (below FirstNormalObjectId), or a domain directly over one, with send and
    // receive, and so its array elements.
    const auto allowed = [&](pqxx::transaction_base& tx, const std::string& table) {
        const auto r = tx.exec_params1(
            "SELECT current_setting('server_version_num')::int / 10000, coalesce(bool_and("
            "  b.oid < 16384 AND b.typsend <> 0 AND b.typreceive <> 0"
            "  AND (b.typelem = 0 OR (e.typsend <> 0 AND e.typreceive <> 0))), true), count(*) "
            "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
            "LEFT JOIN pg_type e ON e.oid = b.typelem "
            "WHERE a.attrelid = $1::regclass AND a.attname = ANY($2::text[]) AND NOT a.attisdropped",
            table, db::text_array(columns));
        return std::pair{r[0].as<int>(), r[1].as<bool>() && r[2].as<std::size_t>() == columns.size()};
    };
    const auto [src_major, src_ok] = allowed(src, source_table);
    if (!src_ok) return false;
    const auto [dst_major, dst_ok] = allowed(dst, target_table);
    return dst_ok && src_major == dst_major;
}

void pipe_rows_binary(pqxx::transaction_base& src, const std::string& query, pqxx::transaction_base& dst,
                      const std::string& target, RowChecksum& sent) {
    PGconn* in = RawConnection::of(src);
    PGconn* out = RawConnection::of(dst);
    const std::string copy_out = fmt::format("COPY {} TO STDOUT (FORMAT binary)", query);
    const std::string copy_in = fmt::format("COPY {} FROM STDIN (FORMAT binary)", target);
    start(out, copy_in, PGRES_COPY_IN);
    try {
        start(in, copy_out, PGRES_COPY_OUT);
    } catch (...) {
        PQputCopyEnd(out, "the source's COPY failed");
        while (PGresult* r = PQgetResult(out)) PQclear(r);
        throw;
    }
    BinaryRows rows(sent);
    try {
        read_copy_out(in, copy_out, [&](std::string_view data) {
            rows.feed(data);
            if (PQputCopyData(out, data.data(), static_cast<int>(data.size())) != 1)
                throw pqxx::broken_connection(PQerrorMessage(out));
        });
        rows.finish();
    } catch (...) {
        abandon_copy_out(in);
        PQputCopyEnd(out, "the source's rows stopped");
        while (PGresult* r = PQgetResult(out)) PQclear(r);
        throw;
    }
    if (PQputCopyEnd(out, nullptr) != 1) throw pqxx::broken_connection(PQerrorMessage(out));
    finish(out, copy_in);
}

Fingerprint fingerprint_binary(pqxx::transaction_base& tx, const std::string& query) {
    PGconn* conn = RawConnection::of(tx);
    const std::string statement = fmt::format("COPY {} TO STDOUT (FORMAT binary)", query);
    RowChecksum sum;
    BinaryRows rows(sum);
    start(conn, statement, PGRES_COPY_OUT);
    try {
        read_copy_out(conn, statement, [&](std::string_view data) { rows.feed(data); });
        rows.finish();
    } catch (...) {
        abandon_copy_out(conn);
        throw;
    }
    return sum.result();
}

}  // namespace tenantctl::portability
