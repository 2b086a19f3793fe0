// What export and erase both start from: the tenant, the validated data map, and the one
// subject the selector names, read inside the caller's transaction with the tenancy
// setting applied (RLS sees the tenant; every query also filters on the column).
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "core/gdpr/data_map.hpp"
#include "core/gdpr/subject.hpp"
#include "core/tenants/lookup.hpp"

namespace tenantctl::gdpr {

struct Session {
    tenants::TenantRef tenant;
    DataMap map;
    Subject subject;
};

// Order of failure: bad selector (2), unknown tenant (4), bad data map (2), unknown
// selector column (2), no subject (4), several subjects (5).
Session open_session(Context& ctx, pqxx::transaction_base& tx, const std::string& slug, const std::string& selector);

// The subject's pseudonym: the one the audit module puts in place of the subject key when it
// pseudonymizes the audit log (audit::pseudonym_for), so our own events, the register after
// erasure and the erased events all name the person the same way, and the key holder can
// find them with `audit query --actor pseudonym:...`. Creates the tenant's audit key when it
// has none yet, so call it in a read-write transaction.
std::string subject_pseudonym(Context& ctx, pqxx::transaction_base& tx, const Session& s);

// Runs `sql` with $1 = tenant id, $2 = subject key.
pqxx::result query_subject(pqxx::transaction_base& tx, const Session& s, const std::string& sql);

}  // namespace tenantctl::gdpr
