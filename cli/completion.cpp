// Shell completion scripts generated from the Registry. All three shells share one model:
// walk the words typed so far to find the command path, the positionals already given and
// the options that choose the database, then offer the path's subcommands, its options (plus
// the global ones), or the values of the option or positional at the cursor.
//
// What is known when the script is generated (commands, options, choices) is written into
// it, with a one-line description for zsh and fish. What lives in the database or the config
// file comes from the hidden `tenantctl __complete KIND`, run with the -d/--database,
// -c/--config, --context (and --tenant) the user typed, so the candidates come from the
// database the command itself would use. Candidates are data: they are printed as
// "word<TAB>description" lines and never pass through eval, compgen -W or the like.
#include "cli/docs.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "core/errors.hpp"

namespace tenantctl::cli {

namespace {

// An option or positional that takes a value, by the path of its command ("*" for a global
// option) and its slot: an option name ("--tenant", "-t") or a positional's "@1", "@2".
struct ValueSlot {
    std::string path;
    std::string slot;
    const OptionSpec* option;
};

struct Model {
    std::set<std::string> nodes;                                    // every command path, groups too
    std::map<std::string, std::map<std::string, std::string>> children;  // path -> name -> summary
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> options;  // own options
    std::vector<std::pair<std::string, std::string>> global_options;
    std::vector<ValueSlot> values;  // command slots first: they win over a global of the same name
    std::vector<ValueSlot> global_values;
    std::vector<std::pair<std::string, std::string>> passed;  // option name -> long name handed to __complete
};

// The global options that decide which config file and database a command uses; the value
// completers must see them to offer that database's slugs. --tenant narrows API keys and
// GDPR requests to one tenant.
const std::set<std::string> kPassedOptions = {"--database", "--config", "--context", "--tenant"};

std::string join_path(const std::vector<std::string>& parts, std::size_t n) {
    std::string out;
    for (std::size_t k = 0; k < n; ++k) out += (k ? " " : "") + parts[k];
    return out;
}

// Menus show one line per candidate: the help up to its first "; ", cut at a word boundary.
std::string one_line(const std::string& help) {
    constexpr std::size_t kMax = 72;
    std::string text = help.substr(0, help.find("; "));
    for (auto& c : text)
        if (c == '\n' || c == '\t') c = ' ';
    if (text.size() <= kMax) return text;
    auto cut = text.rfind(' ', kMax - 3);
    return text.substr(0, cut == std::string::npos ? kMax - 3 : cut) + "...";
}

std::vector<std::string> all_names(const OptionSpec& o) {
    auto names = o.long_names();
    for (auto& n : o.short_names()) names.push_back(n);
    return names;
}

void add_global_options(Model& m, const Registry& r) {
    for (const auto& o : r.global_options()) {
        for (const auto& n : all_names(o)) {
            m.global_options.emplace_back(n, one_line(o.help));
            if (!o.is_flag) m.global_values.push_back({"*", n, &o});
        }
        for (const auto& long_name : o.long_names())
            if (kPassedOptions.count(long_name))
                for (const auto& n : all_names(o)) m.passed.emplace_back(n, long_name);
    }
    m.global_options.emplace_back("--help", "show the help of the command");
    m.global_options.emplace_back("--version", "print the version and the git commit");
    m.passed.emplace_back("--tenant", "--tenant");
}

bool offers_something(const OptionSpec& o) { return o.completer != Completer::none || !o.choices.empty(); }

void add_command(Model& m, const Registry& r, const CommandSpec& c) {
    for (std::size_t k = 0; k < c.path.size(); ++k) {
        const std::string parent = join_path(c.path, k);
        const std::string here = join_path(c.path, k + 1);
        const bool leaf = k + 1 == c.path.size();
        const GroupSpec* group = leaf ? nullptr : r.find_group(here);
        m.nodes.insert(here);
        m.children[parent][c.path[k]] = one_line(leaf ? c.summary : group ? group->summary : std::string());
    }
    const std::string path = c.name();
    auto& own = m.options[path];
    bool positional_values = false;
    for (const auto& o : c.options) {
        if (o.positional) {
            positional_values = positional_values || offers_something(o);
            continue;
        }
        for (const auto& n : all_names(o)) {
            if (!o.hidden) own.emplace_back(n, one_line(o.help));
            // Hidden options still take their value: the walk over the line must skip it.
            if (!o.is_flag) m.values.push_back({path, n, &o});
        }
    }
    // Every positional gets its slot once one offers something, so that "@1" never falls
    // through to a later variadic positional's "@*".
    if (!positional_values) return;
    int index = 0;
    for (const auto& o : c.options)
        if (o.positional) m.values.push_back({path, o.multiple ? "@*" : "@" + std::to_string(++index), &o});
}

Model build_model(const Registry& r) {
    Model m;
    add_global_options(m, r);
    m.nodes.insert("");
    for (const auto& c : r.commands())
        if (!c.hidden) add_command(m, r, c);
    return m;
}

// The KIND of `tenantctl __complete KIND`, for completers that read the database or config.
std::string dynamic_kind(Completer c) {
    switch (c) {
    case Completer::tenant_slug: return "tenants";
    case Completer::jwt_kid: return "jwt-kids";
    case Completer::context: return "contexts";
    case Completer::doctor_check: return "doctor-checks";
    case Completer::gdpr_request: return "gdpr-requests";
    case Completer::api_key: return "api-keys";
    default: return "";
    }
}

// How a value slot completes, as the generated value functions answer: status 0 with
// candidate lines, 2 for file names, 3 for directories, 4 with the KIND for __complete.
struct ValueAnswer {
    int status = 0;
    std::vector<std::string> lines;
};

ValueAnswer answer_for(const OptionSpec& o) {
    if (!o.choices.empty()) return {0, o.choices};
    if (o.completer == Completer::file) return {2, {}};
    if (o.completer == Completer::directory) return {3, {}};
    if (auto kind = dynamic_kind(o.completer); !kind.empty()) return {4, {kind}};
    return {0, {}};  // takes a value, nothing to offer
}

std::string candidate(const std::string& word, const std::string& help) { return word + "\t" + help; }

// ---- bash and zsh ---------------------------------------------------------------------

std::string sh_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// `printf '%s\n' 'a<TAB>help' ...`, or nothing for no lines.
std::string sh_print(const std::vector<std::string>& lines) {
    if (lines.empty()) return ":";
    std::string out = "printf '%s\\n'";
    for (const auto& l : lines) out += " " + sh_quote(l);
    return out;
}

std::string sh_value_case(const std::string& pattern, const OptionSpec& o) {
    const ValueAnswer a = answer_for(o);
    if (a.status == 0 || a.status == 4)
        return fmt::format("        {}) {}; return {} ;;\n", pattern, sh_print(a.lines), a.status);
    return fmt::format("        {}) return {} ;;\n", pattern, a.status);
}

std::string sh_slot_pattern(const ValueSlot& v) {
    if (v.path == "*") return fmt::format("*{}", sh_quote("|" + v.slot));
    if (v.slot == "@*") return sh_quote(v.path + "|@") + "*";
    return sh_quote(v.path + "|" + v.slot);
}

// The functions generated from the command tree; bash and zsh read the same syntax.
std::string sh_functions(const Model& m) {
    std::string out = "_tenantctl_is_node() {\n    case \"$1\" in\n";
    for (const auto& n : m.nodes) out += fmt::format("        {}) return 0 ;;\n", sh_quote(n));
    out += "    esac\n    return 1\n}\n\n";

    out += "_tenantctl_children() {\n    case \"$1\" in\n";
    for (const auto& [path, kids] : m.children) {
        std::vector<std::string> lines;
        for (const auto& [name, summary] : kids) lines.push_back(candidate(name, summary));
        out += fmt::format("        {}) {} ;;\n", sh_quote(path), sh_print(lines));
    }
    out += "    esac\n}\n\n";

    out += "_tenantctl_options() {\n    case \"$1\" in\n";
    for (const auto& [path, opts] : m.options) {
        if (opts.empty()) continue;
        std::vector<std::string> lines;
        for (const auto& [name, help] : opts) lines.push_back(candidate(name, help));
        out += fmt::format("        {}) {} ;;\n", sh_quote(path), sh_print(lines));
    }
    std::vector<std::string> globals;
    for (const auto& [name, help] : m.global_options) globals.push_back(candidate(name, help));
    out += "    esac\n    " + sh_print(globals) + "\n}\n\n";

    out += "_tenantctl_values() {\n    case \"$1|$2\" in\n";
    for (const auto& v : m.values) out += sh_value_case(sh_slot_pattern(v), *v.option);
    for (const auto& v : m.global_values) out += sh_value_case(sh_slot_pattern(v), *v.option);
    out += "    esac\n    return 1\n}\n\n";

    out += "_tenantctl_passed_name() {\n    case \"$1\" in\n";
    for (const auto& [name, long_name] : m.passed)
        out += fmt::format("        {}) echo {} ;;\n", sh_quote(name), sh_quote(long_name));
    out += "        *) return 1 ;;\n    esac\n}\n\n";
    return out;
}

// Hand-written helpers shared by bash and zsh.
const char* kShHelpers = R"SH(_tenantctl_takes_value() {
    _tenantctl_values "$1" "$2" >/dev/null
    (( $? != 1 ))
}

# Remembers an option that chooses the database (or --tenant) with its value, as the value
# completers must see it: --database=VALUE, one word, whatever VALUE holds.
_tenantctl_pass() {
    local name value="$2"
    name="$(_tenantctl_passed_name "$1")" || return 0
    [[ "$value" == "~/"* ]] && value="$HOME/${value:2}"
    _tenantctl_flags+=("$name=$value")
}

# The same for a value attached to its option: --database=URL, -dURL.
_tenantctl_pass_attached() {
    case "$1" in
        --*=*) _tenantctl_pass "${1%%=*}" "${1#*=}" ;;
        --*) ;;
        -??*) _tenantctl_pass "${1:0:2}" "${1:2}" ;;
    esac
}

# The candidates of a value slot: static ones from the tree, dynamic ones from
# `tenantctl __complete KIND` against the database the line names. Status 2: file names,
# 3: directories. Stdin is closed (never a password prompt) and stderr is dropped (never
# a message over the prompt).
_tenantctl_candidates() {
    local out rc
    out="$(_tenantctl_values "$1" "$2")"
    rc=$?
    case $rc in
        0) printf '%s\n' "$out" ;;
        4) command tenantctl __complete "$out" ${_tenantctl_flags[@]+"${_tenantctl_flags[@]}"} </dev/null 2>/dev/null ;;
        *) return $rc ;;
    esac
    return 0
}

)SH";

// The walk over the words before the cursor, identical in bash and zsh but for how a word
// is read: WORD_AT(i) expands to the word as the command will receive it.
std::string sh_walk(const std::string& word_at, const std::string& first, const std::string& count) {
    std::string out = R"SH(    local cmdpath="" valopt="" w i positionals=0
    for ((i = FIRST; i < COUNT; i++)); do
        w="WORD_AT(i)"
        if [[ "$w" == -?* ]]; then
            if [[ "$w" != *=* ]] && _tenantctl_takes_value "$cmdpath" "$w"; then
                if (( i + 1 == COUNT )); then valopt="$w"; break; fi
                _tenantctl_pass "$w" "WORD_AT(i + 1)"
                ((i++))
            else
                _tenantctl_pass_attached "$w"
            fi
        elif (( positionals == 0 )) && _tenantctl_is_node "${cmdpath:+$cmdpath }$w"; then
            cmdpath="${cmdpath:+$cmdpath }$w"
        else
            ((positionals++))
        fi
    done
)SH";
    auto replace_all = [&out](const std::string& from, const std::string& to) {
        for (auto at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
            out.replace(at, from.size(), to);
    };
    replace_all("WORD_AT(i + 1)", fmt::format(fmt::runtime(word_at), "i + 1"));
    replace_all("WORD_AT(i)", fmt::format(fmt::runtime(word_at), "i"));
    replace_all("FIRST", first);
    replace_all("COUNT", count);
    return out;
}

std::string bash_script(const Model& m) {
    std::string out = "# bash completion for tenantctl; generated from the command tree by `tenantctl completion bash`.\n\n";
    out += sh_functions(m);
    out += kShHelpers;
    out += R"SH(# The words before the cursor, joined again where bash split them at COMP_WORDBREAKS
# (':' and '=' cut `-d postgresql://host/db` into four words), and read as the command will
# receive them: quotes removed, nothing expanded or run.
_tenantctl_line_words() {
    local rest="${COMP_LINE-}" w i
    for ((i = 0; i < COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        local trimmed="${rest#"${rest%%[![:space:]]*}"}"
        if (( i > 0 )) && [[ "$trimmed" == "$rest" && -n "$w" && "$rest" == "$w"* ]]; then
            _tenantctl_words[${#_tenantctl_words[@]}-1]+="$w"
        else
            _tenantctl_words+=("$w")
        fi
        rest="${trimmed#"$w"}"
    done
    for ((i = 0; i < ${#_tenantctl_words[@]}; i++)); do
        _tenantctl_words[i]="$(_tenantctl_dequote "${_tenantctl_words[i]}")"
    done
}

# Quote removal as the shell does it before running the command ('...', "...", \x); no
# expansion: `"$HOME"` stays those five characters, and nothing is run.
_tenantctl_dequote() {
    local word="$1" out="" c quote="" i
    for ((i = 0; i < ${#word}; i++)); do
        c="${word:i:1}"
        if [[ "$quote" == "'" ]]; then
            [[ "$c" == "'" ]] && quote="" || out+="$c"
        elif [[ "$c" == "\\" ]]; then
            ((i++))
            out+="${word:i:1}"
        elif [[ -n "$quote" && "$c" == "$quote" ]]; then
            quote=""
        elif [[ -z "$quote" && ( "$c" == "'" || "$c" == '"' ) ]]; then
            quote="$c"
        else
            out+="$c"
        fi
    done
    printf '%s' "$out"
}

# Adds the candidates ("word<TAB>description" lines) that begin with the word typed, quoted
# for the command line (compgen -W would expand them).
_tenantctl_offer() {
    local line word typed
    typed="$(_tenantctl_dequote "$cur")"
    while IFS= read -r line; do
        word="${line%%$'\t'*}"
        [[ -n "$word" && "$word" == "$typed"* ]] || continue
        printf -v word '%q' "$word"
        COMPREPLY+=("$word")
    done <<<"$1"
}

_tenantctl_offer_slot() {
    local out
    out="$(_tenantctl_candidates "$1" "$2")"
    case $? in
        2) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
        3) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
        *) _tenantctl_offer "$out" ;;
    esac
}

_tenantctl() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local -a _tenantctl_words=() _tenantctl_flags=()
    _tenantctl_line_words
)SH";
    out += sh_walk("${{_tenantctl_words[{}]}}", "1", "${#_tenantctl_words[@]}");
    out += R"SH(    COMPREPLY=()
    if [[ -n "$valopt" ]]; then
        _tenantctl_offer_slot "$cmdpath" "$valopt"
    elif [[ "$cur" == -* ]]; then
        _tenantctl_offer "$(_tenantctl_options "$cmdpath")"
    elif [[ -n "$(_tenantctl_children "$cmdpath")" ]]; then
        _tenantctl_offer "$(_tenantctl_children "$cmdpath")"
    else
        _tenantctl_offer_slot "$cmdpath" "@$((positionals + 1))"
    fi
    return 0
}
complete -F _tenantctl tenantctl
)SH";
    return out;
}

std::string zsh_script(const Model& m) {
    std::string out = "#compdef tenantctl\n# zsh completion for tenantctl; generated from the command tree by `tenantctl completion zsh`.\n\n";
    out += sh_functions(m);
    out += kShHelpers;
    out += R"SH(# Adds "word<TAB>description" lines, shown as "word  -- description"; compadd quotes
# what it inserts, so a candidate is never run.
_tenantctl_offer() {
    local -a found shown
    local line word
    for line in "${(@f)1}"; do
        word="${line%%$'\t'*}"
        [[ -n "$word" ]] || continue
        found+=("$word")
        if [[ "$line" == *$'\t'* ]]; then shown+=("$word  -- ${line#*$'\t'}"); else shown+=("$word"); fi
    done
    (( ${#found} )) && compadd -l -d shown -- "${found[@]}"
    return 0
}

_tenantctl_offer_slot() {
    local out
    out="$(_tenantctl_candidates "$1" "$2")"
    case $? in
        2) _files ;;
        3) _files -/ ;;
        *) _tenantctl_offer "$out" ;;
    esac
}

_tenantctl() {
    local cur="${words[CURRENT]}"
    local -a _tenantctl_flags
)SH";
    // ${(Q)...}: the word without its quotes, nothing expanded.
    out += sh_walk("${{(Q)words[{}]}}", "2", "CURRENT");
    out += R"SH(    if [[ -n "$valopt" ]]; then
        _tenantctl_offer_slot "$cmdpath" "$valopt"
    elif [[ "$cur" == -* ]]; then
        _tenantctl_offer "$(_tenantctl_options "$cmdpath")"
    elif [[ -n "$(_tenantctl_children "$cmdpath")" ]]; then
        _tenantctl_offer "$(_tenantctl_children "$cmdpath")"
    else
        _tenantctl_offer_slot "$cmdpath" "@$((positionals + 1))"
    fi
}
if [[ "$funcstack[1]" == "_tenantctl" ]]; then
    _tenantctl "$@"
else
    compdef _tenantctl tenantctl
fi
)SH";
    return out;
}

// ---- fish -------------------------------------------------------------------------------

std::string fish_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

std::string fish_print(const std::vector<std::string>& lines) {
    std::string out = "printf '%s\\n'";
    for (const auto& l : lines) out += " " + fish_quote(l);
    return out;
}

std::string fish_value_case(const ValueSlot& v) {
    std::string pattern = v.path == "*" ? "*|" + v.slot : v.path + "|" + v.slot;
    std::string out = fmt::format("        case {}\n", fish_quote(pattern));
    const ValueAnswer a = answer_for(*v.option);
    if (!a.lines.empty()) out += "            " + fish_print(a.lines) + "\n";
    return out + fmt::format("            return {}\n", a.status);
}

std::string fish_functions(const Model& m) {
    std::string out = "function __tenantctl_is_node\n    switch \"$argv[1]\"\n";
    for (const auto& n : m.nodes) out += fmt::format("        case {}\n            return 0\n", fish_quote(n));
    out += "    end\n    return 1\nend\n\n";

    out += "function __tenantctl_children\n    switch \"$argv[1]\"\n";
    for (const auto& [path, kids] : m.children) {
        std::vector<std::string> lines;
        for (const auto& [name, summary] : kids) lines.push_back(candidate(name, summary));
        out += fmt::format("        case {}\n            {}\n", fish_quote(path), fish_print(lines));
    }
    out += "    end\nend\n\n";

    out += "function __tenantctl_options\n    switch \"$argv[1]\"\n";
    for (const auto& [path, opts] : m.options) {
        if (opts.empty()) continue;
        std::vector<std::string> lines;
        for (const auto& [name, help] : opts) lines.push_back(candidate(name, help));
        out += fmt::format("        case {}\n            {}\n", fish_quote(path), fish_print(lines));
    }
    std::vector<std::string> globals;
    for (const auto& [name, help] : m.global_options) globals.push_back(candidate(name, help));
    out += "    end\n    " + fish_print(globals) + "\nend\n\n";

    // fish runs the first case that matches: command slots come before the global ones.
    out += "function __tenantctl_values\n    switch \"$argv[1]|$argv[2]\"\n";
    for (const auto& v : m.values) out += fish_value_case(v);
    for (const auto& v : m.global_values) out += fish_value_case(v);
    out += "    end\n    return 1\nend\n\n";

    out += "function __tenantctl_passed_name\n    switch $argv[1]\n";
    for (const auto& [name, long_name] : m.passed)
        out += fmt::format("        case {}\n            echo {}\n            return 0\n", fish_quote(name), fish_quote(long_name));
    out += "    end\n    return 1\nend\n\n";
    return out;
}

std::string fish_script(const Model& m) {
    std::string out = "# fish completion for tenantctl; generated from the command tree by `tenantctl completion fish`.\n\n";
    out += fish_functions(m);
    out += R"SH(function __tenantctl_takes_value
    __tenantctl_values $argv >/dev/null
    test $status -ne 1
end

# An option that chooses the database (or --tenant) with its value, as the value completers
# must see it: --database=VALUE, one word, whatever VALUE holds.
function __tenantctl_pass --argument-names name value
    set -l long (__tenantctl_passed_name $name); or return 0
    string match -q -- '~/*' $value; and set value $HOME/(string sub -s 3 -- $value)
    printf '%s=%s\n' $long $value
end

# The same for a value attached to its option: --database=URL, -dURL.
function __tenantctl_pass_attached --argument-names word
    if string match -q -- '--*=*' $word
        set -l parts (string split -m 1 = -- $word)
        __tenantctl_pass $parts[1] $parts[2]
    else if string match -q -r -- '^-[^-].' $word
        __tenantctl_pass (string sub -l 2 -- $word) (string sub -s 3 -- $word)
    end
end

# The candidates of a value slot: static ones from the tree, dynamic ones from
# `tenantctl __complete KIND` against the database the line names. Stdin is closed (never
# a password prompt) and stderr is dropped (never a message over the prompt).
function __tenantctl_candidates --argument-names cmdpath slot cur
    set -l out (__tenantctl_values $cmdpath $slot)
    switch $status
        case 0
            printf '%s\n' $out
        case 2
            __fish_complete_path $cur
        case 3
            __fish_complete_directories $cur
        case 4
            command tenantctl __complete $out $argv[4..-1] </dev/null 2>/dev/null
    end
end

function __tenantctl_complete
    # -o: the tokens as the command receives them, quotes removed, nothing expanded.
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmdpath ''
    set -l valopt ''
    set -l positionals 0
    set -l flags
    set -l count (count $tokens)
    set -l i 2
    while test $i -le $count
        set -l w $tokens[$i]
        if string match -q -- '-?*' $w
            if not string match -q -- '*=*' $w; and __tenantctl_takes_value "$cmdpath" $w
                if test $i -eq $count
                    set valopt $w
                    break
                end
                set i (math $i + 1)
                set -a flags (__tenantctl_pass $w $tokens[$i])
            else
                set -a flags (__tenantctl_pass_attached $w)
            end
        else if test $positionals -eq 0; and __tenantctl_is_node (string trim -- "$cmdpath $w")
            set cmdpath (string trim -- "$cmdpath $w")
        else
            set positionals (math $positionals + 1)
        end
        set i (math $i + 1)
    end
    set -l kids (__tenantctl_children "$cmdpath")
    if test -n "$valopt"
        __tenantctl_candidates "$cmdpath" $valopt $cur $flags
    else if string match -q -- '-*' $cur
        __tenantctl_options "$cmdpath"
    else if test -n "$kids"
        printf '%s\n' $kids
    else
        __tenantctl_candidates "$cmdpath" "@"(math $positionals + 1) $cur $flags
    end
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
