// tenantctl completion bash|zsh|fish, and the hidden generators used by the build and the
// completion scripts themselves.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "cli/docs.hpp"
#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/db/connection.hpp"

namespace tenantctl::commands {

namespace {

struct CompletionOptions {
    std::string shell;
};

struct GenOptions {
    std::string what;
    std::string dir;
};

struct CompleteOptions {
    std::string what;
};

void write_text(const std::filesystem::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw Error(Exit::runtime, "cannot write " + path.string());
}

// Candidates for dynamic completion; silent and empty on any error, so a shell never shows
// a database error while the operator presses TAB.
Records complete_values(Context& ctx, const CompleteOptions& o) {
    std::string out;
    try {
        setenv("PGCONNECT_TIMEOUT", "2", 0);
        pqxx::read_transaction tx(ctx.db());
        pqxx::result rows;
        if (o.what == "tenants")
            rows = tx.exec(fmt::format("SELECT slug FROM {} WHERE status <> 'purged' ORDER BY slug",
                                       ctx.platform_table("tenants")));
        else if (o.what == "jwt-kids")
            rows = tx.exec(fmt::format("SELECT kid FROM {} ORDER BY created_at", ctx.platform_table("signing_keys")));
        for (const auto& row : rows) out += row[0].as<std::string>() + "\n";
    } catch (...) {
        out.clear();
    }
    return Records::raw(out);
}

}  // namespace

void declare_completion(cli::Registry& r) {
    r.command<CompletionOptions>("completion", "Print the completion script for bash, zsh or fish")
        .positional("SHELL", &CompletionOptions::shell, "bash, zsh or fish")
        .choices({"bash", "zsh", "fish"})
        .description("Completes commands, options, option values and, from the database, tenant slugs.")
        .example("source <(tenantctl completion bash)")
        .example("tenantctl completion zsh > \"${fpath[1]}/_tenantctl\"")
        .example("tenantctl completion fish > ~/.config/fish/completions/tenantctl.fish")
        .run([&r](Context&, const CompletionOptions& o) { return Records::raw(cli::completion_script(r, o.shell)); });

    r.command<GenOptions>("__gen", "Write generated man pages or completion scripts into a directory")
        .positional("WHAT", &GenOptions::what, "man or completions")
        .choices({"man", "completions"})
        .positional("DIR", &GenOptions::dir, "output directory")
        .hidden()
        .run([&r](Context&, const GenOptions& o) {
            std::filesystem::create_directories(o.dir);
            if (o.what == "man") {
                for (const auto& [name, content] : cli::generate_man_pages(r)) write_text(o.dir + "/" + name, content);
            } else {
                for (std::string shell : {"bash", "zsh", "fish"})
                    write_text(o.dir + "/" + cli::completion_file_name(shell), cli::completion_script(r, shell));
            }
            return Records{};
        });

    r.command<CompleteOptions>("__complete", "Print completion candidates from the database")
        .positional("WHAT", &CompleteOptions::what, "tenants or jwt-kids")
        .hidden()
        .run(complete_values);
}

}  // namespace tenantctl::commands
