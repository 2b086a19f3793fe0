#include "core/keys/rewrap.hpp"

#include <fmt/format.h>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/lock_check.hpp"
#include "core/crypto/envelope.hpp"
#include "core/crypto/jwk.hpp"
#include "core/crypto/master_key.hpp"
#include "core/errors.hpp"
#include "core/util/progress.hpp"
#include "core/keys/data_keys.hpp"
#include "core/keys/encrypted_tables.hpp"
#include "core/keys/master_key_check.hpp"
#include "core/keys/signing_keys.hpp"
#include "core/model/row_access.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/lookup.hpp"
#include "core/db/connection.hpp"
#include "core/util/strings.hpp"
#include "core/util/failpoint.hpp"

#include <algorithm>

namespace tenantctl::keys {

namespace {

// The key a value was wrapped by, chosen by its stored fingerprint.
const crypto::SecureBytes& kek_for(const std::string& kek_id, const crypto::MasterKey& current,
                                   const crypto::MasterKey& next, const std::string& what) {
    if (kek_id == current.id) return current.key;
    if (kek_id == next.id) return next.key;
    throw IntegrityError(fmt::format("{} is wrapped by master key {}, which is neither the configured one ({}) nor the "
                                     "new one ({})",
                                     what, kek_id, current.id, next.id),
                         "configure the master key this database was set up with (keys.master_key)");
}

crypto::SecureBytes unwrap_or_explain(const crypto::SecureBytes& kek, const std::string& wrapped, const std::string& aad,
                                      const std::string& what) {
    try {
        return crypto::unwrap(kek, wrapped, aad);
    } catch (const crypto::UnwrapFailed&) {
        throw IntegrityError(fmt::format("{} does not unwrap (corrupt value or wrong master key); nothing was changed",
                                         what));
    }
}

}  // namespace

Records rewrap(Context& ctx, const std::string& new_source) {
    platform::require_current(ctx);
    const crypto::MasterKey next = crypto::load_master_key(new_source);
    const crypto::MasterKey& current = ctx.master_key();
    auto lock = ctx.lock("keys:rewrap");
    pqxx::work tx(ctx.db());
    const std::string tenant_keys = ctx.platform_table("tenant_keys");
    const std::string signing_keys = ctx.platform_table("signing_keys");
    const std::string audit_keys = ctx.platform_table("audit_keys");
    // Every table holding material wrapped by the master key. Key creation (tenant create,
    // rotations, a tenant's first audit seal) waits until this commits, so no key can be
    // wrapped under the old master key behind our back.
    tx.exec(fmt::format("LOCK TABLE {}, {}, {} IN EXCLUSIVE MODE", tenant_keys, signing_keys, audit_keys));
    // Every stored key must be wrapped by the current master key (or already by the target, after
    // an interrupted switch-over): a third key means the configuration is wrong (exit 8).
    require_master_key_matches(ctx, tx, current, {next.id});

    struct Pending {
        std::string sql_key1;
        long long sql_key2 = 0;
        std::string wrapped;  // under the new key
    };
    std::vector<Pending> data, signing, audit;
    long long already = 0;

    for (const auto& r : tx.exec(fmt::format("SELECT tenant_id::text, version, wrapped_key, kek_id FROM {} "
                                             "WHERE wrapped_key IS NOT NULL ORDER BY tenant_id, version",
                                             tenant_keys))) {
        const std::string tenant = r[0].c_str();
        const int version = r[1].as<int>();
        const std::string what = fmt::format("data key version {} of tenant {}", version, tenant);
        const std::string aad = crypto::dek_aad(tenant, version);
        const std::string kek_id = r[3].c_str();
        auto plain = unwrap_or_explain(kek_for(kek_id, current, next, what), pqxx::binarystring(r[2]).str(), aad, what);
        crypto::FernetKey::from_base64url(plain.view());  // a well-formed Fernet key, not just authentic bytes
        if (kek_id == next.id) {
            ++already;
            continue;
        }
        data.push_back(Pending{tenant, version, crypto::wrap(next.key, plain.view(), aad)});
    }
    for (const auto& r : tx.exec(fmt::format("SELECT kid, alg, wrapped_private_key, kek_id FROM {} "
                                             "WHERE wrapped_private_key IS NOT NULL ORDER BY kid",
                                             signing_keys))) {
        const std::string kid = r[0].c_str();
        const std::string what = fmt::format("JWT signing key {}", kid);
        const std::string aad = crypto::jwk_aad(kid);
        const std::string kek_id = r[3].c_str();
        auto der = unwrap_or_explain(kek_for(kek_id, current, next, what), pqxx::binarystring(r[2]).str(), aad, what);
        auto key = crypto::PrivateKey::from_pkcs8_der(der.view(), crypto::parse_jwt_alg(r[1].c_str()));
        if (key.thumbprint() != kid) throw IntegrityError(fmt::format("{} holds a private key for another kid", what));
        if (kek_id == next.id) {
            ++already;
            continue;
        }
        signing.push_back(Pending{kid, 0, crypto::wrap(next.key, der.view(), aad)});
    }

    // The audit chain's per-tenant commitment keys (and the platform's, tenant id all zeros).
    for (const auto& r : tx.exec(fmt::format("SELECT tenant_id::text, wrapped_key, kek_id FROM {} ORDER BY tenant_id",
                                             audit_keys))) {
        const std::string tenant = r[0].c_str();
        const std::string what = fmt::format("audit key of tenant {}", tenant);
        const std::string aad = crypto::audit_key_aad(tenant);
        const std::string kek_id = r[2].c_str();
        auto key = unwrap_or_explain(kek_for(kek_id, current, next, what), pqxx::binarystring(r[1]).str(), aad, what);
        if (key.size() != 32) throw IntegrityError(fmt::format("{} is not a 32-byte key", what));
        if (kek_id == next.id) {
            ++already;
            continue;
        }
        audit.push_back(Pending{tenant, 0, crypto::wrap(next.key, key.view(), aad)});
    }

    Records out = Records::table({"kind", "rewrapped", "from_kek", "to_kek"});
    out.add({"data_keys", data.size(), current.id, next.id});
    out.add({"signing_keys", signing.size(), current.id, next.id});
    out.add({"audit_keys", audit.size(), current.id, next.id});
    if (ctx.dry_run()) return out;
    db::verify_held_locks();
    // One transaction: Ctrl-C rolls it all back, so there is nothing to stop between keys.
    util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "re-wrapping",
                                static_cast<long long>(data.size() + signing.size() + audit.size()), "keys");
    long long written = 0;
    for (const auto& p : data) {
        tx.exec_params(fmt::format("UPDATE {} SET wrapped_key = $3, kek_id = $4 WHERE tenant_id = $1::uuid AND version = $2",
                                   tenant_keys),
                       p.sql_key1, p.sql_key2, pqxx::binarystring(p.wrapped), next.id);
        progress.update(++written);
    }
    for (const auto& p : signing) {
        tx.exec_params(fmt::format("UPDATE {} SET wrapped_private_key = $2, kek_id = $3 WHERE kid = $1", signing_keys),
                       p.sql_key1, pqxx::binarystring(p.wrapped), next.id);
        progress.update(++written);
    }
    for (const auto& p : audit) {
        tx.exec_params(fmt::format("UPDATE {} SET wrapped_key = $2, kek_id = $3 WHERE tenant_id = $1::uuid", audit_keys),
                       p.sql_key1, pqxx::binarystring(p.wrapped), next.id);
        progress.update(++written);
    }
    audit::Event ev;
    ev.action = "keys.rewrap";
    ev.resource_type = "master_key";
    ev.resource_id = next.id;
    ev.metadata = {{"from_kek", current.id},
                   {"to_kek", next.id},
                   {"data_keys", data.size()},
                   {"signing_keys", signing.size()},
                   {"audit_keys", audit.size()},
                   {"already_rewrapped", already}};
    audit::append(ctx, tx, ev);
    util::failpoint("rewrap.before-commit");
    db::verify_held_locks();
    tx.commit();
    ctx.log().info(fmt::format("re-wrapped {} data key(s), {} signing key(s) and {} audit key(s) under master key "
                               "{}; point keys.master_key at the new key now",
                               data.size(), signing.size(), audit.size(), next.id));
    return out;
}

// --- verify --------------------------------------------------------------------------------

namespace {

// Decrypts (not just authenticates) a value under the ring; false if no key opens it.
bool decrypts(const KeyRing& ring, const std::string& token) {
    const int k = crypto::fernet_match(ring.ptrs, token);
    if (k < 0) return false;
    try {
        crypto::fernet_decrypt(*ring.ptrs[static_cast<std::size_t>(k)], token);
        return true;
    } catch (const crypto::InvalidToken&) {
        return false;
    }
}

}  // namespace

Records verify(Context& ctx, const VerifyOptions& o) {
    platform::require_current(ctx);
    if (o.all && o.sample > 0) throw UsageError("give at most one of --sample N and --all");
    if (o.sample < 0) throw UsageError("--sample must not be negative");
    pqxx::read_transaction tx(ctx.db());
    Records r = Records::table({"check", "subject", "status", "detail"});
    std::size_t failures = 0;
    auto fail = [&](std::string check, std::string subject, std::string detail) {
        ++failures;
        r.add({std::move(check), std::move(subject), "fail", std::move(detail)});
    };

    auto targets = o.tenant ? std::vector<tenants::TenantRef>{tenants::resolve(ctx, tx, *o.tenant)}
                            : tenants::list_live(ctx, tx);
    EncryptedTables sources(ctx);
    const bool check_values = o.all || o.sample > 0;
    for (const auto& t : targets) {
        auto rows = tx.exec_params(fmt::format("SELECT version, wrapped_key, kek_id, state FROM {} WHERE tenant_id = $1 "
                                               "AND wrapped_key IS NOT NULL ORDER BY version",
                                               ctx.platform_table("tenant_keys")),
                                   t.id);
        KeyRing ring;
        std::size_t good = 0;
        for (const auto& row : rows) {
            const int version = row[0].as<int>();
            const std::string subject = fmt::format("{}/v{}", t.slug, version);
            try {
                ring.keys.push_back(UnwrappedKey{version, row[3].c_str(),
                                                 unwrap_data_key(ctx, t.id, version, pqxx::binarystring(row[1]).str(),
                                                                 row[2].c_str())});
                ++good;
            } catch (const Error& e) {
                fail("data_key", subject, e.what());
            }
        }
        r.add({"data_key", t.slug, good == rows.size() ? "ok" : "fail",
               fmt::format("{} of {} wrapped key(s) unwrap", good, rows.size())});
        if (!check_values || ring.keys.empty()) continue;
        const auto& tables = sources.for_tenant(tx, t);
        if (tables.empty()) continue;
        model::require_unfiltered(tx, sources.model_for(tx, t));
        // Active first, then newest: the order values are tried in.
        std::stable_sort(ring.keys.begin(), ring.keys.end(), [](const auto& a, const auto& b) {
            return (a.state == "active") != (b.state == "active") ? a.state == "active" : a.version > b.version;
        });
        for (const auto& k : ring.keys) ring.ptrs.push_back(&k.key);

        model::enter_tenant(ctx, tx, t.tenancy_value);
        for (const auto& table : tables) {
            for (std::size_t c = 0; c < table.columns.size(); ++c) {
                long long checked = 0, bad = 0;
                std::string first_bad;
                auto check = [&](const std::optional<std::string>& v, const std::vector<std::string>& pk) {
                    if (!v) return;
                    ++checked;
                    if (!decrypts(ring, *v)) {
                        if (bad++ == 0) first_bad = format_pk(pk);
                    }
                };
                if (o.all) {
                    std::vector<std::string> after;
                    for (;;) {
                        auto batch = read_batch(tx, table, t.tenancy_value, after, 10000);
                        for (const auto& row : batch) check(row.values[c], row.key);
                        if (batch.size() < 10000) break;
                        after = batch.back().key;
                    }
                } else {
                    std::vector<std::string> key_text;
                    for (const auto& k : table.key) key_text.push_back("t." + db::quote_ident(k) + "::text");
                    const std::string col = "t." + db::quote_ident(table.columns[c]);
                    auto sample = tx.exec_params(
                        fmt::format("SELECT {}::text, {} FROM {} t WHERE {} AND {} IS NOT NULL ORDER BY random() LIMIT {}",
                                    col, util::join(key_text, ", "), table.sql_name, table.predicate, col, o.sample),
                        t.tenancy_value);
                    for (const auto& row : sample) {
                        std::vector<std::string> pk;
                        for (std::size_t i = 1; i < row.size(); ++i) pk.push_back(row[static_cast<int>(i)].c_str());
                        check(std::string(row[0].c_str(), row[0].size()), pk);
                    }
                }
                const std::string subject = fmt::format("{}:{}", t.slug, table.column_label(c));
                if (bad > 0)
                    fail("values", subject,
                         fmt::format("{} of {} value(s) do not decrypt (first: primary key {})", bad, checked, first_bad));
                else
                    r.add({"values", subject, "ok", fmt::format("{} value(s) decrypt", checked)});
            }
        }
    }
    // Audit commitment keys: without them `audit verify` cannot recompute a chain.
    {
        const auto& master = ctx.master_key();
        std::string sql = fmt::format("SELECT a.tenant_id::text, coalesce(t.slug, '(platform)'), a.wrapped_key, a.kek_id "
                                      "FROM {} a LEFT JOIN {} t ON t.id = a.tenant_id",
                                      ctx.platform_table("audit_keys"), ctx.platform_table("tenants"));
        auto rows = o.tenant ? tx.exec_params(sql + " WHERE a.tenant_id = $1::uuid", targets.front().id)
                             : tx.exec(sql + " ORDER BY 2");
        for (const auto& row : rows) {
            const std::string tenant_id = row[0].c_str(), subject = row[1].c_str();
            try {
                if (row[3].c_str() != master.id)
                    throw IntegrityError(fmt::format("wrapped by master key {}, configured is {}", row[3].c_str(), master.id));
                if (crypto::unwrap(master.key, pqxx::binarystring(row[2]).str(), crypto::audit_key_aad(tenant_id)).size() !=
                    32)
                    throw IntegrityError("not a 32-byte key");
                r.add({"audit_key", subject, "ok", "unwraps"});
            } catch (const Error& e) {
                fail("audit_key", subject, e.what());
            }
        }
    }
    for (auto& row : verify_signing_keys(ctx, tx)) {
        if (row[2] == "fail") ++failures;
        r.add(std::move(row));
    }
    if (failures > 0) {
        r.exit = Exit::integrity;
        r.failure = fmt::format("{} check(s) failed", failures);
    }
    return r;
}

}  // namespace tenantctl::keys
