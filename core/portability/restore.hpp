// `tenant restore-from CONTEXT SLUG`: one tenant's rows back from a backup, without rolling
// back anyone else (issue 18). The backup is a server restored to a point in time (README:
// pg_basebackup and PITR into a scratch server), named by a context of the config file; it is
// only read, in one REPEATABLE READ snapshot.
//
// What comes back: the tenant's rows of the app's tables (all, or --tables), as the tenant data
// model (core/model) finds them on each side. Its platform rows (status, keys, API keys, audit
// trail) stay as they are here: the backup's keys are the tenant's keys, and a key destroyed
// since then is reported (its values cannot be decrypted any more).
//
//   replace: the tenant's current rows of the chosen tables are deleted, children first, and
//            the backup's written, parents first. Refused up front when a table left out of
//            --tables would lose rows by ON DELETE CASCADE / SET NULL from a chosen one.
//   merge:   the backup's rows whose row identity the table here lacks are inserted; rows here
//            stay as they are. Needs a row identity on every chosen table.
//
// All in ONE transaction here, committed only after a check that reads the result back:
// replace compares each table's rows of the tenant with the backup's (count and checksum,
// compare.hpp); merge checks that every backup row's identity is here and every inserted row
// equals the backup's. `--dry-run` does all of it and rolls back, and its per-table report is
// the difference the real run makes. An audit event here records what came back.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

enum class RestoreMode { replace, merge };

struct RestoreOptions {
    std::string from;  // the context of the server holding the backup
    std::string slug;
    std::string mode;                 // "replace" | "merge"
    std::vector<std::string> tables;  // schema.table or table; empty: every table of the tenant's data
    std::optional<std::string> note;  // --point-in-time-note: recorded in the audit event
    bool fire_triggers = false;       // the app's triggers run on the rows written and deleted (app_triggers.hpp)
};

struct RestoredTable {
    std::string table;
    long long here_before = 0;  // the tenant's rows here before
    long long backup = 0;       // in the backup
    long long deleted = 0;      // replace
    long long inserted = 0;
    long long here_after = 0;
    bool same_before = false;  // here and the backup were equal already (count and checksum)
};

struct RestoreResult {
    std::string tenant;
    std::string from;    // the context
    std::string source;  // its host, port, database, user
    RestoreMode mode = RestoreMode::replace;
    bool dry_run = false;
    std::vector<RestoredTable> tables;
    long long deleted = 0;
    long long inserted = 0;
    std::vector<std::string> warnings;  // key versions the backup's values may need that are gone here
};

RestoreResult restore_from(Context& ctx, const RestoreOptions& options);

}  // namespace tenantctl::portability
