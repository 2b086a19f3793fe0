// tenantctl config get-contexts | current-context | use-context NAME | view (kubectl's
// names): which database a command would talk to, and switching it, without opening an editor.
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/config/edit.hpp"
#include "core/db/connection.hpp"
#include "core/db/redact.hpp"

namespace tenantctl::commands {

namespace {

struct NoOptions {};

struct UseOptions {
    std::string name;
};

const std::string& config_file(const Context& ctx) {
    const auto& source = ctx.config().source;
    if (source.empty())
        throw NotFound("no config file was found",
                       "create ./tenantctl.yaml or $XDG_CONFIG_HOME/tenantctl/config.yaml with a contexts: section, "
                       "or pass -c FILE");
    return source;
}

Records run_get_contexts(Context& ctx, const NoOptions&) {
    Records r = Records::table({"current", "name", "target", "protected"});
    const auto chosen = ctx.target_context();
    for (const auto& [name, context] : ctx.config().contexts)
        r.add({chosen == name ? "*" : "", name, db::describe_target(context.database), context.is_protected});
    if (r.rows.empty()) ctx.log().info(fmt::format("{} defines no contexts", config_file(ctx)));
    return r;
}

// The context commands use: --context, else current_context (what `use-context` sets).
Records run_current_context(Context& ctx, const NoOptions&) {
    const auto chosen = ctx.globals().context ? ctx.globals().context : ctx.config().current_context;
    if (!chosen) throw NotFound("current_context is not set", "tenantctl config use-context NAME");
    ctx.config().database_for(chosen);  // an unknown --context is exit 2 here too
    Records r = Records::doc(json{{"current_context", *chosen}});
    r.text = *chosen + "\n";
    return r;
}

Records run_use_context(Context& ctx, const UseOptions& o) {
    const auto& file = config_file(ctx);
    ctx.config().database_for(o.name);  // exit 2 for a name the file does not define, with did-you-mean
    Records r = Records::doc(json{{"file", file}, {"current_context", o.name}});
    if (ctx.config().current_context == o.name) {
        ctx.log().info(fmt::format("current_context is already {}", o.name));
    } else if (ctx.dry_run()) {
        ctx.log().info(fmt::format("dry run: would set current_context to {} in {}", o.name, file));
    } else {
        config::set_current_context(file, o.name);
        ctx.log().info(fmt::format("current_context is now {} ({})", o.name, file));
    }
    r.text = "";
    return r;
}

// The file as written, with every context's password masked: safe to paste in a ticket.
Records run_view(Context& ctx, const NoOptions&) {
    const auto& file = config_file(ctx);
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    for (const auto& [name, context] : ctx.config().contexts) text = db::redact_conninfo_secrets(text, context.database);
    Records r = Records::raw(text);
    r.text_in_all_formats = true;
    return r;
}

}  // namespace

void declare_config(cli::Registry& r) {
    r.command<NoOptions>("config get-contexts", "List the config file's contexts; * marks the one in use")
        .description("TARGET names host, port, database and user, never a password. The context in use follows "
                     "the same order as every command: --database and TENANTCTL_DATABASE_URL (no context), "
                     "--context, then current_context.")
        .example("tenantctl config get-contexts")
        .run(run_get_contexts);
    r.command<NoOptions>("config current-context", "Print the context commands use (--context, else current_context)")
        .example("tenantctl config current-context")
        .run(run_current_context);
    r.command<UseOptions>("config use-context", "Set current_context in the config file")
        .positional("NAME", &UseOptions::name, "a context the file defines")
        .complete(cli::Completer::context)
        .description("Edits only the current_context line (comments and layout stay), writes the file "
                     "atomically with its mode, and reads it back to prove the change. An unknown name is exit 2.")
        .example("tenantctl config use-context staging")
        .run(run_use_context);
    r.command<NoOptions>("config view", "Print the config file with passwords masked")
        .example("tenantctl config view")
        .run(run_view);
}

}  // namespace tenantctl::commands
