// `tenant move`'s copy in batches that each commit at the destination with their checkpoint,
// so a kill or a lost connection costs the batch in flight, not the whole copy (issue 18).
//
// Only a move copies so: its tenant is `moving` on both sides. Here the app does not write its
// rows (the contract), so batches read in separate snapshots see the same rows; there nothing
// serves it until the move activates it, so a half-written tenant is seen by nobody. A `tenant
// copy` of a live tenant must read it in one snapshot and write it in one transaction.
//
// The checkpoint is a job (platform table `jobs`, kind tenant.move.copy) AT THE DESTINATION,
// updated in the transaction of the batch it records: it can never claim more or less than the
// destination holds. Kept at the source it would be one commit away from the rows it
// describes, and a kill between the two commits would copy a batch twice or skip one. Per
// relation it holds the key of the first row of the next batch (the row identity's columns,
// as text), the rows and the fingerprint (compare.hpp) of what its batches sent, and whether
// it is done.
//
// Which relations go in batches: those with a row identity (primary key, or a unique key over
// NOT NULL columns) to page by, outside every foreign-key cycle and self-reference, whose
// parents among the tenant's relations go in batches too (a batch's parents are then committed
// before it, and the server's key checks hold batch by batch). The others (no key to page by,
// rows that may point forward) are written by the final transaction as the one-transaction copy
// writes them. That transaction also checks the keys the app's quieted triggers let the batches
// skip (app_triggers.hpp), fingerprints every relation at the destination against the sum of
// what its batches sent, and marks the job done; the move then compares both sides as always.
//
// A batch: at the source, the key of the next batch's first row, then its rows COPY-ed as the
// keys from its own first row up to that one, excluded; no next row: the rest, and the
// relation is done. The first keys of the batches come from one numbering of the tenant's
// keys per 256 batches (every size-th key), not one sort per batch. Every comparison runs
// at the source, in the source's collation; the destination never pages.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/model/tenant_data.hpp"
#include "core/portability/app_rows.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

inline constexpr const char* kMoveCopyJob = "tenant.move.copy";

// The destination's record of a copy in batches.
struct CopyCheckpoint {
    std::string id;
    nlohmann::json cursor;  // {"tables": {relation key: {from, rows, checksum, binary, quieted, done}}}
};

// The running copy job of tenant `tenant_id` at the destination, if a killed run left one.
std::optional<CopyCheckpoint> find_copy_checkpoint(Context& ctx, pqxx::transaction_base& dst,
                                                   const std::string& tenant_id);
// A new one, in the transaction that writes the tenant's first rows there; `arrival` (an
// object) is kept in its cursor for the run that finishes the copy (how the tenant arrived).
CopyCheckpoint start_copy_checkpoint(Context& ctx, pqxx::transaction_base& dst, const std::string& tenant_id,
                                     const std::string& from, const nlohmann::json& arrival);
// The copy is complete, `rows` rows of the tenant's data in all (the last transaction's
// included): the job is done, in the transaction that completes it.
void finish_copy_checkpoint(Context& ctx, pqxx::transaction_base& dst, const CopyCheckpoint& job, long long rows);
// The rows the job's batches have written there.
long long rows_copied(const CopyCheckpoint& job);
// `tenant move --abort`: the copy's job goes with the copy.
void cancel_copy_checkpoints(Context& ctx, pqxx::transaction_base& dst, const std::string& tenant_id);

// The relations of `data` that `selected` picks and that go in batches (see above), parents first.
std::vector<const model::Relation*> batched_relations(const model::TenantData& data,
                                                      const std::function<bool(const model::Relation&)>& selected);

struct BatchedRelation {
    const model::Relation& source;
    const model::Relation& target;  // the destination's (its model: `theirs`)
    std::string key;                // relation_key
};

struct Batches {
    Context& ctx;
    pqxx::transaction_base& src;  // the source's snapshot, with use_canonical_text
    pqxx::connection& dst;        // each batch a transaction of its own on it
    const RowsCopy& rows;
    const model::TenantData& theirs;
    long long size;  // rows per batch
    bool fire_triggers;
    std::function<void(long long rows)> after_each;  // progress, failpoints
};

// Copies one relation from where `job` says, batch by batch, each committed there with `job`.
void copy_in_batches(Batches& b, const BatchedRelation& r, CopyCheckpoint& job);

// What the batches of `r` sent, as copy_tenant_rows reports a relation it wrote, for the
// final transaction's check.
SentRelation sent_in_batches(const CopyCheckpoint& job, const BatchedRelation& r);

// Whether the app's triggers were kept quiet in a batch of `r`: its foreign keys are then
// still to be checked by query.
bool keys_unchecked(const CopyCheckpoint& job, const BatchedRelation& r);

}  // namespace tenantctl::portability
