#include "core/gdpr/session.hpp"

#include "core/errors.hpp"

#include "core/audit/pseudonymize.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/model/row_access.hpp"
#include "core/platform/migrations.hpp"

namespace tenantctl::gdpr {

namespace {

Subject find_subject(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& tenant, const DataMap& map,
                     const Selector& sel) {
    model::require_unfiltered(tx, *map.model);
    model::enter_tenant(ctx, tx, tenant.tenancy_value);
    return resolve_subject(tx, map, ctx.config().data.subjects->lookup, tenant.tenancy_value, sel);
}

}  // namespace

Session open_session(Context& ctx, pqxx::transaction_base& tx, const std::string& slug, const std::string& selector) {
    auto sel = parse_selector(selector);
    Session s{tenants::resolve(ctx, tx, slug), {}, {}};
    s.map = load_data_map(ctx, tx, s.tenant);
    s.subject = find_subject(ctx, tx, s.tenant, s.map, sel);
    return s;
}

std::string canonical_subject(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& tenant,
                              const std::string& selector) {
    auto sel = parse_selector(selector);
    if (sel.column == "key") return "key:" + sel.value;
    // Without a data map there is no subject table to look the person up in: a reference such
    // as id:KEY is kept as given, but an e-mail address is never stored.
    if (!ctx.config().data.subjects) {
        if (sel.column == "email")
            throw UsageError("--subject: an e-mail address needs data.subjects in the config to be resolved to a key",
                             "pass id:KEY, or configure the data map");
        return selector;
    }
    auto map = load_data_map(ctx, tx, tenant);
    return find_subject(ctx, tx, tenant, map, sel).canonical();
}

std::string subject_pseudonym(Context& ctx, pqxx::transaction_base& tx, const Session& s) {
    return audit::pseudonym_for(ctx, tx, s.tenant.id, s.subject.key);
}

pqxx::result query_subject(pqxx::transaction_base& tx, const Session& s, const std::string& sql) {
    return tx.exec_params(sql, s.tenant.tenancy_value, s.subject.key);
}

}  // namespace tenantctl::gdpr
