# bash completion for tenantctl; generated from the command tree by `tenantctl completion bash`.

_tenantctl_is_node() {
    case "$1" in
        "") return 0 ;;
        "completion") return 0 ;;
        "doctor") return 0 ;;
        "init") return 0 ;;
        "sandbox") return 0 ;;
        "sandbox down") return 0 ;;
        "sandbox env") return 0 ;;
        "sandbox psql") return 0 ;;
        "sandbox status") return 0 ;;
        "sandbox up") return 0 ;;
        "tenant") return 0 ;;
        "tenant apply") return 0 ;;
        "tenant create") return 0 ;;
        "tenant delete") return 0 ;;
        "tenant list") return 0 ;;
        "tenant purge") return 0 ;;
        "tenant restore") return 0 ;;
        "tenant resume") return 0 ;;
        "tenant show") return 0 ;;
        "tenant suspend") return 0 ;;
        "tenant update") return 0 ;;
    esac
    return 1
}

_tenantctl_children() {
    case "$1" in
        "") echo "completion doctor init sandbox tenant" ;;
        "sandbox") echo "down env psql status up" ;;
        "tenant") echo "apply create delete list purge restore resume show suspend update" ;;
    esac
}

_tenantctl_options() {
    case "$1" in
        "") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "completion") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "doctor") echo "--check --metrics-file --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "init") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox down") echo "--dir --keep --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox env") echo "--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox psql") echo "--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox status") echo "--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox up") echo "--dir --port --no-init --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant apply") echo "--file -f --prune --grace --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant create") echo "--name --plan --region --id --admin-email --isolation --if-not-exists --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant delete") echo "--grace --reason --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant list") echo "--status --plan --region --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant purge") echo "--due --force --batch-size --max-duration --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant restore") echo "--force --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant resume") echo "--reason --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant show") echo "--events --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant suspend") echo "--reason --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant update") echo "--name --plan --region --admin-email --set --unset --flag --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
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
        "tenant create|--name") return 0 ;;
        "tenant create|--plan") return 0 ;;
        "tenant create|--region") return 0 ;;
        "tenant create|--id") return 0 ;;
        "tenant create|--admin-email") return 0 ;;
        "tenant create|--isolation") echo "shared schema"; return 0 ;;
        "tenant list|--status") echo "active suspended pending_deletion purged all"; return 0 ;;
        "tenant list|--plan") return 0 ;;
        "tenant list|--region") return 0 ;;
        "tenant show|--events") return 0 ;;
        "tenant update|--name") return 0 ;;
        "tenant update|--plan") return 0 ;;
        "tenant update|--region") return 0 ;;
        "tenant update|--admin-email") return 0 ;;
        "tenant update|--set") return 0 ;;
        "tenant update|--unset") return 0 ;;
        "tenant update|--flag") return 0 ;;
        "tenant suspend|--reason") return 0 ;;
        "tenant resume|--reason") return 0 ;;
        "tenant delete|--grace") return 0 ;;
        "tenant delete|--reason") return 0 ;;
        "tenant purge|--batch-size") return 0 ;;
        "tenant purge|--max-duration") return 0 ;;
        "tenant apply|--file") return 2 ;;
        "tenant apply|-f") return 2 ;;
        "tenant apply|--grace") return 0 ;;
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
