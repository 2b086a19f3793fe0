#include "core/audit/pseudonymize.hpp"

#include <fmt/format.h>

#include "core/audit/chain.hpp"
#include "core/audit/chain_hash.hpp"
#include "core/context.hpp"

namespace tenantctl::audit {

namespace {

// pseudonyms || {"<field>": "<hex>"}
std::string record(const std::string& field, const std::string& param) {
    return fmt::format("pseudonyms = coalesce(pseudonyms, '{{}}'::jsonb) || jsonb_build_object('{}', {}::text)", field,
                       param);
}

}  // namespace

std::string pseudonym_for(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                          const std::string& value) {
    Committer c(tenant_audit_key(ctx, tx, tenant_id, true));
    return pseudonym_text(c.commit(value));
}

PseudonymizeResult pseudonymize_subject(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                        const std::vector<std::string>& identifiers) {
    PseudonymizeResult result;
    if (identifiers.empty()) return result;
    Committer c(tenant_audit_key(ctx, tx, tenant_id, true));
    const std::string log = ctx.platform_table("audit_log");
    for (const auto& value : identifiers) {
        const Digest d = c.commit(value);
        const std::string pseudonym = pseudonym_text(d), hex = digest_hex(d);
        result.actor_fields += tx.exec_params(fmt::format("UPDATE {} SET actor_id = $3, {} "
                                                          "WHERE tenant_id = $1::uuid AND actor_id = $2",
                                                          log, record("actor_id", "$4")),
                                              tenant_id, value, pseudonym, hex)
                                   .affected_rows();
        result.resource_fields += tx.exec_params(fmt::format("UPDATE {} SET resource_id = $3, {} "
                                                             "WHERE tenant_id = $1::uuid AND resource_id = $2",
                                                             log, record("resource_id", "$4")),
                                                 tenant_id, value, pseudonym, hex)
                                      .affected_rows();
        // The network identity of the subject's own actions is theirs too.
        for (const auto& r : tx.exec_params(fmt::format("SELECT DISTINCT ip::text FROM {} WHERE tenant_id = $1::uuid "
                                                        "AND actor_id = $2 AND ip IS NOT NULL",
                                                        log),
                                            tenant_id, pseudonym)) {
            const std::string ip = r[0].c_str();
            result.network_fields +=
                tx.exec_params(fmt::format("UPDATE {} SET ip = NULL, {} WHERE tenant_id = $1::uuid AND actor_id = $2 "
                                           "AND ip::text = $3",
                                           log, record("ip", "$4")),
                               tenant_id, pseudonym, ip, digest_hex(c.commit(ip)))
                    .affected_rows();
        }
        for (const auto& r : tx.exec_params(fmt::format("SELECT DISTINCT user_agent FROM {} WHERE tenant_id = $1::uuid "
                                                        "AND actor_id = $2 AND user_agent IS NOT NULL "
                                                        "AND user_agent NOT LIKE 'pseudonym:%'",
                                                        log),
                                            tenant_id, pseudonym)) {
            const std::string ua = r[0].c_str();
            const Digest ud = c.commit(ua);
            result.network_fields +=
                tx.exec_params(fmt::format("UPDATE {} SET user_agent = $4, {} WHERE tenant_id = $1::uuid "
                                           "AND actor_id = $2 AND user_agent = $3",
                                           log, record("user_agent", "$5")),
                               tenant_id, pseudonym, ua, pseudonym_text(ud), digest_hex(ud))
                    .affected_rows();
        }
        // Metadata that mentions the identifier anywhere is removed as a whole.
        for (const auto& r : tx.exec_params(
                 fmt::format("SELECT id, occurred_at::text, metadata::text FROM {} WHERE tenant_id = $1::uuid AND "
                             "jsonb_path_exists(metadata, '$.** ? (@ == $v)', jsonb_build_object('v', $2::text))",
                             log),
                 tenant_id, value)) {
            result.metadata_fields +=
                tx.exec_params(fmt::format("UPDATE {} SET metadata = '{{}}'::jsonb, {} WHERE tenant_id = $1::uuid "
                                           "AND id = $2 AND occurred_at = $3::timestamptz",
                                           log, record("metadata", "$4")),
                               tenant_id, r[0].as<std::int64_t>(), r[1].c_str(), digest_hex(c.commit(r[2].c_str())))
                    .affected_rows();
        }
    }
    return result;
}

}  // namespace tenantctl::audit
