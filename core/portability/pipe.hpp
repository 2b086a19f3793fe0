// Moving COPY lines from one connection to another (tenant copy, its audit trail and the keys
// it fixes up after a cycle).
#pragma once

#include <string>

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include "core/portability/compare.hpp"

namespace tenantctl::portability {

// The rows `query` selects on one connection, COPY-ed into `target` ("table (columns)") on
// another, line for line: no parsing, memory flat. Both sides use use_canonical_text()
// (compare.hpp), so every value's text reads back the same. (Not libpqxx 6.4's
// `stream_to << stream_from`: it writes one line too many after the last, so an empty table
// fails and any other would get its last row twice. tablewriter is the public way to write a
// line as it is.) With `sent`, each line is also added to that fingerprint: what was sent,
// to compare with what the destination holds afterwards.
inline void pipe_rows(pqxx::transaction_base& src, const std::string& query, pqxx::transaction_base& dst,
                      const std::string& target, RowChecksum* sent = nullptr) {
    pqxx::stream_from in(src, query);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    pqxx::tablewriter out(dst, target);
#pragma GCC diagnostic pop
    std::string line;
    while (in.get_raw_line(line)) {
        if (sent) sent->add(line);
        out.write_raw_line(line);
    }
    in.complete();
    out.complete();
}

}  // namespace tenantctl::portability
