// A JWT kid is base64url and begins with '-' once in 64: such a word must reach the command
// as its positional value, not be taken for an option (issue 12, the CI flake).
#include <catch2/catch.hpp>

#include <optional>
#include <sstream>

#include "cli/app.hpp"
#include "cli/dash_words.hpp"
#include "cli/registry.hpp"

using namespace tenantctl;

namespace {
// Fixed kids: one that looks like -d (the global --database), one like -v -q flags, one
// like a long option.
const std::string kDashD = "-dQ3V2xk9J0mZ8n1p7rT4sW6yB5cA2eF8gH0iK3lM9o";
const std::string kDashV = "-vqZ3V2xk9J0mZ8n1p7rT4sW6yB5cA2eF8gH0iK3lM9";
const std::string kLong = "--V2xk9J0mZ8n1p7rT4sW6yB5cA2eF8gH0iK3lM9oQ3";

std::vector<bool> dashed(std::vector<std::string> args) {
    cli::Registry r;
    cli::declare_all(r);
    return cli::dash_positional_words(r, args);
}
}  // namespace

TEST_CASE("kids that begin with '-' are positional values, known options stay options", "[cli][registry]") {
    CHECK(dashed({"keys", "jwt", "activate", kDashD}) == std::vector<bool>{false, false, false, true});
    CHECK(dashed({"keys", "jwt", "activate", kDashV, "--force"}) == std::vector<bool>{false, false, false, true, false});
    CHECK(dashed({"keys", "jwt", "retire", kLong}) == std::vector<bool>{false, false, false, true});
    CHECK(dashed({"-o", "json", "keys", "jwt", "activate", "--force", kDashD, "-v"}) ==
          std::vector<bool>{false, false, false, false, false, false, true, false});
    // Option values are the options' business; the kid after them is still recognised.
    CHECK(dashed({"keys", "jwt", "activate", "-d", "postgres://x", kDashD}) ==
          std::vector<bool>{false, false, false, false, false, true});
    CHECK(dashed({"apikey", "revoke", "--tenant", "acme", "-k3j9x0ab"}) ==
          std::vector<bool>{false, false, false, false, true});
    // Known spellings keep working where a kid could stand.
    CHECK(dashed({"keys", "jwt", "activate", "-yq", "--output=json", "-ojson", "KID"}) ==
          std::vector<bool>{false, false, false, false, false, false, false});
    // Once the positional is filled, an unknown option is reported as such (not swallowed).
    CHECK(dashed({"keys", "jwt", "activate", "KID", "-x"}) == std::vector<bool>{false, false, false, false, false});
    // A near-miss of an option stays an unknown option (with its suggestion).
    CHECK(dashed({"tenant", "show", "--dryrun"}) == std::vector<bool>{false, false, false});
    CHECK(dashed({"keys", "jwt", "activate", "--forse"}) == std::vector<bool>{false, false, false, false});
    // Attached values that cannot be a kid still work: -d'host=...'.
    CHECK(dashed({"keys", "jwt", "activate", "-dhost=/tmp", "KID"}) == std::vector<bool>{false, false, false, false, false});
    // After `--` nothing is interpreted.
    CHECK(dashed({"keys", "jwt", "activate", "--", kDashD}) == std::vector<bool>{false, false, false, false, false});
}

TEST_CASE("a kid beginning with '-' parses through the whole CLI", "[cli][registry]") {
    // No server listens there: the command gets past parsing and fails to connect (exit 7),
    // where it used to stop with a usage error (exit 2).
    for (const auto& kid : {kDashD, kDashV, kLong}) {
        std::vector<const char*> argv{"tenantctl", "-d", "host=/nonexistent-tenantctl-test port=1", "keys", "jwt",
                                      "retire",    kid.c_str()};
        std::ostringstream out, err;
        std::istringstream in;
        INFO(kid);
        const int code = cli::run(static_cast<int>(argv.size()), argv.data(), out, err, in);
        INFO(err.str());
        CHECK(code == 7);
    }
}

TEST_CASE("dash values: the rules on a small command tree", "[cli][registry]") {
    struct Opts {
        std::string kid;
        bool force = false;
        std::optional<std::string> alg;
    };
    cli::Registry r;
    r.group("keys", "keys");
    r.command<Opts>("keys activate", "activate")
        .positional("KID", &Opts::kid, "kid")
        .flag("--force", &Opts::force, "force")
        .option("-a,--alg", &Opts::alg, "alg", "ALG")
        .choices({"RS256", "ES256"})
        .run([](Context&, const Opts&) { return Records{}; });
    auto d = [&](std::vector<std::string> args) { return cli::dash_positional_words(r, args); };
    using V = std::vector<bool>;
    CHECK(d({"keys", "activate", kDashD}) == V{false, false, true});                 // -d is --database
    CHECK(d({"keys", "activate", kDashV}) == V{false, false, true});                 // -v -q are flags
    CHECK(d({"keys", "activate", kLong}) == V{false, false, true});                  // --... unknown, no near miss
    CHECK(d({"keys", "activate", "--force", kDashD}) == V{false, false, false, true});
    CHECK(d({"keys", "activate", "-a", "RS256", kDashD}) == V{false, false, false, false, true});
    CHECK(d({"keys", "activate", "-aRS256", "-vq", "--alg=ES256", "K"}) == V{false, false, false, false, false, false});
    CHECK(d({"keys", "activate", "-aXYZ"}) == V{false, false, true});                // not a choice: a kid
    CHECK(d({"keys", "activate", "--forse"}) == V{false, false, false});             // typo stays an option
    CHECK(d({"keys", "activate", "K", "-zzzz"}) == V{false, false, false, false});   // positional already filled
    CHECK(d({"keys", "activate", "-x"}) == V{false, false, false});                  // two characters: an option
    CHECK(d({"keys", "activate", "--", kDashD}) == V{false, false, false, false});
    CHECK(d({"-d", "-weird-url", "keys", "activate", kDashD}) == V{false, false, false, false, true});
}
