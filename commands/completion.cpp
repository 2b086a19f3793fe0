// tenantctl completion bash|zsh|fish, and the hidden generators used by the build and the
// completion scripts themselves.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/docs.hpp"
#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/db/connection.hpp"
#include "core/doctor/doctor.hpp"

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
    std::string tenant;  // narrows api-keys and gdpr-requests to one tenant
};

void write_text(const std::filesystem::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw Error(Exit::runtime, "cannot write " + path.string());
}

// One "word<TAB>description" line. A word with a control character cannot be offered (a tab
// or newline would split it), so it is left out; a description's are blanked.
void add_candidate(std::string& out, const std::string& word, std::string description) {
    const auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
    if (word.empty() || std::any_of(word.begin(), word.end(), control)) return;
    std::replace_if(description.begin(), description.end(), control, ' ');
    out += word;
    if (!description.empty()) out += "\t" + description;
    out += "\n";
}

std::string context_candidates(Context& ctx) {
    std::string out;
    const auto& config = ctx.config();
    for (const auto& [name, context] : config.contexts) {
        std::string description = db::describe_target(context.database);
        if (config.current_context == name) description += " (current)";
        add_candidate(out, name, description);
    }
    return out;
}

std::string doctor_check_candidates() {
    std::string out;
    add_candidate(out, "connection", "the server answers, with a supported version");
    for (const auto& c : doctor::checks()) add_candidate(out, c.name, c.summary);
    return out;
}

// Completion runs on every TAB: it never asks for a password (the prompt would land in the
// middle of the command line) and gives up quickly on a server that does not answer.
void connect_for_completion(Context& ctx) {
    setenv("PGCONNECT_TIMEOUT", "2", 1);
    db::ConnInfo info = ctx.conninfo();
    info.password = nullptr;
    ctx.set_conninfo(std::move(info));
}

// The first column is the word, the second its description.
std::string rows_as_candidates(const pqxx::result& rows) {
    std::string out;
    for (const auto& row : rows) add_candidate(out, row[0].c_str(), row[1].is_null() ? "" : row[1].c_str());
    return out;
}

std::string database_candidates(Context& ctx, const CompleteOptions& o) {
    connect_for_completion(ctx);
    pqxx::read_transaction tx(ctx.db());
    tx.exec0("SET LOCAL statement_timeout = '2s'");
    const std::string tenants = ctx.platform_table("tenants");
    if (o.what == "tenants")
        return rows_as_candidates(tx.exec(fmt::format(
            "SELECT slug, concat_ws(' ', name, CASE WHEN status <> 'active' THEN '(' || status || ')' END) "
            "FROM {} WHERE status <> 'purged' ORDER BY slug",
            tenants)));
    if (o.what == "jwt-kids")
        return rows_as_candidates(tx.exec(fmt::format(
            "SELECT kid, state || ' ' || alg FROM {} WHERE state <> 'retired' ORDER BY created_at",
            ctx.platform_table("signing_keys"))));
    // Prefixes are unique per tenant only: the description names the tenant.
    if (o.what == "api-keys")
        return rows_as_candidates(tx.exec_params(
            fmt::format("SELECT k.prefix, t.slug || ': ' || k.name FROM {} k JOIN {} t ON t.id = k.tenant_id "
                        "WHERE k.revoked_at IS NULL AND ($1 = '' OR t.slug = $1) ORDER BY t.slug, k.prefix",
                        ctx.platform_table("api_keys"), tenants),
            o.tenant));
    if (o.what == "gdpr-requests")
        return rows_as_candidates(tx.exec_params(
            fmt::format("SELECT r.id::text, concat_ws(' ', t.slug, r.kind, r.status, "
                        "'due ' || to_char(r.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')) "
                        "FROM {} r JOIN {} t ON t.id = r.tenant_id WHERE ($1 = '' OR t.slug = $1) "
                        "ORDER BY r.received_at DESC LIMIT 500",
                        ctx.platform_table("gdpr_requests"), tenants),
            o.tenant));
    return {};
}

// Candidates for `tenantctl __complete KIND`; silent and empty on any error (no database,
// no platform schema, an unknown context), so TAB never shows a database error.
Records complete_values(Context& ctx, const CompleteOptions& o) {
    std::string out;
    try {
        if (o.what == "contexts")
            out = context_candidates(ctx);
        else if (o.what == "doctor-checks")
            out = doctor_check_candidates();
        else
            out = database_candidates(ctx, o);
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
        .description("Completes commands, options and option values, with descriptions in zsh and fish. Tenant "
                     "slugs, JWT kids, API-key prefixes and GDPR request ids come from the database that the "
                     "-d/--database, --context or -c/--config already on the line select (else the usual "
                     "TENANTCTL_DATABASE_URL, config and PG* variables); context names come from the config "
                     "file. A database that does not answer within 2 seconds offers nothing.")
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

    r.command<CompleteOptions>("__complete", "Print completion candidates as word<TAB>description lines")
        .positional("WHAT", &CompleteOptions::what,
                    "tenants, jwt-kids, api-keys, gdpr-requests, contexts or doctor-checks")
        .option("--tenant", &CompleteOptions::tenant, "only this tenant's API keys or requests", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .hidden()
        .run(complete_values);
}

}  // namespace tenantctl::commands
