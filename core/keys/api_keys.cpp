#include "core/keys/api_keys.hpp"

#include <fmt/format.h>

#include <regex>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/crypto/api_key.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/moving.hpp"
#include "core/util/duration.hpp"
#include "core/util/strings.hpp"
#include "core/keys/sql_time.hpp"

namespace tenantctl::keys {

namespace {

std::optional<std::string> expiry(Context& ctx, const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    TimePoint at;
    try {
        at = util::add(ctx.now(), util::parse_duration(*text));
    } catch (const UsageError&) {
        at = util::parse_time(*text, ctx.now());
    }
    if (at <= ctx.now()) throw UsageError(fmt::format("--expires {} is in the past", util::in_quotes(*text)));
    return util::format_rfc3339_micro(at);
}

void check_scopes(const std::vector<std::string>& scopes) {
    static const std::regex valid("[A-Za-z0-9][A-Za-z0-9:._*/-]{0,99}");
    if (scopes.empty()) throw UsageError("give at least one --scope", "e.g. --scope read:invoices");
    for (const auto& s : scopes)
        if (!std::regex_match(s, valid))
            throw UsageError(fmt::format("invalid scope {}: letters, digits and : . _ * / - only", util::in_quotes(s)));
}

struct KeyRow {
    std::string id, prefix, name;
    std::vector<std::string> scopes;
    std::optional<std::string> expires_at;
    bool revoked = false, expired = false;
};

// A key of the tenant by prefix or id; NotFound otherwise.
KeyRow find_key(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& t, const std::string& key) {
    auto rows = tx.exec_params(
        fmt::format("SELECT id::text, prefix, name, array_to_json(scopes)::text, "
                    "to_char(expires_at AT TIME ZONE 'UTC', '{}'), revoked_at IS NOT NULL, "
                    "coalesce(expires_at <= $3::timestamptz, false) "
                    "FROM {} WHERE tenant_id = $1 AND (prefix = $2 OR id::text = lower($2)) FOR UPDATE",
                    kTs, ctx.platform_table("api_keys")),
        t.id, key, now_param(ctx));
    if (rows.empty())
        throw NotFound(fmt::format("tenant '{}' has no API key {}", t.slug, util::in_quotes(key, 40)),
                       fmt::format("list them with `tenantctl apikey list --tenant {}`", t.slug));
    const auto& r = rows[0];
    KeyRow k{r[0].c_str(), r[1].c_str(), r[2].c_str(), {}, std::nullopt, r[5].as<bool>(), r[6].as<bool>()};
    for (const auto& s : json::parse(r[3].c_str())) k.scopes.push_back(s.get<std::string>());
    if (!r[4].is_null()) k.expires_at = r[4].c_str();
    return k;
}

std::string pg_array(const std::vector<std::string>& items) {
    // Passed as a text parameter and cast to text[]: each element double-quoted and escaped.
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

struct Issued {
    std::string id, prefix, plaintext;
};

Issued insert_key(Context& ctx, pqxx::transaction_base& tx, const tenants::TenantRef& t, const std::string& name,
                  const std::vector<std::string>& scopes, const std::optional<std::string>& expires_at) {
    // Two keys of a tenant share a prefix with odds of 1 in 36^8; draw again rather than fail.
    for (int attempt = 0; attempt < 5; ++attempt) {
        crypto::NewApiKey key = crypto::generate_api_key();
        auto rows = tx.exec_params(fmt::format("INSERT INTO {} (tenant_id, prefix, key_hash, name, scopes, created_at, "
                                               "expires_at) VALUES ($1, $2, $3, $4, $5::text[], $6::timestamptz, "
                                               "$7::timestamptz) ON CONFLICT (tenant_id, prefix) DO NOTHING "
                                               "RETURNING id::text",
                                               ctx.platform_table("api_keys")),
                                   t.id, key.prefix, key.hash_hex, name, pg_array(scopes), now_param(ctx), expires_at);
        if (!rows.empty()) return Issued{rows[0][0].c_str(), key.prefix, key.plaintext};
    }
    throw Error(Exit::runtime, "could not draw an unused API key prefix");
}

}  // namespace

Records apikey_create(Context& ctx, const ApiKeyCreate& o) {
    platform::require_current(ctx);
    if (util::trim(o.name).empty()) throw UsageError("--name must not be empty");
    check_scopes(o.scopes);
    auto expires_at = expiry(ctx, o.expires);
    pqxx::work tx(ctx.db());
    auto t = tenants::resolve(ctx, tx, o.tenant);
    if (t.status != "active")
        throw Refused(fmt::format("tenant '{}' is {}", t.slug, t.status), "API keys are issued to active tenants only");
    Records r = Records::table({"id", "prefix", "name", "scopes", "expires_at", "key"});
    if (ctx.dry_run()) return r.add({nullptr, nullptr, o.name, o.scopes, expires_at ? json(*expires_at) : json(nullptr), nullptr});
    auto issued = insert_key(ctx, tx, t, o.name, o.scopes, expires_at);
    audit::Event ev;
    ev.tenant_id = t.id;
    ev.action = "apikey.create";
    ev.resource_type = "api_key";
    ev.resource_id = issued.id;
    ev.metadata = {{"prefix", issued.prefix}, {"name", o.name}, {"scopes", o.scopes},
                   {"expires_at", expires_at ? json(*expires_at) : json(nullptr)}};
    audit::append(ctx, tx, ev);
    tx.commit();
    ctx.log().warn("the key is shown only this once: store it now");
    return r.add({issued.id, issued.prefix, o.name, o.scopes, expires_at ? json(*expires_at) : json(nullptr), issued.plaintext});
}

Records apikey_list(Context& ctx, const std::string& tenant, bool all) {
    platform::require_current(ctx);
    pqxx::read_transaction tx(ctx.db());
    auto t = tenants::resolve(ctx, tx, tenant);
    auto rows = tx.exec_params(
        fmt::format("SELECT id::text, prefix, name, array_to_json(scopes)::text, "
                    "to_char(created_at AT TIME ZONE 'UTC', '{0}'), to_char(expires_at AT TIME ZONE 'UTC', '{0}'), "
                    "to_char(revoked_at AT TIME ZONE 'UTC', '{0}'), "
                    "CASE WHEN revoked_at IS NOT NULL THEN 'revoked' "
                    "     WHEN expires_at <= $2::timestamptz THEN 'expired' ELSE 'active' END AS status "
                    "FROM {1} WHERE tenant_id = $1 ORDER BY created_at, prefix",
                    kTs, ctx.platform_table("api_keys")),
        t.id, now_param(ctx));
    Records r = Records::table({"id", "prefix", "name", "scopes", "created_at", "expires_at", "revoked_at", "status"});
    auto text = [](const pqxx::field& f) { return f.is_null() ? json(nullptr) : json(f.c_str()); };
    for (const auto& row : rows) {
        if (!all && std::string(row[7].c_str()) != "active") continue;
        r.add({row[0].c_str(), row[1].c_str(), row[2].c_str(), json::parse(row[3].c_str()), text(row[4]), text(row[5]),
               text(row[6]), row[7].c_str()});
    }
    return r;
}

Records apikey_revoke(Context& ctx, const std::string& tenant, const std::string& key) {
    platform::require_current(ctx);
    pqxx::work tx(ctx.db());
    auto t = tenants::resolve(ctx, tx, tenant);
    // A revocation is never refused while a move is under way (a leaked key must stop working
    // now), but the copy may already hold the key: say so. Once moved, the keys that count
    // are the destination's.
    if (t.status == "moved") tenants::require_not_moving(t, "revoke an API key");
    if (t.status == "moving")
        ctx.log().warn(fmt::format("tenant '{}' is moving to another database: revoke this key there too once the move "
                                   "has finished, in case its copy already holds it",
                                   t.slug));
    auto k = find_key(ctx, tx, t, key);
    Records r = Records::table({"id", "prefix", "status"});
    if (k.revoked) {
        ctx.log().info(fmt::format("API key {} is already revoked", k.prefix));
        return r.add({k.id, k.prefix, "revoked"});
    }
    if (ctx.dry_run()) return r.add({k.id, k.prefix, "would revoke"});
    ctx.confirm(fmt::format("revoke API key {} of tenant '{}'? Clients using it are refused at once", k.prefix, t.slug));
    tx.exec_params(fmt::format("UPDATE {} SET revoked_at = $3::timestamptz WHERE tenant_id = $1 AND id = $2::uuid",
                               ctx.platform_table("api_keys")),
                   t.id, k.id, now_param(ctx));
    audit::Event ev;
    ev.tenant_id = t.id;
    ev.action = "apikey.revoke";
    ev.resource_type = "api_key";
    ev.resource_id = k.id;
    ev.metadata = {{"prefix", k.prefix}, {"name", k.name}};
    audit::append(ctx, tx, ev);
    tx.commit();
    return r.add({k.id, k.prefix, "revoked"});
}

Records apikey_rotate(Context& ctx, const std::string& tenant, const std::string& key, const std::string& overlap_text) {
    platform::require_current(ctx);
    const auto overlap = util::parse_duration(overlap_text);
    pqxx::work tx(ctx.db());
    auto t = tenants::resolve(ctx, tx, tenant);
    tenants::require_not_moving(t, "rotate an API key");  // the new key would stay behind
    auto old = find_key(ctx, tx, t, key);
    if (old.revoked || old.expired)
        throw Refused(fmt::format("API key {} is {}", old.prefix, old.revoked ? "revoked" : "expired"),
                      "create a new key with `tenantctl apikey create`");
    const std::string old_expiry = util::format_rfc3339_micro(util::add(ctx.now(), overlap));
    Records r = Records::table({"id", "prefix", "name", "scopes", "expires_at", "key", "replaces", "old_expires_at"});
    if (ctx.dry_run())
        return r.add({nullptr, nullptr, old.name, old.scopes, old.expires_at ? json(*old.expires_at) : json(nullptr), nullptr,
                      old.prefix, old_expiry});
    std::optional<std::string> new_expiry;
    if (old.expires_at) new_expiry = *old.expires_at;
    auto issued = insert_key(ctx, tx, t, old.name, old.scopes, new_expiry);
    // The old key keeps working for the overlap, never longer than it would have anyway.
    // Copied out: the row (and the result holding the text) dies at the end of the statement.
    // Formatted by a second query: Citus refuses to_char (not IMMUTABLE) in the RETURNING
    // clause of an UPDATE of a distributed table.
    const std::string expires_at = tx.exec_params1(
        fmt::format("UPDATE {} SET expires_at = least(coalesce(expires_at, 'infinity'), $3::timestamptz), "
                    "replaced_by = $4::uuid WHERE tenant_id = $1 AND id = $2::uuid RETURNING expires_at",
                    ctx.platform_table("api_keys")),
        t.id, old.id, old_expiry, issued.id)[0]
                                       .as<std::string>();
    const std::string effective =
        tx.exec_params1(fmt::format("SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', '{}')", kTs), expires_at)[0]
            .as<std::string>();
    audit::Event ev;
    ev.tenant_id = t.id;
    ev.action = "apikey.rotate";
    ev.resource_type = "api_key";
    ev.resource_id = issued.id;
    ev.metadata = {{"prefix", issued.prefix}, {"replaces", old.id}, {"replaces_prefix", old.prefix},
                   {"old_expires_at", effective}};
    audit::append(ctx, tx, ev);
    tx.commit();
    ctx.log().warn("the new key is shown only this once: store it now");
    return r.add({issued.id, issued.prefix, old.name, old.scopes, new_expiry ? json(*new_expiry) : json(nullptr),
                  issued.plaintext, old.prefix, effective});
}

}  // namespace tenantctl::keys
