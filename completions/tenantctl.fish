# fish completion for tenantctl; generated from the command tree by `tenantctl completion fish`.

function __tenantctl_is_node
    switch "$argv[1]"
        case ''
            return 0
        case 'apikey'
            return 0
        case 'apikey create'
            return 0
        case 'apikey list'
            return 0
        case 'apikey revoke'
            return 0
        case 'apikey rotate'
            return 0
        case 'audit'
            return 0
        case 'audit import'
            return 0
        case 'audit partitions'
            return 0
        case 'audit partitions ensure'
            return 0
        case 'audit partitions list'
            return 0
        case 'audit partitions prune'
            return 0
        case 'audit query'
            return 0
        case 'audit record'
            return 0
        case 'audit seal'
            return 0
        case 'audit stats'
            return 0
        case 'audit tail'
            return 0
        case 'audit verify'
            return 0
        case 'completion'
            return 0
        case 'config'
            return 0
        case 'config current-context'
            return 0
        case 'config get-contexts'
            return 0
        case 'config use-context'
            return 0
        case 'config view'
            return 0
        case 'doctor'
            return 0
        case 'gdpr'
            return 0
        case 'gdpr erase'
            return 0
        case 'gdpr export'
            return 0
        case 'gdpr lint'
            return 0
        case 'gdpr requests'
            return 0
        case 'gdpr requests add'
            return 0
        case 'gdpr requests close'
            return 0
        case 'gdpr requests list'
            return 0
        case 'gdpr requests show'
            return 0
        case 'help'
            return 0
        case 'init'
            return 0
        case 'keys'
            return 0
        case 'keys destroy'
            return 0
        case 'keys jwks'
            return 0
        case 'keys jwt'
            return 0
        case 'keys jwt activate'
            return 0
        case 'keys jwt list'
            return 0
        case 'keys jwt retire'
            return 0
        case 'keys jwt rotate'
            return 0
        case 'keys reencrypt'
            return 0
        case 'keys retire'
            return 0
        case 'keys rewrap'
            return 0
        case 'keys rotate'
            return 0
        case 'keys status'
            return 0
        case 'keys verify'
            return 0
        case 'maintain'
            return 0
        case 'migrate'
            return 0
        case 'migrate adopt'
            return 0
        case 'migrate baseline'
            return 0
        case 'migrate down'
            return 0
        case 'migrate lint'
            return 0
        case 'migrate new'
            return 0
        case 'migrate plan'
            return 0
        case 'migrate repair'
            return 0
        case 'migrate status'
            return 0
        case 'migrate up'
            return 0
        case 'migrate verify'
            return 0
        case 'sandbox'
            return 0
        case 'sandbox down'
            return 0
        case 'sandbox env'
            return 0
        case 'sandbox psql'
            return 0
        case 'sandbox status'
            return 0
        case 'sandbox up'
            return 0
        case 'tenant'
            return 0
        case 'tenant adopt'
            return 0
        case 'tenant apply'
            return 0
        case 'tenant create'
            return 0
        case 'tenant delete'
            return 0
        case 'tenant list'
            return 0
        case 'tenant purge'
            return 0
        case 'tenant restore'
            return 0
        case 'tenant resume'
            return 0
        case 'tenant show'
            return 0
        case 'tenant suspend'
            return 0
        case 'tenant update'
            return 0
        case 'version'
            return 0
    end
    return 1
end

function __tenantctl_children
    switch "$argv[1]"
        case ''
            string split ' ' -- 'apikey audit completion config doctor gdpr help init keys maintain migrate sandbox tenant version'
        case 'apikey'
            string split ' ' -- 'create list revoke rotate'
        case 'audit'
            string split ' ' -- 'import partitions query record seal stats tail verify'
        case 'audit partitions'
            string split ' ' -- 'ensure list prune'
        case 'config'
            string split ' ' -- 'current-context get-contexts use-context view'
        case 'gdpr'
            string split ' ' -- 'erase export lint requests'
        case 'gdpr requests'
            string split ' ' -- 'add close list show'
        case 'keys'
            string split ' ' -- 'destroy jwks jwt reencrypt retire rewrap rotate status verify'
        case 'keys jwt'
            string split ' ' -- 'activate list retire rotate'
        case 'migrate'
            string split ' ' -- 'adopt baseline down lint new plan repair status up verify'
        case 'sandbox'
            string split ' ' -- 'down env psql status up'
        case 'tenant'
            string split ' ' -- 'adopt apply create delete list purge restore resume show suspend update'
    end
end

function __tenantctl_options
    switch "$argv[1]"
        case ''
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey create'
            string split ' ' -- '--tenant --name --scope --expires --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey list'
            string split ' ' -- '--tenant --all --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey revoke'
            string split ' ' -- '--tenant --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey rotate'
            string split ' ' -- '--tenant --overlap --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit import'
            string split ' ' -- '--from --map --tenant --key --batch --no-seal --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit partitions'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit partitions ensure'
            string split ' ' -- '--ahead --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit partitions list'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit partitions prune'
            string split ' ' -- '--older-than --archive --no-archive --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit query'
            string split ' ' -- '--tenant --all-tenants --since --until --actor --action --resource --where --limit --after --explain --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit record'
            string split ' ' -- '--tenant --action --resource --metadata --actor-type --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit seal'
            string split ' ' -- '--tenant --settle --parallel --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit stats'
            string split ' ' -- '--tenant --all-tenants --by --since --until --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit tail'
            string split ' ' -- '--tenant --lines -n --follow -f --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'audit verify'
            string split ' ' -- '--tenant --all --since --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'completion'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'config'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'config current-context'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'config get-contexts'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'config use-context'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'config view'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'doctor'
            string split ' ' -- '--check --metrics-file --probe --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr erase'
            string split ' ' -- '--tenant --subject --output-file -O --force --request --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr export'
            string split ' ' -- '--tenant --subject --all --output-file -O --format --table-format --force --request --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr lint'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests add'
            string split ' ' -- '--tenant --kind --subject --received --note --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests close'
            string split ' ' -- '--note --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests list'
            string split ' ' -- '--tenant --open --overdue --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests show'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'help'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'init'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys destroy'
            string split ' ' -- '--tenant --version --force --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwks'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt activate'
            string split ' ' -- '--force --retire-previous --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt list'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt retire'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt rotate'
            string split ' ' -- '--alg --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys reencrypt'
            string split ' ' -- '--tenant --all --batch-size --max-rate --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys retire'
            string split ' ' -- '--tenant --version --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys rewrap'
            string split ' ' -- '--new-master-key --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys rotate'
            string split ' ' -- '--tenant --all --reencrypt --batch-size --max-rate --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys status'
            string split ' ' -- '--tenant --no-usage --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys verify'
            string split ' ' -- '--tenant --sample --all --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'maintain'
            string split ' ' -- '--only --max-duration --settle --batch-size --metrics-file --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate adopt'
            string split ' ' -- '--from --history-table --dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate baseline'
            string split ' ' -- '--scope --dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate down'
            string split ' ' -- '--to --steps --scope --dir --tenants --exclude --parallel --continue-on-error --lock-retries --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate lint'
            string split ' ' -- '--dir --changed-since --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate new'
            string split ' ' -- '--scope --dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate plan'
            string split ' ' -- '--to --allow-out-of-order --dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate repair'
            string split ' ' -- '--mark-applied --forget --scope --dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate status'
            string split ' ' -- '--check --dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate up'
            string split ' ' -- '--to --allow-out-of-order --dir --tenants --exclude --parallel --continue-on-error --resume --lock-retries --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'migrate verify'
            string split ' ' -- '--dir --tenants --exclude --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox down'
            string split ' ' -- '--dir --keep --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox env'
            string split ' ' -- '--dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox psql'
            string split ' ' -- '--dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox status'
            string split ' ' -- '--dir --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox up'
            string split ' ' -- '--dir --port --no-init --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant adopt'
            string split ' ' -- '--database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant apply'
            string split ' ' -- '--file -f --prune --grace --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant create'
            string split ' ' -- '--name --plan --region --id --key --admin-email --isolation --if-not-exists --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant delete'
            string split ' ' -- '--grace --reason --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant list'
            string split ' ' -- '--status --plan --region --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant purge'
            string split ' ' -- '--due --force --batch-size --max-duration --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant restore'
            string split ' ' -- '--force --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant resume'
            string split ' ' -- '--reason --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant show'
            string split ' ' -- '--events --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant suspend'
            string split ' ' -- '--reason --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant update'
            string split ' ' -- '--name --plan --region --admin-email --set --unset --flag --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
        case 'version'
            string split ' ' -- '--client --database -d --config -c --context --output -o --jq --sort-by --actor --yes -y --dry-run --quiet -q --verbose -v --no-headers --log-format --no-color --lock-timeout --progress --help --version'
    end
end

function __tenantctl_values
    switch "$argv[1]|$argv[2]"
        case '*|--database'
            return 0
        case '*|-d'
            return 0
        case '*|--config'
            return 2
        case '*|-c'
            return 2
        case '*|--context'
            return 0
        case '*|--output'
            string split ' ' -- 'table wide json ndjson yaml csv name'
            return 0
        case '*|-o'
            string split ' ' -- 'table wide json ndjson yaml csv name'
            return 0
        case '*|--jq'
            return 0
        case '*|--sort-by'
            return 0
        case '*|--actor'
            return 0
        case '*|--log-format'
            string split ' ' -- 'text json'
            return 0
        case '*|--lock-timeout'
            return 0
        case '*|--progress'
            string split ' ' -- 'auto always never'
            return 0
        case 'sandbox up|--dir'
            return 3
        case 'sandbox up|--port'
            return 0
        case 'sandbox down|--dir'
            return 3
        case 'sandbox status|--dir'
            return 3
        case 'sandbox env|--dir'
            return 3
        case 'sandbox psql|--dir'
            return 3
        case 'doctor|--check'
            return 0
        case 'doctor|--metrics-file'
            return 2
        case 'tenant create|--name'
            return 0
        case 'tenant create|--plan'
            return 0
        case 'tenant create|--region'
            return 0
        case 'tenant create|--id'
            return 0
        case 'tenant create|--key'
            return 0
        case 'tenant create|--admin-email'
            return 0
        case 'tenant create|--isolation'
            string split ' ' -- 'shared schema'
            return 0
        case 'tenant list|--status'
            string split ' ' -- 'active suspended pending_deletion purged all'
            return 0
        case 'tenant list|--plan'
            return 0
        case 'tenant list|--region'
            return 0
        case 'tenant show|--events'
            return 0
        case 'tenant show|@positional'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'tenant update|--name'
            return 0
        case 'tenant update|--plan'
            return 0
        case 'tenant update|--region'
            return 0
        case 'tenant update|--admin-email'
            return 0
        case 'tenant update|--set'
            return 0
        case 'tenant update|--unset'
            return 0
        case 'tenant update|--flag'
            return 0
        case 'tenant update|@positional'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'tenant suspend|--reason'
            return 0
        case 'tenant suspend|@positional'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'tenant resume|--reason'
            return 0
        case 'tenant resume|@positional'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'tenant delete|--grace'
            return 0
        case 'tenant delete|--reason'
            return 0
        case 'tenant delete|@positional'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'tenant restore|@positional'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'tenant purge|--batch-size'
            return 0
        case 'tenant purge|--max-duration'
            return 0
        case 'tenant purge|@positional'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'tenant apply|--file'
            return 2
        case 'tenant apply|-f'
            return 2
        case 'tenant apply|--grace'
            return 0
        case 'keys status|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys rotate|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys rotate|--batch-size'
            return 0
        case 'keys rotate|--max-rate'
            return 0
        case 'keys reencrypt|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys reencrypt|--batch-size'
            return 0
        case 'keys reencrypt|--max-rate'
            return 0
        case 'keys retire|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys retire|--version'
            return 0
        case 'keys destroy|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys destroy|--version'
            return 0
        case 'keys rewrap|--new-master-key'
            return 0
        case 'keys verify|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys verify|--sample'
            return 0
        case 'keys jwt rotate|--alg'
            string split ' ' -- 'RS256 ES256'
            return 0
        case 'keys jwt activate|@positional'
            tenantctl __complete jwt-kids 2>/dev/null
            return 0
        case 'keys jwt retire|@positional'
            tenantctl __complete jwt-kids 2>/dev/null
            return 0
        case 'apikey create|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'apikey create|--name'
            return 0
        case 'apikey create|--scope'
            return 0
        case 'apikey create|--expires'
            return 0
        case 'apikey list|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'apikey revoke|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'apikey rotate|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'apikey rotate|--overlap'
            return 0
        case 'migrate new|--scope'
            string split ' ' -- 'shared tenant'
            return 0
        case 'migrate new|--dir'
            return 3
        case 'migrate status|--dir'
            return 3
        case 'migrate status|--tenants'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate status|--exclude'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate plan|--to'
            return 0
        case 'migrate plan|--dir'
            return 3
        case 'migrate plan|--tenants'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate plan|--exclude'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate up|--to'
            return 0
        case 'migrate up|--dir'
            return 3
        case 'migrate up|--tenants'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate up|--exclude'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate up|--parallel'
            return 0
        case 'migrate up|--resume'
            return 0
        case 'migrate up|--lock-retries'
            return 0
        case 'migrate down|--to'
            return 0
        case 'migrate down|--steps'
            return 0
        case 'migrate down|--scope'
            string split ' ' -- 'shared tenant'
            return 0
        case 'migrate down|--dir'
            return 3
        case 'migrate down|--tenants'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate down|--exclude'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate down|--parallel'
            return 0
        case 'migrate down|--lock-retries'
            return 0
        case 'migrate verify|--dir'
            return 3
        case 'migrate verify|--tenants'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate verify|--exclude'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate baseline|--scope'
            string split ' ' -- 'shared tenant'
            return 0
        case 'migrate baseline|--dir'
            return 3
        case 'migrate baseline|--tenants'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate baseline|--exclude'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate repair|--mark-applied'
            return 0
        case 'migrate repair|--forget'
            return 0
        case 'migrate repair|--scope'
            string split ' ' -- 'shared tenant'
            return 0
        case 'migrate repair|--dir'
            return 3
        case 'migrate repair|--tenants'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate repair|--exclude'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'migrate lint|--dir'
            return 3
        case 'migrate lint|--changed-since'
            return 0
        case 'migrate adopt|--from'
            string split ' ' -- 'flyway golang-migrate dbmate prisma'
            return 0
        case 'migrate adopt|--history-table'
            return 0
        case 'migrate adopt|--dir'
            return 3
        case 'gdpr export|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'gdpr export|--subject'
            return 0
        case 'gdpr export|--output-file'
            return 2
        case 'gdpr export|-O'
            return 2
        case 'gdpr export|--format'
            string split ' ' -- 'zip json'
            return 0
        case 'gdpr export|--table-format'
            string split ' ' -- 'ndjson csv'
            return 0
        case 'gdpr export|--request'
            return 0
        case 'gdpr erase|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'gdpr erase|--subject'
            return 0
        case 'gdpr erase|--output-file'
            return 2
        case 'gdpr erase|-O'
            return 2
        case 'gdpr erase|--request'
            return 0
        case 'gdpr requests list|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'gdpr requests close|--note'
            return 0
        case 'gdpr requests add|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'gdpr requests add|--kind'
            string split ' ' -- 'export erase export_all'
            return 0
        case 'gdpr requests add|--subject'
            return 0
        case 'gdpr requests add|--received'
            return 0
        case 'gdpr requests add|--note'
            return 0
        case 'audit query|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'audit query|--since'
            return 0
        case 'audit query|--until'
            return 0
        case 'audit query|--actor'
            return 0
        case 'audit query|--action'
            return 0
        case 'audit query|--resource'
            return 0
        case 'audit query|--where'
            return 0
        case 'audit query|--limit'
            return 0
        case 'audit query|--after'
            return 0
        case 'audit tail|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'audit tail|--lines'
            return 0
        case 'audit tail|-n'
            return 0
        case 'audit stats|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'audit stats|--by'
            string split ' ' -- 'action actor day hour'
            return 0
        case 'audit stats|--since'
            return 0
        case 'audit stats|--until'
            return 0
        case 'audit record|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'audit record|--action'
            return 0
        case 'audit record|--resource'
            return 0
        case 'audit record|--metadata'
            return 0
        case 'audit record|--actor-type'
            return 0
        case 'audit seal|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'audit seal|--settle'
            return 0
        case 'audit seal|--parallel'
            return 0
        case 'audit verify|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'audit verify|--since'
            return 0
        case 'audit partitions ensure|--ahead'
            return 0
        case 'audit partitions prune|--older-than'
            return 0
        case 'audit partitions prune|--archive'
            return 3
        case 'audit import|--from'
            return 0
        case 'audit import|--map'
            return 0
        case 'audit import|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'audit import|--key'
            return 0
        case 'audit import|--batch'
            return 0
        case 'maintain|--only'
            string split ' ' -- 'audit-partitions audit-seal audit-prune tenant-purge key-rotate key-reencrypt jwt-retire gdpr-due'
            return 0
        case 'maintain|--max-duration'
            return 0
        case 'maintain|--settle'
            return 0
        case 'maintain|--batch-size'
            return 0
        case 'maintain|--metrics-file'
            return 2
    end
    return 1
end

function __tenantctl_complete
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
