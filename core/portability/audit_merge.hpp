// The tenant's audit trail coming back into a database it left (tenant copy or move into the
// tenant's own purged row, core/portability/platform_copy.hpp): the trail there holds what
// happened before the tenant left, and what was recorded there after (its move, its purge);
// the source holds the first part too, and what happened at the source since.
//
// The merge keeps every event there and adds the source's events that are not there, after
// proving that those present on both sides are equal, column for column. The events that come
// back fall inside what the destination's chain has sealed since the tenant left, so its chain
// is checked from the first row they would fall before (audit::verify_chain_from: a re-seal
// must never absorb tampering), then cut back to that row; the next `audit seal` there seals
// the old and the new events together. The cut, with the old head, is recorded in the copy's
// audit event there.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "core/crypto/master_key.hpp"
#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

// Returns the number of events added there; fills `record` with what the chain lost, if
// anything ({"from_seq", "old_head_seq", "old_head"}). IntegrityError (exit 8) when the two
// trails disagree about an event or the destination's chain does not verify; Refused when events older than the destination's pruned start would come back.
long long merge_audit_trail(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                            const std::string& tenant_id, const crypto::MasterKey& from, const crypto::MasterKey& to,
                            const std::string& where, json& record);

}  // namespace tenantctl::portability
