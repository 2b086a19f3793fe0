#include "core/keys/data_keys.hpp"

#include <fmt/format.h>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/lock_check.hpp"
#include "core/crypto/envelope.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/keys/encrypted_tables.hpp"
#include "core/model/row_access.hpp"
#include "core/keys/master_key_check.hpp"
#include "core/keys/usage.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/model.hpp"
#include "core/tenants/moving.hpp"
#include "core/util/duration.hpp"
#include "core/keys/sql_time.hpp"

namespace tenantctl::keys {

namespace {

// The same per-tenant lock create_data_key takes: key-state changes of one tenant serialise.
void lock_tenant_keys(pqxx::transaction_base& tx, const std::string& tenant_id) {
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('tenantctl:keys:' || $1, 0))", tenant_id);
}

struct VersionRow {
    std::string state;
    bool has_key = false;
};

VersionRow find_version(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& t, int version) {
    auto rows = tx.exec_params(fmt::format("SELECT state, wrapped_key IS NOT NULL FROM {} "
                                           "WHERE tenant_id = $1 AND version = $2 FOR UPDATE",
                                           ctx.platform_table("tenant_keys")),
                               t.id, version);
    if (rows.empty())
        throw NotFound(fmt::format("tenant '{}' has no key version {}", t.slug, version),
                       fmt::format("list versions with `tenantctl keys status --tenant {}`", t.slug));
    return VersionRow{rows[0][0].as<std::string>(), rows[0][1].as<bool>()};
}

}  // namespace

int create_data_key(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    // The master key checked against the stored keys' (exit 8 on a mismatch, before anything
    // is written: the caller's transaction rolls back).
    const auto& master = checked_master_key(ctx, tx);
    const std::string table = ctx.platform_table("tenant_keys");
    // Serialise key creation per tenant: two rotations at once would race for the version.
    lock_tenant_keys(tx, tenant_id);
    int version = tx.exec_params1(fmt::format("SELECT coalesce(max(version), 0) + 1 FROM {} WHERE tenant_id = $1", table),
                                  tenant_id)[0]
                      .as<int>();
    auto key = crypto::FernetKey::generate();
    auto plain = key.to_base64url_secure();
    std::string wrapped = crypto::wrap(master.key, plain.view(), crypto::dek_aad(tenant_id, version));
    tx.exec_params(fmt::format("UPDATE {} SET state = 'decrypt_only', demoted_at = now() "
                               "WHERE tenant_id = $1 AND state = 'active'",
                               table),
                   tenant_id);
    tx.exec_params(fmt::format("INSERT INTO {} (tenant_id, version, state, wrapped_key, kek_id, activated_at) "
                               "VALUES ($1, $2, 'active', $3, $4, now())",
                               table),
                   tenant_id, version, pqxx::binarystring(wrapped), master.id);
    return version;
}

crypto::FernetKey unwrap_data_key(Context& ctx, const std::string& tenant_id, int version, const std::string& wrapped,
                                  const std::string& kek_id) {
    const auto& master = ctx.master_key();
    if (kek_id != master.id)
        throw IntegrityError(
            fmt::format("data key version {} was wrapped by master key {}, but the configured master key is {}",
                        version, kek_id, master.id),
            "configure the master key this database was set up with (keys.master_key)");
    auto plain = crypto::unwrap(master.key, wrapped, crypto::dek_aad(tenant_id, version));
    return crypto::FernetKey::from_base64url(plain.view());
}

namespace {

std::vector<UnwrappedKey> load_keys_in_states(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                                              const char* states_sql) {
    auto rows = tx.exec_params(fmt::format("SELECT version, state, wrapped_key, kek_id FROM {} "
                                           "WHERE tenant_id = $1 AND state IN ({}) AND wrapped_key IS NOT NULL "
                                           "ORDER BY (state = 'active') DESC, version DESC",
                                           ctx.platform_table("tenant_keys"), states_sql),
                               tenant_id);
    std::vector<UnwrappedKey> out;
    for (const auto& r : rows) {
        pqxx::binarystring wrapped(r[2]);
        out.push_back(UnwrappedKey{r[0].as<int>(), r[1].as<std::string>(),
                                   unwrap_data_key(ctx, tenant_id, r[0].as<int>(), wrapped.str(),
                                                   r[3].as<std::string>())});
    }
    return out;
}

}  // namespace

std::vector<UnwrappedKey> load_usable_keys(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    auto keys = load_keys_in_states(ctx, tx, tenant_id, "'active', 'decrypt_only'");
    std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.version > b.version; });
    return keys;
}

KeyRing load_keyring(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id, bool with_retired) {
    KeyRing ring;
    ring.keys = load_keys_in_states(ctx, tx, tenant_id,
                                    with_retired ? "'active', 'decrypt_only', 'retired'" : "'active', 'decrypt_only'");
    if (ring.keys.empty() || ring.keys.front().state != "active")
        throw Refused("tenant has no active data key", "create one with `tenantctl keys rotate --tenant SLUG`");
    for (const auto& k : ring.keys) ring.ptrs.push_back(&k.key);
    return ring;
}

std::vector<KeyVersion> list_versions(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    auto rows = tx.exec_params(
        fmt::format("SELECT version, state, kek_id, "
                    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                    "floor(extract(epoch FROM ($2::timestamptz - created_at)) / 86400)::bigint, "
                    "wrapped_key IS NOT NULL FROM {} WHERE tenant_id = $1 ORDER BY version DESC",
                    ctx.platform_table("tenant_keys")),
        tenant_id, now_param(ctx));
    std::vector<KeyVersion> out;
    for (const auto& r : rows)
        out.push_back(KeyVersion{r[0].as<int>(), r[1].as<std::string>(), r[2].as<std::string>(),
                                 r[3].as<std::string>(), r[4].as<long long>(), r[5].as<bool>()});
    return out;
}

// --- rotate --------------------------------------------------------------------------------

std::vector<tenants::TenantRef> target_tenants(Context& ctx, const std::optional<std::string>& slug, bool all) {
    if (slug.has_value() == all) throw UsageError("give exactly one of --tenant SLUG or --all");
    pqxx::read_transaction tx(ctx.db());
    if (all) {
        auto live = tenants::list_live(ctx, tx);
        std::erase_if(live, [](const tenants::TenantRef& t) { return tenants::is_moving_or_moved(t); });
        return live;
    }
    auto t = tenants::resolve(ctx, tx, *slug);
    tenants::require_not_moving(t, "change the data keys");
    return {t};
}

Records rotate(Context& ctx, const RotateOptions& o) {
    platform::require_current(ctx);
    auto targets = target_tenants(ctx, o.tenant, o.all);
    Records r = Records::table({"tenant", "previous_version", "new_version", "status"});
    std::size_t failed = 0;
    std::string first_error;
    for (const auto& t : targets) {
        try {
            // The tenant's lock: parallel rotations of one tenant would each add a version
            // (the second run waits up to --lock-timeout, then exits 6).
            auto lock = ctx.dry_run() ? nullptr : ctx.lock(tenants::lock_name(t.slug));
            pqxx::work tx(ctx.db());
            // The configured master key must be the one every stored key was made with, before
            // a key wrapped by it is written.
            (void)checked_master_key(ctx, tx);
            auto current = load_usable_keys(ctx, tx, t.id);
            std::optional<int> previous;
            for (const auto& k : current)
                if (k.state == "active") previous = k.version;
            if (ctx.dry_run()) {
                int next = tx.exec_params1(fmt::format("SELECT coalesce(max(version), 0) + 1 FROM {} WHERE tenant_id = $1",
                                                       ctx.platform_table("tenant_keys")),
                                           t.id)[0]
                               .as<int>();
                r.add({t.slug, previous ? json(*previous) : json(nullptr), next, "planned"});
                continue;
            }
            int version = create_data_key(ctx, tx, t.id);
            audit::Event ev;
            ev.tenant_id = t.id;
            ev.action = "keys.rotate";
            ev.resource_type = "tenant_key";
            ev.resource_id = fmt::format("{}/{}", t.slug, version);
            ev.metadata = {{"version", version}, {"previous_version", previous ? json(*previous) : json(nullptr)},
                           {"kek_id", ctx.master_key().id}};
            audit::append(ctx, tx, ev);
            db::verify_held_locks();
            tx.commit();
            r.add({t.slug, previous ? json(*previous) : json(nullptr), version, "rotated"});
        } catch (const Error& e) {
            if (!o.all) throw;
            ++failed;
            if (first_error.empty()) first_error = fmt::format("{}: {}", t.slug, e.what());
            ctx.log().error(fmt::format("rotating the key of tenant '{}' failed: {}", t.slug, e.what()));
            r.add({t.slug, nullptr, nullptr, std::string("failed: ") + e.what()});
        } catch (const pqxx::failure&) {
            if (!o.all) db::rethrow_translated("rotating the data key of tenant '" + t.slug + "'");
            ++failed;
            ctx.reset_db();
            r.add({t.slug, nullptr, nullptr, "failed: database error"});
        }
    }
    if (failed > 0) {
        r.exit = Exit::partial;
        r.failure = fmt::format("{} of {} tenant(s) failed (first: {})", failed, targets.size(), first_error);
    }
    return r;
}

// --- status --------------------------------------------------------------------------------

Records status(Context& ctx, const StatusOptions& o) {
    platform::require_current(ctx);
    pqxx::read_transaction tx(ctx.db());
    std::vector<tenants::TenantRef> targets =
        o.tenant ? std::vector<tenants::TenantRef>{tenants::resolve(ctx, tx, *o.tenant)} : tenants::list_live(ctx, tx);
    EncryptedTables tables(ctx);
    Records r = Records::table({"tenant", "version", "state", "created_at", "age_days", "values", "by_column"});
    long long undecryptable_total = 0;
    for (const auto& t : targets) {
        auto versions = list_versions(ctx, tx, t.id);
        std::optional<TenantUsage> usage;
        // A purged tenant has destroyed keys and no data: nothing to count.
        if (o.usage && !versions.empty() && t.status != "purged") {
            auto ring = load_keyring(ctx, tx, t.id, true);
            model::require_unfiltered(tx, tables.model_for(tx, t));
            usage = count_usage(ctx, tx, t.tenancy_value, tables.for_tenant(tx, t), ring);
        }
        for (const auto& v : versions) {
            json values = usage ? json(usage->values_for(v.version)) : json(nullptr);
            json by = usage ? usage->by_column(v.version) : json(nullptr);
            r.add({t.slug, v.version, v.state, v.created_at, v.age_days, values, by});
        }
        if (usage && usage->undecryptable() > 0) {
            undecryptable_total += usage->undecryptable();
            json by = json::object();
            for (const auto& [label, c] : usage->columns)
                if (c.undecryptable > 0) by[label] = c.undecryptable;
            r.add({t.slug, nullptr, "undecryptable", nullptr, nullptr, usage->undecryptable(), by});
        }
    }
    if (undecryptable_total > 0) {
        r.exit = Exit::integrity;
        r.failure = fmt::format("{} encrypted value(s) match no key of their tenant", undecryptable_total);
    }
    return r;
}

// --- retire / destroy --------------------------------------------------------------------

namespace {

// What retire and destroy start from: the tenant, its keys locked for this transaction, and
// the row of the version to change.
struct VersionChange {
    tenants::TenantRef tenant;
    VersionRow row;
};

VersionChange begin_version_change(Context& ctx, pqxx::work& tx, const std::string& tenant_slug, int version) {
    auto t = tenants::resolve(ctx, tx, tenant_slug);
    // A move copies the keys: a version retired or destroyed here meanwhile would differ there.
    tenants::require_not_moving(t, "change the data keys");
    lock_tenant_keys(tx, t.id);
    auto row = find_version(ctx, tx, t, version);
    return {std::move(t), std::move(row)};
}

// How many encrypted values of the tenant still use `version`. Counting decrypts, so it also
// proves the master key: a wrong one fails here (exit 8), before anything changes.
long long values_using(Context& ctx, pqxx::work& tx, const tenants::TenantRef& tenant, int version, bool with_retired) {
    auto ring = load_keyring(ctx, tx, tenant.id, with_retired);
    // A value hidden by a policy would let a key in use be retired or destroyed.
    EncryptedTables tables(ctx);
    model::require_unfiltered(tx, tables.model_for(tx, tenant));
    auto usage = count_usage(ctx, tx, tenant.tenancy_value, tables.for_tenant(tx, tenant), ring);
    return usage.values_for(version);
}

// Moves the version to its new state (`assignments`: the SET list) and records the change,
// in the caller's transaction.
void apply_version_change(Context& ctx, pqxx::work& tx, const tenants::TenantRef& t, int version,
                          std::string_view assignments, std::string action, json metadata) {
    tx.exec_params(fmt::format("UPDATE {} SET {} WHERE tenant_id = $1 AND version = $2",
                               ctx.platform_table("tenant_keys"), assignments),
                   t.id, version);
    audit::Event ev;
    ev.tenant_id = t.id;
    ev.action = std::move(action);
    ev.resource_type = "tenant_key";
    ev.resource_id = fmt::format("{}/{}", t.slug, version);
    ev.metadata = std::move(metadata);
    audit::append(ctx, tx, ev);
}

}  // namespace

Records retire(Context& ctx, const std::string& tenant_slug, int version) {
    platform::require_current(ctx);
    pqxx::work tx(ctx.db());
    auto [t, row] = begin_version_change(ctx, tx, tenant_slug, version);
    Records r = Records::table({"tenant", "version", "state", "values"});
    if (row.state == "active")
        throw Refused(fmt::format("version {} is the active key of tenant '{}'", version, t.slug),
                      "rotate first (`tenantctl keys rotate --tenant " + t.slug + " --reencrypt`), then retire");
    if (row.state == "retired" || row.state == "destroyed") {
        r.add({t.slug, version, row.state, nullptr});
        ctx.log().info(fmt::format("version {} of tenant '{}' is already {}", version, t.slug, row.state));
        return r;
    }
    const long long used = values_using(ctx, tx, t, version, false);
    if (used > 0)
        throw Refused(fmt::format("{} encrypted value(s) of tenant '{}' still use key version {}", used, t.slug, version),
                      "re-encrypt them first: tenantctl keys reencrypt --tenant " + t.slug);
    if (ctx.dry_run()) {
        r.add({t.slug, version, "would retire", 0});
        return r;
    }
    apply_version_change(ctx, tx, t, version, "state = 'retired', retired_at = now()", "keys.retire",
                         {{"version", version}});
    tx.commit();
    r.add({t.slug, version, "retired", 0});
    return r;
}

Records destroy(Context& ctx, const std::string& tenant_slug, int version, bool force) {
    platform::require_current(ctx);
    pqxx::work tx(ctx.db());
    auto [t, row] = begin_version_change(ctx, tx, tenant_slug, version);
    Records r = Records::table({"tenant", "version", "state", "values"});
    if (row.state == "active")
        throw Refused(fmt::format("version {} is the active key of tenant '{}'", version, t.slug),
                      "rotate and re-encrypt first; the active key cannot be destroyed");
    if (row.state == "destroyed") {
        r.add({t.slug, version, "destroyed", nullptr});
        ctx.log().info(fmt::format("version {} of tenant '{}' is already destroyed", version, t.slug));
        return r;
    }
    const long long used = values_using(ctx, tx, t, version, true);
    if (used > 0 && !force)
        throw Refused(fmt::format("{} encrypted value(s) of tenant '{}' still use key version {}", used, t.slug, version),
                      "re-encrypt them first, or pass --force to make them unreadable for good (crypto-shredding)");
    if (ctx.dry_run()) {
        r.add({t.slug, version, "would destroy", used});
        return r;
    }
    ctx.confirm(fmt::format("Destroy key version {} of tenant '{}'? {} value(s) encrypted with it become unreadable "
                            "forever",
                            version, t.slug, used));
    apply_version_change(ctx, tx, t, version, "state = 'destroyed', wrapped_key = NULL, destroyed_at = now()",
                         "keys.destroy", {{"version", version}, {"previous_state", row.state}, {"values_shredded", used}});
    tx.commit();
    r.add({t.slug, version, "destroyed", used});
    return r;
}

}  // namespace tenantctl::keys
