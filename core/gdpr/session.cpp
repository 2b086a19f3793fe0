#include "core/gdpr/session.hpp"

#include "core/audit/pseudonymize.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/platform/migrations.hpp"

namespace tenantctl::gdpr {

Session open_session(Context& ctx, pqxx::transaction_base& tx, const std::string& slug, const std::string& selector) {
    auto sel = parse_selector(selector);
    Session s{tenants::resolve(ctx, tx, slug), {}, {}};
    s.map = load_data_map(ctx, tx);
    db::set_tenant_local(tx, ctx.config().tenancy.setting, s.tenant.id);
    s.subject = resolve_subject(tx, s.map, ctx.config().data.subjects->lookup, s.tenant.id, sel);
    return s;
}

std::string subject_pseudonym(Context& ctx, pqxx::transaction_base& tx, const Session& s) {
    return audit::pseudonym_for(ctx, tx, s.tenant.id, s.subject.key);
}

pqxx::result query_subject(pqxx::transaction_base& tx, const Session& s, const std::string& sql) {
    return tx.exec_params(sql, s.tenant.id, s.subject.key);
}

}  // namespace tenantctl::gdpr
