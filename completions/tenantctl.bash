# bash completion for tenantctl; generated from the command tree by `tenantctl completion bash`.

_tenantctl_is_node() {
    case "$1" in
        "") return 0 ;;
        "apikey") return 0 ;;
        "apikey create") return 0 ;;
        "apikey list") return 0 ;;
        "apikey revoke") return 0 ;;
        "apikey rotate") return 0 ;;
        "completion") return 0 ;;
        "doctor") return 0 ;;
        "init") return 0 ;;
        "keys") return 0 ;;
        "keys destroy") return 0 ;;
        "keys jwks") return 0 ;;
        "keys jwt") return 0 ;;
        "keys jwt activate") return 0 ;;
        "keys jwt list") return 0 ;;
        "keys jwt retire") return 0 ;;
        "keys jwt rotate") return 0 ;;
        "keys reencrypt") return 0 ;;
        "keys retire") return 0 ;;
        "keys rewrap") return 0 ;;
        "keys rotate") return 0 ;;
        "keys status") return 0 ;;
        "keys verify") return 0 ;;
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
        "") echo "apikey completion doctor init keys sandbox" ;;
        "apikey") echo "create list revoke rotate" ;;
        "keys") echo "destroy jwks jwt reencrypt retire rewrap rotate status verify" ;;
        "keys jwt") echo "activate list retire rotate" ;;
        "sandbox") echo "down env psql status up" ;;
    esac
}

_tenantctl_options() {
    case "$1" in
        "") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey create") echo "--tenant --name --scope --expires --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey list") echo "--tenant --all --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey revoke") echo "--tenant --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey rotate") echo "--tenant --overlap --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "completion") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "doctor") echo "--check --metrics-file --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "init") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys destroy") echo "--tenant --version --force --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwks") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt activate") echo "--force --retire-previous --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt list") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt retire") echo "--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt rotate") echo "--alg --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys reencrypt") echo "--tenant --all --batch-size --max-rate --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys retire") echo "--tenant --version --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys rewrap") echo "--new-master-key --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys rotate") echo "--tenant --all --reencrypt --batch-size --max-rate --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys status") echo "--tenant --no-usage --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys verify") echo "--tenant --sample --all --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version" ;;
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
        "keys status|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "keys rotate|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "keys rotate|--batch-size") return 0 ;;
        "keys rotate|--max-rate") return 0 ;;
        "keys reencrypt|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "keys reencrypt|--batch-size") return 0 ;;
        "keys reencrypt|--max-rate") return 0 ;;
        "keys retire|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "keys retire|--version") return 0 ;;
        "keys destroy|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "keys destroy|--version") return 0 ;;
        "keys rewrap|--new-master-key") return 0 ;;
        "keys verify|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "keys verify|--sample") return 0 ;;
        "keys jwt rotate|--alg") echo "RS256 ES256"; return 0 ;;
        "apikey create|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "apikey create|--name") return 0 ;;
        "apikey create|--scope") return 0 ;;
        "apikey create|--expires") return 0 ;;
        "apikey list|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "apikey revoke|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "apikey rotate|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "apikey rotate|--overlap") return 0 ;;
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
