#include "cli/registry.hpp"

#include <algorithm>
#include <cctype>

#include "cli/dash_words.hpp"
#include "cli/render.hpp"
#include "core/util/strings.hpp"

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

Registry::Registry() : m_globals(std::make_shared<GlobalOptions>()), m_shaping(std::make_shared<OutputShaping>()) {
    auto g = m_globals;
    auto shaping = m_shaping;
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
    m_global_options.push_back(value("--context", "NAME",
                                     "named connection from the config's contexts; beats TENANTCTL_DATABASE_URL and "
                                     "current_context",
                                     "",
                                     [g](const std::string& v) { g->context = v; }));
    m_global_options.back().completer = Completer::context;
    m_global_options.push_back(value("-o,--output", "FORMAT",
                                     "output format: table, wide (a table with every column, full precision), json, "
                                     "ndjson, yaml, csv or name (one identifier per line)",
                                     "", [g](const std::string& v) { g->output = v; }));
    m_global_options.back().choices = format_names();
    m_global_options.back().completer = Completer::choices;
    m_global_options.push_back(value("--jq", "EXPR",
                                     "print what a jq program makes of the JSON result (strings without quotes); "
                                     "with -o ndjson it runs on each row as it streams",
                                     "", [shaping](const std::string& v) { shaping->jq = v; }));
    m_global_options.push_back(value("--sort-by", "COLUMN", "sort result rows by a column (numbers by value, empty last)",
                                     "", [shaping](const std::string& v) { shaping->sort_by = v; }));
    m_global_options.push_back(value("--actor", "NAME", "operator recorded in audit events (default user@host)",
                                     "TENANTCTL_ACTOR", [g](const std::string& v) { g->actor = v; }));
    m_global_options.push_back(flag("-y,--yes", "answer yes to confirmations (required without a terminal)",
                                    [g] { g->yes = true; }));
    m_global_options.push_back(flag("--dry-run", "show what a mutating command would do; change nothing",
                                    [g] { g->dry_run = true; }));
    m_global_options.push_back(flag("-q,--quiet",
                                    "only warnings and errors on stderr, and with the table output nothing on stdout "
                                    "unless the command fails (for cron)",
                                    [g] { g->verbosity = -1; }));
    m_global_options.push_back(flag("-v,--verbose", "debug messages on stderr", [g] { g->verbosity = 1; }));
    m_global_options.push_back(flag("--no-headers", "table and csv output without the header row (for scripts)",
                                    [g] { g->no_headers = true; }));
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

namespace {

struct KnownOptions {
    std::vector<const OptionSpec*> specs;

    const OptionSpec* by_long(std::string_view name) const {
        for (const auto* o : specs)
            for (const auto& n : o->long_names())
                if (n == name) return o;
        return nullptr;
    }
    // Within edit distance 2 of a long option (a typo, reported with a suggestion).
    bool near_miss(const std::string& word) const {
        const std::string name = word.substr(0, word.find('='));
        for (const auto* o : specs)
            for (const auto& n : o->long_names())
                if (util::levenshtein(name, n) <= 2) return true;
        return false;
    }
    const OptionSpec* by_short(char c) const {
        for (const auto* o : specs)
            for (const auto& n : o->short_names())
                if (n[1] == c) return o;
        return nullptr;
    }
};

// How a word that begins with '-' reads as an option: not at all, or as one whose value is
// the next word (`skip_next`).
struct OptionWord {
    bool known = false;
    bool skip_next = false;
};

OptionWord read_option_word(const KnownOptions& known, const std::string& word, bool slot_open) {
    if (word.rfind("--", 0) == 0) {
        const auto eq = word.find('=');
        const OptionSpec* o = known.by_long(word.substr(0, eq));
        if (!o) return {};
        return {true, !o->is_flag && eq == std::string::npos};
    }
    const OptionSpec* first = known.by_short(word[1]);
    if (!first) return {};
    if (word.size() == 2) return {true, !first->is_flag};
    if (!first->is_flag) {
        // An attached value (-ojson, -d'host=x'): where a positional is open, only a value that
        // cannot be a kid or key id (one of the option's choices, or any character outside the
        // base64url alphabet) counts as one.
        const std::string rest = word.substr(2);
        const bool choice = std::find(first->choices.begin(), first->choices.end(), rest) != first->choices.end();
        const bool not_base64url = std::any_of(rest.begin(), rest.end(), [](char c) {
            return !(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
        });
        return {!slot_open || choice || not_base64url, false};
    }
    // A group of one-letter flags (-yq); the last one may take the next word as its value.
    for (std::size_t i = 2; i < word.size(); ++i) {
        const OptionSpec* o = known.by_short(word[i]);
        if (!o || (!o->is_flag && i + 1 != word.size())) return {};
        if (!o->is_flag) return {true, true};
    }
    return {true, false};
}

}  // namespace

std::vector<bool> dash_positional_words(const Registry& r, const std::vector<std::string>& args) {
    static const OptionSpec help = [] {
        OptionSpec o;
        o.flags = "-h,--help";
        o.is_flag = true;
        return o;
    }();
    static const OptionSpec version = [] {
        OptionSpec o;
        o.flags = "--version";
        o.is_flag = true;
        return o;
    }();
    KnownOptions known;
    for (const auto& o : r.global_options()) known.specs.push_back(&o);
    known.specs.push_back(&help);
    known.specs.push_back(&version);

    std::vector<bool> out(args.size(), false);
    std::vector<std::string> path;
    const CommandSpec* leaf = nullptr;
    std::vector<const OptionSpec*> positionals;
    std::size_t filled = 0;
    auto open_slot = [&]() -> const OptionSpec* {
        if (positionals.empty()) return nullptr;
        if (filled < positionals.size()) return positionals[filled];
        return positionals.back()->multiple ? positionals.back() : nullptr;
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word == "--") break;
        const bool dashed = word.size() > 1 && word[0] == '-';
        if (!dashed) {
            if (leaf) {
                ++filled;
                continue;
            }
            path.push_back(word);
            if ((leaf = r.find(path)) != nullptr) {
                for (const auto& o : leaf->options) {
                    if (o.positional)
                        positionals.push_back(&o);
                    else
                        known.specs.push_back(&o);
                }
            }
            continue;
        }
        const bool slot_open = leaf && open_slot() != nullptr;
        const OptionWord w = read_option_word(known, word, slot_open);
        if (w.known) {
            if (w.skip_next) ++i;
            continue;
        }
        if (slot_open && word.size() > 2 && !known.near_miss(word)) {
            out[i] = true;
            ++filled;
        }
    }
    return out;
}

}  // namespace tenantctl::cli
