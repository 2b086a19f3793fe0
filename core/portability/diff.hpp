// `tenant diff SLUG --against CONTEXT`: one tenant's data in this database and in another,
// relation by relation: row counts, checksums and column differences (see compare.hpp).
//
// Read-only. Each side is read in one REPEATABLE READ snapshot, so every figure of a side is
// of one moment; the two sides are read at the same time, on two connections.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/portability/compare.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

struct DiffOptions {
    std::string slug;
    std::string against;  // a context of the config file
    // The tenant's slug at the other database, when it is a `tenant copy --as` of this one:
    // the source's rows are compared as the copy rewrote them (its tenancy value in every
    // column that holds it, its slug in the app's tenants table).
    std::optional<std::string> as_slug;
};

struct TableDiff {
    std::string table;
    std::string status;  // same | differs | only at source | only at target
    std::optional<Fingerprint> source, target;
    std::vector<std::string> details;  // "2 rows more at the source", "column x missing at the target"
};

struct DiffResult {
    std::string source;  // target descriptions (host, port, dbname, user)
    std::string target;
    std::vector<TableDiff> tables;
    int differing = 0;
};

DiffResult diff(Context& ctx, const DiffOptions& options);

}  // namespace tenantctl::portability
