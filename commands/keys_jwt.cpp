// tenantctl keys jwt rotate|list|activate|retire and keys jwks (JWT signing keys).
#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/keys/signing_keys.hpp"

namespace tenantctl::commands {

namespace {

struct JwtRotateOpts {
    std::optional<std::string> alg;
};
struct NoOpts {};
struct ActivateOpts {
    std::string kid;
    bool force = false;
    bool retire_previous = false;
};
struct KidOpts {
    std::string kid;
};

}  // namespace

void declare_keys_jwt(cli::Registry& r) {
    r.command<JwtRotateOpts>("keys jwt rotate", "Create the next JWT signing key (published, not yet signing)")
        .option("--alg", &JwtRotateOpts::alg, "RS256 (default: keys.jwt_alg) or ES256", "ALG")
        .choices({"RS256", "ES256"})
        .mutating()
        .description("The new key is published in the JWKS at once but signs nothing until `keys jwt activate`, so "
                     "verifiers' JWKS caches learn it first. When no key is active yet, the new key is activated "
                     "directly. Refuses (exit 5) while another next key is waiting.")
        .example("tenantctl keys jwt rotate")
        .example("tenantctl keys jwt rotate --alg ES256")
        .run([](Context& ctx, const JwtRotateOpts& o) { return keys::jwt_rotate(ctx, o.alg); });

    r.command<NoOpts>("keys jwt list", "List JWT signing keys with their states")
        .example("tenantctl keys jwt list")
        .run([](Context& ctx, const NoOpts&) { return keys::jwt_list(ctx); });

    r.command<ActivateOpts>("keys jwt activate", "Make the next key the signing key; the old one starts retiring")
        .positional("KID", &ActivateOpts::kid, "the next key's kid")
        .complete(cli::Completer::jwt_kid)
        .flag("--force", &ActivateOpts::force, "activate even if the key was published less than 5 minutes ago")
        .flag("--retire-previous", &ActivateOpts::retire_previous,
              "drop the previous key from the JWKS at once (leaked key: its tokens stop verifying)")
        .mutating()
        .description("The previous active key becomes retiring and stays in the JWKS for keys.refresh_token_lifetime "
                     "(default 7d). Emergency rotation of a leaked key: `keys jwt rotate`, then `keys jwt activate "
                     "KID --force --retire-previous`, then revoke refresh-token families in the application.")
        .example("tenantctl keys jwt activate 3V2x...")
        .run([](Context& ctx, const ActivateOpts& o) {
            return keys::jwt_activate(ctx, o.kid, o.force, o.retire_previous);
        });

    r.command<KidOpts>("keys jwt retire", "Retire a next or retiring signing key now (drops it from the JWKS)")
        .positional("KID", &KidOpts::kid, "the key's kid")
        .complete(cli::Completer::jwt_kid)
        .mutating()
        .description("Refuses (exit 5) for the active key.")
        .example("tenantctl keys jwt retire 3V2x...")
        .run([](Context& ctx, const KidOpts& o) { return keys::jwt_retire(ctx, o.kid); });

    r.command<NoOpts>("keys jwks", "Print the JWKS: next, active and retiring public keys")
        .description("Always JSON, whatever -o says: serve it as /.well-known/jwks.json.")
        .example("tenantctl keys jwks > /srv/www/.well-known/jwks.json")
        .run([](Context& ctx, const NoOpts&) { return keys::jwks(ctx); });
}

}  // namespace tenantctl::commands
