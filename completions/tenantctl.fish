# fish completion for tenantctl; generated from the command tree by `tenantctl completion fish`.

function __tenantctl_is_node
    switch "$argv[1]"
        case ''
            return 0
        case 'completion'
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
        case 'init'
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
    end
    return 1
end

function __tenantctl_children
    switch "$argv[1]"
        case ''
            string split ' ' -- 'completion doctor gdpr init sandbox'
        case 'gdpr'
            string split ' ' -- 'erase export lint requests'
        case 'gdpr requests'
            string split ' ' -- 'add close list show'
        case 'sandbox'
            string split ' ' -- 'down env psql status up'
    end
end

function __tenantctl_options
    switch "$argv[1]"
        case ''
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'completion'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'doctor'
            string split ' ' -- '--check --metrics-file --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr erase'
            string split ' ' -- '--tenant --subject --output-file -O --force --request --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr export'
            string split ' ' -- '--tenant --subject --all --output-file -O --format --table-format --force --request --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr lint'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests add'
            string split ' ' -- '--tenant --kind --subject --received --note --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests close'
            string split ' ' -- '--note --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests list'
            string split ' ' -- '--tenant --open --overdue --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'gdpr requests show'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'init'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox down'
            string split ' ' -- '--dir --keep --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox env'
            string split ' ' -- '--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox psql'
            string split ' ' -- '--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox status'
            string split ' ' -- '--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox up'
            string split ' ' -- '--dir --port --no-init --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
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
            string split ' ' -- 'table json ndjson yaml csv'
            return 0
        case '*|-o'
            string split ' ' -- 'table json ndjson yaml csv'
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
    else
        __tenantctl_children "$cmdpath"
    end
end

complete -c tenantctl -f -a '(__tenantctl_complete)'
