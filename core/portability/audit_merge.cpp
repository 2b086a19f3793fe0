#include "core/portability/audit_merge.hpp"

#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "core/audit/chain.hpp"
#include "core/context.hpp"
#include "core/crypto/envelope.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/portability/compare.hpp"
#include "core/portability/pipe.hpp"
#include "core/portability/platform_copy.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

// The source's events, staged there for the merge; tenantctl_fresh marks those not there yet.
constexpr std::string_view kIncoming = "pg_temp.tenantctl_incoming_events";
// The events there before the merge.
constexpr std::string_view kPresent = "pg_temp.tenantctl_present_events";

// The tenant's audit key there, which seals the chain there: the one it had there, else the
// source's, copied. (The two differ when neither side had sealed the tenant's events before it
// left: each made its own. The events coming back are sealed there under the key there, like
// every other event there.)
crypto::SecureBytes audit_key_there(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                                    const std::string& tenant_id, const crypto::MasterKey& from,
                                    const crypto::MasterKey& to, const std::string& where) {
    const auto there = dst.exec_params(fmt::format("SELECT wrapped_key, kek_id FROM {} WHERE tenant_id = $1::uuid",
                                                   ctx.platform_table("audit_keys")),
                                       tenant_id);
    if (there.empty()) return copy_audit_key(ctx, src, dst, tenant_id, from, to);
    if (there[0][1].c_str() != to.id)
        throw IntegrityError(fmt::format("the tenant's audit key {} was wrapped by master key {}, not by the one given "
                                         "for it ({})",
                                         where, there[0][1].c_str(), to.id));
    return crypto::unwrap(to.key, pqxx::binarystring(there[0][0]).str(), crypto::audit_key_aad(tenant_id));
}

}  // namespace

long long merge_audit_trail(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                            const std::string& tenant_id, const crypto::MasterKey& from, const crypto::MasterKey& to,
                            const std::string& where, json& record) {
    const auto key = audit_key_there(ctx, src, dst, tenant_id, from, to, where);
    const std::string log = ctx.platform_table("audit_log");
    const std::string chain = ctx.platform_table("audit_chain");
    const std::string seals = ctx.platform_table("audit_seals");
    const auto columns = table_columns(src, log);
    std::vector<std::string> quoted, mismatch;
    for (const auto& c : columns) {
        quoted.push_back(db::quote_ident(c));
        mismatch.push_back(fmt::format("a.{0} IS DISTINCT FROM i.{0}", db::quote_ident(c)));
    }
    const std::string list = util::join(quoted, ", ");
    const std::string same_event = "a.occurred_at = i.occurred_at AND a.id = i.id";
    const std::string of_tenant = fmt::format("tenant_id = {}::uuid", dst.quote(tenant_id));

    // Both trails side by side in two temporary tables there: the source's, streamed, and the
    // one there. Every comparison is then between local tables (on Citus the log is
    // distributed, and a correlated subquery across the two cannot be planned).
    dst.exec0(fmt::format("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP", kIncoming.substr(8), log));
    dst.exec0(fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WHERE {}", kPresent.substr(8), list,
                          log, of_tenant));
    RowChecksum sent;
    pipe_rows(src, fmt::format("(SELECT {} FROM {} WHERE tenant_id = {}::uuid)", list, log, src.quote(tenant_id)), dst,
              fmt::format("{} ({})", kIncoming, list), &sent);
    dst.exec0(fmt::format("ALTER TABLE {} ADD COLUMN tenantctl_fresh boolean", kIncoming));
    const auto differing =
        dst.exec1(fmt::format("SELECT count(*) FROM {} i JOIN {} a ON {} WHERE {}", kIncoming, kPresent, same_event,
                              util::join(mismatch, " OR ")))[0]
            .as<long long>();
    if (differing > 0)
        throw IntegrityError(fmt::format("{} audit event{} of the tenant differ{} between here and {}: the two trails "
                                         "disagree about its past, and nothing was copied",
                                         differing, differing == 1 ? "" : "s", differing == 1 ? "s" : "", where),
                             "run `tenantctl audit verify` on both sides");
    dst.exec0(fmt::format("UPDATE {} i SET tenantctl_fresh = NOT EXISTS (SELECT 1 FROM {} a WHERE {})", kIncoming,
                          kPresent, same_event));
    // The earliest event coming back, in chain order (occurred_at, then id descending).
    const auto earliest = dst.exec(fmt::format("SELECT occurred_at::text, id FROM {} WHERE tenantctl_fresh "
                                               "ORDER BY occurred_at, id DESC LIMIT 1",
                                               kIncoming));
    if (!earliest.empty()) {
        const std::string at = earliest[0][0].c_str();
        const auto id = earliest[0][1].as<std::int64_t>();
        const std::string after_it = "(occurred_at > $2::timestamptz OR (occurred_at = $2::timestamptz AND event_id < $3))";
        // An event coming back that is older than where the chain there was pruned cannot be
        // sealed there (its place in the chain is gone).
        const auto before_prune =
            dst.exec_params1(fmt::format("SELECT count(*) FROM {} WHERE tenant_id = $1::uuid AND kind = 'prune' AND "
                                         "occurred_at IS NOT NULL AND NOT {}",
                                         seals, after_it),
                             tenant_id, at, id)[0]
                .as<long long>();
        if (before_prune > 0)
            throw Refused(fmt::format("the audit log {} was pruned past events of the tenant that would come back: "
                                      "nothing was copied",
                                      where));
        // From the first chain row after it on, the chain there is sealed again.
        const auto cut = dst.exec_params1(
            fmt::format("SELECT min(seq) FROM {} WHERE tenant_id = $1::uuid AND {}", chain, after_it), tenant_id, at, id)[0];
        if (!cut.is_null()) {
            const auto from_seq = cut.as<std::int64_t>();
            if (key.empty()) throw IntegrityError(fmt::format("the tenant's audit chain {} has no audit key", where));
            if (auto problem = audit::verify_chain_from(ctx, dst, tenant_id, from_seq, key))
                throw IntegrityError(fmt::format("the tenant's audit chain {} does not verify from row {} on: {}; "
                                                 "bringing events back would seal over it, and nothing was copied",
                                                 where, from_seq, *problem),
                                     "run `tenantctl audit verify` there");
            const auto head = dst.exec_params1(fmt::format("SELECT seq, encode(hash, 'hex') FROM {} WHERE tenant_id = "
                                                           "$1::uuid ORDER BY seq DESC LIMIT 1",
                                                           chain),
                                               tenant_id);
            record = json{{"from_seq", from_seq}, {"old_head_seq", head[0].as<std::int64_t>()}, {"old_head", head[1].c_str()}};
            dst.exec_params0(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid AND seq >= $2", chain), tenant_id,
                             from_seq);
            dst.exec_params0(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid AND seq >= $2 AND kind = 'seal'", seals),
                             tenant_id, from_seq);
        }
    }
    const auto added = static_cast<long long>(
        dst.exec0(fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM {2} WHERE tenantctl_fresh", log, list, kIncoming))
            .affected_rows());
    // Proof, in fingerprints that add up: the staged events are what was sent, and the trail
    // there is what it held before plus the new ones, value for value.
    const std::string all = "t.tenant_id = $1::uuid";
    const auto staged = fingerprint_where(dst, std::string(kIncoming), columns, all, tenant_id);
    const auto fresh = fingerprint_where(dst, std::string(kIncoming), columns, all + " AND t.tenantctl_fresh", tenant_id);
    const auto before = fingerprint_where(dst, std::string(kPresent), columns, all, tenant_id);
    const auto now = fingerprint_where(dst, log, columns, all, tenant_id);
    if (staged != sent.result() || now != combined(before, fresh) || added != fresh.rows)
        throw IntegrityError(fmt::format("{} {} does not hold the source's audit events after the copy ({} rows; {} "
                                         "before, {} added): nothing was committed",
                                         log, where, now.rows, before.rows, fresh.rows));
    return added;
}

}  // namespace tenantctl::portability
