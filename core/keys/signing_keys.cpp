#include "core/keys/signing_keys.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/crypto/envelope.hpp"
#include "core/errors.hpp"
#include "core/keys/master_key_check.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/duration.hpp"
#include "core/keys/sql_time.hpp"

namespace tenantctl::keys {

namespace {

// Retiring keys past their window leave the JWKS by query already; this records it.
void sweep(Context& ctx, pqxx::transaction_base& tx) {
    tx.exec_params(fmt::format("UPDATE {} SET state = 'retired', retired_at = $1::timestamptz "
                               "WHERE state = 'retiring' AND retire_after <= $1::timestamptz",
                               ctx.platform_table("signing_keys")),
                   now_param(ctx));
}

void audit_key(Context& ctx, pqxx::transaction_base& tx, const std::string& action, const std::string& kid, json meta) {
    audit::Event ev;
    ev.action = action;
    ev.resource_type = "signing_key";
    ev.resource_id = kid;
    ev.metadata = std::move(meta);
    audit::append(ctx, tx, ev);
}

std::string state_of(Context& ctx, pqxx::transaction_base& tx, const std::string& kid) {
    auto r = tx.exec_params(fmt::format("SELECT state FROM {} WHERE kid = $1 FOR UPDATE", ctx.platform_table("signing_keys")),
                            kid);
    if (r.empty())
        throw NotFound(fmt::format("unknown signing key '{}'", kid.substr(0, 64)),
                       "list keys with `tenantctl keys jwt list`");
    return r[0][0].c_str();
}

void lock_signing(pqxx::transaction_base& tx) {
    tx.exec("SELECT pg_advisory_xact_lock(hashtextextended('tenantctl:keys:jwt', 0))");
}

}  // namespace

std::vector<std::string> retire_expired_signing_keys(Context& ctx) {
    platform::require_current(ctx);
    pqxx::work tx(ctx.db());
    if (!ctx.dry_run()) lock_signing(tx);
    const std::string table = ctx.platform_table("signing_keys");
    const std::string due = "state = 'retiring' AND retire_after <= $1::timestamptz";
    auto rows = ctx.dry_run()
                    ? tx.exec_params(fmt::format("SELECT kid FROM {} WHERE {} ORDER BY retire_after, kid", table, due),
                                     now_param(ctx))
                    : tx.exec_params(fmt::format("UPDATE {} SET state = 'retired', retired_at = $1::timestamptz "
                                                 "WHERE {} RETURNING kid",
                                                 table, due),
                                     now_param(ctx));
    std::vector<std::string> kids;
    for (const auto& row : rows) kids.emplace_back(row[0].c_str());
    std::sort(kids.begin(), kids.end());
    if (ctx.dry_run()) return kids;
    for (const auto& kid : kids) audit_key(ctx, tx, "keys.jwt.retire", kid, {{"reason", "publication window ended"}});
    tx.commit();
    return kids;
}

Records jwt_rotate(Context& ctx, const std::optional<std::string>& alg_name) {
    platform::require_current(ctx);
    const auto alg = crypto::parse_jwt_alg(alg_name.value_or(std::string(config::to_string(ctx.config().keys.jwt_alg))));
    pqxx::work tx(ctx.db());
    lock_signing(tx);
    // Before anything is written (sweep retires keys): the new private key must be wrapped by
    // the master key the stored keys were made with (exit 8 otherwise).
    const auto& master = checked_master_key(ctx, tx);
    sweep(ctx, tx);
    const std::string table = ctx.platform_table("signing_keys");
    auto next = tx.exec(fmt::format("SELECT kid FROM {} WHERE state = 'next'", table));
    if (!next.empty())
        throw Refused(fmt::format("signing key {} is already waiting as next", next[0][0].c_str()),
                      fmt::format("activate it: tenantctl keys jwt activate {}", next[0][0].c_str()));
    // With no active key there is nothing to overlap with, so the first key signs at once.
    const bool first = tx.exec(fmt::format("SELECT 1 FROM {} WHERE state = 'active'", table)).empty();
    const std::string state = first ? "active" : "next";
    Records r = Records::table({"kid", "alg", "state"});
    if (ctx.dry_run()) {
        r.add({"(new)", std::string(crypto::jwt_alg_name(alg)), state});
        return r;
    }
    auto key = crypto::PrivateKey::generate(alg);
    const std::string kid = key.thumbprint();
    auto der = key.to_pkcs8_der();
    const std::string wrapped = crypto::wrap(master.key, der.view(), crypto::jwk_aad(kid));
    tx.exec_params(fmt::format("INSERT INTO {} (kid, alg, state, public_jwk, wrapped_private_key, kek_id, created_at, "
                               "activated_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::timestamptz, "
                               "CASE WHEN $3 = 'active' THEN $7::timestamptz END)",
                               table),
                   kid, std::string(crypto::jwt_alg_name(alg)), state, key.public_jwk().dump(),
                   pqxx::binarystring(wrapped), master.id, now_param(ctx));
    audit_key(ctx, tx, "keys.jwt.rotate", kid, {{"alg", crypto::jwt_alg_name(alg)}, {"state", state}});
    tx.commit();
    if (first)
        ctx.log().info(fmt::format("no signing key was active: {} is active now", kid));
    else
        ctx.log().info(fmt::format("{} is published as next; activate it once JWKS caches have refreshed "
                                   "(tenantctl keys jwt activate {})",
                                   kid, kid));
    r.add({kid, std::string(crypto::jwt_alg_name(alg)), state});
    return r;
}

Records jwt_activate(Context& ctx, const std::string& kid, bool force, bool retire_previous) {
    platform::require_current(ctx);
    pqxx::work tx(ctx.db());
    lock_signing(tx);
    sweep(ctx, tx);
    const std::string table = ctx.platform_table("signing_keys");
    const std::string state = state_of(ctx, tx, kid);
    if (state == "active") {
        ctx.log().info(fmt::format("{} is already active", kid));
        return Records::table({"kid", "state"}).add({kid, "active"});
    }
    if (state != "next")
        throw Refused(fmt::format("signing key {} is {}; only a next key can be activated", kid, state),
                      "create one with `tenantctl keys jwt rotate`");
    const long long published =
        tx.exec_params1(fmt::format("SELECT extract(epoch FROM ($2::timestamptz - created_at))::bigint FROM {} WHERE kid = $1",
                                    table),
                        kid, now_param(ctx))[0]
            .as<long long>();
    if (!force && published < kMinPublication.count())
        throw Refused(fmt::format("signing key {} has been published for {} s only; verifiers cache the JWKS for up "
                                  "to {} s and would reject its tokens",
                                  kid, published, kMinPublication.count()),
                      "wait, or pass --force (emergency rotation)");
    const auto& lifetime = ctx.config().keys.refresh_token_lifetime;
    Records r = Records::table({"kid", "state", "retire_after"});
    auto previous = tx.exec(fmt::format("SELECT kid FROM {} WHERE state = 'active'", table));
    std::string retire_after = util::format_rfc3339_micro(util::add(ctx.now(), lifetime));
    if (ctx.dry_run()) {
        r.add({kid, "would activate", nullptr});
        for (const auto& p : previous) r.add({p[0].c_str(), retire_previous ? "would retire" : "would retire after", retire_after});
        return r;
    }
    for (const auto& p : previous) {
        if (retire_previous)
            tx.exec_params(fmt::format("UPDATE {} SET state = 'retired', retiring_at = $2::timestamptz, "
                                       "retired_at = $2::timestamptz WHERE kid = $1",
                                       table),
                           p[0].c_str(), now_param(ctx));
        else
            tx.exec_params(fmt::format("UPDATE {} SET state = 'retiring', retiring_at = $2::timestamptz, "
                                       "retire_after = $3::timestamptz WHERE kid = $1",
                                       table),
                           p[0].c_str(), now_param(ctx), retire_after);
        r.add({p[0].c_str(), retire_previous ? "retired" : "retiring", retire_previous ? json(nullptr) : json(retire_after)});
    }
    tx.exec_params(fmt::format("UPDATE {} SET state = 'active', activated_at = $2::timestamptz WHERE kid = $1", table), kid,
                   now_param(ctx));
    audit_key(ctx, tx, "keys.jwt.activate", kid,
              {{"previous", previous.empty() ? json(nullptr) : json(previous[0][0].c_str())},
               {"forced", force},
               {"retire_previous", retire_previous}});
    tx.commit();
    r.rows.insert(r.rows.begin(), {kid, "active", nullptr});
    return r;
}

Records jwt_retire(Context& ctx, const std::string& kid) {
    platform::require_current(ctx);
    pqxx::work tx(ctx.db());
    lock_signing(tx);
    sweep(ctx, tx);
    const std::string state = state_of(ctx, tx, kid);
    if (state == "active")
        throw Refused(fmt::format("signing key {} is the active key", kid),
                      "rotate and activate another key first (tenantctl keys jwt rotate)");
    Records r = Records::table({"kid", "state"});
    if (state == "retired") {
        ctx.log().info(fmt::format("{} is already retired", kid));
        return r.add({kid, "retired"});
    }
    if (ctx.dry_run()) return r.add({kid, "would retire"});
    tx.exec_params(fmt::format("UPDATE {} SET state = 'retired', retired_at = $2::timestamptz WHERE kid = $1",
                               ctx.platform_table("signing_keys")),
                   kid, now_param(ctx));
    audit_key(ctx, tx, "keys.jwt.retire", kid, {{"previous_state", state}});
    tx.commit();
    return r.add({kid, "retired"});
}

Records jwt_list(Context& ctx) {
    platform::require_current(ctx);
    pqxx::read_transaction tx(ctx.db());
    auto rows = tx.exec_params(
        fmt::format("SELECT kid, alg, state, to_char(created_at AT TIME ZONE 'UTC', '{0}'), "
                    "to_char(activated_at AT TIME ZONE 'UTC', '{0}'), to_char(retire_after AT TIME ZONE 'UTC', '{0}'), "
                    "state IN ('next', 'active') OR (state = 'retiring' AND retire_after > $1::timestamptz) "
                    "FROM {1} ORDER BY created_at DESC, kid",
                    kTs, ctx.platform_table("signing_keys")),
        now_param(ctx));
    Records r = Records::table({"kid", "alg", "state", "created_at", "activated_at", "retire_after", "published"});
    auto text = [](const pqxx::field& f) { return f.is_null() ? json(nullptr) : json(f.c_str()); };
    for (const auto& row : rows)
        r.add({row[0].c_str(), row[1].c_str(), row[2].c_str(), text(row[3]), text(row[4]), text(row[5]), row[6].as<bool>()});
    return r;
}

json jwks_document(Context& ctx, pqxx::transaction_base& tx) {
    auto rows = tx.exec_params(fmt::format("SELECT public_jwk::text FROM {} WHERE state IN ('next', 'active') OR "
                                           "(state = 'retiring' AND retire_after > $1::timestamptz) "
                                           "ORDER BY CASE state WHEN 'active' THEN 0 WHEN 'next' THEN 1 ELSE 2 END, "
                                           "created_at DESC",
                                           ctx.platform_table("signing_keys")),
                               now_param(ctx));
    json keys = json::array();
    for (const auto& row : rows) keys.push_back(json::parse(row[0].c_str()));
    return {{"keys", keys}};
}

Records jwks(Context& ctx) {
    platform::require_current(ctx);
    pqxx::read_transaction tx(ctx.db());
    // Printed as the JSON document in every format: it is served as-is to verifiers.
    Records r = Records::raw(jwks_document(ctx, tx).dump(2) + "\n");
    return r;
}

crypto::PrivateKey load_active_signing_key(Context& ctx, pqxx::transaction_base& tx) {
    auto rows = tx.exec(fmt::format("SELECT kid, alg, wrapped_private_key, kek_id FROM {} WHERE state = 'active'",
                                    ctx.platform_table("signing_keys")));
    if (rows.empty()) throw NotFound("no active signing key", "create one with `tenantctl keys jwt rotate`");
    const auto& master = ctx.master_key();
    const std::string kid = rows[0][0].c_str();
    if (rows[0][3].c_str() != master.id)
        throw IntegrityError(fmt::format("signing key {} was wrapped by master key {}, but the configured one is {}", kid,
                                         rows[0][3].c_str(), master.id));
    auto der = crypto::unwrap(master.key, pqxx::binarystring(rows[0][2]).str(), crypto::jwk_aad(kid));
    return crypto::PrivateKey::from_pkcs8_der(der.view(), crypto::parse_jwt_alg(rows[0][1].c_str()));
}

std::vector<std::vector<json>> verify_signing_keys(Context& ctx, pqxx::transaction_base& tx) {
    std::vector<std::vector<json>> out;
    const auto& master = ctx.master_key();
    auto rows = tx.exec(fmt::format("SELECT kid, alg, wrapped_private_key, kek_id, public_jwk::text FROM {} "
                                    "WHERE state <> 'retired' AND wrapped_private_key IS NOT NULL ORDER BY kid",
                                    ctx.platform_table("signing_keys")));
    for (const auto& row : rows) {
        const std::string kid = row[0].c_str();
        try {
            if (row[3].c_str() != master.id)
                throw IntegrityError(fmt::format("wrapped by master key {}, configured is {}", row[3].c_str(), master.id));
            auto der = crypto::unwrap(master.key, pqxx::binarystring(row[2]).str(), crypto::jwk_aad(kid));
            auto key = crypto::PrivateKey::from_pkcs8_der(der.view(), crypto::parse_jwt_alg(row[1].c_str()));
            if (key.thumbprint() != kid || crypto::jwk_thumbprint(json::parse(row[4].c_str())) != kid)
                throw IntegrityError("the private or published key does not match the kid");
            out.push_back({"signing_key", kid, "ok", "unwraps and matches its kid"});
        } catch (const Error& e) {
            out.push_back({"signing_key", kid, "fail", e.what()});
        }
    }
    return out;
}

}  // namespace tenantctl::keys
