// COPY in binary format between two servers (tenant copy): values travel as their types'
// send/receive bytes instead of being printed and parsed again, which is cheaper on both
// servers for numbers, timestamps and arrays.
//
// Binary COPY is only as portable as the type's binary form. An array or a record carries
// its element types' OIDs, which differ between databases for anything the user created
// (enums, composites, extension types), so a column travels in binary only when both sides
// have the same server major version and the column's type, or the base type of its domain,
// is built in and has binary send and receive functions. Otherwise the table goes as text.
//
// libpqxx 6.4's COPY streams are line-oriented (they add and strip a newline), so this talks
// to libpq directly, on the connections of the two transactions, and leaves each connection
// as it found it: the COPY finished and its result read, or an exception thrown.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/portability/compare.hpp"

namespace tenantctl::portability {

// Whether `columns` of `table` can travel in binary from the server of `src` to the server
// of `dst` (both tables exist on their side; `table` is the quoted name there).
bool binary_copy_possible(pqxx::transaction_base& src, const std::string& source_table, pqxx::transaction_base& dst,
                          const std::string& target_table, const std::vector<std::string>& columns);

// The rows `query` ("(SELECT ...)") selects at `src`, COPY-ed in binary into `target`
// ("table (columns)") at `dst`; each row's bytes are added to `sent`.
void pipe_rows_binary(pqxx::transaction_base& src, const std::string& query, pqxx::transaction_base& dst,
                      const std::string& target, RowChecksum& sent);

// The fingerprint of the rows `query` ("(SELECT ...)") selects, over their binary form: what
// pipe_rows_binary's `sent` holds for the same rows.
Fingerprint fingerprint_binary(pqxx::transaction_base& tx, const std::string& query);

}  // namespace tenantctl::portability
