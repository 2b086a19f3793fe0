// tenantctl sandbox up|down|status|env|psql
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/platform/migrations.hpp"
#include "core/sandbox/sandbox.hpp"
#include "core/util/process.hpp"

namespace tenantctl::commands {

namespace {

struct SandboxOptions {
    std::string dir;
    int port = 0;
    bool no_init = false;
    bool keep = false;
    std::vector<std::string> psql_args;
};

// One word for a POSIX shell, whatever the text holds: 'it'\''s'.
std::string shell_quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::filesystem::path dir_of(const SandboxOptions& o) {
    return o.dir.empty() ? sandbox::default_dir() : std::filesystem::path(o.dir);
}

json describe(const sandbox::State& s, bool running) {
    return json{{"status", running ? "running" : "stopped"},
                {"url", s.url()},
                {"conninfo", s.conninfo()},
                {"port", s.port},
                {"dir", s.dir.string()},
                {"cluster_dir", s.cluster_dir.string()},
                {"master_key", "file:" + s.key_file().string()}};
}

Records up(Context& ctx, const SandboxOptions& o) {
    auto result = sandbox::up(dir_of(o), o.port, ctx.log());
    if (result.already_running) ctx.log().info(fmt::format("sandbox already running on port {}", result.state.port));
    if (!o.no_init) {
        ctx.set_conninfo(db::ConnInfo{result.state.conninfo(), "sandbox"});
        auto init = platform::init(ctx);
        if (!init.applied.empty())
            ctx.log().info(fmt::format("platform schema installed (version {})", init.to_version));
    }
    Records r = Records::doc(describe(result.state, true));
    r.text = result.state.url() + "\n";
    return r;
}

Records down(Context& ctx, const SandboxOptions& o) {
    bool was_running = sandbox::down(dir_of(o), o.keep, ctx.log());
    ctx.log().info(was_running ? "sandbox stopped" : "no sandbox was running");
    return Records::doc(json{{"status", "stopped"}, {"was_running", was_running}, {"kept", o.keep}});
}

Records status(Context&, const SandboxOptions& o) {
    auto s = sandbox::load(dir_of(o));
    if (!s) throw NotFound(fmt::format("no sandbox in {}", dir_of(o).string()), "start one with `tenantctl sandbox up`");
    bool running = sandbox::is_running(*s);
    Records r = Records::doc(describe(*s, running));
    if (!running) {
        r.exit = Exit::db_unavailable;
        r.failure = "the sandbox server is not running";
    }
    return r;
}

Records env(Context&, const SandboxOptions& o) {
    auto s = sandbox::running(dir_of(o));
    if (!s) throw NotFound(fmt::format("no running sandbox in {}", dir_of(o).string()), "start one with `tenantctl sandbox up`");
    // TENANTCTL_SANDBOX_DIR makes the other sandbox commands follow this sandbox, not the
    // default one.
    return Records::raw(fmt::format("export TENANTCTL_DATABASE_URL={}\nexport TENANTCTL_MASTER_KEY_SOURCE={}\n"
                                    "export TENANTCTL_SANDBOX_DIR={}\n",
                                    shell_quoted(s->url()), shell_quoted("file:" + s->key_file().string()),
                                    shell_quoted(std::filesystem::absolute(s->dir).string())));
}

Records psql(Context&, const SandboxOptions& o) {
    auto s = sandbox::running(dir_of(o));
    if (!s) throw NotFound(fmt::format("no running sandbox in {}", dir_of(o).string()), "start one with `tenantctl sandbox up`");
    std::vector<std::string> argv{"psql", s->conninfo()};
    argv.insert(argv.end(), o.psql_args.begin(), o.psql_args.end());
    util::exec_process(argv);
}

}  // namespace

void declare_sandbox(cli::Registry& r) {
    auto dir_help = "state directory (default $TENANTCTL_SANDBOX_DIR, else $XDG_STATE_HOME/tenantctl/sandbox)";
    r.command<SandboxOptions>("sandbox up", "Start the sandbox server (created on first use) and print its URL")
        .option("--dir", &SandboxOptions::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .option("--port", &SandboxOptions::port, "port number of its Unix socket (default: a free one)", "PORT")
        .flag("--no-init", &SandboxOptions::no_init, "do not install the platform schema")
        .description("Creates a PostgreSQL cluster with initdb (as the postgres user when run as root), "
                     "listening only on a Unix socket, installs the platform schema and creates a master key "
                     "file (mode 0600) for the demo. Running it again is harmless.")
        .example("tenantctl sandbox up")
        .example("eval \"$(tenantctl sandbox env)\"")
        .run(up);
    r.command<SandboxOptions>("sandbox down", "Stop the sandbox server and delete its data")
        .option("--dir", &SandboxOptions::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .flag("--keep", &SandboxOptions::keep, "stop the server but keep its data")
        .example("tenantctl sandbox down")
        .run(down);
    r.command<SandboxOptions>("sandbox status", "Show whether the sandbox runs, and where")
        .option("--dir", &SandboxOptions::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .example("tenantctl sandbox status -o json")
        .run(status);
    r.command<SandboxOptions>("sandbox env", "Print shell exports that point tenantctl at the sandbox")
        .option("--dir", &SandboxOptions::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .example("eval \"$(tenantctl sandbox env)\"")
        .run(env);
    r.command<SandboxOptions>("sandbox psql", "Open psql on the sandbox")
        .option("--dir", &SandboxOptions::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .positional("PSQL_ARGS", &SandboxOptions::psql_args, "arguments passed to psql (after --)")
        .example("tenantctl sandbox psql")
        .example("tenantctl sandbox psql -- -c 'SELECT slug, status FROM tenantctl.tenants'")
        .run(psql);
}

}  // namespace tenantctl::commands
