# bash completion for tenantctl; generated from the command tree by `tenantctl completion bash`.

_tenantctl_is_node() {
    case "$1" in
        "") return 0 ;;
        "apikey") return 0 ;;
        "apikey create") return 0 ;;
        "apikey list") return 0 ;;
        "apikey revoke") return 0 ;;
        "apikey rotate") return 0 ;;
        "audit") return 0 ;;
        "audit import") return 0 ;;
        "audit partitions") return 0 ;;
        "audit partitions ensure") return 0 ;;
        "audit partitions list") return 0 ;;
        "audit partitions prune") return 0 ;;
        "audit query") return 0 ;;
        "audit record") return 0 ;;
        "audit seal") return 0 ;;
        "audit stats") return 0 ;;
        "audit tail") return 0 ;;
        "audit verify") return 0 ;;
        "completion") return 0 ;;
        "config") return 0 ;;
        "config current-context") return 0 ;;
        "config get-contexts") return 0 ;;
        "config use-context") return 0 ;;
        "config view") return 0 ;;
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
        "help") return 0 ;;
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
        "maintain") return 0 ;;
        "migrate") return 0 ;;
        "migrate adopt") return 0 ;;
        "migrate baseline") return 0 ;;
        "migrate down") return 0 ;;
        "migrate lint") return 0 ;;
        "migrate new") return 0 ;;
        "migrate plan") return 0 ;;
        "migrate repair") return 0 ;;
        "migrate status") return 0 ;;
        "migrate up") return 0 ;;
        "migrate verify") return 0 ;;
        "sandbox") return 0 ;;
        "sandbox down") return 0 ;;
        "sandbox env") return 0 ;;
        "sandbox psql") return 0 ;;
        "sandbox status") return 0 ;;
        "sandbox up") return 0 ;;
        "tenant") return 0 ;;
        "tenant adopt") return 0 ;;
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
        "version") return 0 ;;
    esac
    return 1
}

_tenantctl_children() {
    case "$1" in
        "") echo "apikey audit completion config doctor gdpr help init keys maintain migrate sandbox tenant version" ;;
        "apikey") echo "create list revoke rotate" ;;
        "audit") echo "import partitions query record seal stats tail verify" ;;
        "audit partitions") echo "ensure list prune" ;;
        "config") echo "current-context get-contexts use-context view" ;;
        "gdpr") echo "erase export lint requests" ;;
        "gdpr requests") echo "add close list show" ;;
        "keys") echo "destroy jwks jwt reencrypt retire rewrap rotate status verify" ;;
        "keys jwt") echo "activate list retire rotate" ;;
        "migrate") echo "adopt baseline down lint new plan repair status up verify" ;;
        "sandbox") echo "down env psql status up" ;;
        "tenant") echo "adopt apply create delete list purge restore resume show suspend update" ;;
    esac
}

_tenantctl_options() {
    case "$1" in
        "") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey create") echo "--tenant --name --scope --expires --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey list") echo "--tenant --all --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey revoke") echo "--tenant --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "apikey rotate") echo "--tenant --overlap --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit import") echo "--from --map --tenant --key --batch --no-seal --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit partitions") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit partitions ensure") echo "--ahead --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit partitions list") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit partitions prune") echo "--older-than --archive --no-archive --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit query") echo "--tenant --all-tenants --since --until --actor --action --resource --where --limit --after --explain --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit record") echo "--tenant --action --resource --metadata --actor-type --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit seal") echo "--tenant --settle --parallel --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit stats") echo "--tenant --all-tenants --by --since --until --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit tail") echo "--tenant --lines -n --follow -f --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "audit verify") echo "--tenant --all --since --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "completion") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "config") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "config current-context") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "config get-contexts") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "config use-context") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "config view") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "doctor") echo "--check --metrics-file --probe --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr erase") echo "--tenant --subject --output-file -O --force --request --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr export") echo "--tenant --subject --all --output-file -O --format --table-format --force --request --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr lint") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests add") echo "--tenant --kind --subject --received --note --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests close") echo "--note --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests list") echo "--tenant --open --overdue --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "gdpr requests show") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "help") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "init") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys destroy") echo "--tenant --version --force --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwks") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt activate") echo "--force --retire-previous --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt list") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt retire") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys jwt rotate") echo "--alg --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys reencrypt") echo "--tenant --all --batch-size --max-rate --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys retire") echo "--tenant --version --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys rewrap") echo "--new-master-key --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys rotate") echo "--tenant --all --reencrypt --batch-size --max-rate --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys status") echo "--tenant --no-usage --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "keys verify") echo "--tenant --sample --all --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "maintain") echo "--only --max-duration --settle --batch-size --metrics-file --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate adopt") echo "--from --history-table --dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate baseline") echo "--scope --dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate down") echo "--to --steps --scope --dir --tenants --exclude --parallel --continue-on-error --lock-retries --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate lint") echo "--dir --changed-since --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate new") echo "--scope --dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate plan") echo "--to --allow-out-of-order --dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate repair") echo "--mark-applied --forget --scope --dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate status") echo "--check --dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate up") echo "--to --allow-out-of-order --dir --tenants --exclude --parallel --continue-on-error --resume --lock-retries --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "migrate verify") echo "--dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox down") echo "--dir --keep --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox env") echo "--dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox psql") echo "--dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox status") echo "--dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "sandbox up") echo "--dir --port --no-init --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant adopt") echo "--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant apply") echo "--file -f --prune --grace --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant create") echo "--name --plan --region --id --key --admin-email --isolation --if-not-exists --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant delete") echo "--grace --reason --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant list") echo "--status --plan --region --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant purge") echo "--due --force --batch-size --max-duration --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant restore") echo "--force --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant resume") echo "--reason --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant show") echo "--events --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant suspend") echo "--reason --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "tenant update") echo "--name --plan --region --admin-email --set --unset --flag --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
        "version") echo "--client --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version" ;;
    esac
}

_tenantctl_values() {
    case "$1|$2" in
        *"|--database") return 0 ;;
        *"|-d") return 0 ;;
        *"|--config") return 2 ;;
        *"|-c") return 2 ;;
        *"|--context") return 0 ;;
        *"|--output") echo "table wide json ndjson yaml csv name"; return 0 ;;
        *"|-o") echo "table wide json ndjson yaml csv name"; return 0 ;;
        *"|--jq") return 0 ;;
        *"|--sort-by") return 0 ;;
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
        "tenant create|--key") return 0 ;;
        "tenant create|--admin-email") return 0 ;;
        "tenant create|--isolation") echo "shared schema"; return 0 ;;
        "tenant list|--status") echo "active suspended pending_deletion purged all"; return 0 ;;
        "tenant list|--plan") return 0 ;;
        "tenant list|--region") return 0 ;;
        "tenant show|--events") return 0 ;;
        "tenant show|@positional") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "tenant update|--name") return 0 ;;
        "tenant update|--plan") return 0 ;;
        "tenant update|--region") return 0 ;;
        "tenant update|--admin-email") return 0 ;;
        "tenant update|--set") return 0 ;;
        "tenant update|--unset") return 0 ;;
        "tenant update|--flag") return 0 ;;
        "tenant update|@positional") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "tenant suspend|--reason") return 0 ;;
        "tenant suspend|@positional") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "tenant resume|--reason") return 0 ;;
        "tenant resume|@positional") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "tenant delete|--grace") return 0 ;;
        "tenant delete|--reason") return 0 ;;
        "tenant delete|@positional") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "tenant restore|@positional") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "tenant purge|--batch-size") return 0 ;;
        "tenant purge|--max-duration") return 0 ;;
        "tenant purge|@positional") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "tenant apply|--file") return 2 ;;
        "tenant apply|-f") return 2 ;;
        "tenant apply|--grace") return 0 ;;
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
        "keys jwt activate|@positional") tenantctl __complete jwt-kids 2>/dev/null; return 0 ;;
        "keys jwt retire|@positional") tenantctl __complete jwt-kids 2>/dev/null; return 0 ;;
        "apikey create|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "apikey create|--name") return 0 ;;
        "apikey create|--scope") return 0 ;;
        "apikey create|--expires") return 0 ;;
        "apikey list|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "apikey revoke|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "apikey rotate|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "apikey rotate|--overlap") return 0 ;;
        "migrate new|--scope") echo "shared tenant"; return 0 ;;
        "migrate new|--dir") return 3 ;;
        "migrate status|--dir") return 3 ;;
        "migrate status|--tenants") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate status|--exclude") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate plan|--to") return 0 ;;
        "migrate plan|--dir") return 3 ;;
        "migrate plan|--tenants") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate plan|--exclude") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate up|--to") return 0 ;;
        "migrate up|--dir") return 3 ;;
        "migrate up|--tenants") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate up|--exclude") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate up|--parallel") return 0 ;;
        "migrate up|--resume") return 0 ;;
        "migrate up|--lock-retries") return 0 ;;
        "migrate down|--to") return 0 ;;
        "migrate down|--steps") return 0 ;;
        "migrate down|--scope") echo "shared tenant"; return 0 ;;
        "migrate down|--dir") return 3 ;;
        "migrate down|--tenants") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate down|--exclude") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate down|--parallel") return 0 ;;
        "migrate down|--lock-retries") return 0 ;;
        "migrate verify|--dir") return 3 ;;
        "migrate verify|--tenants") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate verify|--exclude") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate baseline|--scope") echo "shared tenant"; return 0 ;;
        "migrate baseline|--dir") return 3 ;;
        "migrate baseline|--tenants") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate baseline|--exclude") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate repair|--mark-applied") return 0 ;;
        "migrate repair|--forget") return 0 ;;
        "migrate repair|--scope") echo "shared tenant"; return 0 ;;
        "migrate repair|--dir") return 3 ;;
        "migrate repair|--tenants") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate repair|--exclude") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "migrate lint|--dir") return 3 ;;
        "migrate lint|--changed-since") return 0 ;;
        "migrate adopt|--from") echo "flyway golang-migrate dbmate prisma"; return 0 ;;
        "migrate adopt|--history-table") return 0 ;;
        "migrate adopt|--dir") return 3 ;;
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
        "audit query|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "audit query|--since") return 0 ;;
        "audit query|--until") return 0 ;;
        "audit query|--actor") return 0 ;;
        "audit query|--action") return 0 ;;
        "audit query|--resource") return 0 ;;
        "audit query|--where") return 0 ;;
        "audit query|--limit") return 0 ;;
        "audit query|--after") return 0 ;;
        "audit tail|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "audit tail|--lines") return 0 ;;
        "audit tail|-n") return 0 ;;
        "audit stats|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "audit stats|--by") echo "action actor day hour"; return 0 ;;
        "audit stats|--since") return 0 ;;
        "audit stats|--until") return 0 ;;
        "audit record|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "audit record|--action") return 0 ;;
        "audit record|--resource") return 0 ;;
        "audit record|--metadata") return 0 ;;
        "audit record|--actor-type") return 0 ;;
        "audit seal|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "audit seal|--settle") return 0 ;;
        "audit seal|--parallel") return 0 ;;
        "audit verify|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "audit verify|--since") return 0 ;;
        "audit partitions ensure|--ahead") return 0 ;;
        "audit partitions prune|--older-than") return 0 ;;
        "audit partitions prune|--archive") return 3 ;;
        "audit import|--from") return 0 ;;
        "audit import|--map") return 0 ;;
        "audit import|--tenant") tenantctl __complete tenants 2>/dev/null; return 0 ;;
        "audit import|--key") return 0 ;;
        "audit import|--batch") return 0 ;;
        "maintain|--only") echo "audit-partitions audit-seal audit-prune tenant-purge key-rotate key-reencrypt jwt-retire gdpr-due"; return 0 ;;
        "maintain|--max-duration") return 0 ;;
        "maintain|--settle") return 0 ;;
        "maintain|--batch-size") return 0 ;;
        "maintain|--metrics-file") return 2 ;;
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
