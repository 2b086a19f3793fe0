// What export and erase both start from: the tenant, the model of its data, the validated data
// map, and the one subject the selector names. The caller's transaction is checked to be
// unfiltered by row-level security (model::require_unfiltered, exit 5) and then enters the
// tenant (model::enter_tenant: row_security off, the tenancy setting), so a policy can make a
// command fail but never hide a row from it; every query also applies the tenant predicate.
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

// Order of failure: bad selector (2), unknown tenant (4), bad data map (2), RLS would filter
// (5), unknown selector column (2), no subject (4), several subjects (5).
Session open_session(Context& ctx, pqxx::transaction_base& tx, const std::string& slug, const std::string& selector);

// The subject's pseudonym: the one the audit module puts in place of the subject key when it
// pseudonymizes the audit log (audit::pseudonym_for), so our own events, the register after
// erasure and the erased events all name the person the same way, and the key holder can
// find them with `audit query --actor pseudonym:...`. Creates the tenant's audit key when it
// has none yet, so call it in a read-write transaction.
std::string subject_pseudonym(Context& ctx, pqxx::transaction_base& tx, const Session& s);

// Runs `sql` with $1 = the tenant's tenancy value, $2 = subject key.
pqxx::result query_subject(pqxx::transaction_base& tx, const Session& s, const std::string& sql);

// The register's name for the subject a selector names ("key:<id>"): `gdpr requests add`
// never stores an e-mail address as typed.
std::string canonical_subject(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& tenant,
                              const std::string& selector);

}  // namespace tenantctl::gdpr
