// The one declaration of the command tree (pgBackRest's idea, DESIGN section 10). Commands
// declare their options, help and examples here; the CLI11 parser, --help, the man pages and
// the shell completions are all generated from it, so they cannot drift apart.
//
// This header does not include CLI11 (one translation unit, cli/app.cpp, does), so command
// files stay cheap to compile.
#pragma once

#include <charconv>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/context.hpp"
#include "core/errors.hpp"
#include "core/records.hpp"

namespace tenantctl::cli {

// What a shell completion offers for an option's value. The kinds after `directory` are read
// from the database or the config file at completion time (`tenantctl __complete KIND`).
enum class Completer {
    none,
    choices,
    file,
    directory,
    tenant_slug,
    jwt_kid,
    command_name,
    context,       // the config file's contexts
    doctor_check,  // doctor's check names
    gdpr_request,  // GDPR request ids
    api_key,       // API-key prefixes
};

struct OptionSpec {
    std::string flags;       // "-f,--file" (options) or "SLUG" (positionals)
    std::string help;
    std::string value_name;  // "FILE", "DURATION"; empty for flags
    bool positional = false;
    bool required = false;
    bool is_flag = false;
    bool multiple = false;   // may repeat (vector)
    bool hidden = false;
    std::vector<std::string> choices;
    Completer completer = Completer::none;
    std::string env;  // environment variable read when the option is absent (documentation)
    // Parsing: receives every value given (options that were absent are not called).
    std::function<void(const std::vector<std::string>&)> assign;
    std::function<void()> set_flag;

    std::vector<std::string> long_names() const;   // "--file"
    std::vector<std::string> short_names() const;  // "-f"
    std::string display_name() const;              // "-f, --file FILE" / "SLUG"
};

struct CommandSpec {
    std::vector<std::string> path;  // {"tenant", "create"}
    std::string summary;            // one line
    std::string description;        // paragraphs, optional
    std::vector<std::string> examples;
    std::vector<OptionSpec> options;
    bool mutating = false;
    bool hidden = false;
    // The columns `-o table` shows, for results too wide to read (`-o wide` shows them all).
    // Empty: every column.
    std::vector<std::string> table_columns;
    std::function<Records(Context&)> run;

    std::string name() const;  // "tenant create"
};

struct OutputShaping {
    std::string jq;       // --jq EXPR: a jq program run on the JSON result
    std::string sort_by;  // --sort-by COLUMN
};

struct GroupSpec {
    std::string name;
    std::string summary;
    std::string description;
};

// Converts an option value; throws UsageError naming the option.
template <class T>
T parse_option_value(const std::string& text, const std::string& option);

template <class Opts>
class CommandBuilder;

template <class T>
inline constexpr bool is_vector_v = false;
template <class T>
inline constexpr bool is_vector_v<std::vector<T>> = true;
template <class T>
inline constexpr bool is_optional_v = false;
template <class T>
inline constexpr bool is_optional_v<std::optional<T>> = true;

class Registry {
public:
    Registry();

    // A command group (noun) such as "tenant", with the summary its man page and help show.
    void group(std::string name, std::string summary, std::string description = {});

    // Declares the leaf command `path` ("tenant create") whose options parse into an Opts.
    template <class Opts>
    CommandBuilder<Opts> command(const std::string& path, std::string summary);

    const std::vector<CommandSpec>& commands() const { return m_commands; }
    std::vector<CommandSpec>& commands() { return m_commands; }
    const std::vector<GroupSpec>& groups() const { return m_groups; }
    const GroupSpec* find_group(const std::string& name) const;
    const CommandSpec* find(const std::vector<std::string>& path) const;

    // Global options (DESIGN section 2) parse into this struct.
    GlobalOptions& global_values() { return *m_globals; }
    // --jq and --sort-by: they shape the output, so only the CLI reads them.
    OutputShaping& shaping_values() { return *m_shaping; }
    const std::vector<OptionSpec>& global_options() const { return m_global_options; }

private:
    template <class Opts>
    friend class CommandBuilder;
    std::vector<CommandSpec> m_commands;
    std::vector<GroupSpec> m_groups;
    std::shared_ptr<GlobalOptions> m_globals;
    std::shared_ptr<OutputShaping> m_shaping;
    std::vector<OptionSpec> m_global_options;
};

// Builds every command of tenantctl into `r` (cli/commands.cpp lists the declarations).
void declare_all(Registry& r);

template <class Opts>
class CommandBuilder {
public:
    CommandBuilder(Registry& r, std::size_t index) : m_registry(r), m_index(index), m_opts(std::make_shared<Opts>()) {}

    // A positional argument stored in `member` (std::string, or a vector for a variadic tail).
    template <class T>
    CommandBuilder& positional(std::string name, T Opts::*member, std::string help) {
        OptionSpec o;
        o.flags = std::move(name);
        o.help = std::move(help);
        o.positional = true;
        o.required = !is_optional_v<T> && !is_vector_v<T>;
        bind(o, member);
        return push(std::move(o));
    }

    // An option taking a value; the value name ("FILE") appears in help and man pages.
    template <class T>
    CommandBuilder& option(std::string flags, T Opts::*member, std::string help, std::string value_name = "VALUE") {
        OptionSpec o;
        o.flags = std::move(flags);
        o.help = std::move(help);
        o.value_name = std::move(value_name);
        bind(o, member);
        return push(std::move(o));
    }

    // A boolean switch.
    CommandBuilder& flag(std::string flags, bool Opts::*member, std::string help) {
        OptionSpec o;
        o.flags = std::move(flags);
        o.help = std::move(help);
        o.is_flag = true;
        auto opts = m_opts;
        o.set_flag = [opts, member] { (*opts).*member = true; };
        return push(std::move(o));
    }

    // Modifiers apply to the option declared last.
    CommandBuilder& required() {
        last().required = true;
        return *this;
    }
    CommandBuilder& choices(std::vector<std::string> values) {
        last().choices = std::move(values);
        last().completer = Completer::choices;
        return *this;
    }
    CommandBuilder& complete(Completer c) {
        last().completer = c;
        return *this;
    }
    CommandBuilder& hidden_option() {
        last().hidden = true;
        return *this;
    }

    CommandBuilder& description(std::string text) {
        spec().description = std::move(text);
        return *this;
    }
    CommandBuilder& example(std::string text) {
        spec().examples.push_back(std::move(text));
        return *this;
    }
    // Changes data: documented as such; --dry-run shows the plan.
    CommandBuilder& mutating() {
        spec().mutating = true;
        return *this;
    }
    CommandBuilder& hidden() {
        spec().hidden = true;
        return *this;
    }
    // The readable subset of a wide result's columns for `-o table`.
    CommandBuilder& table_columns(std::vector<std::string> columns) {
        spec().table_columns = std::move(columns);
        return *this;
    }
    CommandBuilder& run(std::function<Records(Context&, const Opts&)> fn) {
        auto opts = m_opts;
        spec().run = [opts, fn = std::move(fn)](Context& ctx) { return fn(ctx, *opts); };
        return *this;
    }

private:
    template <class T>
    void bind(OptionSpec& o, T Opts::*member) {
        auto opts = m_opts;
        std::string name = o.positional ? o.flags : o.flags.substr(o.flags.rfind(',') + 1);
        if constexpr (is_vector_v<T>) {
            o.multiple = true;
            o.assign = [opts, member, name](const std::vector<std::string>& values) {
                auto& out = (*opts).*member;
                out.clear();
                for (const auto& v : values) out.push_back(parse_option_value<typename T::value_type>(v, name));
            };
        } else if constexpr (is_optional_v<T>) {
            o.assign = [opts, member, name](const std::vector<std::string>& values) {
                (*opts).*member = parse_option_value<typename T::value_type>(values.back(), name);
            };
        } else {
            o.assign = [opts, member, name](const std::vector<std::string>& values) {
                (*opts).*member = parse_option_value<T>(values.back(), name);
            };
        }
    }

    CommandSpec& spec() { return m_registry.m_commands[m_index]; }
    OptionSpec& last() { return spec().options.back(); }
    CommandBuilder& push(OptionSpec o) {
        spec().options.push_back(std::move(o));
        return *this;
    }

    Registry& m_registry;
    std::size_t m_index;
    std::shared_ptr<Opts> m_opts;
};

template <class Opts>
CommandBuilder<Opts> Registry::command(const std::string& path, std::string summary) {
    CommandSpec spec;
    std::size_t start = 0;
    while (start < path.size()) {
        auto end = path.find(' ', start);
        spec.path.push_back(path.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    spec.summary = std::move(summary);
    m_commands.push_back(std::move(spec));
    return CommandBuilder<Opts>(*this, m_commands.size() - 1);
}

template <>
inline std::string parse_option_value<std::string>(const std::string& text, const std::string&) {
    return text;
}

template <class T>
T parse_option_value(const std::string& text, const std::string& option) {
    static_assert(std::is_arithmetic_v<T>, "options are strings or numbers");
    T value{};
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size())
        throw UsageError(option + ": expected a number, got '" + text + "'");
    return value;
}

}  // namespace tenantctl::cli
