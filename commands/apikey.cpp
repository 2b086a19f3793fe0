// tenantctl apikey create|list|revoke|rotate
#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/keys/api_keys.hpp"

namespace tenantctl::commands {

namespace {

struct CreateOpts {
    std::string tenant;
    std::string name;
    std::vector<std::string> scopes;
    std::optional<std::string> expires;
};
struct ApikeyListOpts {
    std::string tenant;
    bool all = false;
};
struct KeyOpts {
    std::string key;
    std::string tenant;
    std::string overlap = "24h";
};

}  // namespace

void declare_apikey(cli::Registry& r) {
    r.command<CreateOpts>("apikey create", "Issue an API key for a tenant (the plaintext is shown once)")
        .option("--tenant", &CreateOpts::tenant, "the tenant", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .option("--name", &CreateOpts::name, "what the key is for", "NAME")
        .required()
        .option("--scope", &CreateOpts::scopes, "a permission (repeatable)", "SCOPE")
        .required()
        .option("--expires", &CreateOpts::expires, "a duration from now (90d) or a time (RFC 3339)", "WHEN")
        .mutating()
        .description("Only the SHA-256 of the key and its prefix are stored. Print it with -o json to capture it in "
                     "a script; it cannot be shown again.")
        .example("tenantctl apikey create --tenant acme --name ci --scope read:invoices --expires 90d")
        .run([](Context& ctx, const CreateOpts& o) {
            return keys::apikey_create(ctx, keys::ApiKeyCreate{o.tenant, o.name, o.scopes, o.expires});
        });

    r.command<ApikeyListOpts>("apikey list", "List a tenant's API keys (never the keys themselves)")
        .option("--tenant", &ApikeyListOpts::tenant, "the tenant", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .flag("--all", &ApikeyListOpts::all, "include revoked and expired keys")
        .example("tenantctl apikey list --tenant acme")
        .run([](Context& ctx, const ApikeyListOpts& o) { return keys::apikey_list(ctx, o.tenant, o.all); });

    r.command<KeyOpts>("apikey revoke", "Revoke an API key at once")
        .positional("KEY", &KeyOpts::key, "the key's prefix or id")
        .complete(cli::Completer::api_key)
        .option("--tenant", &KeyOpts::tenant, "the tenant", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .mutating()
        .example("tenantctl apikey revoke --tenant acme k3j9x0ab")
        .run([](Context& ctx, const KeyOpts& o) { return keys::apikey_revoke(ctx, o.tenant, o.key); });

    r.command<KeyOpts>("apikey rotate", "Issue a replacement key; the old one keeps working for an overlap")
        .positional("KEY", &KeyOpts::key, "the key's prefix or id")
        .complete(cli::Completer::api_key)
        .option("--tenant", &KeyOpts::tenant, "the tenant", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .option("--overlap", &KeyOpts::overlap, "how long the old key stays valid (default 24h)", "DURATION")
        .mutating()
        .example("tenantctl apikey rotate --tenant acme k3j9x0ab --overlap 7d")
        .run([](Context& ctx, const KeyOpts& o) { return keys::apikey_rotate(ctx, o.tenant, o.key, o.overlap); });
}

}  // namespace tenantctl::commands
