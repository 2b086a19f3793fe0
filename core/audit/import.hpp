// `audit import`: backfill the audit log from the application's own audit table or from an
// NDJSON file, so that adopting tenantctl does not cut the history in two.
//
// - Column mapping: each column of audit_log takes the source column (table) or key (NDJSON)
//   of the same name, unless --map COLUMN=SOURCE names another. tenant_id, occurred_at and
//   action are required (tenant_id not with --tenant). The tenant value may be the tenant's
//   id, its tenancy key (the value the app's tenancy columns hold) or its slug. NDJSON keys
//   that map to no column are kept in metadata; unmapped table columns are not imported.
// - Batches: keyset batches by the source key (table: --key, default id, which must be unique
//   and never NULL; file: the byte offset of the next line). Each batch is staged (COPY for a
//   file, INSERT ... SELECT for a table in the same database), checked (a known tenant, an ISO
//   8601 time, an action the log takes; a value the server refuses is named by its line or
//   key), the months it needs are created (rows of the default partition moved in), the events
//   inserted, and the position stored in the job's cursor, all in one transaction: a killed
//   import resumes after its last batch, without duplicates. A resumed run must give the
//   options the job started with, and a file must be unchanged up to where it stopped (its
//   SHA-256 so far is kept with the position); a file imported under another name is refused.
//   Source times without a zone are read in --timezone (default UTC).
// - Sealing: events older than a tenant's sealed head would read as "inserted" to verify. So
//   every sealed chain is verified before the first batch (exit 8 and nothing imported when
//   one is broken), and the batch that first reaches into a tenant's sealed range cuts its
//   chain back to its start (the genesis or its prune anchor) in the same transaction: every
//   committed state verifies, also after a kill or a refused batch. The chains are re-sealed
//   at the end, over old and imported events; the old heads go into the audit.import event.
//   Sealing waits while an import runs (it holds the seal lock).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

// Columns of audit_log an import fills (id comes from the log's own sequence).
const std::vector<std::string>& import_columns();

struct ImportOptions {
    std::string from;                        // [schema.]table, or a path to an NDJSON file
    std::map<std::string, std::string> map;  // audit_log column -> source column or key
    std::optional<std::string> tenant_slug;  // every event belongs to this tenant
    std::optional<std::string> key;          // table sources: unique, ordered keyset column (default id)
    std::string timezone = "UTC";            // of source times that carry no zone
    std::int64_t batch = 5000;
    bool seal = true;
};

// Parses "COLUMN=SOURCE" (UsageError for an unknown column or a malformed pair).
std::pair<std::string, std::string> parse_import_mapping(const std::string& text);

struct ImportResult {
    std::string source;  // table:NAME or file:PATH
    std::string job_id;
    bool resumed = false;
    std::int64_t imported = 0;  // by this run
    std::int64_t total = 0;     // by the job over all its runs
    std::vector<std::string> months_created;
    std::vector<std::string> resealed;  // tenants whose chain was re-sealed from its start
    std::int64_t sealed = 0;
    std::string status;  // imported | would import
};

ImportResult import_events(Context& ctx, const ImportOptions& o);

}  // namespace tenantctl::audit
