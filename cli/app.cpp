// The only translation unit that includes CLI11: it turns the Registry into a CLI11 tree,
// parses, runs the chosen command with a Context, renders its records, and maps every error
// to the exit-code table in one place.
#include "cli/app.hpp"
#include "cli/closed_output.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <list>
#include <pqxx/pqxx>

#include "cli/dash_words.hpp"
#include "cli/registry.hpp"
#include "cli/render.hpp"
#include "core/config/config.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/util/duration.hpp"
#include "core/util/interrupt.hpp"
#include "core/util/strings.hpp"
#include "core/version.hpp"

namespace tenantctl::cli {

namespace {

// Values CLI11 parsed for one OptionSpec, applied to the typed options struct after parsing.
struct Binding {
    const OptionSpec* spec;
    CLI::Option* option;
    std::string single;               // storage for single-valued options and positionals
    std::vector<std::string> values;  // storage for repeatable ones
};

std::string exit_codes_text() {
    std::string out = "Exit codes:\n";
    for (const auto& e : exit_table()) out += fmt::format("  {:>2}  {}\n", static_cast<int>(e.code), e.meaning);
    return out;
}

std::string examples_text(const CommandSpec& c) {
    std::string out;
    if (c.mutating) out += "Changes data: --dry-run shows what would happen; an audit event names the operator.\n";
    if (!c.examples.empty()) {
        out += (out.empty() ? "" : "\n") + std::string("Examples:\n");
        for (const auto& e : c.examples) out += "  " + e + "\n";
    }
    return out;
}

class Tree {
public:
    explicit Tree(Registry& r) : m_registry(r), m_app("tenantctl: operator toolkit for multi-tenant SaaS on PostgreSQL") {
        m_app.name("tenantctl");
        m_app.fallthrough();  // global options may follow the subcommand
        m_app.footer(exit_codes_text() + "\nRun `tenantctl COMMAND --help` for a command's options; `man tenantctl`.");
        m_app.set_help_all_flag("", "");
        for (const auto& o : r.global_options()) add(&m_app, o);
        auto* version = m_app.add_flag("--version")->description("print the version and the git commit, then exit");
        m_version = version;
        for (const auto& g : r.groups()) node(util::split(g.name, ' '))->description(g.summary);  // "keys jwt" too
        for (const auto& c : r.commands()) add_command(c);
    }

    CLI::App& app() { return m_app; }
    bool version_requested() const { return m_version->count() > 0; }

    void apply_globals() {
        for (auto& b : m_bindings)
            if (!b.spec->positional && b.option->count() > 0 && is_global(b.spec)) apply(b);
    }

    // The leaf command chosen on the command line, with its options applied.
    const CommandSpec* chosen() {
        for (const auto& [app, spec] : m_leaves) {
            if (!app->parsed()) continue;
            for (auto& b : m_bindings)
                if (!is_global(b.spec) && owner(b) == app && b.option->count() > 0) apply(b);
            return spec;
        }
        return nullptr;
    }

    // The deepest subcommand that was parsed (for "did you mean" suggestions).
    CLI::App* deepest_parsed() {
        CLI::App* cur = &m_app;
        for (;;) {
            CLI::App* next = nullptr;
            for (auto* sub : cur->get_subcommands({}))
                if (sub->parsed()) next = sub;
            if (!next) return cur;
            cur = next;
        }
    }

private:
    bool is_global(const OptionSpec* spec) const {
        const auto& g = m_registry.global_options();
        return spec >= g.data() && spec < g.data() + g.size();
    }
    CLI::App* owner(const Binding& b) const { return m_owner.at(b.option); }

    // Text reaches the database (names, reasons, actors, metadata) and PostgreSQL refuses
    // invalid UTF-8 with a raw server error, so every value that is not a path (a file name
    // may be any bytes) is checked here, once, with the option's name in the message.
    static void check_text_values(const Binding& b, const std::vector<std::string>& values) {
        const OptionSpec& o = *b.spec;
        if (o.completer == Completer::file || o.completer == Completer::directory) return;
        if (o.value_name == "FILE" || o.value_name == "DIR" || o.value_name == "PATH") return;
        const std::string name = o.positional ? o.flags : o.flags.substr(o.flags.rfind(',') + 1);
        for (const auto& v : values)
            if (util::valid_utf8_prefix(v) != v.size()) throw UsageError(name + ": not valid UTF-8");
    }

    void apply(Binding& b) const {
        if (b.spec->is_flag) {
            b.spec->set_flag();
        } else if (!b.spec->multiple) {
            const std::string value = restore(b.single);
            check_text_values(b, {value});
            b.spec->assign({value});
        } else if (!b.values.empty()) {
            std::vector<std::string> values;
            for (const auto& v : b.values) values.push_back(restore(v));
            check_text_values(b, values);
            b.spec->assign(values);
        }
    }

public:
    // Parses argv. Positional values that begin with '-' (a JWT kid can) are
    // handed to CLI11 as placeholders, which it cannot mistake for options, and restored when
    // applied.
    void parse(int argc, const char* const* argv) {
        std::vector<std::string> args(argv + 1, argv + argc);
        // `tenantctl help tenant purge` is `tenantctl tenant purge --help` (gh, git, kubectl).
        if (!args.empty() && args.front() == "help") {
            args.erase(args.begin());
            args.push_back("--help");
        }
        const auto dashed = dash_positional_words(m_registry, args);
        for (std::size_t i = 0; i < args.size(); ++i) {
            if (!dashed[i]) continue;
            m_placeholders.push_back(args[i]);
            args[i] = kPlaceholder + std::to_string(m_placeholders.size() - 1);
        }
        std::reverse(args.begin(), args.end());
        try {
            m_app.parse(args);
        } catch (const CLI::ExtrasError&) {
            if (m_placeholders.empty()) throw;
            // A word taken as a value left others over (`tenant show --frobnicate acme`):
            // report the line as CLI11 reads it, which names the unknown option.
            m_placeholders.clear();
            std::vector<std::string> plain(argv + 1, argv + argc);
            std::reverse(plain.begin(), plain.end());
            m_app.parse(plain);
            throw;
        }
    }

    // The word the user typed for `value` (a placeholder or the value itself).
    std::string restore(const std::string& value) const {
        if (value.rfind(kPlaceholder, 0) != 0) return value;
        std::size_t index = 0;
        const char* first = value.data() + std::strlen(kPlaceholder);
        const char* last = value.data() + value.size();
        auto [end, ec] = std::from_chars(first, last, index);
        return ec == std::errc{} && end == last && index < m_placeholders.size() ? m_placeholders[index] : value;
    }

private:
    static constexpr const char* kPlaceholder = "\x1ftenantctl-dash-value:";

    CLI::App* node(const std::vector<std::string>& path) {
        CLI::App* cur = &m_app;
        for (const auto& part : path) {
            CLI::App* next = nullptr;
            for (auto* sub : cur->get_subcommands({}))
                if (sub->get_name() == part) next = sub;
            if (!next) {
                next = cur->add_subcommand(part, "");
                next->require_subcommand(0, 1);
            }
            cur = next;
        }
        return cur;
    }

    void add_command(const CommandSpec& c) {
        CLI::App* sub = node(c.path);
        sub->description(c.summary);
        sub->require_subcommand(0, 0);
        if (c.hidden) sub->group("");
        std::string footer = examples_text(c);
        if (!footer.empty()) sub->footer(footer);
        for (auto* parent = sub->get_parent(); parent && parent != &m_app; parent = parent->get_parent())
            parent->require_subcommand(1, 1);
        for (const auto& o : c.options) add(sub, o);
        m_leaves.emplace_back(sub, &c);
    }

    void add(CLI::App* app, const OptionSpec& o) {
        m_bindings.push_back(Binding{&o, nullptr, {}, {}});
        Binding& b = m_bindings.back();
        CLI::Option* opt = nullptr;
        std::string help = o.help;
        if (!o.env.empty()) help += " [env " + o.env + "]";
        if (o.is_flag) {
            opt = app->add_flag(o.flags)->description(help);
        } else {
            if (!o.multiple) {
                opt = app->add_option(o.flags, b.single, help);
            } else {
                // Repeatable options take one word per occurrence (--check a --check b);
                // a variadic positional takes the rest of the line.
                opt = app->add_option(o.flags, b.values, help);
                opt->type_size(1)->expected(o.positional ? -1 : 1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
            }
            opt->type_name(o.positional ? "" : o.value_name);
            if (!o.choices.empty()) opt->check(CLI::IsMember(o.choices));
        }
        if (o.required) opt->required();
        if (o.hidden) opt->group("");
        b.option = opt;
        m_owner[opt] = app;
    }

    Registry& m_registry;
    CLI::App m_app;
    CLI::Option* m_version = nullptr;
    std::deque<Binding> m_bindings;  // stable addresses: CLI11 writes into Binding::values
    std::map<CLI::Option*, CLI::App*> m_owner;
    std::vector<std::pair<CLI::App*, const CommandSpec*>> m_leaves;
    std::vector<std::string> m_placeholders;
};

// The words that lead to `app` from the top ("tenant list"; empty for tenantctl itself), for
// messages and hints that can be typed back as they are.
std::string command_path(const CLI::App* app) {
    std::vector<std::string> words;
    for (; app && app->get_parent(); app = app->get_parent()) words.push_back(app->get_name());
    std::reverse(words.begin(), words.end());
    return util::join(words, " ");
}

// The visible commands of a group, for "'keys' needs a command: ...".
std::string command_names(const CLI::App* group) {
    std::vector<std::string> names;
    for (const auto* sub : group->get_subcommands({}))
        if (!sub->get_group().empty()) names.push_back(sub->get_name());
    return util::join(names, ", ");
}

// "did you mean" for an unknown subcommand or option.
std::string suggestion(CLI::App* at, const std::string& token) {
    std::vector<std::string> candidates;
    if (!token.empty() && token[0] == '-') {
        for (auto* app = at; app; app = app->get_parent())
            for (const auto* opt : app->get_options())
                for (const auto& n : opt->get_lnames()) candidates.push_back("--" + n);
    } else {
        for (auto* sub : at->get_subcommands({})) candidates.push_back(sub->get_name());
    }
    std::string best;
    std::size_t best_distance = 3;  // only close matches
    for (const auto& c : candidates) {
        auto d = util::levenshtein(token, c);
        if (d < best_distance || (d == best_distance && best.empty() && d <= token.size() / 2)) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

struct ErrorReport {
    Exit code;
    std::string message;
    std::string hint;
    std::vector<std::string> details;
};

// How the final error is written: text lines (plus a JSON object for -o json|ndjson), or,
// under --log-format json, one JSON log line like every other stderr line.
enum class ErrorStyle { text, text_and_json, json_log };

void print_error(std::ostream& err, const ErrorReport& e, ErrorStyle style) {
    if (style == ErrorStyle::json_log) {
        nlohmann::ordered_json line{{"time", util::format_rfc3339_micro(std::chrono::system_clock::now())},
                                    {"level", "error"},
                                    {"msg", e.message},
                                    {"code", std::string(exit_info(e.code).name)},
                                    {"exit", static_cast<int>(e.code)}};
        if (!e.details.empty()) line["details"] = e.details;
        if (!e.hint.empty()) line["hint"] = e.hint;
        err << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        err.flush();
        return;
    }
    const bool as_json = style == ErrorStyle::text_and_json;
    err << "tenantctl: " << e.message << '\n';
    for (const auto& d : e.details) err << "  " << d << '\n';
    if (!e.hint.empty()) err << "hint: " << e.hint << '\n';
    if (as_json) {
        json j{{"error", {{"code", std::string(exit_info(e.code).name)}, {"exit", static_cast<int>(e.code)},
                          {"message", e.message}, {"details", e.details}}}};
        if (!e.hint.empty()) j["error"]["hint"] = e.hint;
        err << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
    err.flush();
}

bool asks_for_json_log(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view word = argv[i];
        if (word == "--log-format=json" || (word == "--log-format" && i + 1 < argc && std::string_view(argv[i + 1]) == "json"))
            return true;
    }
    return false;
}

bool env_set(const char* name) {
    const char* v = std::getenv(name);
    return v && *v;
}

// Mutating commands that talk to the database, run at a terminal without -q or -v (which
// logs the target itself).
bool shows_target_line(const CommandSpec& command, const Terminal& terminal, const GlobalOptions& globals) {
    const std::string& group = command.path.front();
    return terminal.stderr_tty && globals.verbosity == 0 && group != "sandbox" && group != "config" &&
           group != "completion";
}

// What a command's rows go through on their way to stdout: --sort-by, the table's readable
// columns (the whole row with -o wide), then the renderer for -o or the --jq program.
struct OutputPlan {
    Format format;
    RenderOptions options;
    const OutputShaping* shaping;
    const CommandSpec* command;

    std::unique_ptr<RecordSink> make_sink(std::ostream& out) const {
        std::unique_ptr<RecordSink> sink;
        if (!shaping->jq.empty()) {
            sink = make_jq_sink(shaping->jq, format == Format::ndjson, out);
        } else {
            sink = make_renderer(format, out, options);
            if (format == Format::table && !command->table_columns.empty())
                sink = select_columns(std::move(sink), command->table_columns);
        }
        if (!shaping->sort_by.empty()) sink = sort_rows(std::move(sink), shaping->sort_by);
        return sink;
    }
};

// -o wide is a table too: for people, silent under -q, and given a command's plain text.
bool is_table(Format format) { return format == Format::table || format == Format::wide; }

int render_result(const Records& records, const OutputPlan& plan, std::ostream& out) {
    if (records.text && (records.text_in_all_formats || is_table(plan.format))) {
        out << *records.text;
    } else if (records.document || !records.columns.empty()) {
        auto sink = plan.make_sink(out);
        emit(records, *sink);
    }
    out.flush();
    return 0;
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, std::istream& in) {
    util::remember_command_line(argc, argv);
    Registry registry;
    declare_all(registry);
    Tree tree(registry);
    GlobalOptions& globals = registry.global_values();
    // Known before parsing, so that even a usage error is a JSON log line under
    // --log-format json.
    ErrorStyle error_style = asks_for_json_log(argc, argv) ? ErrorStyle::json_log : ErrorStyle::text;

    try {
        try {
            tree.parse(argc, argv);
        } catch (const CLI::CallForHelp&) {
            out << tree.app().help();
            return 0;
        } catch (const CLI::CallForAllHelp&) {
            out << tree.app().help("", CLI::AppFormatMode::All);
            return 0;
        } catch (const CLI::ParseError& e) {
            CLI::App* at = tree.deepest_parsed();
            const std::string at_path = command_path(at);
            std::string message = e.what();
            std::string hint;
            // deepest_parsed() is a group only when none of its commands was chosen.
            const bool group_without_command =
                dynamic_cast<const CLI::RequiredError*>(&e) && at != &tree.app() && !at->get_subcommands({}).empty();
            if (group_without_command) {
                // `tenant lst`: the word that is not a command of the group is left over.
                auto rest = tree.app().remaining(true);
                for (auto& word : rest) word = tree.restore(word);
                const auto typed = std::find_if(rest.begin(), rest.end(), [](const std::string& w) { return w.rfind("-", 0) != 0; });
                if (typed != rest.end()) {
                    message = "unknown command '" + *typed + "' for '" + at_path + "'";
                    if (auto best = suggestion(at, *typed); !best.empty()) hint = "did you mean '" + at_path + " " + best + "'?";
                } else {
                    message = "'" + at_path + "' needs a command: " + command_names(at);
                }
            } else if (const auto* extras = dynamic_cast<const CLI::ExtrasError*>(&e); extras) {
                auto rest = tree.app().remaining(true);
                for (auto& word : rest) word = tree.restore(word);
                // An unknown flag makes its value an extra too: report the flag.
                for (std::size_t k = 0; k < rest.size(); ++k)
                    if (rest[k].rfind("-", 0) == 0) {
                        std::rotate(rest.begin(), rest.begin() + static_cast<long>(k), rest.begin() + static_cast<long>(k) + 1);
                        break;
                    }
                if (!rest.empty()) {
                    std::string best = suggestion(at, rest.front());
                    message = rest.front().rfind("-", 0) == 0 ? "unknown option '" + rest.front() + "'"
                                                              : "unknown command '" + rest.front() + "'";
                    if (at != &tree.app()) message += " for '" + at_path + "'";
                    const bool is_command = rest.front().rfind("-", 0) != 0;
                    if (!best.empty())
                        hint = "did you mean '" + (is_command && !at_path.empty() ? at_path + " " : std::string()) + best + "'?";
                }
            }
            if (hint.empty())
                hint = fmt::format("see `tenantctl {}--help`", at_path.empty() ? std::string() : at_path + " ");
            // A subcommand's --help reaches us as a parse of that subcommand.
            throw UsageError(message, hint);
        }
        tree.apply_globals();
        if (tree.version_requested()) {
            out << "tenantctl " << version() << " (commit " << git_commit() << ")\n";
            return 0;
        }
        const CommandSpec* command = tree.chosen();
        if (!command) {
            out << tree.app().help();
            return 0;
        }

        const OutputShaping& shaping = registry.shaping_values();
        const Format format = parse_format(globals.output);
        if (!shaping.jq.empty() && format != Format::table && format != Format::json && format != Format::ndjson)
            throw UsageError("--jq reads JSON: it cannot be combined with -o " + globals.output,
                             "leave out -o (--jq reads what -o json prints), or use -o ndjson to run it on each row");
        if (error_style != ErrorStyle::json_log && (format == Format::json || format == Format::ndjson))
            error_style = ErrorStyle::text_and_json;
        Terminal terminal;
        terminal.stdin_tty = isatty(0);
        terminal.stdout_tty = isatty(1) && &out == &std::cout;
        terminal.stderr_tty = isatty(2) && &err == &std::cerr;
        terminal.color = terminal.stderr_tty && !globals.no_color && !env_set("NO_COLOR");
        if (globals.log_format != "text" && globals.log_format != "json")
            throw UsageError("--log-format must be text or json");
        Logger log(err, globals.log_format == "json", globals.verbosity, terminal.color);

        config::Config config;
        if (auto path = config::locate_config(globals.config_path)) {
            config = config::load_config_file(*path);
            log.debug("config: " + path->string());
        } else {
            log.debug("config: none found");
        }

        SystemClock clock;
        Context ctx(globals, std::move(config), terminal, clock, log, in);
        ctx.set_command(command->name());
        RenderOptions ropts;
        ropts.tty = terminal.stdout_tty;
        ropts.color = terminal.stdout_tty && !globals.no_color && !env_set("NO_COLOR");
        ropts.headers = !globals.no_headers;
        // -q with the table output is silence on success (cron mails whatever a job prints);
        // a table of a run that failed is still shown, and -o json|ndjson|yaml|csv, which ask
        // for data, are always printed.
        const bool quiet_table = globals.verbosity < 0 && is_table(format) && shaping.jq.empty();
        const OutputPlan plan{format, ropts, &shaping, command};
        std::unique_ptr<RecordSink> stream_sink =
            quiet_table ? std::make_unique<DiscardingSink>() : plan.make_sink(out);
        if (!command->mutating) stream_sink = std::make_unique<StopWhenOutputClosed>(std::move(stream_sink), out);
        ctx.set_sink(stream_sink.get());

        Records result;
        try {
            if (command->mutating && shows_target_line(*command, terminal, globals)) {
                // The operator at a terminal sees which database a change goes to before it
                // happens (kubectl prints its context the same way); -v logs it anyway.
                const auto& target = ctx.conninfo();
                log.info(fmt::format("target: {} (from {})", db::describe_target(target.conninfo), target.source));
            }
            if (command->mutating && !globals.dry_run) ctx.confirm_protected_target();
            result = command->run(ctx);
        } catch (const Error&) {
            throw;
        } catch (const pqxx::failure&) {
            db::rethrow_translated(command->name());
        } catch (const OutputClosed&) {
            return 0;  // the reader has what it wanted
        }
        if (!quiet_table || result.exit != Exit::ok) {
            try {
                render_result(result, plan, out);
            } catch (const Error& e) {
                // A --jq program that does not fit the result fails after the change was made and
                // committed: say so, or a script reads exit 2 as "nothing done" and tries again.
                if (!command->mutating || globals.dry_run || shaping.jq.empty()) throw;
                throw Error(e.code(),
                            fmt::format("{} ({} finished: only printing its result failed)", e.what(), command->name()),
                            e.hint());
            }
        }
        if (result.exit != Exit::ok) {
            print_error(err, ErrorReport{result.exit, result.failure.empty() ? std::string(exit_info(result.exit).meaning)
                                                                              : result.failure,
                                         {}, {}},
                        error_style);
        }
        return static_cast<int>(result.exit);
    } catch (const Error& e) {
        print_error(err, ErrorReport{e.code(), e.what(), e.hint(), e.details()}, error_style);
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        print_error(err, ErrorReport{Exit::runtime, std::string("internal error: ") + e.what(), {}, {}}, error_style);
        return static_cast<int>(Exit::runtime);
    }
}

}  // namespace tenantctl::cli
