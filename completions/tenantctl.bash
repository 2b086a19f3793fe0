# bash completion for tenantctl; generated from the command tree by `tenantctl completion bash`.

_tenantctl_is_node() {
    case "$1" in
        "") return 0 ;;
        "completion") return 0 ;;
        "doctor") return 0 ;;
        "gdpr") return 0 ;;
        "gdpr erase") return 0 ;;
        "gdpr export") return 0 ;;
        "gdpr lint") return 0 ;;
        "gdpr requests") return 0 ;;
        "gdpr requests add") return 0 ;;
        "gdpr requests close") return 0 ;;
        "gdpr requests list") return 0 ;;
        "gdpr requests show") return 0 ;;
        "init") return 0 ;;
        "sandbox") return 0 ;;
        "sandbox down") return 0 ;;
        "sandbox env") return 0 ;;
        "sandbox psql") return 0 ;;
        "sandbox status") return 0 ;;
        "sandbox up") return 0 ;;
    esac
    return 1
}

_tenantctl_children() {
    case "$1" in
        "") echo "completion doctor gdpr init sandbox" ;;
        "gdpr") echo "erase export lint requests" ;;
        "gdpr requests") echo "add close list show" ;;
        "sandbox") echo "down env psql status up" ;;
    esac
}

_tenantctl_options() {
    case "$1" in
        "") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "completion") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "doctor") echo "--check --metrics-file --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr erase") echo "--tenant --subject --output-file -O --force --request --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr export") echo "--tenant --subject --all --output-file -O --format --table-format --force --request --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr lint") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests add") echo "--tenant --kind --subject --received --note --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests close") echo "--note --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests list") echo "--tenant --open --overdue --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests show") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "init") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox down") echo "--dir --keep --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox env") echo "--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox psql") echo "--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox status") echo "--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox up") echo "--dir --port --no-init --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
    esac
}

_tenantctl_values() {
    case "$1|$2" in
        *"|--database") return 0 ;;
        *"|-d") return 0 ;;
        *"|--config") return 2 ;;
        *"|-c") return 2 ;;
        *"|--context") return 0 ;;
        *"|--output") echo "table json ndjson yaml csv"; return 0 ;;
        *"|-o") echo "table json ndjson yaml csv"; return 0 ;;
        *"|--actor") return 0 ;;
        *"|--log-format") echo "text json"; return 0 ;;
        *"|--lock-timeout") return 0 ;;
        *"|--progress") echo "auto always never"; return 0 ;;
        "sandbox up|--dir") return 3 ;;
        "sandbox up|--port") return 0 ;;
        "sandbox down|--dir") return 3 ;;
        "sandbox status|--dir") return 3 ;;
        "sandbox env|--dir") return 3 ;;
        "sandbox psql|--dir") return 3 ;;
        "doctor|--check") return 0 ;;
        "doctor|--metrics-file") return 2 ;;
        "gdpr export|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "gdpr export|--subject") return 0 ;;
        "gdpr export|--output-file") return 2 ;;
        "gdpr export|-O") return 2 ;;
        "gdpr export|--format") echo "zip json"; return 0 ;;
        "gdpr export|--table-format") echo "ndjson csv"; return 0 ;;
        "gdpr export|--request") return 0 ;;
        "gdpr erase|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "gdpr erase|--subject") return 0 ;;
        "gdpr erase|--output-file") return 2 ;;
        "gdpr erase|-O") return 2 ;;
        "gdpr erase|--request") return 0 ;;
        "gdpr requests list|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "gdpr requests close|--note") return 0 ;;
        "gdpr requests add|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "gdpr requests add|--kind") echo "export erase export_all"; return 0 ;;
        "gdpr requests add|--subject") return 0 ;;
        "gdpr requests add|--received") return 0 ;;
        "gdpr requests add|--note") return 0 ;;
    esac
    return 1
}

_tenantctl() {
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
    else
        COMPREPLY=($(compgen -W "$(_tenantctl_children "$cmdpath")" -- "$cur"))
    fi
    return 0
}
complete -F _tenantctl tenantctl
