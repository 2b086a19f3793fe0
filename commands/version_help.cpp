// tenantctl version | help [COMMAND...]
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/db/connection.hpp"
#include "core/platform/migrations.hpp"
#include "core/version.hpp"

namespace tenantctl::commands {

namespace {

struct VersionOptions {
    bool client_only = false;
};

struct HelpOptions {
    std::vector<std::string> words;
};

std::string server_version_text(int number) {
    // server_version_num: 150004 is 15.4 (10 and later have two parts).
    return fmt::format("{}.{}", number / 10000, number % 10000);
}

// The client always; the server and the platform schema when the database answers. An
// unreachable database is a warning, not a failure: `version` is what one runs to find out
// what is wrong.
Records run_version(Context& ctx, const VersionOptions& o) {
    json doc{{"client", {{"version", version()}, {"commit", git_commit()}}},
             {"server", nullptr},
             {"platform_schema", {{"installed", nullptr}, {"supported", platform::latest_version()}}}};
    std::string text = fmt::format("Client: tenantctl {} (commit {})\n", version(), git_commit());
    if (!o.client_only) {
        try {
            auto& connection = ctx.db();
            const std::string target = db::describe_target(ctx.conninfo().conninfo);
            doc["server"] = {{"version", server_version_text(connection.server_version())}, {"target", target}};
            pqxx::read_transaction tx(connection);
            const auto installed = platform::installed_version(tx, ctx.schema());
            if (installed.version > 0) doc["platform_schema"]["installed"] = installed.version;
            text += fmt::format("Server: PostgreSQL {} ({})\n", doc["server"]["version"].get<std::string>(), target);
            text += installed.version > 0
                        ? fmt::format("Platform schema: {} (this client installs up to {})\n", installed.version,
                                      platform::latest_version())
                        : fmt::format("Platform schema: not installed (run `tenantctl init`)\n");
        } catch (const Error& e) {
            ctx.log().warn(fmt::format("server: {}", e.what()));
        } catch (const pqxx::failure& e) {
            ctx.log().warn(fmt::format("server: {}", e.what()));
        }
    }
    Records r = Records::doc(doc);
    r.text = text;
    return r;
}

}  // namespace

void declare_version_help(cli::Registry& r) {
    r.command<VersionOptions>("version", "Print the client's version, and the server's and the platform schema's")
        .flag("--client", &VersionOptions::client_only, "only the client; do not connect")
        .description("The server version and the installed platform schema version are shown when the database "
                     "answers; when it does not, a warning says why and the exit code is still 0. `--version` "
                     "prints the client line only.")
        .example("tenantctl version")
        .example("tenantctl version -o json | jq -r .server.version")
        .run(run_version);
    // Reaches cli::run as `COMMAND... --help` (rewritten before parsing); declared here so
    // help, man pages and completion know it.
    r.command<HelpOptions>("help", "Show the help of a command: tenantctl help tenant purge")
        .positional("COMMAND", &HelpOptions::words, "the command's words")
        .example("tenantctl help")
        .example("tenantctl help audit query")
        .run([](Context&, const HelpOptions&) -> Records {
            throw Error(Exit::runtime, "help is answered by the command-line parser");
        });
}

}  // namespace tenantctl::commands
