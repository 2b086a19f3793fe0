// `audit import`: backfill the audit log from the application's own audit table or from an
// NDJSON file, so that adopting tenantctl does not cut the history in two.
//
// - Column mapping: each column of audit_log takes the source column (table) or key (NDJSON)
//   of the same name, unless --map COLUMN=SOURCE names another. tenant_id, occurred_at and
//   action are required (tenant_id not with --tenant). The tenant value may be the tenant's
//   id, its tenancy key (the value the app's tenancy columns hold) or its slug. NDJSON keys
//   that map to no column are kept in metadata; unmapped table columns are not imported.
// - Batches: keyset batches by the source key (table: --key, default id; file: the byte
//   offset of the next line). Each batch is staged (COPY for a file, INSERT ... SELECT for a
//   table in the same database), the months it needs are created (rows of the default
//   partition moved in), the events inserted, and the position stored in the job's cursor,
//   all in one transaction: a killed import resumes after its last batch, without duplicates.
// - Sealing: events older than a tenant's sealed head would read as "inserted" to verify. So
//   every sealed chain is verified before the first batch (exit 8 and nothing imported when
//   one is broken), then such a tenant's chain is
//   re-sealed from its start (the genesis or its prune anchor) over the imported events; the
//   old head goes into the audit.import event. Other tenants' new events are sealed on top.
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
    std::string key = "id";                  // table sources: unique, ordered keyset column
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
