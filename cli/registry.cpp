#include "cli/registry.hpp"

namespace tenantctl::cli {

namespace {
std::vector<std::string> split_flags(const std::string& flags) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= flags.size()) {
        auto end = flags.find(',', start);
        out.push_back(flags.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}
}  // namespace

std::vector<std::string> OptionSpec::long_names() const {
    std::vector<std::string> out;
    for (auto& f : split_flags(flags))
        if (f.rfind("--", 0) == 0) out.push_back(f);
    return out;
}

std::vector<std::string> OptionSpec::short_names() const {
    std::vector<std::string> out;
    for (auto& f : split_flags(flags))
        if (f.size() == 2 && f[0] == '-') out.push_back(f);
    return out;
}

std::string OptionSpec::display_name() const {
    if (positional) return multiple ? flags + "..." : flags;
    std::string out;
    for (auto& f : split_flags(flags)) out += (out.empty() ? "" : ", ") + f;
    if (!is_flag) out += " " + value_name;
    return out;
}

std::string CommandSpec::name() const {
    std::string out;
    for (const auto& p : path) out += (out.empty() ? "" : " ") + p;
    return out;
}

void Registry::group(std::string name, std::string summary, std::string description) {
    m_groups.push_back(GroupSpec{std::move(name), std::move(summary), std::move(description)});
}

const GroupSpec* Registry::find_group(const std::string& name) const {
    for (const auto& g : m_groups)
        if (g.name == name) return &g;
    return nullptr;
}

const CommandSpec* Registry::find(const std::vector<std::string>& path) const {
    for (const auto& c : m_commands)
        if (c.path == path) return &c;
    return nullptr;
}

Registry::Registry() : m_globals(std::make_shared<GlobalOptions>()) {
    auto g = m_globals;
    auto value = [](std::string flags, std::string value_name, std::string help, std::string env,
                    std::function<void(const std::string&)> set) {
        OptionSpec o;
        o.flags = std::move(flags);
        o.value_name = std::move(value_name);
        o.help = std::move(help);
        o.env = std::move(env);
        o.assign = [set = std::move(set)](const std::vector<std::string>& v) { set(v.back()); };
        return o;
    };
    auto flag = [](std::string flags, std::string help, std::function<void()> set) {
        OptionSpec o;
        o.flags = std::move(flags);
        o.help = std::move(help);
        o.is_flag = true;
        o.set_flag = std::move(set);
        return o;
    };
    m_global_options.push_back(value("-d,--database", "URL",
                                     "PostgreSQL connection string or URI; otherwise libpq's PG* variables, "
                                     "service file and .pgpass, then a running sandbox",
                                     "TENANTCTL_DATABASE_URL", [g](const std::string& v) { g->database = v; }));
    m_global_options.back().completer = Completer::none;
    m_global_options.push_back(value("-c,--config", "FILE",
                                     "configuration file (default ./tenantctl.yaml, then "
                                     "$XDG_CONFIG_HOME/tenantctl/config.yaml)",
                                     "TENANTCTL_CONFIG", [g](const std::string& v) { g->config_path = v; }));
    m_global_options.back().completer = Completer::file;
    m_global_options.push_back(value("--context", "NAME", "named connection from the config's contexts", "",
                                     [g](const std::string& v) { g->context = v; }));
    m_global_options.push_back(value("-o,--output", "FORMAT", "output format: table, json, ndjson, yaml or csv", "",
                                     [g](const std::string& v) { g->output = v; }));
    m_global_options.back().choices = {"table", "json", "ndjson", "yaml", "csv"};
    m_global_options.back().completer = Completer::choices;
    m_global_options.push_back(value("--actor", "NAME", "operator recorded in audit events (default user@host)",
                                     "TENANTCTL_ACTOR", [g](const std::string& v) { g->actor = v; }));
    m_global_options.push_back(flag("-y,--yes", "answer yes to confirmations (required without a terminal)",
                                    [g] { g->yes = true; }));
    m_global_options.push_back(flag("--dry-run", "show what a mutating command would do; change nothing",
                                    [g] { g->dry_run = true; }));
    m_global_options.push_back(flag("-q,--quiet", "only warnings and errors on stderr", [g] { g->verbosity = -1; }));
    m_global_options.push_back(flag("-v,--verbose", "debug messages on stderr", [g] { g->verbosity = 1; }));
    m_global_options.push_back(value("--log-format", "FORMAT", "stderr log format: text or json", "",
                                     [g](const std::string& v) { g->log_format = v; }));
    m_global_options.back().choices = {"text", "json"};
    m_global_options.back().completer = Completer::choices;
    m_global_options.push_back(flag("--no-color", "no colors (also when NO_COLOR is set)", [g] { g->no_color = true; }));
    m_global_options.push_back(value("--lock-timeout", "DURATION",
                                     "how long to wait for another run's lock before exiting with 6 (default 0s)", "",
                                     [g](const std::string& v) { g->lock_timeout = v; }));
    m_global_options.push_back(value("--progress", "WHEN", "progress bars: auto (on a terminal), always or never", "",
                                     [g](const std::string& v) { g->progress = v; }));
    m_global_options.back().choices = {"auto", "always", "never"};
    m_global_options.back().completer = Completer::choices;
}

}  // namespace tenantctl::cli
