// Shell completion scripts generated from the Registry. All three shells share one model:
// walk the words typed so far to find the command path, then offer the path's subcommands,
// its options (plus the global ones), or the values of the option just typed. Tenant slugs
// come from the database through the hidden `tenantctl __complete tenants`.
#include "cli/docs.hpp"

#include <fmt/format.h>

#include <set>

#include "core/errors.hpp"

namespace tenantctl::cli {

namespace {

struct Model {
    std::map<std::string, std::set<std::string>> children;  // path -> subcommand names
    std::map<std::string, std::vector<std::string>> options;  // path -> option names (leaf + global)
    // (path, option) -> completer; path "*" for global options
    std::vector<std::tuple<std::string, std::string, const OptionSpec*>> values;
};

std::string join_path(const std::vector<std::string>& parts, std::size_t n) {
    std::string out;
    for (std::size_t k = 0; k < n; ++k) out += (k ? " " : "") + parts[k];
    return out;
}

void add_option_names(std::vector<std::string>& out, const OptionSpec& o) {
    for (const auto& n : o.long_names()) out.push_back(n);
    for (const auto& n : o.short_names()) out.push_back(n);
}

Model build_model(const Registry& r) {
    Model m;
    std::vector<std::string> globals;
    for (const auto& o : r.global_options()) {
        add_option_names(globals, o);
        if (!o.is_flag)
            for (const auto& n : o.long_names()) m.values.emplace_back("*", n, &o);
        if (!o.is_flag)
            for (const auto& n : o.short_names()) m.values.emplace_back("*", n, &o);
    }
    globals.push_back("--help");
    globals.push_back("--version");
    m.options[""] = globals;
    for (const auto& c : r.commands()) {
        if (c.hidden) continue;
        for (std::size_t k = 0; k < c.path.size(); ++k) {
            m.children[join_path(c.path, k)].insert(c.path[k]);
            if (!m.options.count(join_path(c.path, k + 1))) m.options[join_path(c.path, k + 1)] = globals;
        }
        const std::string path = c.name();
        auto& opts = m.options[path];
        std::vector<std::string> own;
        for (const auto& o : c.options) {
            if (o.hidden || o.positional) continue;
            add_option_names(own, o);
            if (!o.is_flag) {
                for (const auto& n : o.long_names()) m.values.emplace_back(path, n, &o);
                for (const auto& n : o.short_names()) m.values.emplace_back(path, n, &o);
            }
        }
        // A positional that names something in the database (`tenant show SLUG`) completes
        // like an option value, under the pseudo-option @positional.
        for (const auto& o : c.options)
            if (o.positional && (o.completer == Completer::tenant_slug || o.completer == Completer::jwt_kid)) {
                m.values.emplace_back(path, "@positional", &o);
                break;
            }
        own.insert(own.end(), opts.begin(), opts.end());
        opts = own;
    }
    return m;
}

std::string words(const std::set<std::string>& s) {
    std::string out;
    for (const auto& w : s) out += (out.empty() ? "" : " ") + w;
    return out;
}
std::string words(const std::vector<std::string>& s) {
    std::string out;
    for (const auto& w : s) out += (out.empty() ? "" : " ") + w;
    return out;
}

// The POSIX-ish `case` body shared by bash and zsh (both accept `"pat") ...;;`).
// Value completers print candidates and return 0, return 2 for file names, 3 for
// directories, 1 when the option takes no value.
std::string sh_functions(const Model& m) {
    std::string out;
    out += "_tenantctl_is_node() {\n    case \"$1\" in\n";
    std::set<std::string> nodes;
    for (const auto& [path, _] : m.options) nodes.insert(path);
    for (const auto& n : nodes) out += fmt::format("        \"{}\") return 0 ;;\n", n);
    out += "    esac\n    return 1\n}\n\n";

    out += "_tenantctl_children() {\n    case \"$1\" in\n";
    for (const auto& [path, kids] : m.children) out += fmt::format("        \"{}\") echo \"{}\" ;;\n", path, words(kids));
    out += "    esac\n}\n\n";

    out += "_tenantctl_options() {\n    case \"$1\" in\n";
    for (const auto& [path, opts] : m.options) out += fmt::format("        \"{}\") echo \"{}\" ;;\n", path, words(opts));
    out += "    esac\n}\n\n";

    out += "_tenantctl_values() {\n    case \"$1|$2\" in\n";
    for (const auto& [path, name, o] : m.values) {
        std::string pattern = path == "*" ? fmt::format("*\"|{}\"", name) : fmt::format("\"{}|{}\"", path, name);
        switch (o->completer) {
        case Completer::choices: out += fmt::format("        {}) echo \"{}\"; return 0 ;;\n", pattern, words(o->choices)); break;
        case Completer::file: out += fmt::format("        {}) return 2 ;;\n", pattern); break;
        case Completer::directory: out += fmt::format("        {}) return 3 ;;\n", pattern); break;
        case Completer::tenant_slug:
            out += fmt::format("        {}) tenantctl __complete tenants 2>/dev/null; return 0 ;;\n", pattern);
            break;
        case Completer::jwt_kid:
            out += fmt::format("        {}) tenantctl __complete jwt-kids 2>/dev/null; return 0 ;;\n", pattern);
            break;
        default: out += fmt::format("        {}) return 0 ;;\n", pattern); break;
        }
    }
    out += "    esac\n    return 1\n}\n\n";
    return out;
}

std::string bash_script(const Model& m) {
    std::string out = "# bash completion for tenantctl; generated from the command tree by `tenantctl completion bash`.\n\n";
    out += sh_functions(m);
    out += R"SH(_tenantctl() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    local cmdpath="" w i candidates rc
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        [[ "$w" == -* ]] && continue
        if _tenantctl_is_node "${cmdpath:+$cmdpath }$w"; then cmdpath="${cmdpath:+$cmdpath }$w"; fi
    done
    if [[ "$prev" == -* ]]; then
        candidates="$(_tenantctl_values "$cmdpath" "$prev")"
        rc=$?
        case $rc in
            0) COMPREPLY=($(compgen -W "$candidates" -- "$cur")); return 0 ;;
            2) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
            3) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
        esac
    fi
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_tenantctl_options "$cmdpath")" -- "$cur"))
        return 0
    fi
    local kids
    kids="$(_tenantctl_children "$cmdpath")"
    if [[ -z "$kids" ]]; then
        candidates="$(_tenantctl_values "$cmdpath" @positional)" && COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
        return 0
    fi
    COMPREPLY=($(compgen -W "$kids" -- "$cur"))
    return 0
}
complete -F _tenantctl tenantctl
)SH";
    return out;
}

std::string zsh_script(const Model& m) {
    std::string out = "#compdef tenantctl\n# zsh completion for tenantctl; generated from the command tree by `tenantctl completion zsh`.\n\n";
    out += sh_functions(m);
    out += R"SH(_tenantctl() {
    local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}"
    local cmdpath="" w i candidates rc
    for ((i = 2; i < CURRENT; i++)); do
        w="${words[i]}"
        [[ "$w" == -* ]] && continue
        if _tenantctl_is_node "${cmdpath:+$cmdpath }$w"; then cmdpath="${cmdpath:+$cmdpath }$w"; fi
    done
    if [[ "$prev" == -* ]]; then
        candidates="$(_tenantctl_values "$cmdpath" "$prev")"
        rc=$?
        case $rc in
            0) compadd -- ${=candidates}; return 0 ;;
            2) _files; return 0 ;;
            3) _files -/; return 0 ;;
        esac
    fi
    if [[ "$cur" == -* ]]; then
        compadd -- ${=$(_tenantctl_options "$cmdpath")}
        return 0
    fi
    local kids
    kids="$(_tenantctl_children "$cmdpath")"
    if [[ -z "$kids" ]]; then
        candidates="$(_tenantctl_values "$cmdpath" @positional)" && compadd -- ${=candidates}
        return 0
    fi
    compadd -- ${=kids}
}
if [[ "$funcstack[1]" == "_tenantctl" ]]; then
    _tenantctl "$@"
else
    compdef _tenantctl tenantctl
fi
)SH";
    return out;
}

std::string fish_script(const Model& m) {
    std::string out = "# fish completion for tenantctl; generated from the command tree by `tenantctl completion fish`.\n\n";
    out += "function __tenantctl_is_node\n    switch \"$argv[1]\"\n";
    std::set<std::string> nodes;
    for (const auto& [path, _] : m.options) nodes.insert(path);
    for (const auto& n : nodes) out += fmt::format("        case '{}'\n            return 0\n", n);
    out += "    end\n    return 1\nend\n\n";
    out += "function __tenantctl_children\n    switch \"$argv[1]\"\n";
    for (const auto& [path, kids] : m.children)
        out += fmt::format("        case '{}'\n            string split ' ' -- '{}'\n", path, words(kids));
    out += "    end\nend\n\n";
    out += "function __tenantctl_options\n    switch \"$argv[1]\"\n";
    for (const auto& [path, opts] : m.options)
        out += fmt::format("        case '{}'\n            string split ' ' -- '{}'\n", path, words(opts));
    out += "    end\nend\n\n";
    out += "function __tenantctl_values\n    switch \"$argv[1]|$argv[2]\"\n";
    for (const auto& [path, name, o] : m.values) {
        std::string pattern = path == "*" ? fmt::format("'*|{}'", name) : fmt::format("'{}|{}'", path, name);
        out += fmt::format("        case {}\n", pattern);
        switch (o->completer) {
        case Completer::choices: out += fmt::format("            string split ' ' -- '{}'\n            return 0\n", words(o->choices)); break;
        case Completer::file: out += "            return 2\n"; break;
        case Completer::directory: out += "            return 3\n"; break;
        case Completer::tenant_slug: out += "            tenantctl __complete tenants 2>/dev/null\n            return 0\n"; break;
        case Completer::jwt_kid: out += "            tenantctl __complete jwt-kids 2>/dev/null\n            return 0\n"; break;
        default: out += "            return 0\n"; break;
        }
    }
    out += "    end\n    return 1\nend\n\n";
    out += R"SH(function __tenantctl_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmdpath ''
    for w in $tokens[2..-1]
        string match -q -- '-*' $w; and continue
        set -l candidate (string trim -- "$cmdpath $w")
        if __tenantctl_is_node "$candidate"
            set cmdpath $candidate
        end
    end
    set -l prev $tokens[-1]
    if string match -q -- '-*' $prev
        set -l values (__tenantctl_values "$cmdpath" "$prev")
        switch $status
            case 0
                printf '%s\n' $values
                return
            case 2 3
                __fish_complete_path $cur
                return
        end
    end
    if string match -q -- '-*' $cur
        __tenantctl_options "$cmdpath"
        return
    end
    set -l kids (__tenantctl_children "$cmdpath")
    if test -z "$kids"
        set -l values (__tenantctl_values "$cmdpath" @positional)
        and printf '%s\n' $values
        return
    end
    printf '%s\n' $kids
end

complete -c tenantctl -f -a '(__tenantctl_complete)'
)SH";
    return out;
}

}  // namespace

std::string completion_file_name(const std::string& shell) {
    if (shell == "bash") return "tenantctl.bash";
    if (shell == "zsh") return "_tenantctl";
    if (shell == "fish") return "tenantctl.fish";
    throw UsageError("unknown shell '" + shell + "': expected bash, zsh or fish");
}

std::string completion_script(const Registry& r, const std::string& shell) {
    Model m = build_model(r);
    if (shell == "bash") return bash_script(m);
    if (shell == "zsh") return zsh_script(m);
    if (shell == "fish") return fish_script(m);
    throw UsageError("unknown shell '" + shell + "': expected bash, zsh or fish");
}

}  // namespace tenantctl::cli
