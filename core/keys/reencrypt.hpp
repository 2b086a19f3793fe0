// Re-encryption of a tenant's encrypted columns under its active key (`keys reencrypt`,
// `keys rotate --reencrypt`; DESIGN section 5 and 11).
//
// Walks every encrypted column of the data map in row-identity order (primary key, else a
// unique key over NOT NULL columns, from the data model), in keyset batches. A value already
// under the active key is left alone; others are decrypted and re-encrypted keeping their
// Fernet timestamp (MultiFernet.rotate). Each batch is one transaction that
//   1. enters the tenant with row security off (a policy cannot hide a value; a session a
//      policy binds was refused before anything started: core/model/row_access.hpp),
//   2. applies one UPDATE ... FROM unnest(arrays) that addresses each changed row by its key
//      (typed by the key columns' own types, never ctid/xmin, which repeat across partitions)
//      and only where the column still holds the token that was read, so an application write
//      in between wins and is counted as a conflict for the next run (compare-and-set),
//   3. advances the job's checkpoint in `jobs` (the job is created with the first batch that
//      changes a value: a run with nothing to do writes nothing),
// and commits; a deadlock with the application's writes is retried with backoff. A kill at any instant therefore loses nothing and encrypts nothing twice: the
// re-run resumes from the checkpoint, and any value it meets again is already current.
//
// A reader thread on a second connection reads and re-encrypts the next batch while the
// current one is written, so client crypto and server writes overlap.
//
// Runs of the same tenant exclude each other through a session advisory lock (waits up to
// --lock-timeout, then exit 6). A change of the active version between runs starts a new job.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/records.hpp"
#include "core/keys/encrypted_tables.hpp"
#include "core/tenants/lookup.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::keys {

// The `jobs.kind` of re-encryption jobs; a finished one's cursor holds `to_version`.
inline constexpr const char* kReencryptJob = "keys.reencrypt";

struct ReencryptOptions {
    std::optional<std::string> tenant;   // slug
    bool all = false;
    long batch_size = 10000;
    double max_rate = 0;                 // values per second; 0 = as fast as possible
    // Stop cleanly after the batch during which this passes; the job stays resumable (for
    // `maintain --max-duration`). The tenant's result then has completed = false.
    std::optional<TimePoint> deadline;
    bool fire_triggers = false;  // the app's triggers run on every re-encrypted row (default: quiet, if allowed)
};

struct Failure {
    std::string table;   // "public.users"
    std::string column;
    std::string pk;      // format_pk
};

struct TenantReencrypt {
    std::string tenant;  // slug
    std::string job_id;
    int to_version = 0;
    bool resumed = false;
    bool completed = false;
    long long scanned = 0;      // non-null values looked at (this job, across resumed runs)
    long long reencrypted = 0;
    long long reencrypted_this_run = 0;  // `reencrypted` counts the whole job, across resumed runs
    long long current = 0;      // already under the active key
    long long undecryptable = 0;
    long long conflicts = 0;    // changed by someone else between read and write: left to a re-run
    std::vector<Failure> failures;  // the first 100 undecryptable values
};

// One tenant. The caller decides nothing else: locking, job, batches, audit are all here.
// A run with nothing to re-encrypt writes nothing (no job, no audit event).
TenantReencrypt reencrypt_tenant(Context& ctx, const tenants::TenantRef& tenant, const ReencryptOptions& o);
// The same with the caller's table cache (fan-outs over many tenants load the model once).
TenantReencrypt reencrypt_tenant(Context& ctx, EncryptedTables& tables, const tenants::TenantRef& tenant,
                                 const ReencryptOptions& o);

// The command: every selected tenant, a JSON-friendly summary document. Exit 8 when values
// did not decrypt, 9 when some tenants failed altogether (the others are done).
Records reencrypt(Context& ctx, const ReencryptOptions& o);

json to_json(const TenantReencrypt& r);

}  // namespace tenantctl::keys
