// The tenant's rows of tenantctl's own schema on their way into another database (tenant
// copy): its tenants row, data keys, API keys, GDPR register and audit trail. Rows travel as
// row_to_json text and are put back with json_populate_record, so every value is typed by the
// destination's column and a column added by a later platform migration needs no code here.
//
// Keys are unwrapped under this database's master key and wrapped again under the
// destination's (and, for a copy under another tenant id, with that id in the wrapping's
// associated data); the plaintext exists only in this process, in a SecureBytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/crypto/fernet.hpp"
#include "core/crypto/master_key.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

// Who the tenant is at the destination: itself, or the new tenant of `copy --as`.
struct CopyIdentity {
    std::string id;
    std::string slug;
    std::optional<std::string> tenancy_key;  // the app's key when the tenancy column is not a uuid
    // The value its tenancy columns hold: the tenancy key, else the id.
    const std::string& tenancy_value() const { return tenancy_key ? *tenancy_key : id; }
};

// What the destination holds of the tenant before the copy.
enum class Arrival {
    fresh,           // nothing
    over_tombstone,  // the purged row of an earlier stay there (a move away, then a purge): the
                     // tenant comes back into it, with the audit trail it left there
};

// Refused when the destination already has a tenant with that slug or id, other than the
// tenant's own purged row left by a move away (its moved_to is kept). A copy an earlier move
// left there (`moved`, not yet purged) is refused with the purge that clears it: its rows are
// still there. A tenant purged after its deletion is refused. `to` names the context.
Arrival require_absent_at_destination(Context& ctx, pqxx::transaction_base& dst, const CopyIdentity& as,
                                      const std::string& to);

// The tenants row, under `as`; `anonymize` drops its admin e-mail (personal data). Over a
// tombstone, its row takes the source's values.
void copy_tenant_row(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                     const std::string& source_id, const CopyIdentity& as, bool anonymize, Arrival arrival);

// Over a tombstone: its data keys (destroyed), API keys and GDPR register, which the
// source's rows replace (they are the source's rows as they were when the tenant left).
void clear_tombstone(Context& ctx, pqxx::transaction_base& dst, const std::string& tenant_id);

// Over the tombstone of a tenant with its own schema: the purge dropped `schema` and left its
// migration ledger rows, which the copy, building the schema again, writes anew.
void forget_dropped_schema(Context& ctx, pqxx::transaction_base& dst, const std::string& schema);

// Every data key version (destroyed ones as the tombstones they are). IntegrityError (exit 8)
// when one was wrapped by another master key than `from`.
int copy_data_keys(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                   const std::string& source_id, const std::string& dest_id, const crypto::MasterKey& from,
                   const crypto::MasterKey& to);

// Instead of the tenant's keys (copy --anonymize): `key` as the tenant's only, active version.
void insert_new_data_key(Context& ctx, pqxx::transaction_base& dst, const std::string& dest_id,
                         const crypto::MasterKey& to, const crypto::FernetKey& key);

// The tenant's rows of a platform table with a tenant_id column, unchanged.
int copy_rows_of(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst, std::string_view table,
                 const std::string& tenant_id);

// The columns of a table, in their order.
std::vector<std::string> table_columns(pqxx::transaction_base& tx, const std::string& quoted_table);

// The tenant's audit commitment key, unwrapped under `from` and wrapped again under `to` at the
// destination. Returns the key (empty when the tenant has none). IntegrityError when the
// source's was wrapped by another master key than `from`.
crypto::SecureBytes copy_audit_key(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                                   const std::string& tenant_id, const crypto::MasterKey& from,
                                   const crypto::MasterKey& to);

// Events, hash chain and checkpoints as they are (the chain commits to their ids and tenant),
// and the commitment key wrapped again: `audit verify` passes at the destination. Streamed
// COPY to COPY and fingerprinted at both ends; IntegrityError when they differ. Returns the
// number of events.
long long copy_audit_trail(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                           const std::string& tenant_id, const crypto::MasterKey& from, const crypto::MasterKey& to,
                           const std::string& where);

}  // namespace tenantctl::portability
