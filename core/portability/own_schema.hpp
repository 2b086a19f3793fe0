// A schema-isolated tenant's schema at the destination of `tenant copy` / `tenant move`, made
// by the copy's one transaction there: built by the migrations that built it here (see
// core/migrate/replay.hpp), completed with what the app makes at runtime, proved to hold the
// same objects as the schema here, and brought to the same state.
//
// What the migrations do not make but the tenant's schema holds:
//   - partitions the app (or pg_partman) attaches at runtime: created with the same bounds,
//     parents first, or their rows would land in a default partition (or nowhere);
//   - rows a migration seeds (a roles table): emptied before the tenant's own rows arrive, so
//     the tables hold exactly the source's rows;
//   - sequence positions, including sequences no column owns (an invoice counter): set to the
//     source's, at the commit.
// While the rows arrive, the tables' user triggers are off: the source's rows already hold
// what its triggers wrote (an audit table), and firing them again would double it. The
// tables are the transaction's own, so no other session sees them meanwhile.
#pragma once

#include <string>
#include <vector>

#include <optional>

#include <pqxx/pqxx>

#include "core/portability/triggers_off.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

class OwnSchema {
public:
    // Inside `dst`: creates `dst_schema` for the tenant `slug` (Refused when one of that name
    // exists), runs in it the migrations that built `src_schema` here, creates the partitions
    // the source has and the destination lacks, empties every table, turns user triggers off.
    OwnSchema(Context& ctx, pqxx::transaction_base& src, std::string src_schema, pqxx::transaction_base& dst,
              std::string dst_schema, const std::string& slug);

    int migrations_replayed() const { return m_replayed; }

    // The objects one side has and the other does not, one line each ("index posts_title_hand
    // ON posts ...: here only"): tables, partitions, views, sequences, indexes, constraints,
    // column defaults, triggers, functions, enum labels. Read with each schema first on the
    // search_path, so names inside definitions are unqualified and compare under --as.
    std::vector<std::string> differences();

    // Before the commit (never in a dry run: setval is not transactional): triggers back as
    // they were, every sequence of the schema at the source's position. Returns how many
    // sequences were set.
    int finish();

private:
    pqxx::transaction_base& m_src;
    pqxx::transaction_base& m_dst;
    std::string m_src_schema, m_dst_schema;
    std::optional<UserTriggersOff> m_triggers_off;
    int m_replayed = 0;

    void add_runtime_partitions();
    void empty_seeded_tables();
};

}  // namespace tenantctl::portability
